/**
 * Adapting a pooled model to one new voice from that voice's unlabelled clips (self-training).
 *
 * Speaker normalisation moves a new voice's clips to where the training voices were; it cannot
 * move the boundaries between emotions, and one actress's happy may sit where another's pleasant
 * surprise did. Yet one speaker's clips cluster by emotion without labels (k-means purity
 * 0.97–0.99 on each TESS actress). Self-training uses that: the model labels the voice's clips,
 * those it is sure of (most probable class ≥ `threshold`) join the training set as that class,
 * `weight` times over, and the model is refit; `rounds` times. The clusters the model already
 * names mostly right pull their stragglers along (Yarowsky 1995; Lee 2013, "Pseudo-label").
 * No label of the voice is used; the voice's clips are the only input, as for the speaker
 * normalisation, and a voice with fewer than `minClips` clips is left alone.
 *
 * What it cannot do: a cluster the model names wrongly as a whole stays wrong (trained on one
 * TESS actress, the other's happy is still called angry or surprise), and it costs a refit per
 * round.
 *
 * @example
 * ```ts
 * import { adaptPooledToVoice } from "./voice_adaptation.ts";
 * import { fitPooled, logisticPooledSpec } from "./pooled.ts";
 * const spec = logisticPooledSpec({ emphasis: [] });
 * const x = [[-2, 0], [-1.5, 0.2], [2, 0], [1.5, -0.2]], labels = [0, 0, 1, 1];
 * const model = fitPooled(spec, x, labels, ["calm", "loud"]);
 * const adapted = adaptPooledToVoice(
 *   model,
 *   { vectors: x, labels, corpora: ["demo", "demo", "demo", "demo"] },
 *   [[-1, 0.1], [-1.2, 0], [1.1, 0], [0.9, 0.3]],
 *   undefined,
 *   { threshold: 0.5, rounds: 1, weight: 1, minClips: 2 },
 * );
 * console.log(adapted.pseudoLabelled[0]); // 4: each clip joined the training set once
 * ```
 * @module
 */
import {
  fitPooled,
  mostProbable,
  type PooledClassifier,
  type PooledModel,
  pooledPredictProba,
  type VoiceAdaptation,
} from "./pooled.ts";
import { voiceGateWeights } from "./voice_gate.ts";

/** What a pooled model was trained on (normalised as its spec says), for refitting. */
export interface PooledTrainingSet {
  vectors: readonly ArrayLike<number>[];
  /** Class index of each vector. */
  labels: readonly number[];
  /** Corpus of each vector (which expert it trained). */
  corpora: readonly string[];
  /** Value names (needed when the spec has an emphasis). */
  names?: readonly string[];
}

/** An adapted model and what the adaptation did. */
export interface VoiceAdaptationResult {
  model: PooledModel;
  /** How many of the voice's clips joined the training set in each round (empty: not adapted). */
  pseudoLabelled: number[];
  /** The corpora whose experts were refit (a single classifier: its training corpora). */
  adaptedCorpora: string[];
}

/**
 * Corpus experts whose gate weight for the voice is below this are not refit: they hardly
 * speak for it, and refitting a large corpus's expert per voice is the whole cost.
 */
const MIN_EXPERT_WEIGHT = 0.05;

function checkAdaptation(adaptation: VoiceAdaptation): void {
  const { threshold, rounds, weight, minClips } = adaptation;
  if (!(threshold > 0 && threshold < 1)) {
    throw new RangeError(`voice adaptation: threshold must be in (0, 1), got ${threshold}`);
  }
  for (const [name, value] of [["rounds", rounds], ["weight", weight], ["minClips", minClips]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(`voice adaptation: ${name} must be a whole number >= 1, got ${value}`);
    }
  }
}

/**
 * Self-trains `model` on one voice's unlabelled clips (see the module docs).
 *
 * @param model a fitted pooled model
 * @param training the vectors, labels and corpora it was fitted on
 * @param clips the voice's clips, normalised as the model's spec says (with this voice's
 *   statistics for speaker normalisation); they are the only data of the voice used
 * @param voice the voice's mean raw vector, for corpus experts' gate (see
 *   {@link pooledPredictProba}); experts it hardly weighs are not refit
 * @param adaptation threshold, rounds, weight and minimum clip count (default: the spec's
 *   `voiceAdaptation`)
 * @returns the adapted model (the same model when there are fewer than `minClips` clips or no
 *   clip reaches the threshold)
 * @throws RangeError when no adaptation is given or it is out of range, or `training` does not
 *   match the model
 */
export function adaptPooledToVoice(
  model: PooledModel,
  training: PooledTrainingSet,
  clips: readonly ArrayLike<number>[],
  voice?: ArrayLike<number>,
  adaptation: VoiceAdaptation | undefined = model.spec.voiceAdaptation,
): VoiceAdaptationResult {
  if (!adaptation) {
    throw new RangeError(`${model.spec.name}: no voice adaptation in the spec or the call`);
  }
  checkAdaptation(adaptation);
  const n = training.vectors.length;
  if (n === 0 || training.labels.length !== n || training.corpora.length !== n) {
    throw new RangeError(
      `${model.spec.name}: the training set has ${n} vectors, ${training.labels.length} labels ` +
        `and ${training.corpora.length} corpora`,
    );
  }
  if (training.vectors[0].length !== model.dimensions) {
    throw new RangeError(
      `${model.spec.name}: training vectors of ${training.vectors[0].length} values, the model ` +
        `expects ${model.dimensions}`,
    );
  }
  const experts: (string | undefined)[] = "experts" in model ? model.corpora : [undefined];
  const gateWeights = "experts" in model ? voiceGateWeights(model.gate, voice) : [1];
  const refit = experts.filter((_, e) => gateWeights[e] >= MIN_EXPERT_WEIGHT);
  const unchanged = { model, pseudoLabelled: [], adaptedCorpora: [] };
  if (clips.length < adaptation.minClips) return unchanged;

  // Each refit expert's own training rows, selected once for all rounds.
  const ownRows = new Map(refit.map((corpus) => {
    const vectors: ArrayLike<number>[] = [], labels: number[] = [];
    training.vectors.forEach((vector, i) => {
      if (corpus === undefined || training.corpora[i] === corpus) {
        vectors.push(vector);
        labels.push(training.labels[i]);
      }
    });
    return [corpus, { vectors, labels }];
  }));
  let current = model;
  const pseudoLabelled: number[] = [];
  for (let round = 0; round < adaptation.rounds; round++) {
    const extraVectors: ArrayLike<number>[] = [], extraLabels: number[] = [];
    for (const clip of clips) {
      const probabilities = pooledPredictProba(current, clip, voice);
      const best = mostProbable(probabilities);
      if (probabilities[best] >= adaptation.threshold) {
        extraVectors.push(clip);
        extraLabels.push(best);
      }
    }
    pseudoLabelled.push(extraVectors.length);
    if (extraVectors.length === 0) break;
    const fitExpert = (corpus: string | undefined): PooledClassifier => {
      const own = ownRows.get(corpus)!;
      const vectors = [...own.vectors], labels = [...own.labels];
      for (let copy = 0; copy < adaptation.weight; copy++) {
        vectors.push(...extraVectors);
        labels.push(...extraLabels);
      }
      return fitPooled(model.spec, vectors, labels, model.classes, training.names);
    };
    current = "experts" in model
      ? {
        ...model,
        experts: model.experts.map((expert, e) =>
          ownRows.has(model.corpora[e]) ? fitExpert(model.corpora[e]) : expert
        ),
      }
      : fitExpert(undefined);
  }
  if (pseudoLabelled.every((count) => count === 0)) return unchanged;
  return {
    model: current,
    pseudoLabelled,
    adaptedCorpora: "experts" in model ? refit as string[] : [...new Set(training.corpora)].sort(),
  };
}
