/**
 * Inference: the artifacts the training step saves (label encoder, models manifest) and the
 * predictor that turns audio files or samples into emotions with a saved model.
 *
 * @example
 * ```ts
 * import { loadPredictor } from "./mod.ts";
 * const predictor = await loadPredictor("models");
 * console.log(await predictor.predict("clip.wav"));
 * // a recording of any length: windows of the clip length, silence skipped, flagged summary
 * const timeline = await predictor.predictTimeline("long.wav", { hopSeconds: 1 });
 * console.log(timeline.summary.message);
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
  type PredictTimelineOptions,
  type SamplesInput,
} from "./predictor.ts";
export {
  DEFAULT_HOP_SECONDS,
  predictTimelineWith,
  type Timeline,
  TIMELINE_RESAMPLE_QUALITY,
  timelineCsv,
  timelineHop,
  type TimelineOptions,
  type TimelineStatus,
  type TimelineSummary,
  type TimelineWindow,
  type WindowClassifier,
  windowStarts,
} from "./timeline.ts";
export { VAD_DEFAULTS, type VadOptions, type VoiceActivity, voiceActivity } from "./vad.ts";
export { type SequenceModelParts, sequenceWindowClassifier } from "./window_classifier.ts";
export { pooledWindowClassifier, type PooledWindowOptions } from "./pooled_window.ts";
export { type WindowFeatures, windowFeatures } from "./window_features.ts";
