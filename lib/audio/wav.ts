/**
 * WAV (RIFF/WAVE) decoding, header parsing and encoding.
 *
 * Samples are scaled exactly as libsndfile (and so Python's soundfile and librosa) scales them
 * when reading to float: signed integers are divided by 2^(container bits - 1) (int16 / 32768,
 * int24 / 8388608, int32 / 2147483648), unsigned 8-bit is `(u - 128) / 128`, float data is
 * passed through (64-bit rounded to 32-bit), and G.711 μ-law (format 7) and A-law (format 6)
 * codes are expanded to 16-bit values and divided by 32768 (see g711.ts).
 *
 * @module
 */
import { AudioError, IN_MEMORY } from "./errors.ts";
import { bufferSource, type ByteSource, fourCC } from "./bytes.ts";
import { ALAW_TO_FLOAT, ULAW_TO_FLOAT } from "./g711.ts";
import type { AudioInfo, DecodedAudio, SampleEncoding } from "./types.ts";

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_ULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Tail shared by every WAVE_FORMAT_EXTENSIBLE sub-format GUID (after the 2-byte format code). */
const GUID_TAIL = [
  0x00,
  0x00,
  0x00,
  0x00,
  0x10,
  0x00,
  0x80,
  0x00,
  0x00,
  0xaa,
  0x00,
  0x38,
  0x9b,
  0x71,
];

const KNOWN_FORMATS: Record<number, string> = {
  0x0002: "Microsoft ADPCM",
  0x0006: "A-law",
  0x0007: "mu-law",
  0x0011: "IMA ADPCM",
  0x0031: "GSM 6.10",
  0x0050: "MPEG",
  0x0055: "MPEG Layer 3",
};

/** Where a WAV file's samples are and how to read them. */
export interface WavLayout extends AudioInfo {
  /** PCM integers, IEEE floats, or G.711 μ-law/A-law codes. */
  encoding: SampleEncoding;
  /** Bits per sample as the fmt chunk states them. */
  bitsPerSample: number;
  /** Bytes each sample occupies in the data chunk (the container size). */
  bytesPerSample: number;
  /** Bytes per frame (all channels of one sample instant). */
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
}

/** Format codes we decode, and how their samples are stored. */
const ENCODINGS: Record<number, SampleEncoding | undefined> = {
  [FORMAT_PCM]: "pcm",
  [FORMAT_FLOAT]: "float",
  [FORMAT_ALAW]: "alaw",
  [FORMAT_ULAW]: "ulaw",
};

function formatName(code: number): string {
  const hex = `0x${code.toString(16).padStart(4, "0")}`;
  return KNOWN_FORMATS[code] ? `${hex} (${KNOWN_FORMATS[code]})` : hex;
}

/**
 * Reads the layout of a WAV file from its chunks without touching the samples. Unknown chunks
 * (LIST, bext, fact, cue, ...) are skipped, honouring the pad byte after odd-sized chunks.
 *
 * @param source the file's bytes (see `bufferSource` / `fileSource`)
 * @param path the file name used in errors
 * @throws {AudioError} for an empty, non-WAV, truncated or unsupported file
 * @example
 * ```ts
 * import { bufferSource } from "./bytes.ts";
 * const bytes = await Deno.readFile("clip.wav");
 * const layout = parseWavLayout(bufferSource(bytes), "clip.wav");
 * console.log(layout.sampleRate, layout.frames);
 * ```
 */
export function parseWavLayout(source: ByteSource, path: string = IN_MEMORY): WavLayout {
  const fail = (problem: string): never => {
    throw new AudioError(path, problem);
  };
  if (source.size === 0) fail("empty file");
  const head = source.read(0, 12);
  if (head.length < 12 || fourCC(head, 0) !== "RIFF" || fourCC(head, 8) !== "WAVE") {
    fail(
      fourCC(head, 0) === "RIFF"
        ? `not a RIFF/WAVE file (RIFF form type is "${fourCC(head, 8)}")`
        : "not a RIFF/WAVE file",
    );
  }

  let fmt: DataView | undefined;
  let dataOffset = -1;
  let declaredDataBytes = 0;
  let pos = 12;
  while (pos + 8 <= source.size && (fmt === undefined || dataOffset < 0)) {
    const header = source.read(pos, 8);
    const id = fourCC(header, 0);
    const size = new DataView(header.buffer, header.byteOffset, 8).getUint32(4, true);
    if (id === "fmt ") {
      const body = source.read(pos + 8, size);
      if (size < 16 || body.length < 16) fail(`fmt chunk too short (${body.length} bytes)`);
      fmt = new DataView(body.buffer, body.byteOffset, body.length);
    } else if (id === "data") {
      dataOffset = pos + 8;
      declaredDataBytes = size;
      // Streaming writers leave the size at 0xFFFFFFFF: the data runs to the end of the file.
      if (size === 0xffffffff) break;
    }
    pos += 8 + size + (size & 1);
  }
  if (fmt === undefined) fail("missing fmt chunk");
  if (dataOffset < 0) fail("missing data chunk");
  fmt = fmt as DataView;

  let formatTag = fmt.getUint16(0, true);
  const channels = fmt.getUint16(2, true);
  const sampleRate = fmt.getUint32(4, true);
  let blockAlign = fmt.getUint16(12, true);
  const bitsPerSample = fmt.getUint16(14, true);
  if (formatTag === FORMAT_EXTENSIBLE) {
    if (fmt.byteLength < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk too short (${fmt.byteLength})`);
    const subFormat = fmt.getUint16(24, true);
    const tailMatches = GUID_TAIL.every((byte, i) => fmt!.getUint8(26 + i) === byte);
    if (!tailMatches) fail("unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID");
    formatTag = subFormat;
  }
  const encoding = ENCODINGS[formatTag];
  if (encoding === undefined) {
    fail(
      `unsupported WAV format code ${formatName(formatTag)}; only PCM (1), IEEE float (3), ` +
        "A-law (6), mu-law (7) and WAVE_FORMAT_EXTENSIBLE with those sub-formats can be read",
    );
  }
  if (channels === 0) fail("zero channels in fmt chunk");
  if (sampleRate === 0) fail("zero sample rate in fmt chunk");
  const g711 = encoding === "ulaw" || encoding === "alaw";
  // G.711 codes are one byte whatever the header's bitsPerSample says (some writers put 16).
  const minBytes = g711 ? 1 : Math.ceil(bitsPerSample / 8);
  // The container size comes from blockAlign when it is consistent (24-bit in 32-bit slots).
  let bytesPerSample = blockAlign % channels === 0 ? blockAlign / channels : minBytes;
  if (bytesPerSample < minBytes || bytesPerSample === 0) bytesPerSample = minBytes;
  if (g711) bytesPerSample = 1;
  blockAlign = bytesPerSample * channels;
  const supported = g711 ||
    (encoding === "pcm"
      ? bitsPerSample >= 1 && bytesPerSample >= 1 && bytesPerSample <= 4
      : (bitsPerSample === 32 && bytesPerSample === 4) ||
        (bitsPerSample === 64 && bytesPerSample === 8));
  if (!supported) {
    fail(
      `unsupported bit depth: ${bitsPerSample}-bit ${encoding === "pcm" ? "PCM" : "float"} ` +
        `(${bytesPerSample}-byte samples)`,
    );
  }

  const remaining = Math.max(0, source.size - dataOffset);
  let dataBytes = declaredDataBytes;
  if (declaredDataBytes === 0xffffffff) dataBytes = remaining;
  else if (declaredDataBytes > remaining) {
    fail(
      `truncated WAV: data chunk declares ${declaredDataBytes} bytes but only ${remaining} remain`,
    );
  }
  const frames = Math.floor(dataBytes / blockAlign);
  return {
    sampleRate,
    channels,
    frames,
    duration: frames / sampleRate,
    encoding: encoding as SampleEncoding,
    bitsPerSample: g711 ? 8 : bitsPerSample,
    bytesPerSample,
    blockAlign,
    dataOffset,
  };
}

/**
 * Decodes a whole WAV file: PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32 and 64-bit,
 * G.711 μ-law and A-law, plain or WAVE_FORMAT_EXTENSIBLE, any number of channels.
 *
 * @param bytes the complete file
 * @param path the file name used in errors
 * @returns channels de-interleaved, scaled like libsndfile (int16 / 32768, ...)
 * @throws {AudioError} for an empty, non-WAV, truncated or unsupported file
 * @example
 * ```ts
 * const audio = decodeWav(await Deno.readFile("clip.wav"), "clip.wav");
 * console.log(audio.sampleRate, audio.channels.length, audio.channels[0].length);
 * ```
 */
export function decodeWav(bytes: Uint8Array, path: string = IN_MEMORY): DecodedAudio {
  const layout = parseWavLayout(bufferSource(bytes), path);
  const { channels: channelCount, frames, blockAlign, bytesPerSample, dataOffset } = layout;
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, frames * blockAlign);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  for (let c = 0; c < channelCount; c++) {
    const out = channels[c];
    let at = c * bytesPerSample;
    if (layout.encoding === "ulaw" || layout.encoding === "alaw") {
      const table = layout.encoding === "ulaw" ? ULAW_TO_FLOAT : ALAW_TO_FLOAT;
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = table[view.getUint8(at)];
    } else if (layout.encoding === "float") {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        out[i] = bytesPerSample === 4 ? view.getFloat32(at, true) : view.getFloat64(at, true);
      }
    } else if (bytesPerSample === 1) {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = (view.getUint8(at) - 128) / 128;
    } else if (bytesPerSample === 2) {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = view.getInt16(at, true) / 32768;
    } else if (bytesPerSample === 3) {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        const value = view.getUint8(at) | (view.getUint8(at + 1) << 8) |
          (view.getInt8(at + 2) << 16);
        out[i] = value / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        out[i] = view.getInt32(at, true) / 2147483648;
      }
    }
  }
  return {
    sampleRate: layout.sampleRate,
    channels,
    bitsPerSample: layout.bitsPerSample,
    encoding: layout.encoding,
    codec: "wav",
  };
}

/** Options of {@link encodeWav}. */
export interface EncodeWavOptions {
  /** 8, 16, 24 or 32 for PCM; 32 or 64 for float (default 16). */
  bitsPerSample?: number;
  /** Integer PCM or IEEE float samples (default "pcm"). */
  encoding?: "pcm" | "float";
  /** Write a WAVE_FORMAT_EXTENSIBLE fmt chunk (default false). */
  extensible?: boolean;
  /** Extra chunks (e.g. LIST) written between fmt and data; ids are 4 ASCII characters. */
  extraChunks?: { id: string; data: Uint8Array }[];
}

/**
 * Encodes samples as a WAV file. PCM samples are rounded to the nearest step of
 * 1 / 2^(bits - 1) and clipped, so decoding gives back the input within half a step.
 *
 * @param channels one array per channel (equal lengths), or one array for mono; values in [-1, 1]
 * @param sampleRate samples per second, in Hz (a positive whole number)
 * @param options bit depth, encoding, extensible header, extra chunks
 * @returns the complete file
 * @example
 * ```ts
 * import { sine } from "./synth.ts";
 * const bytes = encodeWav(sine(440, 1, 22050, 0.5), 22050, { bitsPerSample: 24 });
 * await Deno.writeFile("tone.wav", bytes);
 * ```
 */
export function encodeWav(
  channels: Float32Array[] | Float32Array,
  sampleRate: number,
  options: EncodeWavOptions = {},
): Uint8Array {
  const { bitsPerSample = 16, encoding = "pcm", extensible = false, extraChunks = [] } = options;
  const list = channels instanceof Float32Array ? [channels] : channels;
  if (list.length === 0) throw new RangeError("encodeWav: at least one channel is needed");
  const frames = list[0].length;
  if (list.some((channel) => channel.length !== frames)) {
    throw new RangeError("encodeWav: all channels must have the same length");
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new RangeError(
      `encodeWav: sample rate must be a positive whole number, got ${sampleRate}`,
    );
  }
  const valid = encoding === "pcm" ? [8, 16, 24, 32] : [32, 64];
  if (!valid.includes(bitsPerSample)) {
    throw new RangeError(`encodeWav: ${bitsPerSample}-bit ${encoding} is not supported`);
  }
  for (const chunk of extraChunks) {
    if (!/^[\x20-\x7e]{4}$/.test(chunk.id)) {
      throw new RangeError(`encodeWav: chunk id must be 4 ASCII characters, got "${chunk.id}"`);
    }
  }

  const bytesPerSample = bitsPerSample / 8;
  const blockAlign = bytesPerSample * list.length;
  const dataBytes = frames * blockAlign;
  const formatCode = encoding === "float" ? FORMAT_FLOAT : FORMAT_PCM;
  const fmtBytes = extensible ? 40 : encoding === "float" ? 18 : 16;
  const extraBytes = extraChunks.reduce(
    (sum, c) => sum + 8 + c.data.length + (c.data.length & 1),
    0,
  );
  const total = 12 + 8 + fmtBytes + extraBytes + 8 + dataBytes + (dataBytes & 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const writeId = (at: number, id: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = id.charCodeAt(i);
  };

  writeId(0, "RIFF");
  view.setUint32(4, total - 8, true);
  writeId(8, "WAVE");
  writeId(12, "fmt ");
  view.setUint32(16, fmtBytes, true);
  view.setUint16(20, extensible ? FORMAT_EXTENSIBLE : formatCode, true);
  view.setUint16(22, list.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bitsPerSample, true);
  if (fmtBytes > 16) view.setUint16(36, fmtBytes - 18, true);
  if (extensible) {
    view.setUint16(38, bitsPerSample, true);
    const speakerMask = list.length <= 18 ? (2 ** list.length - 1) >>> 0 : 0;
    view.setUint32(40, list.length === 1 ? 0x4 : speakerMask, true);
    view.setUint16(44, formatCode, true);
    out.set(GUID_TAIL, 46);
  }
  let pos = 20 + fmtBytes;
  for (const chunk of extraChunks) {
    writeId(pos, chunk.id);
    view.setUint32(pos + 4, chunk.data.length, true);
    out.set(chunk.data, pos + 8);
    pos += 8 + chunk.data.length + (chunk.data.length & 1);
  }
  writeId(pos, "data");
  view.setUint32(pos + 4, dataBytes, true);
  pos += 8;

  const scale = 2 ** (bitsPerSample - 1);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < list.length; c++, pos += bytesPerSample) {
      const x = list[c][i];
      if (encoding === "float") {
        if (bitsPerSample === 32) view.setFloat32(pos, x, true);
        else view.setFloat64(pos, x, true);
        continue;
      }
      const q = Math.max(-scale, Math.min(scale - 1, Math.round(x * scale)));
      if (bitsPerSample === 8) view.setUint8(pos, q + 128);
      else if (bitsPerSample === 16) view.setInt16(pos, q, true);
      else if (bitsPerSample === 24) {
        view.setUint8(pos, q & 0xff);
        view.setUint8(pos + 1, (q >> 8) & 0xff);
        view.setInt8(pos + 2, q >> 16);
      } else view.setInt32(pos, q, true);
    }
  }
  return out;
}
