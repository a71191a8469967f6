/**
 * The pooled models' window classifier: samples of one window -> utterance functionals
 * (`utteranceFeatures`, pure TypeScript incl. pYIN) -> speaker normalisation with a
 * {@link RunningSpeakerNormalizer} -> `pooledPredictProba`. Pure TypeScript with no Deno or
 * tfjs import, so the live browser page classifies with this very file, and `predictTimeline`
 * of a pooled predictor builds its adapting sessions with it.
 *
 * Running adaptation (`adapt: true`): every window classified is first added to the speaker's
 * statistics, then normalised with them and classified — in the order the windows are
 * classified (a timeline's voiced windows in time order; the live page's windows as they
 * arrive). Same windows in the same order give the same probabilities on both sides.
 *
 * @example
 * ```ts
 * import { pooledWindowClassifier } from "./pooled_window.ts";
 * import { RunningSpeakerNormalizer } from "../features/speaker_norm.ts";
 * import type { PooledArtifact } from "../models/pooled_store.ts";
 * async function example(artifact: PooledArtifact) {
 *   const normalizer = new RunningSpeakerNormalizer(artifact.prior);
 *   const classifier = pooledWindowClassifier(artifact, { windowSeconds: 3, normalizer, adapt: true });
 *   const probabilities = classifier.predict(new Float32Array(3 * 22050), 22050);
 *   console.log(probabilities, normalizer.count); // 1 clip seen
 * }
 * ```
 * @module
 */
import { assertFunctionalLayout } from "./functional_layout.ts";
import type { RunningSpeakerNormalizer } from "../features/mod.ts";
// Deep import: this file is bundled for the browser (lib/live/page), where lib/features/mod.ts would pull in Deno-only code.
import { utteranceAnalysis, utteranceFeatures } from "../features/utterance.ts";
import { standardizeVector } from "../features/speaker_norm.ts";
// Deep import: this file is bundled for the browser (lib/live/page), where lib/models/mod.ts would pull in Deno-only code.
import { pooledPredictProba } from "../models/pooled.ts";
import type { PooledArtifact, PooledModel } from "../models/mod.ts";
import type { WindowClassifier } from "./timeline.ts";

/** Options of {@link pooledWindowClassifier}. */
export interface PooledWindowOptions {
  /** The window length in seconds (the manifest's `features.duration`). */
  windowSeconds: number;
  /** The speaker statistics windows are normalised with (and added to when `adapt`). */
  normalizer: RunningSpeakerNormalizer;
  /** Add every classified window to `normalizer` before normalising it (default false). */
  adapt?: boolean;
  /**
   * Computes many windows' raw functionals at once (e.g. `FunctionalsPool` on all
   * cores); must give exactly what `utteranceFeatures` gives. With it the classifier has a
   * `predictBatch` (used by timelines); without it, windows are featurised one by one inline.
   */
  functionalsBatch?: (
    windows: readonly Float32Array[],
    sampleRate: number,
  ) => Promise<Float32Array[]>;
}

/**
 * The samples between the frames of a pooled model's functionals: its timelines' default hop is
 * a whole number of them, so overlapping windows share their frame analyses.
 */
export function pooledFrameHop(settings: PooledArtifact["settings"]): number {
  return utteranceAnalysis(settings).stft.hopLength;
}

/**
 * A pooled model's probabilities for one clip's raw functionals: normalised with the speaker
 * normaliser's current statistics when the model is speaker-normalised, whose mean is also the
 * voice that weighs corpus experts (a globally normalised model gets the raw vector and no voice).
 */
export function pooledProbabilities(
  model: PooledModel,
  normalizer: RunningSpeakerNormalizer,
  raw: Float32Array,
): Float64Array {
  if (model.spec.normalization !== "speaker") return pooledPredictProba(model, raw);
  const statistics = normalizer.statistics();
  return pooledPredictProba(model, standardizeVector(raw, statistics), statistics.mean);
}

/** A pooled {@link WindowClassifier} whose `predict` is synchronous. */
export interface PooledWindowClassifier extends WindowClassifier {
  predict(samples: Float32Array, sampleRate: number): Float64Array;
  /** The raw (un-normalised) functionals of one window. */
  functionals(samples: Float32Array, sampleRate: number): Float32Array;
  /** Probabilities of raw functionals (adapting first when `adapt`). */
  predictFunctionals(raw: Float32Array): Float64Array;
}

/**
 * A window classifier over a pooled artifact.
 *
 * @param artifact the loaded `pooled.json` (model, utterance settings, value names, prior)
 * @param options window length, speaker statistics, adaptation
 * @throws Error (from `predict`) when the functionals' length differs from the model's
 */
export function pooledWindowClassifier(
  artifact: PooledArtifact,
  options: PooledWindowOptions,
): PooledWindowClassifier {
  const { model, settings, names } = artifact;
  assertFunctionalLayout(artifact, model.spec.name);
  const { normalizer } = options;
  const functionals = (samples: Float32Array, sampleRate: number) => {
    const vector = utteranceFeatures(samples, { ...settings, sampleRate, source: "window" });
    if (vector.values.length !== names.length) {
      throw new Error(
        `pooled window classifier: ${vector.values.length} functionals, the model needs ` +
          `${names.length}`,
      );
    }
    return vector.values;
  };
  const predictFunctionals = (raw: Float32Array) => {
    if (options.adapt) normalizer.add(raw);
    return pooledProbabilities(model, normalizer, raw);
  };
  return {
    ...orderedPooledBatches(options.functionalsBatch, predictFunctionals, names.length),
    classes: [...model.classes],
    windowSeconds: options.windowSeconds,
    frameHop: pooledFrameHop(settings),
    functionals,
    predictFunctionals,
    predict: (samples, sampleRate) => predictFunctionals(functionals(samples, sampleRate)),
  };
}

/**
 * A `predictBatch` over `functionalsBatch` that classifies batches strictly in the order they
 * were asked for: the functionals of several batches may be computed at once (a timeline keeps
 * two in flight), but a running speaker normaliser must see the windows in time order.
 *
 * @param functionalsBatch raw functionals of many windows (none: no `predictBatch`)
 * @param classify probabilities of one window's raw functionals (adapting, when it adapts)
 * @param dimensions values per window the model needs
 */
export function orderedPooledBatches(
  functionalsBatch: PooledWindowOptions["functionalsBatch"],
  classify: (raw: Float32Array) => ArrayLike<number>,
  dimensions: number,
): Pick<WindowClassifier, "predictBatch"> {
  if (!functionalsBatch) return {};
  let queue: Promise<unknown> = Promise.resolve();
  return {
    predictBatch(windows, sampleRate) {
      const rows = functionalsBatch(windows, sampleRate);
      const result = queue.then(async () =>
        (await rows).map((raw) => {
          if (raw.length !== dimensions) {
            throw new Error(
              `pooled window classifier: ${raw.length} functionals, the model needs ${dimensions}`,
            );
          }
          return classify(raw);
        })
      );
      queue = result.catch(() => {});
      return result;
    },
  };
}
