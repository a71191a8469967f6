/**
 * Per-fold scores of the generalisation protocols: one bar group per protocol, one bar per fold
 * (UA), with the protocol's mean ± std in the hover text and a dashed line at chance level.
 * @module
 */
import type { BarTrace, Figure } from "./types.ts";
import { SERIES_COLORS } from "./style.ts";

/** What {@link protocolFoldsFigure} needs of one protocol's result. */
export interface ProtocolFoldsRow {
  protocol: string;
  model: string;
  folds: { name: string; ua: number; accuracy: number }[];
}

/**
 * UA of every fold of every protocol.
 *
 * @param results protocol results (e.g. from `runPooledProtocol`)
 * @param classes number of classes (for the chance line, 1 / classes)
 * @example
 * ```ts
 * const figure = protocolFoldsFigure([
 *   { protocol: "TESS cross-speaker", model: "ensemble", folds: [
 *     { name: "test OAF", ua: 0.59, accuracy: 0.59 }, { name: "test YAF", ua: 0.6, accuracy: 0.6 },
 *   ] },
 * ], 7);
 * ```
 */
export function protocolFoldsFigure(results: readonly ProtocolFoldsRow[], classes: number): Figure {
  if (results.length === 0) throw new Error("protocolFoldsFigure: no results given");
  const data: BarTrace[] = results.map((result, i) => {
    const mean = result.folds.reduce((sum, fold) => sum + fold.ua, 0) / result.folds.length;
    return {
      type: "bar",
      name: `${result.protocol} (${result.model}): UA ${mean.toFixed(3)}`,
      x: result.folds.map((fold) => `${result.protocol}<br>${fold.name}`),
      y: result.folds.map((fold) => fold.ua),
      text: result.folds.map((fold) => fold.ua.toFixed(2)),
      textposition: "outside",
      hovertext: result.folds.map((fold) =>
        `${fold.name}: UA ${fold.ua.toFixed(3)}, accuracy ${fold.accuracy.toFixed(3)}`
      ),
      marker: { color: SERIES_COLORS[i % SERIES_COLORS.length] },
    } as BarTrace;
  });
  return {
    data,
    layout: {
      title: { text: "Generalisation: unweighted average recall per fold" },
      xaxis: { title: { text: "Protocol and fold" }, automargin: true },
      yaxis: { title: { text: "UA" }, range: [0, 1.1] },
      shapes: [{
        type: "line",
        xref: "paper",
        x0: 0,
        x1: 1,
        y0: 1 / classes,
        y1: 1 / classes,
        line: { dash: "dash", color: "#888" },
      }],
      autosize: true,
      height: 480,
      legend: { orientation: "h", y: -0.35 },
    },
  };
}
