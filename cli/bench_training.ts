/**
 * Training-speed benchmark: seconds per epoch of the seed's LSTM and GRU models on random data
 * (default 2240 x 130 x 188, batch 64, as TESS's training split) with
 *   (a) our fast layers: JS/OpenBLAS recurrent layers, JS BatchNormalization and Dropout, and
 *       the WASM row-copy gather for the batches (see lib/models), trained by lib/trainer's
 *       `fit` as the notebooks train them (with the config's weight average, `emaMomentum`),
 *   (b) tfjs's stock recurrent, BatchNormalization and Dropout layers on the same backend (a
 *       few batches after a warm-up batch, extrapolated to a full epoch: they are ~5x slower),
 *   (c) the PyTorch anchor (`shared/anchors/torch_seed_models.py`) when `/usr/bin/python3` has
 *       torch,
 * and prints a table with the ratio ours / PyTorch. Writes `outputs/bench_training.json`.
 *
 * Usage:
 *   deno run -A cli/bench_training.ts [--samples 2240] [--epochs 3] [--batch 64] [--frames 130]
 *     [--features 188] [--models lstm,gru] [--stock-batches 4] [--no-stock] [--no-torch]
 *     [--blas-threads 1] [--workers auto] [--torch-threads 2,1] [--out outputs/bench_training.json]
 *
 * `--workers` defaults to what the project trains with (`trainingWorkers`, 2, at most the
 * machine's cores): `workers: 2` is fit's data-parallel training (this thread plus a Web Worker,
 * each computing half of every batch); `--workers 1` is the one-thread loop. Each epoch's CPU seconds (all threads of this process)
 * and the 1-minute load average at its end are recorded beside its wall time: on a shared
 * machine the CPU time moves much less than the wall time.
 *
 * `--torch-threads` lists the PyTorch thread counts to run (2 is the anchor's setting; 1
 * matches our single BLAS thread). Machines here are shared: compare ratios from one run.
 * @module
 */
import {
  firstFile,
  parseCliArgs,
  ProgressBar,
  UsageError,
  writeJsonAtomic,
} from "../lib/util/mod.ts";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../config.ts";
import { processCpuSeconds } from "./bench/cpu.ts";
import {
  blasInfo,
  buildModel,
  compileModel,
  gruSpec,
  initBackend,
  lstmSpec,
  type ModelSpec,
  modelSummary,
  setBlasThreads,
} from "../lib/models/mod.ts";
import { Callback, fit } from "../lib/trainer/mod.ts";
import { TRAINING_BENCH_OPTIONS } from "./bench_training_options.ts";

const { values: flags } = (() => {
  try {
    return parseCliArgs({ args: Deno.args, options: TRAINING_BENCH_OPTIONS });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench_training: ${error.message}`);
    Deno.exit(2);
  }
})();

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`bench_training: --${name} must be a positive integer, got "${text}"`);
  }
  return value;
}

const samples = positiveInt("samples", flags.samples);
const epochs = positiveInt("epochs", flags.epochs);
const batch = positiveInt("batch", flags.batch);
const frames = positiveInt("frames", flags.frames);
const features = positiveInt("features", flags.features);
const classes = positiveInt("classes", flags.classes);
const stockBatches = positiveInt("stock-batches", flags["stock-batches"]);
const blasThreads = positiveInt("blas-threads", flags["blas-threads"]);
// What the notebooks and the pipeline train with unless told otherwise.
const workers = flags.workers === "auto"
  ? Math.max(1, Math.min(DEFAULT_CONFIG.trainingWorkers, navigator.hardwareConcurrency ?? 1))
  : positiveInt("workers", flags.workers);
const torchThreads = flags["torch-threads"].split(",").map((t) => positiveInt("torch-threads", t));
const modelNames = flags.models.split(",").map((name) => name.trim()) as ("lstm" | "gru")[];
for (const name of modelNames) {
  if (name !== "lstm" && name !== "gru") {
    throw new Error(`bench_training: --models takes lstm and/or gru, got "${name}"`);
  }
}

setBlasThreads(blasThreads);
const backend = await initBackend();
const batchesPerEpoch = Math.ceil(samples / batch);

/** Median of the epochs after the first (the first pays for JIT warm-up). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function specFor(name: "lstm" | "gru", implementation: "fast" | "stock"): ModelSpec {
  return name === "lstm"
    ? lstmSpec(DEFAULT_CONFIG, implementation)
    : gruSpec(DEFAULT_CONFIG, implementation);
}

/** The 1-minute load average (Linux), or undefined. */
function loadAverage(): number | undefined {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the calling thread (Linux `/proc/thread-self/stat`). With `--workers 2` the
 * main thread's CPU time per epoch estimates the epoch's wall time on an otherwise idle machine:
 * it runs its half of every batch plus all the serial work (optimizer, weight average), while
 * the worker's half runs beside it.
 */
function threadCpuSeconds(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/thread-self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Wall seconds, CPU seconds (process, main thread) and load average of each epoch. */
interface EpochTimes {
  wall: number[];
  cpu: number[];
  mainCpu: number[];
  load: (number | undefined)[];
}

/** Times each epoch of lib/trainer's `fit`, the loop the notebooks and the pipeline use. */
async function timeTrainerEpochs(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  count: number,
  label: string,
): Promise<EpochTimes> {
  const batches = Math.ceil(x.shape[0] / batch);
  const times: EpochTimes = { wall: [], cpu: [], mainCpu: [], load: [] };
  let bar: ProgressBar | undefined;
  let start = 0;
  let cpuStart = 0;
  let mainCpuStart = 0;
  class EpochTimer extends Callback {
    override onEpochBegin(epoch: number): void {
      bar = new ProgressBar(`${label} epoch ${epoch + 1}/${count}`, batches);
      start = performance.now();
      cpuStart = processCpuSeconds() ?? NaN;
      mainCpuStart = threadCpuSeconds();
    }
    override onBatchEnd(): void {
      bar?.tick();
    }
    override onEpochEnd(): void {
      times.wall.push((performance.now() - start) / 1000);
      times.cpu.push((processCpuSeconds() ?? NaN) - cpuStart);
      times.mainCpu.push(threadCpuSeconds() - mainCpuStart);
      times.load.push(loadAverage());
      bar?.finish();
    }
  }
  await fit(model, { xTrain: x, yTrain: y }, {
    epochs: count,
    batchSize: batch,
    shuffle: true,
    seed: 1,
    emaMomentum: DEFAULT_CONFIG.emaMomentum,
    workers,
    callbacks: [new EpochTimer()],
  });
  return times;
}

/** Times epochs of tfjs' own `model.fit` (for the stock layers). */
async function timeEpochs(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  count: number,
  label: string,
): Promise<number[]> {
  const times: number[] = [];
  const batches = Math.ceil(x.shape[0] / batch);
  for (let epoch = 0; epoch < count; epoch++) {
    const bar = new ProgressBar(`${label} epoch ${epoch + 1}/${count}`, batches);
    const start = performance.now();
    await model.fit(x, y, {
      batchSize: batch,
      epochs: 1,
      shuffle: true,
      verbose: 0,
      callbacks: { onBatchEnd: () => bar.tick() },
    });
    times.push((performance.now() - start) / 1000);
    bar.finish();
  }
  return times;
}

interface Row {
  model: string;
  params: number;
  fastSecondsPerEpoch: number;
  fastEpochTimes: number[];
  /** CPU seconds (all threads) per epoch, median of the epochs after the first. */
  fastCpuSecondsPerEpoch: number;
  fastEpochCpu: number[];
  /** CPU seconds of the main thread per epoch, median of the epochs after the first. */
  fastMainCpuSecondsPerEpoch: number;
  fastEpochMainCpu: number[];
  /** 1-minute load average at the end of each epoch. */
  fastEpochLoad: (number | undefined)[];
  stockSecondsPerEpoch?: number;
  stockNote?: string;
  /** PyTorch seconds per epoch by thread count. */
  torch: Record<string, number>;
  torchParams?: number;
}

const x = tf.randomNormal([samples, frames, features]);
const y = tf.oneHot(tf.randomUniform([samples], 0, classes, "int32"), classes);
const rows: Row[] = [];

for (const name of modelNames) {
  const fast = compileModel(
    buildModel(specFor(name, "fast"), { frames, features, classes, seed: 1 }),
  );
  const fastTimes = await timeTrainerEpochs(fast, x, y, epochs, `fast ${name}`);
  const afterFirst = (values: number[]) => median(values.length > 1 ? values.slice(1) : values);
  const row: Row = {
    model: name,
    params: modelSummary(fast).total,
    fastSecondsPerEpoch: afterFirst(fastTimes.wall),
    fastEpochTimes: fastTimes.wall,
    fastCpuSecondsPerEpoch: afterFirst(fastTimes.cpu),
    fastEpochCpu: fastTimes.cpu,
    fastMainCpuSecondsPerEpoch: afterFirst(fastTimes.mainCpu),
    fastEpochMainCpu: fastTimes.mainCpu,
    fastEpochLoad: fastTimes.load,
    torch: {},
  };
  fast.dispose();
  if (!flags["no-stock"]) {
    const stock = compileModel(
      buildModel(specFor(name, "stock"), { frames, features, classes, seed: 1 }),
    );
    const timed = Math.min(stockBatches, batchesPerEpoch);
    const warmX = x.slice([0], [Math.min(batch, samples)]);
    const warmY = y.slice([0], [Math.min(batch, samples)]);
    await stock.fit(warmX, warmY, { batchSize: batch, epochs: 1, verbose: 0 });
    const partX = x.slice([0], [Math.min(timed * batch, samples)]);
    const partY = y.slice([0], [Math.min(timed * batch, samples)]);
    const [seconds] = await timeEpochs(stock, partX, partY, 1, `stock ${name}`);
    row.stockSecondsPerEpoch = seconds * batchesPerEpoch / timed;
    row.stockNote = `${timed} of ${batchesPerEpoch} batches after 1 warm-up batch, extrapolated`;
    tf.dispose([warmX, warmY, partX, partY]);
    stock.dispose();
  }
  rows.push(row);
}
tf.dispose([x, y]);

// PyTorch anchor, run after our models so the two never compete for the 2 cores.
let torchVersion: string | undefined;
const torchNotes: string[] = [];

function findAnchorScript(): string | undefined {
  const repoRoot = new URL("..", import.meta.url).pathname;
  const candidates = [
    join(repoRoot, "shared/anchors/torch_seed_models.py"),
    join(repoRoot, "../shared/anchors/torch_seed_models.py"),
    "/work/shared/anchors/torch_seed_models.py",
  ];
  return firstFile(candidates);
}

async function runTorch(script: string, threads: number): Promise<void> {
  const shapeArgs = { samples, frames, features, batch, epochs, threads, classes };
  const args = [script, ...Object.entries(shapeArgs).flatMap(([k, v]) => [`--${k}`, String(v)])];
  console.error(`[bench] PyTorch anchor, ${threads} thread(s)...`);
  // The child's CPU time (user + system) from GNU time, when installed.
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "TIME %U %S %e", "/usr/bin/python3", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() =>
    new Deno.Command("/usr/bin/python3", { args, stdout: "piped", stderr: "piped" }).output()
  );
  const timeLine = new TextDecoder().decode(output.stderr).split("\n").find((line) =>
    line.startsWith("TIME ")
  );
  if (timeLine) {
    const [user, system, wall] = timeLine.split(" ").slice(1).map(Number);
    torchNotes.push(
      `PyTorch ${threads} thread(s): process CPU ${(user + system).toFixed(1)} s over ` +
        `${wall.toFixed(1)} s wall (both models, ${epochs} epochs each, plus start-up); ` +
        `load average ${loadAverage()}`,
    );
  }
  if (!output.success) {
    const last = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    torchNotes.push(`PyTorch anchor (${threads} threads) failed: ${last}`);
    return;
  }
  for (const line of new TextDecoder().decode(output.stdout).trim().split("\n")) {
    const result = JSON.parse(line);
    torchVersion = result.framework;
    const row = rows.find((r) => r.model === result.model);
    if (row) {
      row.torch[String(threads)] = result.seconds_per_epoch;
      row.torchParams = result.params;
    }
  }
}

if (!flags["no-torch"]) {
  const script = findAnchorScript();
  if (!script) torchNotes.push("torch_seed_models.py not found");
  else {
    for (const threads of torchThreads) {
      try {
        await runTorch(script, threads);
      } catch (error) {
        torchNotes.push(`PyTorch anchor not run: ${(error as Error).message}`);
        break;
      }
    }
  }
}

const fmt = (value: number | undefined) => value === undefined ? "-" : value.toFixed(2);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "-" : (a / b).toFixed(2) + "x";
console.log(
  `\nTraining speed, s/epoch (${samples} x ${frames} x ${features}, batch ${batch}; ` +
    `tfjs ${backend.name}, blas=${blasInfo().kind} ${blasInfo().threads} thread(s), ` +
    `workers ${workers}; load average at the epochs' ends: ` +
    rows.map((row) => `${row.model} ${row.fastEpochLoad.join("/")}`).join(", ") + ")",
);
const torchHeads = torchThreads.flatMap((t) => [`torch@${t}t`, `fast/torch@${t}t`]);
const header = [
  "model",
  "params",
  "fast",
  "fast CPU",
  "main CPU",
  "stock",
  "stock/fast",
  ...torchHeads,
];
const table = rows.map((row) => [
  row.model,
  String(row.params),
  fmt(row.fastSecondsPerEpoch),
  fmt(row.fastCpuSecondsPerEpoch),
  fmt(row.fastMainCpuSecondsPerEpoch),
  fmt(row.stockSecondsPerEpoch),
  ratio(row.stockSecondsPerEpoch, row.fastSecondsPerEpoch),
  ...torchThreads.flatMap((t) => [
    fmt(row.torch[String(t)]),
    ratio(row.fastSecondsPerEpoch, row.torch[String(t)]),
  ]),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)) + 2);
for (const line of [header, ...table]) {
  console.log(line.map((cell, i) => cell.padEnd(widths[i])).join(""));
}
for (const note of torchNotes) console.log(note);

await writeJsonAtomic(flags.out, {
  createdAt: new Date().toISOString(),
  shapes: { samples, frames, features, batch, classes, epochs },
  threads: { blas: blasThreads, torch: torchThreads, workers },
  backend,
  blas: blasInfo(),
  torch: torchVersion ?? null,
  torchNotes,
  measure: "median seconds per epoch of the epochs after the first",
  rows: rows.map((row) => ({
    ...row,
    fastOverTorch: Object.fromEntries(
      Object.entries(row.torch).map(([t, seconds]) => [t, row.fastSecondsPerEpoch / seconds]),
    ),
  })),
});
console.log(`wrote ${flags.out}`);
