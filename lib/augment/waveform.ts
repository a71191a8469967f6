/**
 * Waveform-level augmentations on mono Float32Array samples: speed perturbation, gain and
 * additive synthesized noise at a signal-to-noise ratio. Every function returns a new array
 * and leaves its input untouched.
 * @module
 */
import { fitToLength, RESAMPY_FILTERS, resampyResample } from "../audio/mod.ts";
import { resampledLength } from "./resampled_length.ts";
import type { RandomSource } from "../util/mod.ts";
// Deep import: features/mod.ts re-exports utterance_set.ts, which imports lib/augment; through it this would be an import cycle.
import { realFft } from "../features/stft.ts";
import { nextPowerOfTwo, realInverseFft } from "./fft.ts";
import { gaussian } from "./random.ts";

const FILE = "lib/augment/waveform.ts";

/** Colours of synthesized noise; `babble` is speech-shaped noise made from the clip itself. */
export type NoiseColor = "white" | "pink" | "brown" | "babble";

/** Every {@link NoiseColor}. */
export const NOISE_COLORS: readonly NoiseColor[] = ["white", "pink", "brown", "babble"];

/** Throws unless `samples` is a Float32Array (internal; shared by this module's files). */
export function checkSamples(samples: Float32Array, what: string): void {
  if (!(samples instanceof Float32Array)) {
    throw new TypeError(`${FILE}: ${what}: samples must be a Float32Array`);
  }
}

/** Throws unless `sampleRate` is a positive number of Hz (internal). */
export function checkRate(sampleRate: number, what: string): void {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(
      `${FILE}: ${what}: sampleRate must be a positive number of Hz, got ${sampleRate}`,
    );
  }
}

/**
 * Speed perturbation (Ko et al., 2015, "Audio augmentation for speech recognition"): plays the
 * clip `factor` times faster, like sox's `speed`, so duration scales by `1 / factor` and every
 * frequency (pitch and formants) by `factor`. Implemented as band-limited resampling from
 * `sampleRate * factor` to `sampleRate` with resampy's `kaiser_fast` filter (librosa's
 * `res_type="kaiser_fast"`).
 *
 * @param samples mono signal
 * @param sampleRate its rate in Hz
 * @param factor speed factor in [0.5, 2] (e.g. 0.9 or 1.1); 1 returns a copy
 * @returns `ceil(samples.length / factor)` samples
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const faster = speedPerturb(sine(200, 1, 16000), 16000, 1.1); // 14546 samples, 220 Hz
 * ```
 */
export function speedPerturb(
  samples: Float32Array,
  sampleRate: number,
  factor: number,
): Float32Array {
  checkSamples(samples, "speedPerturb");
  checkRate(sampleRate, "speedPerturb");
  if (!Number.isFinite(factor) || factor < 0.5 || factor > 2) {
    throw new RangeError(`${FILE}: speedPerturb: factor must be in [0.5, 2], got ${factor}`);
  }
  if (factor === 1 || samples.length === 0) return samples.slice();
  const fromRate = sampleRate * factor;
  const out = resampyResample(samples, fromRate, sampleRate, RESAMPY_FILTERS.kaiser_fast);
  return fitToLength(out, resampledLength(samples.length, fromRate, sampleRate));
}

/**
 * Multiplies the signal by `10^(db / 20)`. No clipping: samples may leave [-1, 1] for positive
 * gains (features are computed on floats, so nothing wraps).
 *
 * @param samples mono signal
 * @param db gain in decibels (finite; negative attenuates)
 * @example
 * ```ts
 * applyGain(Float32Array.of(0.5, -0.25), -6.0206); // ≈ [0.25, -0.125]
 * ```
 */
export function applyGain(samples: Float32Array, db: number): Float32Array {
  checkSamples(samples, "applyGain");
  if (!Number.isFinite(db)) {
    throw new RangeError(`${FILE}: applyGain: db must be finite, got ${db}`);
  }
  const scale = Math.pow(10, db / 20);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] * scale;
  return out;
}

/** Mean of the squared samples (0 for an empty signal). */
export function meanPower(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return samples.length > 0 ? sum / samples.length : 0;
}

/**
 * Gaussian noise whose power spectrum falls as `f^-exponent`: 0 white, 1 pink (-3 dB/octave),
 * 2 brown/red (-6 dB/octave). Coloured noise is white Gaussian noise shaped in the frequency
 * domain (one FFT pair of the next power of two, then truncated), DC removed.
 */
function coloredNoise(length: number, exponent: number, random: RandomSource): Float32Array {
  const out = new Float32Array(length);
  if (exponent === 0) {
    for (let i = 0; i < length; i++) out[i] = gaussian(random);
    return out;
  }
  const size = Math.max(8, nextPowerOfTwo(length));
  const white = new Float64Array(size);
  for (let i = 0; i < size; i++) white[i] = gaussian(random);
  const bins = size / 2 + 1;
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  realFft(size).forward(white, re, im);
  // Amplitude ∝ f^(-exponent/2) gives power ∝ f^-exponent; DC is removed.
  re[0] = 0;
  im[0] = 0;
  for (let k = 1; k < bins; k++) {
    const weight = Math.pow(k, -exponent / 2);
    re[k] *= weight;
    im[k] *= weight;
  }
  const shaped = new Float64Array(size);
  realInverseFft(size).inverse(re, im, shaped);
  for (let i = 0; i < length; i++) out[i] = shaped[i];
  return out;
}

/**
 * Speech-shaped "babble" from the clip itself: the sum of 4 copies at random circular offsets,
 * every other one time-reversed, so the result has the clip's long-term spectrum but no
 * intelligible content aligned with it. No external corpus is needed.
 */
function babbleNoise(source: Float32Array, random: RandomSource): Float32Array {
  const n = source.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  for (let talker = 0; talker < 4; talker++) {
    const offset = Math.floor(random() * n);
    const reversed = talker % 2 === 1;
    for (let i = 0; i < n; i++) {
      const j = (i + offset) % n;
      out[i] += source[reversed ? n - 1 - j : j];
    }
  }
  return out;
}

/**
 * Synthesized noise of one colour, not yet scaled (use {@link addNoise} for a target SNR).
 *
 * @param length samples wanted
 * @param color `white`, `pink` (1/f), `brown` (1/f²) Gaussian noise, or `babble` (needs `source`)
 * @param random generator to draw from (e.g. `mulberry32(seed)`)
 * @param source the clip `babble` is made from
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const pink = synthNoise(22050, "pink", mulberry32(1));
 * ```
 */
export function synthNoise(
  length: number,
  color: NoiseColor,
  random: RandomSource,
  source?: Float32Array,
): Float32Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(
      `${FILE}: synthNoise: length must be a non-negative whole number, got ${length}`,
    );
  }
  switch (color) {
    case "white":
      return coloredNoise(length, 0, random);
    case "pink":
      return coloredNoise(length, 1, random);
    case "brown":
      return coloredNoise(length, 2, random);
    case "babble": {
      if (!source) throw new TypeError(`${FILE}: synthNoise: babble noise needs the source clip`);
      return fitToLength(babbleNoise(source, random), length);
    }
  }
  throw new RangeError(
    `${FILE}: synthNoise: unknown noise colour "${color}" (known: ${NOISE_COLORS.join(", ")})`,
  );
}

/**
 * Adds synthesized noise scaled so that `10 log10(P_signal / P_noise)` equals `snrDb`, with
 * powers as mean squares over the whole clip (leading/trailing silence included, as in most
 * SNR-based augmentation recipes). A silent clip is returned unchanged (copied): no SNR is
 * defined for it.
 *
 * @param samples mono signal
 * @param snrDb wanted signal-to-noise ratio in dB (finite; e.g. 5..30)
 * @param color noise colour (see {@link synthNoise})
 * @param random generator to draw the noise from
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * import { mulberry32 } from "../util/random.ts";
 * const noisy = addNoise(sine(440, 1, 16000), 20, "pink", mulberry32(3));
 * ```
 */
export function addNoise(
  samples: Float32Array,
  snrDb: number,
  color: NoiseColor,
  random: RandomSource,
): Float32Array {
  checkSamples(samples, "addNoise");
  if (!Number.isFinite(snrDb)) {
    throw new RangeError(`${FILE}: addNoise: snrDb must be finite, got ${snrDb}`);
  }
  const noise = synthNoise(samples.length, color, random, samples);
  const signalPower = meanPower(samples);
  const noisePower = meanPower(noise);
  if (!(signalPower > 0) || !(noisePower > 0)) return samples.slice();
  const scale = Math.sqrt(signalPower / (noisePower * Math.pow(10, snrDb / 10)));
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] + scale * noise[i];
  return out;
}
