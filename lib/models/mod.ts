/**
 * Models: declarative specs, the seed's LSTM/GRU/hybrid architectures, the fast JS/OpenBLAS
 * recurrent, conv, batch-norm and dropout layers, and folder save/load.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * import { buildModel, compileModel, lstmSpec, saveModel } from "./mod.ts";
 * const config = loadConfig();
 * const labels = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];
 * const model = compileModel(buildModel(lstmSpec(config), { frames: 130, features: 188, classes: 7 }));
 * await saveModel(model, "models/lstm", { labels });
 * ```
 * @module
 */
export {
  buildModel,
  cnnSpec,
  compileModel,
  formatSummary,
  gruSpec,
  hybridSpec,
  lstmSpec,
  modelSummary,
} from "./model_builder.ts";
export type {
  Activation,
  BuildOptions,
  CnnOptions,
  CompileOptions,
  LayerSpec,
  ModelSpec,
  ModelSummary,
  SummaryRow,
} from "./model_builder.ts";
export { FastGRU, FastLSTM } from "./fast_recurrent.ts";
export type { FastRecurrentArgs } from "./fast_recurrent.ts";
export { FastConv1D } from "./fast_conv1d.ts";
export { StatsPooling1D, type StatsPooling1DArgs } from "./stats_pool.ts";
export type { FastConv1DArgs } from "./fast_conv1d.ts";
export { FastBatchNormalization } from "./fast_batchnorm.ts";
export type { FastBatchNormalizationArgs } from "./fast_batchnorm.ts";
export { FastDropout } from "./fast_dropout.ts";
export { type BatchShard, currentBatchShard, withBatchShard } from "./batch_shard.ts";
export type { FastDropoutArgs } from "./fast_dropout.ts";
export { loadModel, loadModelMetadata, MODEL_FILES, saveModel } from "./store.ts";
export * from "./model_set.ts";
export { blasInfo, setBlasImplementation, setBlasThreads } from "./blas.ts";
export type { BlasInfo, BlasKind } from "./blas.ts";
export { type FastKernels, installFastKernels } from "./fast_kernels.ts";
export {
  argmaxRows,
  type ArrayWithShape,
  asTensor,
  predictProbabilities,
  type TensorInput,
} from "./predict.ts";
export { type BackendInfo, type BackendName, type BackendOptions, initBackend } from "./backend.ts";
export {
  DEFAULT_EMPHASIS,
  DEFAULT_GATE_TEMPERATURE,
  DEFAULT_VOICE_ADAPTATION,
  describePooledSpec,
  ensemblePooledSpec,
  fitPooled,
  fitPooledByCorpus,
  type FunctionalEmphasis,
  logisticPooledSpec,
  mostProbable,
  type PooledClassifier,
  type PooledCorpusExperts,
  type PooledModel,
  type PooledNormalization,
  pooledPredictProba,
  type PooledSpec,
  svmPooledSpec,
  type TrainingVoice,
  type VoiceAdaptation,
} from "./pooled.ts";
export {
  adaptPooledToVoice,
  type PooledTrainingSet,
  type VoiceAdaptationResult,
} from "./voice_adaptation.ts";
export { type VoiceGate } from "./voice_gate.ts";
export {
  isPooledModelDir,
  loadPooledModel,
  POOLED_MODEL_FILE,
  POOLED_TRAINING_FILE,
  type PooledArtifact,
  savePooledModel,
} from "./pooled_store.ts";
export { fitSvm, type SvmModel, type SvmOptions, svmPredictProba } from "./svm.ts";
export {
  fitLogistic,
  type LogisticModel,
  type LogisticOptions,
  logisticPredictProba,
} from "./logistic.ts";
