import { loadConfig, type ModelName } from "../config.ts";
import { initBackend } from "../lib/backend.ts";
import { labelFeatureSet, evaluateModel, type Evaluation, headlineMetrics, crossValidateSpec, speakerIndependent } from "../lib/experiment.ts";
import { loadLabelEncoder, loadModelsManifest, openPromotedModelSet, loadPredictor } from "../lib/inference/mod.ts";
import { isPooledModelDir, loadModel, loadPooledModel } from "../lib/models/mod.ts";
import { loadDataset, loadDatasetFeatures, loadSplit, projectPaths, publishFigure, isPooledModel, modelSpec, pooledModelSpec, isPooledModel as isPooled, modelSpec as sequenceSpec, publishFigure as publishChart } from "../lib/workflow.ts";
import { classificationReportText, crossValidationTable, formatMeanStd } from "../lib/evaluate/mod.ts";
import { evaluatePooledArtifact, crossValidatePooled } from "../lib/pooled_training.ts";
import { confusionMatricesFigure, metricsComparisonFigure, protocolFoldsFigure, audioPlayerHtml as player, show, timelineFigure } from "../lib/visualizer/mod.ts";
import { kFold } from "../lib/data_loader/mod.ts";
import { evaluateGeneralisation, generalisationSummary, generalisationTable } from "../lib/generalisation.ts";
import { loadAudio as loadClip } from "../lib/audio/mod.ts";
import { runtimeVersions, updateReport } from "../lib/report.ts";
import { completeModelCard, readModelCard, renderModelCard, writeModelCard } from "../lib/model_card.ts";
// ---- cell 1


// Edit the overrides to tweak this run, e.g. { epochs: 30, models: ["gru"] }.
// SER_* environment variables (SER_DATA_DIR, SER_EPOCHS, ...) apply too; this object wins.
const config = loadConfig({});
config
// ---- cell 2






const backend = await initBackend();
const paths = projectPaths(config);
// The promoted model set, every file's SHA-256 checked (a changed file is an error naming it).
const modelSet = await openPromotedModelSet(paths.modelsDir);
const dataset = await loadDataset(config);
const data = labelFeatureSet(await loadDatasetFeatures(config), dataset.table, (await loadLabelEncoder(modelSet)).classes);
const split = await loadSplit(config, data.features);
const manifest = await loadModelsManifest(modelSet);
// Sequence models (tfjs) and pooled models (pooled.json: functionals into the SVM/LR ensemble).
const models: Record<string, Awaited<ReturnType<typeof loadModel>>> = {};
const pooledModels: Record<string, Awaited<ReturnType<typeof loadPooledModel>>> = {};
for (const [name, entry] of Object.entries(manifest.models)) {
  const dir = `${modelSet}/${entry.dir}`;
  if (await isPooledModelDir(dir)) pooledModels[name] = await loadPooledModel(dir);
  else models[name] = await loadModel(dir);
}
console.log(`models: ${Object.keys(manifest.models).join(", ")}; best on validation: ${manifest.bestModel}; test clips: ${split.test.length}`);
// ---- cell 4




const evaluations: Record<string, Evaluation> = {};
const testPaths = split.test.map((i) => data.features.paths[i]);
for (const name of Object.keys(manifest.models)) {
  evaluations[name] = pooledModels[name]
    ? await evaluatePooledArtifact(pooledModels[name], dataset.table, data.classes, testPaths, { cacheDir: paths.cacheDir })
    : await evaluateModel(models[name], data, split.test, manifest.scaler);
  console.log(`\n=== ${name} ===\n${classificationReportText(evaluations[name].metrics, 4)}`);
}
// ---- cell 5



const matrices = Object.fromEntries(Object.entries(evaluations).map(([name, e]) => [name, e.metrics.confusionMatrix]));
await publishFigure(config, confusionMatricesFigure(matrices, data.classes), "confusion_matrices", { png: true });
const rows = Object.entries(evaluations).map(([model, e]) => ({ model, ...headlineMetrics(e.metrics) }));
await publishFigure(config, metricsComparisonFigure(rows), "metrics_comparison", { png: true });
// ---- cell 7







const best = manifest.bestModel as ModelName;
const evalConfig = { ...config, epochs: config.evalEpochs };
let crossValidation = undefined;
if (config.cvFolds >= 2) {
  const folds = kFold(data.labels, config.cvFolds, { seed: config.seed });
  const cv = isPooledModel(best)
    ? await crossValidatePooled(pooledModelSpec(best), dataset.table, data.classes, data.features.paths, folds, { cacheDir: paths.cacheDir })
    : await crossValidateSpec(modelSpec(best, config), data, folds, evalConfig);
  console.log(crossValidationTable(cv).toString());
  console.log(`${best}: accuracy ${formatMeanStd(cv.summary.accuracy)}, macro F1 ${formatMeanStd(cv.summary.macroF1)}`);
  crossValidation = { model: best, folds: config.cvFolds, summary: cv.summary };
}
// ---- cell 9



const speakers = [...new Set(data.speakers)];
let speakerRounds: { testSpeaker: string; trainSpeakers: string[]; accuracy: number; macroF1: number }[] = [];
if (isPooled(best)) {
  console.log(`${best} is a pooled model: its speaker-independent protocols are in the next section`);
} else if (speakers.length >= 2) {
  const rounds = await speakerIndependent(sequenceSpec(best, config), data, evalConfig);
  speakerRounds = rounds.map((r) => ({ testSpeaker: r.testSpeaker, trainSpeakers: r.trainSpeakers,
    accuracy: r.metrics.accuracy, macroF1: r.metrics.macro.f1 }));
  for (const r of speakerRounds) {
    console.log(`train on ${r.trainSpeakers.join("+")}, test on ${r.testSpeaker}: accuracy ${r.accuracy.toFixed(4)}, macro F1 ${r.macroF1.toFixed(4)}`);
  }
} else {
  console.log("only one speaker: speaker-independent evaluation skipped");
}
// ---- cell 11




const generalisation = await evaluateGeneralisation(dataset.table, dataset.classes, { cacheDir: paths.cacheDir, seed: config.seed });
console.log(generalisationTable(generalisation));
await publishChart(config, protocolFoldsFigure(generalisation.results, dataset.classes.length), "generalisation_folds");
// ---- cell 13


const predictor = await loadPredictor(paths.modelsDir);
const example = data.features.paths[split.test[0]];
const prediction = await predictor.predict(example);
console.log(`${example.split("/").at(-1)}: ${prediction.emotion} (${(prediction.confidence * 100).toFixed(1)} %)`);
console.log(prediction.probabilities);
// ---- cell 15



const myRecording = Deno.env.get("SER_MY_RECORDING") ?? example; // <- your file here
const timeline = await predictor.predictTimeline(myRecording, { hopSeconds: 1 });
console.log(timeline.summary.message);
const recording = await loadClip(myRecording, { sampleRate: 16000, duration: 120 });
await Deno.jupyter.display({ "text/html": player(recording.samples, 16000, { label: myRecording.split("/").at(-1), maxSeconds: 30 }) }, { raw: true });
await show(timelineFigure(timeline, myRecording.split("/").at(-1)));
// ---- cell 16




const report = await updateReport(paths.report, {
  versions: runtimeVersions({ tfjs: backend.tfjsVersion }),
  backend: { ...backend },
  evaluation: {
    testClips: split.test.length,
    models: Object.fromEntries(Object.entries(evaluations).map(([name, e]) => [name, {
      ...headlineMetrics(e.metrics), labels: e.metrics.labels, confusionMatrix: e.metrics.confusionMatrix,
      perClass: Object.fromEntries(e.metrics.perClass.map((c) => [c.label, { precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }])),
    }])),
    crossValidation,
    speakerIndependent: speakerRounds,
    generalisation: generalisationSummary(generalisation),
  },
});
console.log(JSON.stringify(report.evaluation?.models && Object.fromEntries(Object.entries(report.evaluation.models as Record<string, { accuracy: number; f1: number }>).map(([k, v]) => [k, { accuracy: v.accuracy, f1: v.f1 }]))));
// ---- cell 18


const card = completeModelCard(await readModelCard(modelSet), report, config.duration);
const cardFiles = await writeModelCard(paths.outputsDir, card);
await Deno.jupyter.display({ "text/markdown": renderModelCard(card) }, { raw: true });
console.log(`model card written to ${cardFiles.markdown} and ${cardFiles.json}`);