/**
 * Format sniffing and dispatch: one entry point for any supported audio file.
 *
 * @module
 */
import { AudioError, IN_MEMORY } from "./errors.ts";
import { fourCC } from "./bytes.ts";
import { decodeWav } from "./wav.ts";
import { decodeAiff } from "./aiff.ts";
import { decodeFlac } from "./flac.ts";
import { id3v2Length } from "./flac_decoder.ts";
import type { DecodedAudio } from "./types.ts";

/** Container formats recognised by their first bytes. */
export type AudioFormat = "wav" | "flac" | "aiff";

/** Names of common formats we recognise but cannot decode, for clearer errors. */
function describeUnsupported(head: Uint8Array): string {
  const tag = fourCC(head, 0);
  if (tag === "OggS") return " (looks like Ogg)";
  if (tag === "RF64") return " (looks like RF64)";
  if (head[0] === 0x49 && head[1] === 0x44 && head[2] === 0x33) return " (looks like MP3)";
  if (head[0] === 0xff && (head[1] & 0xe0) === 0xe0) return " (looks like MP3/AAC)";
  if (fourCC(head, 4) === "ftyp") return " (looks like MP4/M4A)";
  return "";
}

/** The problem of a file that is none of the formats we read, naming what it looks like. */
export function unsupportedProblem(head: Uint8Array): string {
  return `unsupported or non-audio file${
    describeUnsupported(head)
  }; only WAV, AIFF/AIFC and FLAC can be read`;
}

/**
 * Recognises a file's format from its magic bytes: `"RIFF"` for WAV (RIFF files that are not
 * WAVE still count, so the WAV decoder can say what is wrong), `"FORM"` for AIFF/AIFC (likewise),
 * `"fLaC"` (optionally after an ID3v2 tag) for FLAC.
 *
 * @param head the first bytes of the file (at least 12; more if it may carry an ID3 tag)
 * @returns the format, or `undefined` when it is neither
 * @example
 * ```ts
 * sniffFormat(new TextEncoder().encode("fLaC...")); // "flac"
 * ```
 */
export function sniffFormat(head: Uint8Array): AudioFormat | undefined {
  if (fourCC(head, 0) === "RIFF") return "wav";
  if (fourCC(head, 0) === "fLaC") return "flac";
  if (fourCC(head, 0) === "FORM") return "aiff";
  const skip = id3v2Length(head);
  if (skip > 0 && fourCC(head, skip) === "fLaC") return "flac";
  return undefined;
}

/**
 * Decodes a WAV, AIFF/AIFC or FLAC file, chosen by its magic bytes (not its name).
 *
 * @param bytes the complete file
 * @param path the file name used in errors
 * @throws {AudioError} "unsupported or non-audio file" for anything else (text, MP3, ...),
 *   or the decoder's error for a damaged file
 * @example
 * ```ts
 * const path = "clip.wav";
 * const audio = await decodeAudio(await Deno.readFile(path), path);
 * ```
 */
export async function decodeAudio(
  bytes: Uint8Array,
  path: string = IN_MEMORY,
): Promise<DecodedAudio> {
  if (bytes.length === 0) throw new AudioError(path, "empty file");
  const format = sniffFormat(bytes);
  if (format === "wav") return decodeWav(bytes, path);
  if (format === "aiff") return decodeAiff(bytes, path);
  if (format === "flac") return await decodeFlac(bytes, path);
  throw new AudioError(path, unsupportedProblem(bytes));
}
