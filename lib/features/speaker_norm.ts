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
  const bySpeaker = new Map<string, number[]>();
  speakers.forEach((speaker, row) => {
    const list = bySpeaker.get(speaker) ?? [];
    list.push(row);
    bySpeaker.set(speaker, list);
  });
  const out = new Float32Array(data.length);
  for (const rows of bySpeaker.values()) {
    applyStatistics(data, dimensions, vectorStatistics(data, dimensions, rows), rows, out);
  }
  return out;
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
