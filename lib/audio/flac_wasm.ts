/**
 * The FLAC decoder's hot loops in WebAssembly (flac_kernel.wat): Rice-coded residual partitions
 * (about 2.5x faster than flac_decoder.ts's loop: a 64-bit bit buffer, so a sample costs a count
 * of leading zeros and two shifts) and LPC restoration (as fast as the TypeScript, which it
 * mirrors, but on the same memory), giving the same integers (tests/flac_test.ts decodes every
 * subframe kind both ways).
 *
 * One module instance per thread. For each file the kernel's memory holds a zero-padded copy of
 * the file's bytes, every channel's decoded samples and the LPC coefficients; the decoder reads
 * headers, warm-up samples and CRCs through views of that memory, so nothing is copied between
 * the stages, only the finished channels out at the end. Internal to lib/audio.
 *
 * @module
 */
import { growMemory, wasmKernel } from "../util/wasm.ts";
import { FLAC_KERNEL_WASM } from "./flac_kernel.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  residual: (
    pos: number,
    limit: number,
    out: number,
    blockSize: number,
    order: number,
    partitionOrder: number,
    paramBits: number,
  ) => number;
  lpc32: (out: number, n: number, coefs: number, order: number, shift: number) => void;
  lpcWide: (out: number, n: number, coefs: number, order: number, shift: number) => void;
  toFloat: (src: number, dst: number, n: number, scale: number) => void;
  pack16: (src: number, dst: number, n: number) => void;
}

const loadKernel = wasmKernel<Kernel>(FLAC_KERNEL_WASM);

/** Byte address of the 32 LPC coefficients (int32). */
const COEFS_AT = 64;
/** First byte of the channels. */
const CHANNELS_AT = 256;
/** Zero bytes after the file's data: the kernel's 64-bit peeks read up to 16 bytes past it. */
const DATA_PADDING = 64;
/** Bytes past the scratch area's samples that whole-vector loops may write. */
const SCRATCH_SLACK = 64;
/**
 * Largest memory a file may take: bit positions are int32 in the kernel (2^31 bits = 256 MiB).
 * Larger files take the TypeScript path.
 */
const MAX_BYTES = 1 << 28;

/** One file's decoding state in the kernel's memory (valid until the next file's). */
export interface FlacKernelSession {
  /** The file's bytes followed by zero padding (a view of the kernel's memory). */
  bytes: Uint8Array;
  /** One array per channel for all the stream's samples (views of the kernel's memory). */
  channels: Int32Array[];
  /** The LPC coefficients the next {@link FlacKernelSession.lpc} call uses (32 entries). */
  coefs: Int32Array;
  /**
   * Decodes a residual's partitions into `out[order, blockSize)` (`out` a view into
   * `channels`), from `bitPosition` bits after the start of `bytes`.
   * @returns the bit position after the residual, or -1 when it runs past the data's end
   */
  residual(
    bitPosition: number,
    out: Int32Array,
    blockSize: number,
    order: number,
    partitionOrder: number,
    paramBits: number,
  ): number;
  /** LPC restoration of `out[order, n)` with `coefs`; `wide` for sums past 32 bits. */
  lpc(out: Int32Array, n: number, order: number, shift: number, wide: boolean): void;
  /** A channel (a view into `channels`) as floats, scaled as `pcmToFloat` scales them. */
  toFloat(channel: Int32Array, bitsPerSample: number): Float32Array;
  /**
   * The bytes FLAC's MD5 covers for a mono 16-bit stream's channel (each sample's low two
   * bytes, little-endian): a view of the kernel's memory, valid until the next call.
   */
  pack16(channel: Int32Array): Uint8Array;
}

/**
 * Puts `file` into the kernel's memory and lays out room for `channelCount` channels of
 * `samples` samples each.
 *
 * @returns the session, or undefined when the kernel cannot run here or the file is too large
 */
export function flacKernelSession(
  file: Uint8Array,
  channelCount: number,
  samples: number,
): FlacKernelSession | undefined {
  const k = loadKernel();
  if (!k) return undefined;
  const channelBytes = 4 * samples;
  const bytesAt = CHANNELS_AT + channelCount * channelBytes;
  // Room for one channel's floats (or packed bytes), and the whole vectors' overrun.
  const scratchAt = (bytesAt + file.length + DATA_PADDING + 15) & ~15;
  const end = scratchAt + channelBytes + SCRATCH_SLACK;
  if (end > MAX_BYTES) return undefined;
  growMemory(k.memory, end);
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer, bytesAt, file.length + DATA_PADDING);
  bytes.set(file);
  bytes.fill(0, file.length);
  const channels = Array.from(
    { length: channelCount },
    (_, c) => new Int32Array(buffer, CHANNELS_AT + c * channelBytes, samples),
  );
  const limit = 8 * (bytesAt + file.length);
  return {
    bytes,
    channels,
    coefs: new Int32Array(buffer, COEFS_AT, 32),
    residual: (bitPosition, out, blockSize, order, partitionOrder, paramBits) => {
      const after = k.residual(
        8 * bytesAt + bitPosition,
        limit,
        out.byteOffset,
        blockSize,
        order,
        partitionOrder,
        paramBits,
      );
      return after < 0 ? -1 : after - 8 * bytesAt;
    },
    lpc(out, n, order, shift, wide) {
      if (wide) {
        k.lpcWide(out.byteOffset, n, COEFS_AT, order, shift);
      } else {
        // The unrolled 12-tap loop multiplies the coefficients past the order too.
        if (order < 12) this.coefs.fill(0, order, 12);
        k.lpc32(out.byteOffset, n, COEFS_AT, order, shift);
      }
    },
    toFloat(channel, bitsPerSample) {
      k.toFloat(channel.byteOffset, scratchAt, channel.length, 2 ** -(bitsPerSample - 1));
      return new Float32Array(buffer, scratchAt, channel.length).slice();
    },
    pack16(channel) {
      k.pack16(channel.byteOffset, scratchAt, channel.length);
      return new Uint8Array(buffer, scratchAt, 2 * channel.length);
    },
  };
}
