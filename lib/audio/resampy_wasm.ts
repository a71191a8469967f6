/**
 * The polyphase resampler's sums in WebAssembly SIMD (resampy_kernel.wat): the same float64
 * weights, the same float32 running sums in the same order as resampy.ts's `resampleWithBank`
 * loop, so the output is bit-identical to it, at about 3x its speed. The scalar loop is bound
 * by its instruction count (~10 per multiply-add, with float32 rounding after each); the kernel
 * does two sums per instruction, overlaps eight rounding chains, and keeps each group of eight
 * outputs' weights in the L1 cache while it runs through the signal.
 *
 * One module instance per thread (each feature worker has its own), its memory holding the
 * cached weight bank, a zero-padded copy of the signal and the output.
 *
 * @module
 */
// Deep import: this file is bundled for the browser page, where lib/util/mod.ts would pull in
// Deno-only code.
import { growMemory, wasmKernel } from "../util/wasm.ts";
import { RESAMPY_KERNEL_WASM } from "./resampy_kernel.ts";
import { greatestCommonDivisor } from "./rational.ts";
import type { PolyphaseBank } from "./resampy.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  run: (
    weights: number,
    left: number,
    right: number,
    table: number,
    input: number,
    rowBytes: number,
    out: number,
    period: number,
    outLength: number,
    scratch: number,
  ) => void;
}

/** Largest memory we grow to; longer signals take the scalar path. */
const MAX_BYTES = 1 << 30;
/** Bytes 0..15 take the stores of lanes past the signal's end. */
const SCRATCH = 0;
const WEIGHTS_AT = 64;
/** The kernel computes outputs q .. q + 7 together: the bank is padded to a multiple of 8. */
const VECTORS = 8;

/** Where the bank is laid out in memory: every wing padded to the longest. */
interface Resident {
  bank: PolyphaseBank;
  /** Left and right taps of every output (the longest of the bank's). */
  left: number;
  right: number;
  /** Byte address of the input-index table (P rounded up to a multiple of 8 entries). */
  table: number;
  /** First free byte after the bank. */
  end: number;
}

let resident: Resident | undefined;

const loadKernel = wasmKernel<Kernel>(RESAMPY_KERNEL_WASM);

function ensureBytes(k: Kernel, bytes: number): void {
  growMemory(k.memory, bytes);
}

/** Bytes the padded bank takes, and its wing lengths. */
function bankSize(bank: PolyphaseBank): { left: number; right: number; bytes: number } {
  let left = 0;
  let right = 0;
  for (let q = 0; q < bank.period; q++) {
    left = Math.max(left, bank.leftTaps[q]);
    right = Math.max(right, bank.rightTaps[q]);
  }
  const rows = Math.ceil(bank.period / VECTORS) * VECTORS;
  return { left, right, bytes: rows * (left + right) * 8 + rows * 4 };
}

/**
 * Copies a bank into memory in the kernel's layout: per group of 8 outputs, tap by tap, the 8
 * weights side by side, every wing zero-padded to the longest; then the input-index table.
 */
function makeResident(k: Kernel, bank: PolyphaseBank): Resident {
  if (resident?.bank === bank) return resident;
  const { period } = bank;
  const { left, right, bytes } = bankSize(bank);
  const rows = Math.ceil(period / VECTORS) * VECTORS;
  const stride = left + right;
  const table = WEIGHTS_AT + rows * stride * 8;
  ensureBytes(k, WEIGHTS_AT + bytes);
  const weights = new Float64Array(k.memory.buffer, WEIGHTS_AT, rows * stride);
  weights.fill(0);
  const base = new Int32Array(k.memory.buffer, table, rows);
  for (let q = 0; q < period; q++) {
    const group = (q - (q % VECTORS)) * stride;
    const lane = q % VECTORS;
    const from = bank.start[q];
    const leftTaps = bank.leftTaps[q];
    for (let i = 0; i < leftTaps; i++) weights[group + i * VECTORS + lane] = bank.weights[from + i];
    const rightAt = group + left * VECTORS + lane;
    for (let i = 0; i < bank.rightTaps[q]; i++) {
      weights[rightAt + i * VECTORS] = bank.weights[from + leftTaps + i];
    }
    base[q] = bank.base[q];
  }
  // The padding outputs past P (zero weights) read where q = P - 1 reads.
  for (let q = period; q < rows; q++) base[q] = bank.base[period - 1];
  resident = { bank, left, right, table, end: WEIGHTS_AT + bytes };
  return resident;
}

/** Below this period some of each group's 8 lanes would idle: such banks are widened. */
const WIDEN_BELOW = 64;
const widened = new WeakMap<PolyphaseBank, PolyphaseBank>();

/**
 * The bank as the kernel runs it: a short period (44.1 -> 22.05 kHz reduces to one output per two
 * inputs) repeated until it fills whole groups of 8 outputs, instead of 7 of every 8 lanes
 * summing zero weights. Output `m * P' + q'` of the widened bank (`P' = k P`) sits at input
 * `m * k * inputAdvance + base[q' mod P] + floor(q' / P) * inputAdvance` with the weights of
 * output `q' mod P`: the very output, and the very sum, of the original bank.
 */
function kernelBank(bank: PolyphaseBank): PolyphaseBank {
  if (bank.period % VECTORS === 0 || bank.period >= WIDEN_BELOW) return bank;
  const known = widened.get(bank);
  if (known) return known;
  const times = VECTORS / greatestCommonDivisor(bank.period, VECTORS);
  const period = bank.period * times;
  const base = new Int32Array(period);
  const start = new Int32Array(period);
  const leftTaps = new Int32Array(period);
  const rightTaps = new Int32Array(period);
  for (let q = 0; q < period; q++) {
    const source = q % bank.period;
    base[q] = bank.base[source] + Math.floor(q / bank.period) * bank.inputAdvance;
    start[q] = bank.start[source];
    leftTaps[q] = bank.leftTaps[source];
    rightTaps[q] = bank.rightTaps[source];
  }
  const wide = {
    period,
    inputAdvance: bank.inputAdvance * times,
    base,
    start,
    leftTaps,
    rightTaps,
    weights: bank.weights,
  };
  widened.set(bank, wide);
  return wide;
}

/**
 * Fills `out` with the bank's resampling of `samples`, bit-identical to the scalar bank loop.
 *
 * @returns false when the kernel is unavailable, the signal is too long or holds a non-finite
 *   sample (a zero weight times an infinity would not add nothing): nothing was written then
 */
export function resampleWithBankWasm(
  samples: Float32Array,
  original: PolyphaseBank,
  out: Float32Array,
): boolean {
  const k = loadKernel();
  if (!k) return false;
  const bank = kernelBank(original);
  const inLength = samples.length;
  const outLength = out.length;
  const { period, inputAdvance } = bank;
  const inMemory = resident?.bank === bank ? resident : undefined;
  const size = inMemory ?? bankSize(bank);
  // Zeros before sample 0 and after the last one stand for the taps resampy clips away.
  const padLeft = size.left + 4;
  const padRight = size.right + 4;
  const pairCount = padLeft + inLength + padRight;
  const bankEnd = inMemory ? inMemory.end : WEIGHTS_AT + (size as { bytes: number }).bytes;
  const needed = bankEnd + 16 * pairCount + 4 * outLength + 64;
  if (needed > MAX_BYTES) return false;
  const place = makeResident(k, bank);
  const inputAt = (place.end + 15) & ~15;
  const outAt = inputAt + 16 * pairCount;
  ensureBytes(k, outAt + 4 * outLength);
  const memory = k.memory.buffer;
  // Pairs (x[j], x[j + inputAdvance]): what lanes 0 and 1 (rows m and m + 1) multiply, zero
  // outside the signal. Lane 1 at j < 0 (the left padding) is a real sample where
  // j + inputAdvance >= 0.
  const pairs = new Float64Array(memory, inputAt, 2 * pairCount);
  // Four ranges of j, so that no loop tests bounds per sample: before the signal, the signal
  // with a second sample, the signal without one, after the signal.
  const secondEnd = Math.max(0, inLength - inputAdvance); // j < secondEnd: x[j + adv] exists
  let at = 0;
  for (let j = -padLeft; j < 0; j++, at += 2) {
    pairs[at] = 0;
    pairs[at + 1] = j + inputAdvance >= 0 && j + inputAdvance < inLength
      ? samples[j + inputAdvance]
      : 0;
  }
  let finite = 0;
  for (let j = 0; j < secondEnd; j++, at += 2) {
    const first = samples[j];
    finite += first * 0; // NaN from here on once a sample is infinite or NaN
    pairs[at] = first;
    pairs[at + 1] = samples[j + inputAdvance];
  }
  for (let j = secondEnd; j < inLength; j++, at += 2) {
    const first = samples[j];
    finite += first * 0;
    pairs[at] = first;
    pairs[at + 1] = 0;
  }
  pairs.fill(0, at);
  if (finite !== 0) return false;
  k.run(
    WEIGHTS_AT,
    place.left,
    place.right,
    place.table,
    inputAt + 16 * padLeft,
    16 * inputAdvance,
    outAt,
    period,
    outLength,
    SCRATCH,
  );
  out.set(new Float32Array(memory, outAt, outLength));
  return true;
}
