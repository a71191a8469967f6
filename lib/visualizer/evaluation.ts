/**
 * Evaluation figures: confusion matrices (the seed's `confusion_matrices.png`) and the
 * per-model metrics bar chart (the seed's `metrics_comparison.png`).
 * @module
 */
import type { BarTrace, Figure, HeatmapTrace, MetricsRow } from "./types.ts";
import { axisSuffix, columnDomains, SERIES_COLORS, subplotTitle } from "./style.ts";

/** Options of the confusion-matrix figures. */
export interface ConfusionMatrixOptions {
  /**
   * `true` (default): colour and label each cell by its share of the true class's clips (row
   * %, so the diagonal is each class's recall and classes of different sizes compare), with the
   * clip count under it and in the hover label. `false`: counts only.
   */
  normalize?: boolean;
  /** Figure title. */
  title?: string;
}

/**
 * Row-normalises a confusion matrix (rows = true class); an all-zero row stays zero.
 *
 * @param matrix counts, `matrix[trueClass][predictedClass]`
 * @example
 * ```ts
 * normalizeRows([[3, 1], [0, 0]]); // [[0.75, 0.25], [0, 0]]
 * ```
 */
export function normalizeRows(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((sum, value) => sum + value, 0);
    return row.map((value) => (total > 0 ? value / total : 0));
  });
}

function checkMatrix(matrix: number[][], labels: string[], where: string): void {
  if (labels.length === 0) throw new Error(`${where}: labels is empty`);
  if (matrix.length !== labels.length) {
    throw new Error(
      `${where}: matrix has ${matrix.length} rows but there are ${labels.length} labels`,
    );
  }
  matrix.forEach((row, i) => {
    if (row.length !== labels.length) {
      throw new Error(`${where}: row ${i} has ${row.length} columns, expected ${labels.length}`);
    }
  });
}

function confusionTrace(
  matrix: number[][],
  labels: string[],
  normalize: boolean,
  suffix: string,
  showscale: boolean,
): HeatmapTrace {
  const z = normalize ? normalizeRows(matrix) : matrix.map((row) => [...row]);
  const text = normalize
    ? z.map((row, i) =>
      // Empty cells stay blank so the confusions stand out (the hover still says 0).
      row.map((share, j) =>
        matrix[i][j] === 0 ? "" : `${(100 * share).toFixed(0)}%<br>${matrix[i][j]}`
      )
    )
    : matrix.map((row) => row.map((count) => String(count)));
  return {
    type: "heatmap",
    z,
    x: labels,
    y: labels,
    text,
    texttemplate: "%{text}",
    textfont: { size: 11 },
    // White for empty cells, darker blue for larger shares (ColorBrewer Blues).
    colorscale: [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
    zmin: 0,
    ...(normalize ? { zmax: 1 } : {}),
    showscale,
    ...(normalize ? { colorbar: { title: { text: "share of row" }, tickformat: ".0%" } } : {}),
    customdata: matrix.map((row) => [...row]),
    xaxis: `x${suffix}`,
    yaxis: `y${suffix}`,
    hovertemplate: normalize
      ? "true %{y}<br>predicted %{x}<br>%{z:.1%} of true %{y}<br>%{customdata} clips<extra></extra>"
      : "true %{y}<br>predicted %{x}<br>%{customdata} clips<extra></extra>",
  };
}

/**
 * One confusion matrix as an annotated heatmap: true class down (first label on top),
 * predicted class across.
 *
 * @param matrix counts, `matrix[trueClass][predictedClass]`, square, one row per label
 * @param labels class names in matrix order
 * @param options `normalize` rows to shares; `title`
 * @example
 * ```ts
 * const figure = confusionMatrixFigure([[5, 1], [0, 6]], ["angry", "sad"], { normalize: true });
 * ```
 */
export function confusionMatrixFigure(
  matrix: number[][],
  labels: string[],
  options: ConfusionMatrixOptions = {},
): Figure {
  return confusionMatricesFigure({ "": matrix }, labels, {
    ...options,
    title: options.title ?? "Confusion matrix",
  });
}

/**
 * Confusion matrices of several models side by side, one subplot per model, sharing a colour
 * scale.
 *
 * @param matrices model name -> counts `matrix[trueClass][predictedClass]`
 * @param labels class names in matrix order
 * @param options `normalize` rows to shares; `title`
 * @example
 * ```ts
 * const figure = confusionMatricesFigure(
 *   { LSTM: [[5, 1], [0, 6]], GRU: [[6, 0], [1, 5]] },
 *   ["angry", "sad"],
 *   { normalize: true },
 * );
 * ```
 */
export function confusionMatricesFigure(
  matrices: Record<string, number[][]>,
  labels: string[],
  options: ConfusionMatrixOptions = {},
): Figure {
  const models = Object.keys(matrices);
  if (models.length === 0) throw new Error("confusionMatricesFigure: no matrices given");
  const normalize = options.normalize ?? true;
  const domains = columnDomains(models.length, 0.08);
  const data: HeatmapTrace[] = models.map((model, i) => {
    checkMatrix(matrices[model], labels, `confusion matrix ${model || ""}`.trim());
    return confusionTrace(
      matrices[model],
      labels,
      normalize,
      axisSuffix(i),
      i === models.length - 1,
    );
  });
  const layout: Figure["layout"] = {
    title: {
      text: options.title ??
        (normalize
          ? "Confusion matrices (% of each true class; clip counts below)"
          : "Confusion matrices (clip counts)"),
    },
    // As wide as the page; square-ish panels need about 400 px of height.
    autosize: true,
    height: 540,
    annotations: models.filter((model) => model !== "").map((model, i) =>
      subplotTitle(model, domains[i])
    ),
    margin: { t: 100 },
  };
  models.forEach((_, i) => {
    const suffix = axisSuffix(i);
    layout[`xaxis${suffix}`] = {
      domain: domains[i],
      anchor: `y${suffix}`,
      title: { text: "Predicted" },
      type: "category",
    };
    layout[`yaxis${suffix}`] = {
      anchor: `x${suffix}`,
      title: { text: i === 0 ? "True" : "" },
      autorange: "reversed",
      type: "category",
    };
  });
  return { data, layout };
}

/** The metrics of {@link MetricsRow} in display order, with their axis labels. */
const METRICS = [
  ["accuracy", "Accuracy"],
  ["precision", "Precision"],
  ["recall", "Recall"],
  ["f1", "F1-Score"],
] as const;

/**
 * Grouped bars of accuracy, precision, recall and F1 per model, each bar labelled with its
 * value to four decimals.
 *
 * @param rows one row per model, scores in [0, 1]
 * @param title figure title
 * @example
 * ```ts
 * const figure = metricsComparisonFigure([
 *   { model: "LSTM", accuracy: 0.99, precision: 0.99, recall: 0.99, f1: 0.99 },
 * ]);
 * ```
 */
export function metricsComparisonFigure(
  rows: MetricsRow[],
  title = "Model performance comparison",
): Figure {
  if (rows.length === 0) throw new Error("metricsComparisonFigure: no rows given");
  for (const row of rows) {
    for (const [key] of METRICS) {
      const value = row[key];
      if (!Number.isFinite(value) || value < 0 || value > 1) {
        throw new Error(
          `metricsComparisonFigure: ${row.model}.${key} must be in [0, 1], got ${value}`,
        );
      }
    }
  }
  const data: BarTrace[] = rows.map((row, i) => ({
    type: "bar",
    name: row.model,
    x: METRICS.map(([, label]) => label),
    y: METRICS.map(([key]) => row[key]),
    text: METRICS.map(([key]) => row[key].toFixed(4)),
    textposition: "outside",
    marker: { color: SERIES_COLORS[i % SERIES_COLORS.length] },
  }));
  return {
    data,
    layout: {
      title: { text: title },
      barmode: "group",
      xaxis: { title: { text: "Metric" } },
      yaxis: { title: { text: "Score" }, range: [0, 1.1] },
      autosize: true,
      height: 500,
      legend: { title: { text: "Model" } },
    },
  };
}
