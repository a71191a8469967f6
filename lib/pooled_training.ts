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
import { columnValues } from "./data_loader/mod.ts";
import {
  computeMetrics,
  crossValidate,
  type CrossValidationResult,
  type Fold,
  type MetricsResult,
} from "./evaluate/mod.ts";
import { speakerPrior, speakerStandardize } from "./features/speaker_norm.ts";
import { extractUtteranceSet, type UtteranceSettings } from "./features/utterance_set.ts";
import { fitPooled, pooledPredictProba, type PooledSpec } from "./models/pooled.ts";
import type { PooledArtifact } from "./models/pooled_store.ts";
import type { AugmentationPolicy } from "./augment/mod.ts";
import { utteranceData } from "./protocols.ts";

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
  const set = await extractUtteranceSet(columnValues(table, "path"), settings, {
    cacheDir: options.cacheDir,
    progress: options.progress,
  });
  const data = utteranceData(set, table, classes);
  const rowOf = new Map(data.paths.map((path, row) => [path, row]));
  const rows = (paths: readonly string[]) =>
    paths.map((path) => {
      const row = rowOf.get(path);
      if (row === undefined) throw new Error(`${path}: no functionals (the file failed to load)`);
      return row;
    });
  const train = rows(split.train), val = rows(split.val), test = rows(split.test);
  // Each speaker standardised with all of its clips' statistics: no labels, so test clips may
  // contribute, as a deployed model's few unlabelled clips of a new speaker would.
  const vectors = spec.normalization === "speaker"
    ? speakerStandardize(data.vectors, data.dimensions, data.speakers)
    : data.vectors;
  const d = data.dimensions;
  const vector = (row: number) => vectors.subarray(row * d, (row + 1) * d);
  const trainVectors: ArrayLike<number>[] = train.map(vector);
  const trainLabels = train.map((row) => data.labels[row]);
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
      trainLabels.push(data.labels[row]);
    });
  }
  const model = fitPooled(spec, trainVectors, trainLabels, classes);
  const score = (indices: number[]) => {
    const probabilities = new Float32Array(indices.length * classes.length);
    const predictions = indices.map((row, i) => {
      const p = pooledPredictProba(model, vector(row));
      probabilities.set(p, i * classes.length);
      let best = 0;
      for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
      return best;
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
    artifact: { model, settings, names: data.names, prior },
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
  const set = await extractUtteranceSet(columnValues(table, "path"), artifact.settings, {
    cacheDir: options.cacheDir,
    progress: options.progress,
  });
  const data = utteranceData(set, table, classes);
  const vectors = artifact.model.spec.normalization === "speaker"
    ? speakerStandardize(data.vectors, data.dimensions, data.speakers)
    : data.vectors;
  const rowOf = new Map(data.paths.map((path, row) => [path, row]));
  const d = data.dimensions;
  const probabilities = new Float32Array(paths.length * classes.length);
  const truth: number[] = [];
  const predictions = paths.map((path, i) => {
    const row = rowOf.get(path);
    if (row === undefined) throw new Error(`${path}: no functionals (the file failed to load)`);
    const p = pooledPredictProba(artifact.model, vectors.subarray(row * d, (row + 1) * d));
    probabilities.set(p, i * classes.length);
    truth.push(data.labels[row]);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    return best;
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
  const settings = options.settings ?? { sampleRate: 22050 };
  const set = await extractUtteranceSet(columnValues(table, "path"), settings, {
    cacheDir: options.cacheDir,
    progress: options.progress,
  });
  const data = utteranceData(set, table, classes);
  const vectors = spec.normalization === "speaker"
    ? speakerStandardize(data.vectors, data.dimensions, data.speakers)
    : data.vectors;
  const rowOf = new Map(data.paths.map((path, row) => [path, row]));
  const d = data.dimensions;
  const rowsOf = (indices: readonly number[]) =>
    indices.map((i) => {
      const row = rowOf.get(paths[i]);
      if (row === undefined) throw new Error(`${paths[i]}: no functionals (the file failed)`);
      return row;
    });
  const vector = (row: number) => vectors.subarray(row * d, (row + 1) * d);
  return crossValidate(folds, (fold) => {
    const train = rowsOf(fold.train), test = rowsOf(fold.test);
    const model = fitPooled(spec, train.map(vector), train.map((r) => data.labels[r]), classes);
    const predictions = test.map((row) => {
      const p = pooledPredictProba(model, vector(row));
      return p.indexOf(Math.max(...p));
    });
    return Promise.resolve(
      computeMetrics(test.map((row) => data.labels[row]), predictions, classes),
    );
  });
}
