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

/**
 * Where a figure's HTML fetches plotly.js when its page has none (a live notebook whose front
 * end does not render `application/vnd.plotly.v1+json` itself, e.g. the classic notebook).
 */
export interface PlotlyFallback {
  /**
   * Path of the plotly.js bundle relative to the kernel's working directory (the notebook's
   * folder), e.g. `../node_modules/plotly.js-dist-min/plotly.min.js`. The page resolves it
   * against the Jupyter server's `/files/` route for the notebook's folder.
   */
  filesRelative?: string;
  /** Absolute URLs tried after it, in order (e.g. the plotly.js CDN for the same version). */
  urls?: string[];
}

/** Options of {@link figureSnippet}. */
export interface SnippetOptions {
  /** plotly.js source to inline before the figure (standalone pages). */
  plotlySource?: string;
  /** Where to fetch plotly.js from when the page has no `window.Plotly`. */
  plotlyFallback?: PlotlyFallback;
  /** Render a static image-like plot (no hover, no mode bar), e.g. for screenshots. */
  staticPlot?: boolean;
  /** Element id; a unique one is generated when omitted. */
  divId?: string;
}

/**
 * Page-wide plotly.js loader shared by every figure of a page (defined once on `window`): it
 * tries the candidate URLs in order, one script at a time, and calls back every waiting figure
 * once `window.Plotly` exists or all candidates failed. (plotly.js 3 sets `window.Plotly` even on
 * pages with RequireJS, such as the classic notebook, so a plain script element suffices.)
 */
const PLOTLY_LOADER = `if (!window.__serLoadPlotly) {
  window.__serLoadPlotly = (function () {
    var waiting = [], queue = [], busy = false;
    function finish(ok) {
      busy = false;
      var callbacks = waiting; waiting = [];
      callbacks.forEach(function (callback) { callback(ok); });
    }
    function next() {
      if (window.Plotly) return finish(true);
      var url = queue.shift();
      if (url === undefined) return finish(false);
      var script = document.createElement("script");
      script.src = url;
      script.onload = next;
      script.onerror = next;
      document.head.appendChild(script);
    }
    return function (urls, callback) {
      if (window.Plotly) return callback(true);
      waiting.push(callback);
      urls.forEach(function (url) { if (queue.indexOf(url) < 0) queue.push(url); });
      if (!busy) { busy = true; next(); }
    };
  })();
}`;

/**
 * An HTML fragment that draws the figure: a sized `<div>` and a script that calls
 * `Plotly.newPlot` once `window.Plotly` exists. When the page has no plotly.js (and none is
 * inlined), it is fetched from `plotlyFallback`: first the Jupyter server's copy in the
 * project's `node_modules`, then the given URLs; if all fail the `<div>` says so.
 *
 * @param figure the figure
 * @param options inline plotly.js or where to fetch it, static rendering, element id
 * @example
 * ```ts
 * const html = figureSnippet(figure, { plotlyFallback: { urls: ["https://cdn.plot.ly/plotly-3.1.1.min.js"] } });
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
  const fallback = options.plotlyFallback ?? {};
  return `${bundle}<div id="${id}" class="ser-plotly-figure" style="width:${width};height:${height};"></div>
<script type="text/javascript">
${PLOTLY_LOADER}
(function () {
  var figure = ${figureJson(figure)};
  var config = ${JSON.stringify(config)};
  var element = document.getElementById(${JSON.stringify(id)});
  var urls = [];
  var filesRelative = ${JSON.stringify(fallback.filesRelative ?? null)};
  // A notebook page's path names the notebook: <base>notebooks/<dir>/<name>.ipynb (classic,
  // Notebook 7) or <base>lab/tree/<dir>/<name>.ipynb (JupyterLab); its folder is served under
  // <base>files/<dir>/.
  var page = window.location.pathname.match(
    /^(.*?[/])(?:notebooks|tree|(?:lab|doc)(?:[/]workspaces[/][^/]+)?[/]tree)[/]((?:[^/]+[/])*)[^/]*$/);
  if (filesRelative && page) {
    urls.push(new URL(filesRelative, window.location.origin + page[1] + "files/" + page[2]).href);
  }
  urls = urls.concat(${JSON.stringify(fallback.urls ?? [])});
  function draw() {
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      document.body.setAttribute("data-ser-plotted", "true");
    });
  }
  window.__serLoadPlotly(urls, function (ok) {
    if (ok) { draw(); return; }
    element.textContent = "plotly.js could not be loaded on this page (tried: " +
      (urls.join(", ") || "nothing") + "). The exported HTML report draws this figure.";
  });
})();
</script>`;
}

/** Marks the plotly.js inlined by {@link inlinePlotlyInHtml}, so a page gets it only once. */
const INLINED_MARKER = "<!-- ser: plotly.js inlined -->";

/**
 * Whether a page holds figures made by {@link figureSnippet} but no plotly.js inlined by
 * {@link inlinePlotlyInHtml}.
 *
 * @param html the page
 * @example
 * ```ts
 * pageNeedsPlotly(figureSnippet(figure)); // true
 * ```
 */
export function pageNeedsPlotly(html: string): boolean {
  return html.includes('class="ser-plotly-figure"') && !html.includes(INLINED_MARKER);
}

/**
 * Makes an exported notebook page draw its figures offline: when the page holds figures made by
 * {@link figureSnippet} and no inlined plotly.js yet, the bundle is inserted once at the top of
 * `<head>`, so `window.Plotly` exists before any figure's script runs. Other pages are returned
 * as is.
 *
 * @param html the page (e.g. nbconvert's HTML export)
 * @param plotlySource the plotly.js source, escaped for `<script>` (see `loadPlotlyBundle`)
 * @example
 * ```ts
 * const page = inlinePlotlyInHtml(await Deno.readTextFile("outputs/03_training.html"), await loadPlotlyBundle());
 * ```
 */
export function inlinePlotlyInHtml(html: string, plotlySource: string): string {
  if (!pageNeedsPlotly(html)) return html;
  const script = `${INLINED_MARKER}\n<script type="text/javascript">${plotlySource}</script>\n`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) return script + html;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}\n${script}${html.slice(at)}`;
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
