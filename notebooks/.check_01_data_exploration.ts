import { loadConfig } from "../config.ts";
import { formatScanSummary, datasetSummary } from "../lib/data_loader/mod.ts";
import { scanDataset, publishFigure, exampleClips, projectPaths } from "../lib/workflow.ts";
import { emotionDistribution, showAudio, spectrogramFigure, waveformFigure } from "../lib/visualizer/mod.ts";
import { loadAudio } from "../lib/audio/mod.ts";
import { extractFeatures, featureBlock } from "../lib/features/mod.ts";
import { updateReport } from "../lib/report.ts";
// ---- cell 1


// Edit the overrides to tweak this run, e.g. { epochs: 30, models: ["gru"] }.
// SER_* environment variables (SER_DATA_DIR, SER_EPOCHS, ...) apply too; this object wins.
const config = loadConfig({});
config
// ---- cell 2



const started = performance.now();
const dataset = await scanDataset(config);
// Per folder: the corpus scheme and how many files follow it; then the label policy's account
// (what was merged into another class, dropped or kept) and the unusable files by reason.
console.log(formatScanSummary(dataset));
if (dataset.source.demo) {
  console.log("NOTE: this is the synthetic demo corpus (espeak-ng), not emotional speech.");
}
// ---- cell 4


const summary = datasetSummary(dataset.table);
console.log(summary.byEmotion.toString());
console.log(summary.bySpeaker.toString());
console.log(summary.duration.toString());
// ---- cell 5



const counts = Object.fromEntries(
  summary.byEmotion.toRecords().map((row) => [String(row.emotion), Number(row.count)]),
);
await publishFigure(config, emotionDistribution(counts), "emotion_distribution", { png: true });
// ---- cell 7





for (const { emotion, path } of exampleClips(dataset.table)) {
  const clip = await loadAudio(path, { sampleRate: config.sampleRate });
  const name = path.split("/").at(-1);
  await showAudio(clip.samples, clip.sampleRate, { label: `${emotion}: ${name}` });
  await publishFigure(config, waveformFigure(clip.samples, clip.sampleRate, `${emotion}: ${name}`),
    `waveform_${emotion}`);
  const mel = featureBlock(extractFeatures(clip.samples, { ...config, features: ["mel"] }), "mel");
  await publishFigure(config, spectrogramFigure(mel, {
    sampleRate: config.sampleRate, hopLength: config.hopLength, toDb: true, yLabel: "Mel band",
    title: `${emotion}: mel spectrogram (dB)`,
  }), `mel_${emotion}`);
}
// ---- cell 9
for (const bad of dataset.badFiles) console.log(`${bad.path}: ${bad.problem}`);
console.log(`${dataset.badFiles.length} unusable file(s)`);
// ---- cell 10



await updateReport(projectPaths(config).report, {
  dataset: {
    corpus: dataset.corpus,
    dir: dataset.source.dir,
    demo: dataset.source.demo,
    clips: dataset.table.height,
    emotions: counts,
    speakers: Object.fromEntries(
      // Speaker ids are already corpus-qualified (tess:OAF, ravdess:01).
      summary.bySpeaker.toRecords().map((row) => [String(row.speaker), Number(row.count)]),
    ),
    totalDurationSeconds: Number(dataset.table.getColumn("duration").sum()),
    badFiles: dataset.badFiles,
  },
  timings: { exploration: (performance.now() - started) / 1000 },
});
console.log("dataset section of outputs/project_report.json updated");