/**
 * Shared look of the figures: colours per emotion and per model, and subplot geometry.
 * @module
 */

/** Fixed colours so an emotion has the same colour in every figure. */
export const EMOTION_COLORS: Readonly<Record<string, string>> = Object.freeze({
  angry: "#d62728",
  disgust: "#8c564b",
  fear: "#9467bd",
  happy: "#ff7f0e",
  neutral: "#7f7f7f",
  ps: "#17becf",
  sad: "#1f77b4",
});

/** Colours for models and other unordered series (Plotly's default cycle). */
export const SERIES_COLORS: readonly string[] = Object.freeze([
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
]);

/**
 * Colour of an emotion label (case-insensitive); unknown labels cycle through
 * {@link SERIES_COLORS} by their position.
 *
 * @param label emotion label, e.g. `"angry"`
 * @param index position of the label in its list, used for unknown labels
 * @example
 * ```ts
 * emotionColor("Angry", 0); // "#d62728"
 * ```
 */
export function emotionColor(label: string, index: number): string {
  return EMOTION_COLORS[label.toLowerCase()] ?? SERIES_COLORS[index % SERIES_COLORS.length];
}

/**
 * Horizontal domains of `count` side-by-side subplots with a gap between them.
 *
 * @param count number of subplots (>= 1)
 * @param gap fraction of the width left empty between neighbours
 * @example
 * ```ts
 * columnDomains(2, 0.1); // [[0, 0.45], [0.55, 1]]
 * ```
 */
export function columnDomains(count: number, gap = 0.08): [number, number][] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`columnDomains: count must be a positive whole number, got ${count}`);
  }
  const width = (1 - gap * (count - 1)) / count;
  return Array.from({ length: count }, (_, i) => {
    const start = i * (width + gap);
    return [round6(start), round6(Math.min(1, start + width))];
  });
}

/** Axis id suffix for subplot `i` (0-based): `""`, `"2"`, `"3"`, ... */
export function axisSuffix(i: number): string {
  return i === 0 ? "" : String(i + 1);
}

/**
 * A subplot title placed above the subplot spanning `domain`.
 *
 * @param text the title
 * @param domain horizontal extent of the subplot, fractions of the figure width
 */
export function subplotTitle(text: string, domain: [number, number]): Record<string, unknown> {
  return {
    text: `<b>${text}</b>`,
    x: (domain[0] + domain[1]) / 2,
    y: 1,
    xref: "paper",
    yref: "paper",
    xanchor: "center",
    yanchor: "bottom",
    yshift: 8,
    showarrow: false,
    font: { size: 14 },
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
