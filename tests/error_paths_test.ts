/**
 * Error messages name the file once: thrown errors start with the path, and `{ path, problem }`
 * records (the scan's bad files, the extractor's and the predictor's failures) keep the problem
 * without the path, so `${path}: ${problem}` (as the notebooks and CLIs print them) does not
 * read "X: cannot read audio header: X: empty file".
 */
import assert from "node:assert/strict";
import {
  AudioError,
  encodeWav,
  loadAudio,
  probeAudio,
  problemText,
  sine,
} from "../lib/audio/mod.ts";
import { scanCorpus } from "../lib/data_loader/mod.ts";
import { extractFeatureSet } from "../lib/features/batch.ts";
import { loadConfig } from "../config.ts";

const count = (text: string, part: string) => text.split(part).length - 1;

Deno.test("problemText strips the path once, from AudioErrors and prefixed messages", () => {
  assert.equal(problemText(new AudioError("a.wav", "empty file"), "a.wav"), "empty file");
  assert.equal(problemText(new Error("a.wav: file not found"), "a.wav"), "file not found");
  assert.equal(problemText(new Error("worker crashed"), "a.wav"), "worker crashed");
  // Another file's error keeps its own path.
  assert.equal(problemText(new AudioError("b.wav", "empty file"), "a.wav"), "b.wav: empty file");
});

Deno.test("scan, extraction and loading name a bad file exactly once", async () => {
  const root = await Deno.makeTempDir({ prefix: "ser_paths_" });
  try {
    const good = encodeWav(sine(220, 0.5, 22050, 0.3), 22050);
    await Deno.mkdir(`${root}/OAF_Sad`);
    await Deno.writeFile(`${root}/OAF_Sad/OAF_back_sad.wav`, good);
    await Deno.writeFile(`${root}/OAF_Sad/OAF_bar_sad.wav`, good);
    const empty = `${root}/OAF_Sad/OAF_empty_sad.wav`;
    await Deno.writeFile(empty, new Uint8Array(0));

    // Thrown errors: the path once, at the start.
    for (const action of [() => probeAudio(empty), () => loadAudio(empty)]) {
      const message = await action().then(() => "", (error: Error) => error.message);
      assert.equal(message, `${empty}: empty file`);
    }

    // The scan's bad files (the "X: cannot read audio header: X: empty file").
    const { badFiles } = await scanCorpus(root, { silent: true });
    assert.equal(badFiles.length, 1);
    const line = `${badFiles[0].path}: ${badFiles[0].problem}`;
    assert.equal(line, `${empty}: cannot read audio header: empty file`);

    // The extractor's failures, in this thread and in workers.
    const config = loadConfig({ features: ["zcr"] }, { env: {} });
    const paths = [
      `${root}/OAF_Sad/OAF_back_sad.wav`,
      `${root}/OAF_Sad/OAF_bar_sad.wav`,
      empty,
      `${root}/OAF_Sad/missing.wav`,
    ];
    for (const workers of [0, 2]) {
      const set = await extractFeatureSet(paths, config, { workers, progress: false });
      assert.deepEqual(set.failures.map((f) => f.path), [empty, paths[3]]);
      for (const failure of set.failures) {
        const printed = `${failure.path}: ${failure.problem}`;
        assert.equal(count(printed, failure.path), 1, printed);
      }
      assert.deepEqual(set.failures.map((f) => f.problem), ["empty file", "file not found"]);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
