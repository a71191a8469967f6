/**
 * The training notebook's pooled-model step: functionals of the dataset's clips (cached),
 * speaker normalisation without labels, the classifier fit on the training split, scored on the
 * validation and test splits, ready to save with {@link savePooledModel}.
 *
 * @example
 * ```ts ignore
 * const trained = await trainPooledModel(ensemblePooledSpec(), dataset.table, dataset.classes, {
 *   train: trainPaths, val: valPaths, test: testPaths,
 * }, { cacheDir: ".cache/features" });
 * await savePooledModel(`${run.dir}/ensemble_best`, trained.artifact);
 * ```
 * @module
 */
import type pl from "nodejs-polars";
import { columnValues } from "../data_loader/mod.ts";
import {
  computeMetrics,
  crossValidate,
  type CrossValidationResult,
  type Fold,
  type MetricsResult,
} from "../evaluate/mod.ts";
import {
  extractUtteranceSet,
  speakerPrior,
  speakerStandardize,
  type UtteranceSettings,
} from "../features/mod.ts";
import {
  mostProbable,
  type PooledArtifact,
  type PooledModel,
  pooledPredictProba,
  type PooledSpec,
} from "../models/mod.ts";
import type { AugmentationPolicy } from "../augment/mod.ts";
import {
  fitPooledRows,
  protocolVoice,
  speakerVoices,
  type UtteranceData,
  utteranceData,
} from "./protocols.ts";

/** The dataset's functionals, normalised as a spec says, with row lookup by path. */
interface NormalisedDataset {
  data: UtteranceData;
  /** The row of each path; throws naming the file when it has no functionals. */
  rowOf(path: string): number;
  /** Row `row` of the normalised vectors. */
  vector(row: number): Float32Array;
  /** Each speaker's voice (weighs corpus experts). */
  voices: Map<string, Float64Array>;
  /** The model's class probabilities for row `row` (its speaker's voice weighs corpus experts). */
  predict(model: PooledModel, row: number): Float64Array;
}

/**
 * Functionals of every clip of `table` (cached), each speaker standardised with all of its
 * clips' statistics when `normalization` is `speaker`: no labels, so test clips may contribute,
 * as a deployed model's few unlabelled clips of a new speaker would.
 */
async function normalisedDataset(
  table: pl.DataFrame,
  classes: readonly string[],
  settings: UtteranceSettings,
  normalization: PooledSpec["normalization"],
  options: { cacheDir?: string; progress?: boolean },
): Promise<NormalisedDataset> {
  const set = await extractUtteranceSet(columnValues(table, "path"), settings, {
    cacheDir: options.cacheDir,
    progress: options.progress,
  });
  const data = utteranceData(set, table, classes);
  const vectors = normalization === "speaker"
    ? speakerStandardize(data.vectors, data.dimensions, data.speakers)
    : data.vectors;
  const rows = new Map(data.paths.map((path, row) => [path, row]));
  const d = data.dimensions;
  const voices = speakerVoices(data);
  return {
    data,
    rowOf(path) {
      const row = rows.get(path);
      if (row === undefined) throw new Error(`${path}: no functionals (the file failed to load)`);
      return row;
    },
    vector: (row) => vectors.subarray(row * d, (row + 1) * d),
    voices,
    predict: (model, row) =>
      pooledPredictProba(
        model,
        vectors.subarray(row * d, (row + 1) * d),
        protocolVoice(voices, model.spec, data.speakers[row]),
      ),
  };
}

/** Clip paths of a split. */
export interface PathSplit {
  train: readonly string[];
  val: readonly string[];
  test: readonly string[];
}

/** A trained pooled model and its scores. */
export interface TrainedPooledModel {
  name: string;
  artifact: PooledArtifact;
  validation: MetricsResult;
  test: MetricsResult;
  /** Predicted class index of each test clip, in `split.test` order. */
  testPredictions: number[];
  /** Probabilities of each test clip (row-major, `classes` wide). */
  testProbabilities: Float32Array;
  trainingSeconds: number;
}

/**
 * Trains a pooled classifier on the training paths and scores it.
 *
 * @param spec the classifier
 * @param table scan table (`path`, `emotion`, `speaker`, `corpus`)
 * @param classes label-encoder order
 * @param split clip paths of each split (every path must be in `table`)
 * @param options feature cache and functionals settings
 */
export async function trainPooledModel(
  spec: PooledSpec,
  table: pl.DataFrame,
  classes: readonly string[],
  split: PathSplit,
  options: {
    cacheDir?: string;
    settings?: UtteranceSettings;
    progress?: boolean;
    /**
     * Augmented copies of the TRAINING clips added to the training set (`policy.copies` of
     * each; none by default). Each (speaker, copy) is normalised as a voice of its own.
     */
    augmentation?: { policy: AugmentationPolicy; seed: number };
  } = {},
): Promise<TrainedPooledModel> {
  const start = performance.now();
  const settings = options.settings ?? { sampleRate: 22050 };
  const { data, rowOf, vector, voices, predict } = await normalisedDataset(
    table,
    classes,
    settings,
    spec.normalization,
    options,
  );
  const rows = (paths: readonly string[]) => paths.map(rowOf);
  const train = rows(split.train), val = rows(split.val), test = rows(split.test);
  const d = data.dimensions;
  const trainVectors: ArrayLike<number>[] = train.map(vector);
  // The data row of each training vector (an augmented copy's is its original's).
  const trainRows = [...train];
  const augmentation = options.augmentation;
  for (let copy = 0; augmentation && copy < augmentation.policy.copies; copy++) {
    const trainPaths = train.map((row) => data.paths[row]);
    const copies = await extractUtteranceSet(trainPaths, settings, {
      cacheDir: options.cacheDir,
      progress: options.progress,
      augmentation: { ...augmentation, copy },
    });
    const copyRow = new Map(copies.paths.map((path, i) => [path, i]));
    const kept = train.filter((row) => copyRow.has(data.paths[row]));
    const raw = new Float32Array(kept.length * d);
    kept.forEach((row, i) => {
      const from = copyRow.get(data.paths[row])! * d;
      raw.set(copies.data.subarray(from, from + d), i * d);
    });
    const normalised = spec.normalization === "speaker"
      ? speakerStandardize(raw, d, kept.map((row) => data.speakers[row]))
      : raw;
    kept.forEach((row, i) => {
      trainVectors.push(normalised.subarray(i * d, (i + 1) * d));
      trainRows.push(row);
    });
  }
  const model = fitPooledRows(spec, data, voices, trainVectors, trainRows);
  const score = (indices: number[]) => {
    const probabilities = new Float32Array(indices.length * classes.length);
    const predictions = indices.map((row, i) => {
      const p = predict(model, row);
      probabilities.set(p, i * classes.length);
      return mostProbable(p);
    });
    return {
      metrics: computeMetrics(indices.map((row) => data.labels[row]), predictions, classes),
      predictions,
      probabilities,
    };
  };
  const trainRaw = new Float32Array(train.length * d);
  train.forEach((row, i) => trainRaw.set(data.vectors.subarray(row * d, (row + 1) * d), i * d));
  const prior = speakerPrior(trainRaw, d, train.map((row) => data.speakers[row]));
  const validation = score(val.length > 0 ? val : train);
  const tested = score(test);
  return {
    name: spec.name,
    artifact: {
      model,
      settings,
      names: data.names,
      prior,
      // A model that adapts to new voices refits on what it was trained on.
      ...(spec.voiceAdaptation
        ? {
          training: {
            vectors: trainVectors,
            labels: trainRows.map((row) => data.labels[row]),
            corpora: trainRows.map((row) => data.corpora[row]),
            names: data.names,
          },
        }
        : {}),
    },
    validation: validation.metrics,
    test: tested.metrics,
    testPredictions: tested.predictions,
    testProbabilities: tested.probabilities,
    trainingSeconds: (performance.now() - start) / 1000,
  };
}

/** Predictions and metrics of a saved pooled model on some clips (like `evaluateModel`). */
export interface PooledEvaluation {
  metrics: MetricsResult;
  predictions: number[];
  probabilities: Float32Array;
}

/**
 * Scores a saved pooled model on the clips `paths`, with the speaker normalisation it was
 * trained with (each speaker standardised with all of that speaker's clips in `table`, no
 * labels).
 *
 * @param artifact the saved model (see `loadPooledModel`)
 * @param table scan table of the dataset
 * @param classes label-encoder order (must equal the model's)
 * @param paths clips to score
 * @param options feature cache
 */
export async function evaluatePooledArtifact(
  artifact: PooledArtifact,
  table: pl.DataFrame,
  classes: readonly string[],
  paths: readonly string[],
  options: { cacheDir?: string; progress?: boolean } = {},
): Promise<PooledEvaluation> {
  if (artifact.model.classes.join(",") !== classes.join(",")) {
    throw new Error(
      `the pooled model's classes (${artifact.model.classes.join(", ")}) differ from ` +
        `${classes.join(", ")}`,
    );
  }
  const { data, rowOf, predict } = await normalisedDataset(
    table,
    classes,
    artifact.settings,
    artifact.model.spec.normalization,
    options,
  );
  const probabilities = new Float32Array(paths.length * classes.length);
  const truth: number[] = [];
  const predictions = paths.map((path, i) => {
    const row = rowOf(path);
    const p = predict(artifact.model, row);
    probabilities.set(p, i * classes.length);
    truth.push(data.labels[row]);
    return mostProbable(p);
  });
  return { metrics: computeMetrics(truth, predictions, classes), predictions, probabilities };
}

/** The paths of a split given as indices into `paths` (e.g. `data.features.paths`). */
export function pathSplit(
  paths: readonly string[],
  split: { train: readonly number[]; val: readonly number[]; test: readonly number[] },
): PathSplit {
  const pick = (indices: readonly number[]) => indices.map((i) => paths[i]);
  return { train: pick(split.train), val: pick(split.val), test: pick(split.test) };
}

/**
 * k-fold cross-validation of a pooled spec (like `crossValidateSpec` for sequence models): a
 * fresh classifier per fold, trained on the fold's training clips, scored on its test clips.
 *
 * @param spec the classifier
 * @param table scan table of the dataset
 * @param classes label-encoder order
 * @param paths the clips the fold indices point into (e.g. `data.features.paths`)
 * @param folds train/test indices into `paths`
 * @param options feature cache
 */
export async function crossValidatePooled(
  spec: PooledSpec,
  table: pl.DataFrame,
  classes: readonly string[],
  paths: readonly string[],
  folds: readonly Fold[],
  options: { cacheDir?: string; settings?: UtteranceSettings; progress?: boolean } = {},
): Promise<CrossValidationResult> {
  const { data, rowOf, vector, voices, predict } = await normalisedDataset(
    table,
    classes,
    options.settings ?? { sampleRate: 22050 },
    spec.normalization,
    options,
  );
  const rowsOf = (indices: readonly number[]) => indices.map((i) => rowOf(paths[i]));
  return crossValidate(folds, (fold) => {
    const train = rowsOf(fold.train), test = rowsOf(fold.test);
    const model = fitPooledRows(spec, data, voices, train.map(vector), train);
    const predictions = test.map((row) => mostProbable(predict(model, row)));
    return Promise.resolve(
      computeMetrics(test.map((row) => data.labels[row]), predictions, classes),
    );
  });
}
