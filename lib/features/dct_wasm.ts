/**
 * MFCC's DCT over the mel axis in WebAssembly SIMD (dct_kernel.wat): the same folding and the
 * same float64 sums in the same order as spectral.ts's `dctOfFrames`, so the same coefficients
 * (tests/dct_wasm_test.ts); two coefficients of one parity share a v128.
 *
 * One module instance per thread, its memory holding the interleaved basis, the dB frames and
 * the coefficients of the call at hand. Internal to lib/features.
 *
 * @module
 */
// Deep import: this file is bundled for the browser page, where lib/util/mod.ts would pull in
// Deno-only code.
import { growMemory, wasmKernel } from "../util/wasm.ts";
import { DCT_KERNEL_WASM } from "./dct_kernel.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  dct: (
    db: number,
    frames: number,
    nMels: number,
    nMfcc: number,
    pairs: number,
    pairCount: number,
    folded: number,
    out: number,
  ) => void;
}

/** Largest memory we grow to; longer inputs take the scalar path. */
const MAX_BYTES = 1 << 30;

const loadKernel = wasmKernel<Kernel>(DCT_KERNEL_WASM);

const align = (n: number) => (n + 15) & ~15;

/** A basis laid out for the kernel. */
interface PairedBasis {
  /** Per pair: parity, k of lane 0, k of lane 1 (-1: none), byte offset of its weights. */
  pairs: Int32Array;
  /** Per pair and folded band n, the two lanes' weights side by side. */
  weights: Float64Array;
}

const paired = new WeakMap<Float64Array, PairedBasis>();

/** Coefficients 0, 2 | 4, 6 | ... and 1, 3 | 5, 7 | ...: pairs of one parity. */
function pairBasis(basis: Float64Array, nMels: number, nMfcc: number): PairedBasis {
  const known = paired.get(basis);
  if (known) return known;
  const width = (nMels >> 1) + (nMels % 2);
  const lanes: [number, number][] = [];
  for (const parity of [0, 1]) {
    for (let k = parity; k < nMfcc; k += 4) lanes.push([k, k + 2 < nMfcc ? k + 2 : -1]);
  }
  const pairs = new Int32Array(4 * lanes.length);
  const weights = new Float64Array(2 * width * lanes.length);
  lanes.forEach(([first, second], p) => {
    pairs[4 * p] = first % 2;
    pairs[4 * p + 1] = first;
    pairs[4 * p + 2] = second;
    for (let n = 0; n < width; n++) {
      weights[2 * (p * width + n)] = basis[first * nMels + n];
      weights[2 * (p * width + n) + 1] = second < 0 ? 0 : basis[second * nMels + n];
    }
  });
  const result = { pairs, weights };
  paired.set(basis, result);
  return result;
}

/**
 * `out[t * nMfcc + k]` = coefficient k of frame t: the orthonormal DCT-II (`basis`, `nMfcc x
 * nMels`) of `db`'s frame t, folded as `dctOfFrames` folds it.
 *
 * @returns false when the kernel cannot run here or the input is too large: nothing was
 *   written then
 */
export function mfccDctWasm(
  db: Float64Array,
  frames: number,
  nMels: number,
  nMfcc: number,
  basis: Float64Array,
  out: Float64Array,
): boolean {
  const k = loadKernel();
  if (!k) return false;
  const { pairs, weights } = pairBasis(basis, nMels, nMfcc);
  const pairCount = pairs.length / 4;
  const width = (nMels >> 1) + (nMels % 2);
  const pairsAt = 64;
  const weightsAt = align(pairsAt + 4 * pairs.length);
  const foldedAt = align(weightsAt + 8 * weights.length);
  const dbAt = align(foldedAt + 16 * ((nMels >> 1) + 1));
  const outAt = align(dbAt + 8 * frames * nMels);
  const end = outAt + 8 * frames * nMfcc;
  if (end > MAX_BYTES) return false;
  growMemory(k.memory, end);
  const buffer = k.memory.buffer;
  const table = new Int32Array(buffer, pairsAt, pairs.length);
  table.set(pairs);
  for (let p = 0; p < pairCount; p++) table[4 * p + 3] = weightsAt + 16 * width * p;
  new Float64Array(buffer, weightsAt, weights.length).set(weights);
  new Float64Array(buffer, dbAt, frames * nMels).set(db.subarray(0, frames * nMels));
  k.dct(dbAt, frames, nMels, nMfcc, pairsAt, pairCount, foldedAt, outAt);
  out.set(new Float64Array(buffer, outAt, frames * nMfcc));
  return true;
}
