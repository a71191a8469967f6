/**
 * The sequence models' window classifier: samples at the model's rate -> trim/zero-pad to the
 * clip length -> `extractFeatures` -> standardise -> model -> probabilities, batched. It is the
 * training pipeline minus decoding and resampling, and it only imports tfjs and pure
 * TypeScript, so the live browser page classifies with this very file.
 *
 * @example
 * ```ts
 * import type { SequenceModelParts } from "./window_classifier.ts";
 * import { sequenceWindowClassifier } from "./window_classifier.ts";
 * async function example(parts: SequenceModelParts) { // from a loaded model set
 *   const { model, settings, scaler, classes } = parts;
 *   const samples = new Float32Array(3 * settings.sampleRate);
 *   const classifier = sequenceWindowClassifier({ model, settings, scaler, classes });
 *   const [probabilities] = await classifier.predictBatch!([samples], settings.sampleRate);
 * }
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FeatureSettings, StandardScaler } from "../features/mod.ts";
import type { WindowClassifier } from "./timeline.ts";
import { type WindowFeatures, windowFeatures } from "./window_features.ts";

/** What {@link sequenceWindowClassifier} needs: a `frames x width` input model and its setup. */
export interface SequenceModelParts {
  model: tf.LayersModel;
  settings: FeatureSettings;
  scaler: StandardScaler;
  classes: readonly string[];
  /**
   * Computes {@link windowFeatures} elsewhere (e.g. a worker pool); default: inline. Must give
   * exactly what `windowFeatures` gives.
   */
  features?: (windows: readonly Float32Array[]) => Promise<WindowFeatures>;
}

/**
 * A {@link WindowClassifier} for a model over per-frame features (`[batch, frames, width]`).
 *
 * Windows must be at `settings.sampleRate`; a window of another rate is an error (resample the
 * recording once, before cutting windows).
 *
 * @param parts the model, its feature settings, scaler and class names
 * @example
 * ```ts
 * import { predictTimelineWith } from "./timeline.ts";
 * async function example(parts: SequenceModelParts) { // a loaded model, its settings, scaler, classes
 *   const samples = new Float32Array(10 * parts.settings.sampleRate);
 *   const classifier = sequenceWindowClassifier(parts);
 *   const timeline = await predictTimelineWith(samples, parts.settings.sampleRate, classifier);
 * }
 * ```
 */
export function sequenceWindowClassifier(parts: SequenceModelParts): WindowClassifier {
  const { model, settings, scaler } = parts;
  const classes = [...parts.classes];
  const checkRate = (sampleRate: number) => {
    if (sampleRate !== settings.sampleRate) {
      throw new RangeError(
        `window classifier: windows must be at the model's ${settings.sampleRate} Hz, got ` +
          `${sampleRate} Hz (resample first)`,
      );
    }
  };
  const featuresOf = parts.features ??
    ((windows: readonly Float32Array[]) =>
      Promise.resolve(windowFeatures(windows, settings, scaler)));
  const predictBatch = async (windows: readonly Float32Array[], sampleRate: number) => {
    checkRate(sampleRate);
    if (windows.length === 0) return [];
    const { stacked, frames, width } = await featuresOf(windows);
    const output = tf.tidy(() =>
      model.apply(tf.tensor3d(stacked, [windows.length, frames, width]), {
        training: false,
      }) as tf.Tensor
    );
    const values = await output.data() as Float32Array;
    output.dispose();
    const n = classes.length;
    return windows.map((_, i) => values.slice(i * n, (i + 1) * n));
  };
  return {
    classes,
    windowSeconds: settings.duration,
    predictBatch,
    async predict(samples, sampleRate) {
      return (await predictBatch([samples], sampleRate))[0];
    },
  };
}
