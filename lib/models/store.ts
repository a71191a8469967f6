/**
 * Saving and loading models as a folder: `model.json` (tfjs "layers-model" format, topology +
 * weights manifest), `weights.bin`, and `metadata.json` (anything JSON the caller wants kept
 * with the model: labels, feature settings, metrics). The folder is replaced atomically (files
 * fsynced, then swapped in by rename, see `replaceDirAtomic`), so a crash or an error mid-save
 * leaves the previous model intact; a kill in the middle of the swap leaves both copies complete
 * beside the folder, and the next save or load finishes the swap (`recoverReplacedDir`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
 * await saveModel(model, "models/lstm", { labels: ["angry", "disgust"] });
 * const restored = await loadModel("models/lstm");
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { recoverReplacedDir, replaceDirAtomic } from "../util/mod.ts";
// Side effect: registers the fast layers (FastLSTM, FastGRU, FastConv1D,
// FastBatchNormalization, FastDropout) so saved models deserialize.
import "./fast_recurrent.ts";
import "./fast_conv1d.ts";
import "./fast_batchnorm.ts";
import "./fast_dropout.ts";

/** File names inside a saved model folder. */
export const MODEL_FILES = {
  topology: "model.json",
  weights: "weights.bin",
  metadata: "metadata.json",
} as const;

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Saves `model` into the folder `dir` (created or atomically replaced) with `metadata`.
 *
 * @param model the model to save
 * @param dir target folder, e.g. `models/lstm`
 * @param metadata JSON-serialisable data kept beside the model (default `{}`)
 * @returns what tfjs reports about the saved artifacts (byte sizes)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
 * const labels = ["angry", "sad"];
 * await saveModel(model, "models/gru", { labels, accuracy: 0.97 });
 * ```
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  metadata: Record<string, unknown> = {},
): Promise<tf.io.SaveResult> {
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const weights = joinWeightData(artifacts.weightData);
    const topology = {
      format: artifacts.format ?? "layers-model",
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    };
    await replaceDirAtomic(dir, async (temp) => {
      await Deno.writeTextFile(join(temp, MODEL_FILES.topology), JSON.stringify(topology));
      await Deno.writeFile(join(temp, MODEL_FILES.weights), weights);
      const metadataText = JSON.stringify(
        { savedAt: new Date().toISOString(), ...metadata },
        null,
        2,
      );
      await Deno.writeTextFile(join(temp, MODEL_FILES.metadata), metadataText + "\n");
    });
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  return await model.save(handler);
}

/**
 * A save killed between its two renames leaves no `dir` but complete copies beside it: finish
 * that save (the new copy wins) rather than report a missing model.
 */
async function recoverInterruptedSave(dir: string): Promise<void> {
  try {
    await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) await recoverReplacedDir(dir);
  }
}

async function readOrExplain(dir: string, file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(join(dir, file));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`loadModel: ${dir} has no ${file} (not a saved model folder?)`);
    }
    throw new Error(`loadModel: cannot read ${join(dir, file)}: ${(error as Error).message}`);
  }
}

/**
 * Loads a model saved by {@link saveModel} (uncompiled; compile it to train further).
 *
 * @param dir the model folder
 * @throws an error naming the folder and the missing or corrupt file
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const features = tf.zeros([1, 130, 188]);
 * const model = await loadModel("models/lstm");
 * const probabilities = model.predict(features) as tf.Tensor;
 * ```
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  await recoverInterruptedSave(dir);
  const topologyBytes = await readOrExplain(dir, MODEL_FILES.topology);
  // deno-lint-ignore no-explicit-any
  let topology: any;
  try {
    topology = JSON.parse(new TextDecoder().decode(topologyBytes));
  } catch (error) {
    throw new Error(
      `loadModel: ${join(dir, MODEL_FILES.topology)} is not valid JSON (${
        (error as Error).message
      })`,
    );
  }
  const manifest = topology?.weightsManifest;
  if (!topology?.modelTopology || !Array.isArray(manifest) || manifest.length === 0) {
    throw new Error(
      `loadModel: ${join(dir, MODEL_FILES.topology)} lacks modelTopology or weightsManifest`,
    );
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = manifest.flatMap(
    (group: { weights: tf.io.WeightsManifestEntry[] }) => group.weights,
  );
  const weightBytes = await readOrExplain(dir, MODEL_FILES.weights);
  const expectedBytes = weightSpecs.reduce(
    (sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1),
    0,
  );
  if (weightBytes.byteLength !== expectedBytes) {
    throw new Error(
      `loadModel: ${join(dir, MODEL_FILES.weights)} has ${weightBytes.byteLength} bytes, ` +
        `the manifest expects ${expectedBytes} (truncated or from another model?)`,
    );
  }
  const weightData = weightBytes.buffer.slice(
    weightBytes.byteOffset,
    weightBytes.byteOffset + weightBytes.byteLength,
  ) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: topology.modelTopology,
      weightSpecs,
      weightData,
      trainingConfig: topology.trainingConfig,
    }));
  } catch (error) {
    throw new Error(`loadModel: ${dir}: cannot rebuild the model (${(error as Error).message})`);
  }
}

/**
 * Reads the `metadata.json` saved beside a model.
 *
 * @param dir the model folder
 * @example
 * ```ts
 * const { labels } = await loadModelMetadata("models/lstm") as { labels: string[] };
 * ```
 */
export async function loadModelMetadata(dir: string): Promise<Record<string, unknown>> {
  await recoverInterruptedSave(dir);
  const bytes = await readOrExplain(dir, MODEL_FILES.metadata);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(
      `loadModel: ${join(dir, MODEL_FILES.metadata)} is not valid JSON (${
        (error as Error).message
      })`,
    );
  }
}
