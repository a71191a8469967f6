/**
 * Latency of the live page: from the moment the page receives a window's last sample (the
 * AudioWorklet posts every 128-frame render quantum at once, so add at most 5.8 ms at 22050 Hz
 * for the microphone side) to the moment its probabilities are drawn (bar chart and timeline
 * updated). Measured in real headless Chromium with a fake microphone playing a synthesized
 * voice, with the models folder's model.
 *
 * @example
 * ```ts
 * import { liveLatencyBenchmark } from "./bench.ts";
 * const result = await liveLatencyBenchmark({ modelsDir: "models" });
 * console.log(`median ${result.medianMs.toFixed(0)} ms over ${result.windows} windows`);
 * ```
 * @module
 */
import { join } from "node:path";
import { encodeWav } from "../audio/mod.ts";
import { driveLivePage } from "./browser.ts";
import { openPromotedModelSet } from "../inference/mod.ts";

/** Options of {@link liveLatencyBenchmark}. */
export interface LiveLatencyOptions {
  /** The models folder (its `bestModel` is measured unless `model` is given). */
  modelsDir: string;
  /** Model name from the manifest. */
  model?: string;
  /** Windows to measure (default 16; the first, which warms up tfjs, is left out). */
  windows?: number;
  /** Seconds between windows (default 0.5). */
  hopSeconds?: number;
  /** Chromium executable (default: found on the PATH). */
  chromium?: string;
}

/** What {@link liveLatencyBenchmark} measured, in milliseconds. */
export interface LiveLatencyResult {
  /** The model the page loaded, as it names it. */
  model: string;
  /** Windows measured (voiced, after the first). */
  windows: number;
  /** Median window's-last-sample -> updated charts. */
  medianMs: number;
  /** 90th percentile of the same. */
  p90Ms: number;
  /** Median of the part spent on voice activity + features + model. */
  classifyMedianMs: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A steady voiced signal (harmonics of 150 Hz at 1/k, slow syllables), `seconds` long. */
function voice(seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    let x = 0;
    for (let k = 1; k <= 30; k++) x += Math.sin(2 * Math.PI * 150 * k * t) / k;
    out[i] = 0.12 * (0.3 + 0.7 * 0.5 * (1 - Math.cos(2 * Math.PI * 4 * t))) * x;
  }
  return out;
}

/**
 * Opens the live page in headless Chromium on a synthesized voice and measures the latency of
 * each hop's update.
 *
 * @param options models folder, model, windows, hop
 * @throws when Chromium is missing or the page fails
 */
export async function liveLatencyBenchmark(
  options: LiveLatencyOptions,
): Promise<LiveLatencyResult> {
  const windows = options.windows ?? 16;
  const hop = options.hopSeconds ?? 0.5;
  const setDir = await openPromotedModelSet(options.modelsDir);
  const manifest = JSON.parse(await Deno.readTextFile(join(setDir, "config.json")));
  const rate: number = manifest.features.sampleRate;
  const dir = await Deno.makeTempDir({ prefix: "ser_live_bench_" });
  try {
    const wav = join(dir, "voice.wav");
    const seconds = manifest.features.duration + (windows + 3) * hop;
    await Deno.writeFile(wav, encodeWav(voice(seconds, rate), rate, { bitsPerSample: 16 }));
    const reports = await driveLivePage({
      modelsDir: options.modelsDir,
      microphoneWav: wav,
      chromium: options.chromium,
      server: { hopSeconds: hop },
      query: {
        autostart: "1",
        windows: String(windows + 1),
        ...(options.model ? { model: options.model } : {}),
      },
      until: (r) => r.some((x) => x.kind === "live"),
      timeoutSeconds: 60 + seconds * 2,
    });
    const live = reports.find((r) => r.kind === "live")!;
    const measured = (live.windows as { voiced: boolean; latencyMs: number; classifyMs: number }[])
      .slice(1).filter((w) => w.voiced);
    if (measured.length === 0) throw new Error("live bench: the page classified no window");
    return {
      model: String(live.model),
      windows: measured.length,
      medianMs: quantile(measured.map((w) => w.latencyMs), 0.5),
      p90Ms: quantile(measured.map((w) => w.latencyMs), 0.9),
      classifyMedianMs: quantile(measured.map((w) => w.classifyMs), 0.5),
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
