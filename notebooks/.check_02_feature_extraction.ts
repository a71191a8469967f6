import { loadConfig } from "../config.ts";
import { extractDatasetFeatures, loadDataset, exampleClips, publishFigure, projectPaths as pathsOf, exampleClips as examplesOf, publishFigure as publish, projectPaths } from "../lib/workflow.ts";
import { spectrogramFigure, audioPlayerHtml, augmentationFigure } from "../lib/visualizer/mod.ts";
import { clipMatrix } from "../lib/features/mod.ts";
import { extractUtteranceSet } from "../lib/features/utterance_set.ts";
import { loadAudio } from "../lib/audio/mod.ts";
import { augmentClip, DEFAULT_AUGMENTATION_POLICY, policyKey } from "../lib/augment/mod.ts";
import { updateReport } from "../lib/report.ts";
// ---- cell 1


// Edit the overrides to tweak this run, e.g. { epochs: 30, models: ["gru"] }.
// SER_* environment variables (SER_DATA_DIR, SER_EPOCHS, ...) apply too; this object wins.
const config = loadConfig({});
config
// ---- cell 2


const dataset = await loadDataset(config);
const features = await extractDatasetFeatures(config, dataset.table);
const t = features.timing;
console.log(`${t.files} files in ${t.seconds.toFixed(1)} s: ${t.filesPerSecond.toFixed(1)} files/s, ` +
  `real-time factor ${t.realTimeFactor.toFixed(0)}x, ${t.cacheHits} from cache, ${t.workers} workers`);
console.log(`matrix per clip: ${features.frames} frames x ${features.width} features`);
for (const failure of features.failures) console.log(`FAILED ${failure.path}: ${failure.problem}`);
// ---- cell 4




const mfccOffset = features.columns.indexOf("mfcc_0");
for (const { emotion, path } of exampleClips(dataset.table)) {
  const row = features.paths.indexOf(path);
  if (row < 0 || mfccOffset < 0) continue;
  const clip = clipMatrix(features, row);
  const data = new Float32Array(features.frames * config.nMfcc);
  for (let f = 0; f < features.frames; f++) {
    data.set(clip.subarray(f * features.width + mfccOffset, f * features.width + mfccOffset + config.nMfcc), f * config.nMfcc);
  }
  await publishFigure(config, spectrogramFigure({ frames: features.frames, width: config.nMfcc, data }, {
    sampleRate: config.sampleRate, hopLength: config.hopLength, yLabel: "MFCC", title: `${emotion}: MFCC`,
  }), `mfcc_${emotion}`);
}
// ---- cell 6



const functionals = await extractUtteranceSet(features.paths, { sampleRate: config.sampleRate }, { cacheDir: pathsOf(config).cacheDir });
const groups = [...new Set(functionals.names.map((name) => name.replace(/_(\d+_)?(mean|std|p10|p50|p90|range|slope|skew)$/, "")))];
console.log(`${functionals.paths.length} clips x ${functionals.dimensions} functionals; ${functionals.failures.length} failed`);
console.log(`descriptor groups: ${groups.join(", ")}`);
// ---- cell 8





const example = examplesOf(dataset.table)[0];
const clip = await loadAudio(example.path, { sampleRate: config.sampleRate });
const policy = { ...DEFAULT_AUGMENTATION_POLICY, copies: 3 };
const copies = Array.from({ length: policy.copies }, (_, copy) =>
  augmentClip(clip.samples, config.sampleRate, policy, config.seed, copy, example.path.split("/").at(-1)));
for (const copy of copies) console.log(`${copy.name.padEnd(48)} ${copy.description}`);
console.log(`policy key: ${policyKey(policy)}`);
await publish(config, augmentationFigure({ name: `original (${example.emotion})`, samples: clip.samples }, copies,
  { sampleRate: config.sampleRate, nFft: config.nFft, hopLength: config.hopLength, nMels: config.nMels }), "augmentation_examples");
const players = [
  audioPlayerHtml(clip.samples, config.sampleRate, { label: `original (${example.emotion})` }),
  ...copies.map((copy) => audioPlayerHtml(copy.samples, config.sampleRate, { label: copy.name })),
].join("");
await Deno.jupyter.display({ "text/html": players }, { raw: true });
// ---- cell 9



await updateReport(projectPaths(config).report, {
  features: {
    settings: features.settings,
    frames: features.frames,
    width: features.width,
    clips: features.paths.length,
    failures: features.failures,
    extraction: t,
  },
  timings: { featureExtraction: t.seconds },
});
console.log("features section of outputs/project_report.json updated");