/**
 * The fast recurrent layers against references: FastLSTM vs tfjs's stock `tf.layers.lstm`
 * (sigmoid recurrent activation), FastGRU vs a step-by-step `reset_after=True` GRU written in
 * tf ops. Outputs and gradients (of a weighted sum of the outputs w.r.t. the input and every
 * weight) must agree to ~1e-4, for both sgemm implementations.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../lib/models/mod.ts";
import { blasInfo, setBlasImplementation, sgemm } from "../lib/models/blas.ts";
import { FastGRU, FastLSTM } from "../lib/models/fast_recurrent.ts";
import { gaussian, initializerRandom, orthogonal } from "../lib/models/init.ts";
import { maxAbsDiff } from "./numeric.ts";
import { skipped } from "./shared_data.ts";

await initBackend({ prefer: "cpu", quiet: true });

const openBlasAvailable = (() => {
  try {
    setBlasImplementation("openblas-ffi");
    return true;
  } catch (error) {
    skipped(
      "recurrent_test: the openblas-ffi variant of every check (only the JS sgemm is tested)",
      `OpenBLAS does not load (apt-get install libopenblas0-pthread): ${error}`,
    );
    return false;
  } finally {
    setBlasImplementation("auto");
  }
})();
const implementations = openBlasAvailable ? ["openblas-ffi", "js"] as const : ["js"] as const;

function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(gaussian(size, initializerRandom(seed)).map((v) => v * scale), shape);
}

/** Output and gradients of sum(layer(x) * weights) w.r.t. x and each given variable. */
function outputAndGrads(
  apply: (x: tf.Tensor) => tf.Tensor,
  input: tf.Tensor,
  variables: tf.Variable[],
  lossWeightsSeed: number,
): { output: Float32Array; grads: Float32Array[] } {
  const x = tf.variable(input);
  const output = apply(x);
  const lossWeights = randomTensor(output.shape, lossWeightsSeed);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(x), lossWeights)), [
    x,
    ...variables,
  ]);
  const result = {
    output: output.dataSync() as Float32Array,
    grads: [x, ...variables].map((v) => grads[v.name].dataSync() as Float32Array),
  };
  x.dispose();
  return result;
}

/** Keras `reset_after=True` GRU in tf ops, step by step (autodiff gives the reference grads). */
function referenceGru(
  x: tf.Tensor,
  kernel: tf.Tensor,
  recurrentKernel: tf.Tensor,
  bias: tf.Tensor,
  units: number,
  returnSequences: boolean,
): tf.Tensor {
  const batch = x.shape[0];
  const [inputBias, recurrentBias] = tf.unstack(bias);
  let h: tf.Tensor = tf.zeros([batch, units]);
  const outputs: tf.Tensor[] = [];
  for (const step of tf.unstack(x, 1)) {
    const xp = tf.add(tf.matMul(step, kernel as tf.Tensor2D), inputBias);
    const hp = tf.add(tf.matMul(h as tf.Tensor2D, recurrentKernel as tf.Tensor2D), recurrentBias);
    const [xz, xr, xh] = tf.split(xp, 3, 1);
    const [hz, hr, hh] = tf.split(hp, 3, 1);
    const z = tf.sigmoid(tf.add(xz, hz));
    const r = tf.sigmoid(tf.add(xr, hr));
    const n = tf.tanh(tf.add(xh, tf.mul(r, hh)));
    h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n));
    outputs.push(h);
  }
  return returnSequences ? tf.stack(outputs, 1) : h;
}

Deno.test("sgemm: OpenBLAS and the JS kernel agree on every transpose case with strides", () => {
  const random = initializerRandom(5);
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const m = 7, n = 9, k = 11, lda = 13, ldb = 15, ldc = 10;
    const a = gaussian((transA ? k : m) * lda, random);
    const b = gaussian((transB ? n : k) * ldb, random);
    const c0 = gaussian(m * ldc, random);
    // Naive reference in float64.
    const expected = Float64Array.from(c0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          sum += (transA ? a[p * lda + i] : a[i * lda + p]) *
            (transB ? b[j * ldb + p] : b[p * ldb + j]);
        }
        expected[i * ldc + j] = 0.5 * sum + 2 * c0[i * ldc + j];
      }
    }
    for (const kind of implementations) {
      setBlasImplementation(kind);
      const c = Float32Array.from(c0);
      sgemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, 2, c, ldc);
      for (let i = 0; i < m; i++) {
        for (let j = n; j < ldc; j++) {
          assert.equal(c[i * ldc + j], c0[i * ldc + j], "padding touched");
        }
      }
      assert.ok(maxAbsDiff(c, expected) < 1e-4, `${kind} transA=${transA} transB=${transB}`);
    }
    setBlasImplementation("auto");
  }
});

Deno.test("orthogonal initialiser gives orthonormal rows (wide) and columns (tall)", () => {
  for (const [rows, cols] of [[16, 64], [48, 12]]) {
    const w = orthogonal(rows, cols, initializerRandom(3));
    const small = Math.min(rows, cols);
    for (let p = 0; p < small; p++) {
      for (let q = 0; q < small; q++) {
        let dot = 0;
        for (let i = 0; i < Math.max(rows, cols); i++) {
          dot += rows < cols
            ? w[p * cols + i] * w[q * cols + i]
            : w[i * cols + p] * w[i * cols + q];
        }
        assert.ok(Math.abs(dot - (p === q ? 1 : 0)) < 1e-5, `${rows}x${cols} (${p},${q}) = ${dot}`);
      }
    }
  }
});

for (const kind of implementations) {
  for (const returnSequences of [true, false]) {
    Deno.test(`FastLSTM matches tf.layers.lstm (sgemm=${kind}, returnSequences=${returnSequences})`, () => {
      setBlasImplementation(kind);
      const [batch, time, features, units] = [3, 6, 5, 4];
      const fast = new FastLSTM({ units, returnSequences, seed: 11 });
      const stock = tf.layers.lstm({ units, returnSequences, recurrentActivation: "sigmoid" });
      const x = randomTensor([batch, time, features], 1);
      fast.apply(x);
      stock.apply(x);
      // Perturb the bias so every gate's bias gradient path is exercised with non-trivial values.
      const weights = fast.getWeights().map((w, i) =>
        i === 2 ? tf.add(w, randomTensor(w.shape, 9, 0.3)) : w
      );
      fast.setWeights(weights);
      stock.setWeights(weights);
      const ours = outputAndGrads(
        (t) => fast.apply(t) as tf.Tensor,
        x,
        fast.trainableWeights.map((w) => w.read() as tf.Variable),
        2,
      );
      const reference = outputAndGrads(
        (t) => stock.apply(t) as tf.Tensor,
        x,
        stock.trainableWeights.map((w) => w.read() as tf.Variable),
        2,
      );
      assert.ok(maxAbsDiff(ours.output, reference.output) < 1e-5, "outputs differ");
      const names = ["input", "kernel", "recurrent kernel", "bias"];
      assert.equal(ours.grads.length, 4);
      ours.grads.forEach((g, i) => {
        const diff = maxAbsDiff(g, reference.grads[i]);
        assert.ok(diff < 1e-4, `d${names[i]} differs by ${diff}`);
        assert.ok(g.some((v) => Math.abs(v) > 1e-3), `d${names[i]} is all ~zero`);
      });
      setBlasImplementation("auto");
    });

    Deno.test(`FastGRU matches a reset_after=True GRU (sgemm=${kind}, returnSequences=${returnSequences})`, () => {
      setBlasImplementation(kind);
      const [batch, time, features, units] = [3, 6, 5, 4];
      const fast = new FastGRU({ units, returnSequences, seed: 12 });
      const x = randomTensor([batch, time, features], 3);
      fast.apply(x);
      const [kernel, recurrentKernel, bias] = fast.getWeights();
      assert.deepEqual(bias.shape, [2, 3 * units]);
      fast.setWeights([kernel, recurrentKernel, randomTensor(bias.shape, 10, 0.3)]);
      const variables = fast.getWeights().map((w) => tf.variable(w));
      const ours = outputAndGrads(
        (t) => fast.apply(t) as tf.Tensor,
        x,
        fast.trainableWeights.map((w) => w.read() as tf.Variable),
        4,
      );
      const reference = outputAndGrads(
        (t) => referenceGru(t, variables[0], variables[1], variables[2], units, returnSequences),
        x,
        variables,
        4,
      );
      assert.ok(maxAbsDiff(ours.output, reference.output) < 1e-5, "outputs differ");
      const names = ["input", "kernel", "recurrent kernel", "bias"];
      ours.grads.forEach((g, i) => {
        const diff = maxAbsDiff(g, reference.grads[i]);
        assert.ok(diff < 1e-4, `d${names[i]} differs by ${diff}`);
        assert.ok(g.some((v) => Math.abs(v) > 1e-3), `d${names[i]} is all ~zero`);
      });
      variables.forEach((v) => v.dispose());
      setBlasImplementation("auto");
    });
  }
}

Deno.test("blasInfo reports the forced JS kernel", () => {
  setBlasImplementation("js");
  assert.equal(blasInfo().kind, "js");
  setBlasImplementation("auto");
  assert.equal(blasInfo().kind, openBlasAvailable ? "openblas-ffi" : "js");
});
