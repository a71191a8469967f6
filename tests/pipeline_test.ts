/**
 * Tests of the notebook steps that used to be cell code: a feature family's block of one clip
 * (notebook 02's MFCC figures), the best model on validation, the report's training section and
 * the end of the training step (notebook 03's last cell: manifest, model card, report, promotion),
 * run on the tiny pooled model of tests/tiny_pooled.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../config.ts";
import { computeMetrics } from "../lib/evaluate/mod.ts";
import { featureColumns, type FeatureSet } from "../lib/features/mod.ts";
import { loadModelsManifest, openPromotedModelSet } from "../lib/inference/mod.ts";
import { savePooledModel } from "../lib/models/mod.ts";
import { cpuBackend } from "./backend_info.ts";
import {
  beginTrainingRun,
  bestOnValidation,
  clipFeatureBlock,
  projectPaths,
  readModelCard,
  readReport,
  saveTrainingOutcome,
  type TrainedPooledModel,
  trainingSection,
} from "../lib/pipeline/mod.ts";
import { CLASSES, SETTINGS } from "./tiny_model.ts";
import { trainTinyPooled } from "./tiny_pooled.ts";

/** Two clips of 3 frames x (3 MFCCs + zcr); value = 100 * clip + 10 * frame + column. */
function smallSet(): FeatureSet {
  const frames = 3, width = 4;
  const data = new Float32Array(2 * frames * width);
  for (let clip = 0; clip < 2; clip++) {
    for (let f = 0; f < frames; f++) {
      for (let c = 0; c < width; c++) {
        data[(clip * frames + f) * width + c] = 100 * clip + 10 * f + c;
      }
    }
  }
  return {
    paths: ["a.wav", "b.wav"],
    frames,
    width,
    data,
    columns: ["mfcc_0", "mfcc_1", "mfcc_2", "zcr"],
    originalSampleRates: [22050, 22050],
    originalDurations: [1, 1],
    settings: SETTINGS,
    failures: [],
  };
}

Deno.test("clipFeatureBlock: one family's columns of one clip, frame by frame", () => {
  const set = smallSet();
  const mfcc = clipFeatureBlock(set, 1, "mfcc");
  assert.equal(mfcc.frames, 3);
  assert.equal(mfcc.width, 3);
  assert.deepEqual([...mfcc.data], [100, 101, 102, 110, 111, 112, 120, 121, 122]);
  const zcr = clipFeatureBlock(set, 0, "zcr");
  assert.deepEqual([zcr.width, ...zcr.data], [1, 3, 13, 23]);
  // A copy: the set is not changed through it.
  mfcc.data[0] = -1;
  assert.equal(set.data[12], 100);
  assert.throws(
    () => clipFeatureBlock(set, 0, "chroma"),
    /no "chroma" columns .*it has: mfcc, zcr/,
  );
  assert.throws(() => clipFeatureBlock(set, 2, "mfcc"), /clip row 2 out of range 0\.\.1/);
});

Deno.test("bestOnValidation: highest accuracy, ties to the earlier name, untrained names skipped", () => {
  const order = ["ensemble", "svm", "gru", "lstm"];
  assert.equal(bestOnValidation({ gru: 0.9, svm: 0.8 }, order), "gru");
  assert.equal(bestOnValidation({ gru: 0.8, ensemble: 0.8, lstm: 0.7 }, order), "ensemble");
  assert.equal(bestOnValidation({ lstm: 0.2, cnn: 0.99 }, order), "lstm", "cnn is not in order");
  assert.throws(
    () => bestOnValidation({}, order),
    /no model was trained \(config\.models is empty\)/,
  );
  assert.throws(
    () => bestOnValidation({}, order, "stop file models/STOP found"),
    /no model was trained \(stop file models\/STOP found\)/,
  );
});

Deno.test("trainingSection: split sizes, 1-based best epochs, a kind per model", () => {
  const section = trainingSection({
    split: { train: [0, 1, 2, 3], val: [4, 5], test: [6] },
    seed: 7,
    bestModel: "gru",
    sequence: [{
      name: "gru",
      params: 1234,
      epochsRun: 12,
      bestEpoch: 8,
      secondsPerEpoch: 2.5,
      trainingSeconds: 30,
    }],
    pooled: [{ name: "ensemble", artifact: { names: ["a", "b", "c"] }, trainingSeconds: 4 }],
    validation: { gru: 0.75, ensemble: 0.5 },
  });
  assert.deepEqual(section, {
    split: { train: 4, val: 2, test: 1, seed: 7 },
    bestModel: "gru",
    models: {
      gru: {
        kind: "sequence",
        params: 1234,
        epochsRun: 12,
        bestEpoch: 9,
        secondsPerEpoch: 2.5,
        trainingSeconds: 30,
        validationAccuracy: 0.75,
      },
      ensemble: { kind: "pooled", functionals: 3, trainingSeconds: 4, validationAccuracy: 0.5 },
    },
  });
  assert.equal("stopped" in section, false, "no stopped key when training ran to the end");
});

Deno.test("saveTrainingOutcome: manifest, model card and report section in the run, then promoted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_outcome_" });
  try {
    const config = loadConfig({
      modelsDir: join(dir, "models"),
      outputsDir: join(dir, "outputs"),
      logsDir: join(dir, "logs"),
      models: ["ensemble", "svm"],
      duration: 1,
    }, { env: {} });
    const run = await beginTrainingRun(config);
    const artifact = trainTinyPooled();
    await savePooledModel(run.modelDir("ensemble"), artifact);
    // 12 clips, 2 speakers, CLASSES in turn; validation: 3 of 4 right.
    const rows = Array.from({ length: 12 }, (_, i) => ({
      path: `data/clip_${i}.wav`,
      corpus: "demo",
      speaker: `demo:${i % 2 ? "a" : "b"}`,
      emotion: CLASSES[i % 3],
    }));
    const validation = computeMetrics([0, 1, 2, 0], [0, 1, 2, 1], CLASSES);
    const pooled: TrainedPooledModel = {
      name: "ensemble",
      artifact,
      validation,
      test: validation,
      testPredictions: [],
      testProbabilities: new Float32Array(0),
      trainingSeconds: 1.5,
    };
    const columns = featureColumns(SETTINGS);
    const backend = cpuBackend();
    const split = { train: [0, 1, 2, 3, 4, 5, 6, 7], val: [8, 9, 10, 11], test: [] };
    const outcome = await saveTrainingOutcome(config, {
      run,
      sequence: [],
      pooled: [pooled],
      data: {
        features: { ...smallSet(), paths: rows.map((row) => row.path) },
        labels: rows.map((_, i) => i % 3),
        classes: CLASSES,
        speakers: rows.map((row) => row.speaker),
        utterances: rows.map(() => "word"),
      },
      split,
      scaler: { columns, mean: columns.map(() => 0), std: columns.map(() => 1) },
      dataset: {
        corpus: "demo",
        corpora: ["demo"],
        source: { demo: true },
        table: pl.DataFrame(rows),
        labels: { policy: "merge", merged: 0, dropped: 0, kept: 12, changes: [] },
      },
      backend,
    });
    assert.equal(outcome.bestModel, "ensemble");
    assert.deepEqual(outcome.validation, { ensemble: 0.75 });
    // The promoted set is this run, complete and verified (checksums) by openPromotedModelSet.
    const setDir = await openPromotedModelSet(config.modelsDir);
    assert.equal(outcome.promoted.dir, run.dir);
    const manifest = await loadModelsManifest(setDir);
    assert.equal(manifest.bestModel, "ensemble");
    assert.deepEqual(manifest.models, {
      ensemble: { dir: "ensemble_best", kind: "pooled", validationAccuracy: 0.75 },
    });
    assert.deepEqual(manifest.features, SETTINGS);
    const card = await readModelCard(setDir);
    assert.equal(card.run, run.id);
    assert.equal(card.data.clips, 12);
    // The report's training section, backend, config and timing.
    const report = await readReport(projectPaths(config).report);
    assert.deepEqual(report.training, outcome.section);
    assert.deepEqual(report.training?.split, { train: 8, val: 4, test: 0, seed: config.seed });
    assert.deepEqual(report.training?.models.ensemble, {
      kind: "pooled",
      functionals: artifact.names.length,
      trainingSeconds: 1.5,
      validationAccuracy: 0.75,
    });
    assert.deepEqual(report.backend, backend);
    assert.equal(report.config?.seed, config.seed);
    assert.equal(report.timings?.training_ensemble, 1.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
