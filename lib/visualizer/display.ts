/**
 * Showing figures inside a Deno Jupyter notebook.
 *
 * A figure is displayed as a MIME bundle: `application/vnd.plotly.v1+json` (drawn natively by
 * front ends with a Plotly renderer) plus a `text/html` fallback that draws it with plotly.js.
 * The first figure of a kernel session inlines the plotly.js bundle in its HTML; later ones use
 * the `Plotly` that is already on the page, so an exported notebook stays offline-capable
 * without repeating 4.8 MB per figure.
 * @module
 */
import type { Figure } from "./types.ts";
import { figureSnippet, figureTitle } from "./html.ts";
import { loadPlotlyBundle } from "./plotly_bundle.ts";
import { inJupyter } from "../util/progress.ts";

let plotlyInlined = false;

/** A Jupyter MIME bundle for one figure. */
export interface FigureMimeBundle {
  /** The figure itself, for front ends that render Plotly natively. */
  "application/vnd.plotly.v1+json": Figure;
  /** HTML that draws the figure with plotly.js (used by nbconvert's HTML export). */
  "text/html": string;
  /** One-line text stand-in. */
  "text/plain": string;
}

/**
 * Builds the MIME bundle that {@link show} displays.
 *
 * @param figure the figure
 * @param plotlySource plotly.js source to inline in the HTML fallback, or undefined when the
 *   page already has `Plotly`
 * @example
 * ```ts
 * const bundle = figureMimeBundle(figure, undefined);
 * Object.keys(bundle); // ["application/vnd.plotly.v1+json", "text/html", "text/plain"]
 * ```
 */
export function figureMimeBundle(figure: Figure, plotlySource?: string): FigureMimeBundle {
  return {
    "application/vnd.plotly.v1+json": figure,
    "text/html": figureSnippet(figure, { plotlySource }),
    "text/plain": `<Plotly figure: ${figureTitle(figure)}>`,
  };
}

/** Options of {@link show}. */
export interface ShowOptions {
  /**
   * Inline plotly.js again even if an earlier figure of this kernel session did (use after
   * reloading the notebook page without restarting the kernel).
   */
  inlinePlotly?: boolean;
}

/**
 * Displays a figure in the current Deno Jupyter cell; outside Jupyter it prints a one-line
 * note to stderr and returns.
 *
 * @param figure the figure
 * @param options `inlinePlotly` to force the bundle into this figure's HTML
 * @example
 * ```ts
 * await show(emotionDistribution({ angry: 400, sad: 400 }));
 * ```
 */
export async function show(figure: Figure, options: ShowOptions = {}): Promise<void> {
  if (!inJupyter()) {
    console.error(
      `show: "${
        figureTitle(figure)
      }" not displayed (not in Jupyter); use saveFigureHtml/saveFigurePng`,
    );
    return;
  }
  const inline = options.inlinePlotly || !plotlyInlined;
  const bundle = figureMimeBundle(figure, inline ? await loadPlotlyBundle() : undefined);
  // deno-lint-ignore no-explicit-any
  const jupyter = (Deno as any).jupyter as {
    display(bundle: Record<string, unknown>, options: { raw: boolean }): Promise<void>;
  };
  await jupyter.display(bundle as unknown as Record<string, unknown>, { raw: true });
  plotlyInlined = true;
}
