/**
 * Corpus experts: a pooled model trained on several corpora keeps one classifier per corpus and
 * weighs them per voice (lib/models/voice_gate.ts), on synthesized corpora that act the same
 * emotions with opposite cues.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RunningSpeakerNormalizer, speakerPrior } from "../lib/features/speaker_norm.ts";
import { ensemblePooledSpec, fitPooledByCorpus, pooledPredictProba } from "../lib/models/pooled.ts";
import { loadPooledModel, savePooledModel } from "../lib/models/pooled_store.ts";
import { fuseExperts, voiceGate, voiceGateWeights } from "../lib/models/voice_gate.ts";
import { pooledProbabilities } from "../lib/inference/pooled_window.ts";
import {
  fitFold,
  protocolVectors,
  runPooledProtocol,
  speakerGroupFolds,
  speakerVoices,
  type UtteranceData,
} from "../lib/pipeline/protocols.ts";
import { mulberry32 } from "../lib/util/random.ts";

Deno.test("voice gate: the nearest training voice decides, the temperature how sharply", () => {
  const gate = voiceGate([[[0, 0], [4, 0]], [[10, 10]]], 0.1);
  // Distances in units of the training voices' spread per value; the nearest voice per expert.
  const near = voiceGateWeights(gate, [4, 0.5]);
  assert.ok(near[0] > 0.999, `near the first expert's second voice: ${near[0]}`);
  const between = voiceGateWeights(gate, [7, 5]);
  assert.ok(between[0] > 0.05 && between[1] > 0.05, `in between: ${[...between]}`);
  const soft = voiceGateWeights(voiceGate(gate.voices, 100), [4, 0.5]);
  assert.ok(Math.abs(soft[0] - 0.5) < 0.01, `a high temperature weighs them alike: ${soft[0]}`);
  assert.deepEqual([...voiceGateWeights(gate)], [0.5, 0.5], "no voice: every expert the same");
  assert.throws(() => voiceGate([[[0, 0]], []], 0.1), /at least one training voice/);
  assert.throws(() => voiceGate([[[0, 0]]], 0), /temperature must be > 0/);
  assert.throws(() => voiceGateWeights(gate, [1]), /1 values, expected 2/);
});

Deno.test("fuseExperts: a weighted geometric mean, renormalised", () => {
  const fused = fuseExperts([[0.6, 0.4], [0.2, 0.8]], [0.5, 0.5]);
  const a = Math.sqrt(0.6 * 0.2), b = Math.sqrt(0.4 * 0.8);
  assert.ok(Math.abs(fused[0] - a / (a + b)) < 1e-12);
  assert.ok(Math.abs(fused[0] + fused[1] - 1) < 1e-12);
  assert.deepEqual([...fuseExperts([[0.6, 0.4], [0.2, 0.8]], [1, 0])].map((p) => +p.toFixed(12)), [
    0.6,
    0.4,
  ]);
});

/**
 * Two corpora of 4 speakers and 3 emotions. Values 0-1 carry the emotion, but "beta" acts each
 * emotion with the cue "alpha" uses for the next one (as two corpora with different acting
 * styles); values 2-3 carry a recording signature (+5 in alpha, -5 in beta) that speaker
 * normalisation removes but a voice's mean keeps. Every speaker adds an offset of its own.
 */
function twoCorpora(): UtteranceData {
  const random = mulberry32(5);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const cues = [[2, 0], [0, 2], [-2, -2]];
  const x: number[] = [], labels: number[] = [], speakers: string[] = [], corpora: string[] = [];
  for (const [corpus, shift, signature] of [["alpha", 0, 5], ["beta", 1, -5]] as const) {
    for (let s = 0; s < 4; s++) {
      const offset = [gauss(), gauss(), gauss() * 0.5, gauss() * 0.5];
      for (let i = 0; i < 30; i++) {
        const label = i % 3, cue = cues[(label + shift) % 3];
        x.push(
          cue[0] + offset[0] + 0.3 * gauss(),
          cue[1] + offset[1] + 0.3 * gauss(),
          signature + offset[2] + 0.3 * gauss(),
          signature + offset[3] + 0.3 * gauss(),
        );
        labels.push(label);
        speakers.push(`${corpus}:${s}`);
        corpora.push(corpus);
      }
    }
  }
  return {
    vectors: Float32Array.from(x),
    dimensions: 4,
    names: ["a", "b", "c", "d"],
    paths: labels.map((_, i) => `${corpora[i]}/${i}.wav`),
    labels,
    classes: ["x", "y", "z"],
    speakers,
    corpora,
  };
}

Deno.test("corpus experts: opposite acting styles pooled fail, experts gated by voice do not", () => {
  const data = twoCorpora();
  const protocol = speakerGroupFolds(data, 4); // each fold: 2 held-out speakers, both corpora train
  const experts = runPooledProtocol(data, protocol, ensemblePooledSpec({ emphasis: [] }));
  const pooled = runPooledProtocol(
    data,
    protocol,
    ensemblePooledSpec({ emphasis: [], corpusExperts: undefined }),
  );
  // Measured: experts 1.000, pooled 0.458 (every cue means one emotion in one corpus and
  // another in the other).
  assert.ok(experts.ua.mean >= 0.95, `experts UA ${experts.ua.mean}`);
  assert.ok(pooled.ua.mean <= 0.6, `pooled UA ${pooled.ua.mean}`);

  // The gate of a fold's model sends each held-out voice to its own corpus's expert.
  const spec = ensemblePooledSpec({ emphasis: [] });
  const fold = protocol.folds[0];
  const model = fitFold(data, fold, spec, protocolVectors(data, "test", spec));
  assert.ok("experts" in model && model.corpora.join() === "alpha,beta");
  const voices = speakerVoices(data);
  for (const speaker of new Set(fold.test.map((i) => data.speakers[i]))) {
    const weights = voiceGateWeights(model.gate, voices.get(speaker));
    const own = model.corpora.indexOf(speaker.split(":")[0]);
    assert.ok(weights[own] > 0.99, `${speaker}: weight of its corpus ${weights[own]}`);
  }
});

Deno.test("corpus experts: one corpus fits a single classifier; experts save, load and adapt", async () => {
  const data = twoCorpora();
  const spec = ensemblePooledSpec({ emphasis: [] });
  const voices = speakerVoices(data);
  const rows = (corpus: string) =>
    [...data.labels.keys()].filter((i) => data.corpora[i] === corpus);
  const fit = (train: number[]) => {
    const normalised = protocolVectors(data, "test", spec).vectors;
    return fitPooledByCorpus(
      spec,
      train.map((i) => normalised.subarray(i * 4, (i + 1) * 4)),
      train.map((i) => data.labels[i]),
      data.classes,
      data.names,
      train.map((i) => data.corpora[i]),
      [...new Set(train.map((i) => data.speakers[i]))].map((speaker) => ({
        corpus: speaker.split(":")[0],
        mean: voices.get(speaker)!,
      })),
    );
  };
  assert.ok(!("experts" in fit(rows("alpha"))), "one corpus: no experts");
  assert.throws(
    () =>
      fitPooledByCorpus(spec, [[0, 0, 0, 0], [1, 1, 1, 1]], [0, 1], data.classes, data.names, [
        "alpha",
        "beta",
      ], [{ corpus: "alpha", mean: [0, 0, 0, 0] }]),
    /no training voice of corpus beta/,
  );

  const train = [...data.labels.keys()].filter((i) => !data.speakers[i].endsWith(":3"));
  const model = fit(train);
  const dir = await Deno.makeTempDir({ prefix: "ser_experts_" });
  try {
    const raw = (i: number) => data.vectors.slice(i * 4, (i + 1) * 4);
    const trainRaw = Float32Array.from(train.flatMap((i) => [...raw(i)]));
    const prior = speakerPrior(trainRaw, 4, train.map((i) => data.speakers[i]));
    await savePooledModel(dir, {
      model,
      settings: { sampleRate: 22050 },
      names: data.names,
      prior,
    });
    const loaded = await loadPooledModel(join(dir));
    assert.deepEqual(loaded.model, model, "experts and gate survive JSON");
    // A new beta voice: once its clips are in the speaker normaliser, its mean picks beta's
    // expert, and the clips are classified as beta acts them.
    const newVoice = [...data.labels.keys()].filter((i) => data.speakers[i] === "beta:3");
    const normalizer = new RunningSpeakerNormalizer(prior, 10);
    for (const i of newVoice) normalizer.add(raw(i));
    const { mean } = normalizer.statistics();
    assert.ok("experts" in loaded.model && loaded.model.corpora[1] === "beta");
    assert.ok(voiceGateWeights(loaded.model.gate, mean)[1] > 0.99, "beta's expert");
    let correct = 0;
    for (const i of newVoice) {
      const p = pooledProbabilities(loaded.model, normalizer, raw(i));
      const best = p.indexOf(Math.max(...p));
      if (best === data.labels[i]) correct++;
      assert.deepEqual(
        p,
        pooledPredictProba(loaded.model, normalizer.normalize(raw(i)), mean),
        "the predictor's path is the library's",
      );
    }
    assert.ok(
      correct / newVoice.length >= 0.95,
      `new beta voice: ${correct} of ${newVoice.length}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
