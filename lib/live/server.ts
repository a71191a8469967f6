/**
 * The live page's server: `Deno.serve` on 127.0.0.1 only, every asset local — the page, its
 * script (the project's `lib/` code plus TensorFlow.js and Meyda from `node_modules`, bundled
 * at start with `deno bundle --platform browser`), the AudioWorklet, plotly.js from
 * `node_modules`, and the artifacts of the models folder's promoted model set (verified at start
 * with `openPromotedModelSet`): manifest, label encoder, sequence models' `model.json` +
 * weights, pooled models' `pooled.json`. Nothing else is served and the page makes no request
 * elsewhere.
 *
 * @example
 * ```ts
 * import { startLiveServer } from "./server.ts";
 * const server = await startLiveServer({ modelsDir: "models", port: 8765 });
 * console.log(`open ${server.url}`);
 * await server.finished;
 * ```
 * @module
 */
import { basename, join, normalize, relative } from "node:path";
import { findPlotlyBundle } from "../visualizer/mod.ts";
import { openPromotedModelSet } from "../inference/mod.ts";

/** Options of {@link startLiveServer}. */
export interface LiveServerOptions {
  /** The models folder the training step saved into (manifest, label encoder, model folders). */
  modelsDir: string;
  /** TCP port on 127.0.0.1 (default 8765; 0 picks a free one). */
  port?: number;
  /** Seconds between the page's live windows (default 0.5), in (0, window]. */
  hopSeconds?: number;
  /**
   * Receives what the page posts to `/api/report` in test mode (`?report=1`): the live windows
   * with their samples, feature self-tests, file timelines, errors, and the URLs it loaded.
   * Without it the endpoint answers 404.
   */
  onReport?: (report: Record<string, unknown>) => void;
  /** Extra files to serve (URL path -> file path), e.g. WAVs for the page's self-tests. */
  extraFiles?: Record<string, string>;
  /**
   * A model card completed by the evaluation (notebook 04 writes `outputs/model_card.json`):
   * served as the set's `model_card.json` when it describes the same run, so the page can quote
   * its enrolment curve; otherwise the card saved in the set is served.
   */
  modelCard?: string;
  /** Print nothing (default false). */
  quiet?: boolean;
}

/** A running live server. */
export interface LiveServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** The promoted model set whose files are served under `/models/`. */
  setDir: string;
  port: number;
  /** Size of the page's script bundle in bytes. */
  bundleBytes: number;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

const PAGE_DIR = new URL("./page/", import.meta.url);
const PROJECT_ROOT = new URL("../../", import.meta.url);

/**
 * Bundles the page script for the browser (tfjs, Meyda and the `lib/` modules it imports).
 *
 * @returns the bundle's JavaScript text
 * @throws when `deno bundle` fails (its stderr is quoted)
 */
export async function bundleLivePage(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ser_live_bundle_" });
  try {
    const out = join(dir, "app.js");
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "-o",
        out,
        new URL("app.ts", PAGE_DIR).pathname,
      ],
      cwd: PROJECT_ROOT.pathname,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `lib/live/page/app.ts: deno bundle failed (exit ${code}): ${
          new TextDecoder().decode(stderr).trim()
        }`,
      );
    }
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  bin: "application/octet-stream",
  wav: "audio/wav",
  flac: "audio/flac",
};

function typeOf(path: string): string {
  return TYPES[path.split(".").pop()!.toLowerCase()] ?? "application/octet-stream";
}

async function fileResponse(path: string): Promise<Response> {
  try {
    const bytes = await Deno.readFile(path);
    return new Response(bytes, {
      headers: { "content-type": typeOf(path), "cache-control": "no-store" },
    });
  } catch {
    return new Response(`not found: ${path}`, { status: 404 });
  }
}

/**
 * The model card the page gets as `/models/model_card.json`: `evaluatedCard` when it describes
 * the set's run (its `run` is the set folder's name), else the card saved in the set.
 *
 * @param setDir the promoted set's folder (`models/runs/<run id>`)
 * @param evaluatedCard e.g. `outputs/model_card.json`, completed by notebook 04
 */
export async function modelCardToServe(setDir: string, evaluatedCard?: string): Promise<string> {
  if (evaluatedCard) {
    try {
      const card = JSON.parse(await Deno.readTextFile(evaluatedCard));
      if (card?.run === basename(setDir)) return evaluatedCard;
    } catch {
      // absent or unreadable: the set's own card
    }
  }
  return join(setDir, "model_card.json");
}

/**
 * Starts the live page's server on 127.0.0.1.
 *
 * @param options models folder, port, hop, test hooks
 * @throws when the models folder has no promoted model set (no trained model, or a file of the
 *   set changed: `ModelSetError`/`ArtifactError` name it) or the bundle fails
 * @example
 * ```ts
 * const server = await startLiveServer({ modelsDir: "models", port: 0, quiet: true });
 * await server.shutdown();
 * ```
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const hop = options.hopSeconds ?? 0.5;
  if (!(hop > 0)) throw new RangeError(`live: hop must be positive seconds, got ${hop}`);
  // The promoted set, checksums verified, exactly as `loadPredictor` reads it: the page loads
  // the same files `deno task predict` would.
  const modelsDir = await openPromotedModelSet(options.modelsDir);
  try {
    await Deno.stat(join(modelsDir, "config.json"));
  } catch {
    throw new Error(
      `${join(modelsDir, "config.json")}: not found; train a model first ` +
        `(notebooks/03_training.ipynb or deno task pipeline)`,
    );
  }
  const [bundle, plotly] = await Promise.all([bundleLivePage(), findPlotlyBundle()]);
  const modelCard = await modelCardToServe(modelsDir, options.modelCard);
  const page = (await Deno.readTextFile(new URL("index.html", PAGE_DIR)))
    .replace("<body>", `<body data-hop="${hop}">`);
  const worklet = await Deno.readTextFile(new URL("recorder_worklet.js", PAGE_DIR));
  const extra = options.extraFiles ?? {};
  const js = { "content-type": TYPES.js, "cache-control": "no-store" };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    if (request.method === "POST" && path === "/api/report") {
      if (!options.onReport) return new Response("no report receiver", { status: 404 });
      options.onReport(await request.json());
      return new Response("ok");
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed", { status: 405 });
    }
    if (path === "/" || path === "/index.html") {
      return new Response(page, { headers: { "content-type": TYPES.html } });
    }
    if (path === "/app.js") return new Response(bundle, { headers: js });
    if (path === "/recorder_worklet.js") return new Response(worklet, { headers: js });
    if (path === "/vendor/plotly.min.js") return await fileResponse(plotly.path);
    if (path in extra) return await fileResponse(extra[path]);
    if (path === "/models/model_card.json") return await fileResponse(modelCard);
    if (path.startsWith("/models/")) {
      // Only files inside the models folder, and only the kinds a model consists of.
      const file = normalize(join(modelsDir, path.slice("/models/".length)));
      const inside = !relative(modelsDir, file).startsWith("..");
      if (inside && /\.(json|bin)$/.test(file)) return await fileResponse(file);
    }
    return new Response("not found", { status: 404 });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 8765,
    onListen: () => {},
  }, handler);
  const port = server.addr.port;
  const url = `http://127.0.0.1:${port}/`;
  if (!options.quiet) {
    console.log(
      `live page: ${url} (models from ${modelsDir}, hop ${hop} s, script ${
        (bundle.length / 1e6).toFixed(1)
      } MB)`,
    );
  }
  return {
    url,
    setDir: modelsDir,
    port,
    bundleBytes: bundle.length,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}
