/**
 * Executes the four notebooks headless through `deno task pipeline` (a real Jupyter client and
 * the Deno kernel), as a user's first run would, on small data with few epochs: the synthetic
 * demo corpus, and a TESS subset when ../shared/data is present. Any cell error fails the test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";
import { findEspeak, generateDemoCorpus } from "../lib/data_loader/demo_corpus.ts";
import { notebookSupport } from "../lib/pipeline/notebook_runner.ts";
import { findChromium, findPlotlyBundle, plotlyCopyName } from "../lib/visualizer/mod.ts";
import { haveShared, SHARED_DIR, skipped } from "./shared_data.ts";
import { FAILED_FIGURE, renderedDom } from "./browser.ts";

const support = await notebookSupport("deno");
const TESS_SAMPLE = join(SHARED_DIR, "data", "TESS-wav-sample");
const hasTessSample = haveShared("notebooks_test: notebooks on a TESS subset", TESS_SAMPLE);
if (!support.ok) skipped("notebooks_test: every notebook run", support.reason);
const espeak = findEspeak();
if (!espeak) {
  skipped("notebooks_test: notebooks on the demo corpus", "no espeak-ng to synthesize it");
}
// Without Chromium the exported pages are still checked as text, but not that their charts draw
// nor that the PNG figures were rendered: name those checks instead of passing over them.
const chromium = findChromium();
if (!chromium) {
  skipped(
    "notebooks_test: charts drawn in 03_training.html and the four PNG figures",
    "no Chromium (apt-get install chromium)",
  );
}

async function runPipeline(dataDir: string, extraEnv: Record<string, string>) {
  const work = await Deno.makeTempDir({ prefix: "ser-notebooks-" });
  const env = {
    SER_DATA_DIR: dataDir,
    SER_OUTPUTS_DIR: join(work, "outputs"),
    SER_MODELS_DIR: join(work, "models"),
    SER_LOGS_DIR: join(work, "logs"),
    SER_CACHE_DIR: join(work, "cache"),
    SER_EPOCHS: "3",
    SER_EVAL_EPOCHS: "2",
    SER_CV_FOLDS: "2",
    SER_BATCH_SIZE: "16",
    ...extraEnv,
  };
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(PROJECT_ROOT, "cli", "pipeline.ts")],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `pipeline failed:\n${log.slice(-4000)}`);
  return { work, log, outputs: join(work, "outputs") };
}

async function checkOutputs(outputs: string, models: string[]) {
  for (
    const name of ["01_data_exploration", "02_feature_extraction", "03_training", "04_evaluation"]
  ) {
    const html = await Deno.readTextFile(join(outputs, `${name}.html`));
    assert.match(html, /class="ser-plotly-figure"/, `${name}.html has charts`);
    assert.equal(html.split("* plotly.js v3").length, 2, `${name}.html inlines plotly.js once`);
  }
  if (chromium) {
    // The exported report draws its charts offline (file URL, no server).
    const page = join(outputs, "03_training.html");
    const dom = await renderedDom(chromium, `file://${page}`);
    assert.ok(dom.includes('data-ser-plotted="true"'), `${page}: the charts are drawn`);
    assert.ok(!FAILED_FIGURE.test(dom), `${page}: no chart is missing plotly.js`);
  }
  // The standalone chart pages share one plotly.js beside them instead of inlining it each.
  const { version } = await findPlotlyBundle();
  assert.ok((await Deno.stat(join(outputs, plotlyCopyName(version)))).size > 1_000_000);
  const chart = await Deno.readTextFile(join(outputs, "emotion_distribution.html"));
  assert.ok(chart.length < 200_000, `a chart page is small (${chart.length} characters)`);
  const report = JSON.parse(await Deno.readTextFile(join(outputs, "project_report.json")));
  assert.ok(report.backend?.name, "the report names the backend that ran");
  assert.ok(report.versions?.deno, "the report lists versions");
  for (const model of models) {
    const metrics = report.evaluation.models[model];
    assert.ok(metrics.accuracy >= 0 && metrics.accuracy <= 1, `${model} has a test accuracy`);
    assert.equal(metrics.confusionMatrix.length, 7);
    const training = report.training.models[model];
    if (training.kind === "pooled") assert.ok(training.trainingSeconds > 0, `${model} trained`);
    else assert.ok(training.secondsPerEpoch > 0, `${model} trained`);
  }
  assert.equal(report.evaluation.crossValidation.summary.accuracy.values.length, 2);
  const pooledBest = report.training.models[report.training.bestModel].kind === "pooled";
  // A sequence model as the best one gets the leave-one-speaker-out rounds; a pooled one the
  // generalisation protocols, which run for every dataset.
  if (!pooledBest) assert.equal(report.evaluation.speakerIndependent.length, 2);
  const protocols = report.evaluation.generalisation.protocols;
  // The demo corpus's files follow TESS's naming, so both runs get "TESS cross-speaker".
  const independent = protocols.find((p: { speakerIndependent: boolean }) => p.speakerIndependent);
  assert.ok(independent, "a speaker-independent protocol ran");
  assert.equal(independent.folds.length, 2, "two voices: two folds");
  for (const fold of independent.folds) assert.ok(fold.ua >= 0 && fold.ua <= 1);
  // Notebook 04's enrolment curve: on that protocol, from no clip of the new voice to all of
  // them; its last point is the protocol's own normalisation, the same UA.
  const [curve] = report.evaluation.generalisation.enrolment;
  assert.equal(curve.protocol, independent.protocol);
  assert.deepEqual(curve.points[0].clips, 0);
  assert.equal(curve.points.at(-1).clips, "all");
  // The curve measures the normalisation alone: with voice adaptation (the default) the
  // protocol's UA before adaptation.
  assert.ok(independent.beforeAdaptation, "the default model adapts to each test voice");
  assert.equal(curve.points.at(-1).ua.mean, independent.beforeAdaptation.ua.mean);
  assert.ok(await Deno.stat(join(outputs, "enrolment_curve.html")), "the enrolment chart page");
  if (chromium) {
    for (
      const png of [
        "emotion_distribution",
        "training_history",
        "confusion_matrices",
        "metrics_comparison",
      ]
    ) {
      const bytes = await Deno.readFile(join(outputs, `${png}.png`));
      assert.ok(bytes.length > 5000, `${png}.png is a real image`);
    }
  }
}

Deno.test({
  name: "notebooks: all four run headless on the synthetic demo corpus",
  ignore: !support.ok || !espeak,
  async fn() {
    const corpus = await Deno.makeTempDir({ prefix: "ser-demo-" });
    await generateDemoCorpus({ outDir: corpus, words: 3, silent: true });
    const { work, outputs } = await runPipeline(corpus, { SER_MODELS: "ensemble,gru,hybrid" });
    await checkOutputs(outputs, ["ensemble", "gru", "hybrid"]);
    await Deno.remove(work, { recursive: true });
    await Deno.remove(corpus, { recursive: true });
  },
});

Deno.test({
  name: "notebooks: all four run headless on a TESS subset (../shared/data)",
  ignore: !support.ok || !hasTessSample,
  async fn() {
    const { work, outputs } = await runPipeline(TESS_SAMPLE, { SER_MODELS: "lstm" });
    await checkOutputs(outputs, ["lstm"]);
    const report = JSON.parse(await Deno.readTextFile(join(outputs, "project_report.json")));
    assert.equal(report.dataset.clips, 140);
    assert.equal(report.dataset.demo, false);
    await Deno.remove(work, { recursive: true });
  },
});
