/**
 * Per-feature standardisation (z-score), fit on the training split only so no statistic of the
 * validation or test clips leaks into training.
 *
 * @example
 * ```ts
 * import type { FeatureSet } from "./feature_set.ts";
 * async function example(trainSet: FeatureSet, testSet: FeatureSet) { // from extractFeatureSet
 *   const scaler = fitStandardScaler(trainSet);
 *   const normalized = applyStandardScaler(scaler, testSet.data);
 * }
 * ```
 * @module
 */
import type { FeatureSet } from "./feature_set.ts";

/** Mean and standard deviation of each feature column (over all frames of the fitted clips). */
export interface StandardScaler {
  columns: string[];
  mean: number[];
  std: number[];
}

/**
 * Fits per-column mean and std over every frame of the clips `indices` (all clips by default).
 * Columns with zero variance get std 1 so they pass through centred.
 */
export function fitStandardScaler(
  set: Pick<FeatureSet, "data" | "frames" | "width" | "columns" | "paths">,
  indices?: readonly number[],
): StandardScaler {
  const { frames, width } = set;
  const clips = indices ?? set.paths.map((_, i) => i);
  if (clips.length === 0) throw new Error("fitStandardScaler: no clips to fit on");
  const sum = new Float64Array(width);
  const sumSquares = new Float64Array(width);
  for (const clip of clips) {
    const base = clip * frames * width;
    for (let f = 0; f < frames; f++) {
      const row = base + f * width;
      for (let c = 0; c < width; c++) {
        const value = set.data[row + c];
        sum[c] += value;
        sumSquares[c] += value * value;
      }
    }
  }
  const n = clips.length * frames;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < width; c++) {
    const m = sum[c] / n;
    const variance = Math.max(0, sumSquares[c] / n - m * m);
    mean.push(m);
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { columns: [...set.columns], mean, std };
}

/** Returns `(data - mean) / std` column-wise as a new array (`data` is rows x width). */
export function applyStandardScaler(scaler: StandardScaler, data: Float32Array): Float32Array {
  const width = scaler.mean.length;
  if (data.length % width !== 0) {
    throw new Error(
      `applyStandardScaler: data length ${data.length} is not a multiple of the scaler's ${width} columns`,
    );
  }
  const out = new Float32Array(data.length);
  const inverseStd = scaler.std.map((s) => 1 / s);
  for (let row = 0; row < data.length; row += width) {
    for (let c = 0; c < width; c++) {
      out[row + c] = (data[row + c] - scaler.mean[c]) * inverseStd[c];
    }
  }
  return out;
}
