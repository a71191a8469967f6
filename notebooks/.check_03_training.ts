import { loadConfig } from "../config.ts";
import { initBackend } from "../lib/backend.ts";
import { stratifiedSplit } from "../lib/data_loader/mod.ts";
import { fitStandardScaler } from "../lib/features/mod.ts";
import { labelFeatureSet, trainModel, type TrainedModel, evaluateModel } from "../lib/experiment.ts";
import { loadDataset, loadDatasetFeatures, saveSplit, isPooledModel, modelSpec, pooledModelSpec, beginTrainingRun, projectPaths, trainingControl, trainingLogDir, publishFigure, promoteTrainingRun } from "../lib/workflow.ts";
import { buildModel, describePooledSpec, formatSummary, modelSummary, savePooledModel } from "../lib/models/mod.ts";
import { pathSplit, trainPooledModel, type TrainedPooledModel } from "../lib/pooled_training.ts";
import { trainingHistoryFigure } from "../lib/visualizer/mod.ts";
import { saveLabelEncoder, saveModelsManifest } from "../lib/inference/mod.ts";
import { buildModelCard, writeModelCard } from "../lib/model_card.ts";
import { readReport, updateReport } from "../lib/report.ts";
// ---- cell 1


// Edit the overrides to tweak this run, e.g. { epochs: 30, models: ["gru"] }.
// SER_* environment variables (SER_DATA_DIR, SER_EPOCHS, ...) apply too; this object wins.
const config = loadConfig({});
config
// ---- cell 2


// tfjs-node where installed, else WASM (SIMD), else CPU; OpenBLAS for the recurrent layers.
const backend = await initBackend();
backend
// ---- cell 3





const dataset = await loadDataset(config);
// The classes come from the data under config.labelPolicy (e.g. 8 with "keep" on RAVDESS).
const data = labelFeatureSet(await loadDatasetFeatures(config), dataset.table, dataset.classes);
const split = stratifiedSplit(data.labels, { testSize: config.testSize, valSize: config.valSize, seed: config.seed });
await saveSplit(config, { ...split, paths: data.features.paths, seed: config.seed });
const scaler = fitStandardScaler(data.features, split.train);
console.log(`train ${split.train.length} / validation ${split.val.length} / test ${split.test.length} clips, ` +
  `${data.features.frames} x ${data.features.width} features, classes: ${data.classes.join(", ")}`);
// ---- cell 5



for (const name of config.models) {
  if (isPooledModel(name)) {
    console.log(describePooledSpec(pooledModelSpec(name)));
    continue;
  }
  const model = buildModel(modelSpec(name, config), {
    frames: data.features.frames, features: data.features.width, classes: data.classes.length, seed: config.seed,
  });
  console.log(formatSummary(modelSummary(model)));
  void model.dispose();
}
// ---- cell 7





const paths = projectPaths(config);
// A fresh run folder models/runs/<id>/; config.resume (SER_RESUME=true, --resume) continues
// the newest killed run from its last epoch instead.
const trainingRun = await beginTrainingRun(config, { resume: config.resume });
// `touch models/STOP` stops training after the current batch; a time budget for this cell:
// trainingControl(config, { minutes: 30 }).
const control = await trainingControl(config);
const runs: TrainedModel[] = [];
const pooledRuns: TrainedPooledModel[] = [];
for (const name of config.models) {
  if (control.skip(name)) continue;
  console.log(`\n=== ${name} ===`);
  if (isPooledModel(name)) {
    const run = await trainPooledModel(pooledModelSpec(name), dataset.table, data.classes,
      pathSplit(data.features.paths, split), { cacheDir: paths.cacheDir });
    await savePooledModel(trainingRun.modelDir(name), run.artifact);
    pooledRuns.push(run);
    console.log(`${name}: validation accuracy ${run.validation.accuracy.toFixed(4)}, ` +
      `UA ${run.validation.unweightedAccuracy.toFixed(4)}, ${run.trainingSeconds.toFixed(1)} s`);
    continue;
  }
  runs.push(await trainModel(modelSpec(name, config), data, {
    config, train: split.train, val: split.val, scaler,
    checkpointDir: trainingRun.modelDir(name), resumeDir: trainingRun.resumeDir(name),
    logDir: await trainingLogDir(config, trainingRun, name),
    checkpointMetadata: { backend: backend.name },
    callbacks: [control.callback()],
  }));
  const run = runs.at(-1)!;
  console.log(`${name}: ${run.epochsRun} epochs, best epoch ${run.bestEpoch + 1}, ` +
    `${run.secondsPerEpoch.toFixed(1)} s/epoch, ${run.trainingSeconds.toFixed(0)} s in all`);
}
// ---- cell 8



const histories = Object.fromEntries(runs.map((run) => [run.name, run.history]));
if (runs.length > 0) {
  await publishFigure(config, trainingHistoryFigure(histories), "training_history", { png: true });
} else {
  console.log("no sequence model in config.models: no training curves to draw");
}
// ---- cell 10






const validation: Record<string, number> = {};
for (const run of runs) {
  validation[run.name] = (await evaluateModel(run.model, data, split.val, scaler)).metrics.accuracy;
}
for (const run of pooledRuns) validation[run.name] = run.validation.accuracy;
// The models trained (all of config.models, unless training was stopped).
const trained = config.models.filter((name) => name in validation);
if (trained.length === 0) throw new Error(`no model was trained (${control.stopped ?? "config.models is empty"})`);
// The best on validation; ties go to the earlier name in config.models (the ensemble first).
const bestModel = trained.reduce((a, b) => (validation[b] > validation[a] ? b : a));
await saveLabelEncoder(trainingRun.dir, data.classes);
await saveModelsManifest(trainingRun.dir, {
  features: data.features.settings,
  scaler,
  models: Object.fromEntries(trained.map((name) => [name, {
    dir: `${name}_best`, kind: isPooledModel(name) ? "pooled" : "sequence", validationAccuracy: validation[name],
  }])),
  bestModel,
  savedAt: new Date().toISOString(),
  config,
});
const reportPath = projectPaths(config).report;
await writeModelCard(trainingRun.dir, buildModelCard({
  runId: trainingRun.id,
  models: Object.fromEntries(trained.map((name) => [name, {
    kind: isPooledModel(name) ? "pooled" : "sequence", validationAccuracy: validation[name],
  }])),
  bestModel, classes: data.classes, dataset, split, duration: config.duration,
  trainingStopped: control.stopped, report: await readReport(reportPath),
}));
await updateReport(reportPath, {
  backend: { ...backend },
  config: { ...config },
  training: {
    split: { train: split.train.length, val: split.val.length, test: split.test.length, seed: config.seed },
    bestModel,
    stopped: control.stopped,
    models: {
      ...Object.fromEntries(runs.map((run) => [run.name, {
        params: run.params, epochsRun: run.epochsRun, bestEpoch: run.bestEpoch + 1,
        secondsPerEpoch: run.secondsPerEpoch, trainingSeconds: run.trainingSeconds,
        validationAccuracy: validation[run.name],
      }])),
      ...Object.fromEntries(pooledRuns.map((run) => [run.name, {
        kind: "pooled", functionals: run.artifact.names.length, trainingSeconds: run.trainingSeconds,
        validationAccuracy: validation[run.name],
      }])),
    },
  },
  timings: Object.fromEntries([...runs, ...pooledRuns].map((run) => [`training_${run.name}`, run.trainingSeconds])),
});
// One atomic step: checksums of every file, then models/current points at this run.
const promoted = await promoteTrainingRun(config, trainingRun);
console.log(`saved and promoted ${promoted.dir}; best on validation: ${bestModel}`);