/**
 * The files the training step leaves in the models folder besides the model folders, typed,
 * written atomically and checked on load:
 *
 * - `label_encoder.json`: `{ "classes": ["angry", ...] }` (the model's output order);
 * - `config.json`: the {@link ModelsManifest}: feature settings, fitted scaler, the saved models
 *   and which one is best.
 *
 * A load error names the file, says what is wrong or missing, and which step writes it.
 *
 * They live in a model set (`lib/models/model_set.ts`): inference reads the promoted set only,
 * after {@link openPromotedModelSet} has verified every file's checksum.
 *
 * @example
 * ```ts
 * import { loadLabelEncoder, loadModelsManifest } from "./artifacts.ts";
 * const { classes } = await loadLabelEncoder("models");
 * const manifest = await loadModelsManifest("models");
 * console.log(manifest.bestModel, classes);
 * ```
 * @module
 */
import { join } from "node:path";
import {
  FEATURE_NAMES,
  featureColumns,
  type FeatureSettings,
  type StandardScaler,
} from "../features/mod.ts";
import { writeJsonAtomic } from "../util/mod.ts";
import {
  MODEL_SET_FILES,
  ModelSetError,
  openCurrentModelSet,
  openModelSet,
} from "../models/mod.ts";

/** File names of the artifacts inside the models folder. */
export const ARTIFACT_FILES = {
  labelEncoder: "label_encoder.json",
  manifest: "config.json",
} as const;

/** The step that writes the artifacts, quoted in load errors. */
export const TRAINING_STEP_HINT = "run notebooks/03_training.ipynb or deno task pipeline";

/** The label encoder: class names in the order of the model's output units. */
export interface LabelEncoder {
  classes: string[];
}

/** One saved model, as listed in the manifest. */
export interface ManifestModelEntry {
  /** The model's folder, relative to the models folder (e.g. `lstm_best`). */
  dir: string;
  /** Accuracy on the held-out test split, in [0, 1], when it was measured. */
  testAccuracy?: number;
  /** Accuracy on the validation split, in [0, 1], when it was measured. */
  validationAccuracy?: number;
  /** `pooled` (a `pooled.json` classifier on functionals) or `sequence` (tfjs; the default). */
  kind?: "pooled" | "sequence";
}

/** `config.json` of the models folder: everything inference needs besides the model weights. */
export interface ModelsManifest {
  /** Feature settings the models were trained on. */
  features: FeatureSettings;
  /** Standardisation fitted on the training split. */
  scaler: StandardScaler;
  /** Saved models by name (`lstm`, `gru`, `hybrid_lstm`, ...). */
  models: Record<string, ManifestModelEntry>;
  /** Name of the model to use by default (a key of `models`). */
  bestModel: string;
  /** ISO 8601 time of saving. */
  savedAt: string;
  /** The full project config of the training run, for the record. */
  config?: object;
}

/** A missing or malformed artifact; `path` is the offending file. */
export class ArtifactError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem} (it is written by the training step: ${TRAINING_STEP_HINT})`);
    this.name = "ArtifactError";
  }
}

/**
 * The folder to read a models folder's artifacts from, after verifying it: the promoted set
 * (`<modelsDir>/current`), or `modelsDir` itself when it is a sealed set (a run folder or a copy
 * of one, with `manifest.json`). Every file's SHA-256 is checked; nothing falls back to an
 * unverified or older set.
 *
 * @param modelsDir the models folder (or a sealed set folder)
 * @returns the verified set's folder
 * @throws ModelSetError naming the missing, changed or unlisted file
 * @example
 * ```ts
 * const dir = await openPromotedModelSet("models");
 * const { classes } = await loadLabelEncoder(dir);
 * ```
 */
export async function openPromotedModelSet(modelsDir: string): Promise<string> {
  try {
    await Deno.stat(join(modelsDir, MODEL_SET_FILES.manifest));
    return (await openModelSet(modelsDir)).dir;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    return (await openCurrentModelSet(modelsDir)).dir;
  } catch (error) {
    if (error instanceof ModelSetError && error.path.endsWith(MODEL_SET_FILES.pointer)) {
      let legacy = false;
      try {
        legacy = (await Deno.stat(join(modelsDir, ARTIFACT_FILES.manifest))).isFile;
      } catch { /* no old layout either */ }
      if (legacy) {
        throw new ArtifactError(
          join(modelsDir, MODEL_SET_FILES.pointer),
          `missing; ${modelsDir} holds models in the old unverified layout (config.json ` +
            `beside *_best folders), which is not used: retrain to make a promoted model set`,
        );
      }
    }
    throw error;
  }
}

/**
 * Writes `label_encoder.json` into `dir` atomically.
 *
 * @param dir the models folder (created when missing)
 * @param classes class names in model output order; non-empty and unique
 * @example
 * ```ts
 * await saveLabelEncoder("models", ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"]);
 * ```
 */
export async function saveLabelEncoder(dir: string, classes: readonly string[]): Promise<void> {
  const path = join(dir, ARTIFACT_FILES.labelEncoder);
  const problem = classesProblem(classes);
  if (problem) throw new Error(`saveLabelEncoder(${path}): ${problem}`);
  await writeJsonAtomic(path, { classes: [...classes] } satisfies LabelEncoder);
}

/**
 * Reads and checks `label_encoder.json` in `dir`.
 *
 * @param dir the models folder
 * @throws ArtifactError naming the file when it is missing or malformed
 * @example
 * ```ts
 * const { classes } = await loadLabelEncoder("models"); // ["angry", ...]
 * ```
 */
export async function loadLabelEncoder(dir: string): Promise<LabelEncoder> {
  const path = join(dir, ARTIFACT_FILES.labelEncoder);
  const value = await readJson(path, "label encoder");
  const classes = (value as Partial<LabelEncoder>)?.classes;
  const problem = classesProblem(classes);
  if (problem) throw new ArtifactError(path, problem);
  return { classes: [...classes!] };
}

/**
 * Writes the models manifest (`config.json`) into `dir` atomically, after checking it.
 *
 * @param dir the models folder (created when missing)
 * @param manifest the manifest; `savedAt` defaults to now
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * import { featureSettings, type StandardScaler } from "../features/mod.ts";
 * async function example(scaler: StandardScaler) { // fitted on the training clips
 *   const config = loadConfig();
 *   await saveModelsManifest("models", {
 *     features: featureSettings(config), scaler, bestModel: "lstm",
 *     models: { lstm: { dir: "lstm_best", testAccuracy: 0.97 } }, config,
 *   });
 * }
 * ```
 */
export async function saveModelsManifest(
  dir: string,
  manifest: Omit<ModelsManifest, "savedAt"> & { savedAt?: string },
): Promise<void> {
  const path = join(dir, ARTIFACT_FILES.manifest);
  const complete: ModelsManifest = { ...manifest, savedAt: manifest.savedAt ?? nowIso() };
  const problem = manifestProblem(complete);
  if (problem) throw new Error(`saveModelsManifest(${path}): ${problem}`);
  await writeJsonAtomic(path, complete);
}

/**
 * Reads and checks the models manifest (`config.json`) in `dir`.
 *
 * @param dir the models folder
 * @throws ArtifactError naming the file and the missing or malformed field
 * @example
 * ```ts
 * const { bestModel, models } = await loadModelsManifest("models");
 * console.log(models[bestModel].dir); // "lstm_best"
 * ```
 */
export async function loadModelsManifest(dir: string): Promise<ModelsManifest> {
  const path = join(dir, ARTIFACT_FILES.manifest);
  const value = await readJson(path, "models manifest");
  const problem = manifestProblem(value);
  if (problem) throw new ArtifactError(path, problem);
  return value as ModelsManifest;
}

function nowIso(): string {
  return new Date().toISOString();
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ArtifactError(path, `${what} not found`);
    }
    throw new ArtifactError(path, `cannot read the ${what} (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(path, `the ${what} is not valid JSON (${(error as Error).message})`);
  }
}

function classesProblem(classes: unknown): string | undefined {
  if (!Array.isArray(classes) || classes.length === 0) {
    return `"classes" must be a non-empty list of class names, got ${JSON.stringify(classes)}`;
  }
  if (classes.some((name) => typeof name !== "string" || name === "")) {
    return `"classes" must hold non-empty strings, got ${JSON.stringify(classes)}`;
  }
  if (new Set(classes).size !== classes.length) {
    return `"classes" has duplicates: ${JSON.stringify(classes)}`;
  }
  return undefined;
}

function isPositive(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function featuresProblem(features: unknown): string | undefined {
  if (typeof features !== "object" || features === null) return `"features" is missing`;
  const settings = features as Record<string, unknown>;
  for (const field of ["sampleRate", "duration", "nFft", "hopLength", "nMfcc", "nMels"]) {
    if (!isPositive(settings[field])) {
      return `"features.${field}" must be a positive number, got ${
        JSON.stringify(settings[field])
      }`;
    }
  }
  const names = settings.features;
  if (
    !Array.isArray(names) || names.length === 0 ||
    names.some((name) => !(FEATURE_NAMES as readonly string[]).includes(name))
  ) {
    return `"features.features" must list some of ${FEATURE_NAMES.join(", ")}, got ${
      JSON.stringify(names)
    }`;
  }
  return undefined;
}

function scalerProblem(scaler: unknown, width: number): string | undefined {
  if (typeof scaler !== "object" || scaler === null) return `"scaler" is missing`;
  const { mean, std } = scaler as Partial<StandardScaler>;
  for (const [name, list] of [["mean", mean], ["std", std]] as const) {
    if (!Array.isArray(list) || list.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
      return `"scaler.${name}" must be a list of finite numbers`;
    }
    if (list.length !== width) {
      return `"scaler.${name}" has ${list.length} values but the feature settings give ${width} ` +
        `columns per frame`;
    }
  }
  if (std!.some((v) => v <= 0)) return `"scaler.std" must be positive`;
  return undefined;
}

function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "expected a JSON object";
  }
  const manifest = value as Partial<ModelsManifest>;
  const features = featuresProblem(manifest.features);
  if (features) return features;
  const width = featureColumns(manifest.features!).length;
  const scaler = scalerProblem(manifest.scaler, width);
  if (scaler) return scaler;
  const models = manifest.models;
  if (typeof models !== "object" || models === null || Object.keys(models).length === 0) {
    return `"models" must name at least one saved model`;
  }
  for (const [name, entry] of Object.entries(models)) {
    if (typeof entry?.dir !== "string" || entry.dir === "") {
      return `"models.${name}.dir" must be the model's folder name`;
    }
  }
  if (typeof manifest.bestModel !== "string" || !(manifest.bestModel in models)) {
    return `"bestModel" (${JSON.stringify(manifest.bestModel)}) must be one of ${
      Object.keys(models).join(", ")
    }`;
  }
  return undefined;
}
