/**
 * Batch feature extraction on synthesized WAV files: shapes, failures, worker/in-thread
 * equality, the on-disk cache (hits, corrupt entries), feature-set files and the scaler.
 * The real-data part runs only when /work/shared/data is present.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { chirp, encodeWav, sine, whiteNoise } from "../lib/audio/mod.ts";
import { extractFeatureSet } from "../lib/features/batch.ts";
import { extractFeatures } from "../lib/features/extract.ts";
import {
  featureColumns,
  type FeatureSet,
  loadFeatureSet,
  saveFeatureSet,
  selectClips,
} from "../lib/features/feature_set.ts";
import { applyStandardScaler, fitStandardScaler } from "../lib/features/normalize.ts";
import {
  formatMiB,
  MemorySampler,
  parseAnchorOutput,
  processCpuSeconds,
} from "../cli/bench/mod.ts";
import { parseExtractArgs, runExtract } from "../cli/extract.ts";
import { haveShared, SHARED_DIR } from "./shared_data.ts";

const config = loadConfig({}, { env: {} });
const TESS_SAMPLE = `${SHARED_DIR}/data/TESS-wav-sample`;
const hasRealData = haveShared("batch_test: TESS sample extraction", TESS_SAMPLE);

interface Corpus {
  dir: string;
  /** Paths in the order given to the extractor; `bad` is garbage, the rest decode. */
  paths: string[];
  good: string[];
  bad: string;
}

/** Writes four decodable clips (mono 22050 Hz, stereo 16000 Hz, long 44100 Hz, short) and one corrupt file. */
async function makeCorpus(): Promise<Corpus> {
  const dir = await Deno.makeTempDir({ prefix: "ser_batch_" });
  const files: [string, Uint8Array][] = [
    ["tone.wav", encodeWav(sine(440, 3, 22050, 0.5), 22050)],
    [
      "sweep_stereo.wav",
      encodeWav([chirp(200, 3000, 1.5, 16000), whiteNoise(1.5, 16000, 3)], 16000),
    ],
    ["corrupt.wav", new TextEncoder().encode("RIFF this is not really a wave file at all")],
    ["long.wav", encodeWav(chirp(100, 6000, 4, 44100, 0.3), 44100, { bitsPerSample: 24 })],
    ["noise_short.wav", encodeWav(whiteNoise(0.8, 22050, 11, 0.2), 22050)],
  ];
  for (const [name, bytes] of files) await Deno.writeFile(`${dir}/${name}`, bytes);
  const paths = files.map(([name]) => `${dir}/${name}`);
  const bad = `${dir}/corrupt.wav`;
  return { dir, paths, good: paths.filter((path) => path !== bad), bad };
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else if (entry.isFile) found.push(path);
  }
  return found.sort();
}

function assertSameData(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    // Object.is also tells NaN and -0 apart, so "identical" really means bit-identical floats.
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}: value ${i} differs: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

Deno.test("extractFeatureSet: shape, failures, worker == in-thread, cache", async (t) => {
  const corpus = await makeCorpus();
  try {
    const inThread = await extractFeatureSet(corpus.paths, config, {
      workers: 0,
      progress: false,
    });

    await t.step("shape is 130 x 188 per clip for the default config", () => {
      assert.equal(inThread.frames, 130);
      assert.equal(inThread.width, 188);
      assert.equal(inThread.data.length, 4 * 130 * 188);
      assert.deepEqual(inThread.columns, featureColumns(config));
      assert.ok(inThread.data.every(Number.isFinite), "all features are finite");
    });

    await t.step("the corrupt file is a failure naming it; the others are kept in order", () => {
      assert.deepEqual(inThread.paths, corpus.good);
      assert.equal(inThread.failures.length, 1);
      assert.equal(inThread.failures[0].path, corpus.bad);
      // The path is in `path`; the problem says what is wrong without repeating it.
      assert.ok(
        !inThread.failures[0].problem.includes(corpus.bad),
        `problem should not repeat the path: ${inThread.failures[0].problem}`,
      );
      assert.match(inThread.failures[0].problem, /RIFF/);
      assert.equal(inThread.timing.files, 5);
      assert.equal(inThread.timing.workers, 0);
      assert.equal(inThread.timing.cacheHits, 0);
    });

    await t.step("original sample rates and durations are those of the files", () => {
      assert.deepEqual(inThread.originalSampleRates, [22050, 16000, 44100, 22050]);
      const expected = [3, 1.5, 4, 0.8];
      inThread.originalDurations.forEach((seconds, i) =>
        assert.ok(Math.abs(seconds - expected[i]) < 1e-3, `duration ${i}: ${seconds}`)
      );
      // Real-time factor counts original audio: 9.3 s of it.
      const audioSeconds = expected.reduce((a, b) => a + b, 0);
      const factor = inThread.timing.realTimeFactor * inThread.timing.seconds;
      assert.ok(Math.abs(factor - audioSeconds) < 1e-2, `audio seconds ${factor}`);
    });

    await t.step("each row equals extractFeatures on the same clip (no mix-up of rows)", () => {
      // tone.wav is already at 22050 Hz and 3 s long, so no resampling or padding is involved.
      const samples = sine(440, 3, 22050, 0.5);
      // Round through 16-bit PCM as the file does.
      const pcm = samples.map((x) => Math.round(x * 32768) / 32768);
      const direct = extractFeatures(pcm, config);
      const row = inThread.data.subarray(0, 130 * 188);
      let worst = 0;
      for (let i = 0; i < row.length; i++) {
        worst = Math.max(worst, Math.abs(row[i] - direct.data[i]) / (1 + Math.abs(direct.data[i])));
      }
      assert.ok(worst < 1e-4, `row 0 differs from direct extraction by ${worst}`);
    });

    await t.step("rows after the failed file moved up intact", async () => {
      const size = 130 * 188;
      for (const row of [2, 3]) {
        const alone = await extractFeatureSet([corpus.good[row]], config, {
          workers: 0,
          progress: false,
        });
        assertSameData(
          inThread.data.subarray(row * size, (row + 1) * size),
          alone.data,
          `row ${row}`,
        );
      }
    });

    await t.step("workers give exactly the in-thread result", async () => {
      const parallel = await extractFeatureSet(corpus.paths, config, {
        workers: 2,
        progress: false,
      });
      assert.equal(parallel.timing.workers, 2);
      assert.deepEqual(parallel.paths, inThread.paths);
      assert.deepEqual(parallel.failures, inThread.failures);
      assert.deepEqual(parallel.originalSampleRates, inThread.originalSampleRates);
      assertSameData(parallel.data, inThread.data, "workers vs in-thread");
    });

    await t.step("a second run hits the cache with identical data", async () => {
      const cacheDir = `${corpus.dir}/cache`;
      const progress: number[] = [];
      const first = await extractFeatureSet(corpus.paths, config, {
        workers: 2,
        progress: false,
        cacheDir,
        onProgress: (done) => progress.push(done),
      });
      assert.deepEqual(progress, [1, 2, 3, 4, 5]);
      assert.equal(first.timing.cacheHits, 0);
      assertSameData(first.data, inThread.data, "cached first run");
      const entries = await filesUnder(cacheDir);
      assert.equal(entries.length, 4, `one entry per good file: ${entries.join(", ")}`);

      const second = await extractFeatureSet(corpus.paths, config, {
        workers: 0,
        progress: false,
        cacheDir,
      });
      assert.equal(second.timing.cacheHits, 4);
      assert.deepEqual(second.paths, inThread.paths);
      assert.deepEqual(second.failures, inThread.failures);
      assert.deepEqual(second.originalSampleRates, inThread.originalSampleRates);
      assert.deepEqual(second.originalDurations, inThread.originalDurations);
      assertSameData(second.data, inThread.data, "cache hit");

      // Other settings must not read these entries.
      const other = await extractFeatureSet(corpus.good.slice(0, 1), { ...config, nMfcc: 20 }, {
        workers: 0,
        progress: false,
        cacheDir,
      });
      assert.equal(other.timing.cacheHits, 0);
      assert.equal(other.width, 168);
    });

    await t.step("corrupt cache entries are recomputed, not a crash", async () => {
      const cacheDir = `${corpus.dir}/cache`;
      const entries = (await filesUnder(cacheDir)).filter((path) => path.endsWith(".bin"));
      assert.ok(entries.length >= 4);
      // Truncated (a crash mid-write outside the atomic path), garbage, and flipped magic.
      const truncated = await Deno.readFile(entries[0]);
      await Deno.writeFile(entries[0], truncated.subarray(0, truncated.length - 100));
      await Deno.writeFile(entries[1], new TextEncoder().encode("garbage"));
      const flipped = await Deno.readFile(entries[2]);
      flipped[0] ^= 0xff;
      await Deno.writeFile(entries[2], flipped);
      // A NaN in the payload must not be served either.
      const poisoned = await Deno.readFile(entries[3]);
      new DataView(poisoned.buffer).setFloat32(32 + 4 * 7, NaN, true);
      await Deno.writeFile(entries[3], poisoned);

      const again = await extractFeatureSet(corpus.paths, config, {
        workers: 2,
        progress: false,
        cacheDir,
      });
      assert.equal(again.timing.cacheHits, 0, "every damaged entry was recomputed");
      assertSameData(again.data, inThread.data, "after recompute");
      const repaired = await extractFeatureSet(corpus.paths, config, {
        workers: 0,
        progress: false,
        cacheDir,
      });
      assert.equal(repaired.timing.cacheHits, 4, "recomputed entries were rewritten");
      assertSameData(repaired.data, inThread.data, "repaired cache");
    });

    await t.step("save/load round trip keeps every field", async () => {
      const path = `${corpus.dir}/out/set.features`;
      const { timing: _timing, ...set } = inThread;
      await saveFeatureSet(set, path);
      const loaded = await loadFeatureSet(path);
      assert.deepEqual({ ...loaded, data: [] }, { ...set, data: [] });
      assertSameData(loaded.data, set.data, "loaded");
      // Damaged files are an error naming the file.
      const bytes = await Deno.readFile(path);
      await Deno.writeFile(path, bytes.subarray(0, bytes.length - 8));
      await assert.rejects(() => loadFeatureSet(path), (error: Error) => {
        assert.ok(error.message.includes(path), error.message);
        return true;
      });
      await assert.rejects(() => loadFeatureSet(`${corpus.dir}/missing.features`), /not found/);
    });
  } finally {
    await Deno.remove(corpus.dir, { recursive: true });
  }
});

Deno.test("extractFeatureSet: a missing file is a failure naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_batch_" });
  try {
    await Deno.writeFile(`${dir}/ok.wav`, encodeWav(sine(300, 1, 22050), 22050));
    const set = await extractFeatureSet([`${dir}/ok.wav`, `${dir}/gone.wav`], config, {
      progress: false,
    });
    assert.equal(set.paths.length, 1);
    assert.equal(set.failures.length, 1);
    assert.equal(set.failures[0].path, `${dir}/gone.wav`);
    assert.equal(set.failures[0].problem, "file not found");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("featureColumns equals the columns extractFeatures produces", () => {
  const samples = chirp(100, 4000, 1, 22050);
  for (
    const settings of [
      config,
      { ...config, nMfcc: 13, nMels: 64, features: ["zcr", "rms", "chroma", "mfcc"] as const },
      { ...config, features: ["contrast", "mel"] as const },
    ]
  ) {
    const matrix = extractFeatures(samples, { ...settings, features: [...settings.features] });
    assert.deepEqual(
      featureColumns({ ...settings, features: [...settings.features] }),
      matrix.columns,
    );
  }
});

/** 3 clips x 2 frames x 3 columns with known values; clip 1 is an outlier. */
function tinySet(): FeatureSet {
  // deno-fmt-ignore
  const data = Float32Array.from([
    1, 10, 5,   3, 20, 5, // clip 0
    100, -50, 5, 200, -60, 5, // clip 1 (outlier, must not influence a fit on [0, 2])
    5, 30, 5,   7, 40, 5, // clip 2
  ]);
  return {
    paths: ["a.wav", "b.wav", "c.wav"],
    frames: 2,
    width: 3,
    data,
    columns: ["x", "y", "constant"],
    originalSampleRates: [22050, 22050, 22050],
    originalDurations: [1, 1, 1],
    settings: { ...config, features: [...config.features] },
    failures: [],
  };
}

Deno.test("fitStandardScaler uses only the given clips", () => {
  const set = tinySet();
  const scaler = fitStandardScaler(set, [0, 2]);
  // x over clips 0 and 2: 1, 3, 5, 7 -> mean 4, population std sqrt(5).
  // y: 10, 20, 30, 40 -> mean 25, std sqrt(125). constant: std 0 -> 1 (passes through centred).
  assert.deepEqual(scaler.columns, ["x", "y", "constant"]);
  assert.deepEqual(scaler.mean, [4, 25, 5]);
  assert.ok(Math.abs(scaler.std[0] - Math.sqrt(5)) < 1e-12);
  assert.ok(Math.abs(scaler.std[1] - Math.sqrt(125)) < 1e-12);
  assert.equal(scaler.std[2], 1);

  const all = fitStandardScaler(set);
  assert.notDeepEqual(all.mean, scaler.mean, "fitting on every clip includes the outlier");
  assert.ok(Math.abs(all.mean[0] - (1 + 3 + 100 + 200 + 5 + 7) / 6) < 1e-12);
  assert.throws(() => fitStandardScaler(set, []), /no clips/);
});

Deno.test("applyStandardScaler gives zero mean and unit std on the fit data", () => {
  const set = tinySet();
  const train = selectClips(set, [0, 2]);
  assert.deepEqual(train.paths, ["a.wav", "c.wav"]);
  const scaler = fitStandardScaler(set, [0, 2]);
  const scaled = applyStandardScaler(scaler, train.data);
  const rows = scaled.length / 3;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < rows; r++) sum += scaled[r * 3 + c];
    const mean = sum / rows;
    for (let r = 0; r < rows; r++) squares += (scaled[r * 3 + c] - mean) ** 2;
    const std = Math.sqrt(squares / rows);
    assert.ok(Math.abs(mean) < 1e-6, `column ${c} mean ${mean}`);
    assert.ok(Math.abs(std - (c === 2 ? 0 : 1)) < 1e-6, `column ${c} std ${std}`);
  }
  // The test clip is scaled with the training statistics, not its own.
  const test = applyStandardScaler(scaler, selectClips(set, [1]).data);
  assert.ok(Math.abs(test[0] - (100 - 4) / Math.sqrt(5)) < 1e-4);
  assert.throws(() => applyStandardScaler(scaler, new Float32Array(4)), /multiple/);
});

Deno.test("extractFeatureSet scales on real features (scaler on many columns)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_batch_" });
  try {
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      const path = `${dir}/clip${i}.wav`;
      await Deno.writeFile(path, encodeWav(chirp(150 * (i + 1), 3000, 1, 22050, 0.4), 22050));
      paths.push(path);
    }
    const set = await extractFeatureSet(paths, config, { workers: 0, progress: false });
    const scaler = fitStandardScaler(set, [0, 1, 2]);
    const scaled = applyStandardScaler(scaler, selectClips(set, [0, 1, 2]).data);
    const rows = scaled.length / set.width;
    for (const c of [0, 40, 100, 170, 187]) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += scaled[r * set.width + c];
      assert.ok(Math.abs(sum / rows) < 1e-4, `column ${set.columns[c]} mean ${sum / rows}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "extractFeatureSet on real TESS WAV files",
  ignore: !hasRealData,
  fn: async () => {
    const all: string[] = [];
    const walk = async (dir: string) => {
      for await (const entry of Deno.readDir(dir)) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory) await walk(path);
        else if (entry.name.toLowerCase().endsWith(".wav")) all.push(path);
      }
    };
    await walk(TESS_SAMPLE);
    all.sort();
    const picked = all.filter((_, i) => i % 35 === 0).slice(0, 4);
    const set = await extractFeatureSet(picked, config, { workers: 2, progress: false });
    assert.equal(set.failures.length, 0, JSON.stringify(set.failures));
    assert.equal(set.paths.length, picked.length);
    assert.equal(set.frames, 130);
    assert.equal(set.width, 188);
    assert.ok(set.originalSampleRates.every((rate) => rate === 24414));
    assert.ok(set.data.every(Number.isFinite));
  },
});

Deno.test("resampleQuality: kaiser_fast changes resampled clips only, with its own cache key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_batch_" });
  try {
    const native = `${dir}/native.wav`;
    const other = `${dir}/other.wav`;
    await Deno.writeFile(native, encodeWav(chirp(200, 4000, 1, 22050, 0.4), 22050));
    await Deno.writeFile(other, encodeWav(chirp(200, 4000, 1, 24414, 0.4), 24414));
    const cacheDir = `${dir}/cache`;
    const options = { workers: 0, progress: false, cacheDir };
    const best = await extractFeatureSet([native, other], config, options);
    const fast = await extractFeatureSet([native, other], config, {
      ...options,
      resampleQuality: "kaiser_fast",
    });
    assert.equal(fast.timing.cacheHits, 0, "kaiser_fast must not reuse kaiser_best entries");
    const clip = 130 * 188;
    assertSameData(fast.data.subarray(0, clip), best.data.subarray(0, clip), "22050 Hz clip");
    let differs = 0;
    for (let i = clip; i < 2 * clip; i++) if (fast.data[i] !== best.data[i]) differs++;
    assert.ok(differs > 100, `the 24414 Hz clip should change with the resampler (${differs})`);
    const again = await extractFeatureSet([native, other], config, {
      ...options,
      resampleQuality: "kaiser_fast",
    });
    assert.equal(again.timing.cacheHits, 2);
    assertSameData(again.data, fast.data, "kaiser_fast cache");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/extract: folder without a corpus scheme, --no-cache before the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_extract_" });
  try {
    await Deno.mkdir(`${dir}/clips/sub`, { recursive: true });
    await Deno.writeFile(`${dir}/clips/a.wav`, encodeWav(sine(330, 1, 22050), 22050));
    await Deno.writeFile(`${dir}/clips/sub/b.wav`, encodeWav(sine(550, 2, 16000), 16000));
    await Deno.writeFile(`${dir}/clips/sub/c.wav`, new Uint8Array(10));
    const out = `${dir}/out/clips.features`;
    const { code, summary } = await runExtract([
      "--no-cache",
      `${dir}/clips`,
      "--out",
      out,
      "--workers",
      "0",
      "--quiet",
      "--n-mfcc",
      "13",
    ]);
    assert.equal(code, 0);
    assert.equal(summary?.corpus, "files");
    const saved = await loadFeatureSet(out);
    assert.equal(saved.paths.length, 2);
    assert.ok(saved.paths[0].endsWith("/clips/a.wav"));
    assert.equal(saved.width, 188 - 27, "--n-mfcc 13 reaches the extractor");
    assert.equal(saved.failures.length, 1);
    assert.match(saved.failures[0].path, /c\.wav$/);
    assert.equal(summary?.cacheHits, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/extract: missing folder and bad flags are errors", async () => {
  const missing = await runExtract(["/definitely/not/here", "--quiet"]);
  assert.equal(missing.code, 1);
  assert.equal((await runExtract(["data", "--bogus", "1"])).code, 2);
  assert.equal((await runExtract(["data", "--workers", "-1"])).code, 2);
  const parsed = parseExtractArgs(["--no-cache", "corpus/x", "--sample-rate", "16000"]);
  assert.ok(parsed !== "help");
  assert.equal(parsed.dataDir, "corpus/x");
  assert.equal(parsed.cacheDir, undefined);
  assert.equal(parsed.config.sampleRate, 16000);
  assert.ok(parsed.out.endsWith("/outputs/features/x.features"), parsed.out);
});

Deno.test("bench helpers: anchor output parsing, CPU time and memory sampling", async () => {
  const parsed = parseAnchorOutput(
    'noise\n{"tool": "librosa 0.9.2 (kaiser_fast)", "files": 40, "seconds": 2.0, ' +
      '"files_per_s": 20.0, "realtime_factor": 55.5}\n{"maxrss_kb": 2048, "loop_cpu_s": 1.5}\n',
    "kaiser_fast",
  );
  assert.deepEqual(parsed, {
    tool: "librosa 0.9.2 (kaiser_fast)",
    resType: "kaiser_fast",
    files: 40,
    seconds: 2,
    filesPerSecond: 20,
    realTimeFactor: 55.5,
    peakRssBytes: 2048 * 1024,
    cpuSeconds: 1.5,
  });
  assert.throws(() => parseAnchorOutput("Traceback ...", "kaiser_best"), /no result line/);

  const sampler = new MemorySampler(5);
  const before = processCpuSeconds();
  // Allocate and touch 64 MiB after the sampler started. How much RSS rises depends on whether
  // the allocator reuses pages an earlier test freed (in the full suite it rose by 0 once), so the
  // check is against the RSS measured with the block alive: the sampled peak cannot be below it
  // (a sampler in kB, or one that never sampled, would be far below).
  const block = new Float64Array(8 * 2 ** 20).fill(1);
  const rssWithBlock = Deno.memoryUsage().rss;
  let spin = 0;
  const until = performance.now() + 150;
  while (performance.now() < until) spin += Math.sqrt(spin + block[spin % block.length]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const peak = sampler.stop();
  const after = processCpuSeconds();
  assert.equal(block[block.length - 1], 1, "the block is still alive when the sampler stops");
  // One sample at stop(), so >= 2 means the 5 ms timer fired during the 20 ms wait.
  assert.ok(peak.samples >= 2, `${peak.samples} samples`);
  assert.ok(
    peak.peakRssBytes >= rssWithBlock * 0.95,
    `sampled peak ${peak.peakRssBytes} B is below the ${rssWithBlock} B resident with the block`,
  );
  assert.ok(peak.peakRssBytes >= peak.startRssBytes, "the peak is not below the start");
  if (Deno.build.os === "linux") {
    assert.ok(before !== undefined && after !== undefined);
    assert.ok(after - before >= 0.05, `a 150 ms busy loop used ${after - before} CPU s`);
    // VmHWM is the kernel's high-water mark, so in bytes it cannot be below the sampled peak
    // (a kB or missing value would be 1024x too small or 0).
    const highWater = peak.processHighWaterBytes ?? 0;
    assert.ok(highWater >= peak.peakRssBytes * 0.99, `VmHWM ${highWater}`);
  }
  assert.equal(formatMiB(3 * 2 ** 20), "3.0 MiB");
});
