/**
 * The steps the training and evaluation notebooks run, as typed functions: label a feature set,
 * turn a split into normalised arrays, train a model spec with the seed's callbacks, score it,
 * cross-validate it, and evaluate it speaker-independently.
 *
 * Data flows one way: {@link FeatureSet} + scan table -> {@link LabelledSet} -> arrays of one
 * split -> model -> predictions -> {@link MetricsResult}.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * import { scanCorpus, stratifiedSplit } from "../data_loader/mod.ts";
 * import { extractFeatureSet, fitStandardScaler } from "../features/mod.ts";
 * import { gruSpec } from "../models/mod.ts";
 * const config = loadConfig();
 * const scan = await scanCorpus("data/TESS");
 * const features = await extractFeatureSet(scan.table.getColumn("path").toArray() as string[], config);
 * const data = labelFeatureSet(features, scan.table);
 * const split = stratifiedSplit(data.labels, { testSize: 0.2, valSize: 0.1, seed: 42 });
 * const scaler = fitStandardScaler(data.features, split.train);
 * const run = await trainModel(gruSpec(config), data, { config, ...split, scaler });
 * const { metrics } = await evaluateModel(run.model, data, split.test, scaler);
 * ```
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type pl from "nodejs-polars";
import type { Config } from "../../config.ts";
import { columnValues, EMOTIONS, leaveOneGroupOut, stratifiedSplit } from "../data_loader/mod.ts";
import {
  computeMetrics,
  crossValidate,
  type CrossValidationResult,
  type Fold,
  type MetricsResult,
} from "../evaluate/mod.ts";
import {
  applyStandardScaler,
  type FeatureSet,
  fitStandardScaler,
  type StandardScaler,
} from "../features/mod.ts";
import {
  argmaxRows,
  type ArrayWithShape,
  buildModel,
  compileModel,
  type ModelSpec,
  modelSummary,
  predictProbabilities,
  saveModel,
} from "../models/mod.ts";
import {
  type Callback,
  EarlyStopping,
  fit,
  type History,
  JsonlLogger,
  ModelCheckpoint,
  ProgressLogger,
  ReduceLROnPlateau,
  TensorBoardLogger,
  TerminateOnNaN,
} from "../trainer/mod.ts";

/** A feature set with a class label, speaker and utterance per clip. */
export interface LabelledSet {
  features: FeatureSet;
  /** Class index of each clip into `classes`. */
  labels: number[];
  /** Class names, in index order (the label encoder). */
  classes: string[];
  /** Speaker of each clip. */
  speakers: string[];
  /** Word or sentence id of each clip. */
  utterances: string[];
}

/**
 * Joins features to the scan table (by `path`) to attach emotion, speaker and utterance.
 *
 * @param features extracted features (rows follow `features.paths`)
 * @param table the corpus scan (`path`, `emotion`, `speaker`, `utterance` columns)
 * @param classes class vocabulary (default: the seven emotions)
 * @throws Error naming the file when a feature row has no table row or an unknown emotion
 */
export function labelFeatureSet(
  features: FeatureSet,
  table: pl.DataFrame,
  classes: readonly string[] = EMOTIONS,
): LabelledSet {
  const paths = columnValues(table, "path");
  const emotions = columnValues(table, "emotion");
  const speakers = columnValues(table, "speaker");
  const utterances = columnValues(table, "utterance");
  const rowOf = new Map(paths.map((path, row) => [path, row]));
  const classIndex = new Map(classes.map((name, index) => [name, index]));
  const labels: number[] = [];
  const clipSpeakers: string[] = [];
  const clipUtterances: string[] = [];
  for (const path of features.paths) {
    const row = rowOf.get(path);
    if (row === undefined) throw new Error(`${path}: has features but is not in the scan table`);
    const label = classIndex.get(emotions[row]);
    if (label === undefined) {
      throw new Error(`${path}: emotion "${emotions[row]}" is not one of ${classes.join(", ")}`);
    }
    labels.push(label);
    clipSpeakers.push(speakers[row]);
    clipUtterances.push(utterances[row]);
  }
  return {
    features,
    labels,
    classes: [...classes],
    speakers: clipSpeakers,
    utterances: clipUtterances,
  };
}

/**
 * The clips `indices` as model inputs: `x` `[n, frames, width]` standardised with `scaler`, and
 * `y` the class indices `[n]`.
 */
export function splitArrays(
  data: LabelledSet,
  indices: readonly number[],
  scaler: StandardScaler,
): { x: ArrayWithShape; y: ArrayWithShape } {
  const { frames, width } = data.features;
  const clipSize = frames * width;
  const raw = new Float32Array(indices.length * clipSize);
  indices.forEach((clip, row) => {
    raw.set(data.features.data.subarray(clip * clipSize, (clip + 1) * clipSize), row * clipSize);
  });
  return {
    x: { values: applyStandardScaler(scaler, raw), shape: [indices.length, frames, width] },
    y: { values: Int32Array.from(indices, (clip) => data.labels[clip]), shape: [indices.length] },
  };
}

/** Options of {@link trainModel}. */
export interface TrainModelOptions {
  /** Epochs, batch size, learning rate, patience, seed, ... */
  config: Config;
  /** Training clip indices. */
  train: readonly number[];
  /** Validation clip indices (early stopping, LR schedule and checkpoints watch `val_loss`). */
  val: readonly number[];
  /** Normaliser fit on the training clips (default: fit here on `train`). */
  scaler?: StandardScaler;
  /** Save the best model here (replaced atomically), e.g. `models/runs/<id>/gru_best`. */
  checkpointDir?: string;
  /**
   * Back up the training state here after every epoch and resume from the backup found there
   * (fit's `resume`), e.g. `models/runs/<id>/resume/gru` (see `beginTrainingRun`).
   */
  resumeDir?: string;
  /** Metadata saved with the checkpoint. */
  checkpointMetadata?: Record<string, unknown>;
  /** Write TensorBoard event files and `history.jsonl` here, e.g. `logs/gru`. */
  logDir?: string;
  /** `"balanced"` (default) or explicit per-class loss weights; `"none"` for none. */
  classWeight?: "balanced" | "none" | number[];
  /** Print a line per epoch (default true). */
  verbose?: boolean;
  /** More callbacks, called after the built-in ones. */
  callbacks?: Callback[];
  /**
   * Threads that compute each batch (fit's data-parallel `workers`; default
   * `config.trainingWorkers`, at most the machine's cores). 2 halves the main thread's CPU time
   * per epoch, which pays off only when a second core is free (README, _Training speed vs
   * PyTorch_).
   */
  workers?: number;
}

/** A trained model and how its training went. */
export interface TrainedModel {
  name: string;
  model: tf.LayersModel;
  history: History;
  scaler: StandardScaler;
  /** Trainable + non-trainable parameters. */
  params: number;
  /** Epoch (0-based) with the best `val_loss`, whose weights the model holds. */
  bestEpoch: number;
  /** Epochs that ran. */
  epochsRun: number;
  /** Median seconds per epoch. */
  secondsPerEpoch: number;
  /** Wall-clock seconds of the whole fit. */
  trainingSeconds: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Builds `spec` and trains it the seed's way: Adam, early stopping on `val_loss` (restoring the
 * best weights), reduce-LR-on-plateau, best-model checkpoint, TensorBoard + JSONL logs; plus,
 * unless `config.emaMomentum` is 0, an exponential moving average of the weights that
 * validation, early stopping, the checkpoint and the returned model use.
 */
export async function trainModel(
  spec: ModelSpec,
  data: LabelledSet,
  options: TrainModelOptions,
): Promise<TrainedModel> {
  const { config } = options;
  if (options.train.length === 0) throw new Error(`trainModel(${spec.name}): no training clips`);
  if (options.val.length === 0) throw new Error(`trainModel(${spec.name}): no validation clips`);
  const scaler = options.scaler ?? fitStandardScaler(data.features, options.train);
  const train = splitArrays(data, options.train, scaler);
  const val = splitArrays(data, options.val, scaler);
  const model = buildModel(spec, {
    frames: data.features.frames,
    features: data.features.width,
    classes: data.classes.length,
    seed: config.seed,
  });
  compileModel(model, { learningRate: config.learningRate });
  const monitor = "val_loss";

  const earlyStopping = new EarlyStopping({
    monitor,
    patience: config.patience,
    restoreBestWeights: true,
  });
  const callbacks: Callback[] = [
    // A NaN/Inf batch loss stops training at once (Keras' TerminateOnNaN): the checkpoint keeps
    // the last good weights instead of training on garbage.
    new TerminateOnNaN(),
    earlyStopping,
    new ReduceLROnPlateau({
      monitor,
      factor: config.reduceLrFactor,
      patience: config.reduceLrPatience,
      minLr: config.minLearningRate,
    }),
  ];
  const checkpointDir = options.checkpointDir;
  if (checkpointDir) {
    callbacks.push(
      new ModelCheckpoint({
        monitor,
        saveBest: async (best: tf.LayersModel) => {
          await saveModel(best, checkpointDir, {
            name: spec.name,
            classes: data.classes,
            ...options.checkpointMetadata,
          });
        },
      }),
    );
  }
  if (options.logDir) {
    callbacks.push(
      new TensorBoardLogger({ logDir: options.logDir }),
      new JsonlLogger({ path: `${options.logDir}/history.jsonl` }),
    );
  }
  if (options.verbose !== false) callbacks.push(new ProgressLogger());
  callbacks.push(...(options.callbacks ?? []));

  const classWeight = options.classWeight ?? "balanced";
  const batchSize = effectiveBatchSize(config.batchSize, options.train.length);
  if (batchSize !== config.batchSize && options.verbose !== false) {
    console.log(
      `${spec.name}: batch size ${batchSize} instead of ${config.batchSize}: ` +
        `${options.train.length} training clips would give fewer than ${MIN_UPDATES_PER_EPOCH} ` +
        "updates per epoch",
    );
  }
  const start = performance.now();
  const history = await fit(model, { xTrain: train.x, yTrain: train.y, xVal: val.x, yVal: val.y }, {
    epochs: config.epochs,
    batchSize,
    learningRate: config.learningRate,
    classWeight: classWeight === "none" ? undefined : classWeight,
    callbacks,
    seed: config.seed,
    emaMomentum: config.emaMomentum > 0 ? config.emaMomentum : undefined,
    resume: options.resumeDir ? { dir: options.resumeDir } : undefined,
    workers: options.workers ??
      Math.max(1, Math.min(config.trainingWorkers, navigator.hardwareConcurrency ?? 1)),
  });
  const trainingSeconds = (performance.now() - start) / 1000;
  return {
    name: spec.name,
    model,
    history,
    scaler,
    params: modelSummary(model).total,
    bestEpoch: earlyStopping.bestEpoch,
    epochsRun: history.epoch.length,
    secondsPerEpoch: median(history.history.seconds ?? []),
    trainingSeconds,
  };
}

/** Fewest optimiser updates per epoch {@link effectiveBatchSize} allows. */
export const MIN_UPDATES_PER_EPOCH = 16;

/**
 * The batch size training uses: the configured one, lowered (not below 8) when the training set
 * would otherwise give fewer than {@link MIN_UPDATES_PER_EPOCH} updates per epoch. Why: 196 demo
 * clips at batch 64 are 4 updates an epoch; the hybrid model then underfits (training accuracy
 * < 0.5 after 30 epochs) and its BatchNorm moving statistics (momentum 0.99) keep 30 % of their
 * initial values, so it scored near chance (0.39); at batch 16 it reached 0.93. TESS- and
 * RAVDESS-sized training sets keep the configured size.
 *
 * @param configured the configured batch size
 * @param trainingClips number of training clips
 */
export function effectiveBatchSize(configured: number, trainingClips: number): number {
  return Math.min(configured, Math.max(8, Math.floor(trainingClips / MIN_UPDATES_PER_EPOCH)));
}

/** Predictions and metrics of a model on some clips. */
export interface Evaluation {
  metrics: MetricsResult;
  /** Predicted class index per clip. */
  predictions: number[];
  /** Row-major `[n, classes]` probabilities. */
  probabilities: Float32Array;
}

/** Scores `model` on the clips `indices` (normalised with the training scaler). */
export async function evaluateModel(
  model: tf.LayersModel,
  data: LabelledSet,
  indices: readonly number[],
  scaler: StandardScaler,
): Promise<Evaluation> {
  const { x } = splitArrays(data, indices, scaler);
  const { values } = await predictProbabilities(model, x);
  const predictions = argmaxRows(values, data.classes.length);
  const truth = indices.map((clip) => data.labels[clip]);
  return {
    metrics: computeMetrics(truth, predictions, data.classes),
    predictions,
    probabilities: values,
  };
}

/** Carves a stratified validation part out of training indices (for early stopping). */
function withValidation(
  data: LabelledSet,
  train: readonly number[],
  config: Config,
): { train: number[]; val: number[] } {
  const labels = train.map((clip) => data.labels[clip]);
  const parts = stratifiedSplit(labels, { testSize: 0.1, seed: config.seed });
  return { train: parts.train.map((i) => train[i]), val: parts.test.map((i) => train[i]) };
}

/**
 * Trains a fresh model on `train` (10 % of it held out for early stopping, the scaler fit on the
 * rest), scores it on `test`, and frees it.
 */
async function trainAndScore(
  spec: ModelSpec,
  data: LabelledSet,
  train: readonly number[],
  test: readonly number[],
  config: Config,
  verbose: boolean,
): Promise<{ metrics: MetricsResult; epochsRun: number; trainSpeakers: string[] }> {
  const parts = withValidation(data, train, config);
  const run = await trainModel(spec, data, { config, ...parts, verbose });
  try {
    const { metrics } = await evaluateModel(run.model, data, test, run.scaler);
    const trainSpeakers = [...new Set(parts.train.map((clip) => data.speakers[clip]))].sort();
    return { metrics, epochsRun: run.epochsRun, trainSpeakers };
  } finally {
    run.model.dispose();
  }
}

/**
 * Cross-validates a spec: for each fold, trains a fresh model on the fold's training clips (10 %
 * of them held out for early stopping, scaler fit on the rest) and scores the fold's test clips.
 */
export function crossValidateSpec(
  spec: ModelSpec,
  data: LabelledSet,
  folds: readonly Fold[],
  config: Config,
  options: { verbose?: boolean } = {},
): Promise<CrossValidationResult> {
  return crossValidate(
    folds,
    async (fold) =>
      (await trainAndScore(spec, data, fold.train, fold.test, config, options.verbose ?? false))
        .metrics,
  );
}

/** One speaker-independent round: trained without `testSpeaker`, tested on it alone. */
export interface SpeakerRound {
  testSpeaker: string;
  trainSpeakers: string[];
  metrics: MetricsResult;
  epochsRun: number;
}

/**
 * Leave-one-speaker-out evaluation: each speaker is the test set once, the model trains on the
 * others (10 % held out for early stopping). With TESS's two speakers: train on one, test on the
 * other, both ways.
 */
export async function speakerIndependent(
  spec: ModelSpec,
  data: LabelledSet,
  config: Config,
  options: { verbose?: boolean } = {},
): Promise<SpeakerRound[]> {
  const rounds: SpeakerRound[] = [];
  for (const fold of leaveOneGroupOut(data.speakers)) {
    const result = await trainAndScore(
      spec,
      data,
      fold.train,
      fold.test,
      config,
      options.verbose ?? false,
    );
    rounds.push({ testSpeaker: String(fold.group), ...result });
  }
  return rounds;
}
