/**
 * Speaker normalisation of utterance vectors: each speaker's clips standardised with that
 * speaker's own mean and standard deviation, computed from the speaker's clips WITHOUT their
 * labels (Schuller et al., 2010, "Cross-Corpus Acoustic Emotion Recognition: Variances and
 * Strategies", IEEE Trans. Affective Computing 1(2): speaker normalisation is the strongest single
 * step across voices). At prediction time the statistics come from a few clips of the new
 * speaker, or from running statistics over a session.
 *
 * Modes: `"speaker"` (per speaker), `"utterance"` (each vector on its own: mean 0, std 1 over its
 * values — weaker, needs nothing but the clip), `"global"` (one mean/std from the training clips),
 * `"none"`.
 *
 * @example
 * ```ts
 * import { speakerStandardize } from "./speaker_norm.ts";
 * const data = Float32Array.from([1, 10, 3, 30, 100, 5, 300, 15]); // 4 clips x 2 values
 * const out = speakerStandardize(data, 2, ["a", "a", "b", "b"]);
 * console.log(out[0], out[2]); // -1 1
 * ```
 * @module
 */

/** How utterance vectors are normalised before a pooled classifier. */
export type NormalizationMode = "speaker" | "utterance" | "global" | "none";

/** The normalisation modes, for validation and docs. */
export const NORMALIZATION_MODES: readonly NormalizationMode[] = [
  "speaker",
  "utterance",
  "global",
  "none",
];

/** Mean and standard deviation per dimension. */
export interface VectorStatistics {
  mean: Float64Array;
  std: Float64Array;
  /** Number of clips they came from. */
  count: number;
}

/**
 * Mean and standard deviation per dimension of the rows `rows` of `data`.
 *
 * @param data `n x dimensions` row-major
 * @param dimensions values per row
 * @param rows which rows (default all)
 * @param minStd floor of the standard deviation, so constant dimensions map to 0 (default 1e-6)
 */
export function vectorStatistics(
  data: Float32Array,
  dimensions: number,
  rows?: readonly number[],
  minStd = 1e-6,
): VectorStatistics {
  const selected = rows ?? Array.from({ length: data.length / dimensions }, (_, i) => i);
  const mean = new Float64Array(dimensions);
  const std = new Float64Array(dimensions);
  for (const row of selected) {
    for (let d = 0; d < dimensions; d++) mean[d] += data[row * dimensions + d];
  }
  const count = selected.length;
  for (let d = 0; d < dimensions; d++) mean[d] /= Math.max(count, 1);
  for (const row of selected) {
    for (let d = 0; d < dimensions; d++) {
      const deviation = data[row * dimensions + d] - mean[d];
      std[d] += deviation * deviation;
    }
  }
  for (let d = 0; d < dimensions; d++) {
    std[d] = Math.max(Math.sqrt(std[d] / Math.max(count, 1)), minStd);
  }
  return { mean, std, count };
}

/** `(x - mean) / std` of every row of `data` in `rows`, written into `out`. */
export function applyStatistics(
  data: Float32Array,
  dimensions: number,
  statistics: VectorStatistics,
  rows: readonly number[],
  out: Float32Array,
): void {
  for (const row of rows) {
    const base = row * dimensions;
    for (let d = 0; d < dimensions; d++) {
      out[base + d] = (data[base + d] - statistics.mean[d]) / statistics.std[d];
    }
  }
}

/** `(x - mean) / std` of one vector (e.g. a clip's functionals with a speaker's statistics). */
export function standardizeVector(
  vector: ArrayLike<number>,
  statistics: Pick<VectorStatistics, "mean" | "std">,
): Float32Array {
  const { mean, std } = statistics;
  return Float32Array.from({ length: vector.length }, (_, d) => (vector[d] - mean[d]) / std[d]);
}

/**
 * Standardises every speaker's rows with that speaker's own statistics (no labels used).
 *
 * @param data `n x dimensions` row-major utterance vectors
 * @param dimensions values per vector
 * @param speakers speaker of each row
 * @returns a new array; a speaker with a single clip gets zeros (nothing to compare it with)
 */
export function speakerStandardize(
  data: Float32Array,
  dimensions: number,
  speakers: readonly string[],
): Float32Array {
  const n = data.length / dimensions;
  if (speakers.length !== n) {
    throw new RangeError(`speakerStandardize: ${speakers.length} speakers for ${n} vectors`);
  }
  const bySpeaker = rowsBySpeaker(speakers);
  const out = new Float32Array(data.length);
  for (const rows of bySpeaker.values()) {
    applyStatistics(data, dimensions, vectorStatistics(data, dimensions, rows), rows, out);
  }
  return out;
}

/**
 * The rows of each speaker, speakers in the order they first appear.
 *
 * @param speakers speaker of each row
 * @param rows the rows to group (default: every row of `speakers`)
 */
export function rowsBySpeaker(
  speakers: readonly string[],
  rows: readonly number[] = [...speakers.keys()],
): Map<string, number[]> {
  const bySpeaker = new Map<string, number[]>();
  for (const row of rows) {
    const list = bySpeaker.get(speakers[row]) ?? [];
    list.push(row);
    bySpeaker.set(speakers[row], list);
  }
  return bySpeaker;
}

/** Each row standardised over its own values (mean 0, std 1): needs no other clip. */
export function utteranceStandardize(data: Float32Array, dimensions: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += dimensions) {
    let mean = 0;
    for (let d = 0; d < dimensions; d++) mean += data[base + d];
    mean /= dimensions;
    let variance = 0;
    for (let d = 0; d < dimensions; d++) variance += (data[base + d] - mean) ** 2;
    const std = Math.max(Math.sqrt(variance / dimensions), 1e-6);
    for (let d = 0; d < dimensions; d++) out[base + d] = (data[base + d] - mean) / std;
  }
  return out;
}

/**
 * What a new speaker is assumed to look like before any of their clips is seen: the mean of the
 * training speakers' means, and the mean of their standard deviations (a typical voice's spread,
 * not the spread between voices). JSON-friendly.
 */
export interface SpeakerPrior {
  mean: number[];
  std: number[];
  /** Number of training speakers it came from. */
  speakers: number;
}

/**
 * The {@link SpeakerPrior} of training data.
 *
 * @param data `n x dimensions` raw utterance vectors
 * @param dimensions values per vector
 * @param speakers speaker of each row
 */
export function speakerPrior(
  data: Float32Array,
  dimensions: number,
  speakers: readonly string[],
): SpeakerPrior {
  const bySpeaker = rowsBySpeaker(speakers);
  const mean = new Array(dimensions).fill(0), std = new Array(dimensions).fill(0);
  for (const rows of bySpeaker.values()) {
    const stats = vectorStatistics(data, dimensions, rows);
    for (let d = 0; d < dimensions; d++) {
      mean[d] += stats.mean[d] / bySpeaker.size;
      std[d] += stats.std[d] / bySpeaker.size;
    }
  }
  return { mean, std, speakers: bySpeaker.size };
}

/**
 * Speaker statistics learnt on the fly from a new speaker's clips (no labels), shrunk towards the
 * {@link SpeakerPrior}: with `n` clips seen, mean = (n m + k mu0) / (n + k) and variance =
 * (n s^2 + k sigma0^2) / (n + k), a maximum-a-posteriori estimate with the prior worth `k` clips.
 * With no clip it is the prior (like global normalisation); after a few dozen clips it is the
 * speaker's own.
 *
 * @example
 * ```ts
 * import { RunningSpeakerNormalizer } from "./speaker_norm.ts";
 * const normalizer = new RunningSpeakerNormalizer({ mean: [0], std: [1], speakers: 2 }, 10);
 * normalizer.add(Float32Array.from([4]));
 * console.log(normalizer.normalize(Float32Array.from([4]))[0]); // < 4: partly adapted
 * ```
 */
export class RunningSpeakerNormalizer {
  #count = 0;
  #sum: Float64Array;
  #squares: Float64Array;

  /**
   * @param prior what an unseen speaker looks like
   * @param priorWeight how many clips the prior is worth (default 10)
   */
  constructor(readonly prior: SpeakerPrior, readonly priorWeight = 10) {
    this.#sum = new Float64Array(prior.mean.length);
    this.#squares = new Float64Array(prior.mean.length);
  }

  /** Clips of the speaker seen so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds one clip's raw vector to the speaker's statistics. */
  add(vector: ArrayLike<number>): void {
    if (vector.length !== this.#sum.length) {
      throw new RangeError(
        `speaker normaliser: vector has ${vector.length} values, expected ${this.#sum.length}`,
      );
    }
    for (let d = 0; d < vector.length; d++) {
      this.#sum[d] += vector[d];
      this.#squares[d] += vector[d] * vector[d];
    }
    this.#count++;
  }

  /** An independent copy with the same prior and the statistics seen so far. */
  clone(): RunningSpeakerNormalizer {
    const copy = new RunningSpeakerNormalizer(this.prior, this.priorWeight);
    copy.#count = this.#count;
    copy.#sum.set(this.#sum);
    copy.#squares.set(this.#squares);
    return copy;
  }

  /** Forgets the speaker (e.g. a new user starts talking). */
  reset(): void {
    this.#count = 0;
    this.#sum.fill(0);
    this.#squares.fill(0);
  }

  /** The current blended statistics. */
  statistics(): VectorStatistics {
    const n = this.#count, k = this.priorWeight;
    const dims = this.#sum.length;
    const mean = new Float64Array(dims), std = new Float64Array(dims);
    for (let d = 0; d < dims; d++) {
      const ownMean = n > 0 ? this.#sum[d] / n : 0;
      const ownVariance = n > 0 ? Math.max(this.#squares[d] / n - ownMean * ownMean, 0) : 0;
      mean[d] = (n * ownMean + k * this.prior.mean[d]) / (n + k);
      const variance = (n * ownVariance + k * this.prior.std[d] ** 2) / (n + k);
      std[d] = Math.max(Math.sqrt(variance), 1e-6);
    }
    return { mean, std, count: n };
  }

  /** `(x - mean) / std` with the current statistics. */
  normalize(vector: ArrayLike<number>): Float32Array {
    return standardizeVector(vector, this.statistics());
  }
}
