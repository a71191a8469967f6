/**
 * Classifiers on pooled utterance vectors (one vector per clip), declared by a spec like the
 * recurrent models: an RBF support vector machine ({@link fitSvm}), softmax regression
 * ({@link fitLogistic}), or both averaged. Plain data in, plain data out: no tensors, no files;
 * the fitted model is JSON that runs in Deno and in the browser.
 *
 * The vectors must already be normalised the way the spec's `normalization` says (see
 * `lib/features/speaker_norm.ts`); the model adds one more standardisation fit on its training
 * vectors, so that every dimension enters the RBF kernel on the same scale.
 *
 * @example
 * ```ts
 * import { fitPooled, pooledPredictProba, svmPooledSpec } from "./pooled.ts";
 * const x = [[0, 0], [0, 1], [3, 3], [3, 4]].map((row) => Float32Array.from(row));
 * const model = fitPooled(svmPooledSpec(), x, [0, 0, 1, 1], ["calm", "angry"]);
 * console.log(pooledPredictProba(model, Float32Array.from([3, 3]))); // "angry" most likely
 * ```
 * @module
 */
import { fitLogistic, type LogisticModel, logisticPredictProba } from "./logistic.ts";
import { fitSvm, type SvmModel, svmPredictProba } from "./svm.ts";
import { fuseExperts, type VoiceGate, voiceGate, voiceGateWeights } from "./voice_gate.ts";

/** How utterance vectors are normalised before the classifier. */
export type PooledNormalization = "speaker" | "global" | "none";

/** Self-training on a new voice's unlabelled clips (see `adaptPooledToVoice`). */
export interface VoiceAdaptation {
  /** A clip joins the training set when its most probable class reaches this probability (0–1). */
  threshold: number;
  /** Rounds of labelling the voice's clips and refitting (whole number ≥ 1). */
  rounds: number;
  /** How many training clips each of the voice's labelled clips counts as (whole number ≥ 1). */
  weight: number;
  /** Fewest clips of the voice to adapt on; with fewer the model is left as it is. */
  minClips: number;
}

/** A declarative pooled-classifier spec. */
export interface PooledSpec {
  kind: "pooled";
  /** Model name, e.g. `svm`. */
  name: string;
  /** `svm`, `logistic`, or `ensemble` (the mean of both models' probabilities). */
  classifier: "svm" | "logistic" | "ensemble";
  /** SVM penalty (default 1). */
  c: number;
  /**
   * SVM RBF width; 0 (the default) means one over the summed squared column weights: `1 /
   * dimensions` without emphasis (scikit-learn's `"scale"` on standardised inputs), and a
   * column of weight 0 counts as absent.
   */
  gamma: number;
  /** Logistic-regression L2 penalty (default 0.01). */
  l2: number;
  /** Normalisation the input vectors had (recorded with the model for inference). */
  normalization: PooledNormalization;
  /** Weight classes by inverse frequency (default true): the protocols report UA. */
  balanced: boolean;
  /**
   * Functional families that count more (see {@link FunctionalEmphasis}); absent or empty: every
   * functional counts the same (models saved before emphasis existed).
   */
  emphasis?: readonly FunctionalEmphasis[];
  /**
   * Training clips from several corpora: one classifier per corpus, weighed for each new voice
   * by how near it is to each corpus's training voices (`lib/models/voice_gate.ts`), instead of
   * one classifier on the pooled clips. `temperature` is the gate's softmax temperature (the
   * default 0.1: the nearest corpus dominates unless the voice is about as near to another).
   * Absent: the clips are pooled (models saved before experts existed). One corpus: no effect.
   */
  corpusExperts?: { temperature: number };
  /**
   * Adapt the model to each new voice from that voice's unlabelled clips by self-training
   * (`lib/models/voice_adaptation.ts`): used by the protocols for every test speaker and by
   * `predictor.pooled.enrol` when enough clips are enrolled. Absent: no adaptation.
   */
  voiceAdaptation?: VoiceAdaptation;
}

/**
 * A family of functionals (names starting with `prefix`) multiplied by `weight` after the
 * model's standardisation: in the RBF kernel's distance and under the L2 penalty such a column
 * counts `weight²` times, as if it were repeated that often.
 */
export interface FunctionalEmphasis {
  /** Name prefix, e.g. `contour_`. */
  prefix: string;
  /** Weight, ≥ 0 (1: as any other functional; 0: ignored). */
  weight: number;
}

/**
 * The default emphasis: the contour-shape and voice-quality functionals count 9× (weight 3).
 * They are few (55 of 370) but transfer between voices better than the spectral envelope. On
 * TESS across its two speakers UA rises from 0.730 (weight 1) to 0.785, RAVDESS 6×4 actors
 * 0.738 → 0.743; weights 2 / 4 / 5 give 0.771 / 0.785 / 0.784 and 0.736 / 0.725 / 0.729 (chosen
 * on those protocols; see the README).
 */
export const DEFAULT_EMPHASIS: readonly FunctionalEmphasis[] = Object.freeze([
  { prefix: "contour_", weight: 3 },
  { prefix: "vq_", weight: 3 },
]);

/**
 * The default temperature of the corpus experts' voice gate. Trained on TESS and RAVDESS, 0.05 /
 * 0.1 / 0.25 / 0.5 give TESS cross-speaker UA 0.809 / 0.828 / 0.821 / 0.820 and RAVDESS 6x4
 * actors 0.743 / 0.743 / 0.737 / 0.731 (pooling the corpora: 0.743 and 0.673; chosen on those
 * protocols, see the README).
 */
export const DEFAULT_GATE_TEMPERATURE = 0.1;

/**
 * The voice adaptation measured in the README: clips the ensemble gives ≥ 0.6 join as that class,
 * counted 3 times, 3 rounds; from 20 clips of the voice. Thresholds 0.5 / 0.6 / 0.7 / 0.8 gave TESS
 * cross-speaker 0.811 / 0.833 / 0.839 / 0.799 (0.785 without), with RAVDESS also in training
 * 0.913 (0.6) / 0.881 (0.7); chosen on those protocols, see the README.
 */
export const DEFAULT_VOICE_ADAPTATION: Readonly<VoiceAdaptation> = Object.freeze({
  threshold: 0.6,
  rounds: 3,
  weight: 3,
  minClips: 20,
});

/** The default spec: RBF SVM on speaker-normalised functionals (see the README's table). */
export function svmPooledSpec(overrides: Partial<Omit<PooledSpec, "kind">> = {}): PooledSpec {
  return {
    kind: "pooled",
    name: "svm",
    classifier: "svm",
    c: 1,
    gamma: 0,
    l2: 0.01,
    normalization: "speaker",
    balanced: true,
    emphasis: DEFAULT_EMPHASIS,
    corpusExperts: { temperature: DEFAULT_GATE_TEMPERATURE },
    ...overrides,
  };
}

/**
 * The project's default pooled model: the mean of the RBF SVM's and softmax regression's
 * probabilities on speaker-normalised functionals (RAVDESS 6x4 UA 0.716 vs 0.696 / 0.702 alone;
 * see the README).
 */
export function ensemblePooledSpec(
  overrides: Partial<Omit<PooledSpec, "kind">> = {},
): PooledSpec {
  return svmPooledSpec({ name: "ensemble", classifier: "ensemble", ...overrides });
}

/** Softmax regression on the same vectors. */
export function logisticPooledSpec(
  overrides: Partial<Omit<PooledSpec, "kind">> = {},
): PooledSpec {
  return svmPooledSpec({ name: "logistic", classifier: "logistic", ...overrides });
}

/** A fitted pooled classifier: JSON-serialisable. */
export type PooledModel = PooledClassifier | PooledCorpusExperts;

/** One classifier on all training clips. */
export interface PooledClassifier {
  kind: "pooled";
  spec: PooledSpec;
  classes: string[];
  dimensions: number;
  /** Standardisation fit on the training vectors (after the spec's normalisation). */
  mean: number[];
  std: number[];
  /** Per-column weight after standardisation (the spec's emphasis); absent: all 1. */
  weights?: number[];
  svm?: SvmModel;
  logistic?: LogisticModel;
}

/** One classifier per training corpus and the gate that weighs them per voice. */
export interface PooledCorpusExperts {
  kind: "pooled";
  spec: PooledSpec;
  classes: string[];
  dimensions: number;
  /** The corpus of each expert. */
  corpora: string[];
  experts: PooledClassifier[];
  gate: VoiceGate;
}

function standardiser(x: readonly ArrayLike<number>[]): { mean: number[]; std: number[] } {
  const d = x[0].length;
  const mean = new Array(d).fill(0), std = new Array(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j];
  for (let j = 0; j < d; j++) mean[j] /= x.length;
  for (const row of x) for (let j = 0; j < d; j++) std[j] += (row[j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.max(Math.sqrt(std[j] / x.length), 1e-6);
  return { mean, std };
}

function standardise(
  model: Pick<PooledClassifier, "mean" | "std" | "weights">,
  row: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(row.length);
  const weights = model.weights;
  for (let j = 0; j < row.length; j++) {
    out[j] = (row[j] - model.mean[j]) / model.std[j] * (weights ? weights[j] : 1);
  }
  return out;
}

/** Per-column weights of `spec.emphasis` for vectors with these names; undefined: all 1. */
function emphasisWeights(
  spec: PooledSpec,
  names: readonly string[] | undefined,
  dimensions: number,
) {
  const emphasis = spec.emphasis ?? [];
  if (emphasis.length === 0) return undefined;
  if (!names) {
    throw new RangeError(
      `fitPooled(${spec.name}): the spec emphasises ${
        emphasis.map((e) => `"${e.prefix}*"`).join(", ")
      } but no functional names were given`,
    );
  }
  if (names.length !== dimensions) {
    throw new RangeError(
      `fitPooled(${spec.name}): ${names.length} names for vectors of ${dimensions} values`,
    );
  }
  const weights = new Array(dimensions).fill(1);
  for (const { prefix, weight } of emphasis) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new RangeError(`fitPooled(${spec.name}): emphasis weight ${weight} of "${prefix}"`);
    }
    let matched = 0;
    names.forEach((name, j) => {
      if (name.startsWith(prefix)) {
        weights[j] = weight;
        matched++;
      }
    });
    if (matched === 0) {
      throw new RangeError(
        `fitPooled(${spec.name}): emphasis on "${prefix}*" matches none of the ${dimensions} ` +
          `functionals (features from an older version? recompute them)`,
      );
    }
  }
  if (weights.every((weight) => weight === 0)) {
    throw new RangeError(`fitPooled(${spec.name}): the emphasis gives every functional weight 0`);
  }
  return weights;
}

/**
 * Fits a pooled classifier.
 *
 * @param spec what to fit
 * @param x training vectors, normalised as `spec.normalization` says
 * @param labels class index per vector
 * @param classes class names (the label encoder), `labels` index into it
 * @param names name of each value of the vectors; needed when the spec has an `emphasis`
 * @throws RangeError when there are no vectors, or the emphasis cannot be applied to `names`
 */
export function fitPooled(
  spec: PooledSpec,
  x: readonly ArrayLike<number>[],
  labels: readonly number[],
  classes: readonly string[],
  names?: readonly string[],
): PooledClassifier {
  if (x.length === 0) throw new RangeError(`fitPooled(${spec.name}): no training vectors`);
  const { mean, std } = standardiser(x);
  const weights = emphasisWeights(spec, names, x[0].length);
  const rows = x.map((row) => standardise({ mean, std, weights }, row));
  const k = classes.length;
  const counts = new Array(k).fill(0);
  for (const label of labels) counts[label]++;
  const classWeight = spec.balanced
    ? counts.map((count) => (count > 0 ? labels.length / (k * count) : 0))
    : undefined;
  const model: PooledClassifier = {
    kind: "pooled",
    spec,
    classes: [...classes],
    dimensions: x[0].length,
    mean,
    std,
    ...(weights ? { weights } : {}),
  };
  if (spec.classifier !== "logistic") {
    model.svm = fitSvm(rows, labels, {
      classes: k,
      c: spec.c,
      gamma: spec.gamma > 0
        ? spec.gamma
        : weights
        ? 1 / weights.reduce((sum, weight) => sum + weight * weight, 0)
        : undefined,
      classWeight,
    });
  }
  if (spec.classifier !== "svm") {
    model.logistic = fitLogistic(rows, labels, { classes: k, l2: spec.l2, classWeight });
  }
  return model;
}

/** A training voice: the mean raw vector of one training speaker's clips, and its corpus. */
export interface TrainingVoice {
  corpus: string;
  mean: ArrayLike<number>;
}

/**
 * Fits `spec` as {@link fitPooled} does, or, when the spec asks for corpus experts and the
 * clips come from several corpora, one classifier per corpus with a voice gate.
 *
 * @param corpora the corpus of each row of `x`
 * @param voices the training speakers' mean raw vectors (for the gate; every corpus of `corpora`
 *   needs at least one)
 * @throws RangeError as {@link fitPooled}, or when a corpus has no training voice
 */
export function fitPooledByCorpus(
  spec: PooledSpec,
  x: readonly ArrayLike<number>[],
  labels: readonly number[],
  classes: readonly string[],
  names: readonly string[] | undefined,
  corpora: readonly string[],
  voices: readonly TrainingVoice[],
): PooledModel {
  if (corpora.length !== x.length) {
    throw new RangeError(`fitPooled(${spec.name}): ${corpora.length} corpora for ${x.length} rows`);
  }
  const distinct = [...new Set(corpora)].sort();
  if (!spec.corpusExperts || distinct.length < 2) {
    return fitPooled(spec, x, labels, classes, names);
  }
  const experts = distinct.map((corpus) => {
    const rows = [...corpora.keys()].filter((i) => corpora[i] === corpus);
    return fitPooled(spec, rows.map((i) => x[i]), rows.map((i) => labels[i]), classes, names);
  });
  const byCorpus = distinct.map((corpus) =>
    voices.filter((voice) => voice.corpus === corpus).map((voice) => Array.from(voice.mean))
  );
  byCorpus.forEach((list, e) => {
    if (list.length === 0) {
      throw new RangeError(`fitPooled(${spec.name}): no training voice of corpus ${distinct[e]}`);
    }
  });
  return {
    kind: "pooled",
    spec,
    classes: [...classes],
    dimensions: experts[0].dimensions,
    corpora: distinct,
    experts,
    gate: voiceGate(byCorpus, spec.corpusExperts.temperature),
  };
}

/** Index of the most probable class. */
export function mostProbable(probabilities: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < probabilities.length; c++) {
    if (probabilities[c] > probabilities[best]) best = c;
  }
  return best;
}

/**
 * Class probabilities of one (normalised) utterance vector, in `model.classes` order.
 *
 * @param model a fitted model
 * @param x the clip's vector, normalised as `model.spec.normalization` says
 * @param voice for corpus experts: the speaker's mean raw vector (the speaker normaliser's mean);
 *   without it every expert counts the same. Ignored by a single classifier.
 */
export function pooledPredictProba(
  model: PooledModel,
  x: ArrayLike<number>,
  voice?: ArrayLike<number>,
): Float64Array {
  if (x.length !== model.dimensions) {
    throw new RangeError(
      `${model.spec.name}: input has ${x.length} values, the model expects ${model.dimensions}`,
    );
  }
  const out = "experts" in model
    ? fuseExperts(
      model.experts.map((expert) => classifierProbabilities(expert, x)),
      voiceGateWeights(model.gate, voice),
    )
    : classifierProbabilities(model, x);
  for (const value of out) {
    if (!Number.isFinite(value)) {
      throw new Error(`${model.spec.name}: the model produced a non-finite probability`);
    }
  }
  return out;
}

function classifierProbabilities(model: PooledClassifier, x: ArrayLike<number>): Float64Array {
  const row = standardise(model, x);
  const parts: Float64Array[] = [];
  if (model.svm) parts.push(svmPredictProba(model.svm, row));
  if (model.logistic) parts.push(logisticPredictProba(model.logistic, row));
  const out = new Float64Array(model.classes.length);
  for (const part of parts) for (let c = 0; c < out.length; c++) out[c] += part[c] / parts.length;
  return out;
}

/** One line that says what a pooled spec is, for notebooks and logs. */
export function describePooledSpec(spec: PooledSpec): string {
  const svm = `RBF SVM (C ${spec.c}, gamma ${spec.gamma > 0 ? spec.gamma : "1/weighted values"})`;
  const logistic = `softmax regression (L2 ${spec.l2})`;
  const classifier = spec.classifier === "svm"
    ? svm
    : spec.classifier === "logistic"
    ? logistic
    : `the mean of an ${svm} and ${logistic}`;
  const normalization = spec.normalization === "speaker"
    ? "each speaker standardised with their own clips' statistics (no labels)"
    : spec.normalization === "global"
    ? "standardised with the training clips' statistics"
    : "not normalised";
  const emphasis = (spec.emphasis ?? []).map((e) => `${e.prefix}* ×${e.weight}`).join(", ");
  const experts = spec.corpusExperts
    ? `; several corpora: one per corpus, weighed by the nearest training voice (temperature ${spec.corpusExperts.temperature})`
    : "";
  return `${spec.name}: utterance functionals, ${normalization}, into ${classifier}` +
    `${spec.balanced ? ", balanced class weights" : ""}${
      emphasis ? `, emphasis ${emphasis}` : ""
    }` +
    experts;
}
