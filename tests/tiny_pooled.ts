/**
 * Test helper: a tiny pooled model (`ensemble`: RBF SVM + softmax regression on
 * speaker-normalised utterance functionals) trained in a few seconds on the speech-like voices
 * of tests/speech_like.ts, with the tiny GRU's classes (the fundamental's band: 110 Hz "sad",
 * 220 Hz "neutral", 440 Hz "ps") and window (1 s at 22050 Hz); and promoted model sets holding
 * it or the tiny GRU.
 */
import { join } from "node:path";
import { speakerPrior, speakerStandardize } from "../lib/features/speaker_norm.ts";
import { utteranceFeatures } from "../lib/features/utterance.ts";
import { featureColumns } from "../lib/features/feature_set.ts";
import { saveLabelEncoder, saveModelsManifest } from "../lib/inference/mod.ts";
import {
  ensemblePooledSpec,
  fitPooled,
  type PooledArtifact,
  promoteRun,
  savePooledModel,
  startRun,
} from "../lib/models/mod.ts";
import { quiet, speechLike } from "./speech_like.ts";
import { CLASSES, F0, SETTINGS } from "./tiny_model.ts";

const RATE = SETTINGS.sampleRate;

/** Trains the tiny pooled model: six voices, two clips per class each. */
export function trainTinyPooled(): PooledArtifact {
  const settings = { sampleRate: RATE };
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const speakers: string[] = [];
  let names: string[] = [];
  for (let speaker = 0; speaker < 6; speaker++) {
    const voice = 0.92 + 0.03 * speaker;
    for (let k = 0; k < 2 * CLASSES.length; k++) {
      const label = k % CLASSES.length;
      const i = speaker * 6 + k;
      // 0.4-1 s of voice in a 1 s window of faint noise, like windows at the edges of speech.
      const seconds = 0.4 + 0.6 * ((i * 31) % 11) / 10;
      const clip = quiet(1, RATE, i);
      const f0 = F0[label] * voice * (0.97 + 0.06 * ((i * 7919) % 97) / 97);
      const samples = speechLike(f0, seconds, RATE, 0.3 + 0.4 * ((i * 13) % 7) / 6, i);
      clip.set(samples, (i % 3) * Math.floor((RATE - samples.length) / 2));
      const vector = utteranceFeatures(clip, settings);
      rows.push(vector.values);
      names = vector.names;
      labels.push(label);
      speakers.push(`voice${speaker}`);
    }
  }
  const d = names.length;
  const raw = new Float32Array(rows.length * d);
  rows.forEach((row, i) => raw.set(row, i * d));
  const normalised = speakerStandardize(raw, d, speakers);
  const model = fitPooled(
    ensemblePooledSpec(),
    rows.map((_, i) => normalised.subarray(i * d, (i + 1) * d)),
    labels,
    CLASSES,
    names,
  );
  return { model, settings, names, prior: speakerPrior(raw, d, speakers) };
}

/**
 * A promoted model set in `modelsDir` whose files `write` puts into the run folder.
 *
 * @returns the set's folder
 */
export async function promotedSet(
  modelsDir: string,
  write: (runDir: string) => Promise<void>,
): Promise<string> {
  const run = await startRun(modelsDir);
  await write(run.dir);
  await promoteRun(modelsDir, run.id);
  return run.dir;
}

/** Saves the tiny pooled model as the set's only (and best) model, `ensemble`. */
export async function saveTinyPooled(dir: string, artifact: PooledArtifact): Promise<void> {
  await savePooledModel(join(dir, "ensemble_best"), artifact);
  await saveLabelEncoder(dir, CLASSES);
  await saveModelsManifest(dir, {
    features: SETTINGS,
    // The frame-feature scaler a sequence model of the set would use (none here).
    scaler: {
      columns: featureColumns(SETTINGS),
      mean: new Array(featureColumns(SETTINGS).length).fill(0),
      std: new Array(featureColumns(SETTINGS).length).fill(1),
    },
    models: { ensemble: { dir: "ensemble_best", kind: "pooled", testAccuracy: 1 } },
    bestModel: "ensemble",
  });
}
