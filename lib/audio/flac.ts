/**
 * FLAC decoding (with our own decoder, {@link decodeFlacPcm}) and the header probe, which reads
 * only the first bytes of a file and parses them with the decoder's STREAMINFO parser.
 *
 * Samples are decoded as exact integers and scaled by 1 / 2^(bits - 1) like libsndfile (and so
 * librosa), so a FLAC decodes to the very same floats as the WAV it was made from.
 *
 * @module
 */
import { AudioError, IN_MEMORY } from "./errors.ts";
import { bufferSource, type ByteSource, fourCC } from "./bytes.ts";
import type { AudioInfo, DecodedAudio } from "./types.ts";
import { decodeFlacFloat, id3v2Length, parseStreamInfoBody } from "./flac_decoder.ts";

/** What a FLAC file's STREAMINFO block says. */
export interface FlacStreamInfo extends AudioInfo {
  /** Bits per sample of the encoded integers (4 to 32). */
  bitsPerSample: number;
  /** True when the encoder did not record the length (`frames` is then 0). */
  framesUnknown: boolean;
  /** Byte offset of the "fLaC" marker (after any ID3v2 tag). */
  markerOffset: number;
}

/**
 * Reads a FLAC file's STREAMINFO block (the first 42 bytes after "fLaC").
 *
 * @param source the file's bytes (see `bufferSource` / `fileSource`)
 * @param path the file name used in errors
 * @throws {AudioError} when the file is not FLAC or STREAMINFO is missing or invalid
 * @example
 * ```ts
 * import { bufferSource } from "./bytes.ts";
 * const bytes = await Deno.readFile("clip.flac");
 * const info = parseFlacStreamInfo(bufferSource(bytes), "clip.flac");
 * console.log(info.sampleRate, info.frames);
 * ```
 */
export function parseFlacStreamInfo(source: ByteSource, path: string = IN_MEMORY): FlacStreamInfo {
  if (source.size === 0) throw new AudioError(path, "empty file");
  const markerOffset = id3v2Length(source.read(0, 10));
  const head = source.read(markerOffset, 4 + 4 + 34);
  if (fourCC(head, 0) !== "fLaC") throw new AudioError(path, "not a FLAC file (no fLaC marker)");
  if (head.length < 42) {
    throw new AudioError(path, `truncated FLAC: header is only ${head.length} bytes`);
  }
  const blockType = head[4] & 0x7f;
  const blockLength = (head[5] << 16) | (head[6] << 8) | head[7];
  if (blockType !== 0 || blockLength < 34) {
    throw new AudioError(path, "invalid FLAC: the first metadata block is not STREAMINFO");
  }
  const header = parseStreamInfoBody(head.subarray(8), path);
  return {
    sampleRate: header.sampleRate,
    channels: header.channelCount,
    frames: header.totalSamples,
    duration: header.totalSamples / header.sampleRate,
    bitsPerSample: header.bitsPerSample,
    framesUnknown: header.totalSamples === 0,
    markerOffset,
  };
}

/**
 * Decodes a whole FLAC file to float samples scaled like libsndfile (int16 / 32768, ...), so the
 * result equals decoding the original WAV with {@link decodeWav} sample for sample. Every frame's
 * CRCs and the stream's MD5 signature are checked (see {@link decodeFlacPcm}).
 *
 * @param bytes the complete file
 * @param path the file name used in errors
 * @throws {AudioError} for a non-FLAC, corrupt or truncated file
 * @example
 * ```ts
 * const audio = await decodeFlac(await Deno.readFile("clip.flac"), "clip.flac");
 * console.log(audio.sampleRate, audio.channels[0].length);
 * ```
 */
export function decodeFlac(
  bytes: Uint8Array,
  path: string = IN_MEMORY,
): Promise<DecodedAudio> {
  // Async for callers written against the former WASM decoder; the work is synchronous.
  try {
    // The header check first, for its established error messages.
    parseFlacStreamInfo(bufferSource(bytes), path);
    const { header, channels } = decodeFlacFloat(bytes, path);
    return Promise.resolve({
      sampleRate: header.sampleRate,
      channels,
      bitsPerSample: header.bitsPerSample,
      encoding: "pcm",
      codec: "flac",
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
