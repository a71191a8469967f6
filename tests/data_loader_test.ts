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
  formatScanSummary,
  groupSplit,
  kFold,
  LABEL_POLICIES,
  type LabelPolicy,
  leaveOneGroupOut,
  mapCorpusLabel,
  parseCorpusPath,
  SCAN_COLUMNS,
  scanClasses,
  scanCorpora,
  scanCorpus,
  speakerId,
  stratifiedSplit,
  takeRows,
} from "../lib/data_loader/mod.ts";
import { mulberry32, shuffled } from "../lib/util/random.ts";
import { haveShared, SHARED_DIR } from "./shared_data.ts";

const SAMPLE_RATE = 16000;
const CLIP_SECONDS = 0.25;
const TESS_ROOT = `${SHARED_DIR}/data/TESS/TESS Toronto emotional speech set data`;
const TESS_WAV_ROOT = `${SHARED_DIR}/data/TESS-wav-sample/TESS Toronto emotional speech set data`;
const RAVDESS_ROOT = `${SHARED_DIR}/data/RAVDESS-22k`;
const hasSharedData = haveShared("data_loader_test: real TESS scan", TESS_ROOT, TESS_WAV_ROOT);
const hasRavdess = haveShared(
  "data_loader_test: TESS + RAVDESS scan",
  TESS_ROOT,
  TESS_WAV_ROOT,
  RAVDESS_ROOT,
);

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

Deno.test("every corpus label maps into the vocabulary as documented, under each policy", () => {
  const expectations: [Parameters<typeof mapCorpusLabel>[0], string, string][] = [
    ["tess", "Fear", "fear"],
    ["tess", "PS", "ps"],
    ["ravdess", "01", "neutral"],
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
    for (const policy of LABEL_POLICIES) {
      assert.deepEqual(
        mapCorpusLabel(corpus, label, "x.wav", policy),
        { emotion, own: emotion, action: "mapped" },
        `${corpus} ${label} ${policy}`,
      );
    }
  }
  for (const table of Object.values(CORPUS_LABELS)) {
    for (const own of Object.values(table)) {
      assert.ok(
        (EMOTIONS as readonly string[]).includes(own) || own === "calm" || own === "boredom",
      );
    }
  }
  // Calm and boredom: merged / dropped by default, both dropped or both kept on request.
  assert.deepEqual(mapCorpusLabel("ravdess", "02", "x.wav"), {
    emotion: "neutral",
    own: "calm",
    action: "merged",
  });
  assert.deepEqual(mapCorpusLabel("emodb", "L", "x.wav"), {
    emotion: null,
    own: "boredom",
    action: "dropped",
  });
  assert.equal(mapCorpusLabel("ravdess", "02", "x.wav", "drop").emotion, null);
  assert.equal(mapCorpusLabel("emodb", "L", "x.wav", "drop").action, "dropped");
  assert.deepEqual(mapCorpusLabel("ravdess", "02", "x.wav", "keep"), {
    emotion: "calm",
    own: "calm",
    action: "kept",
  });
  assert.equal(mapCorpusLabel("emodb", "L", "x.wav", "keep").emotion, "boredom");
  // A label the corpus does not define is an error naming file and label, under any policy.
  assert.throws(
    () => mapCorpusLabel("cremad", "XYZ", "/d/1001_DFA_XYZ_XX.wav", "keep"),
    (error: Error) =>
      error instanceof DatasetError && error.message.includes("/d/1001_DFA_XYZ_XX.wav") &&
      error.message.includes('"XYZ"'),
  );
  assert.throws(
    () => mapCorpusLabel("tess", "sad", "x.wav", "squash" as LabelPolicy),
    /unknown label policy "squash"/,
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
  // Detection needs 80 % of the names (with a label the corpus defines) to fit one scheme.
  const emodb = ["03a01Fa.wav", "03a01Wa.wav", "03a02Wa.wav", "03a04Ta.wav"];
  assert.deepEqual(detectCorpus([...emodb, "readme.wav"]), {
    corpus: "emodb",
    matched: 4,
    fraction: 0.8,
  });
  assert.equal(detectCorpus([...emodb, "readme.wav", "notes.wav"]), null, "4 of 6 is too few");
  assert.equal(detectCorpus([...emodb, "readme.wav", "notes.wav"], 0.5)?.corpus, "emodb");
  assert.equal(detectCorpus(["DC/a01.wav", "DC_d02.wav"])?.corpus, "savee");
  assert.equal(detectCorpus(["hello.wav"]), null);
  // Names that parse as TESS but carry no TESS label do not count.
  assert.equal(detectCorpus(["my_voice_note.wav", "OAF_back_fear.wav"], 0.5)?.matched, 1);
  assert.equal(detectCorpus(["my_voice_note.wav", "a_b_c.wav"], 0.1), null);
  assert.equal(speakerId("ravdess", "01"), "ravdess:01");
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
      speaker: "tess:OAF",
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
      "tess:OAF",
      "tess:OAF",
      "tess:OAF",
      "tess:YAF",
      "tess:YAF",
      "tess:YAF",
    ]);
  } finally {
    await removeTree(root);
  }
});

Deno.test("scanCorpus follows symbolic links to files and folders, each folder once", async () => {
  const files = [
    "store/OAF_Fear/OAF_back_fear.wav",
    "store/YAF_angry/YAF_dog_angry.wav",
  ];
  const root = await makeTree(files);
  try {
    const corpus = join(root, "corpus");
    await Deno.mkdir(join(corpus, "OAF_Fear"), { recursive: true });
    // A link to a file, a link to a folder, a link back up the tree and a dangling link.
    await Deno.symlink(join(root, files[0]), join(corpus, "OAF_Fear", "OAF_back_fear.wav"));
    await Deno.symlink(join(root, "store", "YAF_angry"), join(corpus, "YAF_angry"));
    await Deno.symlink(corpus, join(corpus, "OAF_Fear", "loop"));
    await Deno.symlink(join(root, "missing.wav"), join(corpus, "OAF_Fear", "OAF_gone_fear.wav"));
    const { table } = await scanCorpus(corpus);
    assert.deepEqual(columnValues(table, "path").map((p) => p.slice(corpus.length + 1)).sort(), [
      "OAF_Fear/OAF_back_fear.wav",
      "YAF_angry/YAF_dog_angry.wav",
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
          [`${corpus}:${speaker}`, emotion, utterance, corpus],
          `${corpus}: ${name}`,
        );
      }
      // Forcing the right scheme gives the same table.
      const forced = await scanCorpus(root, { silent: true, corpus: result.corpora[0] });
      assert.deepEqual(forced.table.toRecords(), result.table.toRecords());
    } finally {
      await removeTree(root);
    }
  }
});

Deno.test("EMO-DB boredom: dropped and reported by default, kept as its own class on request", async () => {
  const root = await makeTree(["03a01Fa.wav", "03a01La.wav", "03a02Wa.wav", "03a02La.wav"]);
  try {
    const { table, dropped, labels, classes } = await scanCorpus(root, { silent: true });
    assert.equal(table.height, 2);
    assert.deepEqual(dropped, [
      { path: join(root, "03a01La.wav"), corpus: "emodb", label: "L", own: "boredom" },
      { path: join(root, "03a02La.wav"), corpus: "emodb", label: "L", own: "boredom" },
    ]);
    assert.ok(!columnValues(table, "label").includes("L"));
    assert.deepEqual(classes, ["angry", "happy"]);
    assert.equal(labels.policy, "merge");
    assert.deepEqual([labels.clips, labels.merged, labels.dropped, labels.kept], [2, 0, 2, 0]);
    assert.equal(labels.changes.length, 1);
    assert.deepEqual({ ...labels.changes[0], reason: "" }, {
      corpus: "emodb",
      label: "L",
      own: "boredom",
      action: "dropped",
      into: null,
      clips: 2,
      reason: "",
    });
    assert.match(labels.changes[0].reason, /boredom.*no counterpart/);

    const kept = await scanCorpus(root, { silent: true, labelPolicy: "keep" });
    assert.equal(kept.table.height, 4);
    assert.deepEqual(kept.dropped, []);
    assert.deepEqual(kept.classes, ["angry", "boredom", "happy"]);
    assert.deepEqual(scanClasses(kept.table), kept.classes);
    assert.deepEqual([kept.labels.kept, kept.labels.dropped], [2, 0]);
    assert.equal(kept.labels.changes[0].action, "kept");
    assert.equal(kept.labels.changes[0].into, "boredom");
    // The summary lists the extra class after the 7 emotions' alphabetical neighbours.
    const byEmotion = datasetSummary(kept.table).byEmotion.toRecords();
    assert.deepEqual(byEmotion.map((row) => row.emotion), [
      "angry",
      "boredom",
      "disgust",
      "fear",
      "happy",
      "neutral",
      "ps",
      "sad",
    ]);
    assert.equal(byEmotion[1].count, 2);
    assert.equal(byEmotion[1].displayName, "Boredom");
    await assert.rejects(
      () => scanCorpus(root, { silent: true, labelPolicy: "bogus" as LabelPolicy }),
      /unknown label policy "bogus"/,
    );
  } finally {
    await removeTree(root);
  }
});

Deno.test("an unknown emotion label is listed as unusable; strict mode makes it an error", async () => {
  const root = await makeTree([
    "OAF_Fear/OAF_back_fear.wav",
    "OAF_Fear/OAF_bar_fear.wav",
    "OAF_Fear/OAF_base_fear.wav",
    "OAF_Fear/OAF_bath_fear.wav",
    "OAF_Bored/OAF_back_bored.wav",
  ]);
  const boredPath = join(root, "OAF_Bored/OAF_back_bored.wav");
  try {
    const { table, badFiles, labels } = await scanCorpus(root, { silent: true });
    assert.equal(table.height, 4);
    assert.equal(badFiles.length, 1);
    assert.equal(badFiles[0].path, boredPath);
    assert.equal(badFiles[0].reason, "label");
    assert.match(badFiles[0].problem, /unknown tess emotion label "bored"/);
    assert.deepEqual(labels.unusableByReason, { name: 0, label: 1, audio: 0 });
    await assert.rejects(
      () => scanCorpus(root, { silent: true, strict: true }),
      (error: Error) =>
        error instanceof DatasetError && error.message.includes(boredPath) &&
        error.message.includes('"bored"') && error.message.includes("strict"),
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
    assert.deepEqual(badFiles.map((bad) => bad.reason), ["audio", "audio", "name"]);
    // Strict: the first unusable file stops the scan (names are checked before headers).
    await assert.rejects(
      () => scanCorpus(root, { silent: true, strict: true }),
      /stray\.wav: name does not follow the tess scheme .*\(strict scan\)/,
    );
    await assert.rejects(
      () => scanCorpus(root, { silent: true, strict: true, corpus: "unlabelled" }),
      /OAF_bad_sad\.wav: cannot read audio header/,
    );

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
    await assert.rejects(
      () => scanCorpus(odd, { silent: true }),
      (error: Error) =>
        error instanceof DatasetError && error.message.includes(odd) &&
        /no known corpus scheme fits/.test(error.message) && /"unlabelled"/.test(error.message),
    );
    await assert.rejects(
      () => scanCorpus(odd, { silent: true, corpus: "ravdess" }),
      /no file name follows the ravdess scheme/,
    );
  } finally {
    await removeTree(odd);
  }
});

// ---------------------------------------------------------------- several corpora

/** Tiny fake corpora with real file-name schemes; RAVDESS actor 03 and EMO-DB speaker 03 differ. */
const FAKE_CORPORA: Record<string, string[]> = {
  tess: [
    "TESS/OAF_angry/OAF_back_angry.wav",
    "TESS/OAF_neutral/OAF_back_neutral.wav",
    "TESS/YAF_sad/YAF_dog_sad.wav",
    "TESS/YAF_pleasant_surprised/YAF_dog_ps.wav",
  ],
  ravdess: [
    "Actor_01/03-01-01-01-01-01-01.wav", // neutral
    "Actor_01/03-01-02-01-01-01-01.wav", // calm
    "Actor_03/03-01-02-02-02-01-03.wav", // calm
    "Actor_03/03-01-05-01-01-01-03.wav", // angry
  ],
  cremad: ["AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1001_IEO_NEU_XX.wav", "1003_DFA_SAD_LO.wav"],
  savee: ["DC_a01.wav", "DC_n01.wav", "KL/su01.wav"],
  emodb: ["wav/03a01Fa.wav", "wav/03a01La.wav", "wav/03b01Wa.wav"], // happy, boredom, angry
};

async function withFakeCorpora(fn: (dirs: string[]) => Promise<void>): Promise<void> {
  const dirs: string[] = [];
  try {
    for (const files of Object.values(FAKE_CORPORA)) dirs.push(await makeTree(files));
    await fn(dirs);
  } finally {
    for (const dir of dirs) await removeTree(dir);
  }
}

Deno.test("scanCorpora: five corpora in one table, qualified speakers, label-policy counts", async () => {
  await withFakeCorpora(async (dirs) => {
    const scan = await scanCorpora(dirs, { silent: true });
    assert.equal(scan.corpus, "tess+ravdess+cremad+savee+emodb");
    assert.deepEqual(scan.corpora, ["tess", "ravdess", "cremad", "savee", "emodb"]);
    assert.deepEqual(scan.badFiles, []);
    assert.deepEqual(scan.table.columns, [...SCAN_COLUMNS]);
    // 17 files, EMO-DB boredom dropped, the two RAVDESS calm clips merged into neutral.
    assert.equal(scan.table.height, 16);
    assert.deepEqual(scan.folders.map((f) => [f.corpus, f.files, f.rows, f.matchFraction]), [
      ["tess", 4, 4, 1],
      ["ravdess", 4, 4, 1],
      ["cremad", 3, 3, 1],
      ["savee", 3, 3, 1],
      ["emodb", 3, 2, 1],
    ]);
    assert.deepEqual(scan.folders.map((f) => f.dir), dirs);
    const paths = columnValues(scan.table, "path");
    assert.deepEqual(paths, [...paths].sort(), "rows sorted by path over all folders");
    assert.deepEqual([...new Set(columnValues(scan.table, "speaker"))].sort(), [
      "cremad:1001",
      "cremad:1003",
      "emodb:03",
      "ravdess:01",
      "ravdess:03",
      "savee:DC",
      "savee:KL",
      "tess:OAF",
      "tess:YAF",
    ]);
    // Speaker-independent folds keep RAVDESS actor 03 and EMO-DB speaker 03 apart.
    assert.equal(leaveOneGroupOut(columnValues(scan.table, "speaker")).length, 9);
    assert.deepEqual(scan.classes, ["angry", "happy", "neutral", "ps", "sad"]);
    assert.deepEqual(scanClasses(scan.table), scan.classes);
    const emotions = countOf(columnValues(scan.table, "emotion"));
    assert.deepEqual(Object.fromEntries(emotions), {
      angry: 5,
      neutral: 6,
      sad: 2,
      ps: 2,
      happy: 1,
    });
    const { labels } = scan;
    assert.deepEqual([labels.policy, labels.clips, labels.merged, labels.dropped, labels.kept], [
      "merge",
      16,
      2,
      1,
      0,
    ]);
    assert.deepEqual(
      labels.changes.map((c) => [c.corpus, c.label, c.own, c.action, c.into, c.clips]),
      [["emodb", "L", "boredom", "dropped", null, 1], [
        "ravdess",
        "02",
        "calm",
        "merged",
        "neutral",
        2,
      ]],
    );
    const calmRows = (scan.table.toRecords() as Record<string, unknown>[])
      .filter((row) => row.label === "02");
    assert.deepEqual(calmRows.map((row) => row.emotion), ["neutral", "neutral"]);
    const text = formatScanSummary(scan);
    assert.match(text, /16 clips, 9 speakers, 5 classes: angry, happy, neutral, ps, sad/);
    assert.match(text, /label policy "merge": 2 merged, 1 dropped, 0 kept/);
    assert.match(text, /2 merged into neutral: ravdess "02" \(calm\)/);
    assert.match(text, /0 unusable file/);

    // "keep": calm and boredom become classes of their own; the class list grows to 7.
    const kept = await scanCorpora(dirs, { silent: true, labelPolicy: "keep" });
    assert.equal(kept.table.height, 17);
    assert.deepEqual(kept.classes, ["angry", "boredom", "calm", "happy", "neutral", "ps", "sad"]);
    assert.deepEqual([kept.labels.merged, kept.labels.dropped, kept.labels.kept], [0, 0, 3]);
    assert.equal(countOf(columnValues(kept.table, "emotion")).get("calm"), 2);

    // "drop": only labels with an exact counterpart remain.
    const strictVocabulary = await scanCorpora(dirs, { silent: true, labelPolicy: "drop" });
    assert.equal(strictVocabulary.table.height, 14);
    assert.deepEqual(strictVocabulary.dropped.map((d) => d.own).sort(), [
      "boredom",
      "calm",
      "calm",
    ]);
    assert.deepEqual(
      strictVocabulary.labels.changes.map((c) => [c.own, c.action, c.clips]),
      [["boredom", "dropped", 1], ["calm", "dropped", 2]],
    );

    // The same folder twice (or one inside another) would count clips twice: an error.
    await assert.rejects(
      () => scanCorpora([dirs[0], dirs[0]], { silent: true }),
      /reached through two data folders/,
    );
    await assert.rejects(
      () => scanCorpora([dirs[0], join(dirs[0], "TESS")], { silent: true }),
      /reached through two data folders/,
    );
    await assert.rejects(() => scanCorpora([], { silent: true }), /no data folder given/);
  });
});

Deno.test("lenient detection: a plain folder is not TESS, a stray name does not abort", async () => {
  const plainNames = ["my_voice_note.wav", "meeting.wav", "take2.wav", "Recording 01.flac"];
  const plain = await makeTree(plainNames.slice(0, 3), {
    "Recording 01.flac": new Uint8Array(8), // unreadable: fine for "unlabelled" listing below
  });
  const tess = await makeTree([
    "OAF_back_fear.wav",
    "OAF_bar_fear.wav",
    "OAF_base_fear.wav",
    "OAF_bath_fear.wav",
    "my_voice_note.wav",
  ]);
  try {
    // One TESS-looking name among four is not a TESS folder: a clear error, naming the folder.
    await assert.rejects(
      () => scanCorpus(plain, { silent: true }),
      (error: Error) =>
        error instanceof DatasetError && error.message.includes(plain) &&
        /no known corpus scheme fits this folder/.test(error.message) &&
        /"unlabelled"/.test(error.message),
    );
    // Explicitly unlabelled: every audio file is a row without speaker, emotion or label.
    const unlabelled = await scanCorpus(plain, { silent: true, corpus: "unlabelled" });
    assert.equal(unlabelled.corpus, "unlabelled");
    assert.equal(unlabelled.table.height, 3);
    assert.deepEqual(unlabelled.badFiles.map((b) => [b.path, b.reason]), [
      [join(plain, "Recording 01.flac"), "audio"],
    ]);
    const rows = unlabelled.table.toRecords() as Record<string, unknown>[];
    assert.deepEqual(rows.map((row) => row.utterance), ["meeting", "my_voice_note", "take2"]);
    assert.ok(
      rows.every((r) => r.corpus === "unlabelled" && r.emotion === null && r.speaker === null),
    );
    assert.deepEqual(unlabelled.classes, []);
    assert.deepEqual(scanClasses(unlabelled.table), []);

    // In a real TESS folder the stray name is listed as unusable and the scan goes on.
    const scan = await scanCorpus(tess, { silent: true });
    assert.equal(scan.corpus, "tess");
    assert.equal(scan.folders[0].matchFraction, 0.8);
    assert.equal(scan.table.height, 4);
    assert.deepEqual(scan.badFiles.map((b) => [b.path, b.reason]), [
      [join(tess, "my_voice_note.wav"), "label"],
    ]);
    assert.match(scan.badFiles[0].problem, /unknown tess emotion label "note"/);
    await assert.rejects(() => scanCorpus(tess, { silent: true, strict: true }), /my_voice_note/);
    // A stricter detection threshold rejects the folder.
    await assert.rejects(
      () => scanCorpus(tess, { silent: true, minMatchFraction: 0.9 }),
      /tess 4 \(80 %\)/,
    );

    // Several folders: a plain one fails auto-detection, but can be listed as unlabelled.
    await assert.rejects(() => scanCorpora([tess, plain], { silent: true }), /no known corpus/);
    const mixed = await scanCorpora([tess, { dir: plain, corpus: "unlabelled" }], {
      silent: true,
    });
    assert.equal(mixed.corpus, "tess+unlabelled");
    assert.equal(mixed.table.height, 7);
    assert.deepEqual(mixed.classes, ["fear"]);
    assert.deepEqual(mixed.badFiles.map((b) => b.reason).sort(), ["audio", "label"]);
  } finally {
    await removeTree(plain);
    await removeTree(tess);
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
      { corpus: "tess", speaker: "tess:OAF", count: 2, seconds: 2 * CLIP_SECONDS },
      { corpus: "tess", speaker: "tess:YAF", count: 1, seconds: CLIP_SECONDS },
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
    assert.deepEqual(columnValues(picked, "speaker"), ["tess:YAF", "tess:OAF"]);
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
      ["tess:OAF", 1400],
      ["tess:YAF", 1400],
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

Deno.test({
  name: "real TESS + RAVDESS-22k in one scan: 4240 clips, 26 qualified speakers, calm merged",
  ignore: !hasRavdess,
  fn: async () => {
    const scan = await scanCorpora([`${SHARED_DIR}/data/TESS`, RAVDESS_ROOT], { silent: true });
    assert.equal(scan.corpus, "tess+ravdess");
    assert.deepEqual(scan.badFiles, []);
    assert.deepEqual(scan.folders.map((f) => [f.corpus, f.files, f.rows]), [
      ["tess", 2800, 2800],
      ["ravdess", 1440, 1440],
    ]);
    assert.equal(scan.table.height, 2800 + 1440);
    const speakers = countOf(columnValues(scan.table, "speaker"));
    assert.equal(speakers.size, 2 + 24);
    assert.equal(speakers.get("tess:OAF"), 1400);
    assert.equal(speakers.get("ravdess:01"), 60);
    assert.deepEqual(scan.classes, [...EMOTIONS]);
    // RAVDESS: 24 actors x 2 intensities x 2 statements x 2 repetitions = 192 calm clips.
    assert.deepEqual([scan.labels.merged, scan.labels.dropped, scan.labels.kept], [192, 0, 0]);
    const emotions = countOf(columnValues(scan.table, "emotion"));
    // TESS 400 per class; RAVDESS 192 per class except neutral (96 + 192 calm).
    assert.equal(emotions.get("neutral"), 400 + 96 + 192);
    assert.equal(emotions.get("angry"), 400 + 192);
    const byCorpus = datasetSummary(scan.table).byCorpus.toRecords();
    assert.deepEqual(byCorpus.map((row) => [row.corpus, row.count, row.speakers]), [
      ["ravdess", 1440, 24],
      ["tess", 2800, 2],
    ]);
  },
});

// ---------------------------------------------------------- pipeline scan step

Deno.test("pipeline scanDataset/loadDataset: several folders under the config's label policy", async () => {
  // Imported here: the pipeline steps pull in the model and chart code the rest does not need.
  const { loadDataset, scanDataset } = await import("../lib/pipeline/steps.ts");
  const { loadConfig } = await import("../config.ts");
  await withFakeCorpora(async (dirs) => {
    const outputsDir = await Deno.makeTempDir({ prefix: "ser_pipeline_scan_" });
    try {
      const config = loadConfig({ dataDir: [dirs[1], dirs[4]], outputsDir }, { env: {} });
      const dataset = await scanDataset(config, { silent: true });
      assert.deepEqual(dataset.source, {
        dir: `${dirs[1]},${dirs[4]}`,
        dirs: [dirs[1], dirs[4]],
        demo: false,
      });
      assert.equal(dataset.corpus, "ravdess+emodb");
      assert.equal(dataset.table.height, 4 + 2);
      assert.deepEqual(dataset.classes, ["angry", "happy", "neutral"]);
      assert.deepEqual([dataset.labels.merged, dataset.labels.dropped], [2, 1]);
      // The saved dataset is reused as long as folders and policy match the config ...
      const again = await loadDataset(config);
      assert.deepEqual(again.table.toRecords(), dataset.table.toRecords());
      assert.deepEqual(again.labels, dataset.labels);
      assert.deepEqual(again.classes, dataset.classes);
      // ... and rescanned when the policy changes.
      const kept = await loadDataset({ ...config, labelPolicy: "keep" });
      assert.equal(kept.table.height, 7);
      assert.deepEqual(kept.classes, ["angry", "boredom", "calm", "happy", "neutral"]);
      const info = JSON.parse(await Deno.readTextFile(`${outputsDir}/dataset.json`));
      assert.equal(info.labels.policy, "keep");
      assert.equal(info.clips, 7);
      await assert.rejects(
        () =>
          scanDataset({ ...config, dataDir: `${dirs[0]},${dirs[0]}/missing` }, { silent: true }),
        /missing: corpus folder not found/,
      );
    } finally {
      await removeTree(outputsDir);
    }
  });
});
