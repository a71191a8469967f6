/**
 * Finds and reads the plotly.js browser bundle from the project's `node_modules`, so figures
 * can be drawn offline (standalone HTML, notebook exports, PNG rendering).
 * @module
 */
import { firstFile } from "../util/fs.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Bundles tried in order, relative to `node_modules`: the minified one first (4.8 MB). */
const BUNDLE_CANDIDATES = [
  "plotly.js-dist-min/plotly.min.js",
  "plotly.js-dist/plotly.js",
] as const;

let cachedBundle: string | undefined;

/**
 * Paths where the plotly.js bundle is looked for: `$SER_PLOTLY_JS` when set, then
 * `node_modules/plotly.js-dist-min/plotly.min.js` and `node_modules/plotly.js-dist/plotly.js`
 * in the project root (two folders above this file) and in the working directory.
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
