/**
 * Showing figures inside a Deno Jupyter notebook.
 *
 * A figure is displayed as a MIME bundle: `application/vnd.plotly.v1+json` (drawn natively by
 * front ends with a Plotly renderer: JupyterLab with the plotly extension, VS Code) plus a
 * `text/html` fallback that draws it with plotly.js.
 *
 * The 4.8 MB plotly.js bundle is never sent through the kernel: the Deno kernel can interleave
 * its "idle" status into a multi-megabyte message still being written, and the client then
 * rejects the corrupted message ("Invalid Signature"). Instead, the first `show()` copies the
 * bundle to the project's `vendor/` folder, which the Jupyter server serves under `/files/`
 * (`node_modules/.deno/`, where the npm package lives, is a hidden folder that jupyter_server
 * refuses), and the HTML fallback loads it from there: offline, with no extension, in
 * JupyterLab 4, Notebook 7 and the classic notebook, as long as the server's root folder
 * contains the project (start Jupyter in the project folder). Last, it tries the plotly.js CDN.
 * Exported HTML reports get the bundle inlined once by the notebook runner
 * (`inlinePlotlyInHtml`).
 * @module
 */
import { relative } from "node:path";
import type { Figure } from "./types.ts";
import { figureSnippet, figureTitle, type PlotlyFallback } from "./html.ts";
import { ensurePlotlyCopy, findPlotlyBundle } from "./plotly_bundle.ts";
import { inJupyter } from "../util/mod.ts";

/** A Jupyter MIME bundle for one figure. */
export interface FigureMimeBundle {
  /** The figure itself, for front ends that render Plotly natively. */
  "application/vnd.plotly.v1+json": Figure;
  /** HTML that draws the figure with plotly.js (classic notebook, nbconvert's HTML export). */
  "text/html": string;
  /** One-line text stand-in. */
  "text/plain": string;
}

/**
 * Builds the MIME bundle that {@link show} displays.
 *
 * @param figure the figure
 * @param plotlyFallback where the HTML fetches plotly.js when its page has none
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
 * const bundle = figureMimeBundle(figure);
 * Object.keys(bundle); // ["application/vnd.plotly.v1+json", "text/html", "text/plain"]
 * ```
 */
export function figureMimeBundle(
  figure: Figure,
  plotlyFallback?: PlotlyFallback,
): FigureMimeBundle {
  return {
    "application/vnd.plotly.v1+json": figure,
    "text/html": figureSnippet(figure, { plotlyFallback }),
    "text/plain": `<Plotly figure: ${figureTitle(figure)}>`,
  };
}

/**
 * Where a notebook page fetches plotly.js: the project's copy in `vendor/` (made here when
 * missing, see {@link ensurePlotlyCopy}) by its absolute path and relative to the kernel's
 * working directory, both served by the Jupyter server, then the CDN copy of the same version.
 *
 * @example
 * ```ts
 * await notebookPlotlyFallback();
 * // { serverPath: "/home/me/ser/vendor/plotly-3.1.1.min.js",
 * //   filesRelative: "../vendor/plotly-3.1.1.min.js",
 * //   urls: ["https://cdn.plot.ly/plotly-3.1.1.min.js"] }
 * ```
 */
export async function notebookPlotlyFallback(): Promise<PlotlyFallback> {
  const { version } = await findPlotlyBundle();
  const urls = version ? [`https://cdn.plot.ly/plotly-${version}.min.js`] : [];
  let copy: string;
  try {
    copy = await ensurePlotlyCopy();
  } catch (error) {
    // A read-only project still shows its charts where the CDN is reachable.
    console.error(`show: ${(error as Error).message}; charts load plotly.js from the CDN`);
    return { urls };
  }
  return {
    serverPath: copy.split("\\").join("/"),
    filesRelative: relative(Deno.cwd(), copy).split("\\").join("/"),
    urls,
  };
}

/**
 * Displays a figure in the current Deno Jupyter cell; outside Jupyter it prints a one-line
 * note to stderr and returns.
 *
 * @param figure the figure
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * await show(emotionDistribution({ angry: 400, sad: 400 }));
 * ```
 */
export async function show(figure: Figure): Promise<void> {
  if (!inJupyter()) {
    console.error(
      `show: "${
        figureTitle(figure)
      }" not displayed (not in Jupyter); use saveFigureHtml/saveFigurePng`,
    );
    return;
  }
  const bundle = figureMimeBundle(figure, await notebookPlotlyFallback());
  // deno-lint-ignore no-explicit-any
  const jupyter = (Deno as any).jupyter as {
    display(bundle: Record<string, unknown>, options: { raw: boolean }): Promise<void>;
  };
  await jupyter.display(bundle as unknown as Record<string, unknown>, { raw: true });
}
