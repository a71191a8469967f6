/**
 * Spectral shape descriptors of a magnitude spectrogram, as librosa 0.9.2 computes them from
 * `S = |stft(y)|` with its defaults: centroid, bandwidth, roll-off frequency and flatness.
 * Each returns one value per frame (`frames x 1`).
 *
 * They take the shared {@link Spectrogram} from `stft()`, so a caller that already has the STFT
 * for MFCCs pays only a pass over the bins.
 *
 * References: G. Peeters, "A large set of audio features for sound description", IRCAM, 2004
 * (centroid, spread, roll-off); S. Dubnov, "Generalization of spectral flatness measure for
 * non-Gaussian linear processes", IEEE Signal Processing Letters 11(8), 2004 (flatness).
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const centroid = spectralCentroid(spec); // Hz per frame
 * const flatness = spectralFlatness(spec); // in [0, 1] per frame
 * ```
 * @module
 */
import type { FrameSeries, Spectrogram } from "./types.ts";

/** `np.finfo(np.float32).tiny`: librosa's `normalize` leaves frames with a smaller sum as is. */
const TINY32 = 1.1754943508222875e-38;

/** Bin centre frequencies as `np.fft.rfftfreq(nFft, 1 / sampleRate)` (librosa's
 * `fft_frequencies`), in Hz. */
function binFrequencies(spec: Spectrogram): Float64Array {
  const step = 1 / (spec.nFft * (1 / spec.sampleRate));
  const freqs = new Float64Array(spec.bins);
  for (let k = 0; k < spec.bins; k++) freqs[k] = k * step;
  return freqs;
}

/**
 * Each frame's magnitudes divided by their sum (`librosa.util.normalize(S, norm=1, axis=-2)`),
 * stored as float32 like librosa's float32 result; frames summing to less than float32's
 * smallest normal number are left unnormalized (all-zero frames stay zero).
 */
function normalizedFrame(spec: Spectrogram, frame: number, out: Float64Array): void {
  const { bins, magnitude } = spec;
  const row = frame * bins;
  let sum = 0;
  for (let k = 0; k < bins; k++) sum += Math.abs(magnitude[row + k]);
  const length = sum < TINY32 ? 1 : sum;
  for (let k = 0; k < bins; k++) out[k] = Math.fround(magnitude[row + k] / length);
}

/**
 * Spectral centroid, `librosa.feature.spectral_centroid(S=|stft|)`: the magnitude-weighted mean
 * frequency of each frame, `sum_k f_k S_k / sum_k S_k`.
 *
 * @param spec magnitude spectrogram (its `magnitude`, not `power`, as librosa's `S=np.abs(D)`)
 * @returns frames x 1, Hz in [0, sampleRate / 2]; 0 for silent frames
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * spectralCentroid(spec).data[10]; // ~440
 * ```
 */
export function spectralCentroid(spec: Spectrogram): FrameSeries {
  const freqs = binFrequencies(spec);
  const weights = new Float64Array(spec.bins);
  const data = new Float64Array(spec.frames);
  for (let t = 0; t < spec.frames; t++) {
    normalizedFrame(spec, t, weights);
    let sum = 0;
    for (let k = 0; k < spec.bins; k++) sum += freqs[k] * weights[k];
    data[t] = sum;
  }
  return { frames: spec.frames, width: 1, data };
}

/** Options of {@link spectralBandwidth}. */
export interface BandwidthOptions {
  /** Order of the deviation moment, > 0 (default 2: a standard deviation). */
  p?: number;
  /** Normalize each frame's magnitudes to sum 1 first (default true). */
  norm?: boolean;
  /** Precomputed centroid (frames x 1, Hz); computed when omitted. */
  centroid?: FrameSeries;
}

/**
 * Spectral bandwidth, `librosa.feature.spectral_bandwidth(S=|stft|, p=2, norm=True)`:
 * `(sum_k S_k |f_k - centroid|^p)^(1/p)` with `S` normalized per frame, i.e. the spread of the
 * spectrum around its centroid.
 *
 * @param spec magnitude spectrogram
 * @param options moment order `p`, normalization, optional precomputed centroid
 * @returns frames x 1, Hz
 * @example
 * ```ts
 * import { whiteNoise } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(whiteNoise(1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const bandwidth = spectralBandwidth(spec); // Hz per frame
 * ```
 */
export function spectralBandwidth(spec: Spectrogram, options: BandwidthOptions = {}): FrameSeries {
  const { p = 2, norm = true } = options;
  if (!(p > 0)) throw new RangeError(`lib/features/descriptors.ts: p must be > 0, got ${p}`);
  const centroid = options.centroid ?? spectralCentroid(spec);
  if (centroid.frames !== spec.frames) {
    throw new RangeError(
      `lib/features/descriptors.ts: centroid has ${centroid.frames} frames, spectrogram ${spec.frames}`,
    );
  }
  const freqs = binFrequencies(spec);
  const weights = new Float64Array(spec.bins);
  const data = new Float64Array(spec.frames);
  for (let t = 0; t < spec.frames; t++) {
    if (norm) normalizedFrame(spec, t, weights);
    else for (let k = 0; k < spec.bins; k++) weights[k] = spec.magnitude[t * spec.bins + k];
    const c = centroid.data[t * centroid.width];
    let sum = 0;
    for (let k = 0; k < spec.bins; k++) {
      const deviation = Math.abs(c - freqs[k]);
      sum += weights[k] * (p === 2 ? deviation * deviation : deviation ** p);
    }
    data[t] = sum ** (1 / p);
  }
  return { frames: spec.frames, width: 1, data };
}

/**
 * Spectral roll-off, `librosa.feature.spectral_rolloff(S=|stft|, roll_percent=0.85)`: the
 * centre frequency of the first bin at which the running sum of magnitudes reaches
 * `rollPercent` of the frame's total. The running sum is float32, as numpy's cumsum of the
 * float32 spectrogram, because it decides which bin is picked.
 *
 * @param spec magnitude spectrogram
 * @param rollPercent fraction of the total in (0, 1) (default 0.85)
 * @returns frames x 1, Hz (a bin centre frequency); 0 for silent frames
 * @example
 * ```ts
 * import { whiteNoise } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(whiteNoise(1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const rolloff = spectralRolloff(spec, 0.85);
 * ```
 */
export function spectralRolloff(spec: Spectrogram, rollPercent = 0.85): FrameSeries {
  if (!(rollPercent > 0 && rollPercent < 1)) {
    throw new RangeError(
      `lib/features/descriptors.ts: rollPercent must be in (0, 1), got ${rollPercent}`,
    );
  }
  const { bins, magnitude } = spec;
  const freqs = binFrequencies(spec);
  const fround = Math.fround;
  const fraction = fround(rollPercent);
  const running = new Float32Array(bins);
  const data = new Float64Array(spec.frames);
  for (let t = 0; t < spec.frames; t++) {
    const row = t * bins;
    let sum = 0;
    for (let k = 0; k < bins; k++) {
      sum = fround(sum + magnitude[row + k]);
      running[k] = sum;
    }
    const threshold = fround(fraction * sum);
    let k = 0;
    while (k < bins - 1 && running[k] < threshold) k++;
    data[t] = freqs[k];
  }
  return { frames: spec.frames, width: 1, data };
}

/** Options of {@link spectralFlatness}. */
export interface FlatnessOptions {
  /** Floor on `S^power` before the logarithm, > 0 (default 1e-10). */
  amin?: number;
  /** Exponent applied to the magnitudes (default 2: a power spectrum). */
  power?: number;
}

/**
 * Spectral flatness (Wiener entropy), `librosa.feature.spectral_flatness(S=|stft|)`: the
 * geometric over the arithmetic mean of `max(amin, S^power)` per frame. Near 1 for white
 * noise, near 0 for a pure tone.
 *
 * @param spec magnitude spectrogram
 * @param options `amin` floor and `power` exponent
 * @returns frames x 1, in (0, 1]
 * @example
 * ```ts
 * import { whiteNoise } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(whiteNoise(1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const flatness = spectralFlatness(spec); // ~0.56 for white noise, ~0 for a sine
 * ```
 */
export function spectralFlatness(spec: Spectrogram, options: FlatnessOptions = {}): FrameSeries {
  const { amin = 1e-10, power = 2 } = options;
  if (!(amin > 0)) {
    throw new RangeError(`lib/features/descriptors.ts: amin must be > 0, got ${amin}`);
  }
  const { bins, magnitude } = spec;
  const fround = Math.fround;
  // librosa works on the float32 spectrogram: S ** power and the floor are float32.
  const floor = fround(amin);
  const data = new Float64Array(spec.frames);
  for (let t = 0; t < spec.frames; t++) {
    const row = t * bins;
    let logSum = 0;
    let sum = 0;
    // The log of a product of up to 8 values instead of 8 logs: values are float32 in
    // [amin, ~1e38], so a product of 8 stays within float64's range whenever each is in
    // [1e-38, 1e38] (checked; otherwise one log each). Differs from the sum of logs by rounding.
    let product = 1, inProduct = 0;
    for (let k = 0; k < bins; k++) {
      const s = magnitude[row + k];
      const raised = fround(power === 2 ? s * s : s ** power);
      const value = raised > floor ? raised : floor;
      sum += value;
      if (value < 1e-38 || value > 1e38) {
        logSum += Math.log(value);
        continue;
      }
      product *= value;
      if (++inProduct === 8) {
        logSum += Math.log(product);
        product = 1;
        inProduct = 0;
      }
    }
    if (inProduct > 0) logSum += Math.log(product);
    data[t] = Math.exp(logSum / bins) / (sum / bins);
  }
  return { frames: spec.frames, width: 1, data };
}
