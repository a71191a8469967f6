/**
 * FastBatchNormalization and FastDropout against tfjs's stock layers (outputs, gradients,
 * moving statistics, inference mode, masks, save/load), the WASM row-copy gather, and the
 * pooled tensor buffers the fast layers share.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/models/mod.ts";
import {
  buildModel,
  FastBatchNormalization,
  FastDropout,
  loadModel,
  lstmSpec,
  saveModel,
} from "../lib/models/mod.ts";
import {
  backendCopiesValues,
  float32Tensor,
  giveBuffer,
  readFloat32,
  takeBuffer,
} from "../lib/models/tensor_buffers.ts";
import { dropoutForward } from "../lib/models/fast_dropout.ts";
import { installFastGather } from "../lib/models/fast_gather.ts";
import { initializerRandom } from "../lib/models/init.ts";
import { maxAbsDiff } from "./numeric.ts";
import { skipped } from "./shared_data.ts";

await initBackend({ quiet: true });

/** Deterministic values in [offset - spread, offset + spread). */
function randomTensor(shape: number[], seed: number, spread = 1, offset = 0): tf.Tensor {
  const random = initializerRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => offset + spread * (2 * random() - 1));
  return tf.tensor(values, shape);
}

/** A fast and a stock batch-norm layer built for `shape`, with the same random gamma and beta. */
function twinLayers(shape: number[], seed: number) {
  const channels = shape[shape.length - 1];
  const fast = new FastBatchNormalization({});
  const stock = tf.layers.batchNormalization({});
  fast.build(shape);
  stock.build(shape);
  const gamma = randomTensor([channels], seed, 0.5, 1);
  const beta = randomTensor([channels], seed + 1, 0.5);
  const weights = [gamma, beta, tf.zeros([channels]), tf.ones([channels])];
  fast.setWeights(weights);
  stock.setWeights(weights);
  return { fast, stock };
}

for (const shape of [[32, 6], [4, 9, 5]]) {
  Deno.test(`FastBatchNormalization matches tfjs in training mode: output and gradients [${shape}]`, () => {
    const { fast, stock } = twinLayers(shape, 3);
    // Offset and scale the input so the batch statistics are far from 0 and 1.
    const x = randomTensor(shape, 5, 3, 2);
    const upstream = randomTensor(shape, 7);
    for (const [label, layer] of [["fast", fast], ["stock", stock]] as const) {
      assert.deepEqual(
        layer.weights.map((w) => w.name.split("/").at(-1)!.replace(/_\d+$/, "")),
        ["gamma", "beta", "moving_mean", "moving_variance"],
        label,
      );
      assert.deepEqual(layer.trainableWeights.length, 2, label);
    }
    const run = (layer: tf.layers.Layer) => {
      const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const output = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
      const { grads } = tf.variableGrads(
        () => (layer.apply(x, { training: true }) as tf.Tensor).mul(upstream).sum() as tf.Scalar,
        [gamma, beta],
      );
      const dInput = tf.grad((input: tf.Tensor) =>
        (layer.apply(input, { training: true }) as tf.Tensor).mul(upstream).sum()
      )(x).dataSync();
      return {
        output,
        dInput,
        dGamma: grads[gamma.name].dataSync(),
        dBeta: grads[beta.name].dataSync(),
      };
    };
    const got = run(fast);
    const want = run(stock);
    assert.ok(maxAbsDiff(got.output, want.output) < 1e-4, "output");
    assert.ok(maxAbsDiff(got.dInput, want.dInput) < 1e-4, "dInput");
    assert.ok(maxAbsDiff(got.dGamma, want.dGamma) < 1e-4, "dGamma");
    assert.ok(maxAbsDiff(got.dBeta, want.dBeta) < 1e-4, "dBeta");
    // The output is normalised: per-channel mean beta, and not the input.
    assert.ok(maxAbsDiff(got.output, x.dataSync()) > 0.1);
  });
}

Deno.test("FastBatchNormalization: moving statistics after training steps, then inference mode", () => {
  const shape = [6, 7, 4];
  const { fast, stock } = twinLayers(shape, 11);
  for (let step = 0; step < 4; step++) {
    const x = randomTensor(shape, 100 + step, 2, step);
    fast.apply(x, { training: true });
    stock.apply(x, { training: true });
  }
  const [, , fastMean, fastVariance] = fast.getWeights();
  const [, , stockMean, stockVariance] = stock.getWeights();
  // Four steps with momentum 0.99 move the statistics visibly away from 0 and 1.
  assert.ok(Math.max(...Array.from(stockMean.dataSync()).map(Math.abs)) > 0.02);
  assert.ok(maxAbsDiff(fastMean.dataSync(), stockMean.dataSync()) < 1e-6, "moving mean");
  assert.ok(maxAbsDiff(fastVariance.dataSync(), stockVariance.dataSync()) < 1e-5, "variance");
  const x = randomTensor(shape, 200, 2, 1);
  const fastOut = (fast.apply(x, { training: false }) as tf.Tensor).dataSync();
  const stockOut = (stock.apply(x) as tf.Tensor).dataSync();
  assert.ok(maxAbsDiff(fastOut, stockOut) < 1e-5, "inference output");
  // Inference leaves the moving statistics alone.
  assert.deepEqual(fast.getWeights()[2].dataSync(), fastMean.dataSync());
});

Deno.test("FastBatchNormalization rejects inputs it was not built for", () => {
  const layer = new FastBatchNormalization({});
  layer.build([2, 3]);
  assert.throws(() => layer.apply(tf.zeros([2, 4]), { training: true }), /3 channels/);
  assert.throws(() => new FastBatchNormalization({ momentum: 2 }), /momentum/);
});

Deno.test("dropoutForward keeps values with u >= rate, scaled by 1 / (1 - rate)", () => {
  const input = new Float32Array(20_000).fill(2);
  const { output, multiplier } = dropoutForward(input, 0.3, 9);
  const kept = output.filter((v) => v !== 0).length / output.length;
  assert.ok(Math.abs(kept - 0.7) < 0.02, `kept ${kept}`);
  const scale = Math.fround(1 / 0.7);
  assert.ok(output.every((v, i) => v === 0 ? multiplier[i] === 0 : multiplier[i] === scale));
  assert.ok(output.every((v) => v === 0 || Math.abs(v - 2 / 0.7) < 1e-5));
  // Same seed, same mask; another seed, another mask.
  assert.deepEqual(dropoutForward(input, 0.3, 9).output, output);
  assert.notDeepEqual(dropoutForward(input, 0.3, 10).output, output);
});

Deno.test("FastDropout: fresh mask every training call, identity in inference, mask gradient", () => {
  const x = tf.ones([8, 50]);
  const layer = new FastDropout({ rate: 0.5, seed: 3 });
  const first = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
  const second = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
  // tfjs's seeded dropout would repeat the mask here.
  assert.notDeepEqual(first, second);
  assert.ok(first.every((v) => v === 0 || v === 2));
  // Seeded layers repeat their sequence of masks.
  const twin = new FastDropout({ rate: 0.5, seed: 3 });
  assert.deepEqual((twin.apply(x, { training: true }) as tf.Tensor).dataSync(), first);
  assert.deepEqual((layer.apply(x) as tf.Tensor).dataSync(), x.dataSync());
  // d(sum(dropout(x) * r)) / dx = mask * r: zero exactly where the output is zero.
  const r = randomTensor([8, 50], 4);
  let output: Float32Array | undefined;
  const dx = tf.grad((input: tf.Tensor) => {
    const y = layer.apply(input, { training: true }) as tf.Tensor;
    output = y.dataSync() as Float32Array;
    return y.mul(r).sum();
  })(x).dataSync();
  const rValues = r.dataSync();
  for (let i = 0; i < dx.length; i++) {
    assert.ok(Math.abs(dx[i] - output![i] * rValues[i]) < 1e-6, `dx[${i}]`);
  }
  assert.throws(() => new FastDropout({ rate: 1 }), /rate/);
});

Deno.test("fast and stock specs build fast and stock batch-norm and dropout layers", () => {
  const config = { lstmUnits: [4, 3], dropout: 0.2, denseUnits: [5] };
  const shape = { frames: 6, features: 3, classes: 2, seed: 1 };
  const classes = (implementation: "fast" | "stock") =>
    buildModel(lstmSpec(config, implementation), shape).layers.map((l) => l.getClassName());
  assert.deepEqual(classes("fast").slice(0, 3), [
    "FastLSTM",
    "FastBatchNormalization",
    "FastDropout",
  ]);
  assert.deepEqual(classes("stock").slice(0, 3), ["LSTM", "BatchNormalization", "Dropout"]);
});

Deno.test("a model with FastBatchNormalization and FastDropout saves, loads and predicts identically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, inputShape: [5] }),
        new FastBatchNormalization({ momentum: 0.9 }),
        new FastDropout({ rate: 0.4, seed: 2 }),
        tf.layers.dense({ units: 3, activation: "softmax" }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const x = randomTensor([16, 5], 21, 2, 1);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32"), 3);
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const target = join(dir, "model");
    await saveModel(model, target, { labels: ["a", "b", "c"] });
    const restored = await loadModel(target);
    assert.deepEqual(
      restored.layers.map((l) => l.getClassName()),
      ["Dense", "FastBatchNormalization", "FastDropout", "Dense"],
    );
    const norm = restored.layers[1] as FastBatchNormalization;
    assert.equal(norm.momentum, 0.9);
    assert.equal((restored.layers[2] as FastDropout).rate, 0.4);
    // Training moved the statistics; the restored ones are the same.
    const movingMean = restored.layers[1].getWeights()[2].dataSync();
    assert.ok(Math.max(...Array.from(movingMean).map(Math.abs)) > 1e-3);
    assert.deepEqual(movingMean, model.layers[1].getWeights()[2].dataSync());
    const after = (restored.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const onWasm = tf.getBackend() === "wasm";
if (!onWasm) {
  skipped("batchnorm_test: installFastGather on WASM", `the backend is ${tf.getBackend()}`);
}

Deno.test({
  name: "installFastGather: row-copy gather matches a JS reference; other gathers unchanged",
  ignore: !onWasm,
  fn() {
    assert.equal(installFastGather(), true);
    const x = randomTensor([7, 3, 4], 31);
    const xRows = x.arraySync() as number[][][];
    const index = [6, 0, 6, 2];
    assert.deepEqual(tf.gather(x, index).arraySync(), index.map((i) => xRows[i]));
    // Nested indices give the indices' shape followed by a row's shape.
    const nested = tf.gather(x, tf.tensor2d([[1, 2], [3, 1]], [2, 2], "int32"));
    assert.deepEqual(nested.shape, [2, 2, 3, 4]);
    assert.deepEqual(nested.arraySync(), [[xRows[1], xRows[2]], [xRows[3], xRows[1]]]);
    const ints = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32");
    assert.deepEqual(tf.gather(ints, [2, 0]).arraySync(), [[5, 6], [1, 2]]);
    assert.deepEqual(tf.gather(tf.tensor1d([5, 6, 7]), [2, 2, 1]).arraySync(), [7, 7, 6]);
    assert.deepEqual(tf.gather(x, tf.tensor1d([], "int32")).shape, [0, 3, 4]);
    // Axis 1 takes the original kernel.
    const columns = tf.gather(x, [3, 0], 2).arraySync() as number[][][];
    assert.deepEqual(columns, xRows.map((rows) => rows.map((row) => [row[3], row[0]])));
    assert.throws(() => tf.gather(x, [7]), /index value 7 is not in \[0, 6\]/);
  },
});

Deno.test("tensor buffers: pooled copies never alias a tensor's storage, on cpu or wasm", async () => {
  const previous = tf.getBackend();
  try {
    for (const backend of [previous, "cpu"]) {
      await tf.setBackend(backend);
      const t = tf.tensor1d([1, 2, 3]);
      const values = readFloat32(t);
      assert.deepEqual(Array.from(values), [1, 2, 3]);
      values[0] = 9;
      giveBuffer(values);
      assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3], backend);
      const held = takeBuffer(3);
      held.set([4, 5, 6]);
      const made = float32Tensor(held, [3]);
      // Whatever the pool hands out next must not be the storage of `made` on cpu.
      takeBuffer(3).fill(0);
      takeBuffer(3).fill(0);
      assert.deepEqual(Array.from(made.dataSync()), [4, 5, 6], backend);
      assert.equal(backendCopiesValues(), backend === "wasm", backend);
    }
  } finally {
    await tf.setBackend(previous);
  }
});
