/**
 * Voice adaptation (lib/models/voice_adaptation.ts): self-training a pooled model on one new
 * voice's unlabelled clips, on a synthesized voice that says the same emotions with turned cues.
 */
import assert from "node:assert/strict";
import {
  adaptPooledToVoice,
  DEFAULT_VOICE_ADAPTATION,
  ensemblePooledSpec,
  fitPooled,
  fitPooledByCorpus,
  pooledPredictProba,
  type PooledTrainingSet,
  type VoiceAdaptation,
} from "../lib/models/mod.ts";
import {
  fitFold,
  predictFold,
  protocolVectors,
  type UtteranceData,
} from "../lib/pipeline/protocols.ts";
import { mulberry32 } from "../lib/util/random.ts";

const random = mulberry32(11);
const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

/** 3 emotions on a circle (0°, 120°, 240°, radius 3); `turn` degrees turns every cue. */
function voice(turn: number, perClass: number): { x: number[][]; labels: number[] } {
  const x: number[][] = [], labels: number[] = [];
  for (let c = 0; c < 3; c++) {
    const angle = (c * 120 + turn) * Math.PI / 180;
    for (let i = 0; i < perClass; i++) {
      x.push([3 * Math.cos(angle) + 0.6 * gauss(), 3 * Math.sin(angle) + 0.6 * gauss()]);
      labels.push(c);
    }
  }
  return { x, labels };
}

const spec = ensemblePooledSpec({ emphasis: [], corpusExperts: undefined });
const classes = ["angry", "happy", "sad"];
const adaptation: VoiceAdaptation = { threshold: 0.6, rounds: 3, weight: 3, minClips: 10 };
const trained = voice(0, 60);
const training: PooledTrainingSet = {
  vectors: trained.x,
  labels: trained.labels,
  corpora: trained.x.map(() => "studio"),
};
const model = fitPooled(spec, trained.x, trained.labels, classes);
const newVoice = voice(55, 40);

function accuracy(m: Parameters<typeof pooledPredictProba>[0], x: number[][], labels: number[]) {
  let hits = 0;
  x.forEach((row, i) => {
    const p = pooledPredictProba(m, row);
    if (p.indexOf(Math.max(...p)) === labels[i]) hits++;
  });
  return hits / x.length;
}

Deno.test("voice adaptation: self-training on a voice's own clips follows its turned cues", () => {
  const before = accuracy(model, newVoice.x, newVoice.labels);
  const adapted = adaptPooledToVoice(model, training, newVoice.x, undefined, adaptation);
  const after = accuracy(adapted.model, newVoice.x, newVoice.labels);
  // Turned by 45° of the 60° to the next emotion's border, a third of each emotion crosses it.
  assert.ok(before > 0.55 && before < 0.8, `before adaptation: ${before}`);
  assert.ok(after > 0.9, `after adaptation: ${after} (before ${before})`);
  assert.equal(adapted.pseudoLabelled.length, adaptation.rounds);
  assert.ok(adapted.pseudoLabelled.every((n) => n > 0 && n <= newVoice.x.length));
  assert.deepEqual(adapted.adaptedCorpora, ["studio"]);
  // The training voice is still recognised: its clips were kept, the voice's were added.
  assert.ok(accuracy(adapted.model, trained.x, trained.labels) > 0.9);
});

Deno.test("voice adaptation: too few clips or none confident leave the model as it is", () => {
  const few = adaptPooledToVoice(model, training, newVoice.x.slice(0, 9), undefined, adaptation);
  assert.equal(few.model, model);
  assert.deepEqual(few.pseudoLabelled, []);
  const strict = adaptPooledToVoice(model, training, newVoice.x, undefined, {
    ...adaptation,
    threshold: 0.9999,
  });
  assert.equal(strict.model, model, "no clip reaches the threshold");
  assert.deepEqual(strict.pseudoLabelled, []);
});

Deno.test("voice adaptation: bad settings and a training set that does not fit are errors", () => {
  const adapt = (a: VoiceAdaptation | undefined, t = training) =>
    adaptPooledToVoice(model, t, newVoice.x, undefined, a);
  assert.throws(() => adapt(undefined), /no voice adaptation/);
  assert.throws(() => adapt({ ...adaptation, threshold: 1 }), /threshold must be in \(0, 1\)/);
  assert.throws(() => adapt({ ...adaptation, rounds: 0 }), /rounds must be a whole number/);
  assert.throws(() => adapt({ ...adaptation, weight: 1.5 }), /weight must be a whole number/);
  assert.throws(() => adapt(adaptation, { ...training, labels: [0] }), /360 labels|1 labels/);
  assert.throws(
    () => adapt(adaptation, { ...training, vectors: trained.x.map((v) => [...v, 0]) }),
    /training vectors of 3 values, the model expects 2/,
  );
  assert.equal(DEFAULT_VOICE_ADAPTATION.threshold, 0.6);
});

Deno.test("voice adaptation: only the corpus experts that speak for the voice are refit", () => {
  // A second corpus far away (its own recording signature in value 2); the voice is near "studio".
  const far = voice(0, 20);
  const x = [...trained.x.map((v) => [...v, 0]), ...far.x.map((v) => [...v, 8])];
  const labels = [...trained.labels, ...far.labels];
  const corpora = [...trained.x.map(() => "studio"), ...far.x.map(() => "street")];
  const expertSpec = ensemblePooledSpec({ emphasis: [] });
  const experts = fitPooledByCorpus(expertSpec, x, labels, classes, undefined, corpora, [
    { corpus: "studio", mean: [0, 0, 0] },
    { corpus: "street", mean: [0, 0, 8] },
  ]);
  assert.ok("experts" in experts);
  const clips = newVoice.x.map((v) => [...v, 0]);
  const adapted = adaptPooledToVoice(
    experts,
    { vectors: x, labels, corpora },
    clips,
    [0, 0, 0.2],
    adaptation,
  );
  assert.deepEqual(adapted.adaptedCorpora, ["studio"]);
  assert.ok("experts" in adapted.model);
  const [studio, street] = ["studio", "street"].map((c) => experts.corpora.indexOf(c));
  assert.notEqual(adapted.model.experts[studio], experts.experts[studio]);
  assert.equal(adapted.model.experts[street], experts.experts[street], "the far expert is kept");
  assert.ok(adapted.pseudoLabelled.every((n) => n > 0));
});

Deno.test("protocols: voice adaptation uses the test speaker's clips, never their labels", () => {
  // One training speaker and one test speaker; speaker normalisation as in the protocols.
  const a = voice(0, 40), b = voice(55, 40);
  const data: UtteranceData = {
    vectors: Float32Array.from([...a.x, ...b.x].flat()),
    dimensions: 2,
    names: ["x", "y"],
    paths: [...a.x, ...b.x].map((_, i) => `clip${i}.wav`),
    labels: [...a.labels, ...b.labels],
    classes,
    speakers: [...a.x.map(() => "demo:a"), ...b.x.map(() => "demo:b")],
    corpora: [...a.x, ...b.x].map(() => "demo"),
  };
  const fold = {
    name: "a -> b",
    train: [...a.x.keys()],
    test: b.x.map((_, i) => a.x.length + i),
  };
  const adaptSpec = ensemblePooledSpec({ emphasis: [], voiceAdaptation: adaptation });
  const prepared = protocolVectors(data, "test", adaptSpec);
  const model = fitFold(data, fold, adaptSpec, prepared);
  const { predicted, beforeAdaptation } = predictFold(data, fold, adaptSpec, prepared, model);
  const { predicted: plain } = predictFold(
    data,
    fold,
    { ...adaptSpec, voiceAdaptation: undefined },
    prepared,
    model,
  );
  assert.deepEqual(beforeAdaptation, plain, "the model before adaptation is the plain one");
  const hits = (p: number[]) => p.filter((c, j) => c === data.labels[fold.test[j]]).length;
  assert.ok(hits(predicted) > hits(plain) + 10, `adapted ${hits(predicted)}, plain ${hits(plain)}`);
  // Scrambling the test speaker's labels changes nothing the protocol predicts.
  const scrambled = {
    ...data,
    labels: data.labels.map((l, i) => (i >= a.x.length ? (l + 1) % 3 : l)),
  };
  assert.deepEqual(predictFold(scrambled, fold, adaptSpec, prepared, model).predicted, predicted);
});
