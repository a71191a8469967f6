/**
 * K-fold cross-validation driver: runs a caller-supplied train-and-score function on each fold
 * (folds come from `lib/data_loader`) and summarises the folds as mean ± standard deviation.
 *
 * @example
 * ```ts
 * import { kFold } from "../data_loader/mod.ts";
 * import { computeMetrics } from "./metrics.ts";
 * import { crossValidate, formatMeanStd } from "./cross_validation.ts";
 * const labels = ["angry", "sad"];
 * const y = [0, 1, 0, 1, 0, 1];
 * const result = await crossValidate(kFold(y, 3, { seed: 42 }), (fold) => {
 *   // Train a model on fold.train and predict fold.test; here a stand-in predicts class 0.
 *   const yPred = fold.test.map(() => 0);
 *   return Promise.resolve(computeMetrics(fold.test.map((i) => y[i]), yPred, labels));
 * });
 * console.log(formatMeanStd(result.summary.accuracy)); // "0.912 ± 0.018"
 * ```
 * @module
 */
import pl from "nodejs-polars";
import { ProgressBar, type ProgressOptions } from "../util/mod.ts";
import type { MetricsResult } from "./metrics.ts";

/** Sample indices of one fold. */
export interface Fold {
  /** Indices to train on. */
  train: number[];
  /** Indices to score on (disjoint from `train`). */
  test: number[];
}

/** Mean and population standard deviation (numpy's default, ddof = 0) of per-fold values. */
export interface MeanStd {
  /** Arithmetic mean. */
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** The per-fold values, in fold order. */
  values: number[];
}

/** Summary of the headline metrics over folds. */
export interface CrossValidationSummary {
  accuracy: MeanStd;
  macroPrecision: MeanStd;
  macroRecall: MeanStd;
  macroF1: MeanStd;
  weightedF1: MeanStd;
}

/** Per-fold metrics, their summary and the confusion matrix summed over folds. */
export interface CrossValidationResult {
  /** Class names (the same for every fold). */
  labels: string[];
  /** Metrics of each fold, in fold order. */
  folds: MetricsResult[];
  /** Mean ± std of the headline metrics. */
  summary: CrossValidationSummary;
  /** Sum of the folds' confusion matrices (every sample once if the test sets partition). */
  confusionMatrix: number[][];
}

/**
 * Mean and population standard deviation.
 *
 * @param values one number per fold (at least one)
 * @returns mean, std (ddof = 0) and the values
 * @example
 * ```ts
 * meanStd([0.8, 0.9, 1.0]); // { mean: 0.9, std: 0.0816..., values: [...] }
 * ```
 */
export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) throw new Error("meanStd: no values");
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), values: [...values] };
}

/**
 * `mean ± std` with `digits` decimals.
 *
 * @param value from {@link meanStd}
 * @param digits decimals (default 3)
 * @returns e.g. `"0.912 ± 0.018"`
 * @example
 * ```ts
 * formatMeanStd(meanStd([0.9, 0.92])); // "0.910 ± 0.010"
 * ```
 */
export function formatMeanStd(value: MeanStd, digits = 3): string {
  return `${value.mean.toFixed(digits)} ± ${value.std.toFixed(digits)}`;
}

function validateFolds(folds: readonly Fold[]): void {
  if (folds.length === 0) throw new Error("crossValidate: no folds given");
  folds.forEach((fold, index) => {
    if (fold.train.length === 0 || fold.test.length === 0) {
      throw new Error(
        `crossValidate: fold ${index} has ${fold.train.length} training and ` +
          `${fold.test.length} test samples; both must be non-empty`,
      );
    }
    const train = new Set(fold.train);
    const leaked = fold.test.find((i) => train.has(i));
    if (leaked !== undefined) {
      throw new Error(`crossValidate: fold ${index} has sample ${leaked} in both train and test`);
    }
  });
}

/**
 * Runs `trainAndScore` on each fold in turn (one model in memory at a time) and summarises.
 *
 * @param folds train/test indices per fold
 * @param trainAndScore trains a fresh model on `fold.train` and scores it on `fold.test`
 * @param options.progress progress bar options over folds (`{ silent: true }` to hide it)
 * @returns per-fold metrics, mean ± std of accuracy / macro P, R, F1 / weighted F1, and the
 *   summed confusion matrix
 * @throws Error naming the fold when a fold is empty, overlaps, or scores different labels
 * @example
 * ```ts
 * import { type Fold, kFold } from "../data_loader/mod.ts";
 * import { computeMetrics } from "./metrics.ts";
 * const labels = [0, 1, 0, 1, 0, 1];
 * const folds = kFold(labels, 3, { seed: 42 });
 * // Train on fold.train, predict fold.test (here: always class 0).
 * const trainAndScore = (fold: Fold) =>
 *   Promise.resolve(computeMetrics(fold.test.map((i) => labels[i]), fold.test.map(() => 0), ["a", "b"]));
 * const result = await crossValidate(folds, (fold) => trainAndScore(fold));
 * result.summary.macroF1.mean;
 * ```
 */
export async function crossValidate(
  folds: readonly Fold[],
  trainAndScore: (fold: Fold, index: number) => Promise<MetricsResult>,
  options: { progress?: ProgressOptions } = {},
): Promise<CrossValidationResult> {
  validateFolds(folds);
  const bar = new ProgressBar("cross-validation", folds.length, options.progress);
  const results: MetricsResult[] = [];
  for (let index = 0; index < folds.length; index++) {
    const metrics = await trainAndScore(folds[index], index);
    if (results.length > 0 && metrics.labels.join("\u0000") !== results[0].labels.join("\u0000")) {
      throw new Error(
        `crossValidate: fold ${index} scored labels [${metrics.labels}] but fold 0 scored ` +
          `[${results[0].labels}]`,
      );
    }
    results.push(metrics);
    bar.tick(1, `accuracy ${metrics.accuracy.toFixed(3)}`);
  }
  bar.finish();

  const labels = results[0].labels;
  const confusionMatrix = labels.map((_, t) =>
    labels.map((_, p) => results.reduce((sum, m) => sum + m.confusionMatrix[t][p], 0))
  );
  const over = (pick: (m: MetricsResult) => number) => meanStd(results.map(pick));
  return {
    labels,
    folds: results,
    summary: {
      accuracy: over((m) => m.accuracy),
      macroPrecision: over((m) => m.macro.precision),
      macroRecall: over((m) => m.macro.recall),
      macroF1: over((m) => m.macro.f1),
      weightedF1: over((m) => m.weighted.f1),
    },
    confusionMatrix,
  };
}

/**
 * One row per fold, then `mean` and `std` rows.
 *
 * @param result from {@link crossValidate}
 * @returns columns `fold` (str), `accuracy`, `macro_precision`, `macro_recall`, `macro_f1`,
 *   `weighted_f1` (f64), `test_samples` (f64; the mean/std rows hold the mean/std)
 * @example
 * ```ts
 * import { kFold } from "../data_loader/mod.ts";
 * import { computeMetrics } from "./metrics.ts";
 * const result = await crossValidate(
 *   kFold([0, 1, 0, 1], 2, { seed: 1 }),
 *   (fold) => Promise.resolve(computeMetrics(fold.test.map(() => 0), fold.test.map(() => 0), ["a", "b"])),
 * );
 * console.log(crossValidationTable(result).toString());
 * ```
 */
export function crossValidationTable(result: CrossValidationResult): pl.DataFrame {
  const { summary, folds } = result;
  const columns: [string, MeanStd][] = [
    ["accuracy", summary.accuracy],
    ["macro_precision", summary.macroPrecision],
    ["macro_recall", summary.macroRecall],
    ["macro_f1", summary.macroF1],
    ["weighted_f1", summary.weightedF1],
    ["test_samples", meanStd(folds.map((m) => m.total))],
  ];
  return pl.DataFrame([
    pl.Series("fold", [...folds.map((_, i) => String(i)), "mean", "std"], pl.Utf8),
    ...columns.map(([name, stats]) =>
      pl.Series(name, [...stats.values, stats.mean, stats.std], pl.Float64)
    ),
  ]);
}
