/**
 * The error every data-loader failure throws: a missing folder, an empty corpus, a file whose
 * name or label cannot be read. The message names the file or folder and what is wrong.
 *
 * @example
 * ```ts
 * throw new DatasetError("unknown emotion label \"bored\"", "/data/TESS/OAF_back_bored.wav");
 * ```
 * @module
 */

/** A problem with the data on disk; `path` is the file or folder at fault. */
export class DatasetError extends Error {
  /**
   * @param problem what is wrong, in words
   * @param path the file or folder at fault (included in the message)
   */
  constructor(readonly problem: string, readonly path?: string) {
    super(path === undefined ? problem : `${path}: ${problem}`);
    this.name = "DatasetError";
  }
}
