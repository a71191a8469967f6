/**
 * The log-mel CNN with statistics pooling: the StatsPooling1D layer (values and gradient against
 * a hand computation, save/load), cnnSpec, the `logmel` feature family (librosa parity), and
 * per-speaker / per-utterance frame normalisation (no labels, mean 0 / std 1 per speaker).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG, featureWidth } from "../config.ts";
import { initBackend } from "../lib/models/mod.ts";
import { loadAudio } from "../lib/audio/mod.ts";
import {
  extractFeatures,
  featureBlock,
  type FeatureSet,
  frameNormalize,
  speakerFrameStandardize,
  utteranceFrameStandardize,
} from "../lib/features/mod.ts";
import {
  buildModel,
  cnnSpec,
  compileModel,
  loadModel,
  modelSummary,
  saveModel,
  StatsPooling1D,
} from "../lib/models/mod.ts";
import { initializerRandom as seededRandom } from "../lib/models/init.ts";
import { SHARED_DIR } from "./shared_data.ts";
import { speechLike } from "./speech_like.ts";

await initBackend({ quiet: true });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "length mismatch");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function randomValues(count: number, seed: number, scale = 1, offset = 0): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => offset + scale * (2 * random() - 1));
}

// ---- StatsPooling1D ------------------------------------------------------------------------

Deno.test("StatsPooling1D: mean then population std over time, per clip and channel", () => {
  // Clip 0, channel 0: 1, 2, 3, 6 -> mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5.
  // Clip 0, channel 1: constant 5 -> mean 5, std sqrt(0 + eps).
  // Clip 1: channel 0 = -2, 2, -2, 2 -> mean 0, std 2; channel 1 = 0, 0, 0, 8 -> mean 2, var 12.
  const x = tf.tensor3d([
    [[1, 5], [2, 5], [3, 5], [6, 5]],
    [[-2, 0], [2, 0], [-2, 0], [2, 8]],
  ]);
  const epsilon = 1e-5;
  const y = new StatsPooling1D({ epsilon }).apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 4]);
  const expected = [
    3,
    5,
    Math.sqrt(3.5 + epsilon),
    Math.sqrt(epsilon),
    0,
    2,
    Math.sqrt(4 + epsilon),
    Math.sqrt(12 + epsilon),
  ];
  // float32 rounding only (measured 1.2e-7).
  assert.ok(maxAbsDiff(y.dataSync(), expected) < 3e-7);
});

Deno.test("StatsPooling1D: gradient equals the hand-derived formula and finite differences", () => {
  const [batch, time, channels] = [2, 7, 3];
  const values = randomValues(batch * time * channels, 11, 2, 0.5);
  const x = tf.tensor3d(values, [batch, time, channels]);
  // Loss = sum(w * y) with fixed weights, so dL/dy = w.
  const w = randomValues(batch * 2 * channels, 12);
  const layer = new StatsPooling1D({ epsilon: 1e-5 });
  const loss = (input: tf.Tensor) =>
    tf.sum(tf.mul(layer.apply(input) as tf.Tensor, tf.tensor2d(w, [batch, 2 * channels])));
  const grad = tf.grad(loss)(x).dataSync();

  // By hand: dx[t] = wMean / T + wStd * (x[t] - mean) / (T * std).
  const hand = new Float64Array(values.length);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      let mean = 0;
      for (let t = 0; t < time; t++) mean += values[(b * time + t) * channels + c];
      mean /= time;
      let variance = 0;
      for (let t = 0; t < time; t++) {
        variance += (values[(b * time + t) * channels + c] - mean) ** 2;
      }
      const std = Math.sqrt(variance / time + 1e-5);
      const wMean = w[b * 2 * channels + c];
      const wStd = w[b * 2 * channels + channels + c];
      for (let t = 0; t < time; t++) {
        const i = (b * time + t) * channels + c;
        hand[i] = wMean / time + (wStd * (values[i] - mean)) / (time * std);
      }
    }
  }
  // Measured 1.2e-8 (float32 of values ~0.1).
  assert.ok(maxAbsDiff(grad, hand) < 3e-8, `max diff ${maxAbsDiff(grad, hand)}`);

  // Central finite differences in float64 on a few entries, independent of the formula.
  const f = (input: Float32Array) =>
    loss(tf.tensor3d(input, [batch, time, channels])).dataSync()[0];
  for (const i of [0, 5, 20, values.length - 1]) {
    const h = 1e-2;
    const plus = Float32Array.from(values);
    const minus = Float32Array.from(values);
    plus[i] += h;
    minus[i] -= h;
    const numeric = (f(plus) - f(minus)) / (2 * h);
    // Measured <= 9.1e-6 (float32 forward, h = 0.01).
    assert.ok(Math.abs(numeric - grad[i]) < 2e-5, `entry ${i}: ${numeric} vs ${grad[i]}`);
  }
});

Deno.test("cnnSpec: conv blocks -> statsPool1d -> dense head; trains and round-trips save/load", async () => {
  const spec = cnnSpec({ dropout: 0.3 }, { filters: [8, 16], denseUnits: 8 });
  assert.deepEqual(
    spec.layers.map((layer) => layer.type),
    [
      "conv1d",
      "batchNorm",
      "maxPool1d",
      "dropout",
      "conv1d",
      "batchNorm",
      "maxPool1d",
      "dropout",
      "statsPool1d",
      "dense",
      "dropout",
      "dense",
    ],
  );
  const [frames, features, classes, n] = [20, 6, 3, 24];
  const model = compileModel(buildModel(spec, { frames, features, classes, seed: 3 }), {
    learningRate: 0.01,
  });
  const summary = modelSummary(model);
  const pool = summary.rows.find((row) => row.type === "StatsPooling1D");
  assert.deepEqual(pool?.outputShape, [null, 32]);
  // Classes differ in the spread of one channel over time, not its mean: a job for the std half
  // of statistics pooling.
  const random = seededRandom(5);
  const xs = new Float32Array(n * frames * features);
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    ys.push(label);
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < features; c++) {
        const spread = c === 0 ? 0.3 + 1.5 * label : 1;
        xs[(i * frames + t) * features + c] = spread * (2 * random() - 1);
      }
    }
  }
  const x = tf.tensor3d(xs, [n, frames, features]);
  const y = tf.oneHot(tf.tensor1d(ys, "int32"), classes);
  // No shuffling: tfjs shuffles with Math.random, which would make the loss curve vary.
  const history = await model.fit(x, y, { epochs: 30, batchSize: 8, verbose: 0, shuffle: false });
  const losses = history.history.loss as number[];
  // Measured: 1.14 -> 0.27.
  assert.ok(losses.at(-1)! < 0.5 * losses[0], `loss ${losses[0]} -> ${losses.at(-1)}`);

  const dir = await Deno.makeTempDir();
  try {
    const before = (model.predict(x) as tf.Tensor).dataSync();
    await saveModel(model, join(dir, "cnn"), { labels: ["a", "b", "c"] });
    const restored = await loadModel(join(dir, "cnn"));
    assert.deepEqual(
      restored.layers.map((layer) => layer.getClassName()),
      model.layers.map((layer) => layer.getClassName()),
    );
    const after = (restored.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- logmel --------------------------------------------------------------------------------

const LOGMEL_OPTIONS = {
  sampleRate: 22050,
  nFft: 2048,
  hopLength: 512,
  nMfcc: 40,
  nMels: 128,
  features: ["mel", "logmel"] as const,
};

Deno.test("logmel is power_to_db of the mel block: ref 1, amin 1e-10, 80 dB below the clip max", () => {
  const samples = speechLike(150, 1.5, 22050);
  // A silent tail, so the 80 dB floor is reached.
  const padded = new Float32Array(samples.length + 22050);
  padded.set(samples);
  const matrix = extractFeatures(padded, { ...LOGMEL_OPTIONS, features: ["mel", "logmel"] });
  assert.equal(featureWidth({ features: ["logmel"], nMfcc: 40, nMels: 128 }), 128);
  assert.equal(matrix.columns[128], "logmel_0");
  const mel = featureBlock(matrix, "mel").data;
  const logmel = featureBlock(matrix, "logmel").data;
  let max = -Infinity;
  const expected = Array.from(mel, (p) => 10 * Math.log10(Math.max(1e-10, p)));
  for (const v of expected) max = Math.max(max, v);
  const clipped = expected.map((v) => Math.max(v, max - 80));
  assert.ok(clipped.some((v) => v === max - 80), "the floor should be reached");
  // float32 storage of the mel power and of the dB values (measured 2.1e-6 dB).
  assert.ok(maxAbsDiff(logmel, clipped) < 5e-6);
});

const REFERENCE = `${SHARED_DIR}/reference/librosa_features.json`;
const haveReference = (() => {
  try {
    return Deno.statSync(REFERENCE).isFile;
  } catch {
    return false;
  }
})();
if (!haveReference) console.log(`cnn_test: ${REFERENCE} missing, skipping logmel parity`);

Deno.test({
  name: "logmel parity with librosa.power_to_db(melspectrogram) on the reference files",
  ignore: !haveReference,
  fn: async () => {
    const reference = JSON.parse(await Deno.readTextFile(REFERENCE)).files as Record<
      string,
      { melspectrogram: number[][] }
    >;
    for (const name of ["sine440_22050.wav", "speech_espeak_22050.wav", "noise_16000.wav"]) {
      const clip = await loadAudio(`${SHARED_DIR}/reference/${name}`, { sampleRate: 22050 });
      const ours = featureBlock(
        extractFeatures(clip.samples, { ...LOGMEL_OPTIONS, features: ["logmel"] }),
        "logmel",
      );
      const mel = reference[name].melspectrogram;
      const db = mel.map((row) => row.map((p) => 10 * Math.log10(Math.max(1e-10, p))));
      const max = Math.max(...db.flat());
      let worst = 0;
      db.forEach((row, t) =>
        row.forEach((value, c) => {
          const error = Math.abs(ours.data[t * ours.width + c] - Math.max(value, max - 80));
          worst = Math.max(worst, error);
        })
      );
      // Measured max error: sine440 2.0e-5 dB, speech_espeak 2.2e-5 dB, noise_16000 (resampled
      // from 16 kHz) 2.4e-3 dB.
      assert.ok(worst < LOGMEL_TOLERANCE_DB, `${name}: max logmel error ${worst} dB`);
    }
  },
});
const LOGMEL_TOLERANCE_DB = 5e-3;

// ---- Frame normalisation -------------------------------------------------------------------

/** A set of `speakers.length` clips whose values depend on the speaker (offset and scale). */
function toySet(speakers: string[], frames: number, width: number): FeatureSet {
  const random = seededRandom(9);
  const data = new Float32Array(speakers.length * frames * width);
  speakers.forEach((speaker, clip) => {
    const offset = speaker.charCodeAt(0) * 3;
    const scale = 1 + speaker.charCodeAt(0) % 4;
    for (let i = 0; i < frames * width; i++) {
      data[clip * frames * width + i] = offset + scale * (2 * random() - 1) + (clip % 3);
    }
  });
  return {
    paths: speakers.map((_, i) => `clip${i}.wav`),
    frames,
    width,
    data,
    columns: Array.from({ length: width }, (_, i) => `logmel_${i}`),
    originalSampleRates: speakers.map(() => 22050),
    originalDurations: speakers.map(() => 1),
    settings: { ...DEFAULT_CONFIG, features: ["logmel"] },
    failures: [],
  };
}

function perSpeakerStats(set: FeatureSet, speakers: string[], speaker: string) {
  const { frames, width } = set;
  const stats: { mean: number; std: number }[] = [];
  for (let c = 0; c < width; c++) {
    const values: number[] = [];
    speakers.forEach((s, clip) => {
      if (s !== speaker) return;
      for (let t = 0; t < frames; t++) values.push(set.data[(clip * frames + t) * width + c]);
    });
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    stats.push({ mean, std });
  }
  return stats;
}

Deno.test("speakerFrameStandardize: each speaker mean 0 / std 1 per column, from features only", () => {
  const speakers = ["a", "a", "b", "b", "b", "c", "a", "c"];
  const set = toySet(speakers, 9, 4);
  const out = speakerFrameStandardize(set, speakers);
  assert.notEqual(out.data, set.data);
  for (const speaker of ["a", "b", "c"]) {
    for (const { mean, std } of perSpeakerStats(out, speakers, speaker)) {
      // float32 (measured |mean| <= 1.1e-8, |std - 1| <= 2.3e-8).
      assert.ok(Math.abs(mean) < 5e-8 && Math.abs(std - 1) < 5e-8, `${speaker}: ${mean} ${std}`);
    }
  }
  // The input speakers' statistics are far from 0/1, so the test can fail.
  const raw = perSpeakerStats(set, speakers, "b")[0];
  assert.ok(Math.abs(raw.mean) > 10);
  // A clip's result depends only on its own speaker's clips: changing speaker "c"'s frames
  // leaves "a"'s output untouched, and the function has no way to receive labels.
  const changed = { ...set, data: Float32Array.from(set.data) };
  changed.data.fill(123, 5 * 36, 6 * 36);
  const again = speakerFrameStandardize(changed, speakers);
  assert.deepEqual(again.data.subarray(0, 36), out.data.subarray(0, 36));
  assert.equal(speakerFrameStandardize.length, 2);
  assert.throws(() => speakerFrameStandardize(set, ["a"]), /1 speaker ids for 8 clips/);
  assert.equal(frameNormalize(set, "global", speakers), set);
  assert.deepEqual(frameNormalize(set, "speaker", speakers).data, out.data);
});

Deno.test("utteranceFrameStandardize: every clip mean 0 / std 1 per column", () => {
  const speakers = ["a", "b", "c"];
  const set = toySet(speakers, 11, 3);
  const out = utteranceFrameStandardize(set);
  const ids = speakers.map((_, i) => `${i}`);
  for (const id of ids) {
    for (const { mean, std } of perSpeakerStats(out, ids, id)) {
      // float32 (measured |mean| <= 1.2e-8, |std - 1| <= 2.4e-8).
      assert.ok(Math.abs(mean) < 5e-8 && Math.abs(std - 1) < 5e-8, `${id}: ${mean} ${std}`);
    }
  }
  assert.deepEqual(frameNormalize(set, "utterance").data, out.data);
});
