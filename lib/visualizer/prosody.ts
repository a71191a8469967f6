/**
 * Pitch contours of example clips on one chart: F0 relative to each clip's own mean (semitones)
 * over time from the start of its speech, one line per clip, coloured by emotion. Shows what
 * the `contour_*` functionals measure: where the pitch rises, falls and peaks.
 * @module
 */
import { emotionColor } from "./style.ts";
import type { Figure, ScatterTrace } from "./types.ts";

/** One line of {@link pitchContourFigure}. */
export interface PitchContourLine {
  /** Legend entry, usually the emotion (it also picks the colour). */
  label: string;
  /** Time of each point, seconds. */
  seconds: readonly number[];
  /** Relative F0 per point, semitones; NaN where unvoiced (drawn as a gap). */
  semitones: readonly number[];
}

/**
 * Relative pitch contours, one line each.
 *
 * @param lines the contours (e.g. `pitchContour` of one clip per emotion)
 * @param title figure title
 * @throws Error when no line has a voiced point
 * @example
 * ```ts
 * const figure = pitchContourFigure([
 *   { label: "ps", seconds: [0, 0.1, 0.2], semitones: [-2, 0, 3] },
 *   { label: "sad", seconds: [0, 0.1, 0.2], semitones: [1, 0, Number.NaN] },
 * ]);
 * ```
 */
export function pitchContourFigure(
  lines: readonly PitchContourLine[],
  title = "Pitch contours (relative to each clip's mean)",
): Figure {
  if (!lines.some((line) => line.semitones.some(Number.isFinite))) {
    throw new Error("pitchContourFigure: no voiced frame in any contour");
  }
  const data: ScatterTrace[] = lines.map((line, i) => ({
    type: "scatter",
    mode: "lines",
    name: line.label,
    x: [...line.seconds],
    // NaN is not JSON: null leaves a gap in the line.
    y: line.semitones.map((value) => (Number.isFinite(value) ? value : null)) as number[],
    line: { color: emotionColor(line.label, i), width: 2 },
  }));
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: "Time from the start of speech (s)" } },
      yaxis: { title: { text: "F0 relative to the clip's mean (semitones)" }, zeroline: true },
    },
  };
}
