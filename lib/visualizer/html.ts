/**
 * Figures as HTML: a `<div>` + `<script>` snippet for notebooks and standalone pages with
 * plotly.js inlined, which work offline.
 * @module
 */
import type { Figure } from "./types.ts";
import { basename, dirname } from "node:path";
import { ensurePlotlyCopy, loadPlotlyBundle } from "./plotly_bundle.ts";
import { writeTextAtomic } from "../util/mod.ts";

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
 * end does not render `application/vnd.plotly.v1+json` itself: JupyterLab 4 and Notebook 7
 * without the plotly extension, the classic notebook). Candidates are tried in this order.
 */
export interface PlotlyFallback {
  /**
   * Absolute file-system path of a copy of plotly.js at a path the Jupyter server serves (not
   * under a hidden folder), e.g. `/home/me/ser/vendor/plotly-3.1.1.min.js`. JupyterLab and
   * Notebook 7 pages name the server's root folder (`rootUri`/`serverRoot` in their
   * `jupyter-config-data`), so the page turns this path into `<base>files/<path under root>`,
   * whichever notebook the page's address shows.
   */
  serverPath?: string;
  /**
   * The same copy relative to the kernel's working directory (the notebook's folder), e.g.
   * `../vendor/plotly-3.1.1.min.js`, resolved against the `/files/` route of the notebook's
   * folder as the page's address names it (classic notebook: `/notebooks/<dir>/<name>.ipynb`).
   */
  filesRelative?: string;
  /** Absolute URLs tried after it, in order (e.g. the plotly.js CDN for the same version). */
  urls?: string[];
}

/** Options of {@link figureSnippet}. */
export interface SnippetOptions {
  /** plotly.js source to inline before the figure (standalone pages). */
  plotlySource?: string;
  /** URL of plotly.js to load with a `<script src>` before the figure (shared bundle). */
  plotlySrc?: string;
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
 * The page-side list of plotly.js URLs (see {@link PlotlyFallback}): from the server root in
 * JupyterLab's / Notebook 7's page config, from the notebook folder in the page's address, then
 * the given URLs. Runs in the browser; `serverPath`, `filesRelative` and `extra` are defined
 * before it.
 */
const CANDIDATE_URLS = `var urls = [];
  var configElement = document.getElementById("jupyter-config-data");
  var pageConfig = null;
  try { pageConfig = configElement ? JSON.parse(configElement.textContent) : null; } catch (e) {}
  var base = (pageConfig && pageConfig.baseUrl) ||
    (document.body && document.body.getAttribute("data-base-url")) || "/";
  base = base.replace(/[/]*$/, "/");
  function filesUrl(folder, relative) {
    return new URL(relative, window.location.origin + base + "files/" + folder).href;
  }
  if (serverPath && pageConfig) {
    // rootUri (file:///abs/root) is absolute; serverRoot may be written with "~".
    var root = pageConfig.rootUri && pageConfig.rootUri.indexOf("file://") === 0
      ? decodeURIComponent(pageConfig.rootUri.slice(7)) : pageConfig.serverRoot;
    if (root && root.charAt(0) === "/") {
      root = root.replace(/[/]*$/, "/");
      if (serverPath.indexOf(root) === 0) {
        urls.push(filesUrl("", serverPath.slice(root.length).split("/").map(encodeURIComponent).join("/")));
      }
    }
  }
  // A notebook page's path names the notebook: <base>notebooks/<dir>/<name>.ipynb (classic,
  // Notebook 7) or <base>lab/tree/<dir>/<name>.ipynb (JupyterLab); its folder is served under
  // <base>files/<dir>/.
  var page = window.location.pathname.match(
    /^(.*?[/])(?:notebooks|tree|(?:lab|doc)(?:[/]workspaces[/][^/]+)?[/]tree)[/]((?:[^/]+[/])*)[^/]*$/);
  if (filesRelative && page) {
    base = page[1];
    var url = filesUrl(page[2], filesRelative);
    if (urls.indexOf(url) < 0) urls.push(url);
  }
  urls = urls.concat(extra);`;

/**
 * An HTML fragment that draws the figure: a `<div>` as wide as its container (the figure
 * resizes with it unless its layout fixes a width) and a script that calls `Plotly.newPlot`
 * once `window.Plotly` exists. When the page has no plotly.js (and none is inlined or linked),
 * it is fetched from `plotlyFallback`: the Jupyter server's copy of the bundle, then the given
 * URLs; if all fail the `<div>` says so.
 *
 * @param figure the figure
 * @param options inline or linked plotly.js, or where to fetch it, static rendering, element id
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
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
    // Redraw at the container's width when the notebook or window is resized.
    responsive: typeof figure.layout.width !== "number",
    ...(options.staticPlot ? { staticPlot: true } : {}),
    ...(figure.config ?? {}),
  };
  let bundle = "";
  if (options.plotlySource !== undefined) {
    bundle = `<script type="text/javascript">${options.plotlySource}</script>\n`;
  } else if (options.plotlySrc !== undefined) {
    bundle = `<script type="text/javascript" src="${escapeHtml(options.plotlySrc)}"></script>\n`;
  }
  const fallback = options.plotlyFallback ?? {};
  return `${bundle}<div id="${id}" class="ser-plotly-figure" style="width:${width};max-width:100%;height:${height};"></div>
<script type="text/javascript">
${PLOTLY_LOADER}
(function () {
  var figure = ${figureJson(figure)};
  var config = ${JSON.stringify(config)};
  var element = document.getElementById(${JSON.stringify(id)});
  var serverPath = ${JSON.stringify(fallback.serverPath ?? null)};
  var filesRelative = ${JSON.stringify(fallback.filesRelative ?? null)};
  var extra = ${JSON.stringify(fallback.urls ?? [])};
  ${CANDIDATE_URLS}
  function draw() {
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-ser-plotted", "true");
      document.body.setAttribute("data-ser-plotted", "true");
      // plotly's "responsive" follows window resizes only; a notebook's output area also
      // changes width when a side panel opens or closes.
      if (config.responsive && window.ResizeObserver) {
        var width = element.clientWidth, pending = false;
        new ResizeObserver(function () {
          if (pending || element.clientWidth === width || element.clientWidth === 0) return;
          pending = true;
          setTimeout(function () {
            pending = false;
            width = element.clientWidth;
            window.Plotly.Plots.resize(element).catch(function () {});
          }, 100);
        }).observe(element);
      }
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
 * import { emotionDistribution } from "./distribution.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
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
 * import { loadPlotlyBundle } from "./plotly_bundle.ts";
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

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /** Render a static image-like plot (no hover, no mode bar), e.g. for screenshots. */
  staticPlot?: boolean;
  /**
   * URL of plotly.js for a `<script src>` (relative to the page, or a `file://` URL); when
   * omitted the 4.8 MB bundle is inlined.
   */
  plotlySrc?: string;
}

/**
 * A standalone HTML page showing the figure, with plotly.js inlined (or linked with
 * `plotlySrc`), so it works offline.
 *
 * @param figure the figure
 * @param options `staticPlot` for screenshots, `plotlySrc` to link the bundle instead
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
 * const page = await figureHtml(figure);
 * ```
 */
export async function figureHtml(
  figure: Figure,
  options: FigureHtmlOptions = {},
): Promise<string> {
  const bundle = options.plotlySrc !== undefined
    ? { plotlySrc: options.plotlySrc }
    : { plotlySource: await loadPlotlyBundle() };
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(figureTitle(figure))}</title>
<style>body { margin: 0; background: white; font-family: sans-serif; }</style>
</head>
<body>
${figureSnippet(figure, { ...bundle, staticPlot: options.staticPlot, divId: "figure" })}
</body>
</html>
`;
}

/** Options of {@link saveFigureHtml}. */
export interface SaveHtmlOptions {
  /**
   * `"shared"` (default): the page links `plotly-<version>.min.js`, copied once into the page's
   * folder and shared by every chart page there (the folder works offline as a whole; 4.8 MB
   * once instead of per page). `"inline"`: the page carries the bundle itself (one file).
   */
  plotly?: "shared" | "inline";
}

/**
 * Writes the figure as a standalone, offline HTML page, atomically. By default the pages of a
 * folder share one copy of plotly.js beside them (see {@link SaveHtmlOptions}).
 *
 * @param figure the figure
 * @param path destination `.html` file; parent folders are created
 * @param options `plotly: "inline"` for a single self-contained file
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * const counts = { angry: 400, sad: 400 };
 * await saveFigureHtml(emotionDistribution(counts), "outputs/emotion_distribution.html");
 * ```
 */
export async function saveFigureHtml(
  figure: Figure,
  path: string,
  options: SaveHtmlOptions = {},
): Promise<void> {
  if (options.plotly === "inline") {
    await writeTextAtomic(path, await figureHtml(figure));
    return;
  }
  const copy = await ensurePlotlyCopy(dirname(path));
  await writeTextAtomic(path, await figureHtml(figure, { plotlySrc: basename(copy) }));
}
