/**
 * Audio players for notebooks: a clip as an HTML `<audio>` element carrying the sound itself
 * (a 16-bit WAV data URI), so it plays in any front end and in the exported HTML, offline.
 * @module
 */
// Deep import: lib/visualizer loads without the project's import map (a notebook anywhere can import it by URL), and audio/mod.ts pulls in npm packages.
import { encodeWav } from "../audio/wav.ts";
import { inJupyter } from "../util/mod.ts";

/** Options of {@link audioPlayerHtml} and {@link showAudio}. */
export interface AudioPlayerOptions {
  /** Text shown before the player (HTML-escaped). */
  label?: string;
  /**
   * Longest stretch embedded, in seconds (default 6): a player carries its sound in the
   * notebook (about 59 KB per second at 22050 Hz, base64), and one kernel message should stay
   * well below the size at which the Deno kernel corrupts messages.
   */
  maxSeconds?: number;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * HTML for a player of a mono clip: `<audio controls>` with the clip as a 16-bit WAV data URI,
 * at most `maxSeconds` long (the rest is cut, and the label says so).
 *
 * @param samples mono samples in [-1, 1]
 * @param sampleRate samples per second (Hz, a positive whole number)
 * @param options label, longest stretch embedded
 * @example
 * ```ts
 * const tone = Float32Array.from({ length: 22050 }, (_, i) => 0.3 * Math.sin(i / 8));
 * const html = audioPlayerHtml(tone, 22050, { label: "1 s tone" });
 * ```
 */
export function audioPlayerHtml(
  samples: Float32Array,
  sampleRate: number,
  options: AudioPlayerOptions = {},
): string {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new Error(
      `audioPlayerHtml: sampleRate must be a positive whole number, got ${sampleRate}`,
    );
  }
  const maxSeconds = options.maxSeconds ?? 6;
  const limit = Math.max(1, Math.floor(maxSeconds * sampleRate));
  const head = samples.length > limit ? samples.subarray(0, limit) : samples;
  // Louder than full scale (e.g. an augmented copy with gain): scaled to peak 1, not clipped.
  let peak = 0;
  for (const value of head) peak = Math.max(peak, Math.abs(value));
  const clip = peak > 1 ? head.map((value) => value / peak) : head;
  const cut = samples.length > limit
    ? ` (first ${maxSeconds} s of ${(samples.length / sampleRate).toFixed(1)} s)`
    : "";
  const label = options.label === undefined ? "" : escapeHtml(options.label) + cut;
  const uri = `data:audio/wav;base64,${base64(encodeWav(clip, sampleRate))}`;
  return `<div class="ser-audio" style="display:flex;align-items:center;gap:12px;flex-wrap:wrap">` +
    (label ? `<span style="font-family:sans-serif">${label}</span>` : "") +
    `<audio controls preload="metadata" src="${uri}"></audio></div>`;
}

/**
 * Shows an audio player for a mono clip in the current Deno Jupyter cell; outside Jupyter it
 * prints a one-line note to stderr and returns.
 *
 * @param samples mono samples in [-1, 1]
 * @param sampleRate samples per second (Hz)
 * @param options label, longest stretch embedded
 * @example
 * ```ts
 * import { loadAudio } from "../audio/mod.ts";
 * const clip = await loadAudio("data/demo/angry/a.wav", { sampleRate: 22050 });
 * await showAudio(clip.samples, clip.sampleRate, { label: "angry" });
 * ```
 */
export async function showAudio(
  samples: Float32Array,
  sampleRate: number,
  options: AudioPlayerOptions = {},
): Promise<void> {
  if (!inJupyter()) {
    console.error(`showAudio: "${options.label ?? "clip"}" not played (not in Jupyter)`);
    return;
  }
  const html = audioPlayerHtml(samples, sampleRate, options);
  // deno-lint-ignore no-explicit-any
  const jupyter = (Deno as any).jupyter as {
    display(bundle: Record<string, unknown>, options: { raw: boolean }): Promise<void>;
  };
  await jupyter.display({
    "text/html": html,
    "text/plain": `<audio: ${options.label ?? "clip"}, ${
      (samples.length / sampleRate).toFixed(1)
    } s>`,
  }, { raw: true });
}
