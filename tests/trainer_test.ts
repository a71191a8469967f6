import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { argmaxRows, predictProbabilities } from "../lib/models/mod.ts";
import {
  Callback,
  clipByGlobalNorm,
  computeClassWeights,
  EarlyStopping,
  fit,
  type History,
  JsonlLogger,
  type Logs,
  ModelCheckpoint,
  ProgressLogger,
  ReduceLROnPlateau,
  type TrainingContext,
  WeightAverage,
} from "../lib/trainer/mod.ts";
import { mulberry32 } from "../lib/util/random.ts";

await tf.setBackend("cpu");

/** A fake model whose single weight is a scalar we can set per epoch. */
function fakeContext(lr = 0.1): TrainingContext & { weight: () => number; lr: () => number } {
  let weights: tf.Tensor[] = [tf.scalar(0)];
  let learningRate = lr;
  return {
    model: {
      getWeights: () => weights,
      setWeights: (values) => {
        tf.dispose(weights);
        weights = values.map((v) => v.clone());
      },
    },
    stopTraining: false,
    epochs: 100,
    stepsPerEpoch: 1,
    getLearningRate: () => learningRate,
    setLearningRate: (value) => (learningRate = value),
    weight: () => weights[0].dataSync()[0],
    lr: () => learningRate,
  };
}

/** Runs callbacks over a scripted metric sequence, "training" the weight to the epoch number. */
async function fakeLoop(
  context: ReturnType<typeof fakeContext>,
  callbacks: Callback[],
  valLosses: number[],
): Promise<number> {
  for (const callback of callbacks) callback.setContext(context);
  for (const callback of callbacks) await callback.onTrainBegin();
  let epoch = 0;
  for (; epoch < valLosses.length && !context.stopTraining; epoch++) {
    context.model.setWeights([tf.scalar(epoch)]);
    for (const callback of callbacks) {
      await callback.onEpochEnd(epoch, { val_loss: valLosses[epoch], lr: context.lr() });
    }
  }
  for (const callback of callbacks) await callback.onTrainEnd();
  return epoch; // epochs run
}

Deno.test("EarlyStopping stops after patience epochs and restores the best weights", async () => {
  const context = fakeContext();
  const stopper = new EarlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
  // best at epoch 2 (0.5); epochs 3, 4, 5 do not improve -> stop after epoch 5.
  const ran = await fakeLoop(context, [stopper], [1, 0.8, 0.5, 0.6, 0.55, 0.7, 0.1, 0.1]);
  assert.equal(ran, 6);
  assert.equal(stopper.stoppedEpoch, 5);
  assert.equal(stopper.bestEpoch, 2);
  assert.equal(stopper.best, 0.5);
  assert.equal(context.weight(), 2);
});

Deno.test("EarlyStopping honours minDelta and max mode; no restore without the flag", async () => {
  const context = fakeContext();
  // 0.95 is not better than 1.0 by more than 0.1 -> counts as no improvement.
  const stopper = new EarlyStopping({ patience: 2, minDelta: 0.1 });
  assert.equal(await fakeLoop(context, [stopper], [1, 0.95, 0.92, 0.5]), 3);
  assert.equal(context.weight(), 2);

  const maxContext = fakeContext();
  const byAccuracy = new EarlyStopping({ monitor: "val_loss", mode: "max", patience: 1 });
  assert.equal(await fakeLoop(maxContext, [byAccuracy], [0.1, 0.5, 0.4, 0.9]), 3);
  assert.equal(byAccuracy.bestEpoch, 1);
});

Deno.test("EarlyStopping restores best weights when epochs run out too", async () => {
  const context = fakeContext();
  const stopper = new EarlyStopping({ patience: 10, restoreBestWeights: true });
  assert.equal(await fakeLoop(context, [stopper], [1, 0.3, 0.4, 0.5]), 4);
  assert.equal(stopper.stoppedEpoch, -1);
  assert.equal(context.weight(), 1);
});

Deno.test("ReduceLROnPlateau multiplies the LR after patience, never below minLr", async () => {
  const context = fakeContext(0.1);
  const seen: number[] = [];
  const recorder = new (class extends Callback {
    override onEpochEnd() {
      seen.push(this.context.getLearningRate());
    }
  })();
  const reducer = new ReduceLROnPlateau({
    monitor: "val_loss",
    factor: 0.5,
    patience: 2,
    minLr: 0.02,
    verbose: false,
  });
  // improve at 0, 1; plateau 2, 3 -> reduce after epoch 3; plateau 4, 5 -> reduce after 5;
  // plateau 6, 7 -> 0.0125 clipped to 0.02 after 7; then stays.
  await fakeLoop(context, [reducer, recorder], [1, 0.5, 0.5, 0.6, 0.7, 0.5, 0.9, 0.9, 0.9, 0.9]);
  assert.deepEqual(seen, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02]);
});

Deno.test("ModelCheckpoint saves only on improvement", async () => {
  const context = fakeContext();
  const savedWeights: number[] = [];
  const checkpoint = new ModelCheckpoint<{ getWeights(): tf.Tensor[] }>({
    monitor: "val_loss",
    saveBest: (model) => {
      savedWeights.push(model.getWeights()[0].dataSync()[0]);
      return Promise.resolve();
    },
  });
  await fakeLoop(context, [checkpoint], [1, 2, 0.5, 0.5, 0.4]);
  assert.deepEqual(checkpoint.savedEpochs, [0, 2, 4]);
  assert.deepEqual(savedWeights, [0, 2, 4]);
});

Deno.test("JsonlLogger and ProgressLogger write one record per epoch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "nested", "history.jsonl");
    const lines: string[] = [];
    const context = fakeContext(0.001);
    await fakeLoop(context, [
      new JsonlLogger({ path }),
      new ProgressLogger({ write: (line) => lines.push(line) }),
    ], [0.9, 0.8]);
    const records = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(records, [{ epoch: 0, val_loss: 0.9, lr: 0.001 }, {
      epoch: 1,
      val_loss: 0.8,
      lr: 0.001,
    }]);
    assert.deepEqual(lines.slice(0, 2), [
      "Epoch   1/100 val_loss 0.9000 lr 1.00e-3",
      "Epoch   2/100 val_loss 0.8000 lr 1.00e-3",
    ]);
    // The scripted loop ends after 2 of 100 epochs without a stop reason.
    assert.match(lines[2], /^stopped after epoch 2\/100 \(in \d+\.\ds\)$/);
    assert.equal(lines.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("computeClassWeights matches sklearn's balanced formula", () => {
  const weights = computeClassWeights([0, 0, 0, 1, 2, 2], 3);
  // n / (k * count): 6/(3*3), 6/(3*1), 6/(3*2)
  assert.deepEqual(weights, [6 / 9, 2, 1]);
  // An absent class gets 0; n_classes counts all classes: 2 / (3 * 2).
  assert.deepEqual(computeClassWeights([1, 1], 3), [0, 1 / 3, 0]);
  assert.throws(() => computeClassWeights([0, 3], 3), /label 3 at index 1/);
});

// ---------------------------------------------------------------------------------------------
// Real training on synthesized data.

/** Three Gaussian blobs in 4-D, labels 0..2, from a seeded generator. */
function blobs(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = [[2, 0, 0, 1], [-2, 2, 0, -1], [0, -2, 2, 0]];
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let d = 0; d < 4; d++) x[i * 4 + d] = centres[y[i]][d] + 0.8 * gaussian();
  }
  return { x, y };
}

function denseModel(seed: number, dropout = 0): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({
    inputShape: [4],
    units: 16,
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  }));
  if (dropout > 0) model.add(tf.layers.dropout({ rate: dropout }));
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  }));
  return model;
}

function withoutSeconds(history: History): Record<string, number[]> {
  const { seconds: _seconds, ...rest } = history.history;
  return rest;
}

Deno.test("a small model learns separable blobs to > 90 % validation accuracy", async () => {
  const train = blobs(300, 1);
  const val = blobs(90, 2);
  const model = denseModel(7);
  const history = await fit(model, {
    xTrain: { values: train.x, shape: [300, 4] },
    yTrain: { values: train.y, shape: [300] },
    xVal: { values: val.x, shape: [90, 4] },
    yVal: { values: val.y, shape: [90] },
  }, { epochs: 15, batchSize: 32, learningRate: 0.01, seed: 3 });
  assert.deepEqual(history.epoch, [...Array(15).keys()]);
  for (const key of ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"]) {
    assert.equal(history.history[key].length, 15, key);
  }
  const last = (key: string) => history.history[key].at(-1)!;
  assert.ok(last("val_accuracy") > 0.9, `val_accuracy ${last("val_accuracy")}`);
  assert.ok(last("loss") < history.history.loss[0] / 2);
  assert.equal(last("lr"), 0.01);

  // predictions agree with the reported validation accuracy
  const { values, shape } = await predictProbabilities(model, { values: val.x, shape: [90, 4] });
  assert.deepEqual(shape, [90, 3]);
  const predicted = argmaxRows(values, 3);
  const accuracy = predicted.filter((p, i) => p === val.y[i]).length / 90;
  assert.ok(Math.abs(accuracy - last("val_accuracy")) < 1e-9);
  model.dispose();
});

Deno.test("same seed gives an identical history (with dropout); another seed differs", async () => {
  const train = blobs(120, 5);
  const run = async (seed: number) => {
    const model = denseModel(11, 0.3);
    const xTrain = tf.tensor2d(train.x, [120, 4]);
    const yTrain = tf.oneHot(tf.tensor1d(train.y, "int32"), 3);
    const history = await fit(model, { xTrain, yTrain, xVal: xTrain, yVal: yTrain }, {
      epochs: 4,
      batchSize: 16,
      learningRate: 0.01,
      seed,
    });
    tf.dispose([xTrain, yTrain]);
    model.dispose();
    return withoutSeconds(history);
  };
  const first = await run(123);
  assert.deepEqual(await run(123), first);
  assert.notDeepEqual(await run(124), first);
});

Deno.test("fit leaks no tensors across epochs or after training", async () => {
  const train = blobs(90, 9);
  const model = denseModel(3, 0.2);
  const xTrain = tf.tensor2d(train.x, [90, 4]);
  const yTrain = tf.tensor1d(train.y, "float32");
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const counter = new (class extends Callback {
    override onEpochEnd() {
      counts.push(tf.memory().numTensors);
    }
  })();
  await fit(model, { xTrain, yTrain, xVal: xTrain, yVal: yTrain }, {
    epochs: 5,
    batchSize: 20,
    classWeight: "balanced",
    callbacks: [counter, new EarlyStopping({ patience: 50, restoreBestWeights: true })],
  });
  // Counts from epoch 1 on are constant (epoch 0 created the optimizer's slot variables).
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `counts ${counts}`);
  // The Adam made inside fit is disposed with its slots: back to where we started.
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([xTrain, yTrain]);
  model.dispose();
});

Deno.test("class weights scale the training loss; compiled optimizer is reused", async () => {
  const train = blobs(30, 4);
  const firstBatchLoss = async (classWeight?: number[]) => {
    const model = denseModel(5);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    let loss = NaN;
    const probe = new (class extends Callback {
      override onBatchEnd(batch: number, logs: Logs) {
        if (batch === 0) loss = logs.loss;
      }
    })();
    const history = await fit(model, {
      xTrain: { values: train.x, shape: [30, 4] },
      yTrain: { values: train.y, shape: [30] },
    }, { epochs: 1, batchSize: 30, classWeight, callbacks: [probe], shuffle: false });
    assert.equal(history.history.lr[0], 0.1);
    assert.equal(history.history.val_loss, undefined);
    model.dispose();
    return loss;
  };
  const plain = await firstBatchLoss();
  const doubled = await firstBatchLoss([2, 2, 2]);
  assert.ok(Math.abs(doubled - 2 * plain) < 1e-5, `${doubled} vs 2 * ${plain}`);
});

Deno.test("callbacks steer fit: early stopping ends it, ReduceLROnPlateau lowers lr", async () => {
  const train = blobs(60, 8);
  const model = denseModel(2);
  const data = {
    xTrain: { values: train.x, shape: [60, 4] },
    yTrain: { values: train.y, shape: [60] },
  };
  // Monitoring training loss with an impossible minDelta: never improves after epoch 0.
  const stopper = new EarlyStopping({ monitor: "loss", patience: 2, minDelta: 100 });
  const reducer = new ReduceLROnPlateau({
    monitor: "loss",
    patience: 1,
    factor: 0.5,
    minDelta: 100,
    verbose: false,
  });
  const history = await fit(model, data, {
    epochs: 20,
    batchSize: 16,
    learningRate: 0.01,
    callbacks: [stopper, reducer],
  });
  assert.deepEqual(history.epoch, [0, 1, 2]);
  // lr is the rate used during each epoch; the reduction after epoch 1 shows at epoch 2.
  assert.deepEqual(history.history.lr, [0.01, 0.01, 0.005]);
  assert.equal(stopper.stoppedEpoch, 2);
  model.dispose();
});

Deno.test("a tiny GRU trains through fit on sequences", async () => {
  // class = which of 3 frequencies a 12-step sine has
  const n = 60;
  const steps = 12;
  const x = new Float32Array(n * steps);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    const phase = (i * 0.37) % (2 * Math.PI);
    for (let t = 0; t < steps; t++) x[i * steps + t] = Math.sin((y[i] + 1) * 0.5 * t + phase);
  }
  const model = tf.sequential();
  model.add(tf.layers.gru({
    inputShape: [steps, 1],
    units: 8,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  }));
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
  }));
  const before = tf.memory().numTensors;
  const history = await fit(model, {
    xTrain: { values: x, shape: [n, steps, 1] },
    yTrain: { values: y, shape: [n] },
  }, { epochs: 25, batchSize: 20, learningRate: 0.03, seed: 1 });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(history.history.loss.at(-1)! < history.history.loss[0] * 0.8);
  model.dispose();
});

Deno.test("fit rejects inconsistent data with a message naming the field", async () => {
  const model = denseModel(1);
  await assert.rejects(
    () =>
      fit(model, {
        xTrain: { values: new Float32Array(8), shape: [2, 4] },
        yTrain: { values: [0, 1, 2], shape: [3] },
      }, { epochs: 1, batchSize: 2 }),
    /xTrain has 2 samples but yTrain has 3/,
  );
  await assert.rejects(
    () =>
      fit(model, {
        xTrain: { values: new Float32Array(7), shape: [2, 4] },
        yTrain: { values: [0, 1], shape: [2] },
      }, { epochs: 1, batchSize: 2 }),
    /xTrain: shape \[2,4\] needs 8 values, got 7/,
  );
  await assert.rejects(
    () =>
      fit(model, {
        xTrain: { values: new Float32Array(8), shape: [2, 4] },
        yTrain: { values: [0, 5], shape: [2] },
      }, { epochs: 1, batchSize: 2 }),
    /yTrain: label 5 at index 1/,
  );
  model.dispose();
});

Deno.test("clipByGlobalNorm shortens an oversized step to the limit and keeps its direction", () => {
  const grads = { a: tf.tensor1d([3]), b: tf.tensor1d([0, 4]) };
  const clipped = clipByGlobalNorm(grads, 1);
  assert.deepEqual(Array.from(clipped.a.dataSync()).map((v) => +v.toFixed(6)), [0.6]);
  assert.deepEqual(Array.from(clipped.b.dataSync()).map((v) => +v.toFixed(6)), [0, 0.8]);
  const untouched = clipByGlobalNorm(grads, 10);
  assert.deepEqual(Array.from(untouched.b.dataSync()), [0, 4]);
  tf.dispose([grads.a, grads.b, clipped.a, clipped.b, untouched.a, untouched.b]);
});

Deno.test("fit with globalClipNorm moves the weights by at most lr * clip per step", async () => {
  const train = blobs(30, 5);
  const stepNorm = async (globalClipNorm?: number) => {
    const model = denseModel(7);
    model.compile({ optimizer: tf.train.sgd(0.5), loss: "categoricalCrossentropy" });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    await fit(model, {
      xTrain: { values: train.x, shape: [30, 4] },
      yTrain: { values: train.y, shape: [30] },
    }, { epochs: 1, batchSize: 30, shuffle: false, globalClipNorm });
    let squared = 0;
    model.getWeights().forEach((w, i) =>
      w.dataSync().forEach((v, j) => squared += (v - before[i][j]) ** 2)
    );
    model.dispose();
    return Math.sqrt(squared);
  };
  const free = await stepNorm();
  assert.ok(free > 0.5 * 0.01, `unclipped step ${free} should exceed the clipped one`);
  const clipped = await stepNorm(0.01);
  assert.ok(Math.abs(clipped - 0.5 * 0.01) < 1e-5, `clipped step ${clipped}, want 0.005`);
  await assert.rejects(
    () =>
      fit(denseModel(1), {
        xTrain: { values: train.x, shape: [30, 4] },
        yTrain: { values: train.y, shape: [30] },
      }, { epochs: 1, batchSize: 30, globalClipNorm: 0 }),
    /globalClipNorm must be a positive number, got 0/,
  );
});

Deno.test("WeightAverage moves toward the weights with a warm-up decay and swaps both ways", () => {
  const weight = tf.variable(tf.tensor1d([2, -2]));
  const average = new WeightAverage([weight], 0.5);
  assert.equal(average.decay, 0.1); // min(0.5, 1 / 10)
  weight.assign(tf.tensor1d([4, 0]));
  average.update(); // 0.1 * [2, -2] + 0.9 * [4, 0]
  average.swap();
  assert.deepEqual(Array.from(weight.dataSync()).map((v) => +v.toFixed(5)), [3.8, -0.2]);
  assert.equal(average.swapped, true);
  assert.throws(() => average.update(), /swap the raw weights back first/);
  average.swap();
  assert.deepEqual(Array.from(weight.dataSync()), [4, 0]);
  for (let i = 0; i < 20; i++) average.update();
  assert.equal(average.decay, 0.5); // (1 + 21) / (10 + 21) > 0.5
  assert.throws(() => new WeightAverage([weight], 1), /momentum must be in \[0, 1\), got 1/);
  average.dispose();
  weight.dispose();
});

Deno.test("fit with emaMomentum validates and returns the average of the per-step weights", async () => {
  const train = blobs(30, 6);
  const val = blobs(12, 8);
  const model = denseModel(3);
  model.compile({ optimizer: tf.train.sgd(0.3), loss: "categoricalCrossentropy" });
  const snapshot = () => model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const steps: Float32Array[][] = [snapshot()];
  const recorder = new (class extends Callback {
    override onBatchEnd() {
      steps.push(snapshot());
    }
  })();
  const momentum = 0.6;
  const history = await fit(model, {
    xTrain: { values: train.x, shape: [30, 4] },
    yTrain: { values: train.y, shape: [30] },
    xVal: { values: val.x, shape: [12, 4] },
    yVal: { values: val.y, shape: [12] },
  }, { epochs: 1, batchSize: 10, shuffle: false, emaMomentum: momentum, callbacks: [recorder] });
  assert.equal(steps.length, 4); // initial weights + 3 batches
  const expected = steps[0].map((initial, i) =>
    initial.map((_, j) =>
      steps.slice(1).reduce((avg, step, n) => {
        const decay = Math.min(momentum, (1 + n) / (10 + n));
        return decay * avg + (1 - decay) * step[i][j];
      }, initial[j])
    )
  );
  model.getWeights().forEach((w, i) => {
    w.dataSync().forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-5, `w${i}[${j}]`));
  });
  // The raw last step differs from the average, so validation must have used the average.
  const finalProbabilities = await predictProbabilities(model, { values: val.x, shape: [12, 4] });
  let loss = 0;
  for (let i = 0; i < 12; i++) loss -= Math.log(finalProbabilities.values[i * 3 + val.y[i]]);
  assert.ok(Math.abs(history.history.val_loss[0] - loss / 12) < 1e-4);
  assert.ok(steps[3].some((w, i) => w.some((v, j) => Math.abs(v - expected[i][j]) > 1e-3)));
  model.dispose();
});
