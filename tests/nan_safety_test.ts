/**
 * No silent wrong answers from NaN: training stops on a NaN/Inf loss (TerminateOnNaN), a model
 * with damaged weights is refused at load naming it, NaN outputs are an error naming the model,
 * and `deno task predict` with a `weights.bin` of random bytes exits non-zero instead of
 * printing "angry NaN%".
 */
import assert from "node:assert/strict";
import { promotedSet } from "./tiny_pooled.ts";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadConfig } from "../config.ts";
import { encodeWav, sine } from "../lib/audio/mod.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { initBackend } from "../lib/models/mod.ts";
import { extractFeatures } from "../lib/features/extract.ts";
import { featureColumns, type FeatureSettings } from "../lib/features/feature_set.ts";
import { fitStandardScaler } from "../lib/features/normalize.ts";
import {
  ArtifactError,
  createPredictor,
  loadPredictor,
  ModelOutputError,
  saveLabelEncoder,
  saveModelsManifest,
} from "../lib/inference/mod.ts";
import { buildModel, gruSpec, saveModel } from "../lib/models/mod.ts";
import { fit, type TrainingContext } from "../lib/trainer/mod.ts";
import { TerminateOnNaN } from "../lib/trainer/callbacks.ts";

await initBackend({ prefer: "cpu", quiet: true });

Deno.test("TerminateOnNaN stops at the first batch whose loss is NaN or infinite", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const lines: string[] = [];
    const callback = new TerminateOnNaN({ write: (line) => lines.push(line) });
    const context = { stopTraining: false } as TrainingContext;
    callback.setContext(context);
    callback.onTrainBegin();
    const losses = [[0.9, 0.8], [0.7, bad, 0.5]];
    let batches = 0;
    outer: for (let epoch = 0; epoch < losses.length; epoch++) {
      callback.onEpochBegin(epoch);
      for (let batch = 0; batch < losses[epoch].length; batch++) {
        callback.onBatchEnd(batch, { loss: losses[epoch][batch], accuracy: 0.5 });
        batches++;
        if (context.stopTraining) break outer;
      }
    }
    assert.equal(batches, 4, `${bad}`);
    assert.equal(callback.stoppedEpoch, 1);
    assert.equal(callback.stoppedBatch, 1);
    assert.deepEqual(lines, [`TerminateOnNaN: epoch 2, batch 1: loss is ${bad}; training stopped`]);
  }
  // Finite losses, however large, never stop training.
  const callback = new TerminateOnNaN({ write: null });
  const context = { stopTraining: false } as TrainingContext;
  callback.setContext(context);
  callback.onTrainBegin();
  for (const loss of [1e30, 0, 3]) callback.onBatchEnd(0, { loss });
  assert.equal(context.stopTraining, false);
  assert.equal(callback.stoppedEpoch, -1);
});

Deno.test("TerminateOnNaN in fit: a NaN weight ends the run after one batch", async () => {
  const n = 64;
  const random = mulberry32(3);
  const x = Float32Array.from({ length: n * 4 }, () => random() - 0.5);
  const y = Array.from({ length: n }, (_, i) => i % 3);
  const run = async (callbacks: TerminateOnNaN[]) => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" })],
    });
    const [kernel, bias] = model.getWeights();
    const poisoned = kernel.dataSync().slice();
    poisoned[5] = NaN;
    model.setWeights([tf.tensor(poisoned, kernel.shape), bias]);
    const history = await fit(model, {
      xTrain: { values: x, shape: [n, 4] },
      yTrain: { values: y, shape: [n] },
    }, { epochs: 4, batchSize: 16, seed: 1, callbacks });
    model.dispose();
    return history;
  };
  // Without the callback the NaN run goes on for every epoch.
  assert.equal((await run([])).epoch.length, 4);
  const callback = new TerminateOnNaN({ write: null });
  const history = await run([callback]);
  assert.deepEqual(history.epoch, [0]);
  assert.equal(callback.stoppedEpoch, 0);
  assert.equal(callback.stoppedBatch, 0);
  assert.ok(Number.isNaN(history.history.loss[0]));
});

const SETTINGS: FeatureSettings = {
  sampleRate: 22050,
  duration: 0.5,
  nFft: 1024,
  hopLength: 512,
  nMfcc: 13,
  nMels: 40,
  features: ["mfcc"],
};
const CLASSES = ["angry", "sad", "neutral"];

/** An untrained (seeded) GRU with its scaler: enough to exercise the inference checks. */
function smallModel() {
  const frames = 1 + Math.floor(SETTINGS.sampleRate * SETTINGS.duration / SETTINGS.hopLength);
  const width = featureColumns(SETTINGS).length;
  const model = buildModel(gruSpec({ gruUnits: [16], dropout: 0, denseUnits: [16] }), {
    frames,
    features: width,
    classes: CLASSES.length,
    seed: 4,
  });
  const clips = [220, 440, 880].map((hz) => extractFeatures(sine(hz, 0.5, 22050, 0.4), SETTINGS));
  const data = new Float32Array(clips.length * frames * width);
  clips.forEach((clip, i) => data.set(clip.data, i * frames * width));
  const scaler = fitStandardScaler({
    data,
    frames,
    width,
    columns: featureColumns(SETTINGS),
    paths: ["a", "b", "c"],
  });
  return { model, scaler };
}

Deno.test("NaN model outputs are a ModelOutputError naming the model, never a prediction", async () => {
  const { model, scaler } = smallModel();
  const predictor = createPredictor({
    model,
    modelName: "gru",
    classes: CLASSES,
    settings: SETTINGS,
    scaler,
  });
  try {
    const input = { samples: sine(300, 0.5, 22050, 0.3), sampleRate: 22050, name: "tone" };
    const fine = await predictor.predict(input);
    assert.ok(Number.isFinite(fine.confidence));
    // Poison the output layer's bias: every clip's probabilities become NaN.
    const weights = model.getWeights();
    const last = weights.length - 1;
    const poisoned = weights.map((w, i) => i === last ? tf.fill(w.shape, NaN) : w.clone());
    model.setWeights(poisoned);
    tf.dispose(poisoned);
    await assert.rejects(() => predictor.predict(input), (error: unknown) => {
      assert.ok(error instanceof ModelOutputError, String(error));
      assert.equal(error.modelName, "gru");
      assert.match(error.message, /^model "gru": output NaN for tone: the model's weights/);
      return true;
    });
    // predictBatch does not turn it into per-file failures either.
    const dir = await Deno.makeTempDir({ prefix: "ser_nan_batch_" });
    try {
      await Deno.writeFile(join(dir, "a.wav"), encodeWav(sine(300, 0.5, 22050, 0.3), 22050));
      await assert.rejects(
        () => predictor.predictBatch(dir, { progress: false }),
        ModelOutputError,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    // NaN samples are the input's fault: a per-file error, not a model error.
    const nanInput = { samples: new Float32Array(11025).fill(NaN), sampleRate: 22050, name: "x" };
    await assert.rejects(() => predictor.predict(nanInput), (error: unknown) => {
      assert.ok(!(error instanceof ModelOutputError), String(error));
      return true;
    });
  } finally {
    predictor.dispose();
  }
});

Deno.test("weights.bin of random bytes: loadPredictor refuses it; predict exits 1, no NaN%", async () => {
  const { model, scaler } = smallModel();
  const dir = await Deno.makeTempDir({ prefix: "ser_nan_models_" });
  const sealedDir = await Deno.makeTempDir({ prefix: "ser_nan_sealed_" });
  const writeSet = async (runDir: string) => {
    await saveModel(model, join(runDir, "gru_best"), { labels: CLASSES });
    await saveLabelEncoder(runDir, CLASSES);
    await saveModelsManifest(runDir, {
      features: SETTINGS,
      scaler,
      models: { gru: { dir: "gru_best", testAccuracy: 0.5 } },
      bestModel: "gru",
      config: loadConfig({ ...SETTINGS, gruUnits: [16], denseUnits: [16], dropout: 0 }, {
        env: {},
      }),
    });
  };
  // Random bytes of the right size, as a damaged disk or a bad copy leaves them.
  const scramble = async (weightsPath: string) => {
    const size = (await Deno.stat(weightsPath)).size;
    const random = mulberry32(11);
    await Deno.writeFile(weightsPath, Uint8Array.from({ length: size }, () => random() * 256));
  };
  try {
    const setDir = await promotedSet(dir, writeSet);
    // A second set whose weights were already random when it was sealed: its checksums hold,
    // so only the finite-weights check stands between it and an "angry NaN%".
    await promotedSet(sealedDir, async (runDir) => {
      await writeSet(runDir);
      await scramble(join(runDir, "gru_best", "weights.bin"));
    });
    model.dispose();
    const wav = join(dir, "clip.wav");
    await Deno.writeFile(wav, encodeWav(sine(300, 0.5, 22050, 0.3), 22050));
    const runWithModels = async (modelsDir: string) => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../cli/predict.ts", import.meta.url).pathname,
          wav,
          "--models-dir",
          modelsDir,
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      return {
        code: output.code,
        out: text.decode(output.stdout),
        err: text.decode(output.stderr),
      };
    };
    const before = await runWithModels(dir);
    assert.equal(before.code, 0, before.err);
    assert.match(before.out, /clip\.wav\s+\w+\s+\d+\.\d%/);

    await scramble(join(setDir, "gru_best", "weights.bin"));
    // The promoted set's checksum catches the change first, naming the file.
    await assert.rejects(() => loadPredictor(dir), /gru_best\/weights\.bin/);
    await assert.rejects(() => loadPredictor(sealedDir), (error: unknown) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.match(error.message, /gru_best: model "gru": \d+ weight tensor\(s\) hold NaN/);
      return true;
    });
    for (const modelsDir of [dir, sealedDir]) {
      const after = await runWithModels(modelsDir);
      assert.equal(after.code, 1, after.out + after.err);
      assert.doesNotMatch(after.out, /NaN/);
      assert.doesNotMatch(after.out, /clip\.wav/, "no prediction row may be printed");
      assert.match(after.err, /gru_best/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(sealedDir, { recursive: true });
  }
});
