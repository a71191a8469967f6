/**
 * Seeded weight initialisers in plain JS (no tensors), so a model built with a seed is
 * reproducible on every backend and the orthogonal initialiser costs milliseconds instead of
 * the seconds tfjs's `tf.linalg.qr`-based one takes on a 128 x 512 matrix.
 *
 * @example
 * ```ts
 * const random = initializerRandom(42);
 * const recurrent = orthogonal(128, 512, random); // 128 x 512, orthonormal rows
 * ```
 * @module
 */

// Deep import: this file is bundled for the browser (lib/live/page), where lib/util/mod.ts would pull in Deno-only code.
import { mulberry32, type RandomSource } from "../util/random.ts";

export type { RandomSource };

/**
 * The generator weight initialisers draw from: the project's one PRNG, `mulberry32` from
 * `lib/util/random.ts`, with the seed XOR-ed with 0x9e3779b9 so that initialising weights with
 * seed 42 does not draw the same numbers as shuffling with seed 42. (A distinct name, because
 * `mulberry32(seed)` and this give different streams for the same seed.)
 *
 * @param seed any integer
 * @example
 * ```ts
 * const random = initializerRandom(7);
 * random(); // same value on every run
 * ```
 */
export function initializerRandom(seed: number): RandomSource {
  return mulberry32((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
}

/**
 * Standard normal samples (Box-Muller).
 *
 * @param count number of samples
 * @param random uniform source
 * @example
 * ```ts
 * const noise = gaussian(10, initializerRandom(1));
 * ```
 */
export function gaussian(count: number, random: RandomSource): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    out[i] = radius * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Glorot (Xavier) uniform, Keras's default kernel initialiser: U(-l, l), l = sqrt(6/(in+out)).
 *
 * @param fanIn rows (inputs)
 * @param fanOut columns (outputs)
 * @param random uniform source
 * @example
 * ```ts
 * const kernel = glorotUniform(188, 512, initializerRandom(1)); // row-major 188 x 512
 * ```
 */
export function glorotUniform(fanIn: number, fanOut: number, random: RandomSource): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (2 * random() - 1) * limit;
  return out;
}

/**
 * Orthogonal initialiser (Keras's recurrent default), computed as Keras does, by a QR
 * decomposition of a Gaussian matrix with the signs of R's diagonal folded into Q, but with a
 * modified Gram-Schmidt in plain JS. For `rows < cols` the rows are orthonormal, else the
 * columns.
 *
 * @param rows number of rows
 * @param cols number of columns
 * @param random uniform source
 * @param gain scale applied to the result
 * @example
 * ```ts
 * const u = orthogonal(64, 256, initializerRandom(3)); // u @ u^T = I (64 x 64)
 * ```
 */
export function orthogonal(
  rows: number,
  cols: number,
  random: RandomSource,
  gain = 1,
): Float32Array {
  // Orthonormalise `small` vectors of length `large` (Float64 for accuracy).
  const large = Math.max(rows, cols);
  const small = Math.min(rows, cols);
  const normal = gaussian(large * small, random);
  const vectors: Float64Array[] = [];
  for (let v = 0; v < small; v++) {
    const vec = Float64Array.from(normal.subarray(v * large, (v + 1) * large));
    for (const previous of vectors) {
      let dot = 0;
      for (let i = 0; i < large; i++) dot += vec[i] * previous[i];
      for (let i = 0; i < large; i++) vec[i] -= dot * previous[i];
    }
    let norm = 0;
    for (let i = 0; i < large; i++) norm += vec[i] * vec[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < large; i++) vec[i] /= norm;
    vectors.push(vec);
  }
  const out = new Float32Array(rows * cols);
  for (let v = 0; v < small; v++) {
    for (let i = 0; i < large; i++) {
      // rows < cols: vector v is row v; otherwise it is column v.
      const index = rows < cols ? v * cols + i : i * cols + v;
      out[index] = gain * vectors[v][i];
    }
  }
  return out;
}
