/**
 * Integer arithmetic of sample-rate ratios: `44100 -> 22050` reduces by their greatest common
 * divisor to 2 input samples per output sample, the period the resampler's weights repeat with.
 * Internal to lib/audio.
 *
 * @example
 * ```ts
 * import { greatestCommonDivisor } from "./rational.ts";
 * greatestCommonDivisor(24414, 22050); // 6: 4069 inputs per 3675 outputs
 * ```
 * @module
 */

/** Greatest common divisor of two non-negative whole numbers (Euclid). */
export function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
