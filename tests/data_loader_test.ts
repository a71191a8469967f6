/**
 * Tests of lib/data_loader and lib/util/random.ts: corpus scanners on synthesized folder trees
 * (every naming scheme), label mapping and its errors, seeded splits, the summary; and, when
 * ../shared/data is present, the real TESS folders.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { encodeWav, sine } from "../lib/audio/mod.ts";
import {
  columnValues,
  CORPUS_LABELS,
  DatasetError,
  datasetSummary,
  detectCorpus,
  EMOTIONS,
  groupSplit,
  kFold,
  leaveOneGroupOut,
  mapCorpusLabel,
  parseCorpusPath,
  SCAN_COLUMNS,
  scanCorpus,
  stratifiedSplit,
  takeRows,
} from "../lib/data_loader/mod.ts";
import { mulberry32, shuffled } from "../lib/util/random.ts";
import { SHARED_DIR } from "./shared_data.ts";

const SAMPLE_RATE = 16000;
const CLIP_SECONDS = 0.25;
const TESS_ROOT = `${SHARED_DIR}/data/TESS/TESS Toronto emotional speech set data`;
const TESS_WAV_ROOT = `${SHARED_DIR}/data/TESS-wav-sample/TESS Toronto emotional speech set data`;
const hasSharedData = (() => {
  try {
    return Deno.statSync(TESS_ROOT).isDirectory && Deno.statSync(TESS_WAV_ROOT).isDirectory;
  } catch {
    return false;
  }
})();

/** Writes a tiny tone WAV at each relative path under a fresh temp dir; returns the dir. */
async function makeTree(paths: string[], extra: Record<string, Uint8Array> = {}): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "ser_data_loader_" });
  const wav = encodeWav(sine(440, CLIP_SECONDS, SAMPLE_RATE, 0.3), SAMPLE_RATE);
  for (const path of paths) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeFile(join(root, path), wav);
  }
  for (const [path, bytes] of Object.entries(extra)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeFile(join(root, path), bytes);
  }
  return root;
}

function removeTree(root: string): Promise<void> {
  return Deno.remove(root, { recursive: true });
}

/** Rows of the table as plain objects keyed by file name (last path component). */
function rowsByName(table: Awaited<ReturnType<typeof scanCorpus>>["table"]) {
  const rows = table.toRecords() as Record<string, unknown>[];
  return new Map(rows.map((row) => [String(row.path).split("/").pop()!, row]));
}

function countOf(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------- random

Deno.test("mulberry32 repeats per seed, differs across seeds, stays in [0, 1)", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const seqA = Array.from({ length: 1000 }, a);
  const seqB = Array.from({ length: 1000 }, b);
  const seqC = Array.from({ length: 1000 }, c);
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
  const mean = seqA.reduce((s, x) => s + x, 0) / seqA.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean} should be near 0.5`);
  const items = Array.from({ length: 50 }, (_, i) => i);
  const permuted = shuffled(items, 7);
  assert.deepEqual([...permuted].sort((x, y) => x - y), items);
  assert.notDeepEqual(permuted, items);
  assert.deepEqual(shuffled(items, 7), permuted);
  assert.throws(() => mulberry32(NaN), RangeError);
});

// ---------------------------------------------------------------- labels and names

Deno.test("every corpus label maps into the 7-emotion vocabulary as documented", () => {
  const expectations: [Parameters<typeof mapCorpusLabel>[0], string, string][] = [
    ["tess", "Fear", "fear"],
    ["tess", "PS", "ps"],
    ["ravdess", "01", "neutral"],
    ["ravdess", "02", "neutral"],
    ["ravdess", "06", "fear"],
    ["ravdess", "08", "ps"],
    ["cremad", "ANG", "angry"],
    ["cremad", "NEU", "neutral"],
    ["savee", "sa", "sad"],
    ["savee", "su", "ps"],
    ["emodb", "W", "angry"],
    ["emodb", "E", "disgust"],
    ["emodb", "A", "fear"],
    ["emodb", "F", "happy"],
    ["emodb", "T", "sad"],
  ];
  for (const [corpus, label, emotion] of expectations) {
    assert.equal(mapCorpusLabel(corpus, label, "x.wav"), emotion, `${corpus} ${label}`);
  }
  for (const table of Object.values(CORPUS_LABELS)) {
    for (const emotion of Object.values(table)) {
      assert.ok(emotion === null || (EMOTIONS as readonly string[]).includes(emotion));
    }
  }
  // Boredom has no counterpart: an error by default, null (drop) only on request.
  assert.throws(
    () => mapCorpusLabel("emodb", "L", "/d/03a01La.wav"),
    (error: Error) =>
      error instanceof DatasetError && error.message.includes("/d/03a01La.wav") &&
      error.message.includes('"L"') && error.message.includes("dropUnmapped"),
  );
  assert.equal(mapCorpusLabel("emodb", "L", "x.wav", { dropUnmapped: true }), null);
  assert.throws(
    () => mapCorpusLabel("ravdess", "02", "x.wav", { calmAsNeutral: false }),
    DatasetError,
  );
  assert.throws(
    () => mapCorpusLabel("cremad", "XYZ", "/d/1001_DFA_XYZ_XX.wav", { dropUnmapped: true }),
    (error: Error) =>
      error.message.includes("/d/1001_DFA_XYZ_XX.wav") && error.message.includes("XYZ"),
  );
});

Deno.test("file-name parsers read each corpus scheme and reject the others", () => {
  assert.deepEqual(parseCorpusPath("tess", "YAF_pleasant_surprised/YAF_bite_ps.wav"), {
    speaker: "YAF",
    utterance: "bite",
    label: "ps",
  });
  assert.deepEqual(parseCorpusPath("tess", "oaf_Back_Fear.FLAC"), {
    speaker: "OAF",
    utterance: "back",
    label: "Fear",
  });
  assert.deepEqual(parseCorpusPath("ravdess", "Actor_12/03-01-08-02-02-01-12.wav"), {
    speaker: "12",
    utterance: "02",
    label: "08",
  });
  assert.deepEqual(parseCorpusPath("cremad", "1091_WSI_SAD_LO.wav"), {
    speaker: "1091",
    utterance: "WSI",
    label: "SAD",
  });
  assert.deepEqual(parseCorpusPath("savee", "JK_sa12.wav"), {
    speaker: "JK",
    utterance: "sa12",
    label: "sa",
  });
  assert.deepEqual(parseCorpusPath("savee", "AudioData/DC/su03.wav"), {
    speaker: "DC",
    utterance: "su03",
    label: "su",
  });
  assert.deepEqual(parseCorpusPath("emodb", "wav/16b10Td.wav"), {
    speaker: "16",
    utterance: "b10",
    label: "T",
  });
  assert.equal(parseCorpusPath("tess", "DC_a01.wav"), null);
  assert.equal(parseCorpusPath("tess", "1001_DFA_ANG_XX.wav"), null);
  assert.equal(parseCorpusPath("savee", "notes/a01.wav"), null);
  assert.equal(parseCorpusPath("emodb", "03a01fa.wav"), null);
  assert.equal(detectCorpus(["03a01Fa.wav", "03a01Wa.wav", "readme.wav"])?.corpus, "emodb");
  assert.equal(detectCorpus(["DC/a01.wav", "DC_d02.wav"])?.corpus, "savee");
  assert.equal(detectCorpus(["hello.wav"]), null);
});

// ---------------------------------------------------------------- scanners

Deno.test("scanCorpus reads a TESS tree with mixed-case folders and labels", async () => {
  const files = [
    "TESS Toronto emotional speech set data/OAF_Fear/OAF_back_fear.wav",
    "TESS Toronto emotional speech set data/OAF_Pleasant_surprise/OAF_back_ps.wav",
    "TESS Toronto emotional speech set data/OAF_Sad/OAF_back_Sad.wav",
    "TESS Toronto emotional speech set data/YAF_pleasant_surprised/YAF_dog_PS.wav",
    "TESS Toronto emotional speech set data/YAF_angry/YAF_dog_angry.wav",
    "TESS Toronto emotional speech set data/YAF_neutral/YAF_take_a_neutral.wav",
  ];
  const root = await makeTree(files, {
    // macOS resource-fork debris that must be ignored, and a non-audio file.
    "TESS Toronto emotional speech set data/OAF_Fear/._OAF_back_fear.wav": new Uint8Array(4),
    "TESS Toronto emotional speech set data/readme.txt": new TextEncoder().encode("hi"),
  });
  try {
    const progress: number[] = [];
    const { table, badFiles, dropped, corpus } = await scanCorpus(root, {
      onProgress: (done, total) => progress.push(done / total),
    });
    assert.equal(corpus, "tess");
    assert.deepEqual(badFiles, []);
    assert.deepEqual(dropped, []);
    assert.deepEqual(table.columns, [...SCAN_COLUMNS]);
    assert.equal(table.height, 6);
    assert.equal(progress.length, 6);
    assert.equal(progress[progress.length - 1], 1);
    const rows = rowsByName(table);
    assert.deepEqual(rows.get("OAF_back_Sad.wav"), {
      path: join(root, files[2]),
      corpus: "tess",
      speaker: "OAF",
      emotion: "sad",
      label: "Sad",
      utterance: "back",
      duration: CLIP_SECONDS,
      sampleRate: SAMPLE_RATE,
    });
    assert.equal(rows.get("YAF_dog_PS.wav")?.emotion, "ps");
    assert.equal(rows.get("OAF_back_ps.wav")?.emotion, "ps");
    assert.equal(rows.get("YAF_take_a_neutral.wav")?.utterance, "take_a");
    assert.deepEqual(columnValues(table, "speaker").sort(), [
      "OAF",
      "OAF",
      "OAF",
      "YAF",
      "YAF",
      "YAF",
    ]);
  } finally {
    await removeTree(root);
  }
});

Deno.test("scanCorpus reads RAVDESS, CREMA-D, SAVEE (flat and nested) and EMO-DB trees", async () => {
  const cases: {
    corpus: string;
    files: string[];
    expect: Record<string, [speaker: string, emotion: string, utterance: string]>;
  }[] = [
    {
      corpus: "ravdess",
      files: [
        "Actor_01/03-01-01-01-01-01-01.wav",
        "Actor_01/03-01-02-02-02-01-01.wav",
        "Actor_24/03-01-08-01-01-02-24.wav",
        "Actor_24/03-01-06-02-02-02-24.wav",
      ],
      expect: {
        "03-01-01-01-01-01-01.wav": ["01", "neutral", "01"],
        "03-01-02-02-02-01-01.wav": ["01", "neutral", "02"],
        "03-01-08-01-01-02-24.wav": ["24", "ps", "01"],
        "03-01-06-02-02-02-24.wav": ["24", "fear", "02"],
      },
    },
    {
      corpus: "cremad",
      files: ["AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1002_IEO_HAP_HI.wav"],
      expect: {
        "1001_DFA_ANG_XX.wav": ["1001", "angry", "DFA"],
        "1002_IEO_HAP_HI.wav": ["1002", "happy", "IEO"],
      },
    },
    {
      corpus: "savee",
      files: ["DC_a01.wav", "JE_sa15.wav", "KL/su02.wav", "KL/n30.wav"],
      expect: {
        "DC_a01.wav": ["DC", "angry", "a01"],
        "JE_sa15.wav": ["JE", "sad", "sa15"],
        "su02.wav": ["KL", "ps", "su02"],
        "n30.wav": ["KL", "neutral", "n30"],
      },
    },
    {
      corpus: "emodb",
      files: ["wav/03a01Fa.wav", "wav/16b10Td.wav", "wav/09a05Wb.wav", "wav/11b02Ec.wav"],
      expect: {
        "03a01Fa.wav": ["03", "happy", "a01"],
        "16b10Td.wav": ["16", "sad", "b10"],
        "09a05Wb.wav": ["09", "angry", "a05"],
        "11b02Ec.wav": ["11", "disgust", "b02"],
      },
    },
  ];
  for (const { corpus, files, expect } of cases) {
    const root = await makeTree(files);
    try {
      const result = await scanCorpus(root, { silent: true });
      assert.equal(result.corpus, corpus);
      assert.deepEqual(result.badFiles, []);
      assert.equal(result.table.height, files.length);
      const rows = rowsByName(result.table);
      for (const [name, [speaker, emotion, utterance]] of Object.entries(expect)) {
        const row = rows.get(name);
        assert.ok(row, `${corpus}: ${name} missing`);
        assert.deepEqual(
          [row.speaker, row.emotion, row.utterance, row.corpus],
          [speaker, emotion, utterance, corpus],
          `${corpus}: ${name}`,
        );
      }
      // Forcing the right scheme gives the same table.
      const forced = await scanCorpus(root, { silent: true, corpus: result.corpus });
      assert.deepEqual(forced.table.toRecords(), result.table.toRecords());
    } finally {
      await removeTree(root);
    }
  }
});

Deno.test("EMO-DB boredom: an error naming the file, or dropped and reported on request", async () => {
  const root = await makeTree(["03a01Fa.wav", "03a01La.wav", "03a02Wa.wav"]);
  try {
    await assert.rejects(
      () => scanCorpus(root, { silent: true }),
      (error: Error) =>
        error instanceof DatasetError && error.message.includes(join(root, "03a01La.wav")),
    );
    const { table, dropped } = await scanCorpus(root, { silent: true, dropUnmapped: true });
    assert.equal(table.height, 2);
    assert.deepEqual(dropped, [{ path: join(root, "03a01La.wav"), label: "L" }]);
    assert.ok(!columnValues(table, "label").includes("L"));
  } finally {
    await removeTree(root);
  }
});

Deno.test("an unknown emotion label stops the scan with an error naming file and label", async () => {
  const root = await makeTree(["OAF_Fear/OAF_back_fear.wav", "OAF_Bored/OAF_back_bored.wav"]);
  try {
    await assert.rejects(
      () => scanCorpus(root, { silent: true, dropUnmapped: true }),
      (error: Error) =>
        error instanceof DatasetError &&
        error.message.includes(join(root, "OAF_Bored/OAF_back_bored.wav")) &&
        error.message.includes('"bored"'),
    );
  } finally {
    await removeTree(root);
  }
});

Deno.test("corrupt files, failing probes and off-scheme names are collected in badFiles", async () => {
  const root = await makeTree(["OAF_Sad/OAF_back_sad.wav", "OAF_Sad/OAF_bar_sad.wav"], {
    "OAF_Sad/OAF_bad_sad.wav": new TextEncoder().encode("this is not a RIFF file at all"),
    "OAF_Sad/OAF_empty_sad.wav": new Uint8Array(0),
    "OAF_Sad/stray.wav": encodeWav(sine(220, 0.1, SAMPLE_RATE, 0.1), SAMPLE_RATE),
  });
  try {
    const { table, badFiles } = await scanCorpus(root, { silent: true });
    assert.deepEqual(columnValues(table, "utterance"), ["back", "bar"]);
    assert.deepEqual(
      badFiles.map((bad) => bad.path),
      ["OAF_bad_sad.wav", "OAF_empty_sad.wav", "stray.wav"].map((n) => join(root, "OAF_Sad", n)),
    );
    assert.match(badFiles[0].problem, /cannot read audio header/);
    // The path is printed beside the problem, so the problem must not repeat it.
    assert.equal(badFiles[1].problem, "cannot read audio header: empty file");
    assert.match(badFiles[2].problem, /does not follow the tess scheme/);

    // An injected probe: its failure is collected too, and its numbers land in the table.
    const probed = await scanCorpus(root, {
      silent: true,
      probe: (path) =>
        path.endsWith("OAF_bar_sad.wav")
          ? Promise.reject(new Error("simulated read failure"))
          : Promise.resolve({ sampleRate: 8000, duration: 1.5 }),
    });
    assert.equal(probed.table.height, 3);
    assert.deepEqual(columnValues(probed.table, "duration"), ["1.5", "1.5", "1.5"]);
    const failure = probed.badFiles.find((bad) => bad.path.endsWith("OAF_bar_sad.wav"));
    assert.match(failure?.problem ?? "", /simulated read failure/);
  } finally {
    await removeTree(root);
  }
});

Deno.test("scanCorpus: missing folder, folder without audio, no known scheme", async () => {
  const missing = join(await Deno.makeTempDir(), "no_such_corpus");
  await assert.rejects(
    () => scanCorpus(missing, { silent: true }),
    (error: Error) =>
      error instanceof DatasetError && error.message.includes(missing) &&
      /not found/.test(error.message),
  );
  const root = await makeTree([], { "notes/readme.txt": new TextEncoder().encode("no audio") });
  try {
    await assert.rejects(
      () => scanCorpus(root, { silent: true }),
      (error: Error) => error.message.includes(root) && /no audio files/.test(error.message),
    );
  } finally {
    await removeTree(root);
  }
  const odd = await makeTree(["hello.wav", "world.wav"]);
  try {
    await assert.rejects(() => scanCorpus(odd, { silent: true }), /no file name follows/);
    await assert.rejects(
      () => scanCorpus(odd, { silent: true, corpus: "ravdess" }),
      /no file name follows the ravdess scheme/,
    );
  } finally {
    await removeTree(odd);
  }
});

// ---------------------------------------------------------------- splits

/** 7 classes with uneven sizes (40..70) and 2 speakers, 10 words per class-speaker pair. */
function syntheticLabels() {
  const labels: string[] = [];
  const speakers: string[] = [];
  const words: string[] = [];
  EMOTIONS.forEach((emotion, c) => {
    for (let i = 0; i < 40 + 5 * c; i++) {
      labels.push(emotion);
      speakers.push(i % 2 ? "OAF" : "YAF");
      words.push(`word${i % 20}`);
    }
  });
  // Interleave so order is not class-sorted.
  const order = shuffled(labels.map((_, i) => i), 99);
  return {
    labels: order.map((i) => labels[i]),
    speakers: order.map((i) => speakers[i]),
    words: order.map((i) => words[i]),
  };
}

function assertPartition(parts: number[][], n: number): void {
  const all = parts.flat().sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), "parts must cover each row once");
  for (const part of parts) {
    assert.deepEqual(part, [...part].sort((a, b) => a - b), "indices must be sorted");
  }
}

Deno.test("stratifiedSplit: sizes, stratification, partition, determinism per seed", () => {
  const { labels } = syntheticLabels();
  const n = labels.length; // 7 * 40 + 5 * 21 = 385
  const split = stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, seed: 42 });
  assertPartition([split.train, split.val, split.test], n);
  assert.equal(split.test.length, Math.round(n * 0.2));
  assert.equal(split.val.length, Math.round(n * 0.1));
  const total = countOf(labels);
  for (const [part, fraction] of [[split.test, 0.2], [split.val, 0.1]] as const) {
    const counts = countOf(part.map((i) => labels[i]));
    for (const [label, size] of total) {
      const got = counts.get(label) ?? 0;
      assert.ok(Math.abs(got - size * fraction) < 1.5, `${label}: ${got} vs ${size * fraction}`);
    }
  }
  assert.deepEqual(stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, seed: 42 }), split);
  assert.notDeepEqual(stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, seed: 7 }), split);
  const noVal = stratifiedSplit(labels, { testSize: 0.25, seed: 1 });
  assert.equal(noVal.val.length, 0);
  assertPartition([noVal.train, noVal.test], n);
  assert.throws(() => stratifiedSplit(labels, { testSize: 0, seed: 1 }), RangeError);
  assert.throws(
    () => stratifiedSplit(labels, { testSize: 0.6, valSize: 0.4, seed: 1 }),
    RangeError,
  );
  assert.throws(() => stratifiedSplit(["a"], { testSize: 0.2, seed: 1 }), RangeError);
});

Deno.test("kFold covers every index exactly once; stratified folds keep class shares", () => {
  const { labels } = syntheticLabels();
  const n = labels.length;
  for (const stratified of [true, false]) {
    const folds = kFold(labels, 5, { seed: 3, stratified });
    assert.equal(folds.length, 5);
    assertPartition(folds.map((fold) => fold.test), n);
    for (const fold of folds) {
      assertPartition([fold.train, fold.test], n);
      assert.ok([Math.floor(n / 5), Math.ceil(n / 5)].includes(fold.test.length));
    }
    assert.deepEqual(kFold(labels, 5, { seed: 3, stratified }), folds);
  }
  const folds = kFold(labels, 5, { seed: 3 });
  for (const [label, size] of countOf(labels)) {
    for (const fold of folds) {
      const got = fold.test.filter((i) => labels[i] === label).length;
      assert.ok(got === Math.floor(size / 5) || got === Math.ceil(size / 5), `${label}: ${got}`);
    }
  }
  assert.notDeepEqual(kFold(labels, 5, { seed: 4 }), folds);
  assert.throws(() => kFold(labels, 1, { seed: 1 }), RangeError);
  assert.throws(() => kFold(["a", "b"], 3, { seed: 1 }), RangeError);
});

Deno.test("leaveOneGroupOut: each speaker is the test set once, never on both sides", () => {
  const { speakers } = syntheticLabels();
  const folds = leaveOneGroupOut(speakers);
  assert.deepEqual(folds.map((fold) => fold.group), ["OAF", "YAF"]);
  for (const fold of folds) {
    assertPartition([fold.train, fold.test], speakers.length);
    assert.ok(fold.test.every((i) => speakers[i] === fold.group));
    assert.ok(fold.train.every((i) => speakers[i] !== fold.group));
  }
  assertPartition(folds.map((fold) => fold.test), speakers.length);
  assert.throws(() => leaveOneGroupOut(["OAF", "OAF"]), RangeError);
});

Deno.test("groupSplit: no word on both sides, group counts, determinism", () => {
  const { words } = syntheticLabels();
  const split = groupSplit(words, { testSize: 0.2, valSize: 0.1, seed: 42 });
  assertPartition([split.train, split.val, split.test], words.length);
  assert.equal(split.testGroups.length, 4); // 20 words
  assert.equal(split.valGroups.length, 2);
  assert.equal(split.trainGroups.length, 14);
  const sideOf = new Map<string, string>();
  for (const side of ["train", "val", "test"] as const) {
    for (const row of split[side]) {
      const word = words[row];
      assert.equal(sideOf.get(word) ?? side, side, `${word} is in ${sideOf.get(word)} and ${side}`);
      sideOf.set(word, side);
    }
  }
  assert.deepEqual([...new Set(split.test.map((i) => words[i]))].sort(), split.testGroups);
  assert.deepEqual(groupSplit(words, { testSize: 0.2, valSize: 0.1, seed: 42 }), split);
  assert.notDeepEqual(groupSplit(words, { testSize: 0.2, seed: 5 }).testGroups, split.testGroups);
  assert.throws(() => groupSplit(["a"], { testSize: 0.5, seed: 1 }), RangeError);
});

// ---------------------------------------------------------------- summary

Deno.test("datasetSummary and takeRows on a scanned tree", async () => {
  const root = await makeTree([
    "OAF_angry/OAF_back_angry.wav",
    "OAF_angry/OAF_bar_angry.wav",
    "YAF_sad/YAF_back_sad.wav",
  ]);
  try {
    const { table } = await scanCorpus(root, { silent: true });
    const summary = datasetSummary(table);
    const byEmotion = summary.byEmotion.toRecords();
    assert.deepEqual(byEmotion.map((row) => row.emotion), [...EMOTIONS]);
    assert.deepEqual(byEmotion.map((row) => row.count), [2, 0, 0, 0, 0, 0, 1]);
    assert.equal(byEmotion[5].displayName, "Pleasant surprise");
    assert.deepEqual(summary.bySpeaker.toRecords(), [
      { corpus: "tess", speaker: "OAF", count: 2, seconds: 2 * CLIP_SECONDS },
      { corpus: "tess", speaker: "YAF", count: 1, seconds: CLIP_SECONDS },
    ]);
    assert.deepEqual(summary.byCorpus.toRecords(), [
      { corpus: "tess", count: 3, speakers: 2, seconds: 3 * CLIP_SECONDS },
    ]);
    assert.equal(summary.bySpeakerEmotion.height, 2);
    const duration = summary.duration.toRecords()[0];
    assert.equal(duration.clips, 3);
    assert.equal(duration.meanSeconds, CLIP_SECONDS);
    assert.equal(duration.stdSeconds, 0);
    const picked = takeRows(table, [2, 0]);
    assert.deepEqual(columnValues(picked, "utterance"), ["back", "back"]);
    assert.deepEqual(columnValues(picked, "speaker"), ["YAF", "OAF"]);
    assert.throws(() => takeRows(table, [3]), RangeError);
    assert.throws(() => columnValues(table, "nope"), DatasetError);
  } finally {
    await removeTree(root);
  }
});

// ---------------------------------------------------------------- real data

Deno.test({
  name: "real TESS: the full FLAC folder (2800 clips) and the WAV sample (140 clips)",
  ignore: !hasSharedData,
  fn: async () => {
    const full = await scanCorpus(TESS_ROOT, { silent: true });
    assert.equal(full.corpus, "tess");
    assert.deepEqual(full.badFiles, []);
    assert.equal(full.table.height, 2800);
    const emotionCounts = countOf(columnValues(full.table, "emotion"));
    assert.deepEqual([...emotionCounts.keys()].sort(), [...EMOTIONS]);
    for (const emotion of EMOTIONS) assert.equal(emotionCounts.get(emotion), 400, emotion);
    assert.deepEqual([...countOf(columnValues(full.table, "speaker")).entries()].sort(), [
      ["OAF", 1400],
      ["YAF", 1400],
    ]);
    const words = countOf(columnValues(full.table, "utterance"));
    assert.equal(words.size, 200);
    assert.ok([...words.values()].every((count) => count === 14));
    assert.ok(columnValues(full.table, "sampleRate").every((rate) => rate === "24414"));
    const summary = datasetSummary(full.table).duration.toRecords()[0];
    assert.ok(
      (summary.totalSeconds as number) > 1.4 * 3600 &&
        (summary.totalSeconds as number) < 1.8 * 3600,
      `total ${summary.totalSeconds} s should be about 1.6 h`,
    );
    // Speaker-independent and word-independent protocols on the real table.
    const folds = leaveOneGroupOut(columnValues(full.table, "speaker"));
    assert.deepEqual(folds.map((fold) => fold.test.length), [1400, 1400]);
    const byWord = groupSplit(columnValues(full.table, "utterance"), { testSize: 0.2, seed: 42 });
    assert.equal(byWord.test.length, 40 * 14);

    const sample = await scanCorpus(TESS_WAV_ROOT, { silent: true });
    assert.deepEqual(sample.badFiles, []);
    assert.equal(sample.table.height, 140);
    const sampleCounts = countOf(columnValues(sample.table, "emotion"));
    for (const emotion of EMOTIONS) assert.equal(sampleCounts.get(emotion), 20, emotion);
    assert.equal(countOf(columnValues(sample.table, "utterance")).size, 10);
  },
});
