/**
 * The emotion timeline of a long recording: one line per emotion (its probability in each
 * window, drawn at the window's centre), grey bands where there is no speech, and the summary
 * (dominant emotion, or the SHORT / NO SPEECH flag) in the title.
 *
 * Structural input ({@link TimelineLike}), so the figure needs nothing from `lib/inference` and
 * runs in the browser page as well.
 * @module
 */
import { emotionColor } from "./style.ts";
import type { Figure, ScatterTrace } from "./types.ts";

/** The fields of a `lib/inference` `Timeline` the figure reads. */
export interface TimelineLike {
  /** Recording length in seconds. */
  duration: number;
  /** Seconds between window starts. */
  hopSeconds: number;
  /** Class names, in probability order. */
  classes: readonly string[];
  /** Windows in time order; `probabilities` null where there is no speech. */
  windows: readonly {
    start: number;
    end: number;
    voiced: boolean;
    probabilities: Readonly<Record<string, number>> | null;
  }[];
  /** Summary: status and a sentence for people. */
  summary: { status: string; message: string };
}

/**
 * A line chart of each emotion's probability over time with "no speech" bands.
 *
 * Windows without speech leave gaps in the lines (`NaN`, which serialises to JSON `null`, which
 * Plotly does not connect) and get a grey band from half a hop before to half a hop after their
 * centres, so a run of silent windows reads as one band.
 *
 * @param timeline the timeline (e.g. from `predictor.predictTimeline`)
 * @param title figure title (default: "Emotion timeline"); the summary message is appended
 * @example
 * ```ts
 * import { loadPredictor } from "../inference/mod.ts";
 * import { saveFigureHtml } from "./html.ts";
 * const predictor = await loadPredictor("models");
 * const figure = timelineFigure(await predictor.predictTimeline("talk.wav"), "talk.wav");
 * await saveFigureHtml(figure, "outputs/talk_timeline.html");
 * ```
 */
export function timelineFigure(timeline: TimelineLike, title = "Emotion timeline"): Figure {
  const centres = timeline.windows.map((w) => (w.start + w.end) / 2);
  const data: ScatterTrace[] = timeline.classes.map((name, index) => ({
    type: "scatter",
    mode: timeline.windows.length > 1 ? "lines+markers" : "markers",
    name,
    x: centres,
    y: timeline.windows.map((w) => w.probabilities ? w.probabilities[name] : NaN),
    line: { color: emotionColor(name, index), width: 2 },
    marker: { size: 5 },
    connectgaps: false,
    hovertemplate: `${name} %{y:.3f} at %{x:.2f} s<extra></extra>`,
  }));
  const half = timeline.hopSeconds / 2;
  const shapes: Record<string, unknown>[] = [];
  let runStart: number | undefined;
  timeline.windows.forEach((w, i) => {
    if (!w.voiced && runStart === undefined) runStart = Math.max(0, centres[i] - half);
    const next = timeline.windows[i + 1];
    if (runStart !== undefined && (!next || next.voiced)) {
      const end = timeline.windows.length === 1 ? timeline.duration : centres[i] + half;
      shapes.push({
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: runStart,
        x1: Math.min(timeline.duration, end),
        y0: 0,
        y1: 1,
        fillcolor: "rgba(128,128,128,0.18)",
        line: { width: 0 },
        layer: "below",
      });
      runStart = undefined;
    }
  });
  if (shapes.length) {
    // A legend entry for the bands (shapes have none).
    data.push({
      type: "scatter",
      mode: "markers",
      name: "no speech",
      x: [NaN],
      y: [NaN],
      marker: { symbol: "square", size: 12, color: "rgba(128,128,128,0.35)" },
      hoverinfo: "skip",
    });
  }
  const flag = timeline.summary.status === "ok" ? "" : ` [${timeline.summary.status}]`;
  return {
    data,
    layout: {
      title: { text: `${title}${flag}<br><sub>${escapeHtml(timeline.summary.message)}</sub>` },
      xaxis: { title: { text: "time (s)" }, range: [0, Math.max(timeline.duration, 1e-3)] },
      yaxis: { title: { text: "probability" }, range: [0, 1.02] },
      shapes,
      height: 420,
      margin: { t: 80 },
      legend: { orientation: "h", y: -0.2 },
    },
    config: { responsive: true, displaylogo: false },
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
