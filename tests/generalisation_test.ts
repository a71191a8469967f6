/**
 * Generalisation recipe: utterance functionals, speaker normalisation, the pooled classifiers
 * (RBF SVM, softmax regression) and the speaker-independent protocols, on synthesized data.
 */
import assert from "node:assert/strict";
import { activeFrames, functionals } from "../lib/features/functionals.ts";
import { speakerStandardize, vectorStatistics } from "../lib/features/speaker_norm.ts";
import { utteranceFeatures } from "../lib/features/utterance.ts";
import { fitLogistic, logisticPredictProba } from "../lib/models/logistic.ts";
import {
  ensemblePooledSpec,
  fitPooled,
  pooledPredictProba,
  svmPooledSpec,
} from "../lib/models/pooled.ts";
import { fitSvm, svmDecisionValues, svmPredictProba } from "../lib/models/svm.ts";
import {
  normalizedVectors,
  protocolsFor,
  ravdessActorFolds,
  runPooledProtocol,
  speakerGroupFolds,
  tessCrossSpeakerFolds,
  type UtteranceData,
} from "../lib/pipeline/protocols.ts";
import { enrolledNormalizer, runEnrolmentCurve } from "../lib/pipeline/enrolment.ts";
import { enrolmentProtocols } from "../lib/pipeline/generalisation.ts";
import { mulberry32 } from "../lib/util/random.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} differs from ${expected} by more than ${tolerance}`,
  );

Deno.test("functionals: mean, std, percentiles, range, slope and skew of a column", () => {
  const series = { frames: 5, width: 1, data: Float64Array.from([1, 2, 3, 4, 10]) };
  const names = [
    "mean",
    "std",
    "min",
    "max",
    "p10",
    "p50",
    "p90",
    "range",
    "slope",
    "skew",
  ] as const;
  const { values, names: out } = functionals(series, names, { columns: ["x"] });
  assert.deepEqual(out, names.map((name) => `x_${name}`));
  close(values[0], 4, 1e-12, "mean");
  close(values[1], Math.sqrt((9 + 4 + 1 + 0 + 36) / 5), 1e-12, "std");
  assert.equal(values[2], 1);
  assert.equal(values[3], 10);
  close(values[4], 1.4, 1e-12, "p10 (numpy linear)");
  assert.equal(values[5], 3);
  close(values[6], 7.6, 1e-12, "p90");
  close(values[7], 6.2, 1e-12, "range");
  close(values[8], 2, 1e-12, "slope: cov(t, x) / var(t) = 20 / 10");
  assert.ok(values[9] > 1, "a long right tail has positive skew");
});

Deno.test("functionals: the mask and NaN values leave frames out; no frame gives zeros", () => {
  const series = { frames: 4, width: 2, data: Float64Array.from([1, NaN, 100, 5, 3, 7, 100, 9]) };
  const mask = Uint8Array.from([1, 0, 1, 0]);
  const { values } = functionals(series, ["mean", "std"], { mask });
  assert.deepEqual(Array.from(values), [2, 1, 7, 0]);
  const none = functionals(series, ["mean"], { mask: new Uint8Array(4) });
  assert.deepEqual(Array.from(none.values), [0, 0]);
  assert.throws(() => functionals(series, ["mean"], { mask: new Uint8Array(3) }), /mask has 3/);
});

Deno.test("activeFrames keeps frames within the range of the loudest", () => {
  // 0.02 is 34 dB below the peak (in), 0.01 is 40 dB below (out).
  assert.deepEqual(Array.from(activeFrames([1, 0.1, 0.02, 0.01], 35)), [1, 1, 1, 0]);
  assert.deepEqual(Array.from(activeFrames([0, 0, 0])), [0, 0, 0]);
});

/** A harmonic "voice" at `f0` Hz with a 4 Hz vibrato, `seconds` long, with silence around it. */
function voice(f0: number, seconds: number, sampleRate: number, level: number, seed: number) {
  const random = mulberry32(seed);
  const pad = Math.round(0.2 * sampleRate);
  const out = new Float32Array(Math.round(seconds * sampleRate) + 2 * pad);
  let phase = 0;
  for (let i = 0; i < out.length - 2 * pad; i++) {
    const f = f0 * (1 + 0.01 * Math.sin((2 * Math.PI * 4 * i) / sampleRate));
    phase += (2 * Math.PI * f) / sampleRate;
    let sample = 0;
    for (let h = 1; h <= 8; h++) sample += Math.sin(h * phase) / h;
    out[pad + i] = level * 0.3 * sample + 0.002 * (random() - 0.5);
  }
  return out;
}

Deno.test("utteranceFeatures: pitch an octave up moves the F0 functionals by 12 semitones", () => {
  const sampleRate = 16000;
  const low = utteranceFeatures(voice(150, 1, sampleRate, 1, 1), { sampleRate });
  const high = utteranceFeatures(voice(300, 1, sampleRate, 1, 2), { sampleRate });
  assert.equal(low.values.length, low.names.length);
  assert.deepEqual(low.names, high.names);
  assert.ok(low.values.every(Number.isFinite), "every functional is finite");
  const at = (name: string) => low.names.indexOf(name);
  // Measured: 12.00 semitones apart (pYIN's 10-cent grid), voiced ratio ~0.97.
  close(high.values[at("f0_semitones_mean")] - low.values[at("f0_semitones_mean")], 12, 0.1, "F0");
  assert.ok(low.values[at("voiced_ratio")] > 0.9, `voiced ratio ${low.values[at("voiced_ratio")]}`);
  // The active stretch is the 1 s tone, not the 0.4 s of silence around it.
  close(low.values[at("active_seconds")], 1, 0.1, "active seconds");
});

Deno.test("speakerStandardize: each speaker's clips get mean 0 and std 1 of their own", () => {
  const random = mulberry32(3);
  const speakers = ["a", "a", "a", "b", "b", "b", "b"];
  const data = Float32Array.from({ length: 7 * 3 }, (_, i) => random() * 10 + (i >= 9 ? 100 : 0));
  const out = speakerStandardize(data, 3, speakers);
  for (const rows of [[0, 1, 2], [3, 4, 5, 6]]) {
    const stats = vectorStatistics(out, 3, rows);
    for (let d = 0; d < 3; d++) {
      close(stats.mean[d], 0, 1e-6, "mean");
      close(stats.std[d], 1, 1e-5, "std");
    }
  }
  assert.throws(() => speakerStandardize(data, 3, ["a"]), /1 speakers for 7 vectors/);
});

Deno.test("SVM: separates an RBF-only problem (XOR) and its dual satisfies the constraints", () => {
  const x: Float32Array[] = [];
  const labels: number[] = [];
  const random = mulberry32(5);
  for (let i = 0; i < 80; i++) {
    const a = random() * 2 - 1, b = random() * 2 - 1;
    x.push(Float32Array.from([a, b]));
    labels.push(a * b > 0 ? 1 : 0);
  }
  const model = fitSvm(x, labels, { classes: 2, c: 10, gamma: 2 });
  let correct = 0;
  x.forEach((row, i) => {
    const p = svmPredictProba(model, row);
    close(p[0] + p[1], 1, 1e-9, "probabilities sum to 1");
    if ((p[1] > p[0] ? 1 : 0) === labels[i]) correct++;
  });
  assert.ok(correct >= 76, `training accuracy ${correct}/80`);
  const pair = model.pairs[0];
  // sum_i alpha_i y_i = 0 and 0 < alpha_i <= C.
  close(pair.coefficients.reduce((a, b) => a + b, 0), 0, 1e-9, "equality constraint");
  assert.ok(pair.coefficients.every((c) => Math.abs(c) <= 10 + 1e-9 && c !== 0));
  // The decision sign agrees with the coupled probability for two classes.
  const decision = svmDecisionValues(model, Float32Array.from([0.5, 0.5]))[0];
  assert.ok(decision < 0, "(0.5, 0.5) has a*b > 0: class 1 is the negative side of pair (0, 1)");
  assert.throws(() => fitSvm([Float32Array.from([NaN])], [0], { classes: 1 }), /non-finite/);
  assert.throws(() => svmDecisionValues(model, [1]), /expects 2/);
});

/** Three Gaussian blobs in 4 dimensions; `shift` > 0 moves every point by a random offset per
 * dimension of up to +-shift (a "voice"). */
function blobs(perClass: number, seed: number, shift = 0) {
  const random = mulberry32(seed);
  const offset = Array.from({ length: 4 }, () => (random() * 2 - 1) * shift);
  const x: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perClass; i++) {
      x.push(Float32Array.from({ length: 4 }, (_, d) => (d === c ? 3 : 0) + random() + offset[d]));
      labels.push(c);
    }
  }
  return { x, labels };
}

Deno.test("softmax regression and the pooled ensemble classify three classes", () => {
  const train = blobs(20, 7), test = blobs(10, 8);
  const logistic = fitLogistic(train.x, train.labels, { classes: 3 });
  // Plain vectors without functional names: no emphasis.
  const svm = fitPooled(svmPooledSpec({ emphasis: [] }), train.x, train.labels, ["a", "b", "c"]);
  const ensemble = fitPooled(
    ensemblePooledSpec({ emphasis: [] }),
    train.x,
    train.labels,
    ["a", "b", "c"],
  );
  assert.ok(ensemble.svm && ensemble.logistic, "the ensemble holds both models");
  for (
    const predict of [
      (row: Float32Array) => logisticPredictProba(logistic, row),
      (row: Float32Array) => pooledPredictProba(svm, row),
      (row: Float32Array) => pooledPredictProba(ensemble, row),
    ]
  ) {
    let correct = 0;
    test.x.forEach((row, i) => {
      const p = predict(row);
      close(p.reduce((a, b) => a + b, 0), 1, 1e-6, "probabilities sum to 1");
      if (p.indexOf(Math.max(...p)) === test.labels[i]) correct++;
    });
    assert.ok(correct >= 28, `test accuracy ${correct}/30`);
  }
  // JSON round trip: the saved form predicts the same.
  const again = JSON.parse(JSON.stringify(ensemble));
  assert.deepEqual(pooledPredictProba(again, test.x[0]), pooledPredictProba(ensemble, test.x[0]));
});

Deno.test("pooled emphasis: weight 0 drops a family, other weights rescale it, names required", () => {
  const train = blobs(20, 7), test = blobs(10, 8);
  // Column 3 is pure noise named like a contour functional.
  const noise = mulberry32(3);
  const withNoise = (rows: Float32Array[]) =>
    rows.map((row) => Float32Array.from([...row.subarray(0, 3), 5 * noise()]));
  const names = ["a_mean", "b_mean", "c_mean", "contour_noise"];
  const dropped = fitPooled(
    ensemblePooledSpec({ emphasis: [{ prefix: "contour_", weight: 0 }] }),
    withNoise(train.x),
    train.labels,
    ["a", "b", "c"],
    names,
  );
  const without = fitPooled(
    ensemblePooledSpec({ emphasis: [] }),
    train.x.map((row) => row.subarray(0, 3)),
    train.labels,
    ["a", "b", "c"],
  );
  const noisyTest = withNoise(test.x);
  noisyTest.forEach((row, i) => {
    const a = pooledPredictProba(dropped, row), b = pooledPredictProba(without, row.subarray(0, 3));
    a.forEach((p, c) => close(p, b[c], 1e-9, `clip ${i} class ${c}: weight 0 = the column absent`));
  });
  const doubled = fitPooled(
    ensemblePooledSpec({ emphasis: [{ prefix: "contour_", weight: 2 }] }),
    withNoise(train.x),
    train.labels,
    ["a", "b", "c"],
    names,
  );
  assert.deepEqual(doubled.weights, [1, 1, 1, 2]);
  const again = JSON.parse(JSON.stringify(doubled));
  assert.deepEqual(
    pooledPredictProba(again, noisyTest[0]),
    pooledPredictProba(doubled, noisyTest[0]),
  );
  assert.throws(
    () => fitPooled(ensemblePooledSpec(), train.x, train.labels, ["a", "b", "c"]),
    /emphasises "contour_\*", "vq_\*" but no functional names/,
  );
  assert.throws(
    () => fitPooled(ensemblePooledSpec(), withNoise(train.x), train.labels, ["a", "b", "c"], names),
    /"vq_\*" matches none of the 4 functionals/,
  );
});

/** Utterance data of `speakers` speakers, each with its own offset (a voice) on every value. */
function speakerData(corpus: string, speakers: string[], perClass: number): UtteranceData {
  const x: number[] = [];
  const labels: number[] = [], spk: string[] = [];
  speakers.forEach((speaker, s) => {
    const { x: rows, labels: rowLabels } = blobs(perClass, 11 + s, 6);
    rows.forEach((row, i) => {
      x.push(...row);
      labels.push(rowLabels[i]);
      spk.push(`${corpus}:${speaker}`);
    });
  });
  return {
    vectors: Float32Array.from(x),
    dimensions: 4,
    names: ["a", "b", "c", "d"],
    paths: labels.map((_, i) => `${corpus}/${i}.wav`),
    labels,
    classes: ["x", "y", "z"],
    speakers: spk,
    corpora: labels.map(() => corpus),
  };
}

Deno.test("protocols: RAVDESS and TESS folds never put a speaker on both sides", () => {
  const actors = Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(2, "0"));
  const ravdess = speakerData("ravdess", actors, 2);
  const folds = ravdessActorFolds(ravdess).folds;
  assert.equal(folds.length, 6);
  const tested = folds.flatMap((fold) => fold.test).sort((a, b) => a - b);
  assert.deepEqual(tested, ravdess.labels.map((_, i) => i), "every clip is tested exactly once");
  for (const fold of folds) {
    const train = new Set(fold.train.map((i) => ravdess.speakers[i]));
    assert.equal(new Set(fold.test.map((i) => ravdess.speakers[i])).size, 4);
    assert.ok(fold.test.every((i) => !train.has(ravdess.speakers[i])), fold.name);
  }
  assert.equal(folds[1].name, "actors 05-08");
  const tess = speakerData("tess", ["OAF", "YAF"], 3);
  assert.deepEqual(tessCrossSpeakerFolds(tess).folds.map((f) => f.name), [
    "test tess:OAF",
    "test tess:YAF",
  ]);
  assert.equal(speakerGroupFolds(speakerData("demo", ["a", "b", "c"], 2), 2).folds.length, 2);
});

Deno.test("protocols: speaker normalisation never reads labels, and rescues shifted voices", () => {
  const data = speakerData("demo", ["a", "b", "c", "d"], 15);
  const scrambled = { ...data, labels: [...data.labels].reverse() };
  assert.deepEqual(
    normalizedVectors(scrambled, svmPooledSpec()),
    normalizedVectors(data, svmPooledSpec()),
    "the normalised vectors do not depend on the labels",
  );
  const protocol = speakerGroupFolds(data, 4);
  // Four plain values per clip, no contour or voice-quality functionals: no emphasis.
  const perSpeaker = runPooledProtocol(data, protocol, ensemblePooledSpec({ emphasis: [] }));
  const global = runPooledProtocol(
    data,
    protocol,
    ensemblePooledSpec({ normalization: "global", emphasis: [] }),
  );
  // Each voice shifts every value by its own offset (up to +-6): unseen voices sit outside the training
  // range unless each speaker is standardised on its own. Measured: UA 1.00 vs 0.74.
  assert.ok(perSpeaker.ua.mean >= 0.95, `speaker-normalised UA ${perSpeaker.ua.mean}`);
  assert.ok(global.ua.mean <= 0.85, `globally normalised UA ${global.ua.mean}`);
  assert.ok(perSpeaker.speakerIndependent);
  const leaky = { name: "leaky", folds: [{ name: "x", train: [0, 1, 2], test: [3] }] };
  assert.throws(() => runPooledProtocol(data, leaky, svmPooledSpec()), /both sides: demo:a/);
  const names = protocolsFor(data).map((p) => p.name);
  assert.deepEqual(names, ["random split", "speaker-independent (4 folds)"]);
});

Deno.test("enrolment curve: UA rises with the new voice's clips; enrolled clips are not scored", () => {
  const data = speakerData("demo", ["a", "b", "c", "d"], 15); // 45 clips per speaker
  const protocol = speakerGroupFolds(data, 4);
  const spec = ensemblePooledSpec({ emphasis: [] });
  const curve = runEnrolmentCurve(data, protocol, spec, { clips: [0, 5, 40], repeats: 3 });
  assert.deepEqual(curve.points.map((p) => p.clips), [0, 5, 40, "all"]);
  // Enrolled clips are left out of the scoring: 4 folds x 1 speaker x (45 - k) clips.
  assert.deepEqual(curve.points.map((p) => p.scored), [180, 160, 20, 180]);
  const ua = curve.points.map((p) => p.ua.mean);
  // "all" is the protocol's own normalisation: the same model and vectors, the same UA.
  assert.equal(ua[3], runPooledProtocol(data, protocol, spec).ua.mean);
  // The prior alone cannot place a voice shifted by up to +-6 (like global normalisation,
  // 0.74 above); forty of its clips can. Measured: 0.739 -> 0.748 (5 clips) -> 1.000 (40).
  assert.ok(ua[0] <= 0.8, `no enrolment: UA ${ua[0]}`);
  assert.ok(ua[2] >= 0.95, `forty clips: UA ${ua[2]}`);
  assert.ok(ua[1] > ua[0], `five clips (${ua[1]}) beat none (${ua[0]})`);
  // Seeded: the same draws give the same curve; a speaker with too few clips is skipped.
  assert.deepEqual(
    runEnrolmentCurve(data, protocol, spec, { clips: [0, 5, 40], repeats: 3 }).points,
    curve.points,
  );
  const tooMany = runEnrolmentCurve(data, protocol, spec, { clips: [45], repeats: 1 });
  assert.deepEqual(tooMany.points.map((p) => p.clips), ["all"]);
  assert.throws(
    () => runEnrolmentCurve(data, protocol, ensemblePooledSpec({ normalization: "global" })),
    /normalises "global"; enrolment only changes speaker-normalised models/,
  );
  assert.throws(() => runEnrolmentCurve(data, protocol, spec, { clips: [-1] }), /whole numbers/);
  assert.throws(() => runEnrolmentCurve(data, protocol, spec, { repeats: 0 }), /repeats/);
  assert.throws(() => runEnrolmentCurve(data, protocol, spec, { priorWeight: 0 }), /> 0/);
});

Deno.test("enrolment curves run on the within-corpus speaker-independent protocols only", () => {
  const actors = Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(2, "0"));
  const ravdess = speakerData("ravdess", actors, 2);
  const tess = speakerData("tess", ["OAF", "YAF"], 3);
  const both: UtteranceData = {
    ...ravdess,
    vectors: Float32Array.from([...ravdess.vectors, ...tess.vectors]),
    paths: [...ravdess.paths, ...tess.paths],
    labels: [...ravdess.labels, ...tess.labels],
    speakers: [...ravdess.speakers, ...tess.speakers],
    corpora: [...ravdess.corpora, ...tess.corpora],
  };
  const protocols = protocolsFor(both);
  assert.equal(protocols.length, 7, protocols.map((p) => p.name).join("; "));
  // Two corpora: leaving one out would repeat the cross-corpus matrix's two folds.
  const crossCorpus = protocols.find((p) => p.name === "cross-corpus")!;
  assert.deepEqual(crossCorpus.folds.map((f) => f.name).sort(), [
    "ravdess -> tess",
    "tess -> ravdess",
  ]);
  assert.ok(!protocols.some((p) => p.name === "leave one corpus out"));
  // Not the random splits (shared speakers), nor those training on one corpus and testing on
  // another or on both (leave one corpus out, cross-corpus, TESS or RAVDESS with the other in
  // training).
  assert.deepEqual(enrolmentProtocols(both, protocols).map((p) => p.name), [
    "RAVDESS 6x4 actors",
    "TESS cross-speaker",
  ]);
});

Deno.test("enrolment: the normaliser sees the enrolled clips only, never a label", () => {
  const data = speakerData("demo", ["a", "b"], 5);
  const prior = { mean: [0, 0, 0, 0], std: [1, 1, 1, 1], speakers: 1 };
  const enrolled = [0, 3, 7];
  const normalizer = enrolledNormalizer(data.vectors, 4, enrolled, prior, 2);
  const statistics = normalizer.statistics();
  const own = vectorStatistics(data.vectors, 4, enrolled);
  for (let j = 0; j < 4; j++) {
    // MAP blend of the three clips' own statistics with the prior worth two clips.
    close(statistics.mean[j], (3 * own.mean[j]) / 5, 1e-9, `mean ${j}`);
    close(statistics.std[j], Math.sqrt((3 * own.std[j] ** 2 + 2) / 5), 1e-6, `std ${j}`);
  }
  assert.equal(normalizer.count, 3);
});

Deno.test("functionals cache: a changed value fails the checksum and is recomputed", async () => {
  const { extractUtteranceSet } = await import("../lib/features/utterance_set.ts");
  const { encodeWav } = await import("../lib/audio/mod.ts");
  const dir = await Deno.makeTempDir({ prefix: "ser_functionals_cache_" });
  try {
    const path = `${dir}/clip.wav`;
    await Deno.writeFile(path, encodeWav(voice(180, 0.6, 16000, 1, 4), 16000));
    const settings = { sampleRate: 16000 };
    const options = { cacheDir: `${dir}/cache`, workers: 0, progress: false };
    const first = await extractUtteranceSet([path], settings, options);
    const entries: string[] = [];
    for await (const folder of Deno.readDir(`${dir}/cache`)) {
      for await (const file of Deno.readDir(`${dir}/cache/${folder.name}`)) {
        entries.push(`${dir}/cache/${folder.name}/${file.name}`);
      }
    }
    assert.equal(entries.length, 1);
    const entry = JSON.parse(await Deno.readTextFile(entries[0]));
    assert.match(entry.sha256, /^[0-9a-f]{64}$/);
    entry.values[0] += 1; // a plausible, finite, wrong value
    await Deno.writeTextFile(entries[0], JSON.stringify(entry));
    const again = await extractUtteranceSet([path], settings, options);
    assert.deepEqual(again.data, first.data, "the damaged entry was recomputed, not served");
    const repaired = JSON.parse(await Deno.readTextFile(entries[0]));
    assert.equal(repaired.values[0], first.data[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("functionals of many files: workers equal the calling thread, failures named", async () => {
  const { extractUtteranceSet } = await import("../lib/features/utterance_set.ts");
  const { encodeWav } = await import("../lib/audio/mod.ts");
  const dir = await Deno.makeTempDir({ prefix: "ser_functionals_workers_" });
  try {
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      paths.push(`${dir}/clip${i}.wav`);
      await Deno.writeFile(paths[i], encodeWav(voice(120 + 30 * i, 0.5, 16000, 1, i), 16000));
    }
    paths.splice(3, 0, `${dir}/missing.wav`);
    const settings = { sampleRate: 16000 };
    const workers = await extractUtteranceSet(paths, settings, { workers: 2, progress: false });
    const inline = await extractUtteranceSet(paths, settings, { workers: 0, progress: false });
    assert.deepEqual(workers.paths, paths.filter((p) => !p.endsWith("missing.wav")));
    assert.deepEqual(workers.data, inline.data);
    assert.equal(workers.failures.length, 1);
    assert.match(workers.failures[0].problem, /missing\.wav/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
