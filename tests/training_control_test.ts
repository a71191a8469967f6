/**
 * Tests of stopping a training run from outside (lib/trainer/stop.ts, lib/pipeline's
 * trainingControl), the progress display (ProgressLogger's ETA and stop reason, ProgressBar's
 * `initial`), and the per-run TensorBoard folders with hparams (lib/pipeline's trainingLogDir).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadConfig } from "../config.ts";
import {
  Callback,
  EarlyStopping,
  fit,
  type Logs,
  ProgressLogger,
  StopOnRequest,
  type TrainingContext,
} from "../lib/trainer/mod.ts";
import { parseRecords } from "../lib/trainer/tensorboard.ts";
import { readBackup } from "../lib/trainer/backup.ts";
import { formatDuration, ProgressBar } from "../lib/util/progress.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { requestTrainingStop, trainingControl, trainingLogDir } from "../lib/pipeline/steps.ts";

await tf.setBackend("cpu");

/** Three Gaussian blobs in 4-D, labels 0..2. */
function blobs(n: number, seed: number) {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = [[2, 0, 0, 1], [-2, 2, 0, -1], [0, -2, 2, 0]];
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let d = 0; d < 4; d++) x[i * 4 + d] = centres[y[i]][d] + 0.8 * gaussian();
  }
  return { xTrain: { values: x, shape: [n, 4] }, yTrain: { values: y, shape: [n] } };
}

function model(seed: number): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({
    inputShape: [4],
    units: 8,
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  }));
  m.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  }));
  return m;
}

function trainingData() {
  const train = blobs(300, 1); // 10 batches of 32 per epoch (the last one 12)
  const val = blobs(60, 2);
  return { ...train, xVal: val.xTrain, yVal: val.yTrain };
}

/** Creates `path` after batch `batch` of epoch `epoch` (as a user's `touch` would). */
class TouchAt extends Callback {
  #epoch = 0;
  constructor(readonly path: string, readonly epoch: number, readonly batch: number) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }
  override onBatchEnd(batch: number): void {
    if (this.#epoch === this.epoch && batch === this.batch) Deno.writeTextFileSync(this.path, "");
  }
}

/** Copies of the weights after every epoch's end callbacks. */
class WeightsPerEpoch extends Callback {
  weights: number[][] = [];
  override onEpochEnd(): void {
    this.weights.push(this.context.model.getWeights().flatMap((w) => [...w.dataSync()]));
  }
}

Deno.test("a stop file ends fit after the current batch, keeps the best weights and says why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_stop_" });
  try {
    const stopFile = join(dir, "STOP");
    const m = model(7);
    const lines: string[] = [];
    // val_loss at the epochs here: falling, so with patience 100 the best is the last full
    // epoch or the cut-short one; what matters is that the weights are the best epoch's.
    const early = new EarlyStopping({ patience: 100, restoreBestWeights: true });
    const perEpoch = new WeightsPerEpoch();
    const stop = new StopOnRequest({ stopFile });
    const history = await fit(m, trainingData(), {
      epochs: 50,
      batchSize: 32,
      learningRate: 0.01,
      seed: 3,
      callbacks: [
        early,
        perEpoch,
        new ProgressLogger({ write: (line) => lines.push(line) }),
        new TouchAt(stopFile, 3, 4),
        stop,
      ],
    });
    // Epochs 0-2 whole, epoch 3 ended after its batch 4: validated and logged as an epoch.
    assert.deepEqual(history.epoch, [0, 1, 2, 3]);
    assert.equal(stop.stoppedEpoch, 3);
    assert.equal(stop.stoppedBatch, 4);
    assert.equal(stop.reason, `stop file ${stopFile} found`);
    await assert.rejects(Deno.stat(stopFile), Deno.errors.NotFound); // consumed
    assert.match(lines.at(-1)!, /^stopped after epoch 4\/50: stop file .*STOP found \(in /);
    // The model holds the best epoch's weights (exactly: they are copied, not recomputed).
    const final = m.getWeights().flatMap((w) => [...w.dataSync()]);
    assert.ok(early.bestEpoch >= 0);
    assert.deepEqual(final, perEpoch.weights[early.bestEpoch]);
    m.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stopped epoch is not backed up: resuming redoes it and ends as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_stop_resume_" });
  try {
    const stopFile = join(dir, "STOP");
    const resume = { dir: join(dir, "resume") };
    const options = { epochs: 6, batchSize: 32, learningRate: 0.01, seed: 5, emaMomentum: 0.9 };
    const callbacks = () => [new EarlyStopping({ patience: 100, restoreBestWeights: true })];

    const reference = model(11);
    await fit(reference, trainingData(), { ...options, callbacks: callbacks() });
    const expected = reference.getWeights().flatMap((w) => [...w.dataSync()]);

    const first = model(11);
    const stop = new StopOnRequest({ stopFile });
    await fit(first, trainingData(), {
      ...options,
      resume,
      callbacks: [...callbacks(), new TouchAt(stopFile, 2, 6), stop],
    });
    assert.equal(stop.stoppedEpoch, 2);
    // The backup is the one after epoch 1 (index): epoch 2 was cut short, not saved.
    const backup = await readBackup(resume.dir);
    assert.equal(backup?.nextEpoch, 2);
    assert.equal(backup?.stopTraining, false);

    const second = model(11);
    await fit(second, trainingData(), {
      ...options,
      resume,
      // The same callbacks as the stopped run (a resume checks them); this one touches nothing.
      callbacks: [...callbacks(), new TouchAt(stopFile, -1, -1), new StopOnRequest({ stopFile })],
    });
    const resumed = second.getWeights().flatMap((w) => [...w.dataSync()]);
    // Measured: identical (max difference 0); 1e-6 as in the resume tests.
    const diff = Math.max(...resumed.map((v, i) => Math.abs(v - expected[i])));
    assert.ok(diff <= 1e-6, `resumed run differs from the uninterrupted one by ${diff}`);
    for (const m of [reference, first, second]) m.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a time budget stops training after the batch that used it up", async () => {
  let clock = 0;
  const now = () => (clock += 1000); // every look at the clock: one more second
  const stop = new StopOnRequest({ maxSeconds: 5, now });
  const m = model(3);
  const history = await fit(m, trainingData(), {
    epochs: 20,
    batchSize: 32,
    seed: 1,
    callbacks: [stop],
  });
  // Clock reads: 1 s at train begin, then 2, 3, ... after batches 0, 1, ...: batch 4 reads
  // 6 s, 5 s after the start.
  assert.equal(stop.stoppedEpoch, 0);
  assert.equal(stop.stoppedBatch, 4);
  assert.equal(stop.reason, "the time budget (5.0s) is used up");
  assert.deepEqual(history.epoch, [0]);
  m.dispose();
  assert.throws(() => new StopOnRequest({ maxSeconds: -1 }), /maxSeconds must be >= 0/);
});

Deno.test("trainingControl: one stop file and deadline for the step; later models skipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_control_" });
  try {
    const config = loadConfig({ modelsDir: join(dir, "models"), logsDir: join(dir, "logs") });
    await Deno.mkdir(config.modelsDir, { recursive: true });
    const stale = await requestTrainingStop(config);
    assert.equal(stale, join(dir, "models", "STOP"));
    let clock = 1_000_000;
    const control = await trainingControl(config, { minutes: 2, now: () => clock });
    // A stop file left from an earlier run does not stop this one.
    await assert.rejects(Deno.stat(stale), Deno.errors.NotFound);
    assert.equal(control.deadline, 1_000_000 + 120_000);
    assert.equal(control.skip("lstm"), false);

    const m = model(5);
    const callback = control.callback();
    class Tick extends Callback {
      override onBatchEnd(batch: number): void {
        if (batch === 2) clock += 121_000; // past the step's deadline
      }
    }
    await fit(m, trainingData(), {
      epochs: 3,
      batchSize: 32,
      seed: 2,
      callbacks: [new Tick(), callback],
    });
    assert.equal(callback.stoppedBatch, 2);
    assert.equal(control.stopped, "the training time budget (2 min) is used up");
    assert.equal(control.skip("gru"), true);
    m.dispose();

    // A stop request from another process stops the next model of a fresh step.
    const again = await trainingControl(config, { minutes: 0 });
    assert.equal(again.deadline, undefined);
    const m2 = model(6);
    const cb = again.callback();
    await requestTrainingStop(config);
    await fit(m2, trainingData(), { epochs: 3, batchSize: 32, seed: 2, callbacks: [cb] });
    assert.equal(cb.stoppedEpoch, 0);
    assert.equal(cb.stoppedBatch, 0);
    assert.match(again.stopped ?? "", /stop file .*models\/STOP found/);
    m2.dispose();
    // A stop file that appears between two models stops the step before the next one.
    const between = await trainingControl(config);
    assert.equal(between.skip("ensemble"), false);
    await requestTrainingStop(config);
    assert.equal(between.skip("lstm"), true);
    assert.match(between.stopped ?? "", /stop file .*models\/STOP found/);
    await assert.rejects(Deno.stat(join(dir, "models", "STOP")), Deno.errors.NotFound);
    await assert.rejects(trainingControl(config, { minutes: -1 }), /minutes must be >= 0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A fake loop driving callbacks through `epochs` epochs of `seconds` each. */
async function fakeRun(
  callbacks: Callback[],
  epochs: number,
  seconds: number,
  stopAfter?: { epoch: number; reason: string },
): Promise<void> {
  const context: TrainingContext = {
    model: { getWeights: () => [], setWeights: () => {} },
    stopTraining: false,
    epochs,
    stepsPerEpoch: 2,
    getLearningRate: () => 0.001,
    setLearningRate: () => {},
  };
  for (const callback of callbacks) callback.setContext(context);
  for (const callback of callbacks) await callback.onTrainBegin();
  for (let epoch = 0; epoch < epochs && !context.stopTraining; epoch++) {
    for (const callback of callbacks) await callback.onEpochBegin(epoch);
    const logs: Logs = { loss: 1 / (epoch + 1), val_loss: 2 / (epoch + 1), seconds };
    if (stopAfter?.epoch === epoch) {
      context.stopTraining = true;
      context.stopReason = stopAfter.reason;
    }
    for (const callback of callbacks) await callback.onEpochEnd(epoch, logs);
  }
  for (const callback of callbacks) await callback.onTrainEnd();
}

Deno.test("ProgressLogger: ETA from the mean epoch time, and how training ended", async () => {
  const lines: string[] = [];
  await fakeRun([new ProgressLogger({ write: (line) => lines.push(line) })], 4, 2);
  assert.deepEqual(lines.slice(0, 4), [
    "Epoch 1/4 loss 1.0000 val_loss 2.0000 2.0s eta 6.0s",
    "Epoch 2/4 loss 0.5000 val_loss 1.0000 2.0s eta 4.0s",
    "Epoch 3/4 loss 0.3333 val_loss 0.6667 2.0s eta 2.0s",
    "Epoch 4/4 loss 0.2500 val_loss 0.5000 2.0s",
  ]);
  assert.match(lines[4], /^finished all 4 epochs \(in \d+\.\ds\)$/);

  const stopped: string[] = [];
  await fakeRun([new ProgressLogger({ write: (line) => stopped.push(line) })], 40, 90, {
    epoch: 1,
    reason: "early stopping: val_loss has not improved for 3 epoch(s) (best: epoch 1)",
  });
  assert.equal(stopped[0], "Epoch  1/40 loss 1.0000 val_loss 2.0000 90.0s eta 58m30s");
  assert.equal(stopped[1], "Epoch  2/40 loss 0.5000 val_loss 1.0000 90.0s"); // no ETA: stopping
  assert.match(stopped[2], /^stopped after epoch 2\/40: early stopping: val_loss has not/);
  assert.equal(formatDuration(7300), "2h01m");
  assert.equal(formatDuration(Infinity), "?");
});

Deno.test("ProgressBar: items done before a resume count in the bar, not in the rate", () => {
  const lines: string[] = [];
  const bar = new ProgressBar("lstm", 100, {
    initial: 40,
    logMode: true,
    write: (text) => lines.push(text),
  });
  assert.equal(bar.done, 40);
  bar.tick(10);
  bar.finish("stopped: stop file found");
  assert.match(
    lines.at(-1)!,
    /^lstm \[#+-+\] 50\/100 50% [\d.]+\/s .* stopped: stop file found\n$/,
  );
  // The rate counts the 10 items of this session only: 10 items in (much) under a second.
  const rate = Number(/ ([\d.]+)\/s /.exec(lines.at(-1)!)![1]);
  assert.ok(rate > 10, `rate ${rate}`);
});

Deno.test("trainingLogDir: one TensorBoard folder per run and model, with hparams, reused on resume", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_logs_" });
  try {
    const config = loadConfig({ logsDir: join(dir, "logs"), learningRate: 0.001, batchSize: 64 });
    const run = { id: "20261130T091500123Z" };
    const logDir = await trainingLogDir(config, run, "gru");
    const units = config.gruUnits.join("-");
    assert.equal(
      logDir,
      join(dir, "logs", `20261130T091500123Z_gru_lr1e-3_bs64_u${units}_do${config.dropout}`),
    );
    const hparams = JSON.parse(await Deno.readTextFile(join(logDir, "hparams.json")));
    assert.equal(hparams.model, "gru");
    assert.equal(hparams.learning_rate, 0.001);
    assert.equal(hparams.units, config.gruUnits.join(","));
    const events = [...Deno.readDirSync(logDir)].filter((e) => e.name.startsWith("events."));
    assert.equal(events.length, 1);
    const records = parseRecords(await Deno.readFile(join(logDir, events[0].name)));
    assert.equal(records.length, 2); // file version + the hparams event
    const text = new TextDecoder("latin1").decode(records[1]);
    assert.ok(text.includes("_hparams_/session_start_info"));
    assert.ok(text.includes("hparams") && text.includes("learning_rate") && text.includes("gru"));
    // A resumed run gets the same folder and no second hparams event.
    assert.equal(await trainingLogDir(config, run, "gru"), logDir);
    assert.equal(
      [...Deno.readDirSync(logDir)].filter((e) => e.name.startsWith("events.")).length,
      1,
    );
    // Another run or model: another folder.
    const other = await trainingLogDir(config, { id: "20261130T101500000Z" }, "ensemble");
    assert.match(other, /20261130T101500000Z_ensemble_lr1e-3_bs64_do/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
