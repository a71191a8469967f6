/**
 * Filter banks (mel, chroma) applied to spectrogram frames in WebAssembly SIMD
 * (bank_kernel.wat): the same float64 sums in the same order as spectral.ts's `applyBank`, so
 * the same values (tests/bank_wasm_test.ts). Two frames per v128 share each weight and eight
 * frames run side by side; with the copies in and out, a TESS clip's mel and chroma banks take
 * 0.47 instead of 0.62 ms.
 *
 * One module instance per thread, its memory holding the bank, the frames and the sums of the
 * call at hand. Internal to lib/features.
 *
 * @module
 */
// Deep import: this file is bundled for the browser page, where lib/util/mod.ts would pull in
// Deno-only code.
import { growMemory, wasmKernel } from "../util/wasm.ts";
import { BANK_KERNEL_WASM } from "./bank_kernel.ts";
import type { FilterBank } from "./filters.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  apply: (
    source: number,
    frames: number,
    bins: number,
    rows: number,
    rowStarts: number,
    offsets: number,
    weights: number,
    out: number,
  ) => void;
}

/** Largest memory we grow to; longer spectrograms take the scalar path. */
const MAX_BYTES = 1 << 30;
/** The kernel sums frames in groups of this many. */
const FRAMES_PER_GROUP = 8;

const loadKernel = wasmKernel<Kernel>(BANK_KERNEL_WASM);

/** Each bank's bins as byte offsets into a float32 frame, made once per bank. */
const byteOffsets = new WeakMap<FilterBank, Int32Array>();

const align = (n: number) => (n + 15) & ~15;

/**
 * `out[t * rows + r]` = row `r` of `bank` applied to frame `t` of `source` (`bins` float32 per
 * frame), for the frames from 0 up to the largest multiple of 8 not past `frames`.
 *
 * @returns how many frames were done (a multiple of 8); 0 when the kernel cannot run here or the
 *   data is too large, and the caller's loop does them all
 */
export function applyBankWasm(
  source: Float32Array,
  frames: number,
  bins: number,
  bank: FilterBank,
  out: Float64Array,
): number {
  const count = frames - (frames % FRAMES_PER_GROUP);
  if (count === 0) return 0;
  const k = loadKernel();
  if (!k) return 0;
  const { rows, rowStarts, sparseBins, sparseWeights } = bank;
  const taps = rowStarts[rows];
  const rowStartsAt = 64;
  const offsetsAt = align(rowStartsAt + 4 * (rows + 1));
  const weightsAt = align(offsetsAt + 4 * taps);
  const outAt = align(weightsAt + 8 * taps);
  const sourceAt = align(outAt + 8 * count * rows);
  const end = sourceAt + 4 * count * bins;
  if (end > MAX_BYTES) return 0;
  growMemory(k.memory, end);
  const buffer = k.memory.buffer;
  let offsets = byteOffsets.get(bank);
  if (!offsets) {
    offsets = sparseBins.map((bin) => 4 * bin);
    byteOffsets.set(bank, offsets);
  }
  new Int32Array(buffer, rowStartsAt, rows + 1).set(rowStarts);
  new Int32Array(buffer, offsetsAt, taps).set(offsets);
  new Float64Array(buffer, weightsAt, taps).set(sparseWeights);
  new Float32Array(buffer, sourceAt, count * bins).set(source.subarray(0, count * bins));
  k.apply(sourceAt, count, bins, rows, rowStartsAt, offsetsAt, weightsAt, outAt);
  out.set(new Float64Array(buffer, outAt, count * rows));
  return count;
}
