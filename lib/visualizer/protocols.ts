/**
 * Per-fold scores of the generalisation protocols: one bar group per protocol, one bar per fold
 * (UA), with the protocol's mean ± std in the hover text and a dashed line at chance level.
 * @module
 */
import type { BarTrace, Figure, ScatterTrace } from "./types.ts";
import { SERIES_COLORS } from "./style.ts";

/** A dashed horizontal line across the plot at chance level, 1 / classes. */
function chanceLine(classes: number) {
  return {
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    y0: 1 / classes,
    y1: 1 / classes,
    line: { dash: "dash", color: "#888" },
  };
}

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
      shapes: [chanceLine(classes)],
      autosize: true,
      height: 480,
      legend: { orientation: "h", y: -0.35 },
    },
  };
}

/** What {@link enrolmentCurveFigure} needs of one enrolment curve. */
export interface EnrolmentCurveRow {
  protocol: string;
  model: string;
  points: { clips: number | "all"; ua: { mean: number; std: number } }[];
}

/**
 * UA on new voices against the number of their unlabelled clips the speaker normalisation has
 * seen: one line per protocol with the spread over folds as error bars, the protocol's own
 * all-clips normalisation as a dotted line of the same colour, and chance dashed.
 *
 * @param curves enrolment curves (e.g. from `runEnrolmentCurve`)
 * @param classes number of classes (for the chance line, 1 / classes)
 * @example
 * ```ts
 * const figure = enrolmentCurveFigure([{ protocol: "RAVDESS 6x4 actors", model: "ensemble",
 *   points: [
 *     { clips: 0, ua: { mean: 0.63, std: 0.06 } }, { clips: 10, ua: { mean: 0.69, std: 0.05 } },
 *     { clips: "all", ua: { mean: 0.74, std: 0.04 } },
 *   ] }], 7);
 * ```
 */
export function enrolmentCurveFigure(
  curves: readonly EnrolmentCurveRow[],
  classes: number,
): Figure {
  if (curves.length === 0) throw new Error("enrolmentCurveFigure: no curves given");
  const data: ScatterTrace[] = [];
  let maxClips = 1;
  curves.forEach((curve, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const counted = curve.points.filter((p): p is typeof p & { clips: number } =>
      typeof p.clips === "number"
    );
    for (const point of counted) maxClips = Math.max(maxClips, point.clips);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${curve.protocol} (${curve.model})`,
      legendgroup: curve.protocol,
      x: counted.map((p) => p.clips),
      y: counted.map((p) => p.ua.mean),
      error_y: { type: "data", array: counted.map((p) => p.ua.std), visible: true },
      hovertext: counted.map((p) =>
        `${p.clips} clips: UA ${p.ua.mean.toFixed(3)} ± ${p.ua.std.toFixed(3)}`
      ),
      line: { color },
    });
    const all = curve.points.find((p) => p.clips === "all");
    if (all) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${curve.protocol}: all of the voice's clips (${all.ua.mean.toFixed(3)})`,
        legendgroup: curve.protocol,
        x: [0, Math.max(maxClips, ...counted.map((p) => p.clips))],
        y: [all.ua.mean, all.ua.mean],
        line: { color, dash: "dot" },
      });
    }
  });
  return {
    data,
    layout: {
      title: { text: "New voices: UA against the clips the speaker normalisation has seen" },
      xaxis: { title: { text: "Unlabelled clips of the new voice (enrolment)" } },
      yaxis: { title: { text: "UA" }, range: [0, 1.05] },
      shapes: [chanceLine(classes)],
      autosize: true,
      height: 420,
      legend: { orientation: "h", y: -0.3 },
    },
  };
}
