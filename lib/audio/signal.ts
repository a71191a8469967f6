/**
 * Small whole-signal operations: mixing channels down and fixing a length.
 *
 * @module
 */

/**
 * Mixes channels to mono by averaging them, like `librosa.to_mono`.
 *
 * @param channels one array per channel, all the same length
 * @returns the per-sample mean (the channel itself when there is only one)
 * @example
 * ```ts
 * mixToMono([new Float32Array([1, 0]), new Float32Array([0, 0])]); // [0.5, 0]
 * ```
 */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new RangeError("mixToMono: no channels");
  if (channels.length === 1) return channels[0];
  const length = channels[0].length;
  if (channels.some((channel) => channel.length !== length)) {
    throw new RangeError("mixToMono: channels differ in length");
  }
  const out = new Float32Array(length);
  const count = channels.length;
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (let c = 0; c < count; c++) sum += channels[c][i];
    out[i] = sum / count;
  }
  return out;
}

/**
 * Trims or zero-pads a signal at the end to exactly `length` samples (`librosa.util.fix_length`).
 *
 * @param samples the signal
 * @param length wanted length in samples (a non-negative whole number)
 * @returns `samples` itself when it already has that length, else a new array
 * @example
 * ```ts
 * fitToLength(new Float32Array([1, 2, 3]), 5); // [1, 2, 3, 0, 0]
 * fitToLength(new Float32Array([1, 2, 3]), 2); // [1, 2]
 * ```
 */
export function fitToLength(samples: Float32Array, length: number): Float32Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`fitToLength: length must be a non-negative whole number, got ${length}`);
  }
  if (samples.length === length) return samples;
  if (samples.length > length) return samples.slice(0, length);
  const out = new Float32Array(length);
  out.set(samples);
  return out;
}
