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
