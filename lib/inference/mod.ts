/**
 * Inference: the artifacts the training step saves (label encoder, models manifest) and the
 * predictor that turns audio files or samples into emotions with a saved model.
 *
 * @example
 * ```ts
 * import { loadPredictor } from "./lib/inference/mod.ts";
 * const predictor = await loadPredictor("models");
 * console.log(await predictor.predict("clip.wav"));
 * ```
 * @module
 */
export {
  ARTIFACT_FILES,
  ArtifactError,
  type LabelEncoder,
  loadLabelEncoder,
  loadModelsManifest,
  type ManifestModelEntry,
  type ModelsManifest,
  openPromotedModelSet,
  saveLabelEncoder,
  saveModelsManifest,
  TRAINING_STEP_HINT,
} from "./artifacts.ts";
export {
  type BatchOptions,
  type BatchResult,
  createPredictor,
  loadPredictor,
  type LoadPredictorOptions,
  ModelOutputError,
  type Prediction,
  predictionTable,
  type Predictor,
  type PredictorParts,
  type SamplesInput,
} from "./predictor.ts";
