/**
 * Visualizer: figures as typed Plotly specs (pure builders), shown in Deno Jupyter notebooks,
 * saved as offline HTML or as PNG through headless Chromium.
 *
 * @example
 * ```ts
 * import { emotionDistribution, saveFigureHtml, saveFigurePng, show } from "./mod.ts";
 * const figure = emotionDistribution({ angry: 400, disgust: 400, sad: 400 });
 * await show(figure);
 * await saveFigureHtml(figure, "outputs/emotion_distribution.html");
 * await saveFigurePng(figure, "outputs/emotion_distribution.png");
 * ```
 * @module
 */
export type {
  Axis,
  BarTrace,
  FeatureMatrixLike,
  Figure,
  HeatmapTrace,
  Layout,
  MetricsRow,
  ScatterTrace,
  Trace,
  TraceBase,
  TrainingHistoryLike,
} from "./types.ts";
export { columnDomains, EMOTION_COLORS, emotionColor, SERIES_COLORS } from "./style.ts";
export { emotionDistribution } from "./distribution.ts";
export {
  MAX_WAVEFORM_POINTS,
  spectrogramFigure,
  type SpectrogramOptions,
  waveformFigure,
} from "./audio_figures.ts";
export { trainingHistoryFigure } from "./training.ts";
export * from "./augmentation.ts"; // augmentationFigure, audioPlayerHtml and their option types
export { timelineFigure, type TimelineLike } from "./timeline.ts";
export { pitchContourFigure, type PitchContourLine } from "./prosody.ts";
export {
  confusionMatricesFigure,
  confusionMatrixFigure,
  type ConfusionMatrixOptions,
  metricsComparisonFigure,
  normalizeRows,
} from "./evaluation.ts";
export {
  ensurePlotlyCopy,
  findPlotlyBundle,
  loadPlotlyBundle,
  plotlyBundleCandidates,
  type PlotlyBundleLocation,
  plotlyCopyName,
  projectVendorDir,
} from "./plotly_bundle.ts";
export {
  figureHtml,
  figureJson,
  figureSnippet,
  figureTitle,
  inlinePlotlyInHtml,
  pageNeedsPlotly,
  saveFigureHtml,
} from "./html.ts";
export type { FigureHtmlOptions, PlotlyFallback, SaveHtmlOptions, SnippetOptions } from "./html.ts";
export {
  type FigureMimeBundle,
  figureMimeBundle,
  notebookPlotlyFallback,
  show,
} from "./display.ts";
export { findChromium, isPng, type PngOptions, saveFigurePng } from "./png.ts";
export {
  enrolmentCurveFigure,
  type EnrolmentCurveRow,
  protocolFoldsFigure,
  type ProtocolFoldsRow,
} from "./protocols.ts";
export { audioPlayerHtml, type AudioPlayerOptions, showAudio } from "./audio_player.ts";
