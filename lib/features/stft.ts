/**
 * Short-time Fourier transform as librosa 0.9.2 computes it by default: periodic Hann window,
 * `center=True` with zero ("constant") padding of `nFft / 2` samples on each side, frames every
 * `hopLength` samples. Magnitude and power are computed once here and shared by every spectral
 * feature.
 *
 * @example
 * ```ts
 * const spec = stft(new Float32Array(66150), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * console.log(spec.frames, spec.bins); // 130 1025
 * ```
 * @module
 */
import { RealFft } from "./fft.ts";
import { stftWasm } from "./stft_wasm.ts";
import type { Spectrogram } from "./types.ts";

/** Options of {@link stft}. */
export interface StftOptions {
  /** Sample rate of the signal in Hz (recorded in the result for frequency axes). */
  sampleRate: number;
  /** FFT and window size in samples; a power of two. */
  nFft: number;
  /** Hop between frames in samples. */
  hopLength: number;
}

const fftCache = new Map<number, RealFft>();
const windowCache = new Map<number, Float64Array>();

/**
 * Cached {@link RealFft} of a size (the tables are the expensive part).
 *
 * @param size transform length in samples; a power of two >= 8
 * @example
 * ```ts
 * const fft = realFft(2048); // the same instance on every call
 * ```
 */
export function realFft(size: number): RealFft {
  let fft = fftCache.get(size);
  if (!fft) {
    fft = new RealFft(size);
    fftCache.set(size, fft);
  }
  return fft;
}

/**
 * The periodic Hann window of `size` samples, `0.5 - 0.5 cos(2 pi i / size)`, as
 * `scipy.signal.get_window("hann", size, fftbins=True)` returns it.
 *
 * @param size window length in samples
 * @example
 * ```ts
 * hannWindow(4); // [0, 0.5, 1, 0.5]
 * ```
 */
export function hannWindow(size: number): Float64Array {
  let window = windowCache.get(size);
  if (!window) {
    window = new Float64Array(size);
    for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    windowCache.set(size, window);
  }
  return window;
}

/**
 * Number of centred frames librosa produces for a signal: `1 + floor(samples / hopLength)`.
 *
 * @param samples signal length in samples
 * @param hopLength hop between frames in samples
 * @example
 * ```ts
 * frameCount(66150, 512); // 130
 * ```
 */
export function frameCount(samples: number, hopLength: number): number {
  return 1 + Math.floor(samples / hopLength);
}

/**
 * Throws a RangeError unless every sample is finite and there is at least one.
 *
 * @param samples the signal
 * @param source what the samples came from, for the message (e.g. a file path)
 * @example
 * ```ts
 * assertValidAudio(new Float32Array([0, 0.5]), "a.wav");
 * ```
 */
export function assertValidAudio(samples: Float32Array, source = "signal"): void {
  if (samples.length === 0) throw new RangeError(`${source}: audio has no samples`);
  // x * 0 is 0 for finite x and NaN otherwise: one branch-free pass, then find the culprit.
  let check = 0;
  for (let i = 0; i < samples.length; i++) check += samples[i] * 0;
  if (check === 0) return;
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new RangeError(`${source}: audio is not finite at sample ${i} (${samples[i]})`);
    }
  }
}

/**
 * Centred STFT of a signal (librosa 0.9.2 defaults: Hann window, zero padding).
 *
 * @param samples mono signal, amplitude in [-1, 1]
 * @param options sample rate in Hz, FFT size and hop in samples
 * @param reuse a spectrogram whose arrays may be overwritten (when its shape fits) instead of
 *   allocating new ones; this saves ~1 MB of fresh, page-faulting memory per 3 s clip
 * @returns magnitude and power spectrogram, frames x (nFft/2 + 1), and `silentFrom`: the first
 *   of the trailing frames that see only zeros (exactly zero rows, which features skip)
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const samples = sine(440, 1, 22050);
 * const spec = stft(samples, { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const firstFramePower = spec.power.subarray(0, spec.bins);
 * ```
 */
export function stft(
  samples: Float32Array,
  options: StftOptions,
  reuse?: Spectrogram,
): Spectrogram {
  const { nFft, hopLength, sampleRate } = options;
  if (!Number.isInteger(hopLength) || hopLength <= 0) {
    throw new RangeError(`stft: hopLength must be a positive whole number, got ${hopLength}`);
  }
  const fft = realFft(nFft);
  const window = hannWindow(nFft);
  const bins = fft.bins;
  const frames = frameCount(samples.length, hopLength);
  const fits = reuse !== undefined && reuse.magnitude.length === frames * bins &&
    reuse.power.length === frames * bins;
  const magnitude = fits ? reuse.magnitude : new Float32Array(frames * bins);
  const power = fits ? reuse.power : new Float32Array(frames * bins);
  // Frames that see only zeros (a clip padded to its duration ends in ~1 s of them for TESS)
  // have exactly zero magnitude and power (every product and sum of the FFT is +-0): they are
  // filled, not transformed.
  let last = samples.length - 1;
  while (last >= 0 && samples[last] === 0) last--;
  const offset = nFft >> 1;
  // Frame t starts at t * hopLength - offset: it sees a nonzero sample iff that is <= last.
  const active = last < 0 ? 0 : Math.min(frames, Math.floor((last + offset) / hopLength) + 1);
  magnitude.fill(0, active * bins);
  power.fill(0, active * bins);
  // The WebAssembly SIMD kernel: bit-identical to the loop below, ~2x faster (stft_wasm.ts).
  if (stftWasm(samples, nFft, hopLength, window, active, magnitude, power)) {
    return { frames, bins, nFft, hopLength, sampleRate, magnitude, power, silentFrom: active };
  }
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const fround = Math.fround;
  for (let t = 0; t < active; t++) {
    fft.forwardFrame(samples, t * hopLength - offset, window, re, im);
    const row = t * bins;
    for (let k = 0; k < bins; k++) {
      // librosa stores the STFT as complex64, then takes abs in float32.
      const real = fround(re[k]);
      const imag = fround(im[k]);
      const mag = fround(Math.sqrt(real * real + imag * imag));
      magnitude[row + k] = mag;
      power[row + k] = mag * mag;
    }
  }
  return { frames, bins, nFft, hopLength, sampleRate, magnitude, power, silentFrom: active };
}
