/**
 * The feature cache never serves a damaged entry: every entry carries a SHA-256 checksum, so one
 * changed finite value is caught and recomputed; old-layout entries are rewritten; temp files
 * of killed writes are removed when a batch starts, while live writes are left alone.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { encodeWav, sine, whiteNoise } from "../lib/audio/mod.ts";
import { extractFeatureSet, removeOrphanTempFiles } from "../lib/features/batch.ts";

const config = loadConfig({ features: ["mfcc", "zcr"] }, { env: {} });
const HEADER_BYTES = 64; // fields (32) + SHA-256 (32), see lib/features/clip_features.ts

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else if (entry.isFile) found.push(path);
  }
  return found.sort();
}

async function withCorpus(fn: (dir: string, paths: string[]) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ser_cache_" });
  try {
    const paths = [0, 1, 2].map((i) => `${dir}/clip${i}.wav`);
    await Deno.writeFile(paths[0], encodeWav(sine(440, 1, 22050, 0.5), 22050));
    await Deno.writeFile(paths[1], encodeWav(whiteNoise(1, 22050, 5, 0.3), 22050));
    await Deno.writeFile(paths[2], encodeWav(sine(880, 1, 16000, 0.2), 16000));
    await fn(dir, paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const options = (cacheDir: string) => ({ workers: 0, progress: false, cacheDir });

Deno.test("feature cache: one changed finite value is caught by the checksum and recomputed", async () => {
  await withCorpus(async (dir, paths) => {
    const cacheDir = `${dir}/cache`;
    const first = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(first.timing.cacheHits, 0);
    const entries = (await filesUnder(cacheDir)).filter((path) => path.endsWith(".bin"));
    assert.equal(entries.length, 3);
    const pristine = await Deno.readFile(entries[1]);

    // A plausible, finite change: the shape and finiteness checks alone would serve it.
    const damaged = pristine.slice();
    const view = new DataView(damaged.buffer);
    const at = HEADER_BYTES + 4 * 17;
    const before = view.getFloat32(at, true);
    view.setFloat32(at, before + 0.5, true);
    assert.ok(Number.isFinite(view.getFloat32(at, true)));
    await Deno.writeFile(entries[1], damaged);

    const second = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(second.timing.cacheHits, 2, "the damaged entry must not be served");
    assert.equal(second.timing.cacheRepairs, 1);
    assert.deepEqual(second.data, first.data);
    // Rewritten: the computation is deterministic, so the entry is byte-identical again.
    assert.deepEqual(await Deno.readFile(entries[1]), pristine);

    const third = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(third.timing.cacheHits, 3);
    assert.equal(third.timing.cacheRepairs, 0);

    // A flipped bit in the header's fields (here the source duration) is caught too.
    const header = pristine.slice();
    header[24] ^= 0x01;
    await Deno.writeFile(entries[1], header);
    const fourth = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(fourth.timing.cacheRepairs, 1);
    assert.deepEqual(fourth.originalDurations, first.originalDurations);
  });
});

Deno.test("feature cache: entries of the old layout (no checksum) are recomputed once", async () => {
  await withCorpus(async (dir, paths) => {
    const cacheDir = `${dir}/cache`;
    const first = await extractFeatureSet(paths, config, options(cacheDir));
    const entries = (await filesUnder(cacheDir)).filter((path) => path.endsWith(".bin"));
    // Rebuild entry 0 in the first layout: "SERC", the same 32-byte fields, then the payload.
    const current = await Deno.readFile(entries[0]);
    const old = new Uint8Array(current.length - 32);
    old.set(current.subarray(0, 32));
    old.set(current.subarray(HEADER_BYTES), 32);
    new DataView(old.buffer).setUint32(0, 0x43524553, true);
    await Deno.writeFile(entries[0], old);
    const second = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(second.timing.cacheRepairs, 1);
    assert.deepEqual(second.data, first.data);
    assert.deepEqual(await Deno.readFile(entries[0]), current);
  });
});

Deno.test("feature cache: orphan temp files of killed writes are removed when a batch starts", async () => {
  await withCorpus(async (dir, paths) => {
    const cacheDir = `${dir}/cache`;
    await extractFeatureSet(paths, config, options(cacheDir));
    const entry = (await filesUnder(cacheDir)).find((path) => path.endsWith(".bin"))!;
    const folder = entry.slice(0, entry.lastIndexOf("/"));
    const name = entry.slice(entry.lastIndexOf("/") + 1);

    // A process that has exited: its pid names a writer that will never finish.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const deadPid = child.pid;
    const orphanDead = `${folder}/.${name}.${deadPid}.m1abc.x7y8z9.tmp`;
    // Our own pid but two hours old: no write takes that long.
    const orphanOld = `${folder}/.${name}.${Deno.pid}.m1abd.a1b2c3.tmp`;
    // Our own pid, just written: could be a write in progress, so it stays.
    const live = `${folder}/.${name}.${Deno.pid}.m1abe.d4e5f6.tmp`;
    // Not a temp file name: never touched.
    const other = `${cacheDir}/notes.txt`;
    for (const path of [orphanDead, orphanOld, live, other]) {
      await Deno.writeFile(path, new Uint8Array(100));
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await Deno.utime(orphanOld, twoHoursAgo, twoHoursAgo);

    const run = await extractFeatureSet(paths, config, options(cacheDir));
    assert.equal(run.timing.orphansRemoved, 2);
    assert.equal(run.timing.cacheHits, 3, "the real entries are untouched");
    const left = await filesUnder(cacheDir);
    assert.ok(!left.includes(orphanDead), "dead writer's temp file removed");
    assert.ok(!left.includes(orphanOld), "stale temp file removed");
    assert.ok(left.includes(live), "a possibly live write is left alone");
    assert.ok(left.includes(other));
    // A missing cache folder is not an error.
    assert.equal(await removeOrphanTempFiles(`${dir}/no_such_cache`), 0);
  });
});
