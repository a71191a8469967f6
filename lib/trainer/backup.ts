/**
 * Training backups for resuming a killed run (Keras' `BackupAndRestore`): after every epoch the
 * trainer saves everything the next epochs depend on: model weights (trainable and not, e.g.
 * batch-norm statistics), the optimizer's state (Adam's moments, iteration count and bias
 * corrections), the weight average, every stateful callback (early stopping, LR schedule,
 * checkpoint bests, best weights), the seeded generators' states (the trainer's and the layers'
 * own, e.g. dropout masks), the learning rate, the history and the next epoch. A run resumed from it ends with the weights an uninterrupted one would have.
 *
 * On disk: a folder with `state.json` and `tensors.bin` (the tensors' raw little-endian values,
 * one after the other), replaced atomically after each epoch; `state.json` holds the SHA-256 of
 * `tensors.bin`, checked before anything is restored.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TrainingData } from "./trainer.ts";
 * import { fit } from "./trainer.ts";
 * async function example(model: tf.LayersModel, data: TrainingData) {
 *   // Used through fit's `resume` option:
 *   await fit(model, data, { epochs: 50, batchSize: 64, resume: { dir: "models/runs/r1/resume/lstm" } });
 * }
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { recoverReplacedDir, replaceDirAtomic, sha256Hex } from "../util/mod.ts";

/** Format tag of `state.json`. */
export const BACKUP_FORMAT = "ser-fit-backup/1";

/** File names inside a backup folder. */
export const BACKUP_FILES = { state: "state.json", tensors: "tensors.bin" } as const;

/** A group of tensors in a backup, by role. */
export interface TensorGroup {
  /** Names kept with the optimizer's weights (tfjs' `NamedTensor.name`), else index names. */
  names: string[];
  tensors: tf.Tensor[];
}

/** What a backup holds (tensors in memory; see the module doc). */
export interface TrainingBackup {
  /** The next epoch to run (0-based): the number of epochs done. */
  nextEpoch: number;
  /** Whether a callback had asked to stop after the last epoch done. */
  stopTraining: boolean;
  learningRate: number;
  /** The seeded generator's state after the last epoch done. */
  randomState: number;
  /**
   * States of the layers' own seeded streams (e.g. `FastDropout` masks), by layer index, for
   * layers with `getRandomState`/`setRandomState`.
   */
  layerRandomStates: Record<string, number>;
  history: { epoch: number[]; history: Record<string, number[]> };
  /** All model weights (`model.getWeights()` order). */
  model: TensorGroup;
  /** `optimizer.getWeights()`, then named extra variables (e.g. Adam's `accBeta1`). */
  optimizer: TensorGroup;
  /** The weight average's values and update count, when one is kept. */
  average?: { updates: number; averages: tf.Tensor[] };
  /** Per callback, in `callbacks` order: its class name, JSON state and tensors. */
  callbacks: { name: string; json?: Record<string, unknown>; tensors: tf.Tensor[] }[];
}

interface TensorEntry {
  group: string;
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  offset: number;
}

/**
 * Writes a backup to `dir` (atomically replacing the previous one).
 *
 * @param dir the backup folder
 * @param backup what to save (tensors are read, not disposed)
 */
export async function writeBackup(dir: string, backup: TrainingBackup): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = async (group: string, name: string, tensor: tf.Tensor) => {
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new Error(`writeBackup(${dir}): ${group} ${name} has dtype ${tensor.dtype}`);
    }
    const values = await tensor.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    entries.push({ group, name, shape: tensor.shape, dtype: tensor.dtype, offset });
    chunks.push(bytes);
    offset += bytes.byteLength;
  };
  for (let i = 0; i < backup.model.tensors.length; i++) {
    await add("model", backup.model.names[i], backup.model.tensors[i]);
  }
  for (let i = 0; i < backup.optimizer.tensors.length; i++) {
    await add("optimizer", backup.optimizer.names[i], backup.optimizer.tensors[i]);
  }
  for (const [i, average] of (backup.average?.averages ?? []).entries()) {
    await add("average", String(i), average);
  }
  for (const [c, callback] of backup.callbacks.entries()) {
    for (const [i, tensor] of callback.tensors.entries()) {
      await add(`callback${c}`, String(i), tensor);
    }
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.byteLength;
  }
  const state = {
    format: BACKUP_FORMAT,
    nextEpoch: backup.nextEpoch,
    stopTraining: backup.stopTraining,
    learningRate: backup.learningRate,
    randomState: backup.randomState,
    layerRandomStates: backup.layerRandomStates,
    history: backup.history,
    averageUpdates: backup.average?.updates,
    callbacks: backup.callbacks.map(({ name, json }) => ({ name, json })),
    tensors: entries,
    tensorsBytes: data.byteLength,
    tensorsSha256: await sha256Hex(data),
  };
  await replaceDirAtomic(dir, async (temp) => {
    await Deno.writeFile(join(temp, BACKUP_FILES.tensors), data);
    await Deno.writeTextFile(join(temp, BACKUP_FILES.state), JSON.stringify(state));
  });
}

/**
 * Reads the backup in `dir`, or `undefined` when there is none (no folder, or an empty one).
 * The caller owns (and disposes) the returned tensors.
 *
 * @throws an error naming the file when the backup is malformed or its tensors' checksum fails
 */
export async function readBackup(dir: string): Promise<TrainingBackup | undefined> {
  await recoverReplacedDir(dir);
  const statePath = join(dir, BACKUP_FILES.state);
  const tensorsPath = join(dir, BACKUP_FILES.tensors);
  let stateText: string;
  try {
    stateText = await Deno.readTextFile(statePath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`${statePath}: cannot read the training backup (${(error as Error).message})`);
  }
  // deno-lint-ignore no-explicit-any
  let state: any;
  try {
    state = JSON.parse(stateText);
  } catch (error) {
    throw new Error(`${statePath}: not valid JSON (${(error as Error).message})`);
  }
  if (state?.format !== BACKUP_FORMAT || !Array.isArray(state.tensors)) {
    throw new Error(`${statePath}: not a ${BACKUP_FORMAT} training backup`);
  }
  let data: Uint8Array;
  try {
    data = await Deno.readFile(tensorsPath);
  } catch (error) {
    throw new Error(
      `${tensorsPath}: cannot read the backup's tensors (${(error as Error).message})`,
    );
  }
  const actual = await sha256Hex(data);
  if (data.byteLength !== state.tensorsBytes || actual !== state.tensorsSha256) {
    throw new Error(
      `${tensorsPath}: checksum mismatch (SHA-256 ${actual}, ${data.byteLength} bytes; ` +
        `${BACKUP_FILES.state} says ${state.tensorsSha256}, ${state.tensorsBytes} bytes)`,
    );
  }
  const groups = new Map<string, { names: string[]; tensors: tf.Tensor[] }>();
  for (const entry of state.tensors as TensorEntry[]) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    const bytes = data.slice(entry.offset, entry.offset + 4 * size);
    const values = entry.dtype === "int32"
      ? new Int32Array(bytes.buffer)
      : new Float32Array(bytes.buffer);
    const group = groups.get(entry.group) ?? { names: [], tensors: [] };
    group.names.push(entry.name);
    group.tensors.push(tf.tensor(values, entry.shape, entry.dtype));
    groups.set(entry.group, group);
  }
  const empty = { names: [], tensors: [] };
  const averages = groups.get("average");
  return {
    nextEpoch: state.nextEpoch,
    stopTraining: state.stopTraining,
    learningRate: state.learningRate,
    randomState: state.randomState,
    layerRandomStates: state.layerRandomStates ?? {},
    history: state.history,
    model: groups.get("model") ?? empty,
    optimizer: groups.get("optimizer") ?? empty,
    average: state.averageUpdates === undefined || state.averageUpdates === null
      ? undefined
      : { updates: state.averageUpdates, averages: averages?.tensors ?? [] },
    callbacks: (state.callbacks as { name: string; json?: Record<string, unknown> }[]).map(
      (callback, c) => ({ ...callback, tensors: groups.get(`callback${c}`)?.tensors ?? [] }),
    ),
  };
}

/** Frees every tensor of a backup. */
export function disposeBackup(backup: TrainingBackup): void {
  tf.dispose(backup.model.tensors);
  tf.dispose(backup.optimizer.tensors);
  if (backup.average) tf.dispose(backup.average.averages);
  for (const callback of backup.callbacks) tf.dispose(callback.tensors);
}
