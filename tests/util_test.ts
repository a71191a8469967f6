import assert from "node:assert/strict";
import { join } from "node:path";
import { replaceDirAtomic, writeJsonAtomic, writeTextAtomic } from "../lib/util/atomic.ts";
import { ProgressBar } from "../lib/util/progress.ts";
import { firstFile, isFile } from "../lib/util/fs.ts";

Deno.test("atomic: writeTextAtomic replaces the file and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "sub", "report.json");
  await writeJsonAtomic(path, { a: 1 });
  await writeTextAtomic(path, "second");
  assert.equal(await Deno.readTextFile(path), "second");
  const names = [...Deno.readDirSync(join(dir, "sub"))].map((entry) => entry.name);
  assert.deepEqual(names, ["report.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("atomic: a failing replaceDirAtomic keeps the previous directory intact", async () => {
  const dir = await Deno.makeTempDir();
  const target = join(dir, "lstm_best");
  await replaceDirAtomic(target, async (temp) => {
    await Deno.writeTextFile(join(temp, "model.json"), "v1");
  });
  await assert.rejects(
    replaceDirAtomic(target, async (temp) => {
      await Deno.writeTextFile(join(temp, "model.json"), "v2-partial");
      throw new Error("killed mid-save");
    }),
    /killed mid-save/,
  );
  assert.equal(await Deno.readTextFile(join(target, "model.json")), "v1");
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["lstm_best"]);
  await replaceDirAtomic(target, async (temp) => {
    await Deno.writeTextFile(join(temp, "model.json"), "v2");
  });
  assert.equal(await Deno.readTextFile(join(target, "model.json")), "v2");
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["lstm_best"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("progress: log mode prints at most one line per 10 % and a final line", () => {
  const lines: string[] = [];
  const bar = new ProgressBar("work", 50, { logMode: true, write: (text) => lines.push(text) });
  for (let i = 0; i < 50; i++) bar.tick();
  bar.finish("done");
  assert.ok(lines.length >= 11 && lines.length <= 12, `got ${lines.length} lines`);
  assert.match(lines.at(-1)!, /work \[#+\] 50\/50 100% .* done\n$/);
  assert.equal(bar.done, 50);
});

Deno.test("progress: silent prints nothing", () => {
  const lines: string[] = [];
  const bar = new ProgressBar("quiet", 3, { silent: true, write: (text) => lines.push(text) });
  bar.tick(3);
  bar.finish();
  assert.equal(lines.length, 0);
});

Deno.test("fs: isFile and firstFile tell files from folders and missing paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "tool");
    await Deno.writeTextFile(file, "#!/bin/sh\n");
    assert.equal(isFile(file), true);
    assert.equal(isFile(dir), false, "a folder is not a file");
    assert.equal(isFile(join(dir, "missing")), false);
    assert.equal(firstFile([join(dir, "missing"), dir, file, "/etc/hostname"]), file);
    assert.equal(firstFile([join(dir, "missing"), dir]), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
