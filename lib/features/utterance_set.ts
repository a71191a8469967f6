/**
 * Utterance functionals of many files: parallel over the cores (Web Workers), cached on disk by
 * file content + settings, with a progress bar. The result is one typed value, an
 * {@link UtteranceSet}: `count x dimensions` floats plus the paths and value names.
 *
 * Unlike the per-frame features, the clips are NOT trimmed or padded to a fixed length: the
 * functionals summarise the whole recording's speech (up to `maxSeconds`).
 *
 * @example
 * ```ts
 * import { extractUtteranceSet } from "./utterance_set.ts";
 * const set = await extractUtteranceSet(["a.wav", "b.wav"], { sampleRate: 22050 });
 * console.log(set.paths.length, set.dimensions, set.failures);
 * ```
 * @module
 */
import { decodeAudio, mixToMono, readAudioFile, resample } from "../audio/mod.ts";
import { ProgressBar, writeFileAtomic } from "../util/mod.ts";
import { type AugmentationPolicy, augmentClip, policyKey } from "../augment/mod.ts";
import { basename } from "node:path";
import { sha256Hex } from "./clip_features.ts";
import type { FailedFile } from "./feature_set.ts";
import { utteranceFeatures, type UtteranceOptions, type UtteranceVector } from "./utterance.ts";
import { runFileJobs } from "./file_jobs.ts";

/** Settings of the utterance functionals of a corpus (part of the cache key). */
export interface UtteranceSettings extends Omit<UtteranceOptions, "source"> {
  /** Longest stretch of a recording analysed, seconds (default 20; longer files are cut). */
  maxSeconds?: number;
}

/** Utterance vectors of many clips. */
export interface UtteranceSet {
  /** Source file of each row. */
  paths: string[];
  /** Values per clip. */
  dimensions: number;
  /** `paths.length * dimensions` floats, row-major. */
  data: Float32Array;
  /** Name of each value. */
  names: string[];
  /** Files that could not be read, with the reason. */
  failures: FailedFile[];
  /** The settings used. */
  settings: UtteranceSettings;
}

/** Options of {@link extractUtteranceSet}. */
export interface UtteranceBatchOptions {
  /** Cache folder; omit to disable caching. */
  cacheDir?: string;
  /** Number of workers (default: all cores); 0 computes in this thread. */
  workers?: number;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /**
   * Compute the functionals of augmented copy `copy` of every file instead of the original
   * (for the training split only; see `lib/augment`). Deterministic for (seed, file name, copy).
   */
  augmentation?: UtteranceAugmentation;
}

/** Which augmented copy of the files to compute. */
export interface UtteranceAugmentation {
  policy: AugmentationPolicy;
  seed: number;
  /** Copy index, in `0..policy.copies-1`. */
  copy: number;
}

/** Version of the functionals' definition: bump when `utteranceFeatures` changes its output. */
const FUNCTIONALS_VERSION = 5;

async function settingsKey(
  settings: UtteranceSettings,
  augmentation?: UtteranceAugmentation,
): Promise<string> {
  const augmented = augmentation
    ? { augment: policyKey(augmentation.policy), seed: augmentation.seed, copy: augmentation.copy }
    : {};
  return (await sha256Hex(JSON.stringify({ v: FUNCTIONALS_VERSION, ...settings, ...augmented })))
    .slice(0, 16);
}

/** SHA-256 of a cache entry's content (values as float32 bytes, then the names). */
async function entryChecksum(values: number[], names: string[]): Promise<string> {
  const floats = Float32Array.from(values);
  return await sha256Hex(
    new Uint8Array([
      ...new Uint8Array(floats.buffer),
      ...new TextEncoder().encode(names.join("\n")),
    ]),
  );
}

/** Writes a cache entry with its checksum; a read-only or full cache costs speed only. */
async function writeEntry(entry: string, values: number[], names: string[]): Promise<void> {
  const text = JSON.stringify({ values, names, sha256: await entryChecksum(values, names) });
  await writeFileAtomic(entry, new TextEncoder().encode(text)).catch(() => {});
}

/**
 * The functionals of one recording's bytes: decode, mix to mono, cut to `maxSeconds`, resample.
 */
export async function utteranceFromBytes(
  bytes: Uint8Array,
  path: string,
  settings: UtteranceSettings,
  augmentation?: UtteranceAugmentation,
): Promise<UtteranceVector> {
  const decoded = await decodeAudio(bytes, path);
  const mono = mixToMono(decoded.channels);
  const maxInput = Math.floor((settings.maxSeconds ?? 20) * decoded.sampleRate);
  const input = mono.length > maxInput ? mono.subarray(0, maxInput) : mono;
  const samples = await resample(input, decoded.sampleRate, settings.sampleRate, {
    quality: "kaiser_fast",
  });
  const analysed = augmentation
    ? augmentClip(
      samples,
      settings.sampleRate,
      augmentation.policy,
      augmentation.seed,
      augmentation.copy,
      basename(path),
    ).samples
    : samples;
  return utteranceFeatures(analysed, { ...settings, source: path });
}

/** Computes (or reads from the cache) the functionals of one file. */
export async function utteranceForFile(
  path: string,
  settings: UtteranceSettings,
  cacheDir?: string,
  key?: string,
  augmentation?: UtteranceAugmentation,
): Promise<UtteranceVector> {
  const bytes = await readAudioFile(path);
  if (!cacheDir) return await utteranceFromBytes(bytes, path, settings, augmentation);
  const entry = `${cacheDir}/utterance-${
    key ?? await settingsKey(settings, augmentation)
  }/${await sha256Hex(
    bytes,
  )}.json`;
  try {
    const cached = JSON.parse(await Deno.readTextFile(entry));
    // A changed value (disk error, hand edit) fails the checksum: recompute, never serve it.
    if (Array.isArray(cached.values) && Array.isArray(cached.names)) {
      if (cached.sha256 === await entryChecksum(cached.values, cached.names)) {
        return { values: Float32Array.from(cached.values), names: cached.names };
      }
      if (cached.sha256 === undefined && cached.values.every(Number.isFinite)) {
        // An entry from before checksums (FUNCTIONALS_VERSION 4 wrote none): sealed as it is.
        await writeEntry(entry, cached.values, cached.names);
        return { values: Float32Array.from(cached.values), names: cached.names };
      }
    }
  } catch {
    // Missing or unreadable entry: compute below.
  }
  const vector = await utteranceFromBytes(bytes, path, settings, augmentation);
  await writeEntry(entry, Array.from(vector.values), vector.names);
  return vector;
}

type Outcome = { vector: UtteranceVector } | { problem: string };

/**
 * Utterance functionals of every file in `paths`; rows follow `paths` minus the failures.
 *
 * @param paths audio files
 * @param settings analysis settings (sample rate, FFT, F0 range, ...)
 * @param options cache folder, workers, progress bar
 */
export async function extractUtteranceSet(
  paths: readonly string[],
  settings: UtteranceSettings,
  options: UtteranceBatchOptions = {},
): Promise<UtteranceSet> {
  const key = await settingsKey(settings, options.augmentation);
  const outcomes: Outcome[] = new Array(paths.length);
  const bar = options.progress === false ? undefined : new ProgressBar(
    options.augmentation
      ? `functionals (augmented copy ${options.augmentation.copy + 1})`
      : "functionals",
    paths.length,
  );
  const workerCount = Math.min(
    options.workers ?? Math.max(1, navigator.hardwareConcurrency ?? 1),
    paths.length,
  );
  const onOne = (index: number, outcome: Outcome) => {
    outcomes[index] = outcome;
    bar?.tick();
  };
  if (workerCount <= 0 || paths.length < 4) {
    for (let i = 0; i < paths.length; i++) {
      try {
        onOne(i, {
          vector: await utteranceForFile(
            paths[i],
            settings,
            options.cacheDir,
            key,
            options.augmentation,
          ),
        });
      } catch (error) {
        onOne(i, { problem: error instanceof Error ? error.message : String(error) });
      }
    }
  } else {
    const url = new URL("./utterance_worker.ts", import.meta.url);
    const init = { settings, cacheDir: options.cacheDir, key, augmentation: options.augmentation };
    await runFileJobs(paths, url, init, workerCount, "functionals", (message) =>
      onOne(
        message.id,
        message.problem === undefined
          ? {
            vector: { values: message.values as Float32Array, names: message.names as string[] },
          }
          : { problem: message.problem as string },
      ));
  }
  const good: number[] = [];
  const failures: FailedFile[] = [];
  outcomes.forEach((outcome, i) => {
    if ("vector" in outcome) good.push(i);
    else failures.push({ path: paths[i], problem: outcome.problem });
  });
  bar?.finish(`${failures.length} failed`);
  const first = good.length ? (outcomes[good[0]] as { vector: UtteranceVector }).vector : undefined;
  const dimensions = first?.values.length ?? 0;
  const data = new Float32Array(good.length * dimensions);
  good.forEach((index, row) => {
    data.set((outcomes[index] as { vector: UtteranceVector }).vector.values, row * dimensions);
  });
  return {
    paths: good.map((i) => paths[i]),
    dimensions,
    data,
    names: first?.names ?? [],
    failures,
    settings,
  };
}
