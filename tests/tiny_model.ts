/**
 * Test helper: a tiny GRU trained in a few seconds on speech-like voices (tests/speech_like.ts)
 * whose class is the fundamental's band (110 Hz "sad", 220 Hz "neutral", 440 Hz "ps"), with
 * 1 s windows and 13 MFCCs; and its artifacts saved as a models folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { extractFeatures } from "../lib/features/extract.ts";
import { featureColumns, type FeatureSettings } from "../lib/features/feature_set.ts";
import {
  applyStandardScaler,
  fitStandardScaler,
  type StandardScaler,
} from "../lib/features/normalize.ts";
import { saveLabelEncoder, saveModelsManifest } from "../lib/inference/mod.ts";
import { buildModel, compileModel, gruSpec, saveModel } from "../lib/models/mod.ts";
import { fit } from "../lib/trainer/mod.ts";
import type * as tf from "@tensorflow/tfjs";
import { quiet, speechLike } from "./speech_like.ts";

const RATE = 22050;

export const SETTINGS: FeatureSettings = {
  sampleRate: RATE,
  duration: 1,
  nFft: 1024,
  hopLength: 512,
  nMfcc: 13,
  nMels: 40,
  features: ["mfcc"],
};
export const CLASSES = ["sad", "neutral", "ps"];
export const F0 = [110, 220, 440];

/** Trains a tiny GRU: class = the voice's fundamental band. */
export async function trainTiny(): Promise<{ model: tf.LayersModel; scaler: StandardScaler }> {
  const perClass = 12;
  const frames = 1 + Math.floor(RATE * SETTINGS.duration / SETTINGS.hopLength);
  const width = featureColumns(SETTINGS).length;
  const data = new Float32Array(CLASSES.length * perClass * frames * width);
  const labels: number[] = [];
  for (let i = 0; i < CLASSES.length * perClass; i++) {
    const label = i % CLASSES.length;
    const f0 = F0[label] * (0.9 + 0.2 * ((i * 7919) % 97) / 97);
    // Utterances of 0.4-1 s padded with faint noise, as windows at the edges of speech look.
    const seconds = 0.4 + 0.6 * ((i * 31) % 11) / 10;
    const clip = new Float32Array(RATE);
    clip.set(quiet(1, RATE, i));
    const voice = speechLike(f0, seconds, RATE, 0.3 + 0.4 * ((i * 13) % 7) / 6, i);
    clip.set(voice, (i % 3) * Math.floor((RATE - voice.length) / 2));
    data.set(extractFeatures(clip, SETTINGS).data, i * frames * width);
    labels.push(label);
  }
  const columns = featureColumns(SETTINGS);
  const scaler = fitStandardScaler({ data, frames, width, columns, paths: labels.map(String) });
  const model = compileModel(
    buildModel(gruSpec({ gruUnits: [8], dropout: 0, denseUnits: [8] }), {
      frames,
      features: width,
      classes: CLASSES.length,
      seed: 3,
    }),
    { learningRate: 0.02 },
  );
  const history = await fit(model, {
    xTrain: { values: applyStandardScaler(scaler, data), shape: [labels.length, frames, width] },
    yTrain: { values: labels, shape: [labels.length] },
  }, { epochs: 30, batchSize: 8, seed: 5 });
  const accuracy = history.history.accuracy;
  assert.equal(accuracy[accuracy.length - 1], 1, `training accuracy ${accuracy}`);
  return { model, scaler };
}

/** Saves a trained tiny model as a models folder (`gru_best`, label encoder, manifest). */
export async function saveTiny(
  dir: string,
  trained: { model: tf.LayersModel; scaler: StandardScaler },
): Promise<void> {
  await saveModel(trained.model, join(dir, "gru_best"), { labels: CLASSES });
  await saveLabelEncoder(dir, CLASSES);
  await saveModelsManifest(dir, {
    features: SETTINGS,
    scaler: trained.scaler,
    models: { gru: { dir: "gru_best", testAccuracy: 1 } },
    bestModel: "gru",
    config: loadConfig({ ...SETTINGS, gruUnits: [8], denseUnits: [8], dropout: 0 }, { env: {} }),
  });
}
