/**
 * A project can be moved or copied (issue 11 item 8): `outputs/dataset.csv`, `dataset.json`,
 * `split.json` and the features file store the paths of clips inside the project folder
 * relative to it; a copy loads with its own paths, and a clip gone missing is an error that
 * says which notebook to rerun.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { encodeWav } from "../lib/audio/wav.ts";
import { sine } from "../lib/audio/synth.ts";
import { loadFeatureSet } from "../lib/features/feature_set.ts";
import {
  extractDatasetFeatures,
  loadDataset,
  loadDatasetFeatures,
  loadSplit,
  saveSplit,
  scanDataset,
} from "../lib/pipeline/steps.ts";

const RATE = 16000;
const EMOTIONS = ["angry", "happy", "sad", "neutral"];
const WORDS = ["back", "bar", "base"];

/** A little TESS-named corpus in `<project>/data/TESS`. */
async function makeProject(root: string): Promise<void> {
  const corpus = join(root, "data", "TESS");
  await Deno.mkdir(corpus, { recursive: true });
  for (const [e, emotion] of EMOTIONS.entries()) {
    for (const [w, word] of WORDS.entries()) {
      const tone = sine(200 + 50 * e + 10 * w, 0.5, RATE, 0.3);
      await Deno.writeFile(join(corpus, `OAF_${word}_${emotion}.wav`), encodeWav(tone, RATE));
    }
  }
}

function configFor(root: string) {
  return loadConfig({
    dataDir: join(root, "data", "TESS"),
    outputsDir: join(root, "outputs"),
    cacheDir: join(root, "cache"),
    modelsDir: join(root, "models"),
    logsDir: join(root, "logs"),
    duration: 0.5,
    nMels: 40,
    nMfcc: 13,
    nFft: 512,
    hopLength: 256,
    features: ["mfcc", "zcr"],
  });
}

Deno.test("a copied project loads its dataset, features and split from its own folder", async () => {
  const base = await Deno.makeTempDir({ prefix: "ser_portable_" });
  try {
    const first = join(base, "first");
    await makeProject(first);
    const config = configFor(first);
    const dataset = await scanDataset(config, { silent: true });
    assert.equal(dataset.table.height, 12);
    const features = await extractDatasetFeatures(config, dataset.table, { progress: false });
    assert.equal(features.failures.length, 0);
    await saveSplit(config, {
      train: [0, 1, 2, 3, 4, 5, 6, 7],
      val: [8, 9],
      test: [10, 11],
      paths: features.paths,
      seed: 1,
    });

    // What is stored: paths relative to the project folder, none naming the first folder.
    const csv = await Deno.readTextFile(join(first, "outputs", "dataset.csv"));
    assert.match(csv, /\ndata\/TESS\/OAF_back_angry\.wav,/);
    for (const file of ["dataset.csv", "dataset.json", "split.json"]) {
      const text = await Deno.readTextFile(join(first, "outputs", file));
      assert.ok(!text.includes(first), `${file} holds the absolute project path`);
    }
    const header = await Deno.readFile(join(first, "outputs", "features", "dataset.features"));
    assert.ok(!new TextDecoder().decode(header.subarray(0, 4000)).includes(first));

    // Copy the project elsewhere and remove the original.
    const second = join(base, "moved", "second");
    await Deno.mkdir(join(base, "moved"));
    const copy = new Deno.Command("cp", { args: ["-r", first, second] });
    assert.equal((await copy.output()).code, 0);
    await Deno.remove(first, { recursive: true });

    const moved = configFor(second);
    const again = await loadDataset(moved);
    const paths = (again.table.getColumn("path").toArray() as unknown[]).map(String);
    assert.equal(paths.length, 12);
    assert.ok(paths.every((p) => p.startsWith(join(second, "data", "TESS") + "/")), paths[0]);
    assert.equal(again.source.dirs[0], join(second, "data", "TESS"));
    assert.equal(again.folders[0].dir, join(second, "data", "TESS"));
    const movedFeatures = await loadDatasetFeatures(moved);
    assert.deepEqual([...movedFeatures.paths].sort(), [...paths].sort());
    assert.deepEqual(movedFeatures.data, features.data);
    const split = await loadSplit(moved, movedFeatures);
    assert.deepEqual(split.test, [10, 11]);
    assert.deepEqual(split.paths, movedFeatures.paths);

    // A clip gone: both files say which notebook to rerun.
    await Deno.remove(join(second, "data", "TESS", "OAF_bar_sad.wav"));
    await assert.rejects(
      loadDataset(moved),
      /dataset\.csv: 1 of 12 clips it lists are not found \(first: .*OAF_bar_sad\.wav\).*rerun notebooks\/01_data_exploration\.ipynb/,
    );
    await assert.rejects(
      loadDatasetFeatures(moved),
      /dataset\.features: 1 of 12 clips .*rerun notebooks\/02_feature_extraction\.ipynb/,
    );
    await Deno.remove(join(second, "outputs", "features", "dataset.features"));
    await assert.rejects(
      loadDatasetFeatures(moved),
      /feature file not found: run notebooks\/02_feature_extraction\.ipynb/,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("feature files: paths outside baseDir stay absolute; files without pathBase load as before", async () => {
  const base = await Deno.makeTempDir({ prefix: "ser_featpaths_" });
  try {
    const { saveFeatureSet } = await import("../lib/features/feature_set.ts");
    const set = {
      paths: [join(base, "project", "data", "a.wav"), "/elsewhere/b.wav"],
      frames: 1,
      width: 1,
      data: new Float32Array([1, 2]),
      columns: ["zcr"],
      originalSampleRates: [16000, 16000],
      originalDurations: [1, 1],
      settings: {
        sampleRate: 16000,
        duration: 1,
        nFft: 512,
        hopLength: 256,
        nMfcc: 13,
        nMels: 40,
        features: ["zcr" as const],
      },
      failures: [],
    };
    const file = join(base, "project", "outputs", "features", "x.features");
    await saveFeatureSet(set, file, { baseDir: join(base, "project") });
    const text = new TextDecoder().decode(await Deno.readFile(file));
    assert.ok(text.includes('"data/a.wav"') && text.includes('"/elsewhere/b.wav"'));
    assert.ok(text.includes('"pathBase":"../.."'));
    assert.deepEqual((await loadFeatureSet(file)).paths, set.paths);
    const plain = join(base, "plain.features");
    await saveFeatureSet(set, plain);
    assert.deepEqual((await loadFeatureSet(plain)).paths, set.paths);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
