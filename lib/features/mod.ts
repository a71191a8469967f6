/**
 * Per-frame audio features with librosa 0.9.2 parity: STFT, mel/chroma filter banks, MFCC,
 * mel spectrogram, chroma, spectral contrast, zero-crossing rate and RMS, F0 (YIN, pYIN), deltas,
 * spectral centroid/bandwidth/roll-off/flatness, and the one-call
 * {@link extractFeatures} that concatenates them per frame.
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { extractFeatures, utteranceStatistics } from "./mod.ts";
 * const samples = sine(440, 3, 22050);
 * const config = { sampleRate: 22050, nFft: 2048, hopLength: 512, nMfcc: 40, nMels: 128, features: ["mfcc"] as const };
 * const matrix = extractFeatures(samples, config);
 * const pooled = utteranceStatistics(matrix);
 * ```
 * @module
 */
export { frameCount, stft } from "./stft.ts";
export type { StftOptions } from "./stft.ts";
export {
  chromaFilterBank,
  fftFrequencies,
  hzToMel,
  melFilterBank,
  melFrequencies,
  melToHz,
} from "./filters.ts";
export type { ChromaFilterOptions, FilterBank, MelFilterOptions } from "./filters.ts";
export {
  chromaStft,
  estimateTuning,
  melSpectrogram,
  mfcc,
  pitchTuning,
  powerToDb,
  spectralContrast,
} from "./spectral.ts";
export type {
  ChromaOptions,
  ContrastOptions,
  PowerToDbOptions,
  TuningOptions,
} from "./spectral.ts";
export { rms, zeroCrossingRate } from "./temporal.ts";
export type { FramingOptions } from "./temporal.ts";
export { pyin, type PyinOptions, type PyinResult, yin, type YinOptions } from "./pitch.ts";
export {
  spectralBandwidth,
  spectralCentroid,
  spectralFlatness,
  spectralRolloff,
} from "./descriptors.ts";
export type { BandwidthOptions, FlatnessOptions } from "./descriptors.ts";
export { delta, type DeltaOptions } from "./delta.ts";
export {
  extractFeatures,
  featureBlock,
  featureFamilyWidth,
  utteranceStatistics,
} from "./extract.ts";
export type { FeatureBlock, FeatureMatrix, FeatureOptions } from "./extract.ts";
export type { FrameSeries, Spectrogram } from "./types.ts";
export { type BatchOptions, type BatchTiming, extractFeatureSet } from "./batch.ts";
export {
  clipMatrix,
  type FailedFile,
  featureColumns,
  type FeatureSet,
  type FeatureSettings,
  featureSettings,
  loadFeatureSet,
  saveFeatureSet,
  selectClips,
} from "./feature_set.ts";
export { applyStandardScaler, fitStandardScaler, type StandardScaler } from "./normalize.ts";
export { type ClipFeatures, featuresForFile, featuresFromBytes } from "./clip_features.ts";
export {
  frameNormalize,
  speakerFrameStandardize,
  utteranceFrameStandardize,
} from "./frame_norm.ts";
export {
  familyWidths,
  FEATURE_NAMES,
  type FeatureName,
  featureWidth,
  framesPerClip,
  SEED_FEATURES,
} from "./names.ts";
export {
  type PitchContour,
  pitchContour,
  utteranceFeatures,
  type UtteranceOptions,
  type UtteranceVector,
} from "./utterance.ts";
export {
  voiceQuality,
  type VoiceQualityOptions,
  type VoiceQualitySeries,
} from "./voice_quality.ts";
export { type ContourFunctionals, contourFunctionals, type ContourInput } from "./contour.ts";
export { utteranceFeaturesOfWindows } from "./utterance_windows.ts";
export {
  extractUtteranceSet,
  type UtteranceAugmentation,
  type UtteranceBatchOptions,
  utteranceForFile,
  utteranceFromBytes,
  type UtteranceSet,
  type UtteranceSettings,
} from "./utterance_set.ts";
export {
  applyStatistics,
  NORMALIZATION_MODES,
  type NormalizationMode,
  rowsBySpeaker,
  RunningSpeakerNormalizer,
  type SpeakerPrior,
  speakerPrior,
  speakerStandardize,
  standardizeVector,
  utteranceStandardize,
  type VectorStatistics,
  vectorStatistics,
} from "./speaker_norm.ts";
