/**
 * Deterministic test signals: tones, chirps, seeded noise and silence, as Float32Array samples.
 * Used by tests across the project and by the demo-corpus generator.
 *
 * @module
 */
import { mulberry32 } from "../util/mod.ts";

function sampleCount(seconds: number, sampleRate: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`seconds must be a non-negative number, got ${seconds}`);
  }
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
  }
  return Math.round(seconds * sampleRate);
}

/**
 * A sine tone `amplitude * sin(2π f t)`.
 *
 * @param freqHz frequency in Hz
 * @param seconds length in seconds
 * @param sampleRate samples per second, in Hz
 * @param amplitude peak value (default 0.5)
 * @example
 * ```ts
 * const tone = sine(440, 1, 22050, 0.5); // 22050 samples
 * ```
 */
export function sine(
  freqHz: number,
  seconds: number,
  sampleRate: number,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(sampleCount(seconds, sampleRate));
  const step = (2 * Math.PI * freqHz) / sampleRate;
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin(step * i);
  return out;
}

/**
 * A linear chirp sweeping from `f0` to `f1` over the clip (`scipy.signal.chirp`, linear).
 *
 * @param f0 start frequency in Hz
 * @param f1 end frequency in Hz
 * @param seconds length in seconds
 * @param sampleRate samples per second, in Hz
 * @param amplitude peak value (default 0.5)
 * @example
 * ```ts
 * const sweep = chirp(100, 4000, 2, 22050);
 * ```
 */
export function chirp(
  f0: number,
  f1: number,
  seconds: number,
  sampleRate: number,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(sampleCount(seconds, sampleRate));
  const rate = seconds > 0 ? (f1 - f0) / seconds : 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    out[i] = amplitude * Math.sin(2 * Math.PI * (f0 * t + 0.5 * rate * t * t));
  }
  return out;
}

/**
 * Uniform white noise in [-amplitude, amplitude), the same for the same seed.
 *
 * @param seconds length in seconds
 * @param sampleRate samples per second, in Hz
 * @param seed generator seed (default 0)
 * @param amplitude peak value (default 0.5)
 * @example
 * ```ts
 * const noise = whiteNoise(1, 16000, 7);
 * ```
 */
export function whiteNoise(
  seconds: number,
  sampleRate: number,
  seed = 0,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(sampleCount(seconds, sampleRate));
  const random = mulberry32(seed);
  for (let i = 0; i < out.length; i++) out[i] = amplitude * (2 * random() - 1);
  return out;
}

/**
 * All-zero samples.
 *
 * @param seconds length in seconds
 * @param sampleRate samples per second, in Hz
 * @example
 * ```ts
 * const gap = silence(0.25, 22050); // 5513 zeros
 * ```
 */
export function silence(seconds: number, sampleRate: number): Float32Array {
  return new Float32Array(sampleCount(seconds, sampleRate));
}
