import assert from "node:assert/strict";
import { join } from "node:path";
import { readReport, runtimeVersions, updateReport } from "../lib/pipeline/report.ts";

Deno.test("report: sections merge across updates; timings merge key by key", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "outputs", "project_report.json");
  const empty = await readReport(path);
  assert.equal(empty.project, "ser");
  await updateReport(path, { dataset: { clips: 10 }, timings: { exploration: 1.5 } });
  await updateReport(path, { training: { models: ["gru"] }, timings: { training: 30 } });
  const rerun = await updateReport(path, { dataset: { clips: 12 } });
  assert.deepEqual(rerun.dataset, { clips: 12 });
  assert.deepEqual(rerun.training, { models: ["gru"] });
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

Deno.test("report: versions from several notebooks merge; other sections are replaced", async () => {
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
    await updateReport(path, { versions: first, backend: { name: "cpu" } });
    const merged = await updateReport(path, {
      versions: runtimeVersions({ tfjs: "4.22.0" }),
      backend: { threads: 2 },
      evaluation: { models: {} },
    });
    assert.equal(merged.versions?.polars, "0.25.2", "notebook 01's library kept");
    assert.equal(merged.versions?.tfjs, "4.22.0");
    assert.deepEqual(merged.backend, { name: "cpu", threads: 2 });
    const replaced = await updateReport(path, { evaluation: { crossValidation: {} } });
    assert.deepEqual(replaced.evaluation, { crossValidation: {} });
    assert.ok(Date.parse(replaced.updatedAt) >= Date.parse(merged.updatedAt));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
