/**
 * The predictor: a trained model plus the feature settings, scaler and class names it was
 * trained with, so any audio file or sample buffer (any sample rate, any length, mono or
 * multi-channel) goes through exactly the training pipeline: decode -> mono -> resample ->
 * trim/pad -> features (`featuresFromBytes`) -> standardise -> model -> probabilities.
 *
 * @example
 * ```ts
 * import { loadPredictor } from "./predictor.ts";
 * const predictor = await loadPredictor("models");
 * const { emotion, confidence } = await predictor.predict("clip.wav");
 * const { table, failures } = await predictor.predictBatch("my_recordings/");
 * predictor.dispose();
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import pl from "nodejs-polars";
import { join } from "node:path";
import {
  decodeAudio,
  encodeWav,
  mixToMono,
  problemText,
  readAudioFile,
  resampleParallel,
  type ResampleQuality,
} from "../audio/mod.ts";
import {
  applyStandardScaler,
  type FailedFile,
  featureColumns,
  type FeatureSettings,
  featuresForFile,
  featuresFromBytes,
  framesPerClip,
  type StandardScaler,
  utteranceFeatures,
} from "../features/mod.ts";
import { argmaxRows, loadModel, predictProbabilities } from "../models/mod.ts";
import { AUDIO_EXTENSIONS, EMOTION_DISPLAY_NAMES, listAudioFiles } from "../data_loader/mod.ts";
import { ProgressBar, type ProgressOptions } from "../util/mod.ts";
import {
  ArtifactError,
  loadLabelEncoder,
  loadModelsManifest,
  openPromotedModelSet,
} from "./artifacts.ts";
import {
  predictTimelineWith,
  type Timeline,
  TIMELINE_RESAMPLE_QUALITY,
  type TimelineOptions,
} from "./timeline.ts";
import { createPooledPredictor, type PooledPredictor } from "./pooled_predictor.ts";
import { isPooledModelDir, loadPooledModel } from "../models/mod.ts";
import type { WindowClassifier } from "./timeline.ts";
import { sequenceWindowClassifier } from "./window_classifier.ts";
import { windowFeatures } from "./window_features.ts";
import { WindowFeaturePool } from "./feature_pool.ts";
import { orderedPooledBatches, pooledFrameHop, pooledWindowClassifier } from "./pooled_window.ts";
import { FunctionalsPool } from "./functionals_pool.ts";
import { runFunctionals, windowRuns } from "./window_runs.ts";

/** Audio already in memory: one array (mono) or one per channel, at `sampleRate` Hz. */
export interface SamplesInput {
  /** Samples in [-1, 1]: a mono array, or one array per channel (equal lengths). */
  samples: Float32Array | Float32Array[];
  /** Sample rate of `samples` in Hz (a positive whole number). */
  sampleRate: number;
  /** Name used in error messages and as `Prediction.path` (default `<samples>`). */
  name?: string;
}

/** What the model says about one clip. */
export interface Prediction {
  /** The most probable class (a label-encoder class name, e.g. `angry`). */
  emotion: string;
  /** Human-readable name of `emotion` (e.g. `Pleasant surprise` for `ps`). */
  displayName: string;
  /** Probability of `emotion`, in [0, 1]. */
  confidence: number;
  /** Probability of every class, in label-encoder order; they sum to 1. */
  probabilities: Record<string, number>;
  /** The file (or `SamplesInput.name`) the prediction is for. */
  path?: string;
}

/** Options of {@link Predictor.predictBatch}. */
export interface BatchOptions {
  /** Show a progress bar (default true); an object passes options to it. */
  progress?: boolean | ProgressOptions;
  /** Clips per forward pass (default 64). */
  batchSize?: number;
}

/** Result of {@link Predictor.predictBatch}. */
export interface BatchResult {
  /**
   * One row per clip that could be read: `path`, `emotion`, `confidence`, then
   * `prob_<class>` for every class in label-encoder order.
   */
  table: pl.DataFrame;
  /** Files that could not be decoded or featurised, and why (not fatal). */
  failures: FailedFile[];
}

/** Options of {@link Predictor.predictTimeline}. */
export interface PredictTimelineOptions extends TimelineOptions {
  /**
   * Pooled models: treat the recording as one speaker and adapt the speaker normalisation on
   * it, as the live page does — every voiced window, in time order, is first added to the
   * speaker statistics, then normalised with them and classified. The statistics start from
   * the predictor's current speaker (the prior, plus clips given to `pooled.enrol`) and the
   * predictor's own speaker is left unchanged (a copy adapts). Default false: every window is
   * normalised with the predictor's current statistics (which change only when the predictor
   * was loaded with `adaptSpeaker: true`). Sequence models ignore it.
   */
  adaptSpeaker?: boolean;
}

/** A model ready to classify audio. */
export interface Predictor {
  /** Name of the model in the manifest (e.g. `lstm`). */
  readonly modelName: string;
  /** Class names in model output order. */
  readonly classes: readonly string[];
  /** Feature settings every input is converted with. */
  readonly settings: FeatureSettings;
  /** `sequence`: a recurrent/convolutional tfjs model on frame features; `pooled`: a classifier
   * on speaker-normalised utterance functionals (see `pooled_predictor.ts`). */
  readonly kind: "sequence" | "pooled";
  /** The underlying tfjs model (sequence models only). */
  readonly model?: tf.LayersModel;
  /** The pooled model's own predictor (pooled models only): `enrol` clips of a new speaker. */
  readonly pooled?: PooledPredictor;
  /**
   * Classifies one clip: a file path (WAV, AIFF or FLAC) or samples in memory.
   *
   * @throws an error naming the file when it cannot be read or decoded
   */
  predict(input: string | SamplesInput): Promise<Prediction>;
  /**
   * Classifies many files: a list of paths, one file, or a folder (searched recursively for
   * audio files: see `AUDIO_EXTENSIONS`). Unreadable files are collected in `failures`.
   */
  predictBatch(input: string | readonly string[], options?: BatchOptions): Promise<BatchResult>;
  /**
   * The emotion timeline of a recording of any length: decode -> mono -> resample once to the
   * model's rate (`TIMELINE_RESAMPLE_QUALITY` of the model's kind) -> windows of the clip length every `hopSeconds` (default 1 s) -> skip windows
   * without speech -> classify the rest in batches with {@link Predictor.windowClassifier}.
   * Recordings shorter than a window or without speech are flagged (`summary.status`).
   *
   * @throws an error naming the file when it cannot be read or decoded
   */
  predictTimeline(
    input: string | SamplesInput,
    options?: PredictTimelineOptions,
  ): Promise<Timeline & { path: string }>;
  /** The per-window classifier the timeline uses (samples at `settings.sampleRate`). */
  readonly windowClassifier: WindowClassifier;
  /** Frees the model's tensors; the predictor cannot be used afterwards. */
  dispose(): void;
}

/**
 * The model gave NaN or infinite outputs for finite inputs: its weights are damaged or its
 * training diverged. Never a per-file failure: every answer of such a model is suspect.
 */
export class ModelOutputError extends Error {
  constructor(readonly modelName: string, message: string) {
    super(`model "${modelName}": ${message}`);
    this.name = "ModelOutputError";
  }
}

/** Index of the first value that is NaN or infinite, or -1. */
function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Everything {@link createPredictor} needs (what `loadPredictor` reads from disk). */
export interface PredictorParts {
  model: tf.LayersModel;
  modelName: string;
  classes: readonly string[];
  settings: FeatureSettings;
  scaler: StandardScaler;
  /**
   * The per-window classifier of timelines; default: {@link sequenceWindowClassifier} over
   * `model` (a model kind with its own features passes its own).
   */
  windowClassifier?: WindowClassifier;
  /**
   * Workers that featurise long recordings' windows in parallel (0: on the calling thread).
   * Default: every core on machines with 4 or more, else cores - 1 (the calling thread runs the
   * model meanwhile): on the 2-core machine, quiet (load average ~1), one worker took a 10-minute
   * 44.1 kHz file from 10.3–11.0 s to 8.5–9.2 s; while other jobs kept it busy a worker was
   * slower (9.0 -> 10.5 s in an earlier session), so pass 0 there.
   * Pooled models (`loadPredictor`'s `featureWorkers`) default to cores - 1 workers with the
   * calling thread computing a share of each batch too (see `FunctionalsPool`): on 2 cores one
   * worker, which keeps both busy without a third thread competing for them.
   */
  featureWorkers?: number;
}

/** Options of {@link loadPredictor}. */
export interface LoadPredictorOptions {
  /** Model name from the manifest (default: its `bestModel`). */
  model?: string;
  /** See {@link PredictorParts.featureWorkers}. */
  featureWorkers?: number;
  /**
   * Pooled models: learn the speaker's statistics from every clip predicted (default false:
   * the training speakers' prior, plus whatever `predictor.pooled.enrol` was given).
   */
  adaptSpeaker?: boolean;
}

function defaultFeatureWorkers(): number {
  const cores = navigator.hardwareConcurrency ?? 1;
  return cores >= 4 ? cores : Math.max(0, cores - 1);
}

/**
 * Loads the label encoder, the manifest and one model from the promoted model set of a models
 * folder, after verifying every file's checksum (see `openPromotedModelSet`).
 *
 * @param modelsDir the folder the training step saved into (e.g. `models`), or a sealed set
 * @param options `model`: which saved model (default the manifest's `bestModel`)
 * @throws ModelSetError naming a missing, changed or unlisted file of the set; ArtifactError
 *   when an artifact is malformed, or the model's input shape does not match the saved feature
 *   settings
 * @example
 * ```ts
 * const predictor = await loadPredictor("models", { model: "gru" });
 * console.log((await predictor.predict("clip.wav")).displayName);
 * ```
 */
export async function loadPredictor(
  modelsDir: string,
  options: LoadPredictorOptions = {},
): Promise<Predictor> {
  try {
    if (!(await Deno.stat(modelsDir)).isDirectory) {
      throw new ArtifactError(modelsDir, "the models folder is not a folder");
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ArtifactError(modelsDir, "models folder not found; no model has been trained yet");
    }
    throw error;
  }
  const setDir = await openPromotedModelSet(modelsDir);
  const { classes } = await loadLabelEncoder(setDir);
  const manifest = await loadModelsManifest(setDir);
  const modelName = options.model ?? manifest.bestModel;
  const entry = manifest.models[modelName];
  if (!entry) {
    throw new Error(
      `${join(setDir, "config.json")}: no model named "${modelName}" ` +
        `(saved models: ${Object.keys(manifest.models).join(", ")})`,
    );
  }
  const modelDir = join(setDir, entry.dir);
  if (await isPooledModelDir(modelDir)) {
    let artifact;
    try {
      artifact = await loadPooledModel(modelDir);
    } catch (error) {
      throw new ArtifactError(modelDir, `model "${modelName}": ${(error as Error).message}`);
    }
    if (artifact.model.classes.join(",") !== classes.join(",")) {
      throw new ArtifactError(
        modelDir,
        `model "${modelName}" has classes ${artifact.model.classes.join(", ")} but the label ` +
          `encoder lists ${classes.join(", ")}`,
      );
    }
    let pooled;
    try {
      pooled = createPooledPredictor(artifact, modelName, { adapt: options.adaptSpeaker });
    } catch (error) {
      throw new ArtifactError(modelDir, (error as Error).message);
    }
    return pooledModelPredictor(
      pooled,
      manifest.features,
      options.featureWorkers ?? Math.max(0, (navigator.hardwareConcurrency ?? 1) - 1),
    );
  }
  let model: tf.LayersModel;
  try {
    model = await loadModel(modelDir);
  } catch (error) {
    throw new ArtifactError(modelDir, `model "${modelName}": ${(error as Error).message}`);
  }
  // Damaged weights would answer "angry NaN%" (or a confident wrong class): refuse them here.
  const damaged = model.getWeights().filter((weight) => firstNonFinite(weight.dataSync()) >= 0);
  if (damaged.length > 0) {
    model.dispose();
    throw new ArtifactError(
      modelDir,
      `model "${modelName}": ${damaged.length} weight tensor(s) hold NaN or infinite values ` +
        "(the weights file is damaged)",
    );
  }
  try {
    return createPredictor({
      model,
      modelName,
      classes,
      settings: manifest.features,
      scaler: manifest.scaler,
      featureWorkers: options.featureWorkers,
    });
  } catch (error) {
    model.dispose();
    throw new ArtifactError(modelDir, (error as Error).message);
  }
}

/**
 * Wraps an in-memory model with its feature settings, scaler and classes (e.g. right after
 * training, before anything is saved).
 *
 * @param parts the model and what it was trained with
 * @throws an error when the model's input shape is not `frames x width` of the settings, its
 *   output is not one unit per class, or the scaler's width differs
 * @example
 * ```ts
 * async function example(parts: PredictorParts) { // a loaded model, its settings, scaler, classes
 *   const { model, classes, settings, scaler } = parts;
 *   const predictor = createPredictor({ model, modelName: "gru", classes, settings, scaler });
 * }
 * ```
 */
export function createPredictor(parts: PredictorParts): Predictor {
  const { model, modelName, settings, scaler } = parts;
  const classes = [...parts.classes];
  const frames = framesPerClip(settings);
  const width = featureColumns(settings).length;
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 3 || inputShape[1] !== frames || inputShape[2] !== width) {
    throw new Error(
      `model "${modelName}" expects input [batch, ${inputShape.slice(1).join(", ")}] but the ` +
        `saved feature settings give ${frames} frames x ${width} features per clip ` +
        `(${settings.features.join("+")}, ${settings.duration} s at ${settings.sampleRate} Hz, ` +
        `hop ${settings.hopLength}); the model and config.json come from different runs`,
    );
  }
  const outputShape = model.outputs[0].shape;
  const outputs = outputShape[outputShape.length - 1];
  if (outputs !== classes.length) {
    throw new Error(
      `model "${modelName}" has ${outputs} outputs but the label encoder lists ` +
        `${classes.length} classes (${classes.join(", ")})`,
    );
  }
  if (scaler.mean.length !== width || scaler.std.length !== width) {
    throw new Error(
      `the scaler has ${scaler.mean.length} columns but the feature settings give ${width}`,
    );
  }
  let disposed = false;
  const checkAlive = () => {
    if (disposed) throw new Error(`predictor "${modelName}" was disposed`);
  };

  /** Standardised `frames x width` features of one input, exactly as in training. */
  const featuresOf = async (input: string | SamplesInput): Promise<Float32Array> => {
    let clip;
    if (typeof input === "string") {
      clip = await featuresForFile(input, settings);
    } else {
      // Samples go through a float WAV so they take the very same decode -> mono -> resample
      // -> trim/pad -> features path as files (float32 WAV round-trips bit-exactly).
      const name = input.name ?? "<samples>";
      if (!Number.isInteger(input.sampleRate) || input.sampleRate <= 0) {
        throw new RangeError(
          `${name}: sample rate must be a positive whole number of Hz, got ${input.sampleRate}`,
        );
      }
      const bytes = encodeWav(input.samples, input.sampleRate, {
        encoding: "float",
        bitsPerSample: 32,
      });
      clip = await featuresFromBytes(bytes, name, settings);
    }
    if (clip.frames !== frames || clip.width !== width) {
      throw new Error(
        `${typeof input === "string" ? input : input.name ?? "<samples>"}: features are ` +
          `${clip.frames} x ${clip.width}, the model needs ${frames} x ${width}`,
      );
    }
    const scaled = applyStandardScaler(scaler, clip.data);
    // Non-finite features are the input's fault (NaN samples in a float WAV), not the model's.
    if (firstNonFinite(scaled) >= 0) {
      throw new Error(
        `${typeof input === "string" ? input : input.name ?? "<samples>"}: features hold NaN ` +
          "or infinite values (the audio holds NaN/Inf samples?)",
      );
    }
    return scaled;
  };

  const toPrediction = (row: ArrayLike<number>, path?: string): Prediction => {
    const [best] = argmaxRows(row, classes.length);
    const probabilities: Record<string, number> = {};
    classes.forEach((name, index) => (probabilities[name] = row[index]));
    const emotion = classes[best];
    return {
      emotion,
      displayName: displayNameOf(emotion),
      confidence: row[best],
      probabilities,
      ...(path === undefined ? {} : { path }),
    };
  };

  /** Probabilities of `count` clips; NaN/Inf outputs of finite features are a model fault. */
  const predictRows = async (
    features: Float32Array,
    count: number,
    names: readonly string[],
    batchSize?: number,
  ) => {
    const { values } = await predictProbabilities(
      model,
      { values: features, shape: [count, frames, width] },
      batchSize,
    );
    const bad = firstNonFinite(values);
    if (bad >= 0) {
      throw new ModelOutputError(
        modelName,
        `output ${values[bad]} for ${names[Math.floor(bad / classes.length)]}: the model's ` +
          "weights are damaged or its training diverged; retrain it or restore a good copy",
      );
    }
    return values;
  };

  // Many windows (a long recording) are featurised on all cores; a few inline, sparing the
  // workers' start-up (~0.3 s).
  const workers = parts.featureWorkers ?? defaultFeatureWorkers();
  let pool: WindowFeaturePool | undefined;
  const windowClassifier = parts.windowClassifier ??
    sequenceWindowClassifier({
      model,
      settings,
      scaler,
      classes,
      features: (windows) => {
        if (windows.length < 8 || workers === 0 || typeof Worker === "undefined") {
          return Promise.resolve(windowFeatures(windows, settings, scaler));
        }
        pool ??= new WindowFeaturePool(settings, scaler, workers);
        return pool.features(windows);
      },
    });

  /** Mono samples at the model's rate, resampled once for the whole recording. */
  const recordingOf = (input: string | SamplesInput) =>
    readRecording(input, settings.sampleRate, TIMELINE_RESAMPLE_QUALITY.sequence);

  return {
    kind: "sequence",
    modelName,
    classes,
    settings,
    model,
    windowClassifier,
    async predictTimeline(input, options = {}) {
      checkAlive();
      const { name, samples } = await recordingOf(input);
      const timeline = await predictTimelineWith(
        samples,
        settings.sampleRate,
        windowClassifier,
        options,
      );
      return { ...timeline, path: name };
    },
    async predict(input) {
      checkAlive();
      const features = await featuresOf(input);
      const name = typeof input === "string" ? input : input.name;
      const row = await predictRows(features, 1, [name ?? "<samples>"]);
      return toPrediction(row, name);
    },
    async predictBatch(input, options = {}) {
      checkAlive();
      const paths = await resolveInputs(input);
      const batchSize = options.batchSize ?? 64;
      const progress = options.progress ?? true;
      const bar = new ProgressBar("predict", paths.length, {
        ...(typeof progress === "object" ? progress : {}),
        silent: progress === false || (typeof progress === "object" && progress.silent),
      });
      const failures: FailedFile[] = [];
      const done: { path: string; probabilities: Float32Array }[] = [];
      // Features are computed a chunk at a time so a large folder never holds all of them.
      for (let start = 0; start < paths.length; start += batchSize) {
        const chunk = paths.slice(start, start + batchSize);
        const ok: string[] = [];
        const buffer = new Float32Array(chunk.length * frames * width);
        for (const path of chunk) {
          try {
            buffer.set(await featuresOf(path), ok.length * frames * width);
            ok.push(path);
          } catch (error) {
            failures.push({ path, problem: problemText(error, path) });
          }
          bar.tick();
        }
        if (ok.length === 0) continue;
        const rows = await predictRows(
          buffer.subarray(0, ok.length * frames * width),
          ok.length,
          ok,
        );
        ok.forEach((path, i) => {
          done.push({
            path,
            probabilities: rows.slice(i * classes.length, (i + 1) * classes.length),
          });
        });
      }
      bar.finish(failures.length ? `${failures.length} failed` : undefined);
      return {
        table: predictionTable(done.map((d) => toPrediction(d.probabilities, d.path)), classes),
        failures,
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pool?.dispose();
      model.dispose();
    },
  };
}

/**
 * Predictions as a table: `path`, `emotion`, `confidence`, then `prob_<class>` per class.
 *
 * @param predictions predictions with `path` set
 * @param classes class names, in the column order wanted
 * @example
 * ```ts
 * const predictor = await loadPredictor("models");
 * predictionTable([await predictor.predict("a.wav")], predictor.classes).writeCSV("out.csv");
 * ```
 */
export function predictionTable(
  predictions: readonly Prediction[],
  classes: readonly string[],
): pl.DataFrame {
  return pl.DataFrame([
    pl.Series("path", predictions.map((p) => p.path ?? ""), pl.Utf8),
    pl.Series("emotion", predictions.map((p) => p.emotion), pl.Utf8),
    pl.Series("confidence", predictions.map((p) => p.confidence), pl.Float64),
    ...classes.map((name) =>
      pl.Series(`prob_${name}`, predictions.map((p) => p.probabilities[name]), pl.Float64)
    ),
  ]);
}

/**
 * A pooled model behind the {@link Predictor} interface: clips are classified from their
 * functionals (whole recording), timelines window by window (`settings.duration` seconds).
 */
/** The pooled artifact with the model adapted to the enrolled voice, when there is one. */
function adaptedArtifact(pooled: PooledPredictor): PooledPredictor["artifact"] {
  const adapted = pooled.voiceAdaptation()?.model;
  return adapted ? { ...pooled.artifact, model: adapted } : pooled.artifact;
}

function pooledModelPredictor(
  pooled: PooledPredictor,
  settings: FeatureSettings,
  workers: number,
): Predictor {
  const classes = [...pooled.classes];
  // Many windows (a long recording) have their functionals computed on all cores; a few
  // inline, sparing the workers' start-up.
  let pool: FunctionalsPool | undefined;
  const functionalsBatch = (windows: readonly Float32Array[], sampleRate: number) => {
    if (windows.length < 8 || workers === 0 || typeof Worker === "undefined") {
      return Promise.resolve(
        runFunctionals(windowRuns(windows), pooled.artifact.settings, sampleRate),
      );
    }
    pool ??= new FunctionalsPool(pooled.artifact.settings, workers, { inlineShare: true });
    return pool.functionals(windows, sampleRate);
  };
  const toPrediction = (
    result: { emotion: string; confidence: number; probabilities: Record<string, number> },
    path?: string,
  ): Prediction => ({
    emotion: result.emotion,
    displayName: displayNameOf(result.emotion),
    confidence: result.confidence,
    probabilities: result.probabilities,
    ...(path === undefined ? {} : { path }),
  });
  const classifyRaw = (raw: Float32Array) => {
    const result = pooled.predictFunctionals(raw);
    return classes.map((name) => result.probabilities[name]);
  };
  const windowClassifier: WindowClassifier = {
    classes,
    windowSeconds: settings.duration,
    frameHop: pooledFrameHop(pooled.artifact.settings),
    predict(samples, sampleRate) {
      const vector = utteranceFeatures(samples, { ...pooled.artifact.settings, sampleRate });
      return classifyRaw(vector.values);
    },
    ...orderedPooledBatches(functionalsBatch, classifyRaw, pooled.artifact.names.length),
  };
  return {
    kind: "pooled",
    modelName: pooled.modelName,
    classes,
    settings,
    pooled,
    windowClassifier,
    async predict(input) {
      const name = typeof input === "string" ? input : input.name;
      return toPrediction(await pooled.predict(input), name);
    },
    async predictBatch(input, options = {}) {
      const paths = await resolveInputs(input);
      const progress = options.progress ?? true;
      const bar = new ProgressBar("predict", paths.length, {
        ...(typeof progress === "object" ? progress : {}),
        silent: progress === false || (typeof progress === "object" && progress.silent),
      });
      const failures: FailedFile[] = [];
      const done: Prediction[] = [];
      for (const path of paths) {
        try {
          done.push(toPrediction(await pooled.predict(path), path));
        } catch (error) {
          failures.push({ path, problem: problemText(error, path) });
        }
        bar.tick();
      }
      bar.finish(failures.length ? `${failures.length} failed` : undefined);
      return { table: predictionTable(done, classes), failures };
    },
    async predictTimeline(input, options = {}) {
      const { name, samples } = await readRecording(
        input,
        settings.sampleRate,
        TIMELINE_RESAMPLE_QUALITY.pooled,
      );
      const classifier = options.adaptSpeaker
        ? pooledWindowClassifier(adaptedArtifact(pooled), {
          windowSeconds: settings.duration,
          normalizer: pooled.speakerNormalizer(),
          adapt: true,
          functionalsBatch,
        })
        : windowClassifier;
      const timeline = await predictTimelineWith(
        samples,
        settings.sampleRate,
        classifier,
        options,
      );
      return { ...timeline, path: name };
    },
    dispose() {
      pool?.dispose();
      pool = undefined;
    },
  };
}

/**
 * A whole recording as mono samples at `targetRate` (resampled once): a file (decoded; errors name
 * it) or samples in memory.
 */
async function readRecording(
  input: string | SamplesInput,
  targetRate: number,
  quality: ResampleQuality,
): Promise<{ name: string; samples: Float32Array }> {
  const name = typeof input === "string" ? input : input.name ?? "<samples>";
  let channels: Float32Array[];
  let sampleRate: number;
  if (typeof input === "string") {
    const bytes = await readAudioFile(input);
    const decoded = await decodeAudio(bytes, input);
    channels = decoded.channels;
    sampleRate = decoded.sampleRate;
  } else {
    channels = Array.isArray(input.samples) ? input.samples : [input.samples];
    sampleRate = input.sampleRate;
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
      throw new RangeError(
        `${name}: sample rate must be a positive whole number of Hz, got ${sampleRate}`,
      );
    }
  }
  return {
    name,
    // Long recordings on all cores (pieces bit-identical to one pass; short ones in one pass).
    samples: await resampleParallel(mixToMono(channels), sampleRate, targetRate, { quality }),
  };
}

function displayNameOf(emotion: string): string {
  return (EMOTION_DISPLAY_NAMES as Readonly<Record<string, string>>)[emotion] ?? emotion;
}

/** Paths to classify: a list as given, one file, or a folder's audio files (recursive). */
async function resolveInputs(input: string | readonly string[]): Promise<string[]> {
  if (typeof input !== "string") return [...input];
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(input);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`${input}: no such file or folder`);
    throw new Error(`${input}: cannot read (${(error as Error).name})`);
  }
  if (!info.isDirectory) return [input];
  const files = await listAudioFiles(input);
  if (files.length === 0) {
    throw new Error(`${input}: no audio files (${AUDIO_EXTENSIONS.join(", ")}) in this folder`);
  }
  return files.map((file) => join(input, file));
}
