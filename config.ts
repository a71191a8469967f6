/**
 * Project configuration: the seed's defaults, typed and validated.
 *
 * Every value can be overridden without editing this file:
 * - from a notebook cell: `const config = loadConfig({ epochs: 20 })`;
 * - from the environment: `SER_EPOCHS=20 deno task pipeline` (the field name in
 *   SCREAMING_SNAKE_CASE with an `SER_` prefix; arrays are comma-separated);
 * - from the command line: `deno task extract data --epochs 20` or `--lstm-units=64,32`.
 *
 * Precedence: defaults < environment < command line < explicit overrides.
 * Invalid values are rejected with a {@link ConfigError} that names the field.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig({ epochs: 5, batchSize: 32 });
 * console.log(config.sampleRate); // 22050
 * ```
 * @module
 */
import { LABEL_POLICIES, type LabelPolicy } from "./lib/data_loader/mod.ts";

export type { LabelPolicy };
import { unknownFlagError, UsageError } from "./lib/util/mod.ts";
import {
  FEATURE_NAMES,
  type FeatureName,
  featureWidth,
  framesPerClip,
  SEED_FEATURES,
} from "./lib/features/mod.ts";

// The feature vocabulary lives with the features; the config re-exports it for its users.
export { FEATURE_NAMES, featureWidth, framesPerClip, SEED_FEATURES };
export type { FeatureName };

/** Names of the models the project can build (see lib/models). */
export const MODEL_NAMES = [
  "ensemble",
  "svm",
  "logistic",
  "lstm",
  "gru",
  "hybrid",
  "hybrid_gru",
  "cnn",
] as const;

/**
 * The models that classify pooled utterance functionals (speaker-normalised) instead of frame
 * sequences: `ensemble` (RBF SVM + softmax regression, the default), `svm`, `logistic`.
 */
export const POOLED_MODEL_NAMES: readonly ModelName[] = ["ensemble", "svm", "logistic"];

/** One buildable model. */
export type ModelName = typeof MODEL_NAMES[number];

/** The full, typed project configuration. */
export interface Config {
  // --- Audio ---
  /** Target sample rate in Hz; every clip is resampled to it. */
  sampleRate: number;
  /** Clip length in seconds; longer clips are trimmed, shorter ones zero-padded. */
  duration: number;

  // --- Features ---
  /** Number of MFCC coefficients per frame. */
  nMfcc: number;
  /** Number of mel bands. */
  nMels: number;
  /** FFT size in samples. */
  nFft: number;
  /** Hop between frames in samples. */
  hopLength: number;
  /** Which per-frame features to compute, in this order. */
  features: FeatureName[];

  // --- Training ---
  /** Mini-batch size. */
  batchSize: number;
  /** Maximum number of epochs (early stopping usually ends sooner). */
  epochs: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Units of the two stacked LSTM layers. */
  lstmUnits: number[];
  /** Units of the two stacked GRU layers. */
  gruUnits: number[];
  /** Units of the dense head. */
  denseUnits: number[];
  /** Dropout rate after each recurrent and dense layer, in [0, 1). */
  dropout: number;
  /** Early-stopping patience in epochs. */
  patience: number;
  /** Reduce-LR-on-plateau patience in epochs. */
  reduceLrPatience: number;
  /** Factor the learning rate is multiplied by on a plateau, in (0, 1). */
  reduceLrFactor: number;
  /** Lower bound of the learning rate. */
  minLearningRate: number;
  /**
   * Momentum of an exponential moving average of the weights, updated every batch (Keras'
   * `use_ema` / `ema_momentum`); validation, early stopping, checkpoints and the saved model use
   * the average. 0 turns it off. Not in the seed: without it the LSTM's validation loss swings
   * from epoch to epoch and early stopping keeps a lucky epoch (see the README's results).
   */
  emaMomentum: number;
  /** Fraction of the data held out for testing, in (0, 1). */
  testSize: number;
  /** Fraction of the data held out for validation, in (0, 1). */
  valSize: number;
  /** Seed for splits, weight initialisation and shuffling. */
  seed: number;
  /**
   * Models to train, by name: `ensemble` (the default for new voices: RBF SVM + softmax
   * regression on speaker-normalised utterance functionals), `svm`, `logistic`, and the seed's
   * sequence models `lstm`, `gru`, `hybrid` (Conv1D + LSTM), `hybrid_gru`, and `cnn` (Conv1D
   * blocks + statistics pooling; meant for `features: ["logmel"]`).
   */
  models: ModelName[];
  /** Folds of the k-fold cross-validation in the evaluation notebook (0 skips it). */
  cvFolds: number;
  /** Maximum epochs of each cross-validation / speaker-independent run (early stopping applies). */
  evalEpochs: number;
  /**
   * Continue the newest training run that was killed, from its last epoch (weights, optimizer,
   * callbacks and random streams restored) instead of starting a fresh run (`SER_RESUME=true`,
   * `--resume`).
   */
  resume: boolean;
  /**
   * Augmented copies of each training clip for the pooled models (speed, pitch, reverb, noise
   * and gain, seeded; `lib/augment`'s default policy); 0 turns augmentation off. Validation and
   * test clips are never augmented.
   */
  augmentCopies: number;
  /**
   * Self-train the pooled models on a new voice's unlabelled clips (`SER_VOICE_ADAPTATION`,
   * `--voice-adaptation`): the speaker-independent protocols adapt to each test speaker, and a
   * trained model keeps its training set beside it so that `predict --enrol` adapts to 20 or more
   * enrolled clips (see the README's "Adapting to a voice"). The live page does not adapt.
   */
  voiceAdaptation: boolean;
  /**
   * Threads that train the sequence models (data-parallel halves of each batch, one gradient sum;
   * `SER_TRAINING_WORKERS`, `--training-workers`), at most the machine's cores. 2 trains about
   * twice as fast when the second core is free and is bit-for-bit reproducible for a seed and a
   * worker count; 1 runs the one-thread loop (better on a machine busy with other jobs).
   */
  trainingWorkers: number;
  /**
   * Time budget of notebook 03's training cell in minutes (0: none). When it runs out, training
   * ends after the current batch, keeps the best weights so far and promotes what was trained;
   * `touch models/STOP` (or `deno task stop-training`) does the same at any moment.
   */
  trainingMinutes: number;

  // --- Data ---
  /**
   * Corpus folder(s) (TESS, RAVDESS, CREMA-D, SAVEE, EMO-DB), comma-separated for several
   * (`SER_DATA_DIR=/data/TESS,/data/RAVDESS`, `--data-dir a,b`; `loadConfig` also takes a
   * list): one table over all, speakers qualified by corpus (`tess:OAF`). Each folder's scheme
   * is detected on its own. Empty means the generated demo corpus. Folder names containing a
   * comma are not supported. See {@link dataDirs}.
   */
  dataDir: string;
  /**
   * What to do with corpus labels that have no counterpart among the 7 emotions: `merge`
   * (default: RAVDESS calm into neutral, EMO-DB boredom dropped), `drop` (both left out) or
   * `keep` (both as their own classes `calm` / `boredom`; the class list grows). The scan
   * reports how many clips each choice affected.
   */
  labelPolicy: LabelPolicy;

  // --- Paths ---
  /** Where trained models, the label encoder and config.json are saved. */
  modelsDir: string;
  /** Where figures, tables and project_report.json are written. */
  outputsDir: string;
  /** Where TensorBoard event files and JSONL training logs are written. */
  logsDir: string;
  /** Where extracted features are cached. */
  cacheDir: string;
}

/** The seed's defaults (see the seed README's `Config` class). */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  sampleRate: 22050,
  duration: 3,
  nMfcc: 40,
  nMels: 128,
  nFft: 2048,
  hopLength: 512,
  features: [...SEED_FEATURES],
  batchSize: 64,
  epochs: 100,
  learningRate: 0.001,
  lstmUnits: [128, 64],
  gruUnits: [128, 64],
  denseUnits: [64, 32],
  dropout: 0.3,
  patience: 10,
  reduceLrPatience: 5,
  reduceLrFactor: 0.5,
  minLearningRate: 1e-6,
  emaMomentum: 0.99,
  testSize: 0.2,
  valSize: 0.1,
  seed: 42,
  models: ["ensemble", "lstm", "gru", "hybrid"] as ModelName[],
  cvFolds: 5,
  evalEpochs: 30,
  resume: false,
  augmentCopies: 2,
  voiceAdaptation: true,
  trainingWorkers: 2,
  trainingMinutes: 0,
  dataDir: "",
  labelPolicy: "merge" as LabelPolicy,
  modelsDir: "models",
  outputsDir: "outputs",
  logsDir: "logs",
  cacheDir: ".cache/features",
});

/** Thrown for an invalid configuration value; the message names the field. */
export class ConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`config.${field}: ${message}`);
    this.name = "ConfigError";
  }
}

type Kind =
  | "int"
  | "count"
  | "number"
  | "string"
  | "intList"
  | "features"
  | "models"
  | "folders"
  | "labelPolicy"
  | "boolean";

const FIELD_KINDS: Record<keyof Config, Kind> = {
  sampleRate: "int",
  duration: "number",
  nMfcc: "int",
  nMels: "int",
  nFft: "int",
  hopLength: "int",
  features: "features",
  batchSize: "int",
  epochs: "int",
  learningRate: "number",
  lstmUnits: "intList",
  gruUnits: "intList",
  denseUnits: "intList",
  dropout: "number",
  patience: "int",
  reduceLrPatience: "int",
  reduceLrFactor: "number",
  minLearningRate: "number",
  emaMomentum: "number",
  testSize: "number",
  valSize: "number",
  seed: "count",
  models: "models",
  cvFolds: "count",
  evalEpochs: "int",
  resume: "boolean",
  augmentCopies: "count",
  voiceAdaptation: "boolean",
  trainingWorkers: "int",
  trainingMinutes: "number",
  dataDir: "folders",
  labelPolicy: "labelPolicy",
  modelsDir: "string",
  outputsDir: "string",
  logsDir: "string",
  cacheDir: "string",
};

/** `sampleRate` -> `SAMPLE_RATE`. */
function toScreamingSnake(field: string): string {
  return field.replace(/([A-Z])/g, "_$1").toUpperCase();
}

/** `sampleRate` -> `sample-rate`. */
function toKebab(field: string): string {
  return field.replace(/([A-Z])/g, "-$1").toLowerCase();
}

function parseValue(field: keyof Config, raw: string): unknown {
  const kind = FIELD_KINDS[field];
  const text = raw.trim();
  switch (kind) {
    case "int":
    case "count":
    case "number": {
      const value = Number(text);
      if (text === "" || Number.isNaN(value)) {
        throw new ConfigError(field, `expected a number, got "${raw}"`);
      }
      return value;
    }
    case "intList":
    case "features":
    case "models":
      return text === "" ? [] : text.split(",").map((part) => {
        const item = part.trim();
        if (kind === "features" || kind === "models") return item;
        const value = Number(item);
        if (item === "" || Number.isNaN(value)) {
          throw new ConfigError(field, `expected comma-separated numbers, got "${raw}"`);
        }
        return value;
      });
    case "string":
    case "labelPolicy":
      return text;
    case "boolean": {
      const lower = text.toLowerCase();
      if (["true", "1", "yes", ""].includes(lower)) return true;
      if (["false", "0", "no"].includes(lower)) return false;
      throw new ConfigError(field, `expected true or false, got "${raw}"`);
    }
    case "folders":
      // Normalised (spaces around commas dropped) so configToEnv round-trips it.
      return text === "" ? "" : text.split(",").map((part) => part.trim()).join(",");
  }
}

/**
 * Reads overrides from environment variables named `SER_<FIELD>`, e.g. `SER_EPOCHS=20`,
 * `SER_LSTM_UNITS=64,32`, `SER_DATA_DIR=/data/tess`.
 */
export function configFromEnv(
  env: Record<string, string | undefined> = safeEnv(),
): Partial<Config> {
  const overrides: Record<string, unknown> = {};
  for (const field of Object.keys(FIELD_KINDS) as (keyof Config)[]) {
    const raw = env[`SER_${toScreamingSnake(field)}`];
    if (raw !== undefined) overrides[field] = parseValue(field, raw);
  }
  return overrides as Partial<Config>;
}

/**
 * Reads overrides from command-line flags `--field value` or `--field=value`, in kebab case
 * (`--batch-size 32`) or camel case (`--batchSize 32`), and the program's own flags declared in
 * `programFlags` (name -> `"value"`, or `"boolean"` for a flag that takes no value, so
 * `--quiet a.wav` keeps `a.wav` positional). `--help`/`-h` is always accepted (as
 * `flags.help`); everything after `--` is positional.
 *
 * @param args command-line arguments (without the program name)
 * @param programFlags the program's flags besides the config fields, without dashes
 * @returns the config overrides, the positional arguments, and the program's flags given
 *   (`"true"` for a boolean flag)
 * @throws {UsageError} for a flag that is neither a config field nor declared, naming it and
 *   the closest known flag ("unknown flag --epoch; did you mean --epochs?"), or a declared
 *   value flag without its value
 * @throws {ConfigError} for a config value that does not parse, naming the field
 * @example
 * ```ts
 * const { overrides, positional, flags } = configFromArgs(
 *   ["data/tess", "--epochs", "5", "--quiet"],
 *   { quiet: "boolean", out: "value" },
 * );
 * ```
 */
export function configFromArgs(
  args: readonly string[],
  programFlags: Readonly<Record<string, "value" | "boolean">> = {},
): { overrides: Partial<Config>; positional: string[]; flags: Record<string, string> } {
  const byFlag = new Map<string, keyof Config>();
  for (const field of Object.keys(FIELD_KINDS) as (keyof Config)[]) {
    byFlag.set(toKebab(field), field);
    byFlag.set(field, field);
  }
  const kinds = new Map(Object.entries({ ...programFlags, help: "boolean" }));
  const known = () => [...kinds.keys(), ...Object.keys(FIELD_KINDS).map(toKebab)];
  const overrides: Record<string, unknown> = {};
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.help = "true";
      continue;
    }
    if (/^-[A-Za-z]/.test(arg)) throw unknownFlagError(arg, known());
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const next = args[i + 1];
    const field = byFlag.get(name);
    const kind = field ? (FIELD_KINDS[field] === "boolean" ? "boolean" : "value") : kinds.get(name);
    if (kind === undefined) throw unknownFlagError(`--${name}`, known());
    const hasValue = eq >= 0 || (kind === "value" && next !== undefined && !next.startsWith("--"));
    const value = eq >= 0 ? arg.slice(eq + 1) : hasValue ? args[++i] : "true";
    if (field) overrides[field] = parseValue(field, value);
    else if (kind === "value" && !hasValue) throw new UsageError(`--${name} needs a value`);
    else flags[name] = value;
  }
  return { overrides: overrides as Partial<Config>, positional, flags };
}

function safeEnv(): Record<string, string | undefined> {
  try {
    return Deno.env.toObject();
  } catch {
    // Without --allow-env the environment simply contributes nothing.
    return {};
  }
}

function requirePositive(config: Config, field: keyof Config, integer: boolean): void {
  const value = config[field] as number;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive number, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new ConfigError(field, `must be a whole number, got ${value}`);
  }
}

function requireFraction(config: Config, field: keyof Config, allowZero: boolean): void {
  const value = config[field] as number;
  const ok = typeof value === "number" && value < 1 && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new ConfigError(field, `must be in ${allowZero ? "[0, 1)" : "(0, 1)"}, got ${value}`);
  }
}

/** Checks every field; throws a {@link ConfigError} naming the first bad one. */
export function validateConfig(config: Config): Config {
  for (const field of Object.keys(config)) {
    if (!(field in FIELD_KINDS)) {
      throw new ConfigError(field, `unknown field (known: ${Object.keys(FIELD_KINDS).join(", ")})`);
    }
  }
  for (const [field, kind] of Object.entries(FIELD_KINDS) as [keyof Config, Kind][]) {
    if (kind === "int") requirePositive(config, field, true);
    if (kind === "count") {
      const value = config[field] as number;
      if (!Number.isInteger(value) || value < 0) {
        throw new ConfigError(field, `must be a whole number >= 0, got ${value}`);
      }
    }
    if (kind === "number") {
      const value = config[field];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new ConfigError(field, `must be a finite number, got ${value}`);
      }
    }
    if (kind === "boolean" && typeof config[field] !== "boolean") {
      throw new ConfigError(field, `must be true or false, got ${config[field]}`);
    }
    if ((kind === "string" || kind === "folders") && typeof config[field] !== "string") {
      throw new ConfigError(field, `must be a string, got ${typeof config[field]}`);
    }
    if (kind === "intList") {
      const list = config[field] as number[];
      if (!Array.isArray(list) || list.length === 0) {
        throw new ConfigError(field, "must be a non-empty list of positive whole numbers");
      }
      for (const units of list) {
        if (!Number.isInteger(units) || units <= 0) {
          throw new ConfigError(field, `every entry must be a positive whole number, got ${units}`);
        }
      }
    }
  }
  if (config.trainingMinutes < 0) {
    throw new ConfigError(
      "trainingMinutes",
      `must be >= 0 (0: no budget), got ${config.trainingMinutes}`,
    );
  }
  requirePositive(config, "duration", false);
  requirePositive(config, "learningRate", false);
  requirePositive(config, "minLearningRate", false);
  requireFraction(config, "dropout", true);
  requireFraction(config, "emaMomentum", true);
  requireFraction(config, "reduceLrFactor", false);
  requireFraction(config, "testSize", false);
  requireFraction(config, "valSize", true);
  if (config.testSize + config.valSize >= 1) {
    throw new ConfigError("valSize", "testSize + valSize must leave data for training");
  }
  if (config.nFft < config.hopLength) {
    throw new ConfigError("hopLength", `must not exceed nFft (${config.nFft})`);
  }
  if (!Array.isArray(config.features) || config.features.length === 0) {
    throw new ConfigError("features", `must list at least one of ${FEATURE_NAMES.join(", ")}`);
  }
  for (const feature of config.features) {
    if (!(FEATURE_NAMES as readonly string[]).includes(feature)) {
      throw new ConfigError(
        "features",
        `unknown feature "${feature}" (known: ${FEATURE_NAMES.join(", ")})`,
      );
    }
  }
  if (!Array.isArray(config.models) || config.models.length === 0) {
    throw new ConfigError("models", `must list at least one of ${MODEL_NAMES.join(", ")}`);
  }
  for (const model of config.models) {
    if (!(MODEL_NAMES as readonly string[]).includes(model)) {
      throw new ConfigError(
        "models",
        `unknown model "${model}" (known: ${MODEL_NAMES.join(", ")})`,
      );
    }
  }
  if (config.dataDir !== "" && config.dataDir.split(",").some((dir) => dir.trim() === "")) {
    throw new ConfigError(
      "dataDir",
      `empty folder in the comma-separated list "${config.dataDir}" (e.g. "a,,b" or "a,")`,
    );
  }
  if (!(LABEL_POLICIES as readonly string[]).includes(config.labelPolicy)) {
    throw new ConfigError(
      "labelPolicy",
      `unknown policy "${config.labelPolicy}" (known: ${LABEL_POLICIES.join(", ")})`,
    );
  }
  if (config.cvFolds === 1) {
    throw new ConfigError("cvFolds", "must be 0 (skip) or at least 2");
  }
  return config;
}

/** Overrides {@link loadConfig} accepts: any field, and `dataDir` also as a list of folders. */
export type ConfigOverrides = Partial<Omit<Config, "dataDir">> & {
  dataDir?: string | readonly string[];
};

/**
 * Builds a validated config: defaults, then `SER_*` environment variables, then the given
 * overrides (e.g. from a notebook cell or {@link configFromArgs}).
 *
 * @param overrides fields to change, e.g. `{ epochs: 20 }` or
 *   `{ dataDir: ["/data/TESS", "/data/RAVDESS"], labelPolicy: "keep" }`
 * @param options.env environment to read (`Deno.env` by default); pass `{}` to ignore it
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  options: { env?: Record<string, string | undefined> } = {},
): Config {
  const { dataDir, ...rest } = structuredClone(overrides) as ConfigOverrides;
  const config = {
    ...structuredClone(DEFAULT_CONFIG) as Config,
    ...configFromEnv(options.env ?? safeEnv()),
    ...rest,
  };
  if (dataDir !== undefined) {
    if (Array.isArray(dataDir)) {
      const bad = dataDir.find((dir) => typeof dir !== "string" || dir.includes(","));
      if (bad !== undefined) {
        throw new ConfigError(
          "dataDir",
          `list entries must be folder names without commas, got "${bad}"`,
        );
      }
      config.dataDir = dataDir.map((dir) => dir.trim()).join(",");
    } else {
      config.dataDir = dataDir as string;
    }
  }
  return validateConfig(config);
}

/**
 * The corpus folders of a config: `dataDir` split at commas, trimmed (empty: none, which
 * means the demo corpus).
 *
 * @example
 * ```ts
 * dataDirs(loadConfig({ dataDir: "/data/TESS, /data/RAVDESS" })); // ["/data/TESS", "/data/RAVDESS"]
 * ```
 */
export function dataDirs(config: Pick<Config, "dataDir">): string[] {
  return config.dataDir.trim() === "" ? [] : config.dataDir.split(",").map((dir) => dir.trim());
}

/** Absolute path of the project root (the folder holding this file). */
export const PROJECT_ROOT: string = decodeURIComponent(new URL(".", import.meta.url).pathname)
  .replace(/\/$/, "");

/**
 * Resolves a configured path against the project root, so notebooks (whose working directory is
 * `notebooks/`) and CLIs write to the same `models/`, `outputs/` and `logs/`. Absolute paths are
 * returned unchanged.
 */
export function projectPath(path: string): string {
  if (path.startsWith("/")) return path;
  return `${PROJECT_ROOT}/${path.replace(/^\.\//, "")}`;
}

/**
 * The `SER_*` environment variables that reproduce `overrides` (the inverse of
 * {@link configFromEnv}), to hand a config to child processes such as notebook kernels.
 */
export function configToEnv(overrides: Partial<Config>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    env[`SER_${toScreamingSnake(field)}`] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}
