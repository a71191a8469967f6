/**
 * Vocal-tract length perturbation that keeps pitch and duration: the spectral envelope (the
 * formants) is stretched along frequency by a factor while the harmonics stay where they are.
 *
 * Jaitly & Hinton (2013, "Vocal Tract Length Perturbation (VTLP) improves speech recognition")
 * warp the frequency axis of the filterbank, which moves the harmonics (the pitch) together with
 * the formants — a waveform resampling or {@link pitchShift} does the same. Voices differ in
 * both independently (a longer vocal tract lowers the formants, not necessarily the pitch), so
 * this transform changes the envelope alone, in the source–filter view (Fant, 1960): per STFT
 * frame, the all-pole envelope `E(f) = 1 / |A(f)|` from linear prediction (autocorrelation
 * method, Levinson–Durbin; Makhoul, 1975, "Linear prediction: a tutorial review") is replaced
 * by the warped `E(f / factor)`, i.e. each bin is multiplied by `|A(f)| / |A(f / factor)|`,
 * phases kept; then inverse STFT by windowed overlap-add. `factor > 1` raises the formants (a
 * shorter vocal tract), `< 1` lowers them.
 * @module
 */
// Deep import: features/mod.ts re-exports utterance_set.ts, which imports lib/augment (a cycle).
import { hannWindow, realFft } from "../features/stft.ts";
import { realInverseFft } from "./fft.ts";
import { checkRate, checkSamples } from "./waveform.ts";

const FILE = "lib/augment/formant.ts";

/** Settings of {@link formantShift}. */
export interface FormantShiftOptions {
  /** FFT size in samples, a power of two (default 1024: 46 ms at 22050 Hz). */
  nFft?: number;
  /** Linear-prediction order (default `2 + round(sampleRate / 1000)`, the usual rule). */
  order?: number;
}

/** Bounds of the envelope ratio applied to a bin: keeps a deep LPC notch from exploding. */
const MAX_GAIN = 30;

/**
 * Levinson–Durbin recursion: prediction coefficients `a` (with `a[0] = 1`) of `order` from
 * autocorrelations `r[0..order]`. Stops early (keeping the lower order) if the recursion
 * becomes unstable, which a lag-0 correction below makes rare.
 */
function levinson(r: Float64Array, order: number, a: Float64Array): void {
  a.fill(0);
  a[0] = 1;
  let error = r[0];
  const previous = new Float64Array(order + 1);
  for (let i = 1; i <= order; i++) {
    if (error <= 0) break;
    let acc = r[i];
    for (let j = 1; j < i; j++) acc += a[j] * r[i - j];
    const k = -acc / error;
    if (!(Math.abs(k) < 1)) break;
    previous.set(a);
    for (let j = 1; j < i; j++) a[j] = previous[j] + k * previous[i - j];
    a[i] = k;
    error *= 1 - k * k;
  }
}

/**
 * Stretches the formants of `samples` by `factor` and keeps pitch and duration (see the module
 * notes). Same length as the input.
 *
 * @param samples mono signal
 * @param sampleRate its rate in Hz
 * @param factor envelope stretch in [0.7, 1.4]: 1.1 moves a 1000 Hz formant to 1100 Hz
 *   (typical vocal tract perturbations use 0.9–1.1); 1 returns a copy
 * @param options FFT size and prediction order
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const brighter = formantShift(sine(220, 1, 16000), 16000, 1.1); // 16000 samples
 * ```
 */
export function formantShift(
  samples: Float32Array,
  sampleRate: number,
  factor: number,
  options: FormantShiftOptions = {},
): Float32Array {
  checkSamples(samples, "formantShift");
  checkRate(sampleRate, "formantShift");
  if (!Number.isFinite(factor) || factor < 0.7 || factor > 1.4) {
    throw new RangeError(`${FILE}: formantShift: factor must be in [0.7, 1.4], got ${factor}`);
  }
  const nFft = options.nFft ?? 1024;
  if (!Number.isInteger(nFft) || nFft < 64 || (nFft & (nFft - 1)) !== 0) {
    throw new RangeError(`${FILE}: nFft must be a power of two >= 64, got ${nFft}`);
  }
  const order = options.order ?? 2 + Math.round(sampleRate / 1000);
  if (!Number.isInteger(order) || order < 2 || order >= nFft / 2) {
    throw new RangeError(`${FILE}: order must be a whole number in [2, nFft/2), got ${order}`);
  }
  if (factor === 1 || samples.length === 0) return samples.slice();

  const hop = nFft / 4;
  const bins = nFft / 2 + 1;
  const frames = 1 + Math.floor(samples.length / hop);
  const window = hannWindow(nFft);
  const forward = realFft(nFft);
  const inverse = realInverseFft(nFft);
  // cos/sin of m * omega for the bins' own frequencies and for the frequencies they take their
  // envelope from (omega / factor): |A| at both is a short sum per bin.
  const cosHere = new Float64Array(bins * (order + 1));
  const sinHere = new Float64Array(bins * (order + 1));
  const cosFrom = new Float64Array(bins * (order + 1));
  const sinFrom = new Float64Array(bins * (order + 1));
  for (let k = 0; k < bins; k++) {
    const omega = (Math.PI * k) / (bins - 1);
    const from = Math.min(Math.PI, omega / factor);
    for (let m = 0; m <= order; m++) {
      cosHere[k * (order + 1) + m] = Math.cos(m * omega);
      sinHere[k * (order + 1) + m] = Math.sin(m * omega);
      cosFrom[k * (order + 1) + m] = Math.cos(m * from);
      sinFrom[k * (order + 1) + m] = Math.sin(m * from);
    }
  }
  const magnitudeOfA = (a: Float64Array, cos: Float64Array, sin: Float64Array, k: number) => {
    let re = 0;
    let im = 0;
    const base = k * (order + 1);
    for (let m = 0; m <= order; m++) {
      re += a[m] * cos[base + m];
      im -= a[m] * sin[base + m];
    }
    return Math.hypot(re, im);
  };

  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const frame = new Float64Array(nFft);
  const windowed = new Float64Array(nFft);
  const r = new Float64Array(order + 1);
  const a = new Float64Array(order + 1);
  const offset = nFft / 2;
  const fullLength = nFft + hop * (frames - 1);
  const output = new Float64Array(fullLength);
  const windowSum = new Float64Array(fullLength);
  for (let t = 0; t < frames; t++) {
    const start = t * hop - offset;
    // The windowed frame (zero outside the signal, as the STFT's padding): its spectrum and its
    // autocorrelation.
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      windowed[i] = j >= 0 && j < samples.length ? samples[j] * window[i] : 0;
    }
    forward.forward(windowed, re, im);
    for (let lag = 0; lag <= order; lag++) {
      let sum = 0;
      for (let i = lag; i < nFft; i++) sum += windowed[i] * windowed[i - lag];
      r[lag] = sum;
    }
    if (r[0] > 0) {
      // A -40 dB white-noise floor keeps the recursion well conditioned on near-silent or
      // narrow-band frames.
      r[0] *= 1 + 1e-4;
      levinson(r, order, a);
      for (let k = 0; k < bins; k++) {
        const here = magnitudeOfA(a, cosHere, sinHere, k);
        const from = magnitudeOfA(a, cosFrom, sinFrom, k);
        const gain = Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, here / Math.max(from, 1e-12)));
        re[k] *= gain;
        im[k] *= gain;
      }
    }
    inverse.inverse(re, im, frame);
    const at = t * hop;
    for (let i = 0; i < nFft; i++) {
      output[at + i] += frame[i] * window[i];
      windowSum[at + i] += window[i] * window[i];
    }
  }
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const j = i + offset;
    out[i] = windowSum[j] > 1e-10 ? output[j] / windowSum[j] : 0;
  }
  return out;
}
