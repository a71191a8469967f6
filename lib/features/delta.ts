/**
 * Delta (time-derivative) features as `librosa.feature.delta(data, width=9, order=1|2,
 * mode="interp")` computes them in librosa 0.9.2: a Savitzky-Golay filter,
 * `scipy.signal.savgol_filter(data, width, polyorder=order, deriv=order, mode="interp")`,
 * along the time axis.
 *
 * Each frame's delta is the `order`-th derivative of the least-squares polynomial of degree
 * `order` through the `width` frames centred on it. With `mode="interp"` the first and last
 * `width / 2` frames take the derivative of the polynomial fitted to the first (last) `width`
 * frames; since that derivative of a degree-`order` polynomial is constant, they repeat the
 * value of the first (last) fully centred frame.
 *
 * Reference: A. Savitzky, M. J. E. Golay, "Smoothing and differentiation of data by simplified
 * least squares procedures", Analytical Chemistry 36(8), 1627-1639, 1964.
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { melSpectrogram, mfcc } from "./spectral.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const coefficients = mfcc(melSpectrogram(spec, 128), 40);
 * const d1 = delta(coefficients); // frames x 40, per-frame slope of each coefficient
 * const d2 = delta(coefficients, { order: 2 }); // acceleration
 * ```
 * @module
 */
import type { FrameSeries } from "./types.ts";

/** Options of {@link delta}. */
export interface DeltaOptions {
  /** Frames in the fitting window: odd, >= 3 and <= the number of frames (default 9). */
  width?: number;
  /** Derivative order (and polynomial degree), a positive whole number < width (default 1). */
  order?: number;
}

const weightCache = new Map<string, Float64Array>();

/**
 * Savitzky-Golay weights w[m], m = -h..h, with `derivative[t] = sum_m w[m] x[t + m]`: the
 * minimum-norm solution of `A w = order! e_order`, `A[i][m] = m^i` (what scipy's
 * `savgol_coeffs` gets from `lstsq`), i.e. `w = A^T (A A^T)^-1 order! e_order`.
 */
function savgolWeights(width: number, order: number): Float64Array {
  const key = `${width}/${order}`;
  const cached = weightCache.get(key);
  if (cached) return cached;
  const h = (width - 1) / 2;
  const size = order + 1;
  // Gram matrix G[i][l] = sum_m m^(i+l), augmented with the right-hand side order! e_order.
  const g: number[][] = [];
  let factorial = 1;
  for (let i = 2; i <= order; i++) factorial *= i;
  for (let i = 0; i < size; i++) {
    const row: number[] = [];
    for (let l = 0; l < size; l++) {
      let sum = 0;
      for (let m = -h; m <= h; m++) sum += m ** (i + l);
      row.push(sum);
    }
    row.push(i === order ? factorial : 0);
    g.push(row);
  }
  // Gaussian elimination with partial pivoting (the system is tiny and well conditioned).
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++) {
      if (Math.abs(g[r][col]) > Math.abs(g[pivot][col])) pivot = r;
    }
    [g[col], g[pivot]] = [g[pivot], g[col]];
    for (let r = 0; r < size; r++) {
      if (r === col) continue;
      const factor = g[r][col] / g[col][col];
      for (let c = col; c <= size; c++) g[r][c] -= factor * g[col][c];
    }
  }
  const lambda = g.map((row, i) => row[size] / row[i]);
  const weights = new Float64Array(width);
  for (let m = -h; m <= h; m++) {
    let w = 0;
    for (let i = 0; i < size; i++) w += lambda[i] * m ** i;
    weights[m + h] = w;
  }
  weightCache.set(key, weights);
  return weights;
}

/**
 * Delta features along time of a frames x width series, as `librosa.feature.delta(data.T,
 * width=width, order=order)` (librosa's arrays are the transpose: coefficients x frames).
 *
 * @param series per-frame features, frames x columns (e.g. MFCCs)
 * @param options window `width` in frames (odd, 3..frames; default 9), derivative `order`
 *   (default 1)
 * @returns frames x columns: the local `order`-th derivative per frame, in the series' units
 *   per frame^order
 * @throws {RangeError} naming this file when width is even, < 3 or above the frame count, or
 *   order is not a positive whole number below width
 * @example
 * ```ts
 * const series = { frames: 12, width: 1, data: Float64Array.from({ length: 12 }, (_, t) => 3 * t) };
 * delta(series).data; // all 3 (slope per frame)
 * ```
 */
export function delta(series: FrameSeries, options: DeltaOptions = {}): FrameSeries {
  const { width = 9, order = 1 } = options;
  const { frames, width: columns, data } = series;
  const where = "lib/features/delta.ts";
  if (!Number.isInteger(width) || width < 3 || width % 2 !== 1) {
    throw new RangeError(`${where}: width must be an odd whole number >= 3, got ${width}`);
  }
  if (width > frames) {
    throw new RangeError(
      `${where}: width=${width} cannot exceed the number of frames (${frames}) in mode "interp"`,
    );
  }
  if (!Number.isInteger(order) || order < 1 || order >= width) {
    throw new RangeError(
      `${where}: order must be a positive whole number below width, got ${order}`,
    );
  }
  const weights = savgolWeights(width, order);
  const h = (width - 1) / 2;
  const out = new Float64Array(frames * columns);
  for (let t = h; t < frames - h; t++) {
    for (let c = 0; c < columns; c++) {
      let sum = 0;
      for (let m = -h; m <= h; m++) sum += weights[m + h] * data[(t + m) * columns + c];
      out[t * columns + c] = sum;
    }
  }
  // mode="interp": the edge frames take the (constant) derivative of the edge window's fit.
  for (let t = 0; t < h; t++) {
    for (let c = 0; c < columns; c++) {
      out[t * columns + c] = out[h * columns + c];
      out[(frames - 1 - t) * columns + c] = out[(frames - 1 - h) * columns + c];
    }
  }
  return { frames, width: columns, data: out };
}
