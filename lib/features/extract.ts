/**
 * One clip's samples -> one feature matrix (frames x concatenated features), computing the
 * STFT once and sharing it between every spectral feature.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * import { sine } from "../audio/mod.ts";
 * import { extractFeatures, featureBlock } from "./extract.ts";
 * const samples = sine(440, 3, 22050);
 * const matrix = extractFeatures(samples, loadConfig());
 * console.log(matrix.frames, matrix.width); // 130 188 for a 3 s clip at 22050 Hz
 * const chroma = featureBlock(matrix, "chroma");
 * ```
 * @module
 */
import type { FeatureName } from "./names.ts";
import { chromaStft, melSpectrogram, mfcc, powerToDb, spectralContrast } from "./spectral.ts";
import { assertValidAudio, stft } from "./stft.ts";
import { rms, zeroCrossingRate } from "./temporal.ts";
import type { FrameSeries, Spectrogram } from "./types.ts";

/** What {@link extractFeatures} needs; a `Config` satisfies it. */
export interface FeatureOptions {
  /** Sample rate of `samples` in Hz. */
  sampleRate: number;
  /** FFT size (and ZCR/RMS frame length) in samples; a power of two. */
  nFft: number;
  /** Hop between frames in samples. */
  hopLength: number;
  /** Number of MFCC coefficients. */
  nMfcc: number;
  /** Number of mel bands (for `mel` and for MFCC). */
  nMels: number;
  /** Feature families to compute, in column order. */
  features: readonly FeatureName[];
  /** Where the samples came from (e.g. a file path), used in error messages. */
  source?: string;
}

/** Columns of one feature family inside a {@link FeatureMatrix}. */
export interface FeatureBlock {
  name: FeatureName;
  /** First column of the block. */
  offset: number;
  /** Number of columns. */
  width: number;
}

/** A clip's per-frame features: `frames x width` float32 values, row-major. */
export interface FeatureMatrix {
  frames: number;
  width: number;
  /** `frames x width`, row-major. */
  data: Float32Array;
  /** Column names, e.g. `mfcc_0` .. `mfcc_39`, `mel_0` .., `zcr`. */
  columns: string[];
  /** Where each feature family sits, in `options.features` order. */
  blocks: FeatureBlock[];
}

/**
 * Number of columns one feature family contributes.
 *
 * @param name feature family
 * @param options MFCC and mel counts
 * @example
 * ```ts
 * featureFamilyWidth("contrast", { nMfcc: 40, nMels: 128 }); // 7
 * ```
 */
export function featureFamilyWidth(
  name: FeatureName,
  options: Pick<FeatureOptions, "nMfcc" | "nMels">,
): number {
  switch (name) {
    case "mfcc":
      return options.nMfcc;
    case "mel":
    case "logmel":
      return options.nMels;
    case "chroma":
      return 12;
    case "contrast":
      return 7;
    case "zcr":
    case "rms":
      return 1;
  }
  throw new RangeError(`unknown feature "${name}"`);
}

const columnNameCache = new Map<string, readonly string[]>();

/**
 * Column names of one feature family, e.g. `mfcc_0`..; single-column families use the name.
 * Cached: building 188 strings per clip took ~3 % of a TESS clip's extraction.
 */
function columnNames(name: FeatureName, width: number): readonly string[] {
  const key = `${name}/${width}`;
  let names = columnNameCache.get(key);
  if (!names) {
    names = width === 1 ? [name] : Array.from({ length: width }, (_, i) => `${name}_${i}`);
    columnNameCache.set(key, names);
  }
  return names;
}

function checkOptions(options: FeatureOptions, source: string): void {
  const wholePositive = (field: keyof FeatureOptions) => {
    const value = options[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${source}: ${field} must be a positive whole number, got ${value}`);
    }
  };
  for (const field of ["sampleRate", "nFft", "hopLength", "nMels", "nMfcc"] as const) {
    wholePositive(field);
  }
  if (options.nFft < 8 || (options.nFft & (options.nFft - 1)) !== 0) {
    throw new RangeError(`${source}: nFft must be a power of two >= 8, got ${options.nFft}`);
  }
  if (options.features.includes("mfcc") && options.nMfcc > options.nMels) {
    throw new RangeError(
      `${source}: nMfcc (${options.nMfcc}) must not exceed nMels (${options.nMels})`,
    );
  }
}

/**
 * The previous clip's spectrogram, overwritten by the next clip: it never leaves
 * {@link extractFeatures} (every feature copies what it needs), and reusing its ~1 MB saves
 * fresh-memory page faults that cost about as much as the FFTs.
 */
let scratchSpectrogram: Spectrogram | undefined;

/**
 * `librosa.power_to_db(mel)` with its defaults (ref 1, amin 1e-10, top_db 80): 10 log10 of the
 * mel power, floored 80 dB below the clip's loudest band-frame. The log compresses the dynamic
 * range the way loudness perception does, so convolutions see level-independent patterns (a
 * gain change is a constant offset, which speaker or utterance normalisation removes).
 */
function logMel(melPower: FrameSeries): FrameSeries {
  return { frames: melPower.frames, width: melPower.width, data: powerToDb(melPower.data) };
}

/**
 * Computes the requested per-frame features of one clip with librosa 0.9.2's defaults and
 * concatenates them per frame in `options.features` order.
 *
 * @param samples mono signal at `options.sampleRate` Hz, amplitude in [-1, 1]
 * @param options sample rate (Hz), FFT size and hop (samples), MFCC/mel counts, features
 * @returns `1 + floor(samples / hopLength)` frames of features
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const samples = sine(440, 3, 22050);
 * const matrix = extractFeatures(samples, {
 *   sampleRate: 22050, nFft: 2048, hopLength: 512, nMfcc: 40, nMels: 128,
 *   features: ["mfcc", "zcr"],
 * });
 * ```
 */
export function extractFeatures(samples: Float32Array, options: FeatureOptions): FeatureMatrix {
  const source = options.source ?? "audio";
  assertValidAudio(samples, source);
  checkOptions(options, source);
  if (options.features.length === 0) throw new RangeError(`${source}: no features requested`);
  const seen = new Set<FeatureName>();
  for (const name of options.features) {
    if (seen.has(name)) throw new RangeError(`${source}: feature "${name}" requested twice`);
    seen.add(name);
  }
  let spectrogram: Spectrogram | undefined;
  const shared = (): Spectrogram =>
    spectrogram ??= scratchSpectrogram = stft(samples, {
      sampleRate: options.sampleRate,
      nFft: options.nFft,
      hopLength: options.hopLength,
    }, scratchSpectrogram);
  let melPower: FrameSeries | undefined;
  const sharedMel = (): FrameSeries => melPower ??= melSpectrogram(shared(), options.nMels);
  const framing = { frameLength: options.nFft, hopLength: options.hopLength };

  const computeFeature = (name: FeatureName): FrameSeries => {
    switch (name) {
      case "mfcc":
        return mfcc(sharedMel(), options.nMfcc);
      case "mel":
        return sharedMel();
      case "logmel":
        return logMel(sharedMel());
      case "chroma":
        return chromaStft(shared());
      case "contrast":
        return spectralContrast(shared());
      case "zcr":
        return zeroCrossingRate(samples, framing);
      case "rms":
        return rms(samples, framing);
    }
    throw new RangeError(`unknown feature "${name}"`);
  };
  const parts: FrameSeries[] = [];
  try {
    for (const name of options.features) parts.push(computeFeature(name));
  } catch (error) {
    // Name the clip in errors raised deep inside a feature (e.g. a band above Nyquist).
    const message = error instanceof Error ? error.message : String(error);
    throw new RangeError(`${source}: ${message}`, { cause: error });
  }
  const frames = parts[0].frames;
  const width = parts.reduce((sum, part) => sum + part.width, 0);
  const data = new Float32Array(frames * width);
  const columns: string[] = [];
  const blocks: FeatureBlock[] = [];
  let offset = 0;
  options.features.forEach((name, index) => {
    const part = parts[index];
    if (part.frames !== frames) {
      throw new RangeError(`${source}: ${name} has ${part.frames} frames, expected ${frames}`);
    }
    for (let t = 0; t < frames; t++) {
      const target = t * width + offset;
      const from = t * part.width;
      for (let c = 0; c < part.width; c++) data[target + c] = part.data[from + c];
    }
    blocks.push({ name, offset, width: part.width });
    columns.push(...columnNames(name, part.width));
    offset += part.width;
  });
  return { frames, width, data, columns, blocks };
}

/**
 * One feature family's frames out of a matrix.
 *
 * @param matrix features of a clip
 * @param name feature family to take
 * @returns a `frames x blockWidth` copy
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const matrix = extractFeatures(sine(440, 3, 22050), {
 *   sampleRate: 22050, nFft: 2048, hopLength: 512, nMfcc: 40, nMels: 128, features: ["mfcc", "zcr"],
 * });
 * const zcr = featureBlock(matrix, "zcr"); // frames x 1
 * ```
 */
export function featureBlock(
  matrix: FeatureMatrix,
  name: FeatureName,
): { frames: number; width: number; data: Float32Array } {
  const block = matrix.blocks.find((candidate) => candidate.name === name);
  if (!block) {
    const present = matrix.blocks.map((candidate) => candidate.name).join(", ");
    throw new RangeError(`feature "${name}" is not in this matrix (it has: ${present})`);
  }
  const data = new Float32Array(matrix.frames * block.width);
  for (let t = 0; t < matrix.frames; t++) {
    const from = t * matrix.width + block.offset;
    data.set(matrix.data.subarray(from, from + block.width), t * block.width);
  }
  return { frames: matrix.frames, width: block.width, data };
}

/**
 * Per-column mean and (population) standard deviation over frames: a fixed-length summary of a
 * clip for pooled (non-recurrent) models.
 *
 * @param matrix features of a clip
 * @returns mean and std per column, with the column names
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const matrix = extractFeatures(sine(440, 3, 22050), {
 *   sampleRate: 22050, nFft: 2048, hopLength: 512, nMfcc: 40, nMels: 128, features: ["mfcc", "zcr"],
 * });
 * const { mean, std } = utteranceStatistics(matrix); // each of length matrix.width
 * ```
 */
export function utteranceStatistics(
  matrix: FeatureMatrix,
): { mean: Float32Array; std: Float32Array; columns: string[] } {
  const { frames, width, data } = matrix;
  if (frames === 0) throw new RangeError("utteranceStatistics: the matrix has no frames");
  const sum = new Float64Array(width);
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < width; c++) sum[c] += data[t * width + c];
  }
  const mean = new Float64Array(width);
  for (let c = 0; c < width; c++) mean[c] = sum[c] / frames;
  // Two passes: summing squared deviations avoids the cancellation of E[x^2] - E[x]^2.
  const squares = new Float64Array(width);
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < width; c++) {
      const deviation = data[t * width + c] - mean[c];
      squares[c] += deviation * deviation;
    }
  }
  const std = new Float32Array(width);
  for (let c = 0; c < width; c++) std[c] = Math.sqrt(squares[c] / frames);
  return { mean: Float32Array.from(mean), std, columns: [...matrix.columns] };
}
