/**
 * Inference benchmarks: a long recording (10 minutes by default, 44.1 kHz) through
 * `predictTimeline` — what `deno task predict long.wav` does after loading the model — with the
 * time of each stage (decode, resample, windows), for any model kind; and a stand-in model set
 * (a sequence model of the configured architecture and a pooled `ensemble`, each trained for a
 * moment on synthesized voices) for machines that have not trained one: inference time depends
 * on the architecture and feature settings, not on how well the weights were trained.
 *
 * @example
 * ```ts
 * import { longRecordingBenchmark } from "./inference.ts";
 * const result = await longRecordingBenchmark({ modelsDir: "models", seconds: 600 });
 * console.log(`${result.model}: ${result.wallSeconds.toFixed(1)} s for 10 minutes`);
 * ```
 * @module
 */
import { join } from "node:path";
import { decodeAudio, encodeWav, mixToMono, resampleParallel } from "../../lib/audio/mod.ts";
import {
  applyStandardScaler,
  extractFeatures,
  featureColumns,
  type FeatureSettings,
  fitStandardScaler,
  speakerPrior,
  speakerStandardize,
  utteranceFeatures,
} from "../../lib/features/mod.ts";
import {
  loadPredictor,
  saveLabelEncoder,
  saveModelsManifest,
  TIMELINE_RESAMPLE_QUALITY,
} from "../../lib/inference/mod.ts";
import {
  buildModel,
  compileModel,
  ensemblePooledSpec,
  fitPooled,
  type ModelSpec,
  promoteRun,
  saveModel,
  savePooledModel,
  startRun,
} from "../../lib/models/mod.ts";
import { fit } from "../../lib/trainer/mod.ts";
import { processCpuSeconds } from "./cpu.ts";

/** The 7 classes of the stand-in set. */
const CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];

/** Options of {@link longRecordingBenchmark}. */
export interface LongRecordingOptions {
  /** The models folder (a promoted set). */
  modelsDir: string;
  /** Model name (default: the set's best). */
  model?: string;
  /** Length of the recording in seconds (default 600). */
  seconds?: number;
  /** Its sample rate in Hz (default 44100: a phone or laptop recording). */
  sampleRate?: number;
  /** Timeline hop in seconds (default: `predictTimeline`'s, 1 s). */
  hopSeconds?: number;
  /** Feature workers of the predictor (default: `loadPredictor`'s choice for the kind). */
  featureWorkers?: number;
  /** Also time the other resampy filter on the recording, for comparison (default true). */
  compareResamplers?: boolean;
}

/** What {@link longRecordingBenchmark} measured (seconds are wall-clock unless named CPU). */
export interface LongRecordingResult {
  model: string;
  kind: "sequence" | "pooled";
  seconds: number;
  sampleRate: number;
  windows: number;
  voicedWindows: number;
  /** `predictTimeline(path)`: read, decode, resample, windows (model already loaded). */
  wallSeconds: number;
  /** CPU seconds of the same (all threads). */
  cpuSeconds?: number;
  /** Audio seconds per wall second. */
  realTimeFactor: number;
  /** Stages, timed separately on the same file. */
  stages: {
    decodeSeconds: number;
    /** The timelines' resampler for the kind (`TIMELINE_RESAMPLE_QUALITY`). */
    resampleSeconds: number;
    resampleQuality: string;
    /** The other resampy filter on the same samples, when measured. */
    otherQuality?: string;
    otherSeconds?: number;
    /** The rest: voice activity, features, model. */
    windowsSeconds: number;
  };
}

/** A speech-like voice: harmonics of `f0` at 1/k with a syllable envelope, plus faint noise. */
function voice(f0: number, seconds: number, rate: number, seed: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  let state = seed >>> 0 || 1;
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const f = f0 * (1 + 0.05 * Math.sin(2 * Math.PI * 0.7 * t + seed));
    phase += (2 * Math.PI * f) / rate;
    let x = 0;
    for (let k = 1; k <= 8; k++) x += Math.sin(k * phase) / k;
    const syllables = 0.5 * (1 - Math.cos(2 * Math.PI * 3 * t));
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = 0.15 * (0.2 + 0.8 * syllables) * x + 0.002 * (state / 2 ** 32 - 0.5);
  }
  return out;
}

/** `seconds` of talk: voices of 4-9 s separated by 1-3 s of faint noise, tiled from 60 s. */
function talk(seconds: number, rate: number): Float32Array {
  const pattern: Float32Array[] = [];
  let length = 0;
  for (let k = 0; length < 60 * rate; k++) {
    const part = k % 2 === 0
      ? voice([110, 180, 240, 150][(k >> 1) % 4], 4 + ((k * 7) % 6), rate, k)
      : voice(100, 1 + (k % 3), rate, k).map((x) => 0.01 * x);
    pattern.push(part);
    length += part.length;
  }
  const tile = new Float32Array(length);
  pattern.reduce((offset, part) => (tile.set(part, offset), offset + part.length), 0);
  const out = new Float32Array(Math.round(seconds * rate));
  for (let offset = 0; offset < out.length; offset += tile.length) {
    out.set(tile.subarray(0, Math.min(tile.length, out.length - offset)), offset);
  }
  return out;
}

/**
 * Times a long synthesized recording (speech with pauses) through `predictTimeline`, plus its
 * stages on their own.
 *
 * @param options models folder, model, length, rate, hop
 * @throws when the models folder holds no usable set
 */
export async function longRecordingBenchmark(
  options: LongRecordingOptions,
): Promise<LongRecordingResult> {
  const seconds = options.seconds ?? 600;
  const rate = options.sampleRate ?? 44100;
  const predictor = await loadPredictor(options.modelsDir, {
    model: options.model,
    featureWorkers: options.featureWorkers,
  });
  const dir = await Deno.makeTempDir({ prefix: "ser_long_bench_" });
  try {
    const path = join(dir, `talk_${seconds}s_${rate}.wav`);
    await Deno.writeFile(path, encodeWav(talk(seconds, rate), rate, { bitsPerSample: 16 }));
    // Warm-up on a short clip: JIT and the model's first call are not part of the file's cost.
    await predictor.predictTimeline({
      samples: talk(predictor.settings.duration + 1, rate),
      sampleRate: rate,
    });
    const cpuBefore = processCpuSeconds();
    const started = performance.now();
    const timeline = await predictor.predictTimeline(path, { hopSeconds: options.hopSeconds });
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuAfter = processCpuSeconds();

    let t = performance.now();
    const bytes = await Deno.readFile(path);
    const mono = mixToMono((await decodeAudio(bytes, path)).channels);
    const decodeSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const target = predictor.settings.sampleRate;
    const quality = TIMELINE_RESAMPLE_QUALITY[predictor.kind];
    // What timelines run: the recording split over all cores (bit-identical to one pass).
    await resampleParallel(mono, rate, target, { quality });
    const resampleSeconds = (performance.now() - t) / 1000;
    const otherQuality = quality === "kaiser_best" ? "kaiser_fast" : "kaiser_best";
    let otherSeconds: number | undefined;
    if (options.compareResamplers ?? true) {
      t = performance.now();
      await resampleParallel(mono, rate, target, { quality: otherQuality });
      otherSeconds = (performance.now() - t) / 1000;
    }
    return {
      model: predictor.modelName,
      kind: predictor.kind,
      seconds,
      sampleRate: rate,
      windows: timeline.windows.length,
      voicedWindows: timeline.summary.voicedWindows,
      wallSeconds,
      ...(cpuBefore !== undefined && cpuAfter !== undefined
        ? { cpuSeconds: cpuAfter - cpuBefore }
        : {}),
      realTimeFactor: seconds / wallSeconds,
      stages: {
        decodeSeconds,
        resampleSeconds,
        resampleQuality: quality,
        ...(otherSeconds === undefined ? {} : { otherQuality, otherSeconds }),
        windowsSeconds: Math.max(0, wallSeconds - decodeSeconds - resampleSeconds),
      },
    };
  } finally {
    predictor.dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Options of {@link makeStandInModelSet}. */
export interface StandInOptions {
  /** Feature settings of the sequence model (the project's configured ones). */
  settings: FeatureSettings;
  /** Architecture of the sequence model (e.g. `gruSpec(config)`). */
  spec: ModelSpec;
}

/**
 * Writes and promotes a model set in `modelsDir` holding a sequence model of `spec` (named
 * after it) and a pooled `ensemble` (the best), each trained briefly on 14 synthesized clips
 * (2 voices x 7 classes): for timing inference where nothing has been trained. Its accuracy
 * means nothing.
 *
 * @returns the names of the sequence and the pooled model
 */
export async function makeStandInModelSet(
  modelsDir: string,
  options: StandInOptions,
): Promise<{ sequence: string; pooled: string }> {
  const { settings, spec } = options;
  const rate = settings.sampleRate;
  const clips: Float32Array[] = [];
  const labels: number[] = [];
  const speakers: string[] = [];
  for (let speaker = 0; speaker < 2; speaker++) {
    CLASSES.forEach((_, label) => {
      const clip = new Float32Array(Math.round(settings.duration * rate));
      const f0 = (100 + 25 * label) * (1 + 0.4 * speaker);
      clip.set(voice(f0, settings.duration * 0.8, rate, 10 * speaker + label), 0);
      clips.push(clip);
      labels.push(label);
      speakers.push(`voice${speaker}`);
    });
  }
  const run = await startRun(modelsDir);
  // Sequence model: one short training run.
  const matrices = clips.map((clip) => extractFeatures(clip, settings));
  const { frames, width } = matrices[0];
  const data = new Float32Array(clips.length * frames * width);
  matrices.forEach((m, i) => data.set(m.data, i * frames * width));
  const columns = featureColumns(settings);
  const scaler = fitStandardScaler({ data, frames, width, columns, paths: labels.map(String) });
  const model = compileModel(
    buildModel(spec, { frames, features: width, classes: CLASSES.length, seed: 1 }),
  );
  await fit(model, {
    xTrain: { values: applyStandardScaler(scaler, data), shape: [clips.length, frames, width] },
    yTrain: { values: labels, shape: [labels.length] },
  }, { epochs: 1, batchSize: 14, seed: 1 });
  await saveModel(model, join(run.dir, `${spec.name}_best`), { labels: CLASSES });
  model.dispose();
  // Pooled model on the same clips.
  const utteranceSettings = { sampleRate: rate };
  const vectors = clips.map((clip) => utteranceFeatures(clip, utteranceSettings));
  const d = vectors[0].values.length;
  const raw = new Float32Array(clips.length * d);
  vectors.forEach((v, i) => raw.set(v.values, i * d));
  const normalised = speakerStandardize(raw, d, speakers);
  const pooled = fitPooled(
    ensemblePooledSpec(),
    clips.map((_, i) => normalised.subarray(i * d, (i + 1) * d)),
    labels,
    CLASSES,
    vectors[0].names,
  );
  await savePooledModel(join(run.dir, "ensemble_best"), {
    model: pooled,
    settings: utteranceSettings,
    names: vectors[0].names,
    prior: speakerPrior(raw, d, speakers),
  });
  await saveLabelEncoder(run.dir, CLASSES);
  await saveModelsManifest(run.dir, {
    features: settings,
    scaler,
    models: {
      [spec.name]: { dir: `${spec.name}_best`, kind: "sequence" },
      ensemble: { dir: "ensemble_best", kind: "pooled" },
    },
    bestModel: "ensemble",
  });
  await promoteRun(modelsDir, run.id);
  return { sequence: spec.name, pooled: "ensemble" };
}
