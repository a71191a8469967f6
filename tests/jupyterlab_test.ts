/**
 * The charts draw where users open the notebooks: a real JupyterLab 4 server (127.0.0.1, a
 * random free port, a token; no plotly extension) and headless Chromium with no network (every
 * non-local request goes to a closed port, so the CDN fallback cannot hide a failure). Notebook
 * 01 is opened and all its cells are run through JupyterLab's own "run all" command on a small
 * synthetic demo corpus; every chart must be drawn (a Plotly SVG in each chart `<div>`, no
 * "could not be loaded" note), with plotly.js fetched from the server's `/files/vendor/` copy.
 * Then the same notebook is executed headless (`runNotebook`): its exported HTML draws every
 * chart from a file URL, and the executed `.ipynb`, opened in JupyterLab without running it,
 * draws them too (it is signed, so JupyterLab trusts its outputs). Each of the 7 example clips
 * has an audio player that the browser can decode, in JupyterLab and in the exported HTML.
 *
 * Skipped (with a note) without JupyterLab (`bash tools/setup.sh` installs it into
 * `.cache/jupyterlab-venv`; `$SER_JUPYTERLAB` names another `jupyter-lab`), Chromium, espeak-ng
 * or nbclient. With `SER_SCREENSHOT_DIR` set it also writes `jupyterlab_01.png` and
 * `report_01.png` there (the README's screenshots). Measured on the 2-core CI machine: about
 * 80 s in all.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";
import { findEspeak, generateDemoCorpus } from "../lib/data_loader/demo_corpus.ts";
import {
  notebookSupport,
  projectJupyterEnv,
  runNotebook,
} from "../lib/pipeline/notebook_runner.ts";
import { findChromium } from "../lib/visualizer/mod.ts";
import { firstFile } from "../lib/util/fs.ts";
import { BrowserPage, killGroup } from "./browser.ts";
import { skipped } from "./shared_data.ts";

const NOTEBOOK = "notebooks/01_data_exploration.ipynb";

function findJupyterLab(): string | undefined {
  const candidates = [join(PROJECT_ROOT, ".cache", "jupyterlab-venv", "bin", "jupyter-lab")];
  const override = Deno.env.get("SER_JUPYTERLAB");
  if (override) candidates.unshift(override);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter((d) => d)) {
    candidates.push(join(dir, "jupyter-lab"));
  }
  return firstFile(candidates);
}

const jupyterLab = findJupyterLab();
const chromium = findChromium();
const support = await notebookSupport("deno");
const missing = [
  jupyterLab ? "" : "JupyterLab (bash tools/setup.sh installs it)",
  chromium ? "" : "Chromium",
  findEspeak() ? "" : "espeak-ng",
  support.ok ? "" : support.reason,
].filter((reason) => reason);
if (missing.length > 0) {
  skipped("jupyterlab_test: JupyterLab in Chromium", `no ${missing.join(", ")}`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** What the page shows of the charts made by show() (see lib/visualizer/html.ts). */
interface ChartCensus {
  charts: number;
  drawn: number;
  failed: number;
  titles: string[];
}

/** Counts the chart `<div>`s, those holding a drawn Plotly SVG, and those with the failure note. */
const CENSUS = `(() => {
  const charts = [...document.querySelectorAll(".ser-plotly-figure")];
  const drawn = charts.filter((c) => c.querySelector("svg.main-svg") !== null);
  return {
    charts: charts.length,
    drawn: drawn.length,
    failed: charts.filter((c) => /could not be loaded/.test(c.textContent)).length,
    titles: drawn.map((c) => (c.querySelector(".gtitle") || {}).textContent || ""),
  };
})()`;

/** The notebook panel open in JupyterLab's main area (null until there is one with cells). */
const PANEL = `(() => {
  if (!window.jupyterapp) return null;
  for (const widget of window.jupyterapp.shell.widgets("main")) {
    if (widget.sessionContext && widget.content && widget.content.widgets &&
      widget.content.widgets.length > 0) return widget;
  }
  return null;
})()`;

/** Activates the notebook (so commands act on it), runs all its cells, awaits the kernel. */
const RUN_ALL = `(async () => {
  const panel = ${PANEL};
  window.jupyterapp.shell.activateById(panel.id);
  await panel.context.ready;
  await panel.sessionContext.ready;
  const ok = await window.jupyterapp.commands.execute("notebook:run-all-cells");
  return { ok, cells: panel.content.widgets.length };
})()`;

/** Audio players (lib/visualizer/audio_player.ts): how many, and how many the browser decoded. */
const AUDIO = `(() => {
  const players = [...document.querySelectorAll(".ser-audio audio")];
  return {
    players: players.length,
    playable: players.filter((a) => a.readyState >= 1 && a.duration > 0.2).length,
  };
})()`;

/** Error outputs shown in the page (a failed cell). */
const ERRORS = `[...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]')]
  .map((e) => e.textContent.slice(0, 500))`;

/** Polls until every chart is drawn or failed and their number has not changed for 3 s. */
async function settledCensus(page: BrowserPage, timeoutMs: number): Promise<ChartCensus> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  let stableSince = Date.now();
  let census: ChartCensus = { charts: 0, drawn: 0, failed: 0, titles: [] };
  while (Date.now() < deadline) {
    census = await page.evaluate<ChartCensus>(CENSUS);
    const key = JSON.stringify(census);
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    } else if (
      census.charts > 0 && census.drawn + census.failed === census.charts &&
      Date.now() - stableSince > 3000
    ) {
      return census;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return census;
}

async function waitForServer(url: string, server: Deno.ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  server.status.then(() => exited = true);
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`JupyterLab did not answer ${url} within ${timeoutMs} ms (exited: ${exited})`);
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name: "jupyterlab: notebook 01 draws every chart in JupyterLab 4 offline, and so do its exports",
  ignore: missing.length > 0,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "ser-jupyterlab-" });
    // The executed notebook must lie under the server's root to be opened there (outputs/ is
    // ignored by git and not hidden).
    const runDir = join(PROJECT_ROOT, "outputs", `jupyterlab_test-${crypto.randomUUID()}`);
    const notebookHash = await sha256(join(PROJECT_ROOT, NOTEBOOK));
    const screenshots = Deno.env.get("SER_SCREENSHOT_DIR");
    const corpus = join(work, "corpus");
    await generateDemoCorpus({ outDir: corpus, words: 2, silent: true });
    // Everything the kernel and the server write goes to the temp folder: the project's
    // outputs, the Jupyter runtime files, the signing secret, and JupyterLab's settings, where
    // autosave is turned off so that running the notebook never rewrites notebooks/01.
    const settings = join(work, "lab-settings", "@jupyterlab", "docmanager-extension");
    await Deno.mkdir(settings, { recursive: true });
    await Deno.writeTextFile(join(settings, "plugin.jupyterlab-settings"), '{"autosave": false}');
    // No news popup (and no request for it).
    const apputils = join(work, "lab-settings", "@jupyterlab", "apputils-extension");
    await Deno.mkdir(apputils, { recursive: true });
    await Deno.writeTextFile(
      join(apputils, "notification.jupyterlab-settings"),
      '{"fetchNews": "false"}',
    );
    const env: Record<string, string> = {
      ...projectJupyterEnv(),
      JUPYTER_DATA_DIR: join(work, "jupyter-data"),
      JUPYTER_RUNTIME_DIR: join(work, "jupyter-runtime"),
      JUPYTER_CONFIG_DIR: join(work, "jupyter-config"),
      JUPYTERLAB_SETTINGS_DIR: join(work, "lab-settings"),
      JUPYTERLAB_WORKSPACES_DIR: join(work, "lab-workspaces"),
      SER_DATA_DIR: corpus,
      SER_OUTPUTS_DIR: join(work, "outputs"),
      SER_MODELS_DIR: join(work, "models"),
      SER_LOGS_DIR: join(work, "logs"),
      SER_CACHE_DIR: join(work, "cache"),
    };
    const port = freePort();
    const token = crypto.randomUUID().replaceAll("-", "");
    const base = `http://127.0.0.1:${port}`;
    const server = new Deno.Command("setsid", {
      args: [
        jupyterLab!,
        "--no-browser",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--port-retries=0",
        `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${PROJECT_ROOT}`,
        // Lets the test call JupyterLab's commands (as its own UI tests, Galata, do).
        "--LabApp.expose_app_in_browser=True",
        ...(Deno.uid() === 0 ? ["--allow-root"] : []),
      ],
      cwd: PROJECT_ROOT,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const serverLog = new Response(server.stderr).text();
    let page: BrowserPage | undefined;
    try {
      await waitForServer(`${base}/api/status?token=${token}`, server, 60_000);
      page = await BrowserPage.launch(chromium!, { width: 1280, height: 1000 });

      // 1. Notebook 01, run in JupyterLab.
      await page.goto(`${base}/lab/tree/${NOTEBOOK}?token=${token}`);
      const extensions = await page.evaluate<string[]>(
        `JSON.parse(document.getElementById("jupyter-config-data").textContent)` +
          `.federated_extensions.map((e) => e.name)`,
      );
      assert.ok(
        !extensions.some((name) => /plotly/i.test(name)),
        `no plotly extension is installed (found ${extensions.join(", ")})`,
      );
      await page.waitFor(`${PANEL} !== null`, 60_000, "the notebook to open");
      const started = Date.now();
      const run = await Promise.race([
        page.evaluate<{ ok: boolean; cells: number }>(RUN_ALL),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("run-all did not finish within 150 s")), 150_000)
        ),
      ]);
      const census = await settledCensus(page, 60_000);
      const errors = await page.evaluate<string[]>(ERRORS);
      console.log(
        `JupyterLab: ${run.cells} cells run in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
          `${census.drawn}/${census.charts} charts drawn`,
      );
      assert.deepEqual(errors, [], "no cell failed");
      assert.ok(run.ok, "JupyterLab's run-all reports success");
      // The demo corpus has 7 emotions: 1 distribution chart + a waveform and a mel
      // spectrogram per emotion.
      assert.equal(census.charts, 15, `15 charts shown (${census.titles.join(" | ")})`);
      assert.equal(census.failed, 0, "no chart says plotly.js could not be loaded");
      assert.equal(census.drawn, 15, "every chart drawn as a Plotly SVG");
      const audio = await page.waitFor<{ players: number; playable: number }>(
        `(() => { const a = ${AUDIO}; return a.playable === 7 ? a : null; })()`,
        20_000,
        "7 playable audio players (one example clip per emotion)",
      );
      assert.equal(audio.players, 7);
      const sources = await page.evaluate<string[]>(
        `performance.getEntriesByType("resource").map((e) => e.name).filter((n) => /plotly/.test(n))`,
      );
      assert.ok(
        sources.some((url) => url.startsWith(`${base}/files/vendor/plotly-`)),
        `plotly.js came from the server's vendor/ copy (loaded: ${sources.join(", ")})`,
      );
      // Charts follow their output area's width: closing the file browser widens them. (A
      // chart is resized when it is on screen: JupyterLab skips rendering cells out of view.)
      await page.evaluate(
        `document.querySelector(".ser-plotly-figure").scrollIntoView({ block: "center" })`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const chartWidth = `document.querySelector(".ser-plotly-figure svg.main-svg")` +
        `.getBoundingClientRect().width`;
      const before = await page.evaluate<number>(chartWidth);
      await page.evaluate(`window.jupyterapp.commands.execute("application:toggle-left-area")`);
      const after = await page.waitFor<number>(
        `(() => { const w = ${chartWidth}; return w > ${before} + 100 ? w : 0; })()`,
        10_000,
        `the charts to widen from ${before} px when the side panel closes`,
      );
      console.log(`chart width ${before} px -> ${after} px when the side panel closes`);
      if (screenshots) {
        await Deno.mkdir(screenshots, { recursive: true });
        // The first example clip: its player, waveform and mel spectrogram, full width. (The
        // scroll leaves the player just under the toolbar.)
        await page.evaluate(
          `document.querySelector(".ser-audio").scrollIntoView({ block: "start" })`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await page.screenshot(join(screenshots, "jupyterlab_01.png"));
      }
      // Leave the notebook without saving, and shut its kernel down.
      await page.evaluate(`${PANEL}.sessionContext.shutdown()`);

      // 2. The same notebook executed headless: HTML report and signed .ipynb.
      const result = await runNotebook(join(PROJECT_ROOT, NOTEBOOK), {
        outDir: runDir,
        cellTimeoutSeconds: 300,
        env,
      });
      assert.equal(result.signed, true, "the executed notebook is signed");
      await page.goto(`file://${result.html}`);
      const report = await settledCensus(page, 30_000);
      console.log(`exported HTML: ${report.drawn}/${report.charts} charts drawn`);
      assert.equal(report.charts, 15);
      assert.equal(report.failed, 0);
      assert.equal(report.drawn, 15, "every chart of the exported report is drawn offline");
      await page.waitFor(
        `${AUDIO}.playable === 7`,
        20_000,
        "the exported report's 7 audio players to load",
      );
      if (screenshots) {
        await page.evaluate(
          `document.querySelectorAll(".ser-plotly-figure")[1].scrollIntoView({ block: "start" })`,
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
        await page.screenshot(join(screenshots, "report_01.png"));
      }

      // 3. The executed notebook opened in JupyterLab, not run: trusted, so its charts draw.
      const relativeIpynb = result.ipynb.slice(PROJECT_ROOT.length).replace(/^\/+/, "");
      await page.goto(`${base}/lab/tree/${relativeIpynb}?token=${token}`);
      await page.waitFor(`${PANEL} !== null`, 60_000, "the executed notebook to open");
      const reopened = await settledCensus(page, 60_000);
      console.log(`executed .ipynb reopened: ${reopened.drawn}/${reopened.charts} charts drawn`);
      assert.equal(reopened.charts, 15);
      assert.equal(reopened.drawn, 15, "the executed notebook's charts draw when opened (trusted)");
      await page.evaluate(`${PANEL}.sessionContext.shutdown()`).catch(() => {});
    } finally {
      await page?.close();
      // SIGTERM lets the server shut its kernels down; then the whole group goes.
      killGroup(server, "SIGTERM");
      const stopped = await Promise.race([
        server.status.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      killGroup(server, "SIGKILL");
      if (!stopped) await server.status;
      const log = await serverLog;
      await Deno.remove(runDir, { recursive: true }).catch(() => {});
      await Deno.remove(work, { recursive: true }).catch(() => {});
      assert.equal(
        await sha256(join(PROJECT_ROOT, NOTEBOOK)),
        notebookHash,
        `${NOTEBOOK} was not modified by the test`,
      );
      if (Deno.env.get("SER_TEST_VERBOSE")) console.log(log.slice(-3000));
    }
  },
});
