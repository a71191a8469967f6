/**
 * Figures as PNG images, rendered by headless Chromium (Debian package `chromium`) from an
 * offline HTML page. Without Chromium the functions report that and return false, so the rest
 * of a pipeline still runs.
 * @module
 */
import { firstFile, writeFileAtomic } from "../util/mod.ts";
import { join } from "node:path";
import type { Figure } from "./types.ts";
import { figureHtml } from "./html.ts";
import { findPlotlyBundle } from "./plotly_bundle.ts";
import { pathToFileURL } from "node:url";

/** Chromium executables tried in order (after `$SER_CHROMIUM`). */
const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
] as const;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/**
 * Path of a Chromium executable (`$SER_CHROMIUM`, then the usual Debian paths), or undefined.
 *
 * @example
 * ```ts
 * if (!findChromium()) console.log("apt-get install chromium for PNG figures");
 * ```
 */
export function findChromium(): string | undefined {
  const candidates: string[] = [];
  try {
    const override = Deno.env.get("SER_CHROMIUM");
    if (override) candidates.push(override);
  } catch {
    // No --allow-env: only the standard paths are tried.
  }
  candidates.push(...CHROMIUM_CANDIDATES);
  return firstFile(candidates);
}

/**
 * True when `bytes` start with the 8-byte PNG signature.
 *
 * @param bytes file contents
 * @example
 * ```ts
 * isPng(await Deno.readFile("outputs/training_history.png"));
 * ```
 */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** Options of {@link saveFigurePng}. */
export interface PngOptions {
  /**
   * Image width in CSS pixels (default: the figure's layout width, else 1000, or 400 per
   * side-by-side subplot plus 200 when that is wider).
   */
  width?: number;
  /** Image height in CSS pixels (default: the figure's layout height, else 600). */
  height?: number;
  /** Kill Chromium after this many milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Chromium executable (default: {@link findChromium}). */
  chromiumPath?: string;
  /** Print nothing when Chromium is missing. */
  quiet?: boolean;
}

/**
 * Renders the figure to a PNG with headless Chromium and writes it atomically.
 *
 * @param figure the figure
 * @param path destination `.png` file; parent folders are created
 * @param options image size in pixels, timeout, Chromium path
 * @returns true when the PNG was written; false (with a one-line note on stderr) when no
 *   Chromium is installed
 * @throws Error when Chromium fails, times out (it is killed), or produces no PNG
 * @example
 * ```ts
 * import { emotionDistribution } from "./distribution.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
 * await saveFigurePng(figure, "outputs/metrics_comparison.png", { width: 900, height: 500 });
 * ```
 */
export async function saveFigurePng(
  figure: Figure,
  path: string,
  options: PngOptions = {},
): Promise<boolean> {
  const chromium = options.chromiumPath ?? findChromium();
  if (!chromium) {
    if (!options.quiet) {
      console.error(
        `saveFigurePng: ${path} not written: Chromium not found (install the Debian package ` +
          `"chromium" or set SER_CHROMIUM)`,
      );
    }
    return false;
  }
  const width = Math.round(options.width ?? numberOr(figure.layout.width, defaultWidth(figure)));
  const height = Math.round(options.height ?? numberOr(figure.layout.height, 600));
  const sized: Figure = {
    ...figure,
    layout: { ...figure.layout, width, height },
  };
  const workDir = await Deno.makeTempDir({ prefix: "ser-png-" });
  try {
    const page = join(workDir, "figure.html");
    const shot = join(workDir, "figure.png");
    // The page links the bundle where it lies instead of carrying a 4.8 MB copy.
    const plotlySrc = pathToFileURL((await findPlotlyBundle()).path).href;
    await Deno.writeTextFile(page, await figureHtml(sized, { staticPlot: true, plotlySrc }));
    await runChromium(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        // Lets the page's timers run (plotly draws asynchronously) before the screenshot.
        "--virtual-time-budget=10000",
        `--user-data-dir=${join(workDir, "profile")}`,
        `--screenshot=${shot}`,
        `--window-size=${width},${height}`,
        `file://${page}`,
      ],
      options.timeoutMs ?? 60_000,
      path,
    );
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(shot);
    } catch {
      throw new Error(`saveFigurePng: ${path}: Chromium exited but wrote no screenshot`);
    }
    if (!isPng(bytes)) throw new Error(`saveFigurePng: ${path}: Chromium's output is not a PNG`);
    await writeFileAtomic(path, bytes);
    return true;
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

/** Figures are responsive (no layout width); a picture of side-by-side subplots needs room. */
function defaultWidth(figure: Figure): number {
  const panels = Object.keys(figure.layout).filter((key) => /^xaxis\d*$/.test(key)).length;
  return Math.max(1000, 400 * panels + 200);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && value > 0 ? value : fallback;
}

/** Runs Chromium in its own process group so a timeout kills it and all its helpers. */
async function runChromium(
  executable: string,
  args: string[],
  timeoutMs: number,
  target: string,
): Promise<void> {
  const useSetsid = hasSetsid();
  const child = new Deno.Command(useSetsid ? "setsid" : executable, {
    args: useSetsid ? [executable, ...args] : args,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child);
  }, timeoutMs);
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]).finally(() => clearTimeout(timer));
  // Helpers (GPU, renderer) may outlive the browser process; end the whole group.
  if (useSetsid) killTree(child);
  if (timedOut) {
    throw new Error(`saveFigurePng: ${target}: Chromium did not finish within ${timeoutMs} ms`);
  }
  if (!status.success) {
    const tail = stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`saveFigurePng: ${target}: Chromium failed (exit ${status.code}): ${tail}`);
  }
}

function killTree(child: Deno.ChildProcess): void {
  try {
    Deno.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function hasSetsid(): boolean {
  return firstFile(["/usr/bin/setsid", "/bin/setsid"]) !== undefined;
}
