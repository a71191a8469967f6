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
import { computeMetrics, type MetricsResult } from "./evaluate/mod.ts";
import { speakerPrior, speakerStandardize } from "./features/speaker_norm.ts";
import { extractUtteranceSet, type UtteranceSettings } from "./features/utterance_set.ts";
import { fitPooled, pooledPredictProba, type PooledSpec } from "./models/pooled.ts";
import type { PooledArtifact } from "./models/pooled_store.ts";
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
  options: { cacheDir?: string; settings?: UtteranceSettings; progress?: boolean } = {},
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
  const model = fitPooled(spec, train.map(vector), train.map((row) => data.labels[row]), classes);
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
