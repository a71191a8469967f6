/**
 * Training: the seeded mini-batch loop, Keras-like callbacks and TensorBoard event files.
 *
 * @example
 * ```ts
 * import { EarlyStopping, fit, ProgressLogger } from "./mod.ts";
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4], activation: "softmax" })] });
 * const xTrain = tf.randomNormal([32, 4]), yTrain = tf.oneHot(tf.zeros([32], "int32"), 2);
 * const xVal = tf.randomNormal([8, 4]), yVal = tf.oneHot(tf.zeros([8], "int32"), 2);
 * const history = await fit(model, { xTrain, yTrain, xVal, yVal }, {
 *   epochs: 100, batchSize: 64, seed: 42,
 *   callbacks: [new EarlyStopping({ patience: 10, restoreBestWeights: true }), new ProgressLogger()],
 * });
 * ```
 * @module
 */
export {
  Callback,
  type CallbackState,
  EarlyStopping,
  type EarlyStoppingOptions,
  JsonlLogger,
  type JsonlLoggerOptions,
  type Logs,
  ModelCheckpoint,
  type ModelCheckpointOptions,
  type MonitorMode,
  ProgressLogger,
  type ProgressLoggerOptions,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  TensorBoardLogger,
  type TensorBoardLoggerOptions,
  TerminateOnNaN,
  type TerminateOnNaNOptions,
  type TrainableModel,
  type TrainingContext,
} from "./callbacks.ts";
export {
  clipByGlobalNorm,
  computeClassWeights,
  fit,
  type FitOptions,
  type History,
  type TrainingData,
} from "./trainer.ts";
export {
  EventFileWriter,
  type HparamValue,
  readEventFile,
  type ScalarValue,
  type TensorBoardEvent,
} from "./tensorboard.ts";
export { StopOnRequest, type StopOnRequestOptions } from "./stop.ts";
export { WeightAverage } from "./ema.ts";
