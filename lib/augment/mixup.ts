/**
 * mixup (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization", ICLR): train on
 * convex combinations `λ x_i + (1 - λ) x_j` of two examples and the same combination of their
 * one-hot labels, with `λ ~ Beta(α, α)`.
 * @module
 */
import { type RandomSource, shuffleInPlace } from "../util/mod.ts";
import { betaVariate } from "./random.ts";

const FILE = "lib/augment/mixup.ts";

/** One example: features and a label distribution (one-hot, or already soft). */
export interface MixupExample {
  /** Feature values (any layout; both examples must match in length). */
  x: Float32Array;
  /** Label weights per class, summing to 1 (one-hot for a hard label). */
  y: ArrayLike<number>;
}

/**
 * `λ ~ Beta(alpha, alpha)`, the mixing weight. Small `alpha` (0.1–0.4, the paper's range)
 * keeps most mixes close to one of the two examples.
 *
 * @param random generator to draw from
 * @param alpha Beta parameter, > 0
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const lambda = mixupLambda(mulberry32(1), 0.2); // in [0, 1]
 * ```
 */
export function mixupLambda(random: RandomSource, alpha: number): number {
  if (!Number.isFinite(alpha) || alpha <= 0) {
    throw new RangeError(`${FILE}: alpha must be a positive number, got ${alpha}`);
  }
  return betaVariate(random, alpha, alpha);
}

/**
 * Mixes two examples: `x = λ a.x + (1 - λ) b.x`, `y = λ a.y + (1 - λ) b.y`. With label
 * distributions summing to 1 the mixed label sums to 1 too.
 *
 * @param a first example
 * @param b second example (same feature length and class count)
 * @param lambda weight of `a`, in [0, 1]
 * @example
 * ```ts
 * const mixed = mixup(
 *   { x: Float32Array.of(1, 1), y: [1, 0] },
 *   { x: Float32Array.of(0, 2), y: [0, 1] },
 *   0.25,
 * ); // x = [0.25, 1.75], y = [0.25, 0.75]
 * ```
 */
export function mixup(
  a: MixupExample,
  b: MixupExample,
  lambda: number,
): { x: Float32Array; y: Float32Array } {
  if (!(lambda >= 0 && lambda <= 1)) {
    throw new RangeError(`${FILE}: lambda must be in [0, 1], got ${lambda}`);
  }
  if (a.x.length !== b.x.length) {
    throw new RangeError(`${FILE}: feature lengths differ (${a.x.length} vs ${b.x.length})`);
  }
  if (a.y.length !== b.y.length) {
    throw new RangeError(`${FILE}: class counts differ (${a.y.length} vs ${b.y.length})`);
  }
  const x = new Float32Array(a.x.length);
  for (let i = 0; i < x.length; i++) x[i] = lambda * a.x[i] + (1 - lambda) * b.x[i];
  const y = new Float32Array(a.y.length);
  for (let i = 0; i < y.length; i++) y[i] = lambda * a.y[i] + (1 - lambda) * b.y[i];
  return { x, y };
}

/**
 * mixup over a batch, as in the paper's reference code: each example is mixed with the
 * example at a random permutation of the batch, each pair with its own `λ`.
 *
 * @param batch the examples
 * @param alpha Beta parameter of λ
 * @param random generator for the permutation and the weights
 * @returns the mixed examples, and for each the partner index and λ
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const batch = [{ x: Float32Array.of(1), y: [1, 0] }, { x: Float32Array.of(0), y: [0, 1] }];
 * const { examples } = mixupBatch(batch, 0.2, mulberry32(9));
 * ```
 */
export function mixupBatch(
  batch: readonly MixupExample[],
  alpha: number,
  random: RandomSource,
): { examples: { x: Float32Array; y: Float32Array }[]; partners: number[]; lambdas: number[] } {
  const partners = shuffleInPlace(batch.map((_, i) => i), random);
  const lambdas = partners.map(() => mixupLambda(random, alpha));
  const examples = batch.map((example, i) => mixup(example, batch[partners[i]], lambdas[i]));
  return { examples, partners, lambdas };
}
