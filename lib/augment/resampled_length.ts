/**
 * librosa's resampled-length rule, `ceil(length * toRate / fromRate)`, restated here so this
 * module does not load `lib/audio/resample.ts` and its libsamplerate WASM bundle (only the
 * resampy port is used).
 * @module
 */

/** Length of a signal resampled from `fromRate` to `toRate`, as `librosa.resample` gives it. */
export function resampledLength(length: number, fromRate: number, toRate: number): number {
  if (fromRate === toRate) return length;
  return Math.ceil(length * (toRate / fromRate));
}
