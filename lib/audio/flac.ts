/**
 * FLAC decoding (with our own decoder, {@link decodeFlacPcm}) and STREAMINFO header parsing.
 *
 * Samples are decoded as exact integers and scaled by 1 / 2^(bits - 1) like libsndfile (and so
 * librosa), so a FLAC decodes to the very same floats as the WAV it was made from.
 *
 * @module
 */
import { AudioError, IN_MEMORY } from "./errors.ts";
import { bufferSource, type ByteSource, fourCC } from "./bytes.ts";
import type { AudioInfo, DecodedAudio } from "./types.ts";
import { decodeFlacPcm, pcmToFloat } from "./flac_decoder.ts";

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
 * Skips an ID3v2 tag, which some taggers put in front of FLAC streams.
 * @returns the offset just after the tag (0 when there is none)
 */
export function id3v2Length(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0;
  // The size is "syncsafe": four 7-bit groups.
  const size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9];
  const footer = (head[5] & 0x10) ? 10 : 0;
  return 10 + size + footer;
}

/**
 * Reads a FLAC file's STREAMINFO block (the first 42 bytes after "fLaC").
 *
 * @param source the file's bytes (see `bufferSource` / `fileSource`)
 * @param path the file name used in errors
 * @throws {AudioError} when the file is not FLAC or STREAMINFO is missing or invalid
 * @example
 * ```ts
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
  const s = head.subarray(8);
  const sampleRate = (s[10] << 12) | (s[11] << 4) | (s[12] >> 4);
  const channels = ((s[12] >> 1) & 0x07) + 1;
  const bitsPerSample = (((s[12] & 0x01) << 4) | (s[13] >> 4)) + 1;
  // 36-bit sample count: 4 high bits in s[13], then 32 bits.
  const frames = (s[13] & 0x0f) * 2 ** 32 +
    ((s[14] << 24) >>> 0) + (s[15] << 16) + (s[16] << 8) + s[17];
  if (sampleRate === 0) throw new AudioError(path, "zero sample rate in FLAC STREAMINFO");
  return {
    sampleRate,
    channels,
    frames,
    duration: frames / sampleRate,
    bitsPerSample,
    framesUnknown: frames === 0,
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
    const pcm = decodeFlacPcm(bytes, path);
    return Promise.resolve({
      sampleRate: pcm.sampleRate,
      channels: pcmToFloat(pcm.channels, pcm.bitsPerSample),
      bitsPerSample: pcm.bitsPerSample,
      encoding: "pcm",
      codec: "flac",
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
