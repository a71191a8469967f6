/**
 * Batch feature extraction over many files: parallel over all cores (Web Workers), cached on
 * disk, with a progress bar. Bad files are collected in `failures` and the batch goes on.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
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
import { ProgressBar } from "../util/progress.ts";
import type { ResampleQuality } from "../audio/mod.ts";

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
  workers: number;
}

type Outcome = { clip: ClipFeatures } | { problem: string };

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
      onOne(i, { problem: error instanceof Error ? error.message : String(error) });
    }
  }
}

function runInWorkers(
  paths: readonly string[],
  context: JobContext,
  workerCount: number,
  onOne: (index: number, outcome: Outcome) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let finished = 0;
    const workers: Worker[] = [];
    const stopAll = () => workers.forEach((worker) => worker.terminate());
    const feed = (worker: Worker) => {
      if (next < paths.length) {
        const id = next++;
        worker.postMessage({ type: "job", id, path: paths[id] });
      }
    };
    for (let w = 0; w < Math.min(workerCount, paths.length); w++) {
      const worker = new Worker(new URL("./extract_worker.ts", import.meta.url), {
        type: "module",
      });
      workers.push(worker);
      worker.onmessage = (event) => {
        const message = event.data;
        onOne(
          message.id,
          message.type === "done" ? { clip: message.clip } : { problem: message.problem },
        );
        finished++;
        if (finished === paths.length) {
          stopAll();
          resolve();
        } else {
          feed(worker);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stopAll();
        reject(new Error(`feature worker crashed: ${event.message}`));
      };
      worker.postMessage({ type: "init", ...context });
      feed(worker);
    }
    if (paths.length === 0) resolve();
  });
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
  const resampleQuality = options.resampleQuality ?? "kaiser_best";
  const context: JobContext = {
    settings,
    cacheDir: options.cacheDir,
    settingsKey: await settingsKey(settings, resampleQuality),
    columns,
    resampleQuality,
  };
  const workerCount = options.workers ?? defaultWorkers();
  const outcomes: Outcome[] = new Array(paths.length);
  const bar = options.progress === false ? undefined : new ProgressBar("features", paths.length);
  let done = 0;
  let cacheHits = 0;
  const onOne = (index: number, outcome: Outcome) => {
    outcomes[index] = outcome;
    if ("clip" in outcome && outcome.clip.cached) cacheHits++;
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
  outcomes.forEach((outcome, i) => {
    if ("clip" in outcome) good.push(i);
    else failures.push({ path: paths[i], problem: outcome.problem });
  });
  const first = good.length > 0 ? (outcomes[good[0]] as { clip: ClipFeatures }).clip : undefined;
  const frames = first?.frames ?? 0;
  const width = first?.width ?? columns.length;
  const data = new Float32Array(good.length * frames * width);
  let audioSeconds = 0;
  good.forEach((index, row) => {
    const clip = (outcomes[index] as { clip: ClipFeatures }).clip;
    if (clip.frames !== frames || clip.width !== width) {
      throw new Error(
        `${
          paths[index]
        }: feature shape ${clip.frames}x${clip.width} differs from ${frames}x${width}`,
      );
    }
    data.set(clip.data, row * frames * width);
    audioSeconds += clip.originalDuration;
  });
  bar?.finish(`${failures.length} failed, ${cacheHits} cached`);
  const outcomeOf = (i: number) => (outcomes[i] as { clip: ClipFeatures }).clip;
  return {
    paths: good.map((i) => paths[i]),
    frames,
    width,
    data,
    columns,
    originalSampleRates: good.map((i) => outcomeOf(i).originalSampleRate),
    originalDurations: good.map((i) => outcomeOf(i).originalDuration),
    settings,
    failures,
    timing: {
      files: paths.length,
      seconds,
      filesPerSecond: paths.length / Math.max(seconds, 1e-9),
      realTimeFactor: audioSeconds / Math.max(seconds, 1e-9),
      cacheHits,
      workers: workerCount <= 0 || paths.length < 4 ? 0 : Math.min(workerCount, paths.length),
    },
  };
}
