/**
 * Tests of the pure-TypeScript FLAC decoder (lib/audio/flac_decoder.ts).
 *
 * There is no FLAC encoder among our dependencies, so a small test-only encoder below writes
 * streams by hand: CONSTANT, VERBATIM, FIXED and LPC subframes (a lossless LPC encoding needs no
 * coefficient search: any coefficients give residual = sample - prediction), Rice partitions with
 * chosen parameters and escapes, wasted bits, every stereo mode and header code variant. When
 * ffmpeg or sox is installed, streams from those real encoders are checked too; with ../shared,
 * every TESS clip is decoded, its MD5 checked and compared with the original WAVs.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  AudioError,
  decodeAudio,
  decodeFlac,
  decodeWav,
  encodeWav,
  probeAudio,
} from "../lib/audio/mod.ts";
import { mulberry32 } from "../lib/util/random.ts";
import {
  decodeFlacFloat,
  decodeFlacPcm,
  flacCrc16,
  flacCrc8,
  flacMd5,
  pcmToFloat,
  readFlacStreamHeader,
} from "../lib/audio/flac_decoder.ts";
import { flacKernelSession } from "../lib/audio/flac_wasm.ts";
import { haveShared, SHARED_DIR, skipped } from "./shared_data.ts";
import { assertAudioError } from "./audio_assertions.ts";

// --- A test-only FLAC encoder ------------------------------------------------------------------

/** Writes big-endian bit fields, one bit at a time (test streams are small). */
class BitWriter {
  private bytes: number[] = [];
  private bitCount = 0;

  /** Writes `value` (unsigned, or negative two's complement) in `n` bits. */
  write(value: number, n: number): void {
    const unsigned = value < 0 ? value + 2 ** n : value;
    for (let i = n - 1; i >= 0; i--) this.bit(Math.floor(unsigned / 2 ** i) % 2);
  }

  unary(zeros: number): void {
    for (let i = 0; i < zeros; i++) this.bit(0);
    this.bit(1);
  }

  bit(b: number): void {
    if (this.bitCount % 8 === 0) this.bytes.push(0);
    if (b) this.bytes[this.bytes.length - 1] |= 0x80 >> (this.bitCount % 8);
    this.bitCount++;
  }

  align(): void {
    while (this.bitCount % 8 !== 0) this.bit(0);
  }

  get length(): number {
    return this.bytes.length;
  }

  toBytes(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

/** How one subframe is coded. `wasted` shifts out low zero bits first. */
type SubframeSpec =
  & { wasted?: number }
  & (
    | { kind: "constant" }
    | { kind: "verbatim" }
    | { kind: "fixed"; order: number; rice?: RiceSpec }
    | { kind: "lpc"; coefs: number[]; precision: number; shift: number; rice?: RiceSpec }
  );

/** How the residual is partitioned and Rice-coded. */
interface RiceSpec {
  partitionOrder?: number;
  /** Use 5-bit Rice parameters (coding method 1). */
  fiveBit?: boolean;
  /** A fixed parameter for every partition; by default a good one is picked per partition. */
  parameter?: number;
  /** Partitions to write as escaped raw samples. */
  escaped?: number[];
}

type ChannelMode = "independent" | "left-side" | "side-right" | "mid-side";

interface EncodeOptions {
  sampleRate: number;
  bitsPerSample: number;
  /** Block sizes in order; the last one repeats until the samples run out. */
  blockSizes: number[];
  channelMode?: ChannelMode;
  /** Picks each subframe's coding (frame index, channel index after decorrelation). */
  subframe: (frame: number, channel: number) => SubframeSpec;
  variableBlocking?: boolean;
  /** Write sample rate and sample size as "from STREAMINFO" (codes 0). */
  headerDefaults?: boolean;
  /** Metadata blocks (type, body) written after STREAMINFO. */
  extraBlocks?: { type: number; body: Uint8Array }[];
  /** Leave STREAMINFO's MD5 all zeros. */
  noMd5?: boolean;
  /** Record 0 (unknown) as the total sample count. */
  unknownLength?: boolean;
}

const SAMPLE_RATE_CODES: Record<number, number> = {
  88200: 1,
  176400: 2,
  192000: 3,
  8000: 4,
  16000: 5,
  22050: 6,
  24000: 7,
  32000: 8,
  44100: 9,
  48000: 10,
  96000: 11,
};
const SAMPLE_SIZE_CODES: Record<number, number> = { 8: 1, 12: 2, 16: 4, 20: 5, 24: 6, 32: 7 };

function codedNumber(w: BitWriter, value: number): void {
  if (value < 0x80) return w.write(value, 8);
  let extra = 1;
  while (value >= 2 ** (6 * extra + 6 - extra)) extra++;
  const lead = (0xff00 >> (extra + 1)) & 0xff;
  w.write(lead | Math.floor(value / 2 ** (6 * extra)), 8);
  for (let i = extra - 1; i >= 0; i--) w.write(0x80 | (Math.floor(value / 2 ** (6 * i)) % 64), 8);
}

function writeResidual(
  w: BitWriter,
  residual: number[],
  blockSize: number,
  order: number,
  spec: RiceSpec,
) {
  let partitionOrder = spec.partitionOrder ?? 0;
  // Like a real encoder: only orders that split the block evenly and leave room for the warm-up.
  while (
    partitionOrder > 0 && (blockSize % (1 << partitionOrder) || blockSize >> partitionOrder < order)
  ) {
    partitionOrder--;
  }
  const fiveBit = spec.fiveBit ?? false;
  w.write(fiveBit ? 1 : 0, 2);
  w.write(partitionOrder, 4);
  const size = blockSize >> partitionOrder;
  let i = order;
  for (let p = 0; p < 1 << partitionOrder; p++) {
    const end = (p + 1) * size;
    const part = residual.slice(i, end);
    if (spec.escaped?.includes(p)) {
      const maxAbs = Math.max(0, ...part.map((v) => (v < 0 ? -v - 1 : v)));
      const bits = part.every((v) => v === 0) ? 0 : Math.ceil(Math.log2(maxAbs + 1)) + 1;
      w.write(fiveBit ? 31 : 15, fiveBit ? 5 : 4);
      w.write(bits, 5);
      for (const v of part) w.write(v, bits);
    } else {
      const mean = part.reduce((sum, v) => sum + Math.abs(v), 0) / Math.max(1, part.length);
      const best = Math.max(0, Math.floor(Math.log2(mean + 1)));
      const k = spec.parameter ?? Math.min(best, fiveBit ? 30 : 14);
      w.write(k, fiveBit ? 5 : 4);
      for (const v of part) {
        const folded = v >= 0 ? 2 * v : -2 * v - 1;
        w.unary(Math.floor(folded / 2 ** k));
        w.write(folded % 2 ** k, k);
      }
    }
    i = end;
  }
}

const FIXED_COEFS = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

function writeSubframe(w: BitWriter, samples: number[], bits: number, spec: SubframeSpec): void {
  const wasted = spec.wasted ?? 0;
  const x = samples.map((v) => v / 2 ** wasted);
  assert.ok(x.every(Number.isInteger), "wasted bits must be zero in the samples");
  const b = bits - wasted;
  w.bit(0);
  const typeCode = spec.kind === "constant"
    ? 0
    : spec.kind === "verbatim"
    ? 1
    : spec.kind === "fixed"
    ? 8 + spec.order
    : 31 + spec.coefs.length;
  w.write(typeCode, 6);
  if (wasted > 0) {
    w.bit(1);
    w.unary(wasted - 1);
  } else w.bit(0);
  if (spec.kind === "constant") {
    assert.ok(x.every((v) => v === x[0]), "CONSTANT needs a constant block");
    w.write(x[0], b);
    return;
  }
  if (spec.kind === "verbatim") {
    for (const v of x) w.write(v, b);
    return;
  }
  const coefs = spec.kind === "fixed" ? FIXED_COEFS[spec.order] : spec.coefs;
  const shift = spec.kind === "fixed" ? 0 : spec.shift;
  const order = coefs.length;
  for (let i = 0; i < order; i++) w.write(x[i], b);
  if (spec.kind === "lpc") {
    w.write(spec.precision - 1, 4);
    w.write(spec.shift, 5);
    for (const c of spec.coefs) w.write(c, spec.precision);
  }
  const residual = x.map((v, i) => {
    if (i < order) return 0;
    let sum = 0;
    for (let j = 0; j < order; j++) sum += coefs[j] * x[i - 1 - j];
    return v - Math.floor(sum / 2 ** shift);
  });
  writeResidual(w, residual, x.length, order, spec.rice ?? {});
}

/** Encodes integer samples as a FLAC file. */
function encodeFlac(channels: Int32Array[], options: EncodeOptions): Uint8Array {
  const { sampleRate, bitsPerSample: bits, blockSizes } = options;
  const mode = options.channelMode ?? "independent";
  const total = channels[0].length;
  const frames: Uint8Array[] = [];
  let start = 0;
  for (let f = 0; start < total; f++) {
    const blockSize = Math.min(blockSizes[Math.min(f, blockSizes.length - 1)], total - start);
    const w = new BitWriter();
    w.write(options.variableBlocking ? 0xfff9 : 0xfff8, 16);
    const sizeCode = blockSize === 192
      ? 1
      : [576, 1152, 2304, 4608].includes(blockSize)
      ? 2 + Math.log2(blockSize / 576)
      : [256, 512, 1024, 2048, 4096, 8192, 16384, 32768].includes(blockSize)
      ? 8 + Math.log2(blockSize / 256)
      : blockSize <= 256
      ? 6
      : 7;
    w.write(sizeCode, 4);
    let rateCode = options.headerDefaults ? 0 : SAMPLE_RATE_CODES[sampleRate];
    if (rateCode === undefined) {
      rateCode = sampleRate % 1000 === 0 && sampleRate < 256000 ? 12 : sampleRate < 65536 ? 13 : 14;
    }
    w.write(rateCode, 4);
    const assignment = mode === "independent"
      ? channels.length - 1
      : { "left-side": 8, "side-right": 9, "mid-side": 10 }[mode];
    w.write(assignment, 4);
    w.write(options.headerDefaults ? 0 : SAMPLE_SIZE_CODES[bits], 3);
    w.bit(0);
    codedNumber(w, options.variableBlocking ? start : f);
    if (sizeCode === 6) w.write(blockSize - 1, 8);
    if (sizeCode === 7) w.write(blockSize - 1, 16);
    if (rateCode === 12) w.write(sampleRate / 1000, 8);
    if (rateCode === 13) w.write(sampleRate, 16);
    if (rateCode === 14) w.write(sampleRate / 10, 16);
    const headerBytes = w.toBytes();
    w.write(flacCrc8(headerBytes, 0, headerBytes.length), 8);

    const block = channels.map((channel) => Array.from(channel.subarray(start, start + blockSize)));
    let coded = block;
    let sideIndex = -1;
    if (mode !== "independent") {
      const [left, right] = block;
      const side = left.map((l, i) => l - right[i]);
      if (mode === "left-side") [coded, sideIndex] = [[left, side], 1];
      if (mode === "side-right") [coded, sideIndex] = [[side, right], 0];
      if (mode === "mid-side") {
        [coded, sideIndex] = [[left.map((l, i) => Math.floor((l + right[i]) / 2)), side], 1];
      }
    }
    coded.forEach((samples, c) => {
      writeSubframe(w, samples, c === sideIndex ? bits + 1 : bits, options.subframe(f, c));
    });
    w.align();
    const body = w.toBytes();
    const frame = new Uint8Array(body.length + 2);
    frame.set(body);
    const crc = flacCrc16(body, 0, body.length);
    frame[body.length] = crc >> 8;
    frame[body.length + 1] = crc & 0xff;
    frames.push(frame);
    start += blockSize;
  }

  const info = new BitWriter();
  info.write(Math.min(...blockSizes), 16);
  info.write(Math.max(...blockSizes), 16);
  info.write(0, 24);
  info.write(0, 24);
  info.write(sampleRate, 20);
  info.write(channels.length - 1, 3);
  info.write(bits - 1, 5);
  info.write(options.unknownLength ? 0 : total, 36);
  const md5 = options.noMd5 ? new Uint8Array(16) : independentMd5(channels, bits);
  for (const byte of md5) info.write(byte, 8);
  const blocks = [{ type: 0, body: info.toBytes() }, ...(options.extraBlocks ?? [])];
  const parts: Uint8Array[] = [new TextEncoder().encode("fLaC")];
  blocks.forEach((block, i) => {
    const head = new Uint8Array(4);
    head[0] = (i === blocks.length - 1 ? 0x80 : 0) | block.type;
    head[1] = block.body.length >> 16;
    head[2] = (block.body.length >> 8) & 0xff;
    head[3] = block.body.length & 0xff;
    parts.push(head, block.body);
  });
  return concat([...parts, ...frames]);
}

/** MD5 of interleaved little-endian samples, written plainly (independent of flacMd5). */
function independentMd5(channels: Int32Array[], bits: number): Uint8Array {
  const width = Math.ceil(bits / 8);
  const bytes: number[] = [];
  for (let i = 0; i < channels[0].length; i++) {
    for (const channel of channels) {
      for (let k = 0; k < width; k++) bytes.push((channel[i] >> (8 * k)) & 0xff);
    }
  }
  return new Uint8Array(createHash("md5").update(new Uint8Array(bytes)).digest());
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// --- Test signals and helpers -------------------------------------------------------------------

/** A tone plus noise, as integers of `bits` bits, optionally with a silent (constant) stretch. */
function testSignal(length: number, bits: number, seed: number, amplitude = 0.6): Int32Array {
  const random = mulberry32(seed);
  const full = 2 ** (bits - 1);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const tone = Math.sin((2 * Math.PI * 440 * i) / 16000) * amplitude;
    const value = Math.round((tone + (random() - 0.5) * 0.05) * full);
    out[i] = Math.max(-full, Math.min(full - 1, value));
  }
  return out;
}

function assertSamples(actual: Int32Array[], expected: Int32Array[]): void {
  assert.equal(actual.length, expected.length, "channel count");
  expected.forEach((channel, c) => {
    assert.equal(actual[c].length, channel.length, `channel ${c} length`);
    for (let i = 0; i < channel.length; i++) {
      if (actual[c][i] !== channel[i]) {
        assert.fail(`channel ${c} sample ${i}: got ${actual[c][i]}, expected ${channel[i]}`);
      }
    }
  });
}

// --- Tests --------------------------------------------------------------------------------------

Deno.test("CRC-8 and CRC-16 match the standard check values", () => {
  const digits = new TextEncoder().encode("123456789");
  assert.equal(flacCrc8(digits, 0, 9), 0xf4); // CRC-8 (poly 0x07, init 0)
  assert.equal(flacCrc16(digits, 0, 9), 0xfee8); // CRC-16/UMTS (poly 0x8005, init 0)
  assert.equal(flacCrc8(digits, 0, 0), 0);
});

Deno.test("CRC-16 by four-byte slices equals the byte-at-a-time CRC on any span", () => {
  // The textbook bitwise CRC, one byte at a time, as the reference.
  const bytewise = (bytes: Uint8Array, from: number, to: number) => {
    let crc = 0;
    for (let i = from; i < to; i++) {
      crc ^= bytes[i] << 8;
      for (let bit = 0; bit < 8; bit++) {
        crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : crc << 1;
      }
    }
    return crc;
  };
  const random = mulberry32(77);
  const bytes = Uint8Array.from({ length: 300 }, () => Math.floor(random() * 256));
  for (let from = 0; from < 6; from++) {
    for (let to = from; to <= 300; to += to < 20 ? 1 : 37) {
      assert.equal(flacCrc16(bytes, from, to), bytewise(bytes, from, to), `bytes ${from}..${to}`);
    }
  }
});

Deno.test("flacMd5 hashes interleaved little-endian samples at their byte width", () => {
  const md5 = (bytes: number[]) =>
    new Uint8Array(createHash("md5").update(new Uint8Array(bytes)).digest());
  assert.deepEqual(flacMd5([new Int32Array([1, -2])], 16), md5([1, 0, 0xfe, 0xff]));
  assert.deepEqual(
    flacMd5([new Int32Array([1, 3]), new Int32Array([-1, 4])], 16),
    md5([1, 0, 0xff, 0xff, 3, 0, 4, 0]),
  );
  assert.deepEqual(
    flacMd5([new Int32Array([-8388608, 0x123456])], 24),
    md5([0, 0, 0x80, 0x56, 0x34, 0x12]),
  );
  assert.deepEqual(flacMd5([new Int32Array([-128, 5])], 8), md5([0x80, 5]));
  assert.deepEqual(flacMd5([new Int32Array([-2048])], 12), md5([0x00, 0xf8]));
  assert.deepEqual(flacMd5([new Int32Array([-2])], 32), md5([0xfe, 0xff, 0xff, 0xff]));
});

Deno.test("pcmToFloat scales like libsndfile (1 / 2^(bits - 1))", () => {
  const [a] = pcmToFloat([new Int32Array([-32768, 16384, 32767])], 16);
  assert.deepEqual(Array.from(a), [-1, 0.5, 32767 / 32768]);
  const [b] = pcmToFloat([new Int32Array([-8388608, 4194304])], 24);
  assert.deepEqual(Array.from(b), [-1, 0.5]);
});

Deno.test("mono 16-bit: every subframe type decodes to the exact samples", async () => {
  const samples = testSignal(4096 * 3 + 1000, 16, 1);
  samples.fill(-123, 4096, 4096 + 512); // frame 8 (blocks of 512) is CONSTANT
  const specs: SubframeSpec[] = [
    { kind: "verbatim" },
    { kind: "fixed", order: 0 },
    { kind: "fixed", order: 1 },
    { kind: "fixed", order: 2, rice: { partitionOrder: 3 } },
    { kind: "fixed", order: 3, rice: { partitionOrder: 2, fiveBit: true } },
    { kind: "fixed", order: 4, rice: { partitionOrder: 1, escaped: [1] } },
    { kind: "lpc", coefs: [2, -1], precision: 4, shift: 0 },
    { kind: "lpc", coefs: [1843], precision: 12, shift: 11, rice: { parameter: 0 } },
    { kind: "constant" },
    // Order 8 (the unrolled path), then 32 (the maximum), with a 15-bit precision.
    { kind: "lpc", coefs: [3000, -1800, 900, -400, 200, -100, 50, -20], precision: 13, shift: 11 },
    {
      kind: "lpc",
      coefs: Array.from(
        { length: 32 },
        (_, i) => (i === 0 ? 16000 : (i % 2 ? -1 : 1) * (300 - 9 * i)),
      ),
      precision: 15,
      shift: 14,
      rice: { partitionOrder: 4, fiveBit: true, escaped: [0, 7] },
    },
    { kind: "fixed", order: 2, rice: { parameter: 14 } },
    // Order 5 (the 8-tap kernel with zero taps) and 12 (the 12-tap kernel, full).
    { kind: "lpc", coefs: [2900, -1500, 700, -300, 120], precision: 13, shift: 11 },
    {
      kind: "lpc",
      coefs: [3000, -1800, 900, -400, 200, -100, 50, -20, 10, -5, 3, -1],
      precision: 13,
      shift: 11,
    },
  ];
  const flac = encodeFlac([samples], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [512],
    subframe: (frame) =>
      frame === 8
        ? { kind: "constant" }
        : frame % specs.length === 8
        ? { kind: "verbatim" }
        : specs[frame % specs.length],
  });
  const pcm = decodeFlacPcm(flac, "mono.flac");
  assertSamples(pcm.channels, [samples]);
  assert.equal(pcm.frameCount, Math.ceil(samples.length / 512));
  assert.equal(pcm.md5Checked, true);
  assert.equal(pcm.sampleRate, 16000);
  assert.equal(pcm.header.totalSamples, samples.length);

  // decodeFlac and decodeAudio give libsndfile-scaled floats.
  const audio = await decodeAudio(flac, "mono.flac");
  assert.equal(audio.codec, "flac");
  assert.equal(audio.bitsPerSample, 16);
  assert.deepEqual(audio.channels[0], Float32Array.from(samples, (v) => v / 32768));
});

Deno.test("stereo: independent, left/side, side/right and mid/side, 16 and 24 bits", () => {
  for (const bits of [16, 24]) {
    const left = testSignal(3000, bits, 2, 0.9);
    const right = testSignal(3000, bits, 3, -0.8); // side = left - right needs bits + 1
    right[5] = -(2 ** (bits - 1)); // extremes stress the side channel's extra bit
    left[5] = 2 ** (bits - 1) - 1;
    left[6] = -(2 ** (bits - 1));
    right[6] = 2 ** (bits - 1) - 1;
    for (const mode of ["independent", "left-side", "side-right", "mid-side"] as ChannelMode[]) {
      const flac = encodeFlac([left, right], {
        sampleRate: 44100,
        bitsPerSample: bits,
        blockSizes: [1152],
        channelMode: mode,
        subframe: (frame, channel) =>
          frame === 0
            ? { kind: "verbatim" }
            : frame === 1
            ? { kind: "fixed", order: channel + 1, rice: { fiveBit: true } }
            : { kind: "lpc", coefs: [7000, -3000], precision: 14, shift: 12 },
      });
      const pcm = decodeFlacPcm(flac, `${mode}.flac`);
      assertSamples(pcm.channels, [left, right]);
      assert.equal(pcm.bitsPerSample, bits);
    }
  }
});

Deno.test("wide LPC sums (24-bit, order 32, 15-bit coefficients) use exact arithmetic", () => {
  const samples = testSignal(2048, 24, 4, 0.95);
  const coefs = Array.from(
    { length: 32 },
    (_, i) => (i < 2 ? [16383, -16000][i] : 16000 - 1000 * i),
  );
  const flac = encodeFlac([samples], {
    sampleRate: 48000,
    bitsPerSample: 24,
    blockSizes: [1024],
    subframe: () => ({ kind: "lpc", coefs, precision: 15, shift: 0, rice: { fiveBit: true } }),
  });
  assertSamples(decodeFlacPcm(flac, "wide.flac").channels, [samples]);
});

Deno.test("wasted bits, odd sample sizes and header-code variants", () => {
  // 12-bit samples stored with their 3 low bits zero; a 20-bit stream.
  const coarse = testSignal(1500, 12, 5).map((v) => v & ~7);
  const twelve = encodeFlac([coarse], {
    sampleRate: 22050,
    bitsPerSample: 12,
    blockSizes: [192, 576, 300], // codes 1, 2 and 7 (16-bit size at the end of the header)
    subframe: (frame) =>
      [
        { kind: "verbatim", wasted: 3 },
        { kind: "fixed", order: 2, wasted: 2 },
        { kind: "lpc", coefs: [3, -1], precision: 5, shift: 1, wasted: 3 },
      ][frame % 3] as SubframeSpec,
  });
  assertSamples(decodeFlacPcm(twelve, "12bit.flac").channels, [coarse]);

  const twenty = testSignal(1000, 20, 6);
  for (const sampleRate of [24414, 11000, 192000, 654320, 8000]) {
    const flac = encodeFlac([twenty], {
      sampleRate,
      bitsPerSample: 20,
      blockSizes: [100], // code 6 (8-bit size at the end of the header)
      subframe: () => ({ kind: "fixed", order: 3 }),
    });
    const pcm = decodeFlacPcm(flac, "20bit.flac");
    assertSamples(pcm.channels, [twenty]);
    assert.equal(pcm.sampleRate, sampleRate);
  }

  // Sample rate and size "from STREAMINFO", 8-bit samples.
  const eight = testSignal(700, 8, 7);
  const fromInfo = encodeFlac([eight], {
    sampleRate: 12345,
    bitsPerSample: 8,
    blockSizes: [256],
    headerDefaults: true,
    subframe: () => ({ kind: "fixed", order: 1 }),
  });
  assertSamples(decodeFlacPcm(fromInfo, "8bit.flac").channels, [eight]);
});

Deno.test("variable blocking with multi-byte sample numbers; unknown length; metadata blocks", () => {
  const samples = testSignal(40000, 16, 8);
  const flac = encodeFlac([samples], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [100, 4000, 4096, 1234, 16384], // sample numbers past 127 and 2047
    variableBlocking: true,
    unknownLength: true,
    noMd5: true,
    extraBlocks: [
      { type: 4, body: new TextEncoder().encode("\x04\0\0\0testa\0\0\0\0") }, // tags
      { type: 1, body: new Uint8Array(100) }, // padding
    ],
    subframe: () => ({ kind: "fixed", order: 2, rice: { partitionOrder: 2 } }),
  });
  const pcm = decodeFlacPcm(flac, "variable.flac");
  assertSamples(pcm.channels, [samples]);
  assert.equal(pcm.header.totalSamples, 0);
  assert.equal(pcm.md5Checked, false);

  // An ID3v2 tag in front is skipped.
  const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
  assertSamples(decodeFlacPcm(concat([id3, flac]), "tagged.flac").channels, [samples]);

  // Fixed blocking with frame numbers above 127 (two-byte coded numbers).
  const many = testSignal(200 * 20, 16, 9);
  const fixed = encodeFlac([many], {
    sampleRate: 8000,
    bitsPerSample: 16,
    blockSizes: [20],
    subframe: () => ({ kind: "verbatim" }),
  });
  const decoded = decodeFlacPcm(fixed, "many.flac");
  assertSamples(decoded.channels, [many]);
  assert.equal(decoded.frameCount, 200);
  assert.equal(readFlacStreamHeader(fixed).totalSamples, many.length);
});

Deno.test("corruption is an AudioError naming the file and what is wrong", async () => {
  const samples = testSignal(4000, 16, 10);
  const flac = encodeFlac([samples], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [1000],
    subframe: () => ({ kind: "fixed", order: 2 }),
  });
  const firstFrame = readFlacStreamHeader(flac).firstFrameOffset;
  const frameLength = (flac.length - firstFrame) / 4; // roughly; only used to land inside one

  // One flipped byte in the residual of the third frame: CRC-16.
  const flipped = flac.slice();
  flipped[firstFrame + Math.floor(frameLength * 2.5)] ^= 0x10;
  await assertAudioError(
    () => decodeFlac(flipped, "flipped.flac"),
    "flipped.flac",
    /frame 2: .*(CRC-16|partition|Rice|residual)/,
  );
  assert.throws(
    () => decodeFlacPcm(flipped, "flipped.flac"),
    /flipped\.flac: corrupt FLAC: frame 2/,
  );

  // A flipped bit in a frame header: CRC-8.
  const header = flac.slice();
  header[firstFrame + 4] ^= 0x01; // the coded frame number
  assert.throws(
    () => decodeFlacPcm(header, "h.flac"),
    /h\.flac: corrupt FLAC: frame 0: header CRC-8 mismatch/,
  );

  // A wrong MD5 signature in STREAMINFO.
  const md5 = flac.slice();
  md5[8 + 18 + 3] ^= 0xff;
  await assertAudioError(() => decodeFlac(md5, "md5.flac"), "md5.flac", /MD5 mismatch/);

  // A wrong sample with valid CRCs (re-encoded frames, stale MD5) is caught by the MD5 alone.
  const changed = samples.slice();
  changed[1234] += 1;
  const stale = encodeFlac([changed], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [1000],
    subframe: () => ({ kind: "fixed", order: 2 }),
  });
  stale.set(flac.subarray(8 + 18, 8 + 34), 8 + 18);
  assert.throws(
    () => decodeFlacPcm(stale, "stale.flac"),
    /stale\.flac: corrupt FLAC: MD5 mismatch/,
  );
  assertSamples(decodeFlacPcm(stale, "stale.flac", { verifyMd5: false }).channels, [changed]);

  // Cut off mid-frame and at a frame boundary.
  await assertAudioError(
    () => decodeFlac(flac.subarray(0, flac.length - 50), "cut.flac"),
    "cut.flac",
    /truncated FLAC: frame 3 is cut off/,
  );
  const boundary = encodeFlac([samples.subarray(0, 3000)], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [1000],
    subframe: () => ({ kind: "verbatim" }),
  });
  const lying = boundary.slice();
  lying[8 + 16] = 4000 >> 8; // STREAMINFO claims 4000 samples
  lying[8 + 17] = 4000 & 0xff;
  await assertAudioError(
    () => decodeFlac(lying, "short.flac"),
    "short.flac",
    /STREAMINFO declares 4000 samples but only 3000/,
  );

  // A dropped frame in the middle: the frame numbers no longer follow on.
  const frames: number[] = [];
  for (let at = firstFrame; at < flac.length - 1; at++) {
    if (flac[at] === 0xff && flac[at + 1] === 0xf8 && flacCrc8(flac, at, at + 7) === flac[at + 7]) {
      frames.push(at);
    }
  }
  assert.equal(frames.length, 4, "frame starts found");
  const dropped = concat([flac.subarray(0, frames[1]), flac.subarray(frames[2])]);
  await assertAudioError(
    () => decodeFlac(dropped, "gap.flac"),
    "gap.flac",
    /frame 1: header has frame number 2, expected 1/,
  );

  // Not FLAC at all / no STREAMINFO.
  await assertAudioError(
    () => decodeFlac(new TextEncoder().encode("RIFF...."), "x.flac"),
    "x.flac",
    /fLaC/,
  );
});

Deno.test("random damage never hangs or escapes as anything but an AudioError", () => {
  const left = testSignal(6000, 16, 13);
  const right = testSignal(6000, 16, 14);
  const flac = encodeFlac([left, right], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [1024],
    channelMode: "mid-side",
    subframe: (frame) =>
      frame % 2
        ? {
          kind: "lpc",
          coefs: [1800, -700],
          precision: 12,
          shift: 10,
          rice: { partitionOrder: 2 },
        }
        : { kind: "fixed", order: 2, rice: { fiveBit: true, escaped: [0] } },
  });
  const random = mulberry32(99);
  let rejected = 0;
  for (let trial = 0; trial < 300; trial++) {
    let damaged = flac.slice();
    if (trial % 3 === 0) damaged[Math.floor(random() * flac.length)] ^= 1 << (trial % 8);
    else if (trial % 3 === 1) damaged = flac.slice(0, Math.floor(random() * flac.length));
    else {
      for (let k = 0; k < 10; k++) damaged[42 + Math.floor(random() * (flac.length - 42))] = trial;
    }
    try {
      const pcm = decodeFlacPcm(damaged, "damaged.flac");
      // Only damage the checks cannot see (e.g. STREAMINFO's frame-size hints) may pass.
      assertSamples(pcm.channels, [left, right]);
    } catch (error) {
      assert.ok(error instanceof AudioError, `trial ${trial}: ${error}`);
      assert.equal(error.path, "damaged.flac");
      rejected++;
    }
  }
  assert.ok(rejected > 280, `only ${rejected} of 300 damaged files rejected`);
});

Deno.test("decodeFlac of a file on disk; probeAudio agrees", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_flac_test_" });
  try {
    const samples = [testSignal(5000, 16, 11), testSignal(5000, 16, 12)];
    const path = join(dir, "clip.flac");
    await Deno.writeFile(
      path,
      encodeFlac(samples, {
        sampleRate: 24414,
        bitsPerSample: 16,
        blockSizes: [4096],
        channelMode: "mid-side",
        subframe: () => ({ kind: "fixed", order: 2 }),
      }),
    );
    const audio = await decodeAudio(await Deno.readFile(path), path);
    assert.equal(audio.sampleRate, 24414);
    assert.deepEqual(audio.channels, pcmToFloat(samples, 16));
    assert.deepEqual(await probeAudio(path), {
      sampleRate: 24414,
      channels: 2,
      frames: 5000,
      duration: 5000 / 24414,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- Real encoders, when installed ---------------------------------------------------------------

function hasCommand(name: string, versionFlag: string): boolean {
  try {
    return new Deno.Command(name, { args: [versionFlag], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const HAS_FFMPEG = hasCommand("ffmpeg", "-version");
const HAS_SOX = hasCommand("sox", "--version");
if (!HAS_FFMPEG) skipped("flac_test: ffmpeg-encoded FLAC streams", "ffmpeg not found");
if (!HAS_SOX) skipped("flac_test: sox (libFLAC) FLAC files", "sox not found (apt-get install sox)");

async function checkExternal(encode: (wav: string, flac: string) => string[], program: string) {
  const dir = await Deno.makeTempDir({ prefix: "ser_flac_ext_" });
  try {
    for (const [channels, bits] of [[1, 16], [2, 16], [2, 24]]) {
      const data = Array.from(
        { length: channels },
        (_, c) => testSignal(30000, bits, 20 + c, 0.7 - c),
      );
      const float = pcmToFloat(data, bits);
      const wav = join(dir, `in_${channels}_${bits}.wav`);
      const flac = join(dir, `out_${channels}_${bits}.flac`);
      await Deno.writeFile(wav, encodeWav(float, 44100, { bitsPerSample: bits }));
      const result = await new Deno.Command(program, { args: encode(wav, flac), stderr: "piped" })
        .output();
      assert.ok(result.success, new TextDecoder().decode(result.stderr));
      const expected = decodeWav(await Deno.readFile(wav), wav);
      const actual = await decodeFlac(await Deno.readFile(flac), flac);
      assert.deepEqual(actual.channels, expected.channels, flac);
      assert.equal(decodeFlacPcm(await Deno.readFile(flac), flac).md5Checked, true);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "ffmpeg's FLAC encoder (LPC up to order 32, stereo modes) decodes exactly",
  ignore: !HAS_FFMPEG,
  async fn() {
    for (const level of ["0", "5", "12"]) {
      await checkExternal(
        (
          wav,
          flac,
        ) => ["-v", "error", "-y", "-i", wav, "-c:a", "flac", "-compression_level", level, flac],
        "ffmpeg",
      );
    }
  },
});

Deno.test({
  name: "sox (libFLAC) FLAC files decode exactly",
  ignore: !HAS_SOX,
  async fn() {
    await checkExternal((wav, flac) => [wav, "-C", "8", flac], "sox");
  },
});

// --- The real corpus ------------------------------------------------------------------------------

const TESS_FLAC = `${SHARED_DIR}/data/TESS/TESS Toronto emotional speech set data`;
const TESS_WAV = `${SHARED_DIR}/data/TESS-wav-sample/TESS Toronto emotional speech set data`;
const hasShared = haveShared("flac_test: TESS FLAC corpus", TESS_FLAC, TESS_WAV);

Deno.test({
  name: "TESS: all 2800 FLAC files decode with matching MD5 and STREAMINFO length",
  ignore: !hasShared,
  async fn() {
    const paths: string[] = [];
    for (const folder of [...Deno.readDirSync(TESS_FLAC)].map((e) => e.name).sort()) {
      for (const name of [...Deno.readDirSync(join(TESS_FLAC, folder))].map((e) => e.name).sort()) {
        if (name.endsWith(".flac")) paths.push(join(TESS_FLAC, folder, name));
      }
    }
    assert.equal(paths.length, 2800);
    let decodeMs = 0;
    let totalSeconds = 0;
    for (const path of paths) {
      const bytes = await Deno.readFile(path);
      const start = performance.now();
      const pcm = decodeFlacPcm(bytes, path);
      decodeMs += performance.now() - start;
      assert.ok(pcm.md5Checked, `${path}: no MD5 checked`);
      assert.equal(pcm.channels[0].length, pcm.header.totalSamples, path);
      totalSeconds += pcm.header.totalSamples / pcm.sampleRate;
    }
    // The file the WASM decoder cut short (it lost the last 79 samples).
    const time = decodeFlacPcm(
      await Deno.readFile(join(TESS_FLAC, "YAF_sad", "YAF_time_sad.flac")),
    );
    assert.equal(time.channels[0].length, 53327);
    console.log(
      `decoded ${paths.length} TESS files: ${(decodeMs / paths.length).toFixed(2)} ms per file ` +
        `(${(totalSeconds / paths.length).toFixed(2)} s of audio each)`,
    );
  },
});

Deno.test({
  name: "TESS: FLAC decodes sample-exactly like the original WAVs (140 clips)",
  ignore: !hasShared,
  async fn() {
    let compared = 0;
    for (const folder of [...Deno.readDirSync(TESS_WAV)].map((e) => e.name).sort()) {
      for (const name of [...Deno.readDirSync(join(TESS_WAV, folder))].map((e) => e.name).sort()) {
        const wavPath = join(TESS_WAV, folder, name);
        const flacPath = join(TESS_FLAC, folder, name.replace(/\.wav$/, ".flac"));
        const wav = decodeWav(await Deno.readFile(wavPath), wavPath);
        const flac = await decodeFlac(await Deno.readFile(flacPath), flacPath);
        assert.equal(flac.sampleRate, wav.sampleRate);
        assert.deepEqual(flac.channels, wav.channels, flacPath);
        compared++;
      }
    }
    assert.equal(compared, 140);
  },
});

// --- The WebAssembly kernel against the TypeScript path -------------------------------------------

/**
 * Decodes `flac` both ways (the kernel for residuals and LPC, and the TypeScript reference):
 * the same samples, or the same error message.
 */
function assertKernelMatches(flac: Uint8Array, name: string): "decoded" | "rejected" {
  const attempt = (wasm: boolean) => {
    try {
      return decodeFlacPcm(flac, name, { wasm });
    } catch (error) {
      assert.ok(error instanceof AudioError, `${name}: ${error}`);
      return error.message;
    }
  };
  const reference = attempt(false);
  const kernel = attempt(true);
  if (typeof reference === "string") {
    assert.equal(kernel, reference, `${name}: both paths reject it alike`);
    return "rejected";
  }
  assert.ok(typeof kernel !== "string", `${name}: the kernel rejected it: ${kernel}`);
  assertSamples(kernel.channels, reference.channels);
  assert.equal(kernel.frameCount, reference.frameCount);
  return "decoded";
}

/** A stable predictor of `order` taps at `precision` bits: 1.8 x[-1] - 0.85 x[-2] + small taps. */
function lpcSpec(order: number, precision: number, rice: RiceSpec = {}): SubframeSpec {
  const shift = precision - 2;
  const unit = 2 ** shift;
  const coefs = Array.from({ length: order }, (_, j) => {
    if (order === 1) return Math.round(0.9 * unit);
    if (j === 0) return Math.round(1.8 * unit);
    if (j === 1) return Math.round(-0.85 * unit);
    return (j % 2 ? -1 : 1) * Math.max(1, Math.round(unit / (8 * j * j)));
  });
  return { kind: "lpc", coefs, precision, shift, rice };
}

Deno.test("WebAssembly kernel = TypeScript path: LPC orders 1-32 at 12, 16 and 24 bits", () => {
  // 12 bits with 12-bit coefficients keeps every order in 32-bit sums (the kernel's unrolled
  // loop to order 12, its generic loop above); 16 and 24 bits at 15 take the wide sums from
  // order 2 / 1 on. Odd block sizes, including ones shorter than the unrolled loop's 12 taps.
  assert.ok(flacKernelSession(new Uint8Array(8), 1, 8), "the kernel runs here");
  for (const [bits, precision] of [[12, 12], [16, 12], [16, 15], [24, 15]]) {
    for (let order = 1; order <= 32; order++) {
      const blockSizes = [4096, 1153, 33, 13, 4096 - order, 2 * order + 1, 4095];
      const length = blockSizes.reduce((sum, size) => sum + size, 0);
      const samples = testSignal(length, bits, 20 + bits + precision + order, 0.7);
      const flac = encodeFlac([samples], {
        sampleRate: 16000,
        bitsPerSample: bits,
        blockSizes,
        subframe: (frame) =>
          frame === 3 && order > 13
            ? { kind: "fixed", order: 2 } // a 13-sample block cannot hold a longer warm-up
            : lpcSpec(order, precision, {
              partitionOrder: frame % 5,
              fiveBit: frame % 2 === 1,
              escaped: frame === 0 ? [1] : [],
            }),
      });
      assert.equal(assertKernelMatches(flac, `lpc-${bits}-${precision}-${order}.flac`), "decoded");
    }
  }
});

Deno.test("WebAssembly kernel = TypeScript path: Rice parameters, escapes, long quotients", () => {
  const noisy = testSignal(5000, 16, 31, 0.9);
  const cases: [string, RiceSpec][] = [
    ["k0", { parameter: 0 }], // quotients of thousands of bits: the zero-word loop
    ["k1", { parameter: 1, partitionOrder: 3 }],
    ["k14", { parameter: 14 }], // low bits past the kernel's bit buffer
    ["k30", { parameter: 30, fiveBit: true }],
    ["auto5", { fiveBit: true, partitionOrder: 6 }],
    ["escapes", { partitionOrder: 4, escaped: [0, 3, 15] }],
    ["escapes5", { partitionOrder: 2, fiveBit: true, escaped: [1, 2] }],
    ["order8", { partitionOrder: 8 }],
  ];
  for (const [name, rice] of cases) {
    for (const kind of ["fixed", "lpc"] as const) {
      const flac = encodeFlac([noisy], {
        sampleRate: 16000,
        bitsPerSample: 16,
        blockSizes: [1024, 777],
        subframe: () => kind === "fixed" ? { kind, order: 1, rice } : lpcSpec(10, 13, rice),
      });
      assert.equal(assertKernelMatches(flac, `${name}-${kind}.flac`), "decoded");
    }
  }
  // A silent partition coded raw with 0 bits per sample.
  const quiet = new Int32Array(2048);
  quiet.set(testSignal(1024, 16, 32), 1024);
  const flac = encodeFlac([quiet], {
    sampleRate: 16000,
    bitsPerSample: 16,
    blockSizes: [2048],
    subframe: () => ({ kind: "fixed", order: 1, rice: { partitionOrder: 2, escaped: [0, 1] } }),
  });
  assert.equal(assertKernelMatches(flac, "zero-bit-escape.flac"), "decoded");
});

Deno.test("WebAssembly kernel = TypeScript path: stereo modes, wasted bits, damage", () => {
  for (const bits of [16, 24]) {
    const left = testSignal(5000, bits, 40 + bits, 0.9).map((v) => v & ~3);
    const right = testSignal(5000, bits, 41 + bits, -0.8).map((v) => v & ~3);
    for (const mode of ["independent", "left-side", "side-right", "mid-side"] as ChannelMode[]) {
      const flac = encodeFlac([left, right], {
        sampleRate: 44100,
        bitsPerSample: bits,
        blockSizes: [1152, 999],
        channelMode: mode,
        subframe: (frame, channel) => {
          // Wasted bits only where the (decorrelated) channel has them: never the side channel.
          const side = (mode === "left-side" && channel === 1) ||
            (mode === "side-right" && channel === 0) || (mode === "mid-side");
          const spec = lpcSpec(1 + ((frame * 7 + channel * 5) % 32), 14, { fiveBit: true });
          return side ? spec : { ...spec, wasted: 2 };
        },
      });
      assert.equal(assertKernelMatches(flac, `${mode}-${bits}.flac`), "decoded");
      // Truncated and damaged copies: rejected with the same message (or decoded alike).
      const random = mulberry32(bits);
      for (let trial = 0; trial < 40; trial++) {
        const damaged = trial % 2
          ? flac.slice(0, 42 + Math.floor(random() * (flac.length - 42)))
          : flac.slice();
        if (trial % 2 === 0) damaged[42 + Math.floor(random() * (flac.length - 42))] ^= 0x10;
        assertKernelMatches(damaged, `${mode}-${bits}-damaged-${trial}.flac`);
      }
    }
  }
});

Deno.test("WebAssembly kernel = TypeScript path: floats and the MD5 of 16-bit mono", async () => {
  for (const [bits, channelCount] of [[16, 1], [16, 2], [24, 1], [12, 1], [32, 1]]) {
    const channels = Array.from(
      { length: channelCount },
      (_, c) => testSignal(3001 + c, bits, 50 + bits + c, 0.99).subarray(0, 3001),
    );
    if (bits === 32) channels[0][7] = -(2 ** 31); // the extremes of 32-bit samples
    if (bits === 32) channels[0][8] = 2 ** 31 - 1;
    const flac = encodeFlac(channels, {
      sampleRate: 8000,
      bitsPerSample: bits,
      blockSizes: [1000, 333],
      subframe: () => ({ kind: "verbatim" }),
    });
    const name = `float-${bits}-${channelCount}.flac`;
    const expected = pcmToFloat(decodeFlacPcm(flac, name, { wasm: false }).channels, bits);
    const actual = decodeFlacFloat(flac, name).channels;
    assert.equal(actual.length, channelCount);
    actual.forEach((channel, c) => {
      assert.equal(channel.length, expected[c].length);
      for (let i = 0; i < channel.length; i++) {
        if (!Object.is(channel[i], expected[c][i])) {
          assert.fail(`${name} channel ${c} sample ${i}: ${channel[i]} != ${expected[c][i]}`);
        }
      }
    });
  }
  // The kernel's 16-bit packing still catches a sample the CRCs cannot see: a STREAMINFO MD5
  // that disagrees with the samples (one flipped digest bit).
  const samples = testSignal(2500, 16, 60);
  const flac = encodeFlac([samples], {
    sampleRate: 8000,
    bitsPerSample: 16,
    blockSizes: [512],
    subframe: () => lpcSpec(8, 12),
  });
  const md5At = 8 + 18;
  const damaged = flac.slice();
  damaged[md5At + 5] ^= 0x04;
  for (const wasm of [true, false]) {
    assert.equal(decodeFlacPcm(flac, "ok.flac", { wasm }).md5Checked, true);
    await assertAudioError(
      () => decodeFlacPcm(damaged, "md5.flac", { wasm }),
      "md5.flac",
      /MD5 mismatch/,
    );
  }
  await assertAudioError(() => decodeFlacFloat(damaged, "md5.flac"), "md5.flac", /MD5 mismatch/);
});
