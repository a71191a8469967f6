/**
 * Saving and loading a pooled classifier with what inference needs beside it: the utterance
 * settings its functionals were computed with, the value names, and the prior of a new speaker's
 * statistics. One JSON file, `pooled.json`, written atomically (inside a model set, whose
 * manifest checksums it).
 * @module
 */
import { join } from "node:path";
import type { SpeakerPrior, UtteranceSettings } from "../features/mod.ts";
import { writeTextAtomic } from "../util/mod.ts";
import type { PooledModel } from "./pooled.ts";

/** The file name inside a pooled model's folder. */
export const POOLED_MODEL_FILE = "pooled.json";
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
}

/** Writes `dir/pooled.json` atomically. */
export async function savePooledModel(dir: string, artifact: PooledArtifact): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeTextAtomic(
    join(dir, POOLED_MODEL_FILE),
    JSON.stringify({ format: FORMAT, ...artifact }),
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
  return {
    model,
    settings: parsed.settings as UtteranceSettings,
    names: parsed.names as string[],
    prior,
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
