/**
 * Benchmarks: (a) our feature extraction over a whole corpus (TESS by default) with a cold cache
 * — files/s, real-time factor, CPU seconds per file, peak memory; (b) the librosa anchor
 * (`shared/anchors/librosa_features_bench.py`) on the same files in the same run, with
 * `kaiser_best` and `kaiser_fast`, and the ratios; a per-stage profile of our pipeline; then
 * (c) the training benchmark `cli/bench_training.ts` as a subprocess; (d) inference
 * (`cli/bench_inference.ts`): a 10-minute 44.1 kHz recording through `predictTimeline`, `predict`
 * of one clip from a cold process start, and the live page's latency in headless Chromium, for
 * the sequence and the pooled model (stand-ins trained in a temp dir when none is trained).
 * Writes `outputs/bench.json`.
 *
 * Usage:
 *   deno task bench [--data DIR] [--limit N] [--workers N] [--res-types kaiser_best,kaiser_fast]
 *     [--profile N] [--skip-librosa] [--skip-training] [--librosa-path DIR] [--python EXE]
 *     [--skip-extraction] [--skip-inference] [--skip-live] [--skip-demo] [--long-seconds 600]
 *     [--models-dir DIR]
 *     [--out outputs/bench.json] [--training-out FILE] [other flags go to bench_training.ts]
 *
 * Machines here are shared, so wall-clock numbers drift between runs: compare the ratios of one
 * run, and the CPU seconds per file, which contention moves much less.
 * @module
 */
import { loadConfig, PROJECT_ROOT, projectPath } from "../config.ts";
import type { ResampleQuality } from "../lib/audio/mod.ts";
import {
  benchDemoPipeline,
  formatMiB,
  type LibrosaResType,
  type LibrosaResult,
  type MemoryPeak,
  MemorySampler,
  probeLibrosa,
  processCpuSeconds,
  profileStages,
  runLibrosaAnchor,
  type StageProfile,
} from "./bench/mod.ts";
import { listAudioFiles } from "../lib/data_loader/mod.ts";
import { extractFeatureSet } from "../lib/features/mod.ts";
import { unknownFlagError, UsageError, writeJsonAtomic } from "../lib/util/mod.ts";
import { TRAINING_BENCH_OPTIONS } from "./bench_training_options.ts";
import { benchInference } from "./bench_inference.ts";

/** bench's own flags (for suggestions; the switch in parseFlags reads them). */
const BENCH_FLAGS = [
  "help",
  "data",
  "limit",
  "workers",
  "profile",
  "res-types",
  "skip-librosa",
  "skip-training",
  "librosa-path",
  "python",
  "out",
  "training-out",
  "skip-extraction",
  "skip-inference",
  "skip-live",
  "skip-demo",
  "long-seconds",
  "models-dir",
];

const USAGE = `Usage: deno task bench [--data DIR] [--limit N] [--workers N]
  [--res-types kaiser_best,kaiser_fast] [--profile N] [--skip-librosa] [--skip-training]
  [--librosa-path DIR] [--python EXE] [--out outputs/bench.json] [--training-out FILE]
  [--skip-extraction] [--skip-inference] [--skip-live] [--skip-demo] [--long-seconds 600]
  [--models-dir DIR] (other flags are passed to cli/bench_training.ts)`;

/** Our extractor's measurement for one resampler. */
export interface ExtractionRun {
  tool: string;
  resType: ResampleQuality;
  files: number;
  failures: number;
  /** The first few failed files and why. */
  failedFiles: { path: string; problem: string }[];
  workers: number;
  /** Wall seconds from the first file started to the last finished (workers' start-up included). */
  seconds: number;
  filesPerSecond: number;
  /** Files/s after the first file finished (worker start-up and JIT warm-up excluded). */
  steadyFilesPerSecond: number;
  /** Seconds of original audio per wall second. */
  realTimeFactor: number;
  /** CPU seconds (all threads) per file, when `/proc` is readable. */
  cpuMsPerFile?: number;
  memory: MemoryPeak;
}

/** One line of the comparison table. */
export interface Comparison {
  resType: string;
  oursFilesPerSecond: number;
  librosaFilesPerSecond: number;
  /** ours / librosa, files per wall second (ours on every core, librosa on one). */
  ratio: number;
  /** librosa / ours CPU time per file: >1 means we use less CPU per file. */
  cpuRatio?: number;
}

interface BenchFlags {
  data: string;
  limit?: number;
  workers?: number;
  resTypes: ResampleQuality[];
  profile: number;
  skipLibrosa: boolean;
  skipTraining: boolean;
  skipExtraction: boolean;
  skipInference: boolean;
  skipLive: boolean;
  skipDemo: boolean;
  longSeconds: number;
  modelsDir?: string;
  librosaPath: string;
  python: string;
  out: string;
  trainingArgs: string[];
}

function defaultDataDir(): string {
  const shared = `${PROJECT_ROOT}/../shared/data`;
  try {
    if (Deno.statSync(`${shared}/TESS`).isDirectory) return `${shared}/TESS`;
  } catch {
    // No TESS sub-folder: use the data folder as a whole.
  }
  return shared;
}

function parseFlags(args: readonly string[]): BenchFlags | "help" {
  const flags: BenchFlags = {
    data: defaultDataDir(),
    resTypes: ["kaiser_best", "kaiser_fast"],
    profile: 30,
    skipLibrosa: false,
    skipTraining: false,
    skipExtraction: false,
    skipInference: false,
    skipLive: false,
    skipDemo: false,
    longSeconds: 600,
    librosaPath: projectPath(".cache/librosa-0.9.2"),
    python: "/usr/bin/python3",
    out: projectPath("outputs/bench.json"),
    trainingArgs: [],
  };
  const wholeNumber = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < min) {
      throw new Error(`bench: --${name} needs a whole number >= ${min}, got "${text}"`);
    }
    return value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf("=");
    // Only "--" arguments are flags (and -h): a bare "data" is not --data.
    const name = arg.startsWith("--")
      ? arg.slice(2, eq >= 0 ? eq : undefined)
      : arg === "-h"
      ? arg
      : "";
    const value = () => (eq >= 0 ? arg.slice(eq + 1) : args[++i]);
    switch (name) {
      case "help":
      case "-h":
        return "help";
      case "data":
        flags.data = value();
        break;
      case "limit":
        flags.limit = wholeNumber("limit", value(), 1);
        break;
      case "workers":
        flags.workers = wholeNumber("workers", value(), 0);
        break;
      case "profile":
        flags.profile = wholeNumber("profile", value(), 0);
        break;
      case "res-types":
        flags.resTypes = value().split(",").map((type) => type.trim() as ResampleQuality);
        for (const type of flags.resTypes) {
          if (type !== "kaiser_best" && type !== "kaiser_fast") {
            throw new Error(`bench: --res-types takes kaiser_best and/or kaiser_fast, got ${type}`);
          }
        }
        break;
      case "skip-librosa":
        flags.skipLibrosa = true;
        break;
      case "skip-training":
        flags.skipTraining = true;
        break;
      case "skip-extraction":
        flags.skipExtraction = true;
        break;
      case "skip-inference":
        flags.skipInference = true;
        break;
      case "skip-live":
        flags.skipLive = true;
        break;
      case "skip-demo":
        flags.skipDemo = true;
        break;
      case "long-seconds":
        flags.longSeconds = wholeNumber("long-seconds", value(), 1);
        break;
      case "models-dir":
        flags.modelsDir = value();
        break;
      case "librosa-path":
        flags.librosaPath = value();
        break;
      case "python":
        flags.python = value();
        break;
      case "out":
        flags.out = value();
        break;
      case "training-out":
        flags.trainingArgs.push("--out", value());
        break;
      default: {
        // Passed on to bench_training.ts, but checked here: a typo must fail now, not after
        // the extraction benchmark has run for minutes.
        const option = (TRAINING_BENCH_OPTIONS as Record<string, { type: string }>)[name];
        if (!arg.startsWith("-")) throw new UsageError(`bench: unexpected argument "${arg}"`);
        if (option === undefined) {
          const error = unknownFlagError(arg.slice(0, eq >= 0 ? eq : undefined), [
            ...BENCH_FLAGS,
            ...Object.keys(TRAINING_BENCH_OPTIONS),
          ]);
          throw new UsageError(`bench: ${error.message}`);
        }
        flags.trainingArgs.push(arg);
        if (option.type === "string" && eq < 0) {
          const next = args[++i];
          if (next === undefined) throw new UsageError(`bench: --${name} needs a value`);
          flags.trainingArgs.push(next);
        }
      }
    }
  }
  return flags;
}

async function benchOurs(
  paths: string[],
  resType: ResampleQuality,
  workers: number | undefined,
): Promise<ExtractionRun> {
  const config = loadConfig({}, { env: {} });
  const sampler = new MemorySampler(50);
  const cpuBefore = processCpuSeconds();
  let firstDoneAt = 0;
  const result = await extractFeatureSet(paths, config, {
    workers,
    resampleQuality: resType,
    onProgress: (done) => {
      if (done === 1) firstDoneAt = performance.now();
    },
  });
  const end = performance.now();
  const cpuAfter = processCpuSeconds();
  const memory = sampler.stop();
  const { timing } = result;
  return {
    tool: `ser (Deno ${Deno.version.deno}, ${timing.workers || 1} thread(s))`,
    resType,
    files: timing.files,
    failures: result.failures.length,
    failedFiles: result.failures.slice(0, 10),
    workers: timing.workers,
    seconds: timing.seconds,
    filesPerSecond: timing.filesPerSecond,
    steadyFilesPerSecond: paths.length > 1
      ? (paths.length - 1) / Math.max((end - firstDoneAt) / 1000, 1e-9)
      : timing.filesPerSecond,
    realTimeFactor: timing.realTimeFactor,
    cpuMsPerFile: cpuBefore !== undefined && cpuAfter !== undefined
      ? ((cpuAfter - cpuBefore) * 1000) / paths.length
      : undefined,
    memory,
  };
}

async function runTraining(args: string[]): Promise<Record<string, unknown>> {
  const script = `${PROJECT_ROOT}/cli/bench_training.ts`;
  try {
    await Deno.stat(script);
  } catch {
    console.log("\n(c) training benchmark: cli/bench_training.ts not found, skipped");
    return { skipped: "cli/bench_training.ts not found" };
  }
  console.log(`\n(c) training benchmark: deno run -A cli/bench_training.ts ${args.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: PROJECT_ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  const outIndex = args.lastIndexOf("--out");
  const outPath = outIndex >= 0 ? args[outIndex + 1] : "outputs/bench_training.json";
  let results: unknown;
  try {
    results = JSON.parse(await Deno.readTextFile(projectPath(outPath)));
  } catch {
    results = undefined;
  }
  return { exitCode: status.code, args, results };
}

function printRun(run: ExtractionRun | LibrosaResult): void {
  if ("memory" in run) {
    console.log(
      `  ${run.tool} [${run.resType}]: ${run.files} files (${run.failures} failed) in ` +
        `${run.seconds.toFixed(1)} s = ${run.filesPerSecond.toFixed(1)} files/s ` +
        `(steady ${run.steadyFilesPerSecond.toFixed(1)}), real-time x${
          run.realTimeFactor.toFixed(1)
        }, ` +
        `CPU ${run.cpuMsPerFile?.toFixed(1) ?? "?"} ms/file, peak RSS ${
          formatMiB(run.memory.peakRssBytes)
        } (kernel high-water ${formatMiB(run.memory.processHighWaterBytes)})`,
    );
  } else {
    const cpu = run.cpuSeconds === undefined
      ? "?"
      : ((run.cpuSeconds * 1000) / run.files).toFixed(1);
    console.log(
      `  ${run.tool}: ${run.files} files in ${run.seconds.toFixed(1)} s = ` +
        `${run.filesPerSecond.toFixed(1)} files/s, real-time x${run.realTimeFactor.toFixed(1)}, ` +
        `CPU ${cpu} ms/file, peak RSS ${formatMiB(run.peakRssBytes)}`,
    );
  }
}

function printProfile(profile: StageProfile): void {
  console.log(`\nwhere the time goes (one thread, ${profile.files} files, ms per file):`);
  for (const stage of profile.stages) {
    const share = stage.informational ? "" : ` ${(stage.share * 100).toFixed(1).padStart(5)} %`;
    console.log(`  ${stage.name.padEnd(24)} ${stage.msPerFile.toFixed(2).padStart(8)}${share}`);
  }
}

/**
 * Runs the benchmarks and writes the JSON report.
 *
 * @param args command-line arguments (see the module doc)
 * @returns exit code: 0 done, 1 failed, 2 bad usage
 * @example
 * ```ts
 * await runBench(["--limit", "100", "--skip-training"]);
 * ```
 */
export async function runBench(args: readonly string[]): Promise<number> {
  let flags: BenchFlags | "help";
  try {
    flags = parseFlags(args);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags === "help") {
    console.log(USAGE);
    return 0;
  }
  const cores = navigator.hardwareConcurrency ?? 1;
  // Other jobs on a shared machine skew wall times; the load average says how much.
  const loadAtStart = Deno.loadavg();
  let paths: string[] = [];
  let librosa: Awaited<ReturnType<typeof probeLibrosa>> | { available: false; reason: string } = {
    available: false,
    reason: "--skip-extraction",
  };
  const ours: ExtractionRun[] = [];
  const anchors: LibrosaResult[] = [];
  const comparisons: Comparison[] = [];
  const errors: string[] = [];
  let profile: StageProfile | undefined;
  if (!flags.skipExtraction) {
    try {
      const root = await Deno.realPath(flags.data);
      paths = (await listAudioFiles(root)).map((file) => `${root}/${file}`);
      flags.data = root;
    } catch (error) {
      console.error(`bench: ${(error as Error).message} (pass --data DIR)`);
      return 1;
    }
    paths = paths.slice(0, flags.limit ?? paths.length);
    if (paths.length === 0) {
      console.error(`bench: ${flags.data}: no audio files`);
      return 1;
    }
    console.log(
      `feature extraction benchmark: ${paths.length} files from ${flags.data}, ${cores} cores, ` +
        `cold cache`,
    );

    librosa = flags.skipLibrosa
      ? { available: false as const, reason: "--skip-librosa" }
      : await probeLibrosa({ python: flags.python, librosaPath: flags.librosaPath });
    if (!librosa.available) console.log(`librosa anchor skipped: ${librosa.reason}`);
    const script = `${PROJECT_ROOT}/../shared/anchors/librosa_features_bench.py`;

    // Alternate ours and librosa per resampler so slow drifts of a shared machine hit both alike.
    for (const resType of flags.resTypes) {
      console.log(`\n(a) ours, ${resType}:`);
      const run = await benchOurs(paths, resType, flags.workers);
      printRun(run);
      for (const failure of run.failedFiles) {
        console.log(`    failed: ${failure.path}: ${failure.problem}`);
      }
      ours.push(run);
      if (!librosa.available) continue;
      console.log(`(b) librosa, ${resType} (one process, one core):`);
      try {
        const anchor = await runLibrosaAnchor({
          dataDir: flags.data,
          script,
          resType: resType as LibrosaResType,
          limit: paths.length,
          python: flags.python,
          librosaPath: flags.librosaPath,
        });
        printRun(anchor);
        anchors.push(anchor);
        const comparison: Comparison = {
          resType,
          oursFilesPerSecond: run.filesPerSecond,
          librosaFilesPerSecond: anchor.filesPerSecond,
          ratio: run.filesPerSecond / anchor.filesPerSecond,
        };
        if (anchor.cpuSeconds !== undefined && run.cpuMsPerFile !== undefined) {
          comparison.cpuRatio = (anchor.cpuSeconds * 1000 / anchor.files) / run.cpuMsPerFile;
        }
        comparisons.push(comparison);
        console.log(
          `  => ours / librosa: ${comparison.ratio.toFixed(2)}x files/s` +
            (comparison.cpuRatio === undefined
              ? ""
              : `; librosa uses ${comparison.cpuRatio.toFixed(2)}x our CPU time per file`),
        );
      } catch (error) {
        errors.push((error as Error).message);
        console.error(`  librosa anchor failed: ${(error as Error).message}`);
      }
    }

    if (flags.profile > 0) {
      const step = Math.max(1, Math.floor(paths.length / flags.profile));
      const sample = paths.filter((_, i) => i % step === 0).slice(0, flags.profile);
      try {
        profile = await profileStages(sample, loadConfig({}, { env: {} }));
        printProfile(profile);
      } catch (error) {
        errors.push(`profile: ${(error as Error).message}`);
      }
    }
  }

  let inference: unknown = { skipped: "--skip-inference" };
  if (!flags.skipInference) {
    try {
      inference = await benchInference({
        modelsDir: flags.modelsDir,
        longSeconds: flags.longSeconds,
        skipLive: flags.skipLive,
      });
    } catch (error) {
      errors.push(`inference: ${(error as Error).message}`);
      inference = { error: (error as Error).message };
    }
  }

  let demo: unknown = { skipped: "--skip-demo" };
  if (!flags.skipDemo) {
    console.log(
      "\n(e) demo pipeline (bash tools/setup.sh --run): 4 notebooks, empty feature cache",
    );
    try {
      const result = await benchDemoPipeline();
      demo = result;
      const perNotebook = Object.entries(result.notebooks).map(([name, s]) => `${name} ${s} s`);
      console.log(
        `  pipeline ${
          result.pipelineSeconds.toFixed(0)
        } s (target <= ${result.targets.pipelineSeconds} s` +
          `${perNotebook.length ? `; ${perNotebook.join(", ")}` : ""})`,
      );
      console.log(
        `  deno task predict <demo clip> from a cold process: ${
          result.coldPredictSeconds.toFixed(2)
        } s (target <= ${result.targets.coldPredictSeconds} s); load average now ${
          Deno.loadavg().map((v) => v.toFixed(1)).join(" ")
        } on ${cores} cores`,
      );
    } catch (error) {
      errors.push(`demo: ${(error as Error).message}`);
      demo = { error: (error as Error).message };
      console.error(`  demo pipeline failed: ${(error as Error).message}`);
    }
  }

  const training = flags.skipTraining
    ? { skipped: "--skip-training" }
    : await runTraining(flags.trainingArgs);

  const report = {
    date: new Date().toISOString(),
    machine: {
      cores,
      os: `${Deno.build.os} ${Deno.build.arch}`,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: Deno.loadavg(),
    },
    extraction: flags.skipExtraction ? { skipped: "--skip-extraction" } : {
      data: flags.data,
      files: paths.length,
      ours,
      librosa: librosa.available
        ? { version: librosa.version, runs: anchors }
        : { skipped: librosa.reason },
      comparisons,
      profile,
    },
    inference,
    demo,
    training,
    errors,
  };
  await writeJsonAtomic(flags.out, report);
  console.log(`\nwrote ${flags.out}`);
  return errors.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await runBench(Deno.args));
}
