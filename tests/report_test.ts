import assert from "node:assert/strict";
import { join } from "node:path";
import { readReport, runtimeVersions, updateReport } from "../lib/report.ts";

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

Deno.test("report: runtime versions name deno and the given libraries", () => {
  const versions = runtimeVersions({ tfjs: "4.22.0" });
  assert.equal(versions.deno, Deno.version.deno);
  assert.equal(versions.tfjs, "4.22.0");
});
