/**
 * fit's data-parallel `workers` option: gradients of two (and three) workers against one, the
 * same seed giving the same bits, and the layers that make it exact (sharded dropout masks,
 * refused layers).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/models/mod.ts";
import { buildModel, gruSpec, lstmSpec } from "../lib/models/mod.ts";
import { dropoutForward } from "../lib/models/fast_dropout.ts";
import { fit, type FitOptions } from "../lib/trainer/mod.ts";
import { shardSizes } from "../lib/trainer/data_parallel.ts";
import { Interrupt } from "./interrupt.ts";

await initBackend({ quiet: true });

const FRAMES = 12;
const FEATURES = 9;
const CLASSES = 4;
const SETTINGS = { lstmUnits: [10, 6], gruUnits: [10, 6], dropout: 0.3, denseUnits: [8, 5] };

function data(n: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([n, FRAMES, FEATURES], 0, 1, "float32", seed),
    y: tf.randomUniform([n], 0, CLASSES, "int32", seed + 1),
  }));
}

function model(kind: "lstm" | "gru"): tf.LayersModel {
  const spec = kind === "lstm" ? lstmSpec(SETTINGS) : gruSpec(SETTINGS);
  return buildModel(spec, { frames: FRAMES, features: FEATURES, classes: CLASSES, seed: 7 });
}

/** An optimizer that only records the gradients it is given. */
class GradientRecorder extends tf.Optimizer {
  static className = "GradientRecorder";
  readonly steps: Map<string, Float32Array>[] = [];
  override applyGradients(grads: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const map = new Map<string, Float32Array>();
    for (const [name, tensor] of Object.entries(grads as tf.NamedTensorMap)) {
      map.set(name, tensor.dataSync() as Float32Array);
    }
    this.steps.push(map);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

/** Gradients of the first step by variable order, with the logged loss and BN statistics. */
async function firstStep(kind: "lstm" | "gru", workers: number, batch: number) {
  const { x, y } = data(batch, 3);
  const net = model(kind);
  const recorder = new GradientRecorder();
  const history = await fit(net, { xTrain: x, yTrain: y }, {
    epochs: 1,
    batchSize: batch,
    optimizer: recorder,
    classWeight: "balanced",
    seed: 5,
    workers,
  });
  const names = net.trainableWeights.map((weight) => (weight.read() as tf.Variable).name);
  const grads = names.map((name) => recorder.steps[0].get(name)!);
  const movingStats = net.weights.filter((weight) => weight.name.includes("moving"))
    .map((weight) => weight.read().dataSync() as Float32Array);
  tf.dispose([x, y]);
  net.dispose();
  return { grads, loss: history.history.loss[0], movingStats, steps: recorder.steps.length };
}

function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((values, i) => {
    let scale = 0;
    for (const value of values) scale = Math.max(scale, Math.abs(value));
    for (let j = 0; j < values.length; j++) {
      worst = Math.max(worst, Math.abs(values[j] - b[i][j]) / Math.max(scale, 1e-12));
    }
  });
  return worst;
}

for (const kind of ["lstm", "gru"] as const) {
  Deno.test(`data-parallel ${kind}: 2 and 3 workers' gradients equal 1 worker's`, async () => {
    // 13 samples: shards of 7 + 6 (and 5 + 4 + 4), so the shards are uneven.
    const one = await firstStep(kind, 1, 13);
    assert.equal(one.steps, 1);
    for (const workers of [2, 3]) {
      const many = await firstStep(kind, workers, 13);
      assert.equal(many.grads.length, one.grads.length);
      // Measured (the sums run in another order): max difference / largest |gradient| of the
      // tensor 2.3e-7 (LSTM, 2 and 3 workers), 1.5e-7 / 4.6e-7 (GRU, 2 / 3 workers); relative
      // loss difference 0 to 5e-8; BatchNorm's moving statistics equal (0).
      const gradientDifference = maxRelativeDifference(one.grads, many.grads);
      assert.ok(gradientDifference < 1e-6, `${workers} workers: gradients ${gradientDifference}`);
      const lossDifference = Math.abs(one.loss - many.loss) / Math.abs(one.loss);
      assert.ok(lossDifference < 1e-7, `${workers} workers: loss ${lossDifference}`);
      const statsDifference = maxRelativeDifference(one.movingStats, many.movingStats);
      assert.ok(statsDifference < 1e-6, `${workers} workers: moving statistics ${statsDifference}`);
      // Not trivially equal: the gradients are non-zero everywhere that matters.
      assert.ok(one.grads.every((values) => values.some((value) => value !== 0)));
    }
  });
}

async function trainWeights(workers: number, options: Partial<FitOptions> = {}) {
  const { x, y } = data(40, 11);
  const net = model("lstm");
  const history = await fit(net, { xTrain: x, yTrain: y }, {
    epochs: 3,
    batchSize: 16,
    learningRate: 1e-2,
    seed: 9,
    emaMomentum: 0.9,
    workers,
    ...options,
  });
  const weights = net.getWeights().map((weight) => weight.dataSync() as Float32Array);
  tf.dispose([x, y]);
  net.dispose();
  return { weights, history };
}

Deno.test("data-parallel: same seed and workers give bit-identical weights", async () => {
  const first = await trainWeights(2);
  const second = await trainWeights(2);
  first.weights.forEach((values, i) => assert.deepEqual(values, second.weights[i]));
  assert.deepEqual(first.history.history.loss, second.history.history.loss);
  // Against one worker: 3 epochs (9 steps) of Adam (lr 1e-2) drift apart only by rounding.
  // Measured: largest difference / largest |weight| of a tensor 2.3e-7 (not 0: the runs differ).
  const one = await trainWeights(1);
  const difference = maxRelativeDifference(one.weights, first.weights);
  assert.ok(difference > 0 && difference < 1e-6, `2 vs 1 workers after 3 epochs: ${difference}`);
});

Deno.test("data-parallel: a resumed 2-worker run ends bit-identical to an uninterrupted one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_data_parallel_" });
  try {
    // The same callbacks in every run (a backup holds each callback's state).
    const never = () => [new Interrupt(-1, -1)];
    const reference = await trainWeights(2, { callbacks: never() });
    const resume = { dir };
    await assert.rejects(
      trainWeights(2, { resume, callbacks: [new Interrupt(1, 1)] }),
      /interrupted/,
    );
    const resumed = await trainWeights(2, { resume, callbacks: never() });
    reference.weights.forEach((values, i) => assert.deepEqual(resumed.weights[i], values));
    assert.deepEqual(resumed.history.history.loss, reference.history.history.loss);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data-parallel: layers that mix samples are refused, by name", async () => {
  const { x, y } = data(8, 1);
  const net = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [FRAMES, FEATURES] }),
      tf.layers.batchNormalization({ name: "stock_bn" }),
      tf.layers.dense({ units: CLASSES, activation: "softmax" }),
    ],
  });
  await assert.rejects(
    fit(net, { xTrain: x, yTrain: y }, { epochs: 1, batchSize: 8, workers: 2 }),
    /stock_bn.*BatchNormalization/,
  );
  await assert.rejects(
    fit(net, { xTrain: x, yTrain: y }, { epochs: 1, batchSize: 8, workers: 0 }),
    /workers must be a positive integer/,
  );
  tf.dispose([x, y]);
  net.dispose();
});

Deno.test("dropoutForward: a shard at an offset draws the whole batch's mask", () => {
  const input = Float32Array.from({ length: 1000 }, (_, i) => i + 1);
  const whole = dropoutForward(input, 0.3, 12345);
  for (const offset of [0, 1, 333, 999]) {
    const part = dropoutForward(input.subarray(offset), 0.3, 12345, offset);
    assert.deepEqual(part.output, whole.output.subarray(offset));
  }
  const dropped = whole.multiplier.filter((value) => value === 0).length;
  assert.ok(dropped > 230 && dropped < 370, `dropped ${dropped} of 1000 at rate 0.3`);
});

Deno.test("shardSizes: contiguous, first shards larger, empty ones left out", () => {
  assert.deepEqual(shardSizes(64, 2), [32, 32]);
  assert.deepEqual(shardSizes(13, 3), [5, 4, 4]);
  assert.deepEqual(shardSizes(1, 2), [1]);
});
