/**
 * Evaluation: sklearn-compatible classification metrics, reports and tables, and a
 * cross-validation driver.
 *
 * @example
 * ```ts
 * import { classificationReportText, computeMetrics } from "./lib/evaluate/mod.ts";
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
