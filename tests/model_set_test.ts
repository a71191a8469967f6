/**
 * Model sets (lib/models/model_set.ts) and the atomic helpers under them: promotion, checksum
 * verification naming the file, tidying what killed runs leave, resuming unfinished runs, and
 * finishing a folder swap killed between its two renames.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cleanModelsDir,
  listRuns,
  ModelSetError,
  openCurrentModelSet,
  openModelSet,
  promoteRun,
  readPointer,
  sealModelSet,
  startRun,
} from "../lib/models/model_set.ts";
import { cleanTempFiles, recoverReplacedDir, replaceDirAtomic } from "../lib/util/atomic.ts";
import { sha256Hex } from "../lib/util/checksum.ts";

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ser_model_set_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A run with a model folder and the usual side files; returns the run's id. */
async function makeRun(modelsDir: string, tag: string): Promise<string> {
  const run = await startRun(modelsDir, { info: { tag } });
  await Deno.mkdir(join(run.dir, "lstm_best"));
  await Deno.writeTextFile(join(run.dir, "lstm_best", "model.json"), `{"tag":"${tag}"}`);
  await Deno.writeFile(join(run.dir, "lstm_best", "weights.bin"), new Uint8Array([1, 2, 3, 4]));
  await Deno.writeTextFile(join(run.dir, "label_encoder.json"), `{"classes":["a","b"]}`);
  await Deno.writeTextFile(join(run.dir, "config.json"), `{"tag":"${tag}"}`);
  return run.id;
}

Deno.test("sha256Hex: the FIPS 180-2 test vector", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("model sets: promote, open and verify; the previous set stays until replaced", async () => {
  await withTemp(async (modelsDir) => {
    await assert.rejects(
      openCurrentModelSet(join(modelsDir, "none")),
      /none: models folder not found; no model has been trained yet/,
    );
    const first = await makeRun(modelsDir, "one");
    // Not promoted yet: nothing is current, and that is an error, not a fallback.
    await assert.rejects(openCurrentModelSet(modelsDir), /current: missing: no model set/);
    const promoted = await promoteRun(modelsDir, first);
    assert.equal(promoted.previous, undefined);
    assert.deepEqual(Object.keys(promoted.manifest.files), [
      "config.json",
      "label_encoder.json",
      "lstm_best/model.json",
      "lstm_best/weights.bin",
      "run.json",
    ]);
    const set = await openCurrentModelSet(modelsDir);
    assert.equal(set.runId, first);
    assert.equal(await Deno.readTextFile(set.path("config.json")), `{"tag":"one"}`);

    const second = await makeRun(modelsDir, "two");
    assert.ok(second > first, "run ids sort by start");
    // While the second run trains, the first stays current.
    assert.equal((await openCurrentModelSet(modelsDir)).runId, first);
    const next = await promoteRun(modelsDir, second);
    assert.equal(next.previous, first);
    assert.equal((await openCurrentModelSet(modelsDir)).runId, second);
    // The replaced set is kept (keep = 2 by default) and still verifies.
    assert.equal((await openModelSet(join(modelsDir, "runs", first))).runId, first);

    // Older sets beyond `keep` go, the current never.
    const third = await makeRun(modelsDir, "three");
    await promoteRun(modelsDir, third, { keep: 1 });
    assert.deepEqual(await listRuns(modelsDir), [second, third]);
  });
});

Deno.test("model sets: a changed, missing or added file is an error naming it", async () => {
  await withTemp(async (modelsDir) => {
    const id = await makeRun(modelsDir, "one");
    await promoteRun(modelsDir, id);
    const runDir = join(modelsDir, "runs", id);
    const weights = join(runDir, "lstm_best", "weights.bin");

    // Same size, other bytes (what "random bytes of the right size" does).
    await Deno.writeFile(weights, new Uint8Array([1, 2, 3, 5]));
    await assert.rejects(openCurrentModelSet(modelsDir), (error: Error) => {
      assert.ok(error instanceof ModelSetError);
      assert.equal(error.path, weights);
      assert.match(error.message, /weights\.bin: checksum mismatch: SHA-256 [0-9a-f]{64}/);
      return true;
    });
    await Deno.writeFile(weights, new Uint8Array([1, 2, 3]));
    await assert.rejects(openCurrentModelSet(modelsDir), /weights\.bin: has 3 bytes, .* says 4/);
    await Deno.remove(weights);
    await assert.rejects(
      openCurrentModelSet(modelsDir),
      /weights\.bin: missing from the model set/,
    );
    await Deno.writeFile(weights, new Uint8Array([1, 2, 3, 4]));
    assert.equal((await openCurrentModelSet(modelsDir)).runId, id);

    await Deno.writeTextFile(join(runDir, "extra.json"), "{}");
    await assert.rejects(openCurrentModelSet(modelsDir), /extra\.json: not listed in manifest/);
    await Deno.remove(join(runDir, "extra.json"));

    // Editing the manifest to match a changed file is caught by the pointer's checksum.
    await Deno.writeTextFile(join(runDir, "config.json"), `{"tag":"edited"}`);
    await sealModelSet(runDir, id);
    await assert.rejects(
      openCurrentModelSet(modelsDir),
      /manifest\.json: SHA-256 [0-9a-f]+ differs from [0-9a-f]+ recorded in the pointer/,
    );
    await Deno.writeTextFile(join(modelsDir, "current"), "{ broken");
    await assert.rejects(openCurrentModelSet(modelsDir), /current: not valid JSON/);
    // A new run with a broken pointer must not take the sets for unfinished runs and delete them.
    const run = await startRun(modelsDir);
    assert.match(run.cleanup.problems.join(), /current: not valid JSON.*every sealed run is kept/);
    assert.deepEqual(await listRuns(modelsDir), [id, run.id]);
  });
});

Deno.test("model sets: tidying removes temp files and dead runs, keeps resumable ones", async () => {
  await withTemp(async (modelsDir) => {
    const current = await makeRun(modelsDir, "current");
    await promoteRun(modelsDir, current);
    // A newer run killed mid-training, with a backup and temp files of killed writes.
    const killed = await makeRun(modelsDir, "killed");
    const killedDir = join(modelsDir, "runs", killed);
    // An unfinished run older than the current set (an earlier resumable run that a newer one
    // overtook): it can never be promoted.
    const old = "20000101T000000000Z";
    await Deno.mkdir(join(modelsDir, "runs", old));
    await Deno.writeTextFile(join(modelsDir, "runs", old, "run.json"), "{}");
    await Deno.mkdir(join(killedDir, "resume", "lstm"), { recursive: true });
    await Deno.writeTextFile(join(killedDir, "resume", "lstm", "state.json"), "{}");
    const deadPid = 999_999_999; // no such process
    await Deno.writeTextFile(join(modelsDir, `.current.${deadPid}.a.b.tmp`), "half");
    await Deno.writeTextFile(join(killedDir, `.config.json.${deadPid}.a.b.tmp`), "half");

    const report = await cleanModelsDir(modelsDir);
    assert.equal(report.current, current);
    assert.deepEqual(report.resumable, [killed]);
    assert.equal(report.removedRuns.length, 1);
    assert.match(report.removedRuns[0], new RegExp(`${old} \\(unfinished run older`));
    assert.equal(report.temps.length, 2, report.temps.join("\n"));
    assert.deepEqual(await listRuns(modelsDir), [current, killed]);

    // Resuming picks the killed run up, with its info and backup.
    const resumed = await startRun(modelsDir, { resume: true });
    assert.equal(resumed.id, killed);
    assert.ok(resumed.resumed);
    assert.deepEqual(resumed.info, { tag: "killed" });
    assert.ok((await Deno.stat(join(killedDir, "resume", "lstm", "state.json"))).isFile);
    // Promotion leaves `resume/` out of the set and deletes it once the pointer has moved.
    const promoted = await promoteRun(modelsDir, killed);
    assert.ok(!Object.keys(promoted.manifest.files).some((f) => f.startsWith("resume")));
    await assert.rejects(Deno.stat(join(killedDir, "resume")), Deno.errors.NotFound);
    assert.equal((await openCurrentModelSet(modelsDir)).runId, killed);

    // A new run without resume discards unfinished ones.
    const stale = await makeRun(modelsDir, "stale");
    const fresh = await startRun(modelsDir);
    assert.ok(!fresh.resumed);
    assert.match(fresh.cleanup.removedRuns.join(), new RegExp(`${stale} \\(unfinished run, not`));

    // Promoting the current set again changes nothing (resealing it under the pointer could
    // leave a set failing verification if killed midway).
    const manifestBefore = await Deno.readTextFile(join(killedDir, "manifest.json"));
    await promoteRun(modelsDir, killed);
    assert.equal(await Deno.readTextFile(join(killedDir, "manifest.json")), manifestBefore);

    // An unfinished run of a process that is still running is left alone, even by a new run.
    const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      const busy = await makeRun(modelsDir, "busy");
      const runJson = join(modelsDir, "runs", busy, "run.json");
      const record = JSON.parse(await Deno.readTextFile(runJson));
      await Deno.writeTextFile(runJson, JSON.stringify({ ...record, pid: sleeper.pid }));
      const other = await startRun(modelsDir);
      assert.deepEqual(other.cleanup.inUse, [busy]);
      assert.ok((await listRuns(modelsDir)).includes(busy));
    } finally {
      sleeper.kill("SIGKILL");
      await sleeper.status;
    }
  });
});

Deno.test("model sets: a run sealed but killed before the pointer moved is resumed, unsealed", async () => {
  await withTemp(async (modelsDir) => {
    const first = await makeRun(modelsDir, "one");
    await promoteRun(modelsDir, first);
    const second = await makeRun(modelsDir, "two");
    await sealModelSet(join(modelsDir, "runs", second), second); // killed right after this
    assert.equal((await readPointer(modelsDir)).run, first);
    const resumed = await startRun(modelsDir, { resume: true });
    assert.equal(resumed.id, second);
    await assert.rejects(Deno.stat(join(resumed.dir, "manifest.json")), Deno.errors.NotFound);
    await promoteRun(modelsDir, second);
    assert.equal((await openCurrentModelSet(modelsDir)).runId, second);
  });
});

Deno.test("replaceDirAtomic: a swap killed between its renames is finished, never lost", async () => {
  await withTemp(async (root) => {
    const dir = join(root, "lstm_best");
    await replaceDirAtomic(dir, (temp) => Deno.writeTextFile(join(temp, "v"), "1"));
    // What a kill between `rename(dir, old)` and `rename(temp, dir)` leaves (as measured in the
    // issue: no lstm_best, complete copies beside it).
    const deadPid = 999_999_999;
    const temp = join(root, `.lstm_best.${deadPid}.k.r.tmp`);
    await Deno.mkdir(temp);
    await Deno.writeTextFile(join(temp, "v"), "2");
    await Deno.rename(dir, `${temp}.old`);
    const done = await recoverReplacedDir(dir);
    assert.equal(done.length, 2, done.join("\n"));
    assert.equal(await Deno.readTextFile(join(dir, "v")), "2", "the new copy wins");
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["lstm_best"]);

    // Only the old copy left (the new one never existed): it is put back.
    await Deno.rename(dir, `${temp}.old`);
    await recoverReplacedDir(dir);
    assert.equal(await Deno.readTextFile(join(dir, "v")), "2");

    // A fill killed midway: the target is intact and the half-filled temp goes.
    await Deno.mkdir(temp);
    await Deno.writeTextFile(join(root, `.other.txt.${deadPid}.k.r.tmp`), "x");
    const cleaned = await cleanTempFiles(root);
    assert.equal(cleaned.length, 2, cleaned.join("\n"));
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["lstm_best"]);
    // A temp of a live writer (this process) is left alone.
    const mine = join(root, `.other.txt.${Deno.pid}.k.r.tmp`);
    await Deno.writeTextFile(mine, "in flight");
    assert.deepEqual(await cleanTempFiles(root), []);
    assert.ok((await Deno.stat(mine)).isFile);
  });
});
