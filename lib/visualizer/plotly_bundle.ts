/**
 * Finds and reads the plotly.js browser bundle from the project's `node_modules`, so figures
 * can be drawn offline (standalone HTML, notebook exports, PNG rendering).
 * @module
 */
import { firstFile, writeFileAtomic } from "../util/mod.ts";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle, relative to `node_modules`: the minified one (4.8 MB) from deno.json's imports. */
const BUNDLE_CANDIDATES = ["plotly.js-dist-min/plotly.min.js"] as const;

let cachedBundle: string | undefined;

/**
 * Paths where the plotly.js bundle is looked for: `$SER_PLOTLY_JS` when set, then
 * `node_modules/plotly.js-dist-min/plotly.min.js` in the project root (two folders above this
 * file) and in the working directory.
 *
 * @example
 * ```ts
 * console.log(plotlyBundleCandidates()[0]);
 * ```
 */
export function plotlyBundleCandidates(): string[] {
  const roots: string[] = [];
  if (import.meta.url.startsWith("file:")) {
    roots.push(fileURLToPath(new URL("../../", import.meta.url)));
  }
  try {
    roots.push(Deno.cwd());
  } catch {
    // Without read permission for the working directory only the project root is searched.
  }
  const paths: string[] = [];
  try {
    const override = Deno.env.get("SER_PLOTLY_JS");
    if (override) paths.push(override);
  } catch {
    // Without --allow-env the override is simply not available.
  }
  for (const root of roots) {
    for (const candidate of BUNDLE_CANDIDATES) paths.push(join(root, "node_modules", candidate));
  }
  return paths;
}

/** Where the plotly.js bundle was found. */
export interface PlotlyBundleLocation {
  /** Absolute path of the `.js` file. */
  path: string;
  /** The package's version (from the `package.json` beside it), or undefined if unreadable. */
  version: string | undefined;
}

let cachedLocation: PlotlyBundleLocation | undefined;

/**
 * Finds the plotly.js bundle (first of {@link plotlyBundleCandidates} that exists) and its
 * version, once per process.
 *
 * @throws Error listing the paths tried when no bundle is found (run `deno install`).
 * @example
 * ```ts
 * const { path, version } = await findPlotlyBundle(); // ".../plotly.min.js", "3.1.1"
 * ```
 */
export async function findPlotlyBundle(): Promise<PlotlyBundleLocation> {
  if (cachedLocation !== undefined) return cachedLocation;
  const tried = plotlyBundleCandidates();
  const path = firstFile(tried);
  if (path === undefined) {
    throw new Error(
      `plotly.js bundle not found (tried ${
        tried.join(", ")
      }); run "deno install" in the project root`,
    );
  }
  let version: string | undefined;
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(dirname(path), "package.json")));
    if (typeof manifest.version === "string") version = manifest.version;
  } catch {
    // A bundle given through $SER_PLOTLY_JS may have no package.json: the version is optional.
  }
  cachedLocation = { path, version };
  return cachedLocation;
}

/**
 * The plotly.js bundle's source text, read once and cached. Any `</script` inside it is
 * escaped so the text can be inlined in an HTML `<script>` element.
 *
 * @throws Error listing the paths tried when no bundle is found (run `deno install`).
 * @example
 * ```ts
 * const source = await loadPlotlyBundle();
 * console.log(source.length > 1_000_000);
 * ```
 */
export async function loadPlotlyBundle(): Promise<string> {
  if (cachedBundle !== undefined) return cachedBundle;
  const { path } = await findPlotlyBundle();
  cachedBundle = (await Deno.readTextFile(path)).replaceAll("</script", "<\\/script");
  return cachedBundle;
}

/**
 * The project's `vendor/` folder (two folders above this file), where {@link ensurePlotlyCopy}
 * puts the copy of plotly.js that a Jupyter server can serve; undefined when this module is not
 * loaded from a local file.
 *
 * Why a copy: `node_modules/plotly.js-dist-min` is a link into `node_modules/.deno/`, and
 * jupyter_server's `/files/` route refuses anything under a hidden folder (HTTP 404), so the
 * page of a notebook cannot load the bundle from there. A plain file under `vendor/` is served.
 *
 * @example
 * ```ts
 * projectVendorDir(); // "/home/me/ser/vendor"
 * ```
 */
export function projectVendorDir(): string | undefined {
  if (!import.meta.url.startsWith("file:")) return undefined;
  return fileURLToPath(new URL("../../vendor", import.meta.url));
}

/**
 * File name of the bundle copy: versioned, so a browser never reuses a cached older copy.
 *
 * @param version the plotly.js version, if known
 * @example
 * ```ts
 * plotlyCopyName("3.1.1"); // "plotly-3.1.1.min.js"
 * ```
 */
export function plotlyCopyName(version: string | undefined): string {
  return version ? `plotly-${version}.min.js` : "plotly.min.js";
}

/**
 * Puts a copy of the plotly.js bundle into `dir` (default: {@link projectVendorDir}) as
 * {@link plotlyCopyName}, unless a copy of the same size is already there, and returns its path.
 * Written atomically, so a page never loads half a file.
 *
 * @param dir destination folder; created when missing
 * @throws Error when no bundle is found or `dir` cannot be written
 * @example
 * ```ts
 * await ensurePlotlyCopy(); // ".../vendor/plotly-3.1.1.min.js"
 * await ensurePlotlyCopy("outputs"); // "outputs/plotly-3.1.1.min.js", shared by the chart pages
 * ```
 */
export async function ensurePlotlyCopy(dir?: string): Promise<string> {
  const target = dir ?? projectVendorDir();
  if (target === undefined) {
    throw new Error("ensurePlotlyCopy: no destination folder (lib/ is not a local folder)");
  }
  const { path, version } = await findPlotlyBundle();
  const copy = join(target, plotlyCopyName(version));
  const size = (await Deno.stat(path)).size;
  try {
    if ((await Deno.stat(copy)).size === size) return copy;
  } catch {
    // Not copied yet.
  }
  try {
    await writeFileAtomic(copy, await Deno.readFile(path));
  } catch (error) {
    throw new Error(
      `ensurePlotlyCopy: cannot write ${copy} (${basename(path)}): ${(error as Error).message}`,
    );
  }
  return copy;
}
