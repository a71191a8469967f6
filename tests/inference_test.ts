/**
 * Inference end to end on synthesized tones: a tiny GRU learns class = frequency band, its
 * artifacts are saved to a temp folder, and the predictor must classify files and sample
 * buffers of other rates, lengths and channel counts the way training did.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { encodeWav, sine } from "../lib/audio/mod.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { initBackend } from "../lib/models/mod.ts";
import { extractFeatures } from "../lib/features/extract.ts";
import { featureColumns, type FeatureSettings } from "../lib/features/feature_set.ts";
import { applyStandardScaler, fitStandardScaler } from "../lib/features/normalize.ts";
import {
  ArtifactError,
  createPredictor,
  loadLabelEncoder,
  loadModelsManifest,
  loadPredictor,
  type ModelsManifest,
  saveLabelEncoder,
  saveModelsManifest,
} from "../lib/inference/mod.ts";
import {
  buildModel,
  compileModel,
  gruSpec,
  promoteRun,
  saveModel,
  sealModelSet,
  startRun,
} from "../lib/models/mod.ts";
import { fit } from "../lib/trainer/mod.ts";
import { haveShared, SHARED_DIR } from "./shared_data.ts";

await initBackend({ prefer: "cpu", quiet: true });

const SETTINGS: FeatureSettings = {
  sampleRate: 22050,
  duration: 1,
  nFft: 1024,
  hopLength: 512,
  nMfcc: 13,
  nMels: 40,
  features: ["mfcc"],
};
/** Class index = frequency band; class names are real emotions so display names resolve. */
const CLASSES = ["sad", "neutral", "ps"];
const BAND_HZ = [300, 1000, 3000];

/** A tone of class `label`: jittered pitch and loudness, `seconds` long, then silence to 1 s. */
function tone(label: number, seconds: number, sampleRate: number, random: () => number) {
  const freq = BAND_HZ[label] * (0.9 + 0.2 * random());
  const amplitude = 0.2 + 0.6 * random();
  const out = new Float32Array(Math.round(sampleRate * Math.max(seconds, SETTINGS.duration)));
  out.set(sine(freq, seconds, sampleRate, amplitude));
  for (let i = 0; i < out.length; i++) out[i] += 0.003 * (random() - 0.5);
  return out;
}

interface Trained {
  /** The models folder (a promoted set in it). */
  dir: string;
  /** The promoted set's folder. */
  setDir: string;
  audioDir: string;
  predictorParts: Parameters<typeof createPredictor>[0];
}

let trainedPromise: Promise<Trained> | undefined;
const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) Deno.removeSync(dir, { recursive: true });
});

/** Trains the tiny model once and saves every artifact into a temp models folder. */
function trained(): Promise<Trained> {
  trainedPromise ??= (async () => {
    const random = mulberry32(7);
    const perClass = 16;
    const frames = 1 + Math.floor(SETTINGS.sampleRate * SETTINGS.duration / SETTINGS.hopLength);
    const width = featureColumns(SETTINGS).length;
    const data = new Float32Array(CLASSES.length * perClass * frames * width);
    const labels: number[] = [];
    for (let i = 0; i < CLASSES.length * perClass; i++) {
      const label = i % CLASSES.length;
      // Tones of 0.5-1 s padded with silence, so padded inputs look familiar to the model.
      const samples = tone(label, 0.5 + 0.5 * random(), SETTINGS.sampleRate, random);
      const matrix = extractFeatures(samples, SETTINGS);
      assert.equal(matrix.frames, frames);
      data.set(matrix.data, i * frames * width);
      labels.push(label);
    }
    const columns = featureColumns(SETTINGS);
    const paths = labels.map((_, i) => `clip${i}`);
    const scaler = fitStandardScaler({ data, frames, width, columns, paths });
    const model = compileModel(
      buildModel(gruSpec({ gruUnits: [8], dropout: 0, denseUnits: [8] }), {
        frames,
        features: width,
        classes: CLASSES.length,
        seed: 3,
      }),
      { learningRate: 0.02 },
    );
    const history = await fit(model, {
      xTrain: { values: applyStandardScaler(scaler, data), shape: [labels.length, frames, width] },
      yTrain: { values: labels, shape: [labels.length] },
    }, { epochs: 30, batchSize: 8, seed: 5 });
    const accuracy = history.history.accuracy;
    assert.equal(accuracy[accuracy.length - 1], 1, `training accuracy ${accuracy}`);

    const dir = await Deno.makeTempDir({ prefix: "ser_inference_models_" });
    const audioDir = await Deno.makeTempDir({ prefix: "ser_inference_audio_" });
    tempDirs.push(dir, audioDir);
    const run = await startRun(dir);
    await saveModel(model, join(run.dir, "gru_best"), { labels: CLASSES });
    await saveLabelEncoder(run.dir, CLASSES);
    await saveModelsManifest(run.dir, {
      features: SETTINGS,
      scaler,
      models: { gru: { dir: "gru_best", testAccuracy: 1 } },
      bestModel: "gru",
      config: loadConfig({ ...SETTINGS, gruUnits: [8], denseUnits: [8], dropout: 0 }, {
        env: {},
      }),
    });
    await promoteRun(dir, run.id);
    return {
      dir,
      setDir: run.dir,
      audioDir,
      predictorParts: { model, modelName: "gru", classes: CLASSES, settings: SETTINGS, scaler },
    };
  })();
  return trainedPromise;
}

function sumOf(probabilities: Record<string, number>): number {
  return Object.values(probabilities).reduce((a, b) => a + b, 0);
}

Deno.test("artifacts: label encoder and manifest round-trip; bad files name the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveLabelEncoder(dir, CLASSES);
    assert.deepEqual(await loadLabelEncoder(dir), { classes: CLASSES });
    const width = featureColumns(SETTINGS).length;
    const scaler = {
      columns: featureColumns(SETTINGS),
      mean: new Array(width).fill(0),
      std: new Array(width).fill(1),
    };
    await saveModelsManifest(dir, {
      features: SETTINGS,
      scaler,
      models: { lstm: { dir: "lstm_best" } },
      bestModel: "lstm",
    });
    const manifest = await loadModelsManifest(dir);
    assert.equal(manifest.bestModel, "lstm");
    assert.deepEqual(manifest.features, SETTINGS);
    assert.ok(!Number.isNaN(Date.parse(manifest.savedAt)));

    await assert.rejects(
      saveModelsManifest(dir, { ...manifest, bestModel: "gru" }),
      /"bestModel" \("gru"\) must be one of lstm/,
    );
    await assert.rejects(saveLabelEncoder(dir, ["a", "a"]), /duplicates/);
    const broken: ModelsManifest = { ...manifest, scaler: { ...scaler, mean: [0] } };
    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(broken));
    await assert.rejects(loadModelsManifest(dir), (error: Error) => {
      assert.ok(error instanceof ArtifactError);
      assert.match(error.message, /config\.json: "scaler\.mean" has 1 values but .* 13 columns/);
      assert.match(error.message, /deno task pipeline/);
      return true;
    });
    await Deno.writeTextFile(join(dir, "label_encoder.json"), "{ not json");
    await assert.rejects(loadLabelEncoder(dir), /label_encoder\.json: .*not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: a WAV file at the model's rate", async () => {
  const { dir, audioDir } = await trained();
  const predictor = await loadPredictor(dir);
  try {
    assert.equal(predictor.modelName, "gru");
    const random = mulberry32(101);
    for (let label = 0; label < CLASSES.length; label++) {
      const path = join(audioDir, `tone_${label}.wav`);
      await Deno.writeFile(path, encodeWav(tone(label, 0.8, 22050, random), 22050));
      const prediction = await predictor.predict(path);
      assert.equal(prediction.emotion, CLASSES[label], JSON.stringify(prediction));
      assert.equal(prediction.path, path);
      assert.ok(Math.abs(sumOf(prediction.probabilities) - 1) < 1e-5);
      assert.equal(prediction.confidence, Math.max(...Object.values(prediction.probabilities)));
      assert.deepEqual(Object.keys(prediction.probabilities), CLASSES);
    }
    const ps = await predictor.predict(join(audioDir, "tone_2.wav"));
    assert.equal(ps.displayName, "Pleasant surprise");
  } finally {
    predictor.dispose();
  }
});

Deno.test("predict: raw samples at 16 kHz, 0.7 s (resampled and padded)", async () => {
  const { dir } = await trained();
  const predictor = await loadPredictor(dir, { model: "gru" });
  try {
    const random = mulberry32(202);
    for (let label = 0; label < CLASSES.length; label++) {
      const samples = sine(BAND_HZ[label] * (0.95 + 0.1 * random()), 0.7, 16000, 0.5);
      const prediction = await predictor.predict({ samples, sampleRate: 16000, name: "mic" });
      assert.equal(prediction.emotion, CLASSES[label], JSON.stringify(prediction));
      assert.equal(prediction.path, "mic");
      assert.ok(Math.abs(sumOf(prediction.probabilities) - 1) < 1e-5);
    }
    await assert.rejects(
      predictor.predict({ samples: new Float32Array(100), sampleRate: 44100.5 }),
      /<samples>: sample rate must be a positive whole number/,
    );
  } finally {
    predictor.dispose();
  }
});

Deno.test("predict: a stereo 48 kHz file longer than the clip (trimmed)", async () => {
  const { dir, audioDir } = await trained();
  const predictor = await loadPredictor(dir);
  try {
    const random = mulberry32(303);
    for (let label = 0; label < CLASSES.length; label++) {
      const left = tone(label, 1.5, 48000, random);
      const right = left.map((x) => 0.5 * x);
      const path = join(audioDir, `stereo_${label}.wav`);
      await Deno.writeFile(path, encodeWav([left, right], 48000, { bitsPerSample: 24 }));
      const prediction = await predictor.predict(path);
      assert.equal(prediction.emotion, CLASSES[label], JSON.stringify(prediction));
      // The same audio as in-memory stereo samples takes the very same path.
      const fromSamples = await predictor.predict({ samples: [left, right], sampleRate: 48000 });
      assert.equal(fromSamples.emotion, prediction.emotion);
      assert.ok(Math.abs(fromSamples.confidence - prediction.confidence) < 1e-3);
    }
  } finally {
    predictor.dispose();
  }
});

Deno.test("predict: the saved and reloaded model gives identical probabilities", async () => {
  const { dir, audioDir, predictorParts } = await trained();
  const inMemory = createPredictor(predictorParts);
  const reloaded = await loadPredictor(dir);
  try {
    const path = join(audioDir, "identical.wav");
    await Deno.writeFile(path, encodeWav(tone(1, 0.6, 44100, mulberry32(9)), 44100));
    const before = await inMemory.predict(path);
    const after = await reloaded.predict(path);
    assert.deepEqual(after.probabilities, before.probabilities);
    assert.equal(after.emotion, "neutral");
  } finally {
    reloaded.dispose(); // The in-memory model belongs to trained(); it is not disposed here.
  }
});

Deno.test("predictBatch: a folder with a corrupt file gives a table plus one failure", async () => {
  const { dir } = await trained();
  const folder = await Deno.makeTempDir({ prefix: "ser_inference_batch_" });
  tempDirs.push(folder);
  const random = mulberry32(404);
  const expected = new Map<string, string>();
  await Deno.mkdir(join(folder, "nested"));
  for (let i = 0; i < 5; i++) {
    const label = i % CLASSES.length;
    const path = join(folder, i < 2 ? "nested" : "", `clip_${i}.wav`);
    await Deno.writeFile(path, encodeWav(tone(label, 0.9, 22050, random), 22050));
    expected.set(path, CLASSES[label]);
  }
  const corrupt = join(folder, "broken.wav");
  await Deno.writeFile(corrupt, new TextEncoder().encode("RIFF....WAVEnot really audio"));
  await Deno.writeTextFile(join(folder, "notes.txt"), "not audio, not listed");

  const predictor = await loadPredictor(dir);
  try {
    const { table, failures } = await predictor.predictBatch(folder, { progress: false });
    assert.deepEqual(table.columns, [
      "path",
      "emotion",
      "confidence",
      ...CLASSES.map((name) => `prob_${name}`),
    ]);
    assert.equal(table.height, 5);
    const paths = table.getColumn("path").toArray() as string[];
    const emotions = table.getColumn("emotion").toArray() as string[];
    assert.deepEqual(new Set(paths), new Set(expected.keys()));
    paths.forEach((path, i) => assert.equal(emotions[i], expected.get(path), path));
    const rowSums = table.select(...CLASSES.map((name) => `prob_${name}`)).sum(1)
      .toArray() as number[];
    for (const sum of rowSums) assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(failures.length, 1);
    assert.equal(failures[0].path, corrupt);
    assert.ok(!failures[0].problem.includes("broken.wav"), failures[0].problem); // path is apart

    // A list of paths works too, and a missing one is a failure, not a crash.
    const listed = await predictor.predictBatch([paths[0], join(folder, "missing.wav")], {
      progress: false,
    });
    assert.equal(listed.table.height, 1);
    assert.equal(listed.failures[0].path, join(folder, "missing.wav"));
    assert.equal(listed.failures[0].problem, "file not found");
  } finally {
    predictor.dispose();
  }
});

Deno.test("loadPredictor: missing or mismatched artifacts give clear errors", async () => {
  const { setDir } = await trained();
  const copy = await Deno.makeTempDir({ prefix: "ser_inference_copy_" });
  tempDirs.push(copy);
  for (const file of ["config.json", "label_encoder.json"]) {
    await Deno.copyFile(join(setDir, file), join(copy, file));
  }
  await Deno.mkdir(join(copy, "gru_best"));
  for await (const entry of Deno.readDir(join(setDir, "gru_best"))) {
    await Deno.copyFile(join(setDir, "gru_best", entry.name), join(copy, "gru_best", entry.name));
  }
  // A copy of a set is loaded only once sealed (every file checksummed); each edit below reseals.
  await assert.rejects(loadPredictor(copy), /copy_\w+: models folder|current: missing/);
  await sealModelSet(copy);

  // Random bytes of the right size in weights.bin: an error naming the file, not "angry NaN%".
  const weightsPath = join(copy, "gru_best", "weights.bin");
  const goodWeights = await Deno.readFile(weightsPath);
  await Deno.writeFile(weightsPath, crypto.getRandomValues(new Uint8Array(goodWeights.length)));
  await assert.rejects(loadPredictor(copy), /gru_best\/weights\.bin: checksum mismatch/);
  await Deno.writeFile(weightsPath, goodWeights);

  await assert.rejects(
    loadPredictor(copy, { model: "lstm" }),
    /no model named "lstm" \(saved models: gru\)/,
  );

  // Feature settings of another run: 2 s clips give 87 frames, the model takes 44.
  const manifest = await loadModelsManifest(copy);
  await saveModelsManifest(copy, { ...manifest, features: { ...SETTINGS, duration: 2 } });
  await sealModelSet(copy);
  await assert.rejects(
    loadPredictor(copy),
    /gru_best: model "gru" expects input \[batch, 44, 13\] but the saved feature settings give 87 frames x 13 features/,
  );

  await Deno.remove(join(copy, "label_encoder.json"));
  await sealModelSet(copy);
  await assert.rejects(loadPredictor(copy), (error: Error) => {
    assert.ok(error instanceof ArtifactError);
    assert.match(error.message, /label_encoder\.json: label encoder not found/);
    assert.match(error.message, /notebooks\/03_training\.ipynb or deno task pipeline/);
    return true;
  });
});

Deno.test("cli/predict: prints a table, writes CSV, and exits 1 without models", async () => {
  const { dir, audioDir } = await trained();
  const out = join(audioDir, "results.csv");
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../cli/predict.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const wav = join(audioDir, "cli_tone.wav");
  await Deno.writeFile(wav, encodeWav(tone(2, 1, 22050, mulberry32(5)), 22050));
  const ok = await run([wav, "--models-dir", dir, "--out", out, "--quiet"]);
  const stdout = new TextDecoder().decode(ok.stdout);
  assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
  assert.match(stdout, /backend: \w+/);
  assert.match(stdout, /cli_tone\.wav\s+ps\s+\d+\.\d%/);
  const csv = (await Deno.readTextFile(out)).trim().split("\n");
  assert.equal(
    csv[0],
    "path,emotion,confidence,prob_sad,prob_neutral,prob_ps,status,duration,voiced_windows,windows",
  );
  assert.equal(csv.length, 2);

  const missing = await run([wav, "--models-dir", join(audioDir, "no_models_here")]);
  assert.equal(missing.code, 1);
  assert.match(
    new TextDecoder().decode(missing.stderr),
    /no_models_here: models folder not found; no model has been trained yet/,
  );
});

const TESS_SAMPLE = `${SHARED_DIR}/data/TESS-wav-sample/TESS Toronto emotional speech set data`;
const TESS_FLAC = `${SHARED_DIR}/data/TESS/TESS Toronto emotional speech set data`;
const haveTess = haveShared("inference_test: real TESS clips", TESS_SAMPLE, TESS_FLAC);

Deno.test({
  name: "predict: real TESS WAV and FLAC clips (24414 Hz) go through without failures",
  ignore: !haveTess,
  fn: async () => {
    const { dir } = await trained();
    const predictor = await loadPredictor(dir);
    try {
      const folder = join(TESS_SAMPLE, "OAF_angry");
      const flacFolder = join(TESS_FLAC, "YAF_sad");
      const flac = [...Deno.readDirSync(flacFolder)].map((e) => e.name).sort()[0];
      const { table, failures } = await predictor.predictBatch(folder, { progress: false });
      assert.deepEqual(failures, []);
      assert.equal(table.height, 10);
      const single = await predictor.predict(join(flacFolder, flac));
      assert.ok(Math.abs(sumOf(single.probabilities) - 1) < 1e-5);
      // One file alone and inside a batch gives the same answer.
      const first = table.getColumn("path").toArray()[0] as string;
      const alone = await predictor.predict(first);
      const confidence = table.getColumn("confidence").toArray()[0] as number;
      assert.ok(Math.abs(alone.confidence - confidence) < 1e-5);
    } finally {
      predictor.dispose();
    }
  },
});
