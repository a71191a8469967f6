/**
 * The centred STFT's magnitude and power in WebAssembly SIMD (stft_kernel.wat), about twice as
 * fast as fft.ts's `RealFft` plus stft.ts's scalar magnitude loop, and bit-identical to them: the
 * kernel runs RealFft's algorithm butterfly for butterfly (same packing, radix-4 passes, final
 * radix-2 pass, real unpacking, twiddle tables) with two independent butterflies per v128, and
 * rounds magnitude and power to float32 exactly as stft.ts does (tests/stft_wasm_test.ts).
 *
 * One module instance per thread, its memory holding the tables of the last FFT size, the
 * zero-padded signal and the results.
 *
 * @module
 */
// Deep import: this file is bundled for the browser page, where lib/util/mod.ts would pull in
// Deno-only code.
import { growMemory, wasmKernel } from "../util/wasm.ts";
import { STFT_KERNEL_WASM } from "./stft_kernel.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  stft: (
    frames: number,
    hop4: number,
    sig: number,
    half: number,
    rev: number,
    window: number,
    radix4Twiddles: number,
    radix2Twiddles: number,
    unpack: number,
    work: number,
    magnitude: number,
    power: number,
  ) => void;
}

/** Where one FFT size's tables are (byte addresses), and the first byte after them. */
interface Tables {
  nFft: number;
  window: Float64Array;
  rev: number;
  windowPairs: number;
  radix4Twiddles: number;
  radix2Twiddles: number;
  unpack: number;
  work: number;
  end: number;
}

/** Largest memory we grow to; longer signals take the scalar path. */
const MAX_BYTES = 1 << 30;

let tables: Tables | undefined;

const loadKernel = wasmKernel<Kernel>(STFT_KERNEL_WASM);

function ensureBytes(k: Kernel, bytes: number): void {
  growMemory(k.memory, bytes);
}

const align = (n: number) => (n + 15) & ~15;

/** Bytes of the tables of one FFT size (16-byte aligned blocks). */
function tableBytes(nFft: number): number {
  const half = nFft / 2;
  // rev, window pairs, radix-4 twiddles (< 48 bytes per element), radix-2 twiddles, unpack
  // (cos, sin) blocks, work array of half + 2 elements.
  return align(4 * half) + align(16 * half) + align(48 * half) + align(16 * half) +
    align(16 * (half + 2)) + align(16 * (half + 2));
}

/** Byte offset of complex element `e` in a blocked array (see stft_kernel.wat). */
const elementOffset = (e: number) => (e >> 1) * 32 + (e & 1) * 8;

/** Lays out the tables of `nFft` (with its periodic Hann `window`) from byte 0. */
function makeTables(k: Kernel, nFft: number, window: Float64Array): Tables {
  if (tables?.nFft === nFft && tables.window === window) return tables;
  const half = nFft / 2;
  ensureBytes(k, tableBytes(nFft));
  let at = 0;
  const take = (bytes: number) => {
    const from = at;
    at += align(bytes);
    return from;
  };
  const layout: Tables = {
    nFft,
    window,
    rev: take(4 * half),
    windowPairs: take(16 * half),
    radix4Twiddles: take(48 * half),
    radix2Twiddles: take(16 * half),
    unpack: take(16 * (half + 2)),
    work: take(16 * (half + 2)),
    end: 0,
  };
  layout.end = at;
  const memory = k.memory.buffer;
  new Uint8Array(memory, 0, at).fill(0);
  const rev = new Int32Array(memory, layout.rev, half);
  const levels = Math.log2(half);
  for (let i = 0; i < half; i++) {
    let reversed = 0;
    for (let bit = 0, value = i; bit < levels; bit++, value >>= 1) {
      reversed = (reversed << 1) | (value & 1);
    }
    rev[i] = elementOffset(reversed);
  }
  new Float64Array(memory, layout.windowPairs, nFft).set(window);
  // RealFft's twiddles: (cos, -sin)(2 pi j / half), read at j = k * stride, 2j, 3j.
  const cosAt = (j: number) => Math.cos((2 * Math.PI * j) / half);
  const sinAt = (j: number) => -Math.sin((2 * Math.PI * j) / half);
  const radix4 = new Float64Array(memory, layout.radix4Twiddles, 6 * half);
  let record = 0;
  let span = 4;
  for (; span * 4 <= half; span <<= 2) {
    const stride = half / (span << 2);
    for (let k = 0; k < span; k += 2) {
      // Blocks of two butterflies: u1 re, u1 im, u2 re, u2 im, u3 re, u3 im.
      for (let lane = 0; lane < 2; lane++) {
        const j = (k + lane) * stride;
        radix4[record + lane] = cosAt(j);
        radix4[record + 2 + lane] = sinAt(j);
        radix4[record + 4 + lane] = cosAt(2 * j);
        radix4[record + 6 + lane] = sinAt(2 * j);
        radix4[record + 8 + lane] = cosAt(3 * j);
        radix4[record + 10 + lane] = sinAt(3 * j);
      }
      record += 12;
    }
  }
  if (span < half) {
    const radix2 = new Float64Array(memory, layout.radix2Twiddles, 2 * half);
    const stride = half / (span << 1);
    for (let k = 0; k < span; k += 2) {
      for (let lane = 0; lane < 2; lane++) {
        radix2[2 * k + lane] = cosAt((k + lane) * stride);
        radix2[2 * k + 2 + lane] = sinAt((k + lane) * stride);
      }
    }
  }
  const unpack = new Float64Array(memory, layout.unpack, 2 * (half + 2));
  for (let k = 0; k <= half; k++) {
    const at = 2 * (k - (k & 1)) + (k & 1);
    unpack[at] = Math.cos((2 * Math.PI * k) / nFft);
    unpack[at + 2] = Math.sin((2 * Math.PI * k) / nFft);
  }
  tables = layout;
  return layout;
}

/**
 * Magnitude and power of the centred, zero-padded STFT (Hann `window` of `nFft` samples), into
 * `magnitude` and `power` (`frames x (nFft / 2 + 1)`, float32).
 *
 * @returns false when the kernel is unavailable or the signal too long (nothing was written)
 */
export function stftWasm(
  samples: Float32Array,
  nFft: number,
  hopLength: number,
  window: Float64Array,
  frames: number,
  magnitude: Float32Array,
  power: Float32Array,
): boolean {
  const k = loadKernel();
  if (!k || nFft < 8) return false;
  const half = nFft / 2;
  const bins = half + 1;
  const padded = samples.length + nFft;
  const needed = tableBytes(nFft) + 4 * padded + 8 * frames * bins + 64;
  if (needed > MAX_BYTES) return false;
  const layout = makeTables(k, nFft, window);
  const sig = layout.end;
  const mag = (sig + 4 * padded + 15) & ~15;
  const pow = mag + 4 * frames * bins;
  ensureBytes(k, pow + 4 * frames * bins);
  const memory = k.memory.buffer;
  const signal = new Float32Array(memory, sig, padded);
  signal.fill(0, 0, half);
  signal.set(samples, half);
  signal.fill(0, half + samples.length);
  k.stft(
    frames,
    4 * hopLength,
    sig,
    half,
    layout.rev,
    layout.windowPairs,
    layout.radix4Twiddles,
    layout.radix2Twiddles,
    layout.unpack,
    layout.work,
    mag,
    pow,
  );
  magnitude.set(new Float32Array(memory, mag, frames * bins));
  power.set(new Float32Array(memory, pow, frames * bins));
  return true;
}
