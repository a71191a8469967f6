/**
 * AIFF and AIFF-C decoding and header parsing (Apple's "Audio Interchange File Format", 1989,
 * and its compressed variant AIFF-C, 1991): big-endian IFF chunks, a `COMM` chunk with the
 * channel count, frame count, sample size and an 80-bit IEEE 754 extended sample rate, and an
 * `SSND` chunk with the samples.
 *
 * Read like libsndfile reads them to float: signed integers divided by 2^(container bits - 1)
 * (int8 / 128, int16 / 32768, ...), AIFC `raw ` (unsigned 8-bit) as `(u - 128) / 128`, floats
 * passed through, μ-law/A-law expanded by the G.711 tables (see g711.ts). AIFC compression types
 * read: `NONE`, `twos` (big-endian PCM), `sowt` (little-endian PCM), `raw `, `in24`, `in32`,
 * `fl32`/`FL32`, `fl64`/`FL64`, `ulaw`/`ULAW`, `alaw`/`ALAW`; others (IMA ADPCM, GSM, MACE, ...)
 * are an error naming the type.
 *
 * @module
 */
import { AudioError, IN_MEMORY } from "./errors.ts";
import { bufferSource, type ByteSource, fourCC } from "./bytes.ts";
import { ALAW_TO_FLOAT, ULAW_TO_FLOAT } from "./g711.ts";
import type { AudioInfo, DecodedAudio, SampleEncoding } from "./types.ts";

/** Where an AIFF/AIFC file's samples are and how to read them. */
export interface AiffLayout extends AudioInfo {
  /** PCM integers, IEEE floats, or G.711 μ-law/A-law codes. */
  encoding: SampleEncoding;
  /** The AIFC compression type (`"NONE"` for plain AIFF). */
  compression: string;
  /** Bits per sample as the COMM chunk states them (8 for μ-law/A-law). */
  bitsPerSample: number;
  /** Bytes each sample occupies in the SSND chunk (the container size). */
  bytesPerSample: number;
  /** Bytes per frame (all channels of one sample instant). */
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** True for `sowt` (little-endian PCM); AIFF is otherwise big-endian. */
  littleEndian: boolean;
  /** True for AIFC `raw ` (offset-binary 8-bit). */
  unsigned: boolean;
}

/** How each AIFC compression type stores its samples; `bits` overrides the COMM sample size. */
const COMPRESSIONS: Record<
  string,
  { encoding: SampleEncoding; littleEndian?: boolean; unsigned?: boolean; bits?: number }
> = {
  NONE: { encoding: "pcm" },
  twos: { encoding: "pcm" },
  sowt: { encoding: "pcm", littleEndian: true },
  "raw ": { encoding: "pcm", unsigned: true, bits: 8 },
  in24: { encoding: "pcm", bits: 24 },
  in32: { encoding: "pcm", bits: 32 },
  fl32: { encoding: "float", bits: 32 },
  FL32: { encoding: "float", bits: 32 },
  fl64: { encoding: "float", bits: 64 },
  FL64: { encoding: "float", bits: 64 },
  ulaw: { encoding: "ulaw", bits: 8 },
  ULAW: { encoding: "ulaw", bits: 8 },
  alaw: { encoding: "alaw", bits: 8 },
  ALAW: { encoding: "alaw", bits: 8 },
};

/**
 * An 80-bit IEEE 754 extended-precision number (big-endian: sign and 15-bit exponent, then a
 * 64-bit mantissa with an explicit integer bit), as AIFF stores its sample rate.
 */
function readExtended(view: DataView, at: number): number {
  const signExponent = view.getUint16(at);
  const hi = view.getUint32(at + 2);
  const lo = view.getUint32(at + 6);
  const exponent = signExponent & 0x7fff;
  if (exponent === 0x7fff) return NaN;
  if (exponent === 0 && hi === 0 && lo === 0) return 0;
  const value = (hi * 2 ** 32 + lo) * 2 ** (exponent - 16383 - 63);
  return signExponent & 0x8000 ? -value : value;
}

/**
 * Reads the layout of an AIFF or AIFF-C file from its chunks without touching the samples.
 * Other chunks (NAME, ANNO, MARK, INST, FVER, ...) are skipped, honouring the pad byte after
 * odd-sized chunks; COMM may come before or after SSND.
 *
 * @param source the file's bytes (see `bufferSource` / `fileSource`)
 * @param path the file name used in errors
 * @throws {AudioError} for an empty, non-AIFF, truncated or unsupported file
 * @example
 * ```ts
 * import { bufferSource } from "./bytes.ts";
 * const bytes = await Deno.readFile("clip.aiff");
 * const layout = parseAiffLayout(bufferSource(bytes), "clip.aiff");
 * console.log(layout.sampleRate, layout.frames, layout.compression);
 * ```
 */
export function parseAiffLayout(source: ByteSource, path: string = IN_MEMORY): AiffLayout {
  const fail = (problem: string): never => {
    throw new AudioError(path, problem);
  };
  if (source.size === 0) fail("empty file");
  const head = source.read(0, 12);
  const formType = fourCC(head, 8);
  if (
    head.length < 12 || fourCC(head, 0) !== "FORM" || (formType !== "AIFF" && formType !== "AIFC")
  ) {
    fail(
      fourCC(head, 0) === "FORM"
        ? `not an AIFF file (FORM type is "${formType}")`
        : "not an AIFF file (no FORM header)",
    );
  }
  const aifc = formType === "AIFC";

  let comm: DataView | undefined;
  let ssndOffset = -1;
  let ssndBytes = 0;
  let pos = 12;
  while (pos + 8 <= source.size && (comm === undefined || ssndOffset < 0)) {
    const header = source.read(pos, 8);
    const id = fourCC(header, 0);
    const size = new DataView(header.buffer, header.byteOffset, 8).getUint32(4);
    if (id === "COMM") {
      const body = source.read(pos + 8, size);
      const needed = aifc ? 22 : 18;
      if (size < needed || body.length < needed) {
        fail(`COMM chunk too short (${body.length} bytes, ${needed} needed)`);
      }
      comm = new DataView(body.buffer, body.byteOffset, body.length);
    } else if (id === "SSND") {
      const body = source.read(pos + 8, 8);
      if (size < 8 || body.length < 8) fail(`SSND chunk too short (${size} bytes)`);
      const view = new DataView(body.buffer, body.byteOffset, 8);
      // The offset skips alignment padding before the first sample frame.
      const offset = view.getUint32(0);
      ssndOffset = pos + 16 + offset;
      ssndBytes = Math.max(0, size - 8 - offset);
      const remaining = Math.max(0, source.size - ssndOffset);
      if (ssndBytes > remaining) {
        fail(`truncated AIFF: SSND chunk declares ${ssndBytes} bytes but only ${remaining} remain`);
      }
    }
    pos += 8 + size + (size & 1);
  }
  if (comm === undefined) fail("missing COMM chunk");
  comm = comm as DataView;
  const channels = comm.getInt16(0);
  const declaredFrames = comm.getUint32(2);
  const sampleSize = comm.getInt16(6);
  const sampleRate = readExtended(comm, 8);
  const compression = aifc
    ? fourCC(new Uint8Array(comm.buffer, comm.byteOffset + 18, 4), 0)
    : "NONE";
  const kind = COMPRESSIONS[compression];
  if (kind === undefined) {
    fail(
      `unsupported AIFC compression type "${compression}"; only uncompressed PCM (NONE, twos, ` +
        "sowt, raw, in24, in32), float (fl32, fl64) and G.711 (ulaw, alaw) can be read",
    );
  }
  if (channels <= 0) fail(`invalid channel count ${channels} in COMM chunk`);
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    fail(`invalid sample rate ${sampleRate} in COMM chunk`);
  }
  const bitsPerSample = kind.bits ?? sampleSize;
  if (kind.encoding === "pcm" && (bitsPerSample < 1 || bitsPerSample > 32)) {
    fail(`unsupported bit depth: ${bitsPerSample}-bit PCM`);
  }
  // No SSND chunk is legal when there are no frames (an empty recording).
  if (ssndOffset < 0) {
    if (declaredFrames > 0) fail("missing SSND chunk");
    ssndOffset = source.size;
  }
  const bytesPerSample = Math.ceil(bitsPerSample / 8);
  const blockAlign = bytesPerSample * channels;
  const frames = Math.min(declaredFrames, Math.floor(ssndBytes / blockAlign));
  return {
    sampleRate,
    channels,
    frames,
    duration: frames / sampleRate,
    encoding: kind.encoding,
    compression,
    bitsPerSample,
    bytesPerSample,
    blockAlign,
    dataOffset: ssndOffset,
    littleEndian: kind.littleEndian ?? false,
    unsigned: kind.unsigned ?? false,
  };
}

/**
 * Decodes a whole AIFF or AIFF-C file: PCM 8, 16, 24 and 32-bit (big or little endian), float
 * 32 and 64-bit, G.711 μ-law and A-law, any number of channels.
 *
 * @param bytes the complete file
 * @param path the file name used in errors
 * @returns channels de-interleaved, scaled like libsndfile (int16 / 32768, ...)
 * @throws {AudioError} for an empty, non-AIFF, truncated or unsupported file
 * @example
 * ```ts
 * const audio = decodeAiff(await Deno.readFile("clip.aiff"), "clip.aiff");
 * console.log(audio.sampleRate, audio.channels.length);
 * ```
 */
export function decodeAiff(bytes: Uint8Array, path: string = IN_MEMORY): DecodedAudio {
  const layout = parseAiffLayout(bufferSource(bytes), path);
  const { frames, blockAlign, bytesPerSample, dataOffset, littleEndian: le } = layout;
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, frames * blockAlign);
  const channels = Array.from({ length: layout.channels }, () => new Float32Array(frames));
  for (let c = 0; c < layout.channels; c++) {
    const out = channels[c];
    let at = c * bytesPerSample;
    if (layout.encoding === "ulaw" || layout.encoding === "alaw") {
      const table = layout.encoding === "ulaw" ? ULAW_TO_FLOAT : ALAW_TO_FLOAT;
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = table[view.getUint8(at)];
    } else if (layout.encoding === "float") {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        out[i] = bytesPerSample === 4 ? view.getFloat32(at, le) : view.getFloat64(at, le);
      }
    } else if (bytesPerSample === 1) {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        out[i] = layout.unsigned ? (view.getUint8(at) - 128) / 128 : view.getInt8(at) / 128;
      }
    } else if (bytesPerSample === 2) {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = view.getInt16(at, le) / 32768;
    } else if (bytesPerSample === 3) {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        const value = le
          ? view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)
          : (view.getInt8(at) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at + 2);
        out[i] = value / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        out[i] = view.getInt32(at, le) / 2147483648;
      }
    }
  }
  return {
    sampleRate: layout.sampleRate,
    channels,
    bitsPerSample: layout.bitsPerSample,
    encoding: layout.encoding,
    codec: "aiff",
  };
}
