/**
 * Saving and loading a pooled classifier with what inference needs beside it: the utterance
 * settings its functionals were computed with, the value names, and the prior of a new speaker's
 * statistics. One JSON file, `pooled.json`, written atomically (inside a model set, whose
 * manifest checksums it); a model that adapts to voices (`spec.voiceAdaptation`) also keeps what
 * it was trained on, for refitting, in `pooled_training.f32` (float32 rows, little-endian).
 * @module
 */
import { join } from "node:path";
import type { SpeakerPrior, UtteranceSettings } from "../features/mod.ts";
import { writeFileAtomic, writeTextAtomic } from "../util/mod.ts";
import type { PooledModel } from "./pooled.ts";
import type { PooledTrainingSet } from "./voice_adaptation.ts";

/** The file name inside a pooled model's folder. */
export const POOLED_MODEL_FILE = "pooled.json";
/** The training vectors of a model that adapts to voices, beside `pooled.json`. */
export const POOLED_TRAINING_FILE = "pooled_training.f32";
const FORMAT = "ser-pooled-v1";

/** A pooled model with everything inference needs. */
export interface PooledArtifact {
  model: PooledModel;
  /** Settings of the utterance functionals. */
  settings: UtteranceSettings;
  /** Name of each input value (must match what the settings produce). */
  names: string[];
  /** What an unseen speaker's statistics are assumed to be until clips of theirs arrive. */
  prior: SpeakerPrior;
  /**
   * What the model was fitted on (normalised vectors, labels, corpora): kept when the spec adapts
   * to voices, so that `predictor.pooled.enrol` can self-train on a new voice's clips.
   */
  training?: PooledTrainingSet;
}

/** How `pooled.json` describes the training sidecar. */
interface TrainingHeader {
  file: string;
  rows: number;
  labels: number[];
  corpora: string[];
}

/** Writes `dir/pooled.json` (and the training sidecar when there is one) atomically. */
export async function savePooledModel(dir: string, artifact: PooledArtifact): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const { training, ...rest } = artifact;
  let header: TrainingHeader | undefined;
  if (training) {
    const d = artifact.model.dimensions;
    const bytes = new Float32Array(training.vectors.length * d);
    training.vectors.forEach((vector, i) => bytes.set(vector, i * d));
    // Written first: a pooled.json that names the sidecar always finds it complete.
    await writeFileAtomic(join(dir, POOLED_TRAINING_FILE), new Uint8Array(bytes.buffer));
    header = {
      file: POOLED_TRAINING_FILE,
      rows: training.vectors.length,
      labels: [...training.labels],
      corpora: [...training.corpora],
    };
  }
  await writeTextAtomic(
    join(dir, POOLED_MODEL_FILE),
    JSON.stringify({ format: FORMAT, ...rest, ...(header ? { training: header } : {}) }),
  );
}

/**
 * Reads `dir/pooled.json`.
 *
 * @throws Error naming the file when it is missing, not JSON, or not a pooled model
 */
export async function loadPooledModel(dir: string): Promise<PooledArtifact> {
  const path = join(dir, POOLED_MODEL_FILE);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`${path}: file not found`);
    throw new Error(`${path}: not a readable JSON file (${(error as Error).message})`);
  }
  const model = parsed.model as PooledModel | undefined;
  const prior = parsed.prior as SpeakerPrior | undefined;
  if (
    parsed.format !== FORMAT || model?.kind !== "pooled" || !prior || !Array.isArray(parsed.names)
  ) {
    throw new Error(`${path}: not a pooled model (format ${String(parsed.format)})`);
  }
  if (
    model.dimensions !== (parsed.names as string[]).length || prior.mean.length !== model.dimensions
  ) {
    throw new Error(
      `${path}: the model expects ${model.dimensions} values but names/prior give ` +
        `${(parsed.names as string[]).length}/${prior.mean.length}`,
    );
  }
  const header = parsed.training as TrainingHeader | undefined;
  return {
    model,
    settings: parsed.settings as UtteranceSettings,
    names: parsed.names as string[],
    prior,
    ...(header ? { training: await readTraining(dir, header, parsed.names as string[]) } : {}),
  };
}

async function readTraining(
  dir: string,
  header: TrainingHeader,
  names: string[],
): Promise<PooledTrainingSet> {
  const path = join(dir, header.file);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${path}: file not found (${POOLED_MODEL_FILE} says it holds the training set)`,
      );
    }
    throw error;
  }
  const d = names.length;
  if (
    bytes.byteLength !== header.rows * d * 4 || header.labels.length !== header.rows ||
    header.corpora.length !== header.rows
  ) {
    throw new Error(
      `${path}: ${bytes.byteLength} bytes, ${header.labels.length} labels and ` +
        `${header.corpora.length} corpora; ${POOLED_MODEL_FILE} says ${header.rows} rows of ${d} values`,
    );
  }
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const values = new Float32Array(aligned.buffer, aligned.byteOffset, header.rows * d);
  return {
    vectors: Array.from({ length: header.rows }, (_, i) => values.subarray(i * d, (i + 1) * d)),
    labels: header.labels,
    corpora: header.corpora,
    names,
  };
}

/** True when `dir` holds a pooled model. */
export async function isPooledModelDir(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, POOLED_MODEL_FILE))).isFile;
  } catch {
    return false;
  }
}
