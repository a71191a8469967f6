/**
 * A corpus's features as one typed value: `count` clips x `frames` x `width` floats, plus the
 * paths they came from, and binary save/load so the training notebook can reuse what the
 * feature-extraction notebook computed.
 *
 * File format (`.features`): the 4 bytes `SERF`, a little-endian uint32 header length, the
 * header as UTF-8 JSON (everything but `data`), zero padding to a multiple of 4, then `data` as
 * little-endian float32. Written atomically. Saved with `baseDir` (e.g. the project folder),
 * the paths under it are stored relative to it and the header keeps `pathBase`, the way from
 * the file's folder to `baseDir`: a project moved or copied elsewhere loads with its own paths.
 *
 * @example
 * ```ts
 * async function example(set: FeatureSet) { // from extractFeatureSet
 *   await saveFeatureSet(set, "outputs/features/tess.features");
 *   const again = await loadFeatureSet("outputs/features/tess.features");
 * }
 * ```
 * @module
 */
import { familyWidths, type FeatureName } from "./names.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { dirname, isAbsolute, relative, resolve } from "node:path";

/** The feature settings a set was computed with (part of the cache key). */
export interface FeatureSettings {
  /** Sample rate in Hz the audio was resampled to. */
  sampleRate: number;
  /** Clip length in seconds (trimmed or zero-padded). */
  duration: number;
  /** FFT size in samples. */
  nFft: number;
  /** Hop between frames in samples. */
  hopLength: number;
  /** Number of MFCC coefficients. */
  nMfcc: number;
  /** Number of mel bands. */
  nMels: number;
  /** Feature families, in column order. */
  features: FeatureName[];
}

/** A file that could not be turned into features, and why. */
export interface FailedFile {
  path: string;
  /** What went wrong, without the path (print `${path}: ${problem}`). */
  problem: string;
}

/** Features of many clips of the same length, stacked. */
export interface FeatureSet {
  /** Source file of each clip, in row order. */
  paths: string[];
  /** Frames per clip. */
  frames: number;
  /** Features per frame. */
  width: number;
  /** `paths.length * frames * width` floats, clip-major then frame-major. */
  data: Float32Array;
  /** Name of each of the `width` columns, e.g. `mfcc_0`, `mel_127`, `zcr`. */
  columns: string[];
  /** Original sample rate (Hz) of each clip. */
  originalSampleRates: number[];
  /** Original duration (s) of each clip, before trimming/padding. */
  originalDurations: number[];
  /** Settings the features were computed with. */
  settings: FeatureSettings;
  /** Files that failed (excluded from the rows above). */
  failures: FailedFile[];
}

/** Copies the rows `indices` of a set into a new set (e.g. the training split). */
export function selectClips(set: FeatureSet, indices: readonly number[]): FeatureSet {
  const clipSize = set.frames * set.width;
  const data = new Float32Array(indices.length * clipSize);
  indices.forEach((clip, row) => {
    if (clip < 0 || clip >= set.paths.length) {
      throw new RangeError(
        `selectClips: clip index ${clip} out of range 0..${set.paths.length - 1}`,
      );
    }
    data.set(set.data.subarray(clip * clipSize, (clip + 1) * clipSize), row * clipSize);
  });
  return {
    ...set,
    paths: indices.map((i) => set.paths[i]),
    originalSampleRates: indices.map((i) => set.originalSampleRates[i]),
    originalDurations: indices.map((i) => set.originalDurations[i]),
    data,
    failures: [],
  };
}

/** The `frames x width` matrix of one clip (a view, no copy). */
export function clipMatrix(set: FeatureSet, clip: number): Float32Array {
  const clipSize = set.frames * set.width;
  return set.data.subarray(clip * clipSize, (clip + 1) * clipSize);
}

const MAGIC = "SERF";

/** Options of {@link saveFeatureSet}. */
export interface SaveFeatureSetOptions {
  /**
   * Store the paths under this folder relative to it (e.g. the project folder), so the file
   * stays valid when the folder is moved or copied; other paths stay absolute. Default: all
   * paths as given.
   */
  baseDir?: string;
}

/** `path` relative to `base` when it lies inside it, else `path` unchanged. */
function storedPath(path: string, base: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(base, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/**
 * Saves a feature set to `path` atomically (see the module doc for the format).
 *
 * @param set the features
 * @param path the `.features` file to write
 * @param options `baseDir`: store the paths under it relative (see {@link SaveFeatureSetOptions})
 * @example
 * ```ts
 * async function example(set: FeatureSet) { // from extractFeatureSet
 *   await saveFeatureSet(set, "/project/outputs/features/dataset.features", { baseDir: "/project" });
 * }
 * ```
 */
export async function saveFeatureSet(
  set: FeatureSet,
  path: string,
  options: SaveFeatureSetOptions = {},
): Promise<void> {
  const { data, ...header } = set;
  let stored: Record<string, unknown> = { version: 1, ...header };
  if (options.baseDir !== undefined) {
    const base = resolve(options.baseDir);
    stored = {
      ...stored,
      paths: header.paths.map((p) => storedPath(p, base)),
      // The way from the file's folder to baseDir, so loading needs no baseDir.
      pathBase: relative(dirname(resolve(path)), base) || ".",
    };
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(stored));
  const headerEnd = 8 + headerBytes.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const bytes = new Uint8Array(dataStart + data.byteLength);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, headerBytes.length, true);
  bytes.set(headerBytes, 8);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart);
  await writeFileAtomic(path, bytes);
}

/**
 * Loads a feature set saved by {@link saveFeatureSet}; errors name the file and the problem.
 * Paths stored relative (saved with `baseDir`) come back absolute, resolved from the file's
 * current folder.
 */
export async function loadFeatureSet(path: string): Promise<FeatureSet> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${path}: feature file not found (run the feature-extraction step first)`);
    }
    throw error;
  }
  const fail = (problem: string): never => {
    throw new Error(`${path}: not a valid feature file: ${problem}`);
  };
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    fail("missing SERF header");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  if (8 + headerLength > bytes.length) fail("header is truncated");
  let header: Omit<FeatureSet, "data"> & { version: number; pathBase?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail("header is not valid JSON");
  }
  const dataStart = Math.ceil((8 + headerLength) / 4) * 4;
  const expected = header.paths.length * header.frames * header.width * 4;
  if (bytes.length - dataStart !== expected) {
    fail(`expected ${expected} bytes of data, found ${bytes.length - dataStart}`);
  }
  const data = new Float32Array(expected / 4);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart));
  const { version: _version, pathBase, ...rest } = header;
  if (pathBase !== undefined) {
    const base = resolve(dirname(resolve(path)), pathBase);
    rest.paths = rest.paths.map((p) => (isAbsolute(p) ? p : resolve(base, p)));
  }
  return { ...rest, data };
}

/** Column names for settings, in order: `mfcc_0..`, `mel_0..`, `chroma_0..11`, `contrast_0..6`, `zcr`, `rms`, `logmel_0..`. */
export function featureColumns(
  settings: Pick<FeatureSettings, "features" | "nMfcc" | "nMels">,
): string[] {
  const widths = familyWidths(settings);
  return settings.features.flatMap((name) =>
    widths[name] === 1 ? [name] : Array.from({ length: widths[name] }, (_, i) => `${name}_${i}`)
  );
}

/** Picks the feature settings out of a full config. */
export function featureSettings(config: FeatureSettings): FeatureSettings {
  const { sampleRate, duration, nFft, hopLength, nMfcc, nMels, features } = config;
  return { sampleRate, duration, nFft, hopLength, nMfcc, nMels, features: [...features] };
}
