import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../config.ts";
import { initBackend } from "../lib/models/mod.ts";
import { kFold, stratifiedSplit } from "../lib/data_loader/mod.ts";
import {
  crossValidateSpec,
  evaluateModel,
  labelFeatureSet,
  speakerIndependent,
  splitArrays,
  trainModel,
} from "../lib/pipeline/sequence_training.ts";
import type { FeatureSet } from "../lib/features/feature_set.ts";
import { fitStandardScaler } from "../lib/features/normalize.ts";
import { loadModel, type ModelSpec } from "../lib/models/mod.ts";
import { readEventFile } from "../lib/trainer/mod.ts";
import { predictProbabilities } from "../lib/models/mod.ts";

const CLASSES = ["angry", "sad", "happy"];

/** Clips whose frames carry a class-specific pattern plus noise: separable by a small GRU. */
function syntheticData(clipsPerClass: number, seed = 1) {
  let state = seed;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const frames = 12;
  const width = 6;
  const paths: string[] = [];
  const emotions: string[] = [];
  const speakers: string[] = [];
  const data = new Float32Array(CLASSES.length * clipsPerClass * frames * width);
  let clip = 0;
  for (let c = 0; c < CLASSES.length; c++) {
    for (let i = 0; i < clipsPerClass; i++, clip++) {
      paths.push(`/fake/${CLASSES[c]}_${i}.wav`);
      emotions.push(CLASSES[c]);
      speakers.push(i % 2 === 0 ? "A" : "B");
      for (let f = 0; f < frames; f++) {
        for (let w = 0; w < width; w++) {
          const signal = w === c * 2 ? Math.sin(f) * 2 : 0;
          data[(clip * frames + f) * width + w] = signal + (random() - 0.5);
        }
      }
    }
  }
  const features: FeatureSet = {
    paths,
    frames,
    width,
    data,
    columns: Array.from({ length: width }, (_, i) => `f_${i}`),
    originalSampleRates: paths.map(() => 22050),
    originalDurations: paths.map(() => 1),
    settings: {
      sampleRate: 22050,
      duration: 1,
      nFft: 2048,
      hopLength: 512,
      nMfcc: 6,
      nMels: 8,
      features: ["mfcc"],
    },
    failures: [],
  };
  const table = pl.DataFrame({
    path: paths,
    emotion: emotions,
    speaker: speakers,
    utterance: paths.map((_, i) => `w${i % 5}`),
  });
  return labelFeatureSet(features, table, CLASSES);
}

const tinySpec: ModelSpec = {
  name: "tiny_gru",
  layers: [
    { type: "gru", units: 8, returnSequences: false },
    { type: "dense", units: 8, activation: "relu" },
    { type: "dense", units: "classes", activation: "softmax" },
  ],
};

const config = loadConfig({
  epochs: 25,
  batchSize: 16,
  learningRate: 0.01,
  patience: 6,
  seed: 3,
}, { env: {} });

Deno.test("sequence training: labelFeatureSet joins by path and rejects unknown emotions", () => {
  const data = syntheticData(4);
  assert.deepEqual(data.labels.slice(0, 5), [0, 0, 0, 0, 1]);
  assert.deepEqual(data.speakers.slice(0, 2), ["A", "B"]);
  const bad = pl.DataFrame({
    path: data.features.paths,
    emotion: data.features.paths.map(() => "bored"),
    speaker: data.speakers,
    utterance: data.utterances,
  });
  assert.throws(
    () => labelFeatureSet(data.features, bad, CLASSES),
    /angry_0\.wav: emotion "bored"/,
  );
});

Deno.test("sequence training: splitArrays standardises with the training scaler", () => {
  const data = syntheticData(6);
  const scaler = fitStandardScaler(data.features, [0, 1, 2]);
  const { x, y } = splitArrays(data, [0, 1, 2], scaler);
  assert.deepEqual(x.shape, [3, 12, 6]);
  assert.deepEqual(Array.from(y.values), [0, 0, 0]);
  let sum = 0;
  for (let i = 0; i < x.values.length; i += 6) sum += x.values[i];
  assert.ok(Math.abs(sum / (x.values.length / 6)) < 1e-5, "column 0 has zero mean on its fit data");
});

Deno.test("sequence training: trainModel learns, checkpoints, logs; evaluateModel scores", async () => {
  await initBackend({ quiet: true });
  const data = syntheticData(30);
  const split = stratifiedSplit(data.labels, { testSize: 0.2, valSize: 0.2, seed: 1 });
  const dir = await Deno.makeTempDir();
  const run = await trainModel(tinySpec, data, {
    config,
    train: split.train,
    val: split.val,
    checkpointDir: join(dir, "models", "tiny_gru_best"),
    logDir: join(dir, "logs", "tiny_gru"),
    verbose: false,
  });
  assert.ok(run.epochsRun >= 1 && run.epochsRun <= config.epochs);
  assert.ok(run.params > 0);
  const evaluation = await evaluateModel(run.model, data, split.test, run.scaler);
  assert.ok(
    evaluation.metrics.accuracy >= 0.9,
    `test accuracy ${evaluation.metrics.accuracy} should be >= 0.9`,
  );
  // The checkpoint holds the best epoch, which is what early stopping restored.
  const restored = await loadModel(join(dir, "models", "tiny_gru_best"));
  const { x } = splitArrays(data, split.test, run.scaler);
  const a = await predictProbabilities(run.model, x);
  const b = await predictProbabilities(restored, x);
  for (let i = 0; i < a.values.length; i++) assert.ok(Math.abs(a.values[i] - b.values[i]) < 1e-5);
  const jsonl = (await Deno.readTextFile(join(dir, "logs", "tiny_gru", "history.jsonl")))
    .trim().split("\n");
  assert.equal(jsonl.length, run.epochsRun);
  // Keras' layout: logs/<model>/train and logs/<model>/validation.
  const trainLogs = join(dir, "logs", "tiny_gru", "train");
  const eventFile = [...Deno.readDirSync(trainLogs)]
    .find((entry) => entry.name.startsWith("events.out.tfevents"));
  assert.ok(eventFile, "a TensorBoard event file is written");
  const events = await readEventFile(join(trainLogs, eventFile.name));
  assert.ok(events.length > run.epochsRun);
  run.model.dispose();
  restored.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sequence training: cross-validation and speaker-independent rounds", async () => {
  await initBackend({ quiet: true });
  const data = syntheticData(16);
  const quick = { ...config, epochs: 8 };
  const cv = await crossValidateSpec(tinySpec, data, kFold(data.labels, 3, { seed: 1 }), quick);
  assert.equal(cv.folds.length, 3);
  assert.equal(cv.confusionMatrix.flat().reduce((a, b) => a + b, 0), data.labels.length);
  const rounds = await speakerIndependent(tinySpec, data, quick);
  assert.deepEqual(rounds.map((round) => round.testSpeaker), ["A", "B"]);
  assert.deepEqual(rounds[0].trainSpeakers, ["B"]);
  assert.equal(rounds[0].metrics.total, 24);
});

Deno.test("effectiveBatchSize: at least 16 updates per epoch on small training sets, not below 8", async () => {
  const { effectiveBatchSize } = await import("../lib/pipeline/sequence_training.ts");
  assert.equal(effectiveBatchSize(64, 1960), 64, "TESS-sized: unchanged");
  assert.equal(effectiveBatchSize(64, 196), 12, "the demo corpus: 16 updates");
  assert.equal(effectiveBatchSize(64, 40), 8, "never below 8");
  assert.equal(effectiveBatchSize(4, 40), 4, "never above the configured size");
});
