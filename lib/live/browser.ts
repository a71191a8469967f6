/**
 * Drives the live page in headless Chromium with a fake microphone that plays a WAV file
 * (Chromium's `--use-fake-device-for-media-stream --use-file-for-fake-audio-capture`), and
 * collects what the page reports in test mode. Used by the tests and the latency benchmark.
 *
 * Requests to any host but 127.0.0.1 are made unresolvable (`--host-resolver-rules`), and the
 * page reports every URL it loaded, so a stray CDN request shows up as a failure, not a silent
 * download.
 *
 * @example
 * ```ts
 * import { driveLivePage } from "./browser.ts";
 * const reports = await driveLivePage({ modelsDir: "models", microphoneWav: "talk.wav",
 *   query: { autostart: "1", windows: "20" }, until: (r) => r.some((x) => x.kind === "live") });
 * ```
 * @module
 */
import { findChromium } from "../visualizer/mod.ts";
import { type LiveServerOptions, startLiveServer } from "./server.ts";

/** Options of {@link driveLivePage}. */
export interface DriveOptions {
  /** The models folder to serve. */
  modelsDir: string;
  /** WAV file the fake microphone plays (looped by Chromium unless `loop` is false). */
  microphoneWav?: string;
  /** Play the microphone file once (default true: no loop, so silence follows it). */
  once?: boolean;
  /** Query parameters of the page (`report=1` is always set). */
  query?: Record<string, string>;
  /** Stop when the reports received so far satisfy this. */
  until: (reports: Record<string, unknown>[]) => boolean;
  /** Give up after this many seconds (default 90). */
  timeoutSeconds?: number;
  /** Chromium executable (default: `findChromium()`). */
  chromium?: string;
  /** Passed to the server (hop, extra files). */
  server?: Pick<LiveServerOptions, "hopSeconds" | "extraFiles" | "modelCard">;
}

/**
 * Serves the live page on a free port, opens it in headless Chromium and returns the reports
 * the page posted, once `until` accepts them.
 *
 * @throws when Chromium is missing, the page reports an error, or `timeoutSeconds` pass
 */
export async function driveLivePage(options: DriveOptions): Promise<Record<string, unknown>[]> {
  const chromium = options.chromium ?? findChromium();
  if (!chromium) throw new Error("live: Chromium not found (apt-get install chromium)");
  const reports: Record<string, unknown>[] = [];
  let wake: () => void = () => {};
  const server = await startLiveServer({
    modelsDir: options.modelsDir,
    port: 0,
    quiet: true,
    ...options.server,
    onReport: (report) => {
      reports.push(report);
      wake();
    },
  });
  const profile = await Deno.makeTempDir({ prefix: "ser-live-chromium-" });
  const query = new URLSearchParams({ report: "1", ...options.query });
  const args = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    `--user-data-dir=${profile}`,
  ];
  if (options.microphoneWav) {
    args.push(
      `--use-file-for-fake-audio-capture=${options.microphoneWav}${
        options.once === false ? "" : "%noloop"
      }`,
    );
  }
  args.push(`${server.url}?${query}`);
  const child = new Deno.Command(chromium, { args, stdout: "null", stderr: "null" }).spawn();
  const deadline = Date.now() + (options.timeoutSeconds ?? 90) * 1000;
  try {
    while (!options.until(reports)) {
      const error = reports.find((r) => r.error);
      if (error) throw new Error(`live page error: ${error.error}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `live: no complete report after ${options.timeoutSeconds ?? 90} s ` +
            `(got ${reports.length}: ${reports.map((r) => r.kind).join(", ") || "none"})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const error = reports.find((r) => r.error);
    if (error) throw new Error(`live page error: ${error.error}`);
    return reports;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await server.shutdown();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Float32 samples from the page's base64 encoding. */
export function decodeFloat32(base64: string): Float32Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
