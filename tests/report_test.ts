import assert from "node:assert/strict";
import { join } from "node:path";
import { computeMetrics } from "../lib/evaluate/mod.ts";
import { cpuBackend as backend } from "./backend_info.ts";
import {
  type DatasetSection,
  headlineMetrics,
  readReport,
  runtimeVersions,
  testScores,
  type TrainingSection,
  updateReport,
} from "../lib/pipeline/report.ts";

function dataset(clips: number): DatasetSection {
  return {
    corpus: "demo",
    dir: "/data/demo",
    demo: true,
    clips,
    emotions: { angry: clips / 2, sad: clips / 2 },
    speakers: { "demo:en-us": clips },
    totalDurationSeconds: 3 * clips,
    badFiles: [],
  };
}

const TRAINING: TrainingSection = {
  split: { train: 8, val: 2, test: 2, seed: 42 },
  bestModel: "gru",
  models: {
    gru: {
      kind: "sequence",
      params: 1000,
      epochsRun: 3,
      bestEpoch: 2,
      secondsPerEpoch: 1,
      trainingSeconds: 3,
      validationAccuracy: 0.5,
    },
  },
};

Deno.test("report: sections merge across updates; timings merge key by key", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "outputs", "project_report.json");
  const empty = await readReport(path);
  assert.equal(empty.project, "ser");
  await updateReport(path, { dataset: dataset(10), timings: { exploration: 1.5 } });
  await updateReport(path, { training: TRAINING, timings: { training: 30 } });
  const rerun = await updateReport(path, { dataset: dataset(12) });
  assert.deepEqual(rerun.dataset, dataset(12));
  assert.deepEqual(rerun.training, TRAINING);
  assert.deepEqual(rerun.timings, { exploration: 1.5, training: 30 });
  assert.deepEqual(await readReport(path), rerun);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: a corrupt report is a clear error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "project_report.json");
  await Deno.writeTextFile(path, "{ not json");
  await assert.rejects(
    readReport(path),
    new RegExp(`${path}: the project report is not valid JSON`),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: versions and backend from several notebooks merge; other sections are replaced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "project_report.json");
    // A missing report reads as an empty one and is not created by reading.
    await readReport(path);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    const first = runtimeVersions({ polars: "0.25.2" });
    for (const key of ["deno", "v8", "typescript"]) {
      assert.match(first[key], /^\d+\.\d+/, `${key} is a version`);
    }
    assert.equal(first.os, `${Deno.build.os}-${Deno.build.arch}`);
    await updateReport(path, { versions: first, backend: backend({ skipped: ["node: absent"] }) });
    const merged = await updateReport(path, {
      versions: runtimeVersions({ tfjs: "4.22.0" }),
      backend: backend({ threads: 2 }),
      evaluation: { testClips: 0, models: {}, speakerIndependent: [] },
    });
    assert.equal(merged.versions?.polars, "0.25.2", "notebook 01's library kept");
    assert.equal(merged.versions?.tfjs, "4.22.0");
    assert.deepEqual(merged.backend, backend({ threads: 2 }));
    const replaced = await updateReport(path, {
      evaluation: { testClips: 4, models: {}, speakerIndependent: [] },
    });
    assert.deepEqual(replaced.evaluation, { testClips: 4, models: {}, speakerIndependent: [] });
    assert.ok(Date.parse(replaced.updatedAt) >= Date.parse(merged.updatedAt));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: a model's test scores: headline numbers, confusion matrix, per-class by name", () => {
  // 6 clips, 2 classes: sad 2/3 right, happy 3/3 right.
  const metrics = computeMetrics([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1], ["sad", "happy"]);
  const headline = headlineMetrics(metrics);
  assert.equal(headline.accuracy, 5 / 6);
  // Weighted = macro here (equal support): precision (1 + 3/4) / 2, recall (2/3 + 1) / 2.
  assert.ok(Math.abs(headline.precision - 0.875) < 1e-12);
  assert.ok(Math.abs(headline.recall - 5 / 6) < 1e-12);
  assert.equal(headline.macroF1, metrics.macro.f1);
  assert.equal(headline.f1, metrics.weighted.f1);
  const scores = testScores(metrics);
  assert.deepEqual(scores.labels, ["sad", "happy"]);
  assert.deepEqual(scores.confusionMatrix, [[2, 1], [0, 3]]);
  assert.deepEqual(Object.keys(scores.perClass), ["sad", "happy"]);
  assert.equal(scores.perClass.sad.support, 3);
  assert.ok(Math.abs(scores.perClass.sad.recall - 2 / 3) < 1e-12);
  assert.ok(Math.abs(scores.perClass.happy.precision - 0.75) < 1e-12);
  // JSON round trip: what updateReport writes is what the model card reads back.
  assert.deepEqual(JSON.parse(JSON.stringify(scores)), scores);
});
