/**
 * The class-balance figure (the seed's `emotion_distribution.png`).
 * @module
 */
import type { Figure } from "./types.ts";
import { emotionColor } from "./style.ts";

/**
 * Bar chart of clips per emotion, bars in the order of `counts`' keys, each labelled with its
 * count and share of the total.
 *
 * @param counts emotion label -> number of clips (non-negative whole numbers)
 * @param title figure title
 * @example
 * ```ts
 * const figure = emotionDistribution({ angry: 400, sad: 400, ps: 400 });
 * figure.data[0].type; // "bar"
 * ```
 */
export function emotionDistribution(
  counts: Record<string, number>,
  title = "Emotion distribution",
): Figure {
  const labels = Object.keys(counts);
  if (labels.length === 0) throw new Error("emotionDistribution: counts is empty");
  for (const label of labels) {
    const value = counts[label];
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`emotionDistribution: count of "${label}" must be >= 0, got ${value}`);
    }
  }
  const values = labels.map((label) => counts[label]);
  const total = values.reduce((sum, value) => sum + value, 0);
  return {
    data: [{
      type: "bar",
      name: "clips",
      x: labels,
      y: values,
      text: values.map((value) =>
        `${value} (${total > 0 ? ((100 * value) / total).toFixed(1) : "0.0"}%)`
      ),
      textposition: "outside",
      marker: { color: labels.map((label, i) => emotionColor(label, i)) },
      showlegend: false,
    }],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "Emotion" } },
      yaxis: { title: { text: "Number of clips" }, rangemode: "tozero" },
      autosize: true,
      height: 500,
      margin: { t: 70 },
    },
  };
}
