/**
 * Utterance-level functionals: fixed-length statistics of per-frame descriptors over the frames
 * that hold speech, in the spirit of openSMILE's functionals and eGeMAPS (Eyben et al., 2016,
 * "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for Voice Research and Affective
 * Computing", IEEE Trans. Affective Computing 7(2)).
 *
 * A pooled classifier needs one vector per clip whatever its length; statistics over the active
 * frames (not the padding or the silence around a sentence) give that without letting the length
 * of the pauses decide the emotion.
 *
 * @example
 * ```ts
 * import { functionals } from "./functionals.ts";
 * const series = { frames: 4, width: 1, data: Float64Array.from([1, 2, 3, 4]) };
 * const stats = functionals(series, ["mean", "std", "slope"]);
 * console.log(stats.values); // [2.5, 1.118..., 1]
 * ```
 * @module
 */
import type { FrameSeries } from "./types.ts";

/** The statistics {@link functionals} can compute per column. */
export type FunctionalName =
  | "mean"
  | "std"
  | "min"
  | "max"
  | "p10"
  | "p50"
  | "p90"
  | "range"
  | "slope"
  | "skew";

/** Statistics of one column per functional, in the order requested. */
export interface Functionals {
  /** `width * names.length` values, column-major by functional: column 0's stats first. */
  values: Float64Array;
  /** `<column>_<functional>` for each value, when column names were given; else `c<i>_<f>`. */
  names: string[];
}

function percentile(sorted: Float64Array, q: number): number {
  // Linear interpolation between closest ranks, numpy's default ("linear").
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/**
 * Statistics of each column of `series` over the selected frames.
 *
 * Functionals: `mean`; `std` (population); `min`/`max`; `p10`/`p50`/`p90` (percentiles with
 * linear interpolation); `range` (p90 − p10, robust to outliers); `slope` of the least-squares
 * line per second of frame index (units per frame); `skew` (Fisher's, 0 for a constant).
 *
 * @param series per-frame descriptors, `frames x width`
 * @param names which statistics, in output order
 * @param options.mask frames to use (non-zero = use); default all. NaN values are skipped too.
 * @param options.columns column names for `names` of the output
 * @returns the statistics; a column with no usable frame gives zeros (and a clip with no
 *   active frame gives all zeros), so a silent clip still has a finite vector
 */
export function functionals(
  series: FrameSeries,
  names: readonly FunctionalName[],
  options: { mask?: Uint8Array; columns?: readonly string[] } = {},
): Functionals {
  const { frames, width, data } = series;
  const mask = options.mask;
  if (mask && mask.length !== frames) {
    throw new RangeError(`functionals: mask has ${mask.length} frames, series has ${frames}`);
  }
  const out = new Float64Array(width * names.length);
  const column = new Float64Array(frames);
  const index = new Float64Array(frames);
  const needsSorted = names.some((name) =>
    name === "p10" || name === "p50" || name === "p90" || name === "range" || name === "min" ||
    name === "max"
  );
  for (let c = 0; c < width; c++) {
    let n = 0;
    for (let t = 0; t < frames; t++) {
      if (mask && !mask[t]) continue;
      const value = data[t * width + c];
      if (Number.isNaN(value)) continue;
      column[n] = value;
      index[n] = t;
      n++;
    }
    const base = c * names.length;
    if (n === 0) continue;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += column[i];
    const mean = sum / n;
    let m2 = 0, m3 = 0;
    for (let i = 0; i < n; i++) {
      const d = column[i] - mean;
      m2 += d * d;
      m3 += d * d * d;
    }
    const variance = m2 / n;
    const std = Math.sqrt(variance);
    const sorted = needsSorted ? column.slice(0, n).sort() : column;
    names.forEach((name, k) => {
      let value = 0;
      switch (name) {
        case "mean":
          value = mean;
          break;
        case "std":
          value = std;
          break;
        case "min":
          value = sorted[0];
          break;
        case "max":
          value = sorted[n - 1];
          break;
        case "p10":
          value = percentile(sorted, 0.1);
          break;
        case "p50":
          value = percentile(sorted, 0.5);
          break;
        case "p90":
          value = percentile(sorted, 0.9);
          break;
        case "range":
          value = percentile(sorted, 0.9) - percentile(sorted, 0.1);
          break;
        case "slope": {
          if (n < 2) break;
          let meanT = 0;
          for (let i = 0; i < n; i++) meanT += index[i];
          meanT /= n;
          let covariance = 0, varianceT = 0;
          for (let i = 0; i < n; i++) {
            const dt = index[i] - meanT;
            covariance += dt * (column[i] - mean);
            varianceT += dt * dt;
          }
          value = varianceT > 0 ? covariance / varianceT : 0;
          break;
        }
        case "skew":
          value = variance > 1e-20 ? (m3 / n) / (variance * std) : 0;
          break;
      }
      out[base + k] = value;
    });
  }
  const columnNames = options.columns ?? Array.from({ length: width }, (_, c) => `c${c}`);
  if (columnNames.length !== width) {
    throw new RangeError(`functionals: ${columnNames.length} column names for ${width} columns`);
  }
  const outNames: string[] = [];
  for (const columnName of columnNames) {
    for (const name of names) outNames.push(`${columnName}_${name}`);
  }
  return { values: out, names: outNames };
}

/**
 * Frames whose level is within `rangeDb` of the loudest frame: the speech of a clip, without the
 * silence before and after it (or zero padding).
 *
 * @param rmsValues per-frame RMS amplitude (linear)
 * @param rangeDb how far below the loudest frame a frame may be and still count (dB, > 0;
 *   default 35)
 * @returns 1 for active frames, 0 otherwise; all zeros for an all-silent clip
 */
export function activeFrames(rmsValues: ArrayLike<number>, rangeDb = 35): Uint8Array {
  let peak = 0;
  for (let t = 0; t < rmsValues.length; t++) peak = Math.max(peak, rmsValues[t]);
  const mask = new Uint8Array(rmsValues.length);
  if (peak <= 1e-8) return mask;
  const threshold = peak * 10 ** (-rangeDb / 20);
  for (let t = 0; t < rmsValues.length; t++) mask[t] = rmsValues[t] >= threshold ? 1 : 0;
  return mask;
}
