/**
 * Model builder, FastConv1D, training on the default backend (WASM here: proves every op used
 * in training has a kernel there), and folder save/load.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../config.ts";
import { initBackend } from "../lib/models/mod.ts";
import {
  buildModel,
  compileModel,
  FastConv1D,
  formatSummary,
  gruSpec,
  hybridSpec,
  loadModel,
  loadModelMetadata,
  lstmSpec,
  modelSummary,
  saveModel,
} from "../lib/models/mod.ts";
import { gaussian, initializerRandom } from "../lib/models/init.ts";
import { maxAbsDiff } from "./numeric.ts";

const backend = await initBackend({ quiet: true });

const SEED_SHAPE = { frames: 130, features: 188, classes: 7, seed: 42 };

Deno.test("lstmSpec follows the seed's architecture", () => {
  const types = lstmSpec(DEFAULT_CONFIG).layers.map((layer) =>
    layer.type === "dense" ? `dense(${layer.units},${layer.activation})` : layer.type
  );
  assert.deepEqual(types, [
    "lstm",
    "batchNorm",
    "dropout",
    "lstm",
    "batchNorm",
    "dropout",
    "dense(64,relu)",
    "dropout",
    "dense(32,relu)",
    "dense(classes,softmax)",
  ]);
  const recurrent = lstmSpec(DEFAULT_CONFIG).layers.flatMap((layer) =>
    layer.type === "lstm" ? [[layer.units, layer.returnSequences]] : []
  );
  assert.deepEqual(recurrent, [[128, true], [64, false]]);
});

Deno.test("seed models: parameter counts and output shape (188 features, 7 classes)", () => {
  const lstm = buildModel(lstmSpec(DEFAULT_CONFIG), SEED_SHAPE);
  const lstmSummary = modelSummary(lstm);
  // Keras counts one bias vector per LSTM gate; PyTorch's 219,335 has two (+512 +256).
  assert.equal(lstmSummary.total, 218_951);
  assert.equal(lstmSummary.trainable, 218_567);
  assert.equal(lstmSummary.nonTrainable, 384);
  assert.deepEqual(lstmSummary.rows[0], {
    layer: "lstm_1",
    type: "FastLSTM",
    outputShape: [null, 130, 128],
    params: 162_304,
  });
  assert.deepEqual(lstm.outputs[0].shape, [null, 7]);
  const gru = modelSummary(buildModel(gruSpec(DEFAULT_CONFIG), SEED_SHAPE));
  // reset_after=True GRU: trainable parameters equal PyTorch's nn.GRU model (166,215).
  assert.equal(gru.trainable, 166_215);
  assert.equal(gru.total, 166_599);
  assert.match(formatSummary(gru), /Total params: 166,599/);
});

Deno.test("buildModel: same seed gives the same weights, another seed different ones", () => {
  const spec = gruSpec({ gruUnits: [8, 4], dropout: 0.3, denseUnits: [6] });
  const shape = { frames: 5, features: 3, classes: 2 };
  const a = buildModel(spec, { ...shape, seed: 1 }).getWeights();
  const b = buildModel(spec, { ...shape, seed: 1 }).getWeights();
  const c = buildModel(spec, { ...shape, seed: 2 }).getWeights();
  a.forEach((w, i) => assert.equal(maxAbsDiff(w.dataSync(), b[i].dataSync()), 0));
  assert.ok(maxAbsDiff(a[0].dataSync(), c[0].dataSync()) > 0);
});

Deno.test("buildModel passes a batchNorm spec's momentum to either implementation", () => {
  for (const implementation of ["fast", "stock"] as const) {
    const model = buildModel({
      name: "bn",
      layers: [{ type: "batchNorm", momentum: 0.9, implementation }, {
        type: "dense",
        units: 2,
        activation: "softmax",
      }],
    }, { frames: 4, features: 3, classes: 2 });
    const norm = model.layers.find((layer) => /batch/i.test(layer.getClassName()))!;
    assert.equal(norm.getConfig().momentum, 0.9, implementation);
    model.dispose();
  }
});

Deno.test("buildModel rejects bad specs with a message naming the layer", () => {
  assert.throws(
    () =>
      buildModel({ name: "bad", layers: [{ type: "lstm", units: 0, returnSequences: false }] }, {
        frames: 4,
        features: 3,
        classes: 2,
      }),
    /buildModel\(bad\): layer 0 \(lstm\): units must be a positive integer/,
  );
  assert.throws(
    () =>
      buildModel({ name: "bad", layers: [{ type: "dropout", rate: 1.5 }] }, {
        frames: 4,
        features: 3,
        classes: 2,
      }),
    /layer 0 \(dropout\): rate must be in \[0, 1\)/,
  );
  assert.throws(
    () => buildModel(lstmSpec(DEFAULT_CONFIG), { frames: 0, features: 3, classes: 2 }),
    /frames must be a positive integer/,
  );
});

Deno.test("FastConv1D matches a direct convolution, outputs and gradients", () => {
  const [batch, time, channels, filters, kernelSize] = [2, 7, 3, 4, 3];
  for (const padding of ["same", "valid"] as const) {
    const conv = new FastConv1D({ filters, kernelSize, padding, seed: 5 });
    const xValues = gaussian(batch * time * channels, initializerRandom(1));
    const x = tf.variable(tf.tensor3d(xValues, [batch, time, channels]));
    const out = conv.apply(x) as tf.Tensor;
    conv.setWeights([conv.getWeights()[0], tf.tensor1d([0.1, -0.2, 0.3, 0.05])]);
    const kernel = conv.getWeights()[0].dataSync();
    const bias = conv.getWeights()[1].dataSync();
    const outTime = padding === "same" ? time : time - kernelSize + 1;
    const pad = padding === "same" ? 1 : 0;
    assert.deepEqual(out.shape, [batch, outTime, filters]);
    const lossWeights = gaussian(batch * outTime * filters, initializerRandom(2));
    // Direct reference: y[b,t,f] = bias[f] + sum_k,c x[b, t+k-pad, c] * K[k,c,f].
    const expected = new Float64Array(batch * outTime * filters);
    const dKernel = new Float64Array(kernel.length);
    const dInput = new Float64Array(xValues.length);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < outTime; t++) {
        for (let f = 0; f < filters; f++) {
          const o = (b * outTime + t) * filters + f;
          expected[o] = bias[f];
          for (let k = 0; k < kernelSize; k++) {
            const s = t + k - pad;
            if (s < 0 || s >= time) continue;
            for (let c = 0; c < channels; c++) {
              const xi = (b * time + s) * channels + c;
              const ki = (k * channels + c) * filters + f;
              expected[o] += xValues[xi] * kernel[ki];
              dKernel[ki] += xValues[xi] * lossWeights[o];
              dInput[xi] += kernel[ki] * lossWeights[o];
            }
          }
        }
      }
    }
    const w = tf.tensor3d(lossWeights, [batch, outTime, filters]);
    const variables = [x, ...conv.trainableWeights.map((v) => v.read() as tf.Variable)];
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(conv.apply(x) as tf.Tensor, w)),
      variables,
    );
    assert.ok(maxAbsDiff((conv.apply(x) as tf.Tensor).dataSync(), expected) < 1e-5, padding);
    assert.ok(maxAbsDiff(grads[x.name].dataSync(), dInput) < 1e-4, `${padding} dInput`);
    assert.ok(maxAbsDiff(grads[variables[1].name].dataSync(), dKernel) < 1e-4, `${padding} dK`);
    const expectedDBias = new Float64Array(filters);
    lossWeights.forEach((v, i) => expectedDBias[i % filters] += v);
    const dBias = grads[variables[2].name].dataSync();
    assert.ok(maxAbsDiff(dBias, expectedDBias) < 1e-4, `${padding} dBias`);
    x.dispose();
  }
});

/** Two separable classes: class 1 has a positive offset on feature 0 in every frame. */
function toyData(samples: number, frames: number, features: number) {
  const random = initializerRandom(9);
  const values = gaussian(samples * frames * features, random);
  const labels: number[] = [];
  for (let s = 0; s < samples; s++) {
    const label = s % 2;
    labels.push(label);
    for (let t = 0; t < frames; t++) values[(s * frames + t) * features] += label ? 1.5 : -1.5;
  }
  return {
    x: tf.tensor3d(values, [samples, frames, features]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 2),
  };
}

const SMALL = { lstmUnits: [8, 6], gruUnits: [8, 6], dropout: 0.1, denseUnits: [8, 4] };

Deno.test(`training lowers the loss for every architecture (backend ${backend.name})`, async () => {
  const { x, y } = toyData(64, 12, 5);
  for (const spec of [lstmSpec(SMALL), gruSpec(SMALL), hybridSpec(SMALL, "gru", 6)]) {
    const model = compileModel(
      buildModel(spec, { frames: 12, features: 5, classes: 2, seed: 3 }),
      { learningRate: 0.01 },
    );
    const history = await model.fit(x, y, { epochs: 12, batchSize: 16, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(losses.every(Number.isFinite), `${spec.name}: non-finite loss`);
    assert.ok(
      losses.at(-1)! < 0.7 * losses[0],
      `${spec.name}: loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`,
    );
  }
});

Deno.test("saveModel -> loadModel predicts identically; metadata round-trips", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { x } = toyData(6, 10, 4);
    for (const spec of [lstmSpec(SMALL), hybridSpec(SMALL, "gru", 3)]) {
      const model = compileModel(
        buildModel(spec, { frames: 10, features: 4, classes: 2, seed: 4 }),
      );
      const before = (model.predict(x) as tf.Tensor).dataSync();
      const target = join(dir, spec.name);
      await saveModel(model, target, { labels: ["a", "b"], spec: spec.name });
      const names = [...Deno.readDirSync(target)].map((e) => e.name).sort();
      assert.deepEqual(names, ["metadata.json", "model.json", "weights.bin"]);
      const restored = await loadModel(target);
      const after = (restored.predict(x) as tf.Tensor).dataSync();
      assert.deepEqual(Array.from(after), Array.from(before));
      assert.deepEqual(
        restored.layers.map((l) => l.getClassName()),
        model.layers.map((l) => l.getClassName()),
      );
      const metadata = await loadModelMetadata(target);
      assert.deepEqual(metadata.labels, ["a", "b"]);
      assert.equal(metadata.spec, spec.name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a save that fails midway leaves the previous model intact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "model");
    const first = buildModel(gruSpec(SMALL), { frames: 5, features: 3, classes: 2, seed: 1 });
    await saveModel(first, target, { version: 1 });
    const snapshot = Object.fromEntries(
      ["model.json", "weights.bin", "metadata.json"].map((
        f,
      ) => [f, Deno.readFileSync(join(target, f))]),
    );
    const second = buildModel(gruSpec(SMALL), { frames: 5, features: 3, classes: 2, seed: 2 });
    // A BigInt cannot be JSON-serialised: the save throws after writing model.json and weights.
    await assert.rejects(() => saveModel(second, target, { version: 2n }), TypeError);
    for (const [file, bytes] of Object.entries(snapshot)) {
      assert.deepEqual(Deno.readFileSync(join(target, file)), bytes, `${file} changed`);
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["model"], "temp left behind");
    const restored = await loadModel(target);
    assert.equal(
      maxAbsDiff(restored.getWeights()[0].dataSync(), first.getWeights()[0].dataSync()),
      0,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadModel errors name the folder and the missing or corrupt file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => loadModel(join(dir, "absent")), /absent has no model\.json/);
    const target = join(dir, "model");
    await saveModel(buildModel(lstmSpec(SMALL), { frames: 5, features: 3, classes: 2 }), target);
    const weights = Deno.readFileSync(join(target, "weights.bin"));
    Deno.writeFileSync(join(target, "weights.bin"), weights.subarray(0, weights.length - 8));
    await assert.rejects(
      () => loadModel(target),
      /weights\.bin has \d+ bytes, the manifest expects/,
    );
    Deno.writeTextFileSync(join(target, "model.json"), "{ not json");
    await assert.rejects(() => loadModel(target), /model\.json is not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
