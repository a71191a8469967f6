/**
 * Figures as HTML: a `<div>` + `<script>` snippet for notebooks and standalone pages with
 * plotly.js inlined, which work offline.
 * @module
 */
import type { Figure } from "./types.ts";
import { loadPlotlyBundle } from "./plotly_bundle.ts";
import { writeTextAtomic } from "../util/atomic.ts";

let divCounter = 0;

/**
 * Serialises a figure as JSON that is safe inside an HTML `<script>` (`<` is escaped).
 *
 * @param figure the figure
 * @example
 * ```ts
 * figureJson({ data: [], layout: { title: { text: "</script>" } } }).includes("</script>"); // false
 * ```
 */
export function figureJson(figure: Figure): string {
  return JSON.stringify(figure).replaceAll("<", "\\u003c");
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** The figure's title text, or a fallback. */
export function figureTitle(figure: Figure, fallback = "Figure"): string {
  const text = figure.layout.title?.text;
  return typeof text === "string" && text.length > 0 ? text : fallback;
}

/** Options of {@link figureSnippet}. */
export interface SnippetOptions {
  /** plotly.js source to inline before the figure (only the first figure of a page needs it). */
  plotlySource?: string;
  /** Render a static image-like plot (no hover, no mode bar), e.g. for screenshots. */
  staticPlot?: boolean;
  /** Element id; a unique one is generated when omitted. */
  divId?: string;
}

/**
 * An HTML fragment that draws the figure: a sized `<div>` and a script that calls
 * `Plotly.newPlot` once `window.Plotly` exists (waiting up to 10 s for a bundle loaded by an
 * earlier fragment of the same page).
 *
 * @param figure the figure
 * @param options inline plotly.js, static rendering, element id
 * @example
 * ```ts
 * const html = figureSnippet(figure); // needs plotly.js already loaded on the page
 * ```
 */
export function figureSnippet(figure: Figure, options: SnippetOptions = {}): string {
  const id = options.divId ??
    `ser-figure-${++divCounter}-${Math.random().toString(36).slice(2, 8)}`;
  const width = typeof figure.layout.width === "number" ? `${figure.layout.width}px` : "100%";
  const height = typeof figure.layout.height === "number" ? `${figure.layout.height}px` : "450px";
  const config = {
    displaylogo: false,
    ...(options.staticPlot ? { staticPlot: true } : {}),
    ...(figure.config ?? {}),
  };
  const bundle = options.plotlySource !== undefined
    ? `<script type="text/javascript">${options.plotlySource}</script>\n`
    : "";
  return `${bundle}<div id="${id}" class="ser-plotly-figure" style="width:${width};height:${height};"></div>
<script type="text/javascript">
(function () {
  var figure = ${figureJson(figure)};
  var config = ${JSON.stringify(config)};
  var element = document.getElementById(${JSON.stringify(id)});
  function draw() {
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      document.body.setAttribute("data-ser-plotted", "true");
    });
  }
  if (window.Plotly) { draw(); return; }
  var tries = 0;
  var timer = setInterval(function () {
    if (window.Plotly) { clearInterval(timer); draw(); }
    else if (++tries > 100) {
      clearInterval(timer);
      element.textContent = "plotly.js is not loaded on this page; call show(figure, { inlinePlotly: true }).";
    }
  }, 100);
})();
</script>`;
}

/**
 * A standalone HTML page showing the figure, with plotly.js inlined so it works offline.
 *
 * @param figure the figure
 * @param options `staticPlot` for screenshots
 * @example
 * ```ts
 * const page = await figureHtml(figure);
 * ```
 */
export async function figureHtml(
  figure: Figure,
  options: { staticPlot?: boolean } = {},
): Promise<string> {
  const plotlySource = await loadPlotlyBundle();
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${escapeHtml(figureTitle(figure))}</title>
<style>body { margin: 0; background: white; font-family: sans-serif; }</style>
</head>
<body>
${figureSnippet(figure, { plotlySource, staticPlot: options.staticPlot, divId: "figure" })}
</body>
</html>
`;
}

/**
 * Writes the figure as a standalone, offline HTML page (plotly.js inlined), atomically.
 *
 * @param figure the figure
 * @param path destination `.html` file; parent folders are created
 * @example
 * ```ts
 * await saveFigureHtml(emotionDistribution(counts), "outputs/emotion_distribution.html");
 * ```
 */
export async function saveFigureHtml(figure: Figure, path: string): Promise<void> {
  await writeTextAtomic(path, await figureHtml(figure));
}
