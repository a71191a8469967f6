/**
 * Evaluation: sklearn-compatible classification metrics, reports and tables, and a
 * cross-validation driver.
 *
 * @example
 * ```ts
 * import { classificationReportText, computeMetrics } from "./mod.ts";
 * const labels = ["angry", "sad"];
 * const yTrue = [0, 0, 1, 1];
 * const yPred = [0, 1, 1, 1];
 * console.log(classificationReportText(computeMetrics(yTrue, yPred, labels)));
 * ```
 * @module
 */
export {
  classificationReportTable,
  classificationReportText,
  type ClassMetrics,
  type ClassScores,
  computeMetrics,
  confusionMatrixTable,
  formatFixed,
  type MetricsResult,
  normalizeConfusionMatrix,
} from "./metrics.ts";
export {
  crossValidate,
  type CrossValidationResult,
  type CrossValidationSummary,
  crossValidationTable,
  type Fold,
  formatMeanStd,
  type MeanStd,
  meanStd,
} from "./cross_validation.ts";
