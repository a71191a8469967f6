/**
 * The inference part of `deno task bench` (section (d)): for the sequence model and the pooled
 * model of the models folder's promoted set — or, where the set lacks one of them, a stand-in
 * of the configured architecture trained for a moment in a temp dir (timing only; the report
 * says so) — it measures
 *
 * - a 10-minute 44.1 kHz recording through `predictTimeline` (what `deno task predict` runs),
 *   with its stages (decode, resample, windows);
 * - `deno task predict <3 s clip>` from a cold process start (a new Deno process: start-up,
 *   module loading, backend, model loading, one prediction);
 * - the live page's latency in headless Chromium (`liveLatencyBenchmark`), when Chromium is
 *   installed.
 *
 * Kept short: one run of each (about a minute per model kind on 2 cores).
 * @module
 */
import { join } from "node:path";
import { type Config, loadConfig, PROJECT_ROOT, projectPath } from "../config.ts";
import { encodeWav } from "../lib/audio/mod.ts";
import { longRecordingBenchmark, type LongRecordingResult } from "./bench/inference.ts";
import { makeStandInModelSet } from "./bench/inference.ts";
import { runDeno } from "./bench/process.ts";
import { featureSettings } from "../lib/features/mod.ts";
import { loadModelsManifest, openPromotedModelSet } from "../lib/inference/mod.ts";
import { liveLatencyBenchmark, type LiveLatencyResult } from "../lib/live/mod.ts";
import { gruSpec } from "../lib/models/mod.ts";
import { findChromium } from "../lib/visualizer/mod.ts";
import { initBackend } from "../lib/models/mod.ts";

/** Options of {@link benchInference}. */
export interface InferenceBenchOptions {
  /** The models folder (default: the config's). */
  modelsDir?: string;
  /** Length of the long recording in seconds (default 600). */
  longSeconds?: number;
  /** Skip the live page's latency (default false). */
  skipLive?: boolean;
}

/** One model's measurements. */
export interface InferenceBenchModel {
  kind: "sequence" | "pooled";
  model: string;
  /** Where the model came from: the models folder, or a stand-in trained for the timing. */
  source: string;
  standIn: boolean;
  longRecording?: LongRecordingResult;
  /** Wall seconds of `deno task predict <3 s clip>` in a new process. */
  coldPredictSeconds?: number;
  live?: LiveLatencyResult | { skipped: string };
  errors: string[];
}

/** A 3 s clip for the cold-start prediction: a harmonic voice at 44.1 kHz. */
function clip(): Uint8Array {
  const rate = 44100;
  const samples = new Float32Array(3 * rate);
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    let x = 0;
    for (let k = 1; k <= 8; k++) x += Math.sin(2 * Math.PI * 160 * k * t) / k;
    samples[i] = 0.15 * (0.3 + 0.7 * 0.5 * (1 - Math.cos(2 * Math.PI * 3 * t))) * x;
  }
  return encodeWav(samples, rate, { bitsPerSample: 16 });
}

async function coldPredict(modelsDir: string, model: string, wav: string): Promise<number> {
  const args = ["run", "-A", join(PROJECT_ROOT, "cli/predict.ts"), wav, "--models-dir", modelsDir];
  return (await runDeno([...args, "--model", model, "--quiet"])).seconds;
}

/** The models of each kind to measure: from the folder's set, else a stand-in. */
async function modelsToMeasure(
  modelsDir: string,
  config: Config,
  temp: string,
): Promise<{ kind: "sequence" | "pooled"; model: string; dir: string; standIn: boolean }[]> {
  const found: Partial<Record<"sequence" | "pooled", string>> = {};
  try {
    const manifest = await loadModelsManifest(await openPromotedModelSet(modelsDir));
    // The best model first, so it is the one measured for its kind.
    const names = [
      manifest.bestModel,
      ...Object.keys(manifest.models).filter((n) => n !== manifest.bestModel),
    ];
    for (const name of names) {
      const kind = manifest.models[name].kind ?? "sequence";
      found[kind] ??= name;
    }
  } catch (error) {
    console.log(`  no usable model set in ${modelsDir}: ${(error as Error).message}`);
  }
  const out: { kind: "sequence" | "pooled"; model: string; dir: string; standIn: boolean }[] = [];
  let standIn: { sequence: string; pooled: string } | undefined;
  for (const kind of ["sequence", "pooled"] as const) {
    if (found[kind]) {
      out.push({ kind, model: found[kind]!, dir: modelsDir, standIn: false });
      continue;
    }
    if (!standIn) {
      console.log(
        `  no trained ${kind} model in ${modelsDir}: training a stand-in set in ${temp} ` +
          `(${config.sampleRate} Hz, ${config.duration} s clips, gru ${config.gruUnits}, ` +
          `ensemble; 14 synthesized clips, for timing only)`,
      );
      standIn = await makeStandInModelSet(temp, {
        settings: featureSettings(config),
        spec: gruSpec(config),
      });
    }
    out.push({ kind, model: standIn[kind], dir: temp, standIn: true });
  }
  return out;
}

function printLong(r: LongRecordingResult): void {
  const s = r.stages;
  console.log(
    `  ${r.seconds} s at ${r.sampleRate} Hz through predictTimeline: ${
      r.wallSeconds.toFixed(2)
    } s wall` +
      (r.cpuSeconds === undefined ? "" : `, ${r.cpuSeconds.toFixed(2)} s CPU`) +
      ` (${r.realTimeFactor.toFixed(0)}x real time; ${r.voicedWindows}/${r.windows} windows ` +
      `voiced)\n    stages: decode ${
        s.decodeSeconds.toFixed(2)
      } s, resample (${s.resampleQuality}) ` +
      `${s.resampleSeconds.toFixed(2)} s` +
      (s.otherSeconds === undefined
        ? ""
        : ` [${s.otherQuality} would take ${s.otherSeconds.toFixed(2)} s]`) +
      `, windows (VAD + features + model) ${s.windowsSeconds.toFixed(2)} s`,
  );
}

/**
 * Runs section (d) and prints it.
 *
 * @param options models folder, long recording length, whether to skip the live page
 * @returns one entry per model kind
 */
export async function benchInference(
  options: InferenceBenchOptions = {},
): Promise<InferenceBenchModel[]> {
  // The backend `deno task predict` uses (tfjs' default would be its slow plain-JS one).
  await initBackend({ quiet: true });
  const config = loadConfig({}, { env: {} });
  const modelsDir = options.modelsDir ?? projectPath(config.modelsDir);
  const temp = await Deno.makeTempDir({ prefix: "ser_bench_models_" });
  const wavDir = await Deno.makeTempDir({ prefix: "ser_bench_clip_" });
  const results: InferenceBenchModel[] = [];
  try {
    const wav = join(wavDir, "clip_3s_44100.wav");
    await Deno.writeFile(wav, clip());
    const chromium = findChromium();
    for (const entry of await modelsToMeasure(modelsDir, config, temp)) {
      const result: InferenceBenchModel = {
        kind: entry.kind,
        model: entry.model,
        source: entry.standIn ? "stand-in trained for the timing (temp dir)" : modelsDir,
        standIn: entry.standIn,
        errors: [],
      };
      console.log(
        `\n(d) inference, ${entry.kind} model "${entry.model}"${
          entry.standIn ? " (stand-in)" : ""
        }:`,
      );
      try {
        result.longRecording = await longRecordingBenchmark({
          modelsDir: entry.dir,
          model: entry.model,
          seconds: options.longSeconds ?? 600,
        });
        printLong(result.longRecording);
      } catch (error) {
        result.errors.push(`long recording: ${(error as Error).message}`);
        console.error(`  long recording failed: ${(error as Error).message}`);
      }
      try {
        result.coldPredictSeconds = await coldPredict(entry.dir, entry.model, wav);
        console.log(
          `  deno task predict <3 s clip> from a cold process: ${
            result.coldPredictSeconds.toFixed(2)
          } s`,
        );
      } catch (error) {
        result.errors.push(`cold predict: ${(error as Error).message}`);
        console.error(`  cold predict failed: ${(error as Error).message}`);
      }
      if (options.skipLive) {
        result.live = { skipped: "--skip-live" };
      } else if (!chromium) {
        result.live = { skipped: "Chromium not found" };
        console.log("  live page latency skipped: Chromium not found");
      } else {
        try {
          const live = await liveLatencyBenchmark({
            modelsDir: entry.dir,
            model: entry.model,
            chromium,
          });
          result.live = live;
          console.log(
            `  live page: window's last sample -> updated charts, median ${
              live.medianMs.toFixed(0)
            } ms, p90 ${live.p90Ms.toFixed(0)} ms (classify ${
              live.classifyMedianMs.toFixed(0)
            } ms) over ${live.windows} windows`,
          );
        } catch (error) {
          result.errors.push(`live: ${(error as Error).message}`);
          console.error(`  live page latency failed: ${(error as Error).message}`);
        }
      }
      results.push(result);
    }
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    await Deno.remove(wavDir, { recursive: true }).catch(() => {});
  }
  return results;
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 600);
  const results = await benchInference({
    longSeconds: seconds,
    skipLive: Deno.args[1] === "no-live",
  });
  console.log(JSON.stringify(results, null, 1));
}
