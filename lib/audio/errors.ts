/**
 * The one error type of `lib/audio`: every decoding, probing or loading failure names the file
 * and says what is wrong with it.
 *
 * @module
 */

/**
 * A file could not be read as audio. `path` is the file (or `"<bytes>"` for in-memory data),
 * `problem` is what is wrong, and the message is `"<path>: <problem>"`.
 *
 * @example
 * ```ts
 * import { decodeWav } from "./wav.ts";
 * const bytes = await Deno.readFile("clip.wav");
 * try {
 *   decodeWav(bytes, "clip.wav");
 * } catch (error) {
 *   if (error instanceof AudioError) console.log(error.path, error.problem);
 * }
 * ```
 */
export class AudioError extends Error {
  constructor(readonly path: string, readonly problem: string, options?: ErrorOptions) {
    super(`${path}: ${problem}`, options);
    this.name = "AudioError";
  }
}

/** The name used in errors for data that did not come from a file. */
export const IN_MEMORY = "<bytes>";

/**
 * What went wrong with `path`, without the path: for records that keep the path beside the
 * problem (`{ path, problem }` lists of bad files), so that printing `${path}: ${problem}`
 * names the file once, not twice.
 *
 * @param error what was thrown while reading `path`
 * @param path the file it was about
 * @returns an {@link AudioError}'s `problem`, or the message with a leading `"<path>: "` removed
 * @example
 * ```ts
 * problemText(new AudioError("a.wav", "empty file"), "a.wav"); // "empty file"
 * ```
 */
export function problemText(error: unknown, path: string): string {
  if (error instanceof AudioError && error.path === path) return error.problem;
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
