/**
 * Time stretching with a phase vocoder and pitch shifting built on it, as
 * `librosa.effects.time_stretch` / `librosa.effects.pitch_shift` (librosa 0.9.2) do them.
 *
 * Method (Flanagan & Golden, 1966; Laroche & Dolson, 1999, "Improved phase vocoder time-scale
 * modification of audio"): centred STFT (Hann window, zero padding) → frames re-sampled in
 * time at steps of `rate`, magnitudes interpolated linearly between neighbouring frames and
 * phases accumulated from each bin's measured instantaneous frequency → inverse STFT by
 * windowed overlap-add. Pitch shifting by `n` semitones stretches by `rate = 2^(-n/12)` and then
 * resamples from `sampleRate / rate` to `sampleRate` (kaiser_fast), which restores the duration
 * and multiplies every frequency by `2^(n/12)`. Formants move with the pitch (no envelope
 * preservation), as in librosa.
 * @module
 */
import { fitToLength, RESAMPY_FILTERS, resampyResample } from "../audio/mod.ts";
import { resampledLength } from "./resampled_length.ts";
// Deep import: features/mod.ts re-exports utterance_set.ts, which imports lib/augment; through it this would be an import cycle.
import { hannWindow, realFft } from "../features/stft.ts";
import { realInverseFft } from "./fft.ts";
import { checkRate, checkSamples } from "./waveform.ts";

const FILE = "lib/augment/pitch.ts";

/** STFT settings of the phase vocoder. */
export interface PhaseVocoderOptions {
  /** FFT size in samples, a power of two (default 2048, librosa's). */
  nFft?: number;
  /** Hop in samples (default `nFft / 4`, librosa's). */
  hopLength?: number;
}

function vocoderSettings(options: PhaseVocoderOptions): { nFft: number; hop: number } {
  const nFft = options.nFft ?? 2048;
  if (!Number.isInteger(nFft) || nFft < 16 || (nFft & (nFft - 1)) !== 0) {
    throw new RangeError(`${FILE}: nFft must be a power of two >= 16, got ${nFft}`);
  }
  const hop = options.hopLength ?? nFft / 4;
  if (!Number.isInteger(hop) || hop < 1 || hop > nFft / 2) {
    throw new RangeError(`${FILE}: hopLength must be a whole number in [1, nFft/2], got ${hop}`);
  }
  return { nFft, hop };
}

/**
 * Plays the clip `rate` times faster without changing its pitch: the output has
 * `round(samples.length / rate)` samples (librosa's rule).
 *
 * @param samples mono signal
 * @param rate speed-up factor in [0.25, 4] (> 1 shorter, < 1 longer); 1 returns a copy
 * @param options STFT size and hop of the phase vocoder
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const slower = timeStretch(sine(300, 1, 16000), 0.8); // 20000 samples, still 300 Hz
 * ```
 */
export function timeStretch(
  samples: Float32Array,
  rate: number,
  options: PhaseVocoderOptions = {},
): Float32Array {
  checkSamples(samples, "timeStretch");
  if (!Number.isFinite(rate) || rate < 0.25 || rate > 4) {
    throw new RangeError(`${FILE}: timeStretch: rate must be in [0.25, 4], got ${rate}`);
  }
  const { nFft, hop } = vocoderSettings(options);
  const outLength = Math.round(samples.length / rate);
  if (rate === 1 || samples.length === 0) return fitToLength(samples.slice(), outLength);

  const bins = nFft / 2 + 1;
  const frames = 1 + Math.floor(samples.length / hop);
  const window = hannWindow(nFft);
  // Analysis with lib/features' real FFT (the STFT the features use), synthesis with a
  // half-size complex inverse: about half the work of full-size complex transforms.
  const forward = realFft(nFft);
  const inverse = realInverseFft(nFft);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const frame = new Float64Array(nFft);
  // Analysis: magnitude and phase of each frame (frame-major), centred with zero padding.
  const magnitude = new Float64Array((frames + 2) * bins);
  const phase = new Float64Array((frames + 2) * bins);
  const offset = nFft / 2;
  for (let t = 0; t < frames; t++) {
    forward.forwardFrame(samples, t * hop - offset, window, re, im);
    for (let k = 0; k < bins; k++) {
      magnitude[t * bins + k] = Math.hypot(re[k], im[k]);
      phase[t * bins + k] = Math.atan2(im[k], re[k]);
    }
  }
  // Frames `frames` and `frames + 1` stay zero, like librosa's two padding columns.

  const steps = Math.ceil(frames / rate);
  // Expected phase advance of bin k over one hop: 2 pi k hop / nFft (linspace(0, pi hop, bins)).
  const advance = new Float64Array(bins);
  for (let k = 0; k < bins; k++) advance[k] = (Math.PI * hop * k) / (bins - 1);
  const accumulated = phase.slice(0, bins);

  // Synthesis by overlap-add, normalised by the summed squared window (librosa's istft).
  const fullLength = nFft + hop * (steps - 1);
  const output = new Float64Array(fullLength);
  const windowSum = new Float64Array(fullLength);
  const twoPi = 2 * Math.PI;
  for (let t = 0; t < steps; t++) {
    const step = t * rate;
    const left = Math.floor(step);
    const alpha = step - left;
    const a = left * bins;
    const b = (left + 1) * bins;
    for (let k = 0; k < bins; k++) {
      const mag = (1 - alpha) * magnitude[a + k] + alpha * magnitude[b + k];
      re[k] = mag * Math.cos(accumulated[k]);
      im[k] = mag * Math.sin(accumulated[k]);
      let delta = phase[b + k] - phase[a + k] - advance[k];
      delta -= twoPi * Math.round(delta / twoPi);
      accumulated[k] += advance[k] + delta;
    }
    inverse.inverse(re, im, frame);
    const at = t * hop;
    for (let i = 0; i < nFft; i++) {
      output[at + i] += frame[i] * window[i];
      windowSum[at + i] += window[i] * window[i];
    }
  }
  const out = new Float32Array(outLength);
  const tiny = 1.1754943508222875e-38; // float32's smallest normal, librosa's `tiny` threshold
  for (let i = 0; i < outLength; i++) {
    const j = i + offset;
    if (j >= fullLength) break;
    out[i] = windowSum[j] > tiny ? output[j] / windowSum[j] : output[j];
  }
  return out;
}

/**
 * Shifts the pitch by `semitones` and keeps the duration (same length as the input), as
 * `librosa.effects.pitch_shift(y, sr, n_steps)`: phase-vocoder time stretch by
 * `2^(-semitones/12)`, then resampling back to the original length (see the module notes).
 *
 * @param samples mono signal
 * @param sampleRate its rate in Hz
 * @param semitones shift in semitones, in [-12, 12] (fractions allowed; 0 returns a copy)
 * @param options STFT size and hop of the phase vocoder
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const up = pitchShift(sine(220, 1, 16000), 16000, 12); // 16000 samples of 440 Hz
 * ```
 */
export function pitchShift(
  samples: Float32Array,
  sampleRate: number,
  semitones: number,
  options: PhaseVocoderOptions = {},
): Float32Array {
  checkSamples(samples, "pitchShift");
  checkRate(sampleRate, "pitchShift");
  if (!Number.isFinite(semitones) || Math.abs(semitones) > 12) {
    throw new RangeError(`${FILE}: pitchShift: semitones must be in [-12, 12], got ${semitones}`);
  }
  if (semitones === 0 || samples.length === 0) return samples.slice();
  const rate = Math.pow(2, -semitones / 12);
  const stretched = timeStretch(samples, rate, options);
  const fromRate = sampleRate / rate;
  const shifted = resampyResample(stretched, fromRate, sampleRate, RESAMPY_FILTERS.kaiser_fast);
  // resampy rounds its length down; librosa's length rule, then fix_length to the input's.
  return fitToLength(
    fitToLength(shifted, resampledLength(stretched.length, fromRate, sampleRate)),
    samples.length,
  );
}
