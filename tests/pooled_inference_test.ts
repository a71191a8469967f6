/**
 * Pooled models end to end: trained on synthesized voices, saved as `pooled.json` in a promoted
 * model set, loaded by `loadPredictor`, with speaker enrolment and timelines; the running speaker
 * normaliser; augmented copies reach training folds only.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeWav } from "../lib/audio/mod.ts";
import {
  RunningSpeakerNormalizer,
  speakerPrior,
  speakerStandardize,
} from "../lib/features/speaker_norm.ts";
import { utteranceFeatures } from "../lib/features/utterance.ts";
import { featureColumns, type FeatureSettings } from "../lib/features/feature_set.ts";
import { createPooledPredictor } from "../lib/inference/pooled_predictor.ts";
import {
  loadLabelEncoder,
  loadPredictor,
  pooledWindowClassifier,
  saveLabelEncoder,
  saveModelsManifest,
} from "../lib/inference/mod.ts";
import {
  adaptPooledToVoice,
  ensemblePooledSpec,
  fitPooled,
  loadPooledModel,
  POOLED_TRAINING_FILE,
  pooledPredictProba,
  promoteRun,
  savePooledModel,
  startRun,
} from "../lib/models/mod.ts";
import {
  runPooledProtocol,
  speakerGroupFolds,
  type UtteranceData,
} from "../lib/pipeline/protocols.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { promotedSet, saveTinyPooled, trainTinyPooled } from "./tiny_pooled.ts";

const SAMPLE_RATE = 16000;
const CLASSES = ["calm", "excited"];

/** A harmonic voice: `excited` is higher, louder and wobblier than `calm` for the same voice. */
function utterance(base: number, excited: boolean, seed: number): Float32Array {
  const random = mulberry32(seed);
  const f0 = base * (excited ? 1.5 : 1) * (1 + 0.03 * (random() - 0.5));
  const level = excited ? 0.6 : 0.2;
  const vibrato = excited ? 0.06 : 0.01;
  const seconds = 1 + 0.3 * random();
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const f = f0 * (1 + vibrato * Math.sin((2 * Math.PI * 5 * i) / SAMPLE_RATE));
    phase += (2 * Math.PI * f) / SAMPLE_RATE;
    let sample = 0;
    for (let h = 1; h <= 6; h++) sample += Math.sin(h * phase) / h;
    out[i] = level * 0.4 * sample + 0.001 * (random() - 0.5);
  }
  return out;
}

const SETTINGS = { sampleRate: SAMPLE_RATE };
/** Four voices (base F0 100..250 Hz), six clips per class each. */
const VOICES = [100, 150, 200, 250];

function voiceData(): UtteranceData {
  const vectors: number[] = [];
  const labels: number[] = [], speakers: string[] = [], paths: string[] = [];
  let names: string[] = [];
  VOICES.forEach((base, v) => {
    for (let k = 0; k < 12; k++) {
      const excited = k % 2 === 1;
      const vector = utteranceFeatures(utterance(base, excited, 100 * v + k), SETTINGS);
      vectors.push(...vector.values);
      names = vector.names;
      labels.push(excited ? 1 : 0);
      speakers.push(`synth:${base}`);
      paths.push(`${base}_${k}.wav`);
    }
  });
  return {
    vectors: Float32Array.from(vectors),
    dimensions: names.length,
    names,
    paths,
    labels,
    classes: CLASSES,
    speakers,
    corpora: labels.map(() => "synth"),
  };
}

Deno.test("running speaker normaliser: the prior at first, the speaker's own statistics later", () => {
  const prior = { mean: [0, 10], std: [1, 2], speakers: 3 };
  const normalizer = new RunningSpeakerNormalizer(prior, 10);
  assert.deepEqual(Array.from(normalizer.normalize([1, 12])), [1, 1]);
  const random = mulberry32(1);
  for (let i = 0; i < 1000; i++) normalizer.add([5 + random(), 20 + 4 * random()]);
  const { mean, std } = normalizer.statistics();
  // 1000 clips against a prior worth 10: within 1 % of the speaker's own mean (5.5, 22).
  assert.ok(Math.abs(mean[0] - 5.5) < 0.1 && Math.abs(mean[1] - 22) < 0.25, `${mean}`);
  assert.ok(Math.abs(std[0] - Math.sqrt(1 / 12)) < 0.1, `${std}`);
  normalizer.reset();
  assert.equal(normalizer.count, 0);
  assert.throws(() => normalizer.add([1]), /1 values, expected 2/);
});

Deno.test("speakerPrior averages the speakers' means and spreads", () => {
  const data = Float32Array.from([0, 2, 10, 14]); // speaker a: 0, 2; speaker b: 10, 14
  const prior = speakerPrior(data, 1, ["a", "a", "b", "b"]);
  assert.deepEqual(prior, { mean: [6.5], std: [1.5], speakers: 2 });
});

Deno.test("augmented copies reach the training folds only", () => {
  const data = voiceData();
  const protocol = speakerGroupFolds(data, 4);
  // A copy whose test rows are NaN: fitting on them would throw (non-finite vectors).
  const copy = Float32Array.from(data.vectors, (v) => v + 0.01);
  const poisoned = protocol.folds.map((fold) => {
    const out = copy.slice();
    for (const i of fold.test) out.fill(Number.NaN, i * data.dimensions, (i + 1) * data.dimensions);
    return out;
  });
  // Each fold gets the copy poisoned on its own test rows.
  protocol.folds.forEach((fold, f) => {
    const result = runPooledProtocol(
      data,
      { name: "one fold", folds: [fold] },
      ensemblePooledSpec(),
      { augmented: [poisoned[f]] },
    );
    assert.equal(result.folds[0].trainClips, fold.train.length);
  });
  assert.throws(
    () =>
      runPooledProtocol(data, protocol, ensemblePooledSpec(), {
        augmented: [copy.subarray(0, data.dimensions)],
      }),
    /augmented copy has 1 rows/,
  );
});

Deno.test("a pooled model in a promoted set: loadPredictor, enrolment, timeline", async () => {
  const data = voiceData();
  const train = data.labels.map((_, i) => i).filter((i) => data.speakers[i] !== "synth:250");
  const normalised = speakerStandardize(data.vectors, data.dimensions, data.speakers);
  const d = data.dimensions;
  const model = fitPooled(
    ensemblePooledSpec(),
    train.map((i) => normalised.subarray(i * d, (i + 1) * d)),
    train.map((i) => data.labels[i]),
    CLASSES,
    data.names,
  );
  const raw = new Float32Array(train.length * d);
  train.forEach((row, i) => raw.set(data.vectors.subarray(row * d, (row + 1) * d), i * d));
  const prior = speakerPrior(raw, d, train.map((i) => data.speakers[i]));
  const dir = await Deno.makeTempDir({ prefix: "ser_pooled_" });
  try {
    const run = await startRun(dir);
    await savePooledModel(join(run.dir, "ensemble_best"), {
      model,
      settings: SETTINGS,
      names: data.names,
      prior,
    });
    await saveLabelEncoder(run.dir, CLASSES);
    const features: FeatureSettings = {
      sampleRate: SAMPLE_RATE,
      duration: 1,
      nFft: 512,
      hopLength: 256,
      nMfcc: 13,
      nMels: 40,
      features: ["mfcc"],
    };
    await saveModelsManifest(run.dir, {
      features,
      // The frame-feature scaler the set's sequence models would use (none here).
      scaler: {
        columns: featureColumns(features),
        mean: new Array(13).fill(0),
        std: new Array(13).fill(1),
      },
      models: { ensemble: { dir: "ensemble_best", kind: "pooled" } },
      bestModel: "ensemble",
      savedAt: new Date().toISOString(),
    });
    await promoteRun(dir, run.id);
    assert.deepEqual((await loadLabelEncoder(run.dir)).classes, CLASSES);
    const again = await loadPooledModel(join(run.dir, "ensemble_best"));
    assert.deepEqual(again.prior, prior);

    const predictor = await loadPredictor(dir);
    assert.equal(predictor.kind, "pooled");
    assert.equal(predictor.modelName, "ensemble");
    // The unseen 250 Hz voice: enrol six of its clips (no labels), then classify the others.
    const newVoice = (k: number) => ({
      samples: utterance(250, k % 2 === 1, 900 + k),
      sampleRate: SAMPLE_RATE,
      name: `new_${k}`,
    });
    assert.equal(await predictor.pooled!.enrol([0, 1, 2, 3, 4, 5].map(newVoice)), 6);
    let correct = 0;
    for (let k = 6; k < 12; k++) {
      const prediction = await predictor.predict(newVoice(k));
      const sum = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, "probabilities sum to 1");
      if (prediction.emotion === CLASSES[k % 2]) correct++;
    }
    // Measured: 6 of 6.
    assert.ok(correct >= 5, `${correct}/6 clips of an unseen voice`);

    // A file: calm, 1 s of silence, excited -> a timeline with a no-speech window between.
    const recording = new Float32Array(4 * SAMPLE_RATE);
    recording.set(utterance(250, false, 1).subarray(0, SAMPLE_RATE), 0);
    recording.set(utterance(250, true, 2).subarray(0, SAMPLE_RATE), 3 * SAMPLE_RATE);
    const path = join(dir, "recording.wav");
    await Deno.writeFile(path, encodeWav(recording, SAMPLE_RATE));
    const timeline = await predictor.predictTimeline(path, { hopSeconds: 1 });
    assert.equal(timeline.windows.length, 4);
    assert.equal(timeline.windows[0].emotion, "calm");
    assert.equal(timeline.windows[1].voiced, false, "the silent second is no speech");
    assert.equal(timeline.windows[3].emotion, "excited");
    assert.equal(timeline.path, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadPooledModel names the file when it is not a pooled model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "pooled.json"), JSON.stringify({ format: "other" }));
    await assert.rejects(
      () => loadPooledModel(dir),
      new RegExp(`${dir}/pooled.json: not a pooled`),
    );
    await assert.rejects(() => loadPooledModel(join(dir, "x")), /pooled.json: file not found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pooled model trained on other functionals is refused at load, naming the difference", async () => {
  const artifact = trainTinyPooled();
  const model = artifact.model;
  assert.ok(!("experts" in model), "one corpus: a single classifier");
  // The layout before the contour and voice-quality functionals: fewer values.
  const kept = artifact.names.map((name, i) => [name, i] as const)
    .filter(([name]) => !name.startsWith("vq_") && !name.startsWith("contour_"));
  const columns = kept.map(([, i]) => i);
  const pick = (values: number[]) => columns.map((i) => values[i]);
  // Consistent in itself (as a model saved by the older version would be), only not with now.
  const older = {
    ...artifact,
    names: kept.map(([name]) => name),
    model: {
      ...model,
      dimensions: columns.length,
      mean: pick(model.mean),
      std: pick(model.std),
    },
    prior: { ...artifact.prior, mean: pick(artifact.prior.mean), std: pick(artifact.prior.std) },
  };
  // Same count, two values swapped: would classify with every clip's values misplaced.
  const swapped = { ...artifact, names: [...artifact.names] };
  [swapped.names[0], swapped.names[1]] = [swapped.names[1], swapped.names[0]];
  const windowOptions = {
    windowSeconds: 1,
    normalizer: new RunningSpeakerNormalizer(artifact.prior, 10),
  };
  const dir = await Deno.makeTempDir({ prefix: "ser_layout_" });
  try {
    await promotedSet(dir, (run) => saveTinyPooled(run, older));
    await assert.rejects(
      () => loadPredictor(dir),
      new RegExp(
        `ensemble_best: model "ensemble" was trained on ${kept.length} functionals, this version computes ${artifact.names.length} ` +
          `\\(first difference at value \\d+: "voiced_ratio" saved, "vq_\\w+" now\\): train it again`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () => pooledWindowClassifier(swapped, windowOptions),
    new RegExp(
      `first difference at value 0: "${artifact.names[1]}" saved, "${artifact.names[0]}" now`,
    ),
  );
  // The artifact as trained passes.
  pooledWindowClassifier(artifact, windowOptions);
});

Deno.test("a model that adapts to voices: saved with its training set, self-trained by enrol", async () => {
  const data = voiceData();
  const train = data.labels.map((_, i) => i).filter((i) => data.speakers[i] !== "synth:250");
  const normalised = speakerStandardize(data.vectors, data.dimensions, data.speakers);
  const d = data.dimensions;
  const spec = ensemblePooledSpec({
    voiceAdaptation: { threshold: 0.55, rounds: 2, weight: 2, minClips: 8 },
  });
  const vectors = train.map((i) => normalised.subarray(i * d, (i + 1) * d));
  const labels = train.map((i) => data.labels[i]);
  const model = fitPooled(spec, vectors, labels, CLASSES, data.names);
  const raw = new Float32Array(train.length * d);
  train.forEach((row, i) => raw.set(data.vectors.subarray(row * d, (row + 1) * d), i * d));
  const prior = speakerPrior(raw, d, train.map((i) => data.speakers[i]));
  const training = { vectors, labels, corpora: train.map(() => "synth"), names: data.names };
  const dir = await Deno.makeTempDir({ prefix: "ser_adapt_" });
  try {
    const modelDir = join(dir, "ensemble_best");
    await savePooledModel(modelDir, {
      model,
      settings: SETTINGS,
      names: data.names,
      prior,
      training,
    });
    const loaded = await loadPooledModel(modelDir);
    assert.deepEqual(loaded.training!.labels, labels);
    assert.deepEqual(
      loaded.training!.vectors.map((v) => Array.from(v)),
      vectors.map((v) => [...v]),
    );

    const predictor = createPooledPredictor(loaded, "ensemble");
    const newVoice = (k: number) => ({
      samples: utterance(250, k % 2 === 1, 700 + k),
      sampleRate: SAMPLE_RATE,
      name: `new_${k}`,
    });
    const clips = Array.from({ length: 10 }, (_, k) => newVoice(k));
    await predictor.enrol(clips.slice(0, 7));
    assert.equal(predictor.voiceAdaptation(), undefined, "7 clips: fewer than minClips");
    await predictor.enrol(clips.slice(7));
    const adaptation = predictor.voiceAdaptation();
    assert.ok(adaptation, "10 clips: adapted");
    assert.equal(adaptation.pseudoLabelled.length, 2);
    assert.ok(adaptation.pseudoLabelled.every((n) => n > 0 && n <= 10));
    // The predictor's adapted model is the library's: the enrolled clips normalised with the
    // speaker statistics, the statistics' mean as the voice.
    const normalizer = new RunningSpeakerNormalizer(prior, 10);
    const rawClips = await Promise.all(clips.map((clip) => predictor.functionalsOf(clip)));
    for (const clip of rawClips) normalizer.add(clip);
    const expected = adaptPooledToVoice(
      loaded.model,
      loaded.training!,
      rawClips.map((clip) => normalizer.normalize(clip)),
      normalizer.statistics().mean,
    );
    assert.deepEqual(adaptation.model, expected.model);
    const probe = await predictor.predict(newVoice(11));
    assert.deepEqual(
      CLASSES.map((name) => probe.probabilities[name]),
      [...pooledPredictProba(
        expected.model,
        normalizer.normalize(await predictor.functionalsOf(newVoice(11))),
        normalizer.statistics().mean,
      )],
    );
    predictor.resetSpeaker();
    assert.equal(
      predictor.voiceAdaptation(),
      undefined,
      "a new speaker starts from the trained model",
    );

    // A sidecar that does not match pooled.json is refused, naming it.
    await Deno.writeFile(join(modelDir, POOLED_TRAINING_FILE), new Uint8Array(12));
    await assert.rejects(
      () => loadPooledModel(modelDir),
      new RegExp(`${POOLED_TRAINING_FILE}: 12 bytes, ${labels.length} labels`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
