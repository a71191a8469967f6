/**
 * Visualizer: figure builders give valid Plotly specs; HTML pages embed the figure and the
 * plotly.js bundle; PNGs render through Chromium (skipped without it); a smoke notebook that
 * calls show() runs headless through Jupyter (skipped without Jupyter and the Deno kernel).
 */
import assert from "node:assert/strict";
import { basename, join, resolve } from "node:path";
import {
  audioPlayerHtml,
  columnDomains,
  confusionMatricesFigure,
  confusionMatrixFigure,
  emotionDistribution,
  enrolmentCurveFigure,
  type Figure,
  figureJson,
  figureMimeBundle,
  figureSnippet,
  findChromium,
  findPlotlyBundle,
  type HeatmapTrace,
  inlinePlotlyInHtml,
  isPng,
  MAX_WAVEFORM_POINTS,
  metricsComparisonFigure,
  normalizeRows,
  notebookPlotlyFallback,
  pageNeedsPlotly,
  pitchContourFigure,
  projectVendorDir,
  saveFigureHtml,
  saveFigurePng,
  type ScatterTrace,
  show,
  spectrogramFigure,
  trainingHistoryFigure,
  waveformFigure,
} from "../lib/visualizer/mod.ts";
import { decodeWav } from "../lib/audio/wav.ts";
import {
  NotebookExecutionError,
  notebookSupport,
  runNotebook,
} from "../lib/pipeline/notebook_runner.ts";
import { FAILED_FIGURE, renderedDom } from "./browser.ts";

const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];

Deno.test("visualizer: emotionDistribution is one bar per emotion with counts and shares", () => {
  const counts = Object.fromEntries(EMOTIONS.map((e, i) => [e, 100 + i]));
  const figure = emotionDistribution(counts);
  assert.equal(figure.data.length, 1);
  const bar = figure.data[0];
  assert.equal(bar.type, "bar");
  assert.deepEqual(bar.x, EMOTIONS);
  assert.deepEqual(bar.y, EMOTIONS.map((_, i) => 100 + i));
  assert.equal((bar.text as string[])[0], `100 (${(100 * 100 / 721).toFixed(1)}%)`);
  const colors = (bar.marker as { color: string[] }).color;
  assert.equal(new Set(colors).size, 7, "each emotion has its own colour");
  assert.equal(figure.layout.title?.text, "Emotion distribution");
  assert.throws(() => emotionDistribution({}), /empty/);
  assert.throws(() => emotionDistribution({ angry: -1 }), /angry/);
});

Deno.test("visualizer: waveformFigure keeps short signals and envelopes long ones", () => {
  const short = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const small = waveformFigure(short, 1000, "short");
  const trace = small.data[0] as ScatterTrace;
  assert.equal(trace.type, "scatter");
  assert.equal(trace.x.length, 100);
  assert.equal(trace.x[10], 0.01);
  assert.equal(trace.y[3], short[3]);

  const long = new Float32Array(66150);
  long[12345] = 0.9;
  long[50000] = -0.7;
  const big = waveformFigure(long, 22050).data[0] as ScatterTrace;
  assert.ok(big.x.length <= MAX_WAVEFORM_POINTS);
  assert.equal(Math.max(...big.y), long[12345], "peak survives the envelope");
  assert.equal(Math.min(...big.y), long[50000]);
  for (let i = 1; i < big.x.length; i++) assert.ok(big.x[i] >= big.x[i - 1], "time increases");
  assert.throws(() => waveformFigure(short, 0), /sampleRate/);
});

Deno.test("visualizer: spectrogramFigure transposes frames to a coefficient x time heatmap", () => {
  const frames = 5;
  const width = 3;
  const data = Float32Array.from({ length: frames * width }, (_, i) => i + 1);
  const figure = spectrogramFigure({ frames, width, data }, {
    sampleRate: 1000,
    hopLength: 100,
    title: "Raw",
    yLabel: "Coefficient",
  });
  const heatmap = figure.data[0] as HeatmapTrace;
  assert.equal(heatmap.type, "heatmap");
  assert.equal(heatmap.z.length, width);
  assert.equal(heatmap.z[0].length, frames);
  assert.equal(heatmap.z[2][4], data[4 * width + 2]);
  assert.deepEqual(heatmap.x, [0, 0.1, 0.2, 0.3, 0.4]);
  assert.equal((figure.layout.yaxis as { title: { text: string } }).title.text, "Coefficient");
  assert.equal(figure.layout.width, undefined, "responsive: no fixed width");

  const db = spectrogramFigure({ frames, width, data }, {
    sampleRate: 1000,
    hopLength: 100,
    toDb: true,
  }).data[0] as HeatmapTrace;
  assert.equal(Math.max(...db.z.flat()), 0, "the loudest cell is 0 dB");
  // Values are rounded to 4 significant digits (-11.76 for -11.7609 dB).
  assert.ok(Math.abs(db.z[0][0] - 10 * Math.log10(1 / 15)) < 0.005);
  assert.throws(
    () =>
      spectrogramFigure({ frames, width, data: new Float32Array(4) }, {
        sampleRate: 1000,
        hopLength: 100,
      }),
    /expected frames\*width = 15/,
  );
});

Deno.test("visualizer: MFCC heatmaps standardise each coefficient; mel axes read in Hz", () => {
  // MFCC 0 around -300, the others small: raw, c0 alone would span the colour range.
  const frames = 50;
  const width = 13;
  const data = new Float32Array(frames * width);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < width; c++) {
      data[f * width + c] = c === 0 ? -300 + 20 * Math.sin(f) : c + Math.cos(f * c);
    }
  }
  const mfcc = spectrogramFigure({ frames, width, data }, {
    sampleRate: 22050,
    hopLength: 512,
    yLabel: "MFCC",
    title: "happy: MFCC",
  });
  const z = (mfcc.data[0] as HeatmapTrace).z;
  for (const row of z) {
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length);
    assert.ok(Math.abs(mean) < 0.01, `row mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.01, `row std ${std}`);
  }
  assert.match(mfcc.layout.title!.text, /standardised/, "the title says how it was scaled");
  assert.equal((mfcc.data[0] as HeatmapTrace).zmid, 0);

  // 128 mel bands of 0..11025 Hz: band centres from librosa.mel_frequencies(130, 0, 11025)[1:-1].
  const mel = spectrogramFigure({ frames: 2, width: 128, data: new Float32Array(256).fill(1) }, {
    sampleRate: 22050,
    hopLength: 512,
    toDb: true,
    yLabel: "Mel band",
  });
  const axis = mel.layout.yaxis as {
    tickvals: number[];
    ticktext: string[];
    title: { text: string };
  };
  assert.match(axis.title.text, /Hz/);
  assert.deepEqual(axis.ticktext, ["500", "1k", "2k", "4k", "8k"]);
  // Below 1 kHz the Slaney scale is linear: 1000 Hz = 15 mel; hzToMel(11025) = 49.91; band k's
  // centre is at (k + 1) * 49.91 / 129 mel, so 1 kHz sits at band 15 * 129 / 49.91 - 1 = 37.77.
  const oneK = axis.tickvals[axis.ticktext.indexOf("1k")];
  assert.ok(Math.abs(oneK - 37.77) < 0.02, `1 kHz at band ${oneK}`);
  for (let i = 1; i < axis.tickvals.length; i++) assert.ok(axis.tickvals[i] > axis.tickvals[i - 1]);
  const hover = (mel.data[0] as HeatmapTrace).customdata as number[][];
  assert.equal(hover.length, 128);
  assert.ok(hover[0][0] > 20 && hover[0][0] < 30, `lowest band centre ${hover[0][0]} Hz`);
  assert.ok(hover[127][0] > 10_000 && hover[127][0] < 11_025, `highest ${hover[127][0]} Hz`);
});

Deno.test("visualizer: trainingHistoryFigure draws loss and accuracy, train vs val, per model", () => {
  const figure = trainingHistoryFigure({
    LSTM: {
      epoch: [1, 2, 3],
      history: {
        loss: [1, 0.6, 0.4],
        val_loss: [1.1, 0.8, 0.7],
        accuracy: [0.4, 0.7, 0.9],
        val_accuracy: [0.3, 0.6, 0.8],
        lr: [1e-3, 1e-3, 5e-4],
      },
    },
    GRU: {
      epoch: [1, 2],
      history: { loss: [0.9, 0.5], val_loss: [1, 0.7], acc: [0.5, 0.8], val_acc: [0.4, 0.7] },
    },
  });
  const traces = figure.data as ScatterTrace[];
  assert.equal(traces.length, 8);
  const byName = (name: string, axis: string) =>
    traces.find((t) => t.name === name && t.yaxis === axis)!;
  assert.deepEqual(byName("LSTM train", "y").y, [1, 0.6, 0.4]);
  assert.deepEqual(byName("LSTM val", "y2").y, [0.3, 0.6, 0.8]);
  assert.deepEqual(byName("GRU train", "y2").y, [0.5, 0.8], "falls back to the 'acc' key");
  assert.equal(byName("GRU val", "y").line?.dash, "dash");
  assert.equal(byName("GRU train", "y").line?.dash, "solid");
  assert.notEqual(byName("LSTM train", "y").line?.color, byName("GRU train", "y").line?.color);
  assert.equal(traces.filter((t) => t.showlegend).length, 4, "one legend entry per series");
  assert.ok(figure.layout.xaxis2, "second subplot axis exists");
  assert.deepEqual(figure.layout.annotations?.map((a) => a.text), [
    "<b>Loss</b>",
    "<b>Accuracy</b>",
  ]);
  assert.throws(
    () => trainingHistoryFigure({ M: { epoch: [1, 2], history: { loss: [1] } } }),
    /M\.history\.loss has 1 values but there are 2 epochs/,
  );
  // Whole-number epoch ticks: one per epoch for short runs (no "1.5").
  const xaxis = figure.layout.xaxis as { dtick?: number; tickformat?: string };
  assert.equal(xaxis.dtick, 1);
  assert.equal(xaxis.tickformat, "d");
  const long = trainingHistoryFigure({
    M: { epoch: Array.from({ length: 40 }, (_, i) => i), history: {} },
  });
  assert.equal((long.layout.xaxis as { dtick?: number }).dtick, undefined, "Plotly's steps");
  assert.equal(figure.layout.width, undefined, "responsive: no fixed width");
});

Deno.test("visualizer: confusion matrices normalise rows and lay out one subplot per model", () => {
  assert.deepEqual(normalizeRows([[3, 1], [0, 0]]), [[0.75, 0.25], [0, 0]]);
  const single = confusionMatrixFigure([[5, 1], [2, 6]], ["angry", "sad"], { normalize: true });
  const heatmap = single.data[0] as HeatmapTrace;
  assert.equal(heatmap.type, "heatmap");
  assert.deepEqual(heatmap.z, [[5 / 6, 1 / 6], [0.25, 0.75]]);
  // Row % with the count under it, and the count in the hover label.
  assert.deepEqual(heatmap.text, [["83%<br>5", "17%<br>1"], ["25%<br>2", "75%<br>6"]]);
  assert.deepEqual(heatmap.customdata, [[5, 1], [2, 6]]);
  const sparse = confusionMatrixFigure([[3, 0], [1, 1]], ["a", "b"]).data[0] as HeatmapTrace;
  assert.deepEqual(sparse.text, [["100%<br>3", ""], ["50%<br>1", "50%<br>1"]], "zeros blank");
  assert.match(String(heatmap.hovertemplate), /%\{customdata\} clips/);
  assert.deepEqual(heatmap.x, ["angry", "sad"]);
  assert.equal((single.layout.yaxis as { autorange: string }).autorange, "reversed");

  const counts = confusionMatrixFigure([[5, 1], [2, 6]], ["angry", "sad"], { normalize: false });
  assert.deepEqual((counts.data[0] as HeatmapTrace).text, [["5", "1"], ["2", "6"]]);
  assert.deepEqual((counts.data[0] as HeatmapTrace).z, [[5, 1], [2, 6]]);

  const many = confusionMatricesFigure(
    { LSTM: [[5, 1], [2, 6]], GRU: [[6, 0], [1, 7]] },
    ["angry", "sad"],
  );
  assert.equal(many.data.length, 2);
  assert.equal(many.data[1].xaxis, "x2");
  assert.deepEqual(many.layout.annotations?.map((a) => a.text), ["<b>LSTM</b>", "<b>GRU</b>"]);
  assert.match(many.layout.title!.text, /% of each true class/, "normalised by default");
  assert.equal(many.layout.width, undefined, "responsive: no fixed width (was 960 px)");
  const [first, second] = [many.layout.xaxis, many.layout.xaxis2] as { domain: number[] }[];
  assert.ok(first.domain[1] < second.domain[0], "subplots do not overlap");
  assert.throws(() => confusionMatrixFigure([[1, 2]], ["a", "b"]), /1 rows but there are 2 labels/);
  assert.deepEqual(columnDomains(2, 0.1), [[0, 0.45], [0.55, 1]]);
});

Deno.test("visualizer: metricsComparisonFigure groups four metrics per model", () => {
  const figure = metricsComparisonFigure([
    { model: "LSTM", accuracy: 0.992857, precision: 0.992973, recall: 0.992857, f1: 0.992862 },
    { model: "GRU", accuracy: 0.996429, precision: 0.996458, recall: 0.996429, f1: 0.996428 },
  ]);
  assert.equal(figure.data.length, 2);
  assert.equal(figure.layout.barmode, "group");
  assert.deepEqual(figure.data[0].x, ["Accuracy", "Precision", "Recall", "F1-Score"]);
  assert.deepEqual(figure.data[1].y, [0.996429, 0.996458, 0.996429, 0.996428]);
  assert.deepEqual(figure.data[1].text, ["0.9964", "0.9965", "0.9964", "0.9964"]);
  assert.throws(
    () => metricsComparisonFigure([{ model: "X", accuracy: 1.5, precision: 0, recall: 0, f1: 0 }]),
    /X\.accuracy must be in \[0, 1\]/,
  );
});

Deno.test("visualizer: audio players carry the clip as a WAV that decodes back to it", () => {
  const rate = 8000;
  const tone = Float32Array.from({ length: 3 * rate }, (_, i) => 0.5 * Math.sin(i / 5));
  const html = audioPlayerHtml(tone, rate, { label: "tone <1>" });
  assert.ok(html.includes("tone &lt;1&gt;"), "the label is escaped");
  const uri = /src="data:audio\/wav;base64,([^"]+)"/.exec(html)![1];
  const decoded = decodeWav(Uint8Array.from(atob(uri), (c) => c.charCodeAt(0)));
  assert.equal(decoded.sampleRate, rate);
  const samples = decoded.channels[0];
  assert.equal(samples.length, tone.length);
  // 16-bit PCM: within half a step (1 / 65536) of the input.
  let worst = 0;
  for (let i = 0; i < tone.length; i++) worst = Math.max(worst, Math.abs(samples[i] - tone[i]));
  assert.ok(worst <= 1 / 65536 + 1e-9, `worst error ${worst}`);
  const cut = audioPlayerHtml(tone, rate, { label: "long", maxSeconds: 1 });
  assert.ok(cut.includes("first 1 s of 3.0 s"));
  assert.ok(cut.length < html.length / 2);
  assert.throws(() => audioPlayerHtml(tone, 0), /sampleRate/);
});

Deno.test("visualizer: figure JSON cannot close the script element it is embedded in", () => {
  const figure: Figure = { data: [], layout: { title: { text: "</script><b>x</b>" } } };
  const json = figureJson(figure);
  assert.ok(!json.includes("</script"));
  assert.deepEqual(JSON.parse(json), figure);
});

Deno.test("visualizer: saveFigureHtml writes standalone pages sharing one plotly.js", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const figure = emotionDistribution({ angry: 7, sad: 9 }, "Distribution <test>");
    const path = join(dir, "sub", "emotion_distribution.html");
    await saveFigureHtml(figure, path);
    await saveFigureHtml(emotionDistribution({ angry: 1 }), join(dir, "sub", "second.html"));
    const html = await Deno.readTextFile(path);
    const { version } = await findPlotlyBundle();
    assert.ok(html.startsWith("<!DOCTYPE html>"));
    assert.ok(html.includes("<title>Distribution &lt;test&gt;</title>"));
    assert.ok(html.includes(figureJson(figure)), "figure JSON is embedded");
    assert.ok(html.includes(`src="plotly-${version}.min.js"`), "links the shared bundle");
    assert.ok(html.length < 20_000, `the page is small (${html.length} characters)`);
    assert.ok(html.includes("Plotly.newPlot"));
    const names = [];
    for await (const entry of Deno.readDir(join(dir, "sub"))) names.push(entry.name);
    assert.deepEqual(
      names.sort(),
      ["emotion_distribution.html", `plotly-${version}.min.js`, "second.html"],
      "one bundle for both pages, no temporary file left",
    );
    const chromium = findChromium();
    if (chromium) {
      const dom = await renderedDom(chromium, `file://${path}`);
      assert.ok(dom.includes('data-ser-plotted="true"'), "the page draws offline");
    }
    const single = join(dir, "single.html");
    await saveFigureHtml(figure, single, { plotly: "inline" });
    const inline = await Deno.readTextFile(single);
    assert.match(inline, /plotly\.js v3\.\d+\.\d+/, "plotly.js bundle is inlined");
    assert.ok(inline.length > 1_000_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("visualizer: the Jupyter MIME bundle carries the figure and a small HTML fallback", async () => {
  const figure = emotionDistribution({ angry: 1 });
  const fallback = await notebookPlotlyFallback();
  const bundle = figureMimeBundle(figure, fallback);
  assert.deepEqual(bundle["application/vnd.plotly.v1+json"], figure);
  assert.equal(bundle["text/plain"], "<Plotly figure: Emotion distribution>");
  const html = bundle["text/html"];
  assert.ok(html.includes(figureJson(figure)));
  assert.ok(!/plotly\.js v3/.test(html), "plotly.js is never sent through the kernel");
  assert.ok(html.length < 20_000, `fallback is ${html.length} characters`);
  // The fallback names the project's copy in vendor/ (absolute and relative to the kernel's
  // folder), then the CDN copy. The copy lies under no hidden folder: jupyter_server refuses
  // those (node_modules/.deno/, where the npm package is, answers 404).
  const bundlePath = resolve(Deno.cwd(), fallback.filesRelative!);
  assert.equal(bundlePath, fallback.serverPath);
  assert.equal(bundlePath, join(projectVendorDir()!, basename(bundlePath)));
  assert.ok(!bundlePath.split("/").some((part) => part.startsWith(".")), bundlePath);
  assert.equal(
    (await Deno.stat(bundlePath)).size,
    (await Deno.stat((await findPlotlyBundle()).path)).size,
  );
  assert.ok(html.includes(JSON.stringify(fallback.filesRelative)));
  assert.ok(html.includes(JSON.stringify(fallback.serverPath)));
  assert.match(fallback.urls![0], /^https:\/\/cdn\.plot\.ly\/plotly-3\.\d+\.\d+\.min\.js$/);
  // Outside Jupyter show() only notes that it did nothing.
  await show(figure);
});

Deno.test("visualizer: inlinePlotlyInHtml puts plotly.js once at the top of a page with figures", () => {
  const figure = emotionDistribution({ angry: 1 });
  const page = `<!DOCTYPE html>\n<html>\n<head lang="en">\n<script src="require.js"></script>` +
    `</head>\n<body>${figureSnippet(figure)}${figureSnippet(figure)}</body></html>`;
  assert.ok(pageNeedsPlotly(page));
  const inlined = inlinePlotlyInHtml(page, "/* bundle */");
  assert.equal(inlined.split("/* bundle */").length, 2, "inlined exactly once");
  assert.ok(
    inlined.indexOf("/* bundle */") < inlined.indexOf("require.js"),
    "before every other script of the page",
  );
  assert.ok(inlined.indexOf("<head") < inlined.indexOf("/* bundle */"));
  assert.ok(!pageNeedsPlotly(inlined));
  assert.equal(inlinePlotlyInHtml(inlined, "/* bundle */"), inlined, "idempotent");
  const plain = "<html><head></head><body><p>no figures</p></body></html>";
  assert.equal(inlinePlotlyInHtml(plain, "/* bundle */"), plain);
});

/** Serves `pages` (path -> HTML) and the plotly.js bundle under `bundleUrlPath`. */
async function withPageServer(
  pages: Record<string, string>,
  bundleUrlPath: string,
  body: (origin: string) => Promise<void>,
): Promise<void> {
  const bundle = await Deno.readFile((await findPlotlyBundle()).path);
  const controller = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen: () => {} },
    (request) => {
      const path = new URL(request.url).pathname;
      if (path === bundleUrlPath) {
        return new Response(bundle, { headers: { "content-type": "text/javascript" } });
      }
      const page = pages[path];
      return page === undefined
        ? new Response("not found", { status: 404 })
        : new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    },
  );
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    controller.abort();
    await server.finished;
  }
}

Deno.test({
  name: "visualizer: a notebook page without plotly.js fetches it through the Jupyter server",
  ignore: findChromium() === undefined,
  fn: async () => {
    const chromium = findChromium()!;
    const figure = emotionDistribution({ angry: 3, sad: 4 });
    const fallback = {
      filesRelative: "../node_modules/plotly.js-dist-min/plotly.min.js",
      urls: ["http://127.0.0.1:9/unreachable.js"],
    };
    const page = (head: string) =>
      `<!DOCTYPE html><html><head>${head}</head><body>` +
      `${figureSnippet(figure, { plotlyFallback: fallback })}` +
      `${figureSnippet(figure, { plotlyFallback: fallback })}</body></html>`;
    // An AMD loader on the page, as RequireJS in the classic notebook: plotly.js 3 still sets
    // window.Plotly when loaded through a script element.
    const amd = `<script>
      window.define = function () { throw new Error("plotly.js must not call define"); };
      window.define.amd = {};
      window.require = function () { throw new Error("plotly.js must not need require"); };
    </script>`;
    await withPageServer(
      {
        // Classic notebook / Notebook 7 on JupyterHub, and JupyterLab, for notebooks/nb.ipynb.
        "/user/ana/notebooks/notebooks/nb.ipynb": page(""),
        "/lab/tree/notebooks/nb.ipynb": page(amd),
        // A page whose path names no notebook folder: only the (unreachable) URLs are tried.
        "/report.html": page(""),
      },
      "/user/ana/files/node_modules/plotly.js-dist-min/plotly.min.js",
      async (origin) => {
        const classic = await renderedDom(
          chromium,
          `${origin}/user/ana/notebooks/notebooks/nb.ipynb`,
        );
        assert.ok(classic.includes('data-ser-plotted="true"'), "figures drawn");
        assert.equal(classic.split('class="main-svg"').length - 1 >= 2, true, "both figures");
        assert.ok(!FAILED_FIGURE.test(classic));
      },
    );
    await withPageServer(
      {
        "/lab/tree/notebooks/nb.ipynb": page(amd),
        "/report.html": page(""),
      },
      "/files/node_modules/plotly.js-dist-min/plotly.min.js",
      async (origin) => {
        const lab = await renderedDom(chromium, `${origin}/lab/tree/notebooks/nb.ipynb`);
        assert.ok(lab.includes('data-ser-plotted="true"'), "drawn on a page with an AMD loader");
        const report = await renderedDom(chromium, `${origin}/report.html`);
        assert.ok(!report.includes('data-ser-plotted="true"'));
        assert.ok(
          report.includes(
            "plotly.js could not be loaded on this page (tried: http://127.0.0.1:9/unreachable.js)",
          ),
        );
      },
    );
  },
});

Deno.test({
  name: "visualizer: on a JupyterLab page the bundle's /files/ URL comes from the server root",
  ignore: findChromium() === undefined,
  fn: async () => {
    const chromium = findChromium()!;
    const figure = emotionDistribution({ angry: 3, sad: 4 });
    // JupyterLab's address often names no notebook (/lab, or another notebook than the one
    // whose output this is), and the kernel's relative path would be wrong for a notebook
    // opened from another folder: the page config's rootUri/serverRoot decide.
    const fallback = {
      serverPath: "/home/ana/ser/vendor/plotly-3.1.1.min.js",
      filesRelative: "../elsewhere/plotly.min.js",
      urls: ["http://127.0.0.1:9/unreachable.js"],
    };
    const page = (config: Record<string, string>) =>
      `<!DOCTYPE html><html><head><script id="jupyter-config-data" type="application/json">` +
      `${JSON.stringify(config)}</script></head><body>` +
      `${figureSnippet(figure, { plotlyFallback: fallback })}</body></html>`;
    await withPageServer(
      {
        "/jh/user/ana/lab": page({ baseUrl: "/jh/user/ana/", rootUri: "file:///home/ana" }),
        "/jh/user/ana/lab/tree/x.ipynb": page({
          baseUrl: "/jh/user/ana/",
          serverRoot: "/home/ana/",
        }),
        // The project outside the server root: nothing to load from the server.
        "/jh/user/ana/lab/tree/y.ipynb": page({
          baseUrl: "/jh/user/ana/",
          rootUri: "file:///srv/other",
        }),
      },
      "/jh/user/ana/files/ser/vendor/plotly-3.1.1.min.js",
      async (origin) => {
        for (const path of ["/jh/user/ana/lab", "/jh/user/ana/lab/tree/x.ipynb"]) {
          const dom = await renderedDom(chromium, `${origin}${path}`);
          assert.ok(dom.includes('data-ser-plotted="true"'), `drawn at ${path}`);
        }
        const outside = await renderedDom(chromium, `${origin}/jh/user/ana/lab/tree/y.ipynb`);
        assert.ok(FAILED_FIGURE.test(outside), "outside the root: the figure says so");
      },
    );
  },
});

Deno.test({
  name: "visualizer: saveFigurePng renders a PNG of the requested size through Chromium",
  ignore: findChromium() === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const figure = confusionMatricesFigure(
        { LSTM: [[5, 1], [2, 6]], GRU: [[6, 0], [1, 7]] },
        ["angry", "sad"],
        { normalize: true },
      );
      const path = join(dir, "confusion_matrices.png");
      const start = performance.now();
      assert.equal(await saveFigurePng(figure, path, { width: 900, height: 500 }), true);
      console.log(`PNG rendered in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      const bytes = await Deno.readFile(path);
      assert.ok(isPng(bytes));
      assert.ok(bytes.length > 5000, `non-trivial PNG (${bytes.length} bytes)`);
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      assert.equal(view.getUint32(16), 900, "IHDR width");
      assert.equal(view.getUint32(20), 500, "IHDR height");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("visualizer: saveFigurePng kills a hung browser on timeout and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fake = join(dir, "hung-browser.sh");
    await Deno.writeTextFile(fake, "#!/bin/sh\nsleep 60\n");
    await Deno.chmod(fake, 0o755);
    const start = performance.now();
    await assert.rejects(
      saveFigurePng(emotionDistribution({ angry: 1 }), join(dir, "x.png"), {
        chromiumPath: fake,
        timeoutMs: 500,
      }),
      /did not finish within 500 ms/,
    );
    assert.ok(performance.now() - start < 10_000, "returned soon after the timeout");
    await assert.rejects(Deno.stat(join(dir, "x.png")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const support = await notebookSupport();

Deno.test({
  name: "visualizer: a smoke notebook calling show() runs headless and its HTML has the figure",
  ignore: !support.ok,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const visualizer = new URL("../lib/visualizer/mod.ts", import.meta.url).href;
      const cell = (cell_type: string, source: string) => ({
        cell_type,
        metadata: {},
        source,
        ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}),
      });
      const notebook = (cells: unknown[]) =>
        JSON.stringify({
          cells,
          metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
          nbformat: 4,
          nbformat_minor: 5,
        });
      await Deno.writeTextFile(
        join(dir, "smoke.ipynb"),
        notebook([
          cell("markdown", "# Smoke test"),
          cell(
            "code",
            `import { emotionDistribution, show } from "${visualizer}";\n` +
              `await show(emotionDistribution({ angry: 3, sad: 4 }, "Smoke figure"));`,
          ),
        ]),
      );
      const outDir = join(dir, "outputs");
      const result = await runNotebook(join(dir, "smoke.ipynb"), {
        outDir,
        cellTimeoutSeconds: 120,
      });
      assert.equal(result.html, join(outDir, "smoke.html"));
      assert.equal(result.signed, true, "the executed notebook is signed (trusted when opened)");
      const html = await Deno.readTextFile(result.html);
      assert.ok(html.includes("Smoke test"));
      assert.ok(html.includes("ser-plotly-figure"), "the figure's div is in the page");
      assert.ok(html.includes("Smoke figure"), "the figure JSON is in the page");
      assert.equal(html.split("* plotly.js v3").length, 2, "the runner inlines plotly.js once");
      assert.ok(!pageNeedsPlotly(html));
      const executed = JSON.parse(await Deno.readTextFile(result.ipynb));
      const outputs = executed.cells[1].outputs;
      assert.ok(
        JSON.stringify(outputs).length < 100_000,
        "the kernel sent the figure without plotly.js",
      );
      assert.ok(
        outputs.some((o: { data?: Record<string, unknown> }) =>
          o.data?.["application/vnd.plotly.v1+json"]
        ),
      );

      await Deno.writeTextFile(
        join(dir, "broken.ipynb"),
        notebook([
          cell("markdown", "# Broken"),
          cell("code", "const x = 1;"),
          cell("code", 'throw new Error("boom 42");'),
        ]),
      );
      await assert.rejects(
        runNotebook(join(dir, "broken.ipynb"), { outDir, cellTimeoutSeconds: 120 }),
        (error: Error) => {
          assert.ok(error instanceof NotebookExecutionError);
          assert.equal(error.failure.cellIndex, 2);
          assert.match(error.message, /broken\.ipynb failed at cell 3/);
          assert.match(error.message, /boom 42/);
          return true;
        },
      );
      const broken = await Deno.readTextFile(join(outDir, "broken.html"));
      assert.ok(broken.includes("boom 42"), "the partial HTML shows the error");
      const names = [];
      for await (const entry of Deno.readDir(outDir)) names.push(entry.name);
      assert.deepEqual(names.sort(), ["broken.html", "broken.ipynb", "smoke.html", "smoke.ipynb"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("visualizer: pitchContourFigure draws one line per clip, unvoiced frames as gaps", () => {
  const figure = pitchContourFigure([
    { label: "ps", seconds: [0, 0.01, 0.02], semitones: [-1, Number.NaN, 2] },
    { label: "sad", seconds: [0, 0.01], semitones: [0.5, -0.5] },
  ]);
  assert.equal(figure.data.length, 2);
  assert.deepEqual(figure.data[0].y, [-1, null, 2]);
  assert.equal(figure.data[1].name, "sad");
  assert.ok(!figureJson(figure).includes("NaN"), "valid JSON for Plotly");
  assert.throws(
    () => pitchContourFigure([{ label: "x", seconds: [0], semitones: [Number.NaN] }]),
    /no voiced frame/,
  );
});

Deno.test("visualizer: enrolmentCurveFigure draws UA per enrolment size, all-clips dotted", () => {
  const point = (clips: number | "all", mean: number) => ({ clips, ua: { mean, std: 0.02 } });
  const figure = enrolmentCurveFigure([
    {
      protocol: "RAVDESS",
      model: "ensemble",
      points: [point(0, 0.6), point(10, 0.7), point("all", 0.74)],
    },
    { protocol: "TESS", model: "ensemble", points: [point(0, 0.7), point(40, 0.78)] },
  ], 7);
  assert.equal(figure.data.length, 3, "two curves, one all-clips line (TESS has none)");
  const [ravdess, all, tess] = figure.data as ScatterTrace[];
  assert.deepEqual(ravdess.x, [0, 10]);
  assert.deepEqual(ravdess.y, [0.6, 0.7]);
  assert.deepEqual((ravdess.error_y as { array: number[] }).array, [0.02, 0.02]);
  assert.deepEqual(all.y, [0.74, 0.74]);
  assert.equal(all.line?.dash, "dot");
  assert.equal(all.line?.color, ravdess.line?.color, "the all-clips line has its curve's colour");
  assert.deepEqual(tess.x, [0, 40]);
  const chance = (figure.layout.shapes as { y0: number }[])[0];
  assert.equal(chance.y0, 1 / 7);
  assert.throws(() => enrolmentCurveFigure([], 7), /no curves/);
});
