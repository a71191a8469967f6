/**
 * Where extraction time goes: runs each stage of the feature pipeline separately over a few
 * files in this thread and sums the wall time of each (read, decode, resample, STFT, mel, MFCC,
 * chroma tuning, chroma, contrast, ZCR), next to the one-call `extractFeatures`.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const paths = ["a.wav", "b.flac"];
 * const profile = await profileStages(paths.slice(0, 50), loadConfig());
 * for (const stage of profile.stages) console.log(stage.name, stage.msPerFile.toFixed(2));
 * ```
 * @module
 */
import { decodeAudio, fitToLength, mixToMono, resample } from "../../lib/audio/mod.ts";
import {
  chromaStft,
  estimateTuning,
  extractFeatures,
  type FeatureSettings,
  melSpectrogram,
  mfcc,
  spectralContrast,
  stft,
  zeroCrossingRate,
} from "../../lib/features/mod.ts";

/** Time spent in one stage over all profiled files. */
export interface StageTiming {
  /** e.g. `decode`, `resample kaiser_best`, `stft`. */
  name: string;
  /** Total milliseconds over all files. */
  totalMs: number;
  /** Milliseconds per file. */
  msPerFile: number;
  /** Share of the sum of the pipeline's stages (informational stages excluded), in [0, 1]. */
  share: number;
  /** True for stages that are not part of the default pipeline (shown for comparison). */
  informational: boolean;
}

/** Result of {@link profileStages}. */
export interface StageProfile {
  files: number;
  stages: StageTiming[];
  /** Milliseconds per file of `extractFeatures` alone (STFT and every feature, one call). */
  extractFeaturesMsPerFile: number;
}

/**
 * Times every stage of the feature pipeline separately, in this thread, after one warm-up file
 * (so JIT compilation and filter-bank construction are not counted).
 *
 * @param paths audio files to profile (a few dozen are enough)
 * @param settings feature settings (a full `Config` works)
 * @returns per-stage totals and shares, slowest first
 * @throws Error naming the file when one cannot be decoded
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const { stages } = await profileStages(["a.wav", "b.flac"], loadConfig());
 * ```
 */
export async function profileStages(
  paths: readonly string[],
  settings: FeatureSettings,
): Promise<StageProfile> {
  if (paths.length === 0) throw new RangeError("profileStages: no files given");
  const totals = new Map<string, number>();
  const informational = new Set<string>(["resample kaiser_fast", "extractFeatures (all)"]);
  const time = async <T>(name: string, work: () => T | Promise<T>, record: boolean) => {
    const start = performance.now();
    const value = await work();
    if (record) totals.set(name, (totals.get(name) ?? 0) + performance.now() - start);
    return value;
  };
  const length = Math.round(settings.duration * settings.sampleRate);
  const framing = { frameLength: settings.nFft, hopLength: settings.hopLength };
  const runOne = async (path: string, record: boolean) => {
    const bytes = await time("read file", () => Deno.readFile(path), record);
    const decoded = await time("decode", () => decodeAudio(bytes, path), record);
    const mono = await time("mix to mono", () => mixToMono(decoded.channels), record);
    const input = mono.subarray(0, Math.floor(settings.duration * decoded.sampleRate));
    const resampled = await time(
      "resample kaiser_best",
      () => resample(input, decoded.sampleRate, settings.sampleRate, { quality: "kaiser_best" }),
      record,
    );
    await time(
      "resample kaiser_fast",
      () => resample(input, decoded.sampleRate, settings.sampleRate, { quality: "kaiser_fast" }),
      record,
    );
    const samples = fitToLength(resampled, length);
    const spec = await time("stft", () => stft(samples, settings), record);
    const mel = await time("mel", () => melSpectrogram(spec, settings.nMels), record);
    await time("mfcc (dB + DCT)", () => mfcc(mel, settings.nMfcc), record);
    const tuning = await time("chroma tuning", () => estimateTuning(spec), record);
    await time("chroma", () => chromaStft(spec, { tuning }), record);
    await time("contrast", () => spectralContrast(spec), record);
    await time("zcr", () => zeroCrossingRate(samples, framing), record);
    await time("extractFeatures (all)", () => extractFeatures(samples, settings), record);
  };
  await runOne(paths[0], false);
  for (const path of paths) await runOne(path, true);

  const pipelineMs = [...totals].filter(([name]) => !informational.has(name))
    .reduce((sum, [, ms]) => sum + ms, 0);
  const stages = [...totals].map(([name, totalMs]) => ({
    name,
    totalMs,
    msPerFile: totalMs / paths.length,
    share: informational.has(name) ? 0 : totalMs / pipelineMs,
    informational: informational.has(name),
  })).sort((a, b) => b.totalMs - a.totalMs);
  return {
    files: paths.length,
    stages,
    extractFeaturesMsPerFile: (totals.get("extractFeatures (all)") ?? 0) / paths.length,
  };
}
