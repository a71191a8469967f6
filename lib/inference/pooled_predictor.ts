/**
 * The predictor of a pooled model (speaker-normalised utterance functionals into the SVM /
 * softmax-regression ensemble): any file or sample buffer -> decode -> mono -> resample ->
 * functionals of the whole recording's speech -> speaker normalisation -> probabilities.
 *
 * Speaker normalisation at prediction time: the statistics of the current speaker start at the
 * training speakers' prior and adapt as clips of that speaker arrive
 * ({@link RunningSpeakerNormalizer}): call `enrol` with a few clips of the new voice (no labels),
 * or pass `adapt: true` to learn from every clip predicted; `resetSpeaker()` starts over.
 *
 * Voice adaptation: a model whose spec adapts to voices (`spec.voiceAdaptation`, saved with its
 * training set) is also self-trained on the enrolled clips once there are enough of them
 * (`minClips`, 20 by default; {@link adaptPooledToVoice}); later predictions use the adapted
 * model until `resetSpeaker()`.
 *
 * @example
 * ```ts ignore
 * const predictor = await loadPredictor("models"); // a pooled model when it is the best one
 * if (predictor.kind === "pooled") await predictor.enrol(["me_1.wav", "me_2.wav", "me_3.wav"]);
 * console.log((await predictor.predict("me_4.wav")).emotion);
 * ```
 * @module
 */
import { assertFunctionalLayout } from "./functional_layout.ts";
import { mixToMono, readAudioFile, resample } from "../audio/mod.ts";
import {
  RunningSpeakerNormalizer,
  standardizeVector,
  utteranceFeatures,
  utteranceFromBytes,
} from "../features/mod.ts";
import {
  adaptPooledToVoice,
  type PooledArtifact,
  type PooledModel,
  type VoiceAdaptationResult,
} from "../models/mod.ts";
import { pooledProbabilities } from "./pooled_window.ts";

/** Audio already in memory, as {@link SamplesInput} of the recurrent predictor. */
export interface PooledSamplesInput {
  samples: Float32Array | Float32Array[];
  sampleRate: number;
  name?: string;
}

/** One prediction of a pooled model. */
export interface PooledPrediction {
  emotion: string;
  confidence: number;
  probabilities: Record<string, number>;
  path?: string;
  /** Clips of the current speaker the normalisation had seen (0: the prior alone). */
  speakerClips: number;
}

/** Options of {@link createPooledPredictor}. */
export interface PooledPredictorOptions {
  /** Learn the speaker's statistics from every predicted clip too (default false). */
  adapt?: boolean;
  /** How many clips the prior is worth against the speaker's own (default 10). */
  priorWeight?: number;
}

/** A pooled model ready to classify audio. */
export interface PooledPredictor {
  readonly kind: "pooled";
  readonly modelName: string;
  readonly classes: readonly string[];
  readonly artifact: PooledArtifact;
  /** The raw functionals of one input (before speaker normalisation). */
  functionalsOf(input: string | PooledSamplesInput): Promise<Float32Array>;
  /** Classifies one clip. */
  predict(input: string | PooledSamplesInput): Promise<PooledPrediction>;
  /** Classifies a clip's raw functionals (e.g. a window of a longer recording). */
  predictFunctionals(vector: Float32Array, name?: string): PooledPrediction;
  /**
   * Adds clips of the current speaker to the normalisation statistics (no labels needed), and
   * adapts a model that adapts to voices to all clips enrolled so far once there are enough.
   * @returns how many clips of the speaker the normalisation has seen
   */
  enrol(inputs: readonly (string | PooledSamplesInput)[]): Promise<number>;
  /**
   * What the last voice adaptation did (clips labelled per round, corpora refit), or undefined
   * while the model is the trained one (no adaptation in its spec, no training set saved with it,
   * or fewer enrolled clips than `minClips`).
   */
  voiceAdaptation(): VoiceAdaptationResult | undefined;
  /** Forgets the current speaker. */
  resetSpeaker(): void;
  /**
   * A copy of the current speaker statistics (the prior plus every clip enrolled or adapted
   * on so far), e.g. to adapt over one recording without changing this predictor's speaker.
   */
  speakerNormalizer(): RunningSpeakerNormalizer;
  dispose(): void;
}

/**
 * Wraps a loaded pooled artifact.
 *
 * @param artifact model, settings, value names and speaker prior
 * @param modelName name shown in outputs
 * @param options adaptation
 * @throws Error when the model was trained on other functionals than this version computes
 */
export function createPooledPredictor(
  artifact: PooledArtifact,
  modelName: string,
  options: PooledPredictorOptions = {},
): PooledPredictor {
  assertFunctionalLayout(artifact, modelName);
  const normalizer = new RunningSpeakerNormalizer(artifact.prior, options.priorWeight ?? 10);
  const classes = artifact.model.classes;
  // The enrolled clips' raw functionals (voice adaptation refits on all of them) and the model
  // predictions use: the trained one, or the one adapted to the current speaker.
  let enrolled: Float32Array[] = [];
  let model: PooledModel = artifact.model;
  let adaptation: VoiceAdaptationResult | undefined;
  const adaptToVoice = () => {
    const settings = artifact.model.spec.voiceAdaptation;
    if (!settings || !artifact.training || enrolled.length < settings.minClips) return;
    const bySpeaker = artifact.model.spec.normalization === "speaker";
    const statistics = normalizer.statistics();
    const clips = enrolled.map((raw) => bySpeaker ? standardizeVector(raw, statistics) : raw);
    const voice = bySpeaker ? statistics.mean : undefined;
    const result = adaptPooledToVoice(artifact.model, artifact.training, clips, voice);
    if (result.pseudoLabelled.length === 0) return;
    adaptation = result;
    model = result.model;
  };
  const functionalsOf = async (input: string | PooledSamplesInput): Promise<Float32Array> => {
    let vector;
    if (typeof input === "string") {
      const bytes = await readAudioFile(input);
      vector = await utteranceFromBytes(bytes, input, artifact.settings);
    } else {
      const name = input.name ?? "<samples>";
      if (!Number.isInteger(input.sampleRate) || input.sampleRate <= 0) {
        throw new RangeError(
          `${name}: sample rate must be a positive whole number of Hz, got ${input.sampleRate}`,
        );
      }
      const mono = Array.isArray(input.samples) ? mixToMono(input.samples) : input.samples;
      const samples = await resample(mono, input.sampleRate, artifact.settings.sampleRate, {
        quality: "kaiser_fast",
      });
      vector = utteranceFeatures(samples, { ...artifact.settings, source: name });
    }
    if (vector.values.length !== artifact.names.length) {
      throw new Error(
        `${typeof input === "string" ? input : input.name ?? "<samples>"}: ` +
          `${vector.values.length} functionals, the model needs ${artifact.names.length} ` +
          `(it was trained on another version of the functionals: train it again)`,
      );
    }
    return vector.values;
  };
  const predictFunctionals = (raw: Float32Array, name?: string): PooledPrediction => {
    if (options.adapt) normalizer.add(raw);
    const p = pooledProbabilities(model, normalizer, raw);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    const probabilities: Record<string, number> = {};
    classes.forEach((label, c) => (probabilities[label] = p[c]));
    return {
      emotion: classes[best],
      confidence: p[best],
      probabilities,
      speakerClips: normalizer.count,
      ...(name === undefined ? {} : { path: name }),
    };
  };
  return {
    kind: "pooled",
    modelName,
    classes,
    artifact,
    functionalsOf,
    predictFunctionals,
    async predict(input) {
      const name = typeof input === "string" ? input : input.name;
      return predictFunctionals(await functionalsOf(input), name);
    },
    async enrol(inputs) {
      for (const input of inputs) {
        const raw = await functionalsOf(input);
        normalizer.add(raw);
        enrolled.push(raw);
      }
      adaptToVoice();
      return normalizer.count;
    },
    voiceAdaptation: () => adaptation,
    resetSpeaker: () => {
      normalizer.reset();
      enrolled = [];
      model = artifact.model;
      adaptation = undefined;
    },
    speakerNormalizer: () => normalizer.clone(),
    dispose() {},
  };
}
