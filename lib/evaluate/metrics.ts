/**
 * Classification metrics as sklearn computes them: accuracy, per-class precision / recall /
 * F1 / support, macro and weighted averages, the confusion matrix (rows = true, columns =
 * predicted), sklearn's text `classification_report`, and nodejs-polars tables of each.
 * Divisions by zero give 0, as sklearn's `zero_division=0`.
 *
 * @example
 * ```ts
 * const metrics = computeMetrics([0, 1, 2, 2], [0, 2, 2, 2], ["angry", "happy", "sad"]);
 * console.log(classificationReportText(metrics));
 * confusionMatrixTable(metrics); // a polars DataFrame
 * ```
 * @module
 */
import pl from "nodejs-polars";

/** Precision, recall, F1 and support of one class or one average. */
export interface ClassScores {
  /** tp / (tp + fp), 0 when nothing was predicted as the class. */
  precision: number;
  /** tp / (tp + fn), 0 when the class has no samples. */
  recall: number;
  /** Harmonic mean of precision and recall, 0 when both are 0. */
  f1: number;
  /** Number of true samples (for averages: of all samples). */
  support: number;
}

/** {@link ClassScores} of one named class. */
export interface ClassMetrics extends ClassScores {
  /** Class name. */
  label: string;
}

/** Everything {@link computeMetrics} measures. */
export interface MetricsResult {
  /** Class names; class index `i` is `labels[i]`. */
  labels: string[];
  /** Number of samples scored. */
  total: number;
  /** Fraction of samples predicted correctly. */
  accuracy: number;
  /** One entry per label, in label order. */
  perClass: ClassMetrics[];
  /**
   * Unweighted mean over the classes present in the true labels (support > 0): a class a test
   * set does not hold (e.g. "ps" in RAVDESS-only folds) would otherwise count as a zero.
   */
  macro: ClassScores;
  /**
   * Unweighted average recall (UA, the field's headline for imbalanced emotion corpora): the
   * mean recall over the classes present; equals `macro.recall`. Accuracy is the weighted (WA).
   */
  unweightedAccuracy: number;
  /** Mean over classes weighted by support. */
  weighted: ClassScores;
  /** `confusionMatrix[t][p]` = samples of true class t predicted as p. */
  confusionMatrix: number[][];
}

function validateLabels(values: readonly number[], labels: readonly string[], name: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isInteger(value) || value < 0 || value >= labels.length) {
      throw new Error(
        `${name}[${i}] = ${value} is not a class index in [0, ${labels.length}) ` +
          `(labels: ${labels.join(", ")})`,
      );
    }
  }
}

const divide = (numerator: number, denominator: number) =>
  denominator === 0 ? 0 : numerator / denominator;

/**
 * Accuracy, per-class scores, averages and the confusion matrix of class-index predictions.
 *
 * @param yTrue true class index per sample
 * @param yPred predicted class index per sample (same length)
 * @param labels class names, indexed by class
 * @returns the metrics
 * @throws Error naming the array and position of an index outside `[0, labels.length)`
 * @example
 * ```ts
 * const m = computeMetrics([0, 0, 1], [0, 1, 1], ["neutral", "sad"]);
 * m.accuracy; // 0.6667
 * m.confusionMatrix; // [[1, 1], [0, 1]]
 * ```
 */
export function computeMetrics(
  yTrue: readonly number[],
  yPred: readonly number[],
  labels: readonly string[],
): MetricsResult {
  if (yTrue.length !== yPred.length) {
    throw new Error(`yTrue has ${yTrue.length} samples but yPred has ${yPred.length}`);
  }
  if (labels.length === 0) throw new Error("labels is empty");
  if (new Set(labels).size !== labels.length) {
    throw new Error(`labels must be unique, got ${labels.join(", ")}`);
  }
  validateLabels(yTrue, labels, "yTrue");
  validateLabels(yPred, labels, "yPred");

  const k = labels.length;
  const confusionMatrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) confusionMatrix[yTrue[i]][yPred[i]]++;

  const total = yTrue.length;
  let correct = 0;
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const truePositives = confusionMatrix[c][c];
    correct += truePositives;
    const support = confusionMatrix[c].reduce((sum, v) => sum + v, 0);
    const predicted = confusionMatrix.reduce((sum, row) => sum + row[c], 0);
    const precision = divide(truePositives, predicted);
    const recall = divide(truePositives, support);
    const f1 = divide(2 * precision * recall, precision + recall);
    return { label, precision, recall, f1, support };
  });

  const average = (weightOf: (m: ClassMetrics) => number): ClassScores => {
    const weights = perClass.map(weightOf);
    const weightSum = weights.reduce((sum, w) => sum + w, 0);
    const mean = (key: "precision" | "recall" | "f1") =>
      divide(perClass.reduce((sum, m, i) => sum + weights[i] * m[key], 0), weightSum);
    return { precision: mean("precision"), recall: mean("recall"), f1: mean("f1"), support: total };
  };

  const macro = average((m) => (m.support > 0 ? 1 : 0));
  return {
    labels: [...labels],
    total,
    accuracy: divide(correct, total),
    unweightedAccuracy: macro.recall,
    perClass,
    macro,
    weighted: average((m) => m.support),
    confusionMatrix,
  };
}

/**
 * Formats `value` with `digits` decimals as Python's `format(value, ".Nf")` does: exact
 * binary value, ties to even (JS `toFixed` rounds exact ties up, e.g. 0.125 -> "0.13").
 *
 * @param value the number
 * @param digits decimals (0..20)
 * @returns the formatted number
 * @example
 * ```ts
 * formatFixed(0.125, 2); // "0.12", like Python
 * ```
 */
export function formatFixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  const exact = Math.abs(value).toFixed(100); // exact decimal expansion of the double
  const point = exact.indexOf(".");
  const rest = exact.slice(point + 1 + digits);
  const isTie = rest[0] === "5" && /^0*$/.test(rest.slice(1));
  if (!isTie) return value.toFixed(digits);
  const kept = exact.slice(0, point + 1 + digits);
  const lastDigit = Number(kept.replace(".", "").at(-1));
  // toFixed rounded the tie away from zero; keep the truncation when its last digit is even.
  const text = lastDigit % 2 === 0 ? kept.replace(/\.$/, "") : Math.abs(value).toFixed(digits);
  return value < 0 && Number(text) !== 0 ? `-${text}` : text;
}

/**
 * The text report of sklearn's `classification_report(..., digits=digits)`, byte for byte.
 *
 * @param metrics from {@link computeMetrics}
 * @param digits decimals of the scores (default 2)
 * @returns the multi-line report
 * @example
 * ```ts
 * const labels = ["angry", "sad"];
 * const yTrue = [0, 0, 1, 1];
 * const yPred = [0, 1, 1, 1];
 * console.log(classificationReportText(computeMetrics(yTrue, yPred, labels)));
 * ```
 */
export function classificationReportText(metrics: MetricsResult, digits = 2): string {
  const lastHeading = "weighted avg";
  const width = Math.max(...metrics.labels.map((l) => l.length), lastHeading.length, digits);
  const number = (v: number) => " " + formatFixed(v, digits).padStart(9);
  const count = (v: number) => " " + String(v).padStart(9);
  const heading = (name: string) => name.padStart(width) + " ";
  const row = (name: string, s: ClassScores) =>
    heading(name) + number(s.precision) + number(s.recall) + number(s.f1) + count(s.support) +
    "\n";
  let report = heading("") +
    ["precision", "recall", "f1-score", "support"].map((h) => " " + h.padStart(9)).join("") +
    "\n\n";
  for (const m of metrics.perClass) report += row(m.label, m);
  report += "\n";
  // sklearn prints "micro avg" instead of "accuracy" when a label occurs in neither yTrue nor
  // yPred; for single-label data micro P = R = F1 = accuracy either way.
  const unseen = metrics.confusionMatrix.some((row, c) =>
    row.every((v) => v === 0) && metrics.confusionMatrix.every((other) => other[c] === 0)
  );
  if (unseen) {
    const micro = { ...metrics.macro, precision: metrics.accuracy, recall: metrics.accuracy };
    report += row("micro avg", { ...micro, f1: metrics.accuracy });
  } else {
    report += heading("accuracy") + " ".repeat(20) + number(metrics.accuracy) +
      count(metrics.total) + "\n";
  }
  report += row("macro avg", metrics.macro);
  report += row(lastHeading, metrics.weighted);
  return report;
}

/**
 * The classification report as a table: one row per class, then `accuracy` (precision and
 * recall null, f1-score = accuracy), `macro avg` and `weighted avg`.
 *
 * @param metrics from {@link computeMetrics}
 * @returns columns `class` (str), `precision`, `recall`, `f1-score` (f64), `support` (i64)
 * @example
 * ```ts
 * const metrics = computeMetrics([0, 0, 1, 1], [0, 1, 1, 1], ["angry", "sad"]);
 * classificationReportTable(metrics).writeCSV("outputs/lstm_report.csv");
 * ```
 */
export function classificationReportTable(metrics: MetricsResult): pl.DataFrame {
  const rows: { name: string; scores: Partial<ClassScores> & { support: number } }[] = [
    ...metrics.perClass.map((m) => ({ name: m.label, scores: m })),
    { name: "accuracy", scores: { f1: metrics.accuracy, support: metrics.total } },
    { name: "macro avg", scores: metrics.macro },
    { name: "weighted avg", scores: metrics.weighted },
  ];
  return pl.DataFrame([
    pl.Series("class", rows.map((r) => r.name), pl.Utf8),
    pl.Series("precision", rows.map((r) => r.scores.precision ?? null), pl.Float64),
    pl.Series("recall", rows.map((r) => r.scores.recall ?? null), pl.Float64),
    pl.Series("f1-score", rows.map((r) => r.scores.f1 ?? null), pl.Float64),
    pl.Series("support", rows.map((r) => r.scores.support), pl.Int64),
  ]);
}

/**
 * Rows normalised to sum to 1 (`normalize="true"` in sklearn: recall per class on the
 * diagonal); an all-zero row stays zero.
 *
 * @param matrix counts, rows = true class
 * @returns fractions per row
 * @example
 * ```ts
 * normalizeConfusionMatrix([[2, 2], [0, 3]]); // [[0.5, 0.5], [0, 1]]
 * ```
 */
export function normalizeConfusionMatrix(matrix: readonly number[][]): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => divide(v, sum));
  });
}

/**
 * The confusion matrix as a table: column `true` names the true class, then one column per
 * predicted class.
 *
 * @param metrics from {@link computeMetrics}
 * @param options.normalize divide each row by its sum (default false: counts)
 * @returns a DataFrame with `labels.length` rows and `labels.length + 1` columns
 * @example
 * ```ts
 * const metrics = computeMetrics([0, 0, 1, 1], [0, 1, 1, 1], ["angry", "sad"]);
 * console.log(confusionMatrixTable(metrics).toString());
 * ```
 */
export function confusionMatrixTable(
  metrics: Pick<MetricsResult, "labels" | "confusionMatrix">,
  options: { normalize?: boolean } = {},
): pl.DataFrame {
  const matrix = options.normalize
    ? normalizeConfusionMatrix(metrics.confusionMatrix)
    : metrics.confusionMatrix;
  return pl.DataFrame([
    pl.Series("true", metrics.labels, pl.Utf8),
    ...metrics.labels.map((label, p) =>
      pl.Series(label, matrix.map((row) => row[p]), options.normalize ? pl.Float64 : pl.Int64)
    ),
  ]);
}
