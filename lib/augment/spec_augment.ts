/**
 * SpecAugment's time and frequency masking (Park et al., 2019, "SpecAugment: A Simple Data
 * Augmentation Method for Automatic Speech Recognition", Interspeech) on a frame-major
 * feature matrix. Time warping, the paper's third and least useful policy element, is left out.
 * @module
 */
import type { RandomSource } from "../util/mod.ts";

const FILE = "lib/augment/spec_augment.ts";

/** A frame-major matrix: `data[frame * width + column]`. */
export interface FrameMatrix {
  /** Number of frames (rows). */
  frames: number;
  /** Values per frame (columns). */
  width: number;
  /** `frames x width`, row-major. */
  data: Float32Array;
}

/** Settings of {@link specAugment}; defaults suit 3 s clips at hop 512 / 22050 Hz (130 frames). */
export interface SpecAugmentOptions {
  /** Number of time masks, `m_T` (default 2). */
  timeMasks?: number;
  /** Largest time-mask width in frames, `T`; widths are uniform in [0, T] (default 13, ~0.3 s). */
  maxTimeWidth?: number;
  /** Upper bound on one time mask as a fraction of the frames, `p` (default 1). */
  maxTimeFraction?: number;
  /** Number of frequency masks, `m_F` (default 2). */
  frequencyMasks?: number;
  /** Largest frequency-mask width in maskable columns, `F`; uniform in [0, F] (default 8). */
  maxFrequencyWidth?: number;
  /**
   * Which columns may be masked, in frequency order: a list of column indices or a half-open
   * range `{ start, end }` (e.g. the mel block). Frequency masks cover consecutive entries of
   * this list; time masks blank these columns only. Default: all columns.
   */
  columns?: readonly number[] | { start: number; end: number };
  /**
   * Value written into masked cells: a number (default 0, the mean once features are
   * standardised, as in the paper) or `"mean"`, each column's mean over the clip's frames.
   */
  maskValue?: number | "mean";
}

/** What {@link specAugment} did, for inspection and tests. */
export interface SpecAugmentResult {
  /** The masked copy of the input matrix data. */
  data: Float32Array;
  /** Time masks as half-open frame ranges `[start, end)` (empty ones included). */
  timeMasks: [number, number][];
  /** Frequency masks, each the list of column indices it blanked (possibly empty). */
  frequencyMasks: number[][];
}

function wholeAtLeast(value: number, min: number, name: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${FILE}: ${name} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

function maskableColumns(options: SpecAugmentOptions, width: number): number[] {
  const spec = options.columns;
  let columns: number[];
  if (spec === undefined) columns = Array.from({ length: width }, (_, i) => i);
  else if (Array.isArray(spec)) columns = [...spec];
  else {
    const { start, end } = spec as { start: number; end: number };
    columns = [];
    for (let c = start; c < end; c++) columns.push(c);
  }
  const seen = new Set<number>();
  for (const c of columns) {
    if (!Number.isInteger(c) || c < 0 || c >= width) {
      throw new RangeError(`${FILE}: maskable column ${c} is outside [0, ${width})`);
    }
    if (seen.has(c)) throw new RangeError(`${FILE}: maskable column ${c} is listed twice`);
    seen.add(c);
  }
  return columns;
}

/**
 * Applies SpecAugment time and frequency masks to a copy of `matrix.data`. Widths are drawn
 * uniformly from [0, T] (time, capped at `floor(p * frames)`) and [0, F] (frequency, capped at
 * the number of maskable columns), starts uniformly among the positions where the mask fits.
 *
 * @param matrix frame-major features (e.g. log-mel or the project's per-frame features)
 * @param options mask counts, widths, maskable columns, mask value
 * @param random generator to draw the masks from
 * @returns the masked data and the masks drawn
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const matrix = { frames: 130, width: 40, data: new Float32Array(130 * 40).fill(1) };
 * const { data, timeMasks } = specAugment(matrix, { maxTimeWidth: 10 }, mulberry32(1));
 * ```
 */
export function specAugment(
  matrix: FrameMatrix,
  options: SpecAugmentOptions,
  random: RandomSource,
): SpecAugmentResult {
  const { frames, width, data } = matrix;
  wholeAtLeast(frames, 0, "frames");
  wholeAtLeast(width, 1, "width");
  if (data.length !== frames * width) {
    throw new RangeError(
      `${FILE}: data has ${data.length} values, expected frames*width = ${frames * width}`,
    );
  }
  const timeCount = wholeAtLeast(options.timeMasks ?? 2, 0, "timeMasks");
  const maxTime = wholeAtLeast(options.maxTimeWidth ?? 13, 0, "maxTimeWidth");
  const fraction = options.maxTimeFraction ?? 1;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`${FILE}: maxTimeFraction must be in [0, 1], got ${fraction}`);
  }
  const frequencyCount = wholeAtLeast(options.frequencyMasks ?? 2, 0, "frequencyMasks");
  const maxFrequency = wholeAtLeast(options.maxFrequencyWidth ?? 8, 0, "maxFrequencyWidth");
  const columns = maskableColumns(options, width);
  const maskValue = options.maskValue ?? 0;
  if (maskValue !== "mean" && !Number.isFinite(maskValue)) {
    throw new RangeError(`${FILE}: maskValue must be a finite number or "mean", got ${maskValue}`);
  }
  const fill = new Float32Array(width);
  if (maskValue === "mean") {
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < width; c++) fill[c] += data[t * width + c];
    }
    for (let c = 0; c < width; c++) fill[c] = frames > 0 ? fill[c] / frames : 0;
  } else fill.fill(maskValue);

  const out = data.slice();
  const timeLimit = Math.min(maxTime, Math.floor(fraction * frames));
  const timeMasks: [number, number][] = [];
  for (let m = 0; m < timeCount; m++) {
    const size = Math.floor(random() * (timeLimit + 1));
    const start = Math.floor(random() * (frames - size + 1));
    timeMasks.push([start, start + size]);
    for (let t = start; t < start + size; t++) {
      for (const c of columns) out[t * width + c] = fill[c];
    }
  }
  const frequencyLimit = Math.min(maxFrequency, columns.length);
  const frequencyMasks: number[][] = [];
  for (let m = 0; m < frequencyCount; m++) {
    const size = Math.floor(random() * (frequencyLimit + 1));
    const start = Math.floor(random() * (columns.length - size + 1));
    const masked = columns.slice(start, start + size);
    frequencyMasks.push(masked);
    for (let t = 0; t < frames; t++) {
      for (const c of masked) out[t * width + c] = fill[c];
    }
  }
  return { data: out, timeMasks, frequencyMasks };
}
