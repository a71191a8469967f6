/**
 * Batch feature extraction over many files: parallel over all cores (Web Workers), cached on
 * disk, with a progress bar. Bad files are collected in `failures` and the batch goes on.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const paths = ["data/demo/angry/a.wav"];
 * const config = loadConfig();
 * const set = await extractFeatureSet(paths, config, { cacheDir: config.cacheDir });
 * console.log(set.paths.length, set.frames, set.width, set.failures);
 * ```
 * @module
 */
import { featuresForFile, settingsKey } from "./clip_features.ts";
import type { ClipFeatures } from "./clip_features.ts";
import {
  type FailedFile,
  featureColumns,
  type FeatureSet,
  type FeatureSettings,
  featureSettings,
} from "./feature_set.ts";
import { ProgressBar } from "../util/mod.ts";
import { runFileJobs } from "./file_jobs.ts";
import { problemText, type ResampleQuality } from "../audio/mod.ts";

/** Options of {@link extractFeatureSet}. */
export interface BatchOptions {
  /** Cache folder; omit to disable caching. */
  cacheDir?: string;
  /** Number of workers (default: all cores); 0 computes in this thread. */
  workers?: number;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** Called after each file with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Resampler for clips not at `sampleRate` (default `kaiser_best`, librosa 0.9.2's). */
  resampleQuality?: ResampleQuality;
}

/** Throughput figures of the last {@link extractFeatureSet} call. */
export interface BatchTiming {
  files: number;
  seconds: number;
  filesPerSecond: number;
  /** Seconds of (original) audio processed per second of wall time. */
  realTimeFactor: number;
  cacheHits: number;
  /** Cache entries that were damaged (checksum or shape) and so recomputed and rewritten. */
  cacheRepairs: number;
  /** Temp files of interrupted cache writes removed before the batch started. */
  orphansRemoved: number;
  workers: number;
}

type Outcome = { clip: ClipFeatures } | { problem: string };

/** Files `writeFileAtomic` writes before its rename: `.<name>.<pid>.<time>.<random>.tmp`. */
const TEMP_NAME = /^\..+\.tmp$/;
const TEMP_PID = /\.(\d+)\.[0-9a-z]+\.[0-9a-z]+\.tmp$/;
/** A temp file this old belongs to no running write (a cache entry takes milliseconds). */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

/** True unless the process is known to be gone (Linux /proc; elsewhere we cannot tell). */
function processMayBeAlive(pid: number): boolean {
  try {
    Deno.statSync("/proc/self");
  } catch {
    return true;
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the temp files that atomic writes killed mid-way left in the cache folder (they are
 * never read, only take space). A temp file is an orphan when the process that wrote it is gone
 * (its pid is in the name; checked on Linux) or it is over an hour old, so a concurrent
 * extraction's writes in progress are left alone.
 *
 * @param cacheDir the feature cache folder (missing: nothing to do)
 * @returns how many files were removed
 */
export async function removeOrphanTempFiles(cacheDir: string): Promise<number> {
  let removed = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return; // Missing or unreadable: nothing to clean.
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      // Entries live at <cache>/<settings key>/<2 hex>/<hash>.bin: three levels are enough.
      if (entry.isDirectory && depth < 3) await visit(path, depth + 1);
      if (!entry.isFile || !TEMP_NAME.test(entry.name)) continue;
      const pid = Number(TEMP_PID.exec(entry.name)?.[1] ?? NaN);
      const ours = pid === Deno.pid;
      let old = false;
      try {
        const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
        old = Date.now() - mtime > ORPHAN_AGE_MS;
      } catch {
        continue; // Renamed into place meanwhile.
      }
      const dead = Number.isInteger(pid) && !ours && !processMayBeAlive(pid);
      if (!old && !dead) continue;
      try {
        await Deno.remove(path);
        removed++;
      } catch {
        // Gone already, or not ours to remove: leave it.
      }
    }
  };
  await visit(cacheDir, 0);
  return removed;
}

function defaultWorkers(): number {
  return Math.max(1, navigator.hardwareConcurrency ?? 1);
}

/** What every file of a batch shares (sent to each worker once). */
interface JobContext {
  settings: FeatureSettings;
  cacheDir: string | undefined;
  settingsKey: string;
  columns: string[];
  resampleQuality: ResampleQuality;
}

async function runInThread(
  paths: readonly string[],
  context: JobContext,
  onOne: (index: number, outcome: Outcome) => void,
): Promise<void> {
  for (let i = 0; i < paths.length; i++) {
    try {
      onOne(i, { clip: await featuresForFile(paths[i], context.settings, context) });
    } catch (error) {
      onOne(i, { problem: problemText(error, paths[i]) });
    }
  }
}

function runInWorkers(
  paths: readonly string[],
  context: JobContext,
  workerCount: number,
  onOne: (index: number, outcome: Outcome) => void,
): Promise<void> {
  const url = new URL("./extract_worker.ts", import.meta.url);
  return runFileJobs(paths, url, { ...context }, workerCount, "feature", (message) =>
    onOne(
      message.id,
      message.type === "done"
        ? { clip: message.clip as ClipFeatures }
        : { problem: message.problem as string },
    ));
}

/**
 * Computes the features of every file in `paths` (decode, resample to `settings.sampleRate`,
 * trim/pad to `settings.duration`, extract). Rows of the result follow `paths` minus the files
 * that failed, which are listed in `failures` with the reason.
 *
 * @param paths audio files (WAV or FLAC)
 * @param config feature settings (a full `Config` works)
 * @param options cache folder, worker count, progress
 */
export async function extractFeatureSet(
  paths: readonly string[],
  config: FeatureSettings,
  options: BatchOptions = {},
): Promise<FeatureSet & { timing: BatchTiming }> {
  const settings = featureSettings(config);
  const columns = featureColumns(settings);
  const orphansRemoved = options.cacheDir ? await removeOrphanTempFiles(options.cacheDir) : 0;
  const resampleQuality = options.resampleQuality ?? "kaiser_best";
  const context: JobContext = {
    settings,
    cacheDir: options.cacheDir,
    settingsKey: await settingsKey(settings, resampleQuality),
    columns,
    resampleQuality,
  };
  const workerCount = options.workers ?? defaultWorkers();
  // Each clip is copied into one preallocated array as it arrives and its own buffer dropped,
  // so peak memory is about one copy of the corpus' features, not two (2800 TESS clips: 274 MB).
  const problems: (string | undefined)[] = new Array(paths.length);
  const sampleRates = new Float64Array(paths.length);
  const durations = new Float64Array(paths.length);
  let frames = 0;
  let width = columns.length;
  let all: Float32Array | undefined;
  const bar = options.progress === false ? undefined : new ProgressBar("features", paths.length);
  let done = 0;
  let cacheHits = 0;
  let cacheRepairs = 0;
  const store = (index: number, clip: ClipFeatures): string | undefined => {
    if (!all) {
      frames = clip.frames;
      width = clip.width;
      all = new Float32Array(paths.length * frames * width);
    }
    if (clip.frames !== frames || clip.width !== width) {
      return `${paths[index]}: feature shape ${clip.frames}x${clip.width} differs from the ` +
        `batch's ${frames}x${width}`;
    }
    all.set(clip.data, index * frames * width);
    sampleRates[index] = clip.originalSampleRate;
    durations[index] = clip.originalDuration;
    return undefined;
  };
  const onOne = (index: number, outcome: Outcome) => {
    problems[index] = "clip" in outcome ? store(index, outcome.clip) : outcome.problem;
    if ("clip" in outcome && outcome.clip.cached) cacheHits++;
    if ("clip" in outcome && outcome.clip.repaired) cacheRepairs++;
    done++;
    bar?.tick();
    options.onProgress?.(done, paths.length);
  };
  const start = performance.now();
  if (workerCount <= 0 || paths.length < 4) {
    await runInThread(paths, context, onOne);
  } else {
    await runInWorkers(paths, context, workerCount, onOne);
  }
  const seconds = (performance.now() - start) / 1000;

  const good: number[] = [];
  const failures: FailedFile[] = [];
  problems.forEach((problem, i) => {
    if (problem === undefined) good.push(i);
    else failures.push({ path: paths[i], problem });
  });
  // Move the good rows up over the failed ones (in place), then drop the unused tail.
  const clipSize = frames * width;
  let audioSeconds = 0;
  good.forEach((index, row) => {
    if (row !== index) all!.copyWithin(row * clipSize, index * clipSize, (index + 1) * clipSize);
    audioSeconds += durations[index];
  });
  const data = all === undefined
    ? new Float32Array(0)
    : good.length === paths.length
    ? all
    : all.subarray(0, good.length * clipSize);
  bar?.finish(
    `${failures.length} failed, ${cacheHits} cached` +
      (cacheRepairs > 0 ? `, ${cacheRepairs} damaged cache entries recomputed` : ""),
  );
  return {
    paths: good.map((i) => paths[i]),
    frames,
    width,
    data,
    columns,
    originalSampleRates: good.map((i) => sampleRates[i]),
    originalDurations: good.map((i) => durations[i]),
    settings,
    failures,
    timing: {
      files: paths.length,
      seconds,
      filesPerSecond: paths.length / Math.max(seconds, 1e-9),
      realTimeFactor: audioSeconds / Math.max(seconds, 1e-9),
      cacheHits,
      cacheRepairs,
      orphansRemoved,
      workers: workerCount <= 0 || paths.length < 4 ? 0 : Math.min(workerCount, paths.length),
    },
  };
}
