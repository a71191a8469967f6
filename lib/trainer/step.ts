/**
 * Pieces of one training step shared by {@link fit}'s loop and its data-parallel workers
 * (`data_parallel.ts`), so that every thread computes the loss the same way.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const loss = crossEntropy(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.2, 0.8]])); // [0.223]
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Per-sample categorical cross-entropy of probabilities, clipped like Keras (eps 1e-7).
 *
 * @param yTrue one-hot targets `[n, classes]`
 * @param probabilities predicted probabilities `[n, classes]`
 * @returns the loss of each sample, `[n]`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * crossEntropy(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.5, 0.5]])); // [0.693]
 * ```
 */
export function crossEntropy(yTrue: tf.Tensor, probabilities: tf.Tensor): tf.Tensor1D {
  const clipped = probabilities.clipByValue(1e-7, 1 - 1e-7);
  return yTrue.mul(clipped.log()).sum(-1).neg() as tf.Tensor1D;
}

/**
 * How many rows' largest probability is at the target class.
 *
 * @param yTrue one-hot targets `[n, classes]`
 * @param probabilities predicted probabilities `[n, classes]`
 * @returns the count, as a float32 scalar
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * correctCount(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.9, 0.1]])); // 1
 * ```
 */
export function correctCount(yTrue: tf.Tensor, probabilities: tf.Tensor): tf.Scalar {
  return yTrue.argMax(-1).equal(probabilities.argMax(-1)).sum().toFloat() as tf.Scalar;
}

/**
 * Runs `step` with `Math.random` replaced by the seeded generator. tfjs draws unseeded
 * randomness (dropout masks) from `Math.random`; the step is synchronous, so nothing else runs
 * while the swap is in place.
 *
 * @param random the generator `Math.random` becomes
 * @param step a synchronous step
 * @returns what `step` returns
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const draw = withSeededRandom(mulberry32(1), () => Math.random()); // always the same number
 * ```
 */
export function withSeededRandom<T>(random: () => number, step: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return step();
  } finally {
    Math.random = original;
  }
}
