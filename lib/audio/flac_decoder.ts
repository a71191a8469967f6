/**
 * A FLAC decoder in plain TypeScript, written from the format specification (RFC 9639).
 *
 * It decodes every subframe type (CONSTANT, VERBATIM, FIXED orders 0-4, LPC orders 1-32), wasted
 * bits, Rice-coded residuals (4- and 5-bit parameters, escaped partitions), all channel
 * assignments (independent, left/side, side/right, mid/side), and both blocking strategies. It
 * checks every frame's CRC-8 and CRC-16 and the stream's MD5 signature, and throws an
 * {@link AudioError} naming the file and the frame on any mismatch or truncation, rather than
 * resynchronising and silently dropping audio.
 *
 * The output is the exact integer samples ({@link decodeFlacPcm}); {@link pcmToFloat} scales
 * them like libsndfile (int16 / 32768, 24-bit / 8388608, ...).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { AudioError, IN_MEMORY } from "./errors.ts";
import { type FlacKernelSession, flacKernelSession } from "./flac_wasm.ts";

/** Everything a FLAC STREAMINFO block records. */
export interface FlacStreamHeader {
  /** Smallest block size used, in samples per channel. */
  minBlockSize: number;
  /** Largest block size used, in samples per channel. */
  maxBlockSize: number;
  /** Smallest frame size in bytes (0 = unknown). */
  minFrameSize: number;
  /** Largest frame size in bytes (0 = unknown). */
  maxFrameSize: number;
  /** Samples per second per channel, in Hz. */
  sampleRate: number;
  /** Number of channels (1 to 8). */
  channelCount: number;
  /** Bits per sample (4 to 32). */
  bitsPerSample: number;
  /** Samples per channel, or 0 when the encoder did not know. */
  totalSamples: number;
  /** MD5 of the interleaved little-endian samples; all zeros when the encoder did not compute it. */
  md5: Uint8Array;
  /** Byte offset of the first audio frame. */
  firstFrameOffset: number;
}

/** A decoded FLAC stream as exact integers. */
export interface FlacPcm {
  /** What STREAMINFO says. */
  header: FlacStreamHeader;
  /** Samples per second per channel, in Hz. */
  sampleRate: number;
  /** Bits per sample of the integers. */
  bitsPerSample: number;
  /** One array of signed integer samples per channel, all the same length. */
  channels: Int32Array[];
  /** Number of audio frames decoded. */
  frameCount: number;
  /** Whether the MD5 signature was checked (false when the file carries none or it was skipped). */
  md5Checked: boolean;
}

/** Options of {@link decodeFlacPcm}. */
export interface DecodeFlacPcmOptions {
  /** Check the decoded samples against STREAMINFO's MD5 signature (default true). */
  verifyMd5?: boolean;
  /**
   * Decode residuals and LPC predictors in the WebAssembly kernel where it runs (default
   * true); false keeps every step in TypeScript, the reference the kernel is tested against.
   * Streams that do not declare their length always take the TypeScript path.
   */
  wasm?: boolean;
}

// --- CRCs -------------------------------------------------------------------------------------

/** CRC-8, polynomial x^8 + x^2 + x + 1 (0x07), over the frame header. */
const CRC8_TABLE = (() => {
  const table = new Uint8Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = (c & 0x80) ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    table[n] = c;
  }
  return table;
})();

/** CRC-16, polynomial x^16 + x^15 + x^2 + 1 (0x8005), over the whole frame. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let bit = 0; bit < 8; bit++) c = (c & 0x8000) ? ((c << 1) ^ 0x8005) & 0xffff : c << 1;
    table[n] = c & 0xffff;
  }
  return table;
})();

/**
 * Slice-by-4 tables: CRC16_SLICES[k][x] is the CRC after byte x followed by k zero bytes. The
 * CRC is linear (over XOR), so four bytes fold in as four independent lookups
 * (`crc' = S3[hi ^ b0] ^ S2[lo ^ b1] ^ S1[b2] ^ S0[b3]`) instead of a chain of four.
 */
const CRC16_SLICES = (() => {
  const slices = [CRC16_TABLE];
  for (let k = 1; k < 4; k++) {
    const previous = slices[k - 1];
    const table = new Uint16Array(256);
    for (let x = 0; x < 256; x++) {
      const c = previous[x];
      table[x] = ((c << 8) & 0xff00) ^ CRC16_TABLE[c >>> 8];
    }
    slices.push(table);
  }
  return slices;
})();

/**
 * FLAC's CRC-8 (polynomial 0x07, initial value 0) of `bytes[from, to)`.
 *
 * @param bytes the data
 * @param from first byte index
 * @param to one past the last byte index
 * @example
 * ```ts
 * flacCrc8(new Uint8Array([0xff, 0xf8, 0x69, 0x08, 0x00]), 0, 5);
 * ```
 */
export function flacCrc8(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = CRC8_TABLE[crc ^ bytes[i]];
  return crc;
}

/**
 * FLAC's CRC-16 (polynomial 0x8005, initial value 0) of `bytes[from, to)`.
 *
 * @param bytes the data
 * @param from first byte index
 * @param to one past the last byte index
 * @example
 * ```ts
 * const frameBytes = new Uint8Array(16); // a frame, its last 2 bytes the CRC-16
 * flacCrc16(frameBytes, 0, frameBytes.length - 2);
 * ```
 */
export function flacCrc16(bytes: Uint8Array, from: number, to: number): number {
  const [s0, s1, s2, s3] = CRC16_SLICES;
  let crc = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    crc = s3[(crc >>> 8) ^ bytes[i]] ^ s2[(crc & 0xff) ^ bytes[i + 1]] ^ s1[bytes[i + 2]] ^
      s0[bytes[i + 3]];
  }
  for (; i < to; i++) crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[(crc >>> 8) ^ bytes[i]];
  return crc;
}

// --- Bit reading ------------------------------------------------------------------------------

/** Thrown inside the decoder when a read runs past the end of the data; reported as truncation. */
class OutOfData extends Error {}

/** Bytes of zeros after the data, so 32-bit peeks near the end need no bounds checks. */
const PADDING = 8;

/**
 * Reads big-endian bit fields. Positions are bits relative to `base` (a byte offset), so they stay
 * small integers even in huge files; `bytes` carries {@link PADDING} zero bytes past `dataEnd`.
 */
class BitReader {
  /** Bit position relative to `base`. */
  pos = 0;
  /** Byte offset where `pos` 0 is. */
  base = 0;

  constructor(readonly bytes: Uint8Array, readonly dataEnd: number) {}

  /** Starts reading at byte `offset`. */
  seek(offset: number): void {
    this.base = offset;
    this.pos = 0;
  }

  /** Absolute byte offset of the next whole byte (after aligning). */
  byteOffset(): number {
    return this.base + ((this.pos + 7) >>> 3);
  }

  /** Bits left before the end of the real data (negative once past it). */
  bitsLeft(): number {
    return (this.dataEnd - this.base) * 8 - this.pos;
  }

  /** The 32 bits at the current position, unsigned, without consuming them. */
  peek32(): number {
    const b = this.bytes;
    const i = this.base + (this.pos >>> 3);
    const shift = this.pos & 7;
    let word = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
    if (shift !== 0) word = (word << shift) | (b[i + 4] >>> (8 - shift));
    return word >>> 0;
  }

  /** `n` (0 to 32) bits as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.bitsLeft() < n) throw new OutOfData();
    const value = this.peek32() >>> (32 - n);
    this.pos += n;
    return value;
  }

  /** `n` (0 to 32) bits as a two's-complement signed number. */
  readSigned(n: number): number {
    if (n === 0) return 0;
    const shift = 32 - n;
    return (this.read(n) << shift) >> shift;
  }

  /** Counts zero bits up to and including the next one bit; returns the count of zeros. */
  readUnary(): number {
    let zeros = 0;
    for (;;) {
      const word = this.peek32();
      if (word !== 0) {
        const z = Math.clz32(word);
        this.pos += z + 1;
        if (this.bitsLeft() < 0) throw new OutOfData();
        return zeros + z;
      }
      zeros += 32;
      this.pos += 32;
      if (this.bitsLeft() < 0) throw new OutOfData();
    }
  }

  /** Skips to the next byte boundary. */
  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

// --- Metadata ---------------------------------------------------------------------------------

/**
 * Length of an ID3v2 tag, which some taggers put in front of FLAC streams: the offset just after
 * it, 0 when there is none. Needs only the first 10 bytes. (Internal: shared with flac.ts.)
 */
export function id3v2Length(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0;
  // The size is "syncsafe": four 7-bit groups.
  const size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9];
  return 10 + size + ((head[5] & 0x10) ? 10 : 0);
}

/**
 * Parses the "fLaC" marker and the metadata blocks: STREAMINFO (which must come first) is read,
 * every other block (padding, seek table, tags, pictures, ...) is skipped.
 *
 * @param bytes the complete file
 * @param path the file name used in errors
 * @throws {AudioError} when the marker or STREAMINFO is missing or a block runs past the end
 * @example
 * ```ts
 * const header = readFlacStreamHeader(await Deno.readFile("clip.flac"), "clip.flac");
 * console.log(header.totalSamples, header.bitsPerSample);
 * ```
 */
export function readFlacStreamHeader(
  bytes: Uint8Array,
  path: string = IN_MEMORY,
): FlacStreamHeader {
  if (bytes.length === 0) throw new AudioError(path, "empty file");
  const marker = id3v2Length(bytes);
  if (
    bytes[marker] !== 0x66 || bytes[marker + 1] !== 0x4c || bytes[marker + 2] !== 0x61 ||
    bytes[marker + 3] !== 0x43
  ) {
    throw new AudioError(path, "not a FLAC file (no fLaC marker)");
  }
  let offset = marker + 4;
  let header: FlacStreamHeader | undefined;
  for (let index = 0;; index++) {
    if (offset + 4 > bytes.length) {
      throw new AudioError(path, `truncated FLAC: metadata block ${index} is cut off`);
    }
    const isLast = (bytes[offset] & 0x80) !== 0;
    const type = bytes[offset] & 0x7f;
    const length = (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
    const body = offset + 4;
    if (body + length > bytes.length) {
      throw new AudioError(
        path,
        `truncated FLAC: metadata block ${index} (type ${type}) declares ${length} bytes but ` +
          `only ${bytes.length - body} remain`,
      );
    }
    if (index === 0) {
      if (type !== 0 || length < 34) {
        throw new AudioError(path, "invalid FLAC: the first metadata block is not STREAMINFO");
      }
      header = parseStreamInfoBody(bytes.subarray(body, body + 34), path);
    } else if (type === 127) {
      throw new AudioError(
        path,
        `invalid FLAC: metadata block ${index} has the forbidden type 127`,
      );
    }
    offset = body + length;
    if (isLast) break;
  }
  header!.firstFrameOffset = offset;
  return header!;
}

/**
 * Parses the 34-byte STREAMINFO body: the project's one STREAMINFO parser, used by
 * {@link readFlacStreamHeader} and by flac.ts's header probe. (Internal.)
 *
 * @throws {AudioError} for a zero sample rate or fewer than 4 bits per sample
 */
export function parseStreamInfoBody(s: Uint8Array, path: string): FlacStreamHeader {
  const minBlockSize = (s[0] << 8) | s[1];
  const maxBlockSize = (s[2] << 8) | s[3];
  const minFrameSize = (s[4] << 16) | (s[5] << 8) | s[6];
  const maxFrameSize = (s[7] << 16) | (s[8] << 8) | s[9];
  const sampleRate = (s[10] << 12) | (s[11] << 4) | (s[12] >> 4);
  const channelCount = ((s[12] >> 1) & 0x07) + 1;
  const bitsPerSample = (((s[12] & 0x01) << 4) | (s[13] >> 4)) + 1;
  // A 36-bit count: too wide for 32-bit integer operations.
  const totalSamples = (s[13] & 0x0f) * 2 ** 32 + ((s[14] << 24) >>> 0) + (s[15] << 16) +
    (s[16] << 8) + s[17];
  if (sampleRate === 0) throw new AudioError(path, "zero sample rate in FLAC STREAMINFO");
  if (bitsPerSample < 4) {
    throw new AudioError(path, `invalid FLAC STREAMINFO: ${bitsPerSample} bits per sample`);
  }
  return {
    minBlockSize,
    maxBlockSize,
    minFrameSize,
    maxFrameSize,
    sampleRate,
    channelCount,
    bitsPerSample,
    totalSamples,
    md5: s.slice(18, 34),
    firstFrameOffset: 0,
  };
}

// --- Frames -----------------------------------------------------------------------------------

/** Sample rates of frame-header codes 1 to 11, in Hz. */
const SAMPLE_RATE_CODES = [
  0,
  88200,
  176400,
  192000,
  8000,
  16000,
  22050,
  24000,
  32000,
  44100,
  48000,
  96000,
];
/** Bits per sample of frame-header codes 1 to 7 (3 is reserved). */
const SAMPLE_SIZE_CODES = [0, 8, 12, -1, 16, 20, 24, 32];

const LEFT_SIDE = 8;
const SIDE_RIGHT = 9;
const MID_SIDE = 10;

/** A parsed frame header. */
interface FrameHeader {
  blockSize: number;
  sampleRate: number;
  channelAssignment: number;
  channelCount: number;
  bitsPerSample: number;
  variableBlocking: boolean;
  /** Frame number (fixed blocking) or first sample number (variable blocking). */
  number: number;
}

/** A frame-level problem, reported as "corrupt FLAC: frame N: <message>". */
class FrameError extends Error {}

function readFrameHeader(r: BitReader, info: FlacStreamHeader): FrameHeader {
  const start = r.base;
  const sync = r.read(15);
  if (sync !== 0x7ffc) throw new FrameError(`no frame sync code at byte ${start}`);
  const variableBlocking = r.read(1) === 1;
  const blockSizeCode = r.read(4);
  const sampleRateCode = r.read(4);
  const channelAssignment = r.read(4);
  const sampleSizeCode = r.read(3);
  if (r.read(1) !== 0) throw new FrameError("reserved header bit is set");
  const number = readCodedNumber(r, variableBlocking ? 7 : 6);

  let blockSize: number;
  if (blockSizeCode === 0) throw new FrameError("reserved block size code 0");
  else if (blockSizeCode === 1) blockSize = 192;
  else if (blockSizeCode <= 5) blockSize = 576 << (blockSizeCode - 2);
  else if (blockSizeCode === 6) blockSize = r.read(8) + 1;
  else if (blockSizeCode === 7) blockSize = r.read(16) + 1;
  else blockSize = 256 << (blockSizeCode - 8);

  let sampleRate: number;
  if (sampleRateCode === 0) sampleRate = info.sampleRate;
  else if (sampleRateCode <= 11) sampleRate = SAMPLE_RATE_CODES[sampleRateCode];
  else if (sampleRateCode === 12) sampleRate = r.read(8) * 1000;
  else if (sampleRateCode === 13) sampleRate = r.read(16);
  else if (sampleRateCode === 14) sampleRate = r.read(16) * 10;
  else throw new FrameError("invalid sample rate code 15");

  let channelCount: number;
  if (channelAssignment <= 7) channelCount = channelAssignment + 1;
  else if (channelAssignment <= MID_SIDE) channelCount = 2;
  else throw new FrameError(`reserved channel assignment ${channelAssignment}`);

  const bitsPerSample = sampleSizeCode === 0
    ? info.bitsPerSample
    : SAMPLE_SIZE_CODES[sampleSizeCode];
  if (bitsPerSample < 0) throw new FrameError("reserved sample size code 3");

  const crc = r.read(8);
  const computed = flacCrc8(r.bytes, start, r.byteOffset() - 1);
  if (crc !== computed) throw new FrameError("header CRC-8 mismatch");
  return {
    blockSize,
    sampleRate,
    channelAssignment,
    channelCount,
    bitsPerSample,
    variableBlocking,
    number,
  };
}

/** The UTF-8-like coded frame or sample number (1 to 7 bytes, up to 36 bits). */
function readCodedNumber(r: BitReader, maxBytes: number): number {
  const first = r.read(8);
  if (first < 0x80) return first;
  let extra: number;
  let value: number;
  if (first >= 0xc0 && first < 0xe0) [extra, value] = [1, first & 0x1f];
  else if (first >= 0xe0 && first < 0xf0) [extra, value] = [2, first & 0x0f];
  else if (first >= 0xf0 && first < 0xf8) [extra, value] = [3, first & 0x07];
  else if (first >= 0xf8 && first < 0xfc) [extra, value] = [4, first & 0x03];
  else if (first >= 0xfc && first < 0xfe) [extra, value] = [5, first & 0x01];
  else if (first === 0xfe) [extra, value] = [6, 0];
  else {throw new FrameError(
      `invalid coded frame/sample number (first byte 0x${first.toString(16)})`,
    );}
  if (extra + 1 > maxBytes) throw new FrameError("coded frame/sample number is too long");
  for (let i = 0; i < extra; i++) {
    const byte = r.read(8);
    if ((byte & 0xc0) !== 0x80) throw new FrameError("invalid coded frame/sample number");
    // Multiplication, not shifts: the value may exceed 32 bits.
    value = value * 64 + (byte & 0x3f);
  }
  return value;
}

// --- Subframes --------------------------------------------------------------------------------

/**
 * Decodes one subframe into `out[0, blockSize)`.
 * @param bitsPerSample the subframe's sample size (one more for a side channel)
 * @param kernel the WebAssembly kernel's session (then `out`, `coefs` and `r.bytes` are views
 *   of its memory), or undefined for the TypeScript loops
 */
function decodeSubframe(
  r: BitReader,
  out: Int32Array,
  blockSize: number,
  bitsPerSample: number,
  coefs: Int32Array,
  kernel: FlacKernelSession | undefined,
): void {
  if (r.read(1) !== 0) throw new FrameError("subframe padding bit is set");
  const type = r.read(6);
  let wasted = 0;
  if (r.read(1) === 1) wasted = r.readUnary() + 1;
  const bits = bitsPerSample - wasted;
  if (bits <= 0) throw new FrameError(`${wasted} wasted bits leave no sample bits`);
  if (bits > 32) throw new FrameError(`${bits}-bit subframes are not supported`);

  if (type === 0) {
    const value = r.readSigned(bits);
    out.fill(value, 0, blockSize);
  } else if (type === 1) {
    if (r.bitsLeft() < blockSize * bits) throw new OutOfData();
    for (let i = 0; i < blockSize; i++) out[i] = r.readSigned(bits);
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    if (order > blockSize) throw new FrameError(`FIXED order ${order} exceeds the block size`);
    for (let i = 0; i < order; i++) out[i] = r.readSigned(bits);
    decodeResidual(r, out, blockSize, order, kernel);
    restoreFixed(out, blockSize, order);
  } else if (type >= 32) {
    const order = type - 31;
    if (order > blockSize) throw new FrameError(`LPC order ${order} exceeds the block size`);
    for (let i = 0; i < order; i++) out[i] = r.readSigned(bits);
    const precision = r.read(4) + 1;
    if (precision === 16) throw new FrameError("invalid LPC coefficient precision code 15");
    const shift = r.readSigned(5);
    if (shift < 0) throw new FrameError(`negative LPC shift ${shift}`);
    for (let i = 0; i < order; i++) coefs[i] = r.readSigned(precision);
    decodeResidual(r, out, blockSize, order, kernel);
    // The predictor's sum fits 32-bit integer arithmetic when the sample, coefficient and order
    // bits add up to at most 32 (libFLAC's criterion); otherwise fall back to exact doubles.
    const orderBits = Math.ceil(Math.log2(order));
    const fits32 = bits + precision + orderBits <= 32;
    if (kernel) kernel.lpc(out, blockSize, order, shift, !fits32);
    else if (fits32) restoreLpc32(out, blockSize, coefs, order, shift);
    else restoreLpcWide(out, blockSize, coefs, order, shift);
  } else {
    throw new FrameError(`reserved subframe type ${type}`);
  }
  if (wasted > 0) {
    for (let i = 0; i < blockSize; i++) out[i] <<= wasted;
  }
}

/** Reads the Rice-coded residual into `out[order, blockSize)`, in the kernel when given. */
function decodeResidual(
  r: BitReader,
  out: Int32Array,
  blockSize: number,
  order: number,
  kernel: FlacKernelSession | undefined,
): void {
  const method = r.read(2);
  if (method > 1) throw new FrameError(`reserved residual coding method ${method}`);
  const paramBits = method === 0 ? 4 : 5;
  const escapeCode = method === 0 ? 15 : 31;
  const partitionOrder = r.read(4);
  const partitions = 1 << partitionOrder;
  const partitionSize = blockSize >>> partitionOrder;
  if (partitionSize << partitionOrder !== blockSize || partitionSize < order) {
    throw new FrameError(
      `partition order ${partitionOrder} does not fit block size ${blockSize} and order ${order}`,
    );
  }
  if (kernel) {
    // r reads kernel.bytes, so its position is the kernel's bit position.
    const at = r.base * 8 + r.pos;
    const after = kernel.residual(at, out, blockSize, order, partitionOrder, paramBits);
    if (after < 0) throw new OutOfData();
    r.pos = after - r.base * 8;
    return;
  }
  const b = r.bytes;
  let i = order;
  for (let p = 0; p < partitions; p++) {
    const end = (p + 1) * partitionSize;
    const k = r.read(paramBits);
    if (k === escapeCode) {
      const rawBits = r.read(5);
      if (r.bitsLeft() < (end - i) * rawBits) throw new OutOfData();
      for (; i < end; i++) out[i] = r.readSigned(rawBits);
      continue;
    }
    // The hot loop: locals instead of fields, one or two 32-bit peeks per sample.
    const base = r.base;
    let pos = r.pos;
    const limit = r.bitsLeft() + pos;
    for (; i < end; i++) {
      let index = base + (pos >>> 3);
      let shift = pos & 7;
      let word = (b[index] << 24) | (b[index + 1] << 16) | (b[index + 2] << 8) | b[index + 3];
      if (shift !== 0) word = (word << shift) | (b[index + 4] >>> (8 - shift));
      let quotient = 0;
      while (word === 0) {
        quotient += 32;
        pos += 32;
        if (pos > limit) throw new OutOfData();
        index = base + (pos >>> 3);
        shift = pos & 7;
        word = (b[index] << 24) | (b[index + 1] << 16) | (b[index + 2] << 8) | b[index + 3];
        if (shift !== 0) word = (word << shift) | (b[index + 4] >>> (8 - shift));
      }
      const zeros = Math.clz32(word);
      quotient += zeros;
      pos += zeros + 1;
      let low = 0;
      if (k !== 0 && zeros + k < 32) {
        // The low bits are in the same word (zeros + 1 + k <= 32 bits).
        low = (word << (zeros + 1)) >>> (32 - k);
        pos += k;
      } else if (k !== 0) {
        index = base + (pos >>> 3);
        shift = pos & 7;
        word = (b[index] << 24) | (b[index + 1] << 16) | (b[index + 2] << 8) | b[index + 3];
        if (shift !== 0) word = (word << shift) | (b[index + 4] >>> (8 - shift));
        low = word >>> (32 - k);
        pos += k;
      }
      if (quotient < (1 << (31 - k)) >>> 0) {
        const folded = (quotient << k) | low;
        out[i] = (folded >>> 1) ^ -(folded & 1);
      } else {
        // A residual wider than 31 bits (only in 32-bit streams): exact in doubles.
        const folded = quotient * 2 ** k + low;
        out[i] = folded % 2 === 0 ? folded / 2 : -(folded + 1) / 2;
      }
    }
    if (pos > limit) throw new OutOfData();
    r.pos = pos;
  }
}

/** Adds the FIXED predictor of `order` (0 to 4) to the residuals in `out[order, n)`. */
function restoreFixed(out: Int32Array, n: number, order: number): void {
  switch (order) {
    case 1:
      for (let i = 1; i < n; i++) out[i] += out[i - 1];
      break;
    case 2:
      for (let i = 2; i < n; i++) out[i] += 2 * out[i - 1] - out[i - 2];
      break;
    case 3:
      for (let i = 3; i < n; i++) out[i] += 3 * (out[i - 1] - out[i - 2]) + out[i - 3];
      break;
    case 4:
      for (let i = 4; i < n; i++) {
        out[i] += 4 * (out[i - 1] + out[i - 3]) - 6 * out[i - 2] - out[i - 4];
      }
      break;
  }
}

/**
 * LPC restoration in 32-bit integer arithmetic (the caller checked the sum cannot overflow).
 * Orders up to 12 (libFLAC's levels 0-8 use at most 12) run through unrolled 8- or 12-tap
 * kernels with zero coefficients past the order; the first 12 samples take the generic loop, so
 * the kernels never index before the block.
 */
function restoreLpc32(
  out: Int32Array,
  n: number,
  coefs: Int32Array,
  order: number,
  shift: number,
): void {
  const taps = order <= 8 ? 8 : order <= 12 ? 12 : order;
  const generic = order > 12 ? n : Math.min(n, taps);
  for (let i = order; i < generic; i++) {
    let sum = 0;
    for (let j = 0; j < order; j++) sum = (sum + Math.imul(coefs[j], out[i - 1 - j])) | 0;
    out[i] += sum >> shift;
  }
  if (generic === n) return;
  coefs.fill(0, order, taps);
  const c0 = coefs[0], c1 = coefs[1], c2 = coefs[2], c3 = coefs[3];
  const c4 = coefs[4], c5 = coefs[5], c6 = coefs[6], c7 = coefs[7];
  // The previous samples ride in locals (x1 = out[i - 1], ...), so no sample is read back
  // from memory right after being written, and the newest sample's product is added last:
  // the other products do not wait for it. The sum is exact in doubles (at most 12 int32
  // terms), so its order does not change it.
  let x1 = out[taps - 1], x2 = out[taps - 2], x3 = out[taps - 3], x4 = out[taps - 4];
  let x5 = out[taps - 5], x6 = out[taps - 6], x7 = out[taps - 7], x8 = out[taps - 8];
  if (taps === 8) {
    for (let i = 8; i < n; i++) {
      const older = Math.imul(c7, x8) + Math.imul(c6, x7) + Math.imul(c5, x6) +
        Math.imul(c4, x5) + Math.imul(c3, x4) + Math.imul(c2, x3) + Math.imul(c1, x2);
      const value = (out[i] + ((older + Math.imul(c0, x1)) >> shift)) | 0;
      out[i] = value;
      x8 = x7, x7 = x6, x6 = x5, x5 = x4, x4 = x3, x3 = x2, x2 = x1, x1 = value;
    }
    return;
  }
  const c8 = coefs[8], c9 = coefs[9], c10 = coefs[10], c11 = coefs[11];
  let x9 = out[taps - 9], x10 = out[taps - 10], x11 = out[taps - 11], x12 = out[taps - 12];
  for (let i = 12; i < n; i++) {
    const older = Math.imul(c11, x12) + Math.imul(c10, x11) + Math.imul(c9, x10) +
      Math.imul(c8, x9) + Math.imul(c7, x8) + Math.imul(c6, x7) + Math.imul(c5, x6) +
      Math.imul(c4, x5) + Math.imul(c3, x4) + Math.imul(c2, x3) + Math.imul(c1, x2);
    const value = (out[i] + ((older + Math.imul(c0, x1)) >> shift)) | 0;
    out[i] = value;
    x12 = x11, x11 = x10, x10 = x9, x9 = x8, x8 = x7, x7 = x6, x6 = x5, x5 = x4, x4 = x3;
    x3 = x2, x2 = x1, x1 = value;
  }
}

/** LPC restoration in exact double arithmetic, for sums wider than 32 bits. */
function restoreLpcWide(
  out: Int32Array,
  n: number,
  coefs: Int32Array,
  order: number,
  shift: number,
): void {
  const scale = 2 ** -shift;
  for (let i = order; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < order; j++) sum += coefs[j] * out[i - 1 - j];
    out[i] += Math.floor(sum * scale);
  }
}

// --- Stream -----------------------------------------------------------------------------------

/**
 * Decodes a whole FLAC file to exact integer samples, checking each frame's CRC-8 and CRC-16 and
 * the stream's MD5 signature.
 *
 * @param bytes the complete file (an ID3v2 tag in front is skipped)
 * @param path the file name used in errors
 * @param options `verifyMd5: false` skips the MD5 check
 * @throws {AudioError} naming the file, e.g. "corrupt FLAC: frame 12: CRC-16 mismatch",
 *   "truncated FLAC: frame 3 is cut off at the end of the file", "corrupt FLAC: MD5 mismatch"
 * @example
 * ```ts
 * const pcm = decodeFlacPcm(await Deno.readFile("clip.flac"), "clip.flac");
 * console.log(pcm.sampleRate, pcm.bitsPerSample, pcm.channels[0][0]);
 * ```
 */
export function decodeFlacPcm(
  bytes: Uint8Array,
  path: string = IN_MEMORY,
  options: DecodeFlacPcmOptions = {},
): FlacPcm {
  const frames = decodeFrames(bytes, path, options);
  return {
    header: frames.header,
    sampleRate: frames.header.sampleRate,
    bitsPerSample: frames.header.bitsPerSample,
    // The kernel's memory is reused by the next file: its channels are copied out.
    channels: frames.kernel ? frames.channels.map((channel) => channel.slice()) : frames.channels,
    frameCount: frames.frameCount,
    md5Checked: frames.md5Checked,
  };
}

/**
 * Decodes a whole FLAC file straight to floats scaled like {@link pcmToFloat}: the same values
 * as `pcmToFloat(decodeFlacPcm(bytes, path).channels, bits)`, without the integer copy (the
 * kernel converts the samples where it decoded them). Internal: for flac.ts.
 *
 * @throws {AudioError} like {@link decodeFlacPcm}
 */
export function decodeFlacFloat(
  bytes: Uint8Array,
  path: string = IN_MEMORY,
): { header: FlacStreamHeader; channels: Float32Array[] } {
  const { header, channels, kernel } = decodeFrames(bytes, path, {});
  const bits = header.bitsPerSample;
  return {
    header,
    channels: kernel
      ? channels.map((channel) => kernel.toFloat(channel, bits))
      : pcmToFloat(channels, bits),
  };
}

/** What {@link decodeFrames} leaves: the samples where they were decoded. */
interface DecodedFrames {
  header: FlacStreamHeader;
  /** Views of the kernel's memory (valid until its next file) when `kernel` is set. */
  channels: Int32Array[];
  frameCount: number;
  md5Checked: boolean;
  kernel: FlacKernelSession | undefined;
}

/** The decoding loop of {@link decodeFlacPcm} and {@link decodeFlacFloat}. */
function decodeFrames(
  bytes: Uint8Array,
  path: string,
  options: DecodeFlacPcmOptions,
): DecodedFrames {
  const header = readFlacStreamHeader(bytes, path);
  const channelCount = header.channelCount;
  const known = header.totalSamples > 0;
  let capacity = known ? header.totalSamples : Math.max(header.maxBlockSize, 4096) * 16;
  // The kernel needs every sample's place up front: only for streams that declare their length.
  const kernel = (options.wasm ?? true) && known
    ? flacKernelSession(bytes, channelCount, capacity)
    : undefined;
  // A zero-padded copy, so the bit reader's 32-bit peeks never read out of bounds.
  let padded: Uint8Array;
  if (kernel) {
    padded = kernel.bytes;
  } else {
    padded = new Uint8Array(bytes.length + PADDING);
    padded.set(bytes);
  }
  const reader = new BitReader(padded, bytes.length);
  let channels = kernel?.channels ??
    Array.from({ length: channelCount }, () => new Int32Array(capacity));
  const coefs = kernel?.coefs ?? new Int32Array(32);
  let decoded = 0;
  let frameIndex = 0;
  let offset = header.firstFrameOffset;

  while (offset < bytes.length) {
    if (known && decoded >= header.totalSamples) break; // Trailing bytes (e.g. an ID3v1 tag).
    if (
      !known && bytes.length - offset === 128 && bytes[offset] === 0x54 &&
      bytes[offset + 1] === 0x41 && bytes[offset + 2] === 0x47
    ) break; // An ID3v1 tag ("TAG") at the end.
    reader.seek(offset);
    try {
      const frame = readFrameHeader(reader, header);
      checkFrameAgainstStream(frame, header, frameIndex, decoded);
      const { blockSize } = frame;
      if (decoded + blockSize > capacity) {
        if (known) {
          throw new FrameError(
            `frames hold more than the ${header.totalSamples} samples STREAMINFO declares`,
          );
        }
        capacity = Math.max(capacity * 2, decoded + blockSize);
        channels = channels.map((channel) => {
          const grown = new Int32Array(capacity);
          grown.set(channel.subarray(0, decoded));
          return grown;
        });
      }
      const views = channels.map((channel) => channel.subarray(decoded, decoded + blockSize));
      const bits = frame.bitsPerSample;
      const assignment = frame.channelAssignment;
      for (let c = 0; c < channelCount; c++) {
        // The side channel carries one extra bit.
        const isSide = (assignment === LEFT_SIDE && c === 1) ||
          (assignment === SIDE_RIGHT && c === 0) || (assignment === MID_SIDE && c === 1);
        if (isSide && bits === 32) {
          throw new FrameError("33-bit side channels of 32-bit stereo are not supported");
        }
        decodeSubframe(reader, views[c], blockSize, isSide ? bits + 1 : bits, coefs, kernel);
      }
      if (assignment >= LEFT_SIDE) decorrelate(views[0], views[1], blockSize, assignment);
      reader.align();
      const crcAt = reader.byteOffset();
      const stored = reader.read(16);
      if (flacCrc16(padded, offset, crcAt) !== stored) throw new FrameError("CRC-16 mismatch");
      decoded += blockSize;
      offset = reader.byteOffset();
      frameIndex++;
    } catch (error) {
      if (error instanceof OutOfData || (reader.bitsLeft() < 0 && error instanceof FrameError)) {
        throw new AudioError(
          path,
          `truncated FLAC: frame ${frameIndex} is cut off at the end of the file ` +
            `(${decoded} of ${known ? header.totalSamples : "?"} samples decoded)`,
        );
      }
      if (error instanceof FrameError) {
        throw new AudioError(path, `corrupt FLAC: frame ${frameIndex}: ${error.message}`);
      }
      throw error;
    }
  }

  if (decoded === 0 && (known || offset >= bytes.length)) {
    throw new AudioError(path, "corrupt or truncated FLAC: no audio frames could be decoded");
  }
  if (known && decoded < header.totalSamples) {
    throw new AudioError(
      path,
      `truncated FLAC: STREAMINFO declares ${header.totalSamples} samples but only ${decoded} ` +
        "could be decoded",
    );
  }
  if (decoded < capacity) {
    channels = channels.map((channel) =>
      kernel ? channel.subarray(0, decoded) : channel.slice(0, decoded)
    );
  }

  const wantMd5 = options.verifyMd5 ?? true;
  const hasMd5 = header.md5.some((byte) => byte !== 0);
  if (wantMd5 && hasMd5) {
    const actual = kernel && channels.length === 1 && header.bitsPerSample === 16
      ? new Uint8Array(createHash("md5").update(kernel.pack16(channels[0])).digest())
      : flacMd5(channels, header.bitsPerSample);
    if (!actual.every((byte, i) => byte === header.md5[i])) {
      throw new AudioError(
        path,
        `corrupt FLAC: MD5 mismatch (decoded ${toHex(actual)}, STREAMINFO ${toHex(header.md5)})`,
      );
    }
  }
  return { header, channels, frameCount: frameIndex, md5Checked: wantMd5 && hasMd5, kernel };
}

/** A frame must agree with STREAMINFO and follow on from the previous one. */
function checkFrameAgainstStream(
  frame: FrameHeader,
  info: FlacStreamHeader,
  frameIndex: number,
  decoded: number,
): void {
  if (frame.channelCount !== info.channelCount) {
    throw new FrameError(
      `has ${frame.channelCount} channels but STREAMINFO declares ${info.channelCount}`,
    );
  }
  if (frame.bitsPerSample !== info.bitsPerSample) {
    throw new FrameError(
      `has ${frame.bitsPerSample} bits per sample but STREAMINFO declares ${info.bitsPerSample}`,
    );
  }
  if (frame.sampleRate !== info.sampleRate) {
    throw new FrameError(
      `has sample rate ${frame.sampleRate} Hz but STREAMINFO declares ${info.sampleRate} Hz`,
    );
  }
  const expected = frame.variableBlocking ? decoded : frameIndex;
  if (frame.number !== expected) {
    const what = frame.variableBlocking ? "sample number" : "frame number";
    throw new FrameError(`header has ${what} ${frame.number}, expected ${expected} (lost frames?)`);
  }
}

/** Undoes stereo decorrelation in place: `a`, `b` become left and right. */
function decorrelate(a: Int32Array, b: Int32Array, n: number, assignment: number): void {
  if (assignment === LEFT_SIDE) {
    for (let i = 0; i < n; i++) b[i] = a[i] - b[i];
  } else if (assignment === SIDE_RIGHT) {
    for (let i = 0; i < n; i++) a[i] = a[i] + b[i];
  } else {
    for (let i = 0; i < n; i++) {
      const side = b[i];
      // mid * 2 plus the bit the encoder's halving dropped (side and mid*2 + lost have the same
      // parity); doubles keep it exact for 32-bit samples.
      const mid = a[i] * 2 + (side & 1);
      a[i] = (mid + side) / 2;
      b[i] = (mid - side) / 2;
    }
  }
}

/**
 * The MD5 signature FLAC records in STREAMINFO: MD5 of the samples interleaved, each written
 * little-endian in ceil(bitsPerSample / 8) bytes.
 *
 * @param channels one array of integer samples per channel
 * @param bitsPerSample the stream's sample size in bits (4 to 32)
 * @returns the 16-byte digest
 * @example
 * ```ts
 * const digest = flacMd5([new Int32Array([1, -1])], 16); // MD5 of 01 00 ff ff
 * ```
 */
export function flacMd5(channels: Int32Array[], bitsPerSample: number): Uint8Array {
  const bytesPerSample = (bitsPerSample + 7) >>> 3;
  const frames = channels.length === 0 ? 0 : channels[0].length;
  const hash = createHash("md5");
  // Hash in chunks so a long file needs no second full-size copy.
  const chunkFrames = 65536;
  const stride = channels.length * bytesPerSample;
  const buffer = new Uint8Array(Math.min(frames, chunkFrames) * stride);
  const int16 = bytesPerSample === 2 && LITTLE_ENDIAN ? new Int16Array(buffer.buffer) : undefined;
  for (let start = 0; start < frames; start += chunkFrames) {
    const end = Math.min(frames, start + chunkFrames);
    let o = 0;
    if (int16) {
      // The common 16-bit case: one store per sample on a little-endian machine.
      const count = channels.length;
      for (let c = 0; c < count; c++) {
        const channel = channels[c];
        for (let i = start, j = c; i < end; i++, j += count) int16[j] = channel[i];
      }
      hash.update(buffer.subarray(0, (end - start) * stride));
      continue;
    }
    for (let i = start; i < end; i++) {
      for (let c = 0; c < channels.length; c++) {
        const value = channels[c][i];
        buffer[o++] = value;
        if (bytesPerSample > 1) buffer[o++] = value >> 8;
        if (bytesPerSample > 2) buffer[o++] = value >> 16;
        if (bytesPerSample > 3) buffer[o++] = value >> 24;
      }
    }
    hash.update(buffer.subarray(0, o));
  }
  return new Uint8Array(hash.digest());
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Scales integer samples to floats like libsndfile / soundfile: divides by 2^(bits - 1), so
 * 16-bit audio becomes int16 / 32768 and 24-bit audio int24 / 8388608, in [-1, 1).
 *
 * @param channels one array of integer samples per channel
 * @param bitsPerSample the integers' sample size in bits
 * @returns one Float32Array per channel
 * @example
 * ```ts
 * pcmToFloat([new Int32Array([-32768, 16384])], 16); // [Float32Array [-1, 0.5]]
 * ```
 */
export function pcmToFloat(channels: Int32Array[], bitsPerSample: number): Float32Array[] {
  const scale = 2 ** -(bitsPerSample - 1);
  return channels.map((channel) => {
    const out = new Float32Array(channel.length);
    for (let i = 0; i < channel.length; i++) out[i] = channel[i] * scale;
    return out;
  });
}
