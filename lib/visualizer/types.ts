/**
 * Typed Plotly figure specs: plain JSON-serialisable objects that plotly.js draws as-is
 * (`Plotly.newPlot(div, figure.data, figure.layout, figure.config)`).
 *
 * Only the fields this project uses are typed; every trace and layout also accepts further
 * Plotly attributes through an index signature, so a notebook can tweak a figure freely.
 *
 * @example
 * ```ts
 * const figure: Figure = {
 *   data: [{ type: "bar", x: ["angry", "sad"], y: [400, 400] }],
 *   layout: { title: { text: "Clips per emotion" } },
 * };
 * ```
 * @module
 */

/** Attributes every trace may carry. */
export interface TraceBase {
  /** Legend entry. */
  name?: string;
  /** Which x axis (`"x"`, `"x2"`, ...) the trace is drawn on, for subplots. */
  xaxis?: string;
  /** Which y axis (`"y"`, `"y2"`, ...) the trace is drawn on, for subplots. */
  yaxis?: string;
  /** Whether the trace has a legend entry. */
  showlegend?: boolean;
  /** Traces sharing a group toggle together in the legend. */
  legendgroup?: string;
  /** Any further Plotly attribute. */
  [attribute: string]: unknown;
}

/** A bar chart trace. */
export interface BarTrace extends TraceBase {
  /** Trace kind. */
  type: "bar";
  /** Category of each bar. */
  x: (string | number)[];
  /** Height of each bar. */
  y: number[];
  /** Labels drawn on the bars. */
  text?: string[];
}

/** A line / marker trace. */
export interface ScatterTrace extends TraceBase {
  /** Trace kind (`scattergl` draws with WebGL, for many points). */
  type: "scatter" | "scattergl";
  /** Horizontal coordinates. */
  x: number[];
  /** Vertical coordinates. */
  y: number[];
  /** Lines, markers or both. */
  mode?: "lines" | "markers" | "lines+markers";
  /** Line style. */
  line?: { color?: string; dash?: "solid" | "dash" | "dot"; width?: number };
}

/** A heatmap trace: `z[row][column]`, rows drawn along y, columns along x. */
export interface HeatmapTrace extends TraceBase {
  /** Trace kind. */
  type: "heatmap";
  /** Cell values, `z[row][column]`. */
  z: number[][];
  /** Column coordinates or labels. */
  x?: (string | number)[];
  /** Row coordinates or labels. */
  y?: (string | number)[];
  /** Per-cell labels, same shape as `z`. */
  text?: string[][];
  /** Plotly colour scale name or `[position, colour]` stops. */
  colorscale?: string | [number, string][];
}

/** Any trace this project builds. */
export type Trace = BarTrace | ScatterTrace | HeatmapTrace;

/** An axis of the layout (`xaxis`, `yaxis2`, ...). */
export interface Axis {
  /** Axis title. */
  title?: { text: string };
  /** Fraction of the plotting area the axis spans, `[start, end]` in [0, 1]. */
  domain?: [number, number];
  /** The axis this one is anchored to (`"y2"` for `xaxis2`, ...). */
  anchor?: string;
  /** Fixed `[min, max]` of the axis. */
  range?: [number, number];
  /** Automatic range; `"reversed"` puts the first category on top. */
  autorange?: boolean | "reversed";
  /** Any further Plotly axis attribute. */
  [attribute: string]: unknown;
}

/** The figure layout; subplot axes are `xaxis2`, `yaxis2`, ... */
export interface Layout {
  /** Figure title. */
  title?: { text: string };
  /** Width in CSS pixels. */
  width?: number;
  /** Height in CSS pixels. */
  height?: number;
  /** Text boxes, e.g. subplot titles. */
  annotations?: Record<string, unknown>[];
  /** Any further Plotly layout attribute (axes, legend, margins, ...). */
  [attribute: string]: unknown;
}

/** A complete Plotly figure. */
export interface Figure {
  /** The traces, drawn in order. */
  data: Trace[];
  /** Titles, axes, sizes. */
  layout: Layout;
  /** Plotly's config (mode bar, responsiveness, ...). */
  config?: Record<string, unknown>;
}

/** A feature matrix, frame-major: `data[frame * width + coefficient]`. */
export interface FeatureMatrixLike {
  /** Number of frames (time steps). */
  frames: number;
  /** Coefficients per frame (e.g. 128 mel bands, 40 MFCCs). */
  width: number;
  /** `frames * width` values, frame after frame. */
  data: Float32Array;
}

/** One model's Keras-style training history, as the trainer records it. */
export interface TrainingHistoryLike {
  /** Epoch numbers (1-based or 0-based, as recorded). */
  epoch: number[];
  /** Metric name (`loss`, `val_loss`, `accuracy`, `val_accuracy`, ...) -> one value per epoch. */
  history: Record<string, number[]>;
}

/** One model's scores in [0, 1], as the evaluator reports them. */
export interface MetricsRow {
  /** Model name, e.g. `LSTM`. */
  model: string;
  /** Share of correct predictions. */
  accuracy: number;
  /** Weighted-average precision. */
  precision: number;
  /** Weighted-average recall. */
  recall: number;
  /** Weighted-average F1 score. */
  f1: number;
}
