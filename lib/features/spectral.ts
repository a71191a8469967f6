/**
 * Spectral features from one shared {@link Spectrogram}, matching librosa 0.9.2 with its
 * defaults: mel power spectrogram, MFCC, chroma (with tuning estimation), spectral contrast.
 *
 * Why not Meyda: it computes HTK mel without area normalisation, MFCC as an unnormalised DCT
 * of ln(x + 1), chroma without tuning and no spectral contrast; none of those match the
 * numbers the seed (librosa) produced, so every feature is computed here.
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const samples = sine(440, 1, 22050);
 * const spec = stft(samples, { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const mel = melSpectrogram(spec, 128);
 * const coefficients = mfcc(mel, 40);
 * ```
 * @module
 */
import { chromaFilterBank, fftFrequencies, melFilterBank } from "./filters.ts";
import type { FilterBank } from "./filters.ts";
import type { FrameSeries, Spectrogram } from "./types.ts";
import { type ContrastBands, contrastExtremesWasm } from "./contrast_wasm.ts";
import { applyBankWasm } from "./bank_wasm.ts";
import { mfccDctWasm } from "./dct_wasm.ts";

/** Smallest positive normal float32, numpy's `tiny(float32)`. */
const TINY_FLOAT32 = 1.1754943508222875e-38;

/**
 * `bank` applied to every frame of `source` (`frames x bins`). Frames from `active` on are
 * zero rows (a spectrogram's `silentFrom`): their sums are +0, which `out` already holds.
 * Whole groups of 8 frames go to the WebAssembly SIMD kernel (bank_wasm.ts: the same sums in
 * the same order) unless `scalar`, the rest to the loops below, which the kernel is tested
 * against. (Internal; exported for tests.)
 */
export function applyBank(
  source: Float32Array,
  frames: number,
  bins: number,
  bank: FilterBank,
  active = frames,
  scalar = false,
): Float64Array {
  if (bank.bins !== bins) {
    throw new RangeError(`filter bank has ${bank.bins} bins, spectrogram has ${bins}`);
  }
  const rows = bank.rows;
  const out = new Float64Array(frames * rows);
  const { rowStarts, sparseBins, sparseWeights } = bank;
  // Four frames at a time: each frame's sum keeps its order (so its value), but the four
  // independent sums overlap their addition latencies, which bound the one-frame loop.
  let t = scalar ? 0 : applyBankWasm(source, active, bins, bank, out);
  for (; t + 4 <= active; t += 4) {
    const f0 = t * bins, f1 = f0 + bins, f2 = f1 + bins, f3 = f2 + bins;
    for (let r = 0; r < rows; r++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = rowStarts[r], end = rowStarts[r + 1]; j < end; j++) {
        const weight = sparseWeights[j];
        const k = sparseBins[j];
        s0 += weight * source[f0 + k];
        s1 += weight * source[f1 + k];
        s2 += weight * source[f2 + k];
        s3 += weight * source[f3 + k];
      }
      out[t * rows + r] = s0;
      out[(t + 1) * rows + r] = s1;
      out[(t + 2) * rows + r] = s2;
      out[(t + 3) * rows + r] = s3;
    }
  }
  for (; t < active; t++) {
    const frame = t * bins;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = rowStarts[r], end = rowStarts[r + 1]; j < end; j++) {
        sum += sparseWeights[j] * source[frame + sparseBins[j]];
      }
      out[t * rows + r] = sum;
    }
  }
  return out;
}

/**
 * Mel power spectrogram, `librosa.feature.melspectrogram(y, sr)` (power 2, Slaney mel bank).
 *
 * @param spectrogram shared STFT of the clip
 * @param nMels number of mel bands (default 128)
 * @returns frames x nMels power values (squared amplitude, not dB)
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const samples = sine(440, 1, 22050);
 * const mel = melSpectrogram(stft(samples, { sampleRate: 22050, nFft: 2048, hopLength: 512 }));
 * ```
 */
export function melSpectrogram(spectrogram: Spectrogram, nMels = 128): FrameSeries {
  const bank = melFilterBank({
    sampleRate: spectrogram.sampleRate,
    nFft: spectrogram.nFft,
    nMels,
  });
  const { frames, bins, power, silentFrom } = spectrogram;
  const data = applyBank(power, frames, bins, bank, silentFrom);
  return { frames: spectrogram.frames, width: nMels, data };
}

/** Options of {@link powerToDb}, librosa's defaults when omitted. */
export interface PowerToDbOptions {
  /** Reference power that maps to 0 dB (default 1). */
  ref?: number;
  /** Floor applied to powers and the reference before the log (default 1e-10). */
  amin?: number;
  /** Clip values more than this many dB below the maximum; `null` for no clipping (default 80). */
  topDb?: number | null;
}

/**
 * `10 log10(max(amin, x) / max(amin, ref))`, clipped at `max - topDb` over the whole array,
 * like `librosa.power_to_db`.
 *
 * @param values power values (any layout; the clip uses the global maximum)
 * @param options reference, floor and dynamic range in dB
 * @returns a new array of dB values
 * @example
 * ```ts
 * powerToDb(Float64Array.of(1, 0.1, 0)); // [0, -10, -80]
 * ```
 */
export function powerToDb(
  values: Float64Array | Float32Array,
  options: PowerToDbOptions = {},
): Float64Array {
  const amin = options.amin ?? 1e-10;
  const ref = Math.abs(options.ref ?? 1);
  const topDb = options.topDb === undefined ? 80 : options.topDb;
  if (!(amin > 0)) throw new RangeError(`powerToDb: amin must be positive, got ${amin}`);
  if (topDb !== null && topDb < 0) {
    throw new RangeError(`powerToDb: topDb must be non-negative, got ${topDb}`);
  }
  const refDb = 10 * Math.log10(Math.max(amin, ref));
  const out = new Float64Array(values.length);
  // Values at or below amin (silence, padding) all map to this: no logarithm for them.
  const floorDb = 10 * Math.log10(amin) - refDb;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const db = value <= amin ? floorDb : 10 * Math.log10(value) - refDb;
    out[i] = db;
    if (db > max) max = db;
  }
  if (topDb !== null) {
    const floor = max - topDb;
    for (let i = 0; i < out.length; i++) if (out[i] < floor) out[i] = floor;
  }
  return out;
}

const dctCache = new Map<string, Float64Array>();

/** Orthonormal DCT-II basis, `count x size`: row k is `c_k cos(pi k (2n + 1) / (2 size))`. */
function dctBasis(count: number, size: number): Float64Array {
  const key = `${count}/${size}`;
  let basis = dctCache.get(key);
  if (!basis) {
    basis = new Float64Array(count * size);
    for (let k = 0; k < count; k++) {
      const scale = k === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size);
      for (let n = 0; n < size; n++) {
        basis[k * size + n] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * size));
      }
    }
    dctCache.set(key, basis);
  }
  return basis;
}

/**
 * The orthonormal DCT-II (`basis`, `nMfcc x nMels`) of every frame of `db` into `data`
 * (`frames x nMfcc`): mfcc's inner loop, and the reference dct_wasm.ts's kernel is tested
 * against. (Internal.)
 */
export function dctOfFrames(
  db: Float64Array,
  frames: number,
  nMels: number,
  nMfcc: number,
  basis: Float64Array,
  data: Float64Array,
): void {
  // cos(pi k (2(N-1-n) + 1) / 2N) = (-1)^k cos(pi k (2n + 1) / 2N): fold the frame into sums
  // (even k) and differences (odd k) of mirrored bands, halving the multiplications.
  const halfCount = nMels >> 1;
  const odd = nMels % 2 === 1;
  const sums = new Float64Array(halfCount + 1);
  const differences = new Float64Array(halfCount + 1);
  for (let t = 0; t < frames; t++) {
    const frame = t * nMels;
    for (let n = 0; n < halfCount; n++) {
      const low = db[frame + n];
      const high = db[frame + nMels - 1 - n];
      sums[n] = low + high;
      differences[n] = low - high;
    }
    // The middle band of an odd count pairs with itself.
    sums[halfCount] = odd ? db[frame + halfCount] : 0;
    differences[halfCount] = 0;
    const width = odd ? halfCount + 1 : halfCount;
    // Coefficients k, k + 2, k + 4, k + 6 (same parity, same folded input) side by side: each
    // sum keeps its order, but four chains of additions overlap instead of one.
    const out = t * nMfcc;
    let k = 0;
    for (; (k & ~1) + 8 <= nMfcc; k += k % 2 === 0 ? 1 : 7) {
      const folded = k % 2 === 0 ? sums : differences;
      const r0 = k * nMels, r1 = r0 + 2 * nMels, r2 = r1 + 2 * nMels, r3 = r2 + 2 * nMels;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let n = 0; n < width; n++) {
        const value = folded[n];
        s0 += basis[r0 + n] * value;
        s1 += basis[r1 + n] * value;
        s2 += basis[r2 + n] * value;
        s3 += basis[r3 + n] * value;
      }
      data[out + k] = s0;
      data[out + k + 2] = s1;
      data[out + k + 4] = s2;
      data[out + k + 6] = s3;
    }
    for (; k < nMfcc; k++) {
      const row = k * nMels;
      const folded = k % 2 === 0 ? sums : differences;
      let sum = 0;
      for (let n = 0; n < width; n++) sum += basis[row + n] * folded[n];
      data[out + k] = sum;
    }
  }
}

/**
 * MFCC as `librosa.feature.mfcc(y, sr, n_mfcc)`: mel power -> dB (ref 1, amin 1e-10, top_db
 * 80 over the clip) -> orthonormal DCT-II over the mel axis, first `nMfcc` coefficients.
 *
 * @param melPower mel power spectrogram from {@link melSpectrogram}
 * @param nMfcc number of coefficients to keep (<= number of mel bands)
 * @returns frames x nMfcc cepstral coefficients (dB units)
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const coefficients = mfcc(melSpectrogram(spec), 40);
 * ```
 */
export function mfcc(melPower: FrameSeries, nMfcc = 20): FrameSeries {
  const nMels = melPower.width;
  if (!(Number.isInteger(nMfcc) && nMfcc > 0 && nMfcc <= nMels)) {
    throw new RangeError(`mfcc: nMfcc must be a whole number in 1..${nMels}, got ${nMfcc}`);
  }
  const db = powerToDb(melPower.data);
  const basis = dctBasis(nMfcc, nMels);
  const frames = melPower.frames;
  const data = new Float64Array(frames * nMfcc);
  // The WebAssembly SIMD kernel (dct_wasm.ts) folds and sums exactly as dctOfFrames does.
  if (!mfccDctWasm(db, frames, nMels, nMfcc, basis, data)) {
    dctOfFrames(db, frames, nMels, nMfcc, basis, data);
  }
  return { frames, width: nMfcc, data };
}

/** Options of {@link estimateTuning}, librosa's defaults when omitted. */
export interface TuningOptions {
  /** Histogram resolution in fractions of a bin (default 0.01). */
  resolution?: number;
  /** Bins per octave (default 12). */
  binsPerOctave?: number;
  /** Lowest pitch considered, Hz (default 150). */
  fmin?: number;
  /** Highest pitch considered, Hz (default 4000). */
  fmax?: number;
  /** Peaks below this fraction of the frame's maximum are ignored (default 0.1). */
  threshold?: number;
}

/**
 * Tuning offset of a clip, as `librosa.estimate_tuning(S=|STFT|, sr)`: parabolic-interpolated
 * spectral peaks (`piptrack`), those at or above the median peak magnitude, histogram of their
 * deviation from A440 equal temperament. Intermediate values are rounded to float32 like
 * librosa's so that the histogram's winning bin is the same.
 *
 * @param spectrogram shared STFT of the clip (its magnitude is used)
 * @param options resolution and pitch range
 * @returns tuning in fractions of a bin, in [-0.5, 0.5); 0 when no pitch is found
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * estimateTuning(spec); // e.g. -0.02
 * ```
 */
export function estimateTuning(spectrogram: Spectrogram, options: TuningOptions = {}): number {
  const resolution = options.resolution ?? 0.01;
  const binsPerOctave = options.binsPerOctave ?? 12;
  const threshold = options.threshold ?? 0.1;
  const { frames, bins, nFft, sampleRate, magnitude } = spectrogram;
  const fmin = Math.max(options.fmin ?? 150, 0);
  const fmax = Math.min(options.fmax ?? 4000, sampleRate / 2);
  const freqs = fftFrequencies(sampleRate, nFft);
  let first = 0;
  while (first < bins && !(fmin <= freqs[first])) first++;
  let last = first;
  while (last < bins && freqs[last] < fmax) last++;
  // Interpolation needs both neighbours; librosa's zero padding makes the edge bins ineligible.
  first = Math.max(first, 1);
  last = Math.min(last, bins - 1);
  const fround = Math.fround;
  const pitches: number[] = [];
  const mags: number[] = [];
  // Silent frames (all zero) have no peak: every gated value is 0.
  const active = spectrogram.silentFrom ?? frames;
  for (let t = 0; t < active; t++) {
    const row = t * bins;
    // The frame's maximum, as four running maxima (the order does not change a maximum).
    let m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    let k = row;
    for (const end = row + bins - 3; k < end; k += 4) {
      const a = magnitude[k], b = magnitude[k + 1], c = magnitude[k + 2], d = magnitude[k + 3];
      if (a > m0) m0 = a;
      if (b > m1) m1 = b;
      if (c > m2) m2 = c;
      if (d > m3) m3 = d;
    }
    for (; k < row + bins; k++) if (magnitude[k] > m0) m0 = magnitude[k];
    const max = Math.max(m0, m1, m2, m3);
    // Likewise a silent frame before the trailing silence.
    if (max === 0) continue;
    const ref = fround(threshold * max); // float32, as numpy computes it
    // Gated magnitudes (below ref: 0) of the bins before, at and after `bin`.
    let before = magnitude[row + first - 1] > ref ? magnitude[row + first - 1] : 0;
    let value = magnitude[row + first] > ref ? magnitude[row + first] : 0;
    for (let bin = first; bin < last; bin++) {
      const next = magnitude[row + bin + 1];
      const after = next > ref ? next : 0;
      const peak = value > before && value >= after;
      before = value;
      value = after;
      if (!peak) continue;
      const previous = magnitude[row + bin - 1];
      const current = magnitude[row + bin];
      const avg = fround(0.5 * fround(next - previous));
      let curvature = fround(fround(fround(2 * current) - next) - previous);
      if (Math.abs(curvature) < TINY_FLOAT32) curvature = fround(curvature + 1);
      const shift = fround(avg / curvature);
      const skew = fround(fround(0.5 * avg) * shift);
      pitches.push(fround(((bin + shift) * sampleRate) / nFft));
      mags.push(fround(current + skew));
    }
  }
  // Candidates: peaks with a positive pitch; their magnitudes' median (float32, as numpy).
  let count = 0;
  for (let i = 0; i < pitches.length; i++) if (pitches[i] > 0) count++;
  if (count === 0) return 0;
  const sorted = new Float32Array(count);
  for (let i = 0, j = 0; i < pitches.length; i++) if (pitches[i] > 0) sorted[j++] = mags[i];
  sorted.sort();
  const middle = count >> 1;
  const median = count % 2 === 1
    ? sorted[middle]
    : fround(fround(sorted[middle - 1] + sorted[middle]) / 2);
  const selected: number[] = [];
  for (let i = 0; i < pitches.length; i++) {
    if (pitches[i] > 0 && mags[i] >= median) selected.push(pitches[i]);
  }
  return pitchTuning(selected, resolution, binsPerOctave);
}

/**
 * Tuning offset of a set of frequencies, as `librosa.pitch_tuning`: the most common deviation
 * from A440 equal temperament in a histogram of `resolution`-wide bins.
 *
 * @param frequencies pitches in Hz (non-positive ones are ignored)
 * @param resolution histogram bin width in fractions of a bin
 * @param binsPerOctave bins per octave
 * @returns tuning in fractions of a bin, in [-0.5, 0.5); 0 for no frequencies
 * @example
 * ```ts
 * pitchTuning([440 * 2 ** (0.25 / 12)]); // 0.25
 * ```
 */
export function pitchTuning(
  frequencies: ArrayLike<number>,
  resolution = 0.01,
  binsPerOctave = 12,
): number {
  const fround = Math.fround;
  const binCount = Math.ceil(1 / resolution);
  // numpy.linspace(-0.5, 0.5, binCount + 1) and numpy.histogram's right-closed last bin.
  const step = 1 / binCount;
  const edges = new Float64Array(binCount + 1);
  for (let i = 0; i <= binCount; i++) edges[i] = i * step - 0.5;
  edges[binCount] = 0.5;
  const counts = new Int32Array(binCount);
  let any = false;
  for (let i = 0; i < frequencies.length; i++) {
    const hz = frequencies[i];
    if (!(hz > 0)) continue;
    any = true;
    // librosa computes this in float32 (the pitches' dtype).
    const octaves = fround(Math.log2(fround(hz / 27.5)));
    const scaled = fround(binsPerOctave * octaves);
    let residual = fround(scaled - Math.floor(scaled));
    if (residual >= 0.5) residual = fround(residual - 1);
    if (residual < edges[0] || residual > edges[binCount]) continue;
    let bin = Math.min(Math.floor((residual - edges[0]) * binCount), binCount - 1);
    if (residual < edges[bin]) bin--;
    else if (bin < binCount - 1 && residual >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  if (!any) return 0;
  let best = 0;
  for (let i = 1; i < binCount; i++) if (counts[i] > counts[best]) best = i;
  return edges[best];
}

/** Options of {@link chromaStft}. */
export interface ChromaOptions {
  /** Tuning in fractions of a bin; estimated from the spectrogram when omitted. */
  tuning?: number;
  /** Number of chroma classes (default 12). */
  nChroma?: number;
}

/**
 * Chromagram as `librosa.feature.chroma_stft(S=|STFT|, sr)`: the chroma filter bank (tuned by
 * {@link estimateTuning}) applied to the magnitude spectrum, each frame scaled so its largest
 * class is 1 (frames with no energy stay 0).
 *
 * @param spectrogram shared STFT of the clip (its magnitude is used)
 * @param options tuning and class count
 * @returns frames x 12 values in [0, 1], class 0 = C
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const chroma = chromaStft(spec);
 * ```
 */
export function chromaStft(spectrogram: Spectrogram, options: ChromaOptions = {}): FrameSeries {
  const nChroma = options.nChroma ?? 12;
  const tuning = options.tuning ?? estimateTuning(spectrogram, { binsPerOctave: nChroma });
  const bank = chromaFilterBank({
    sampleRate: spectrogram.sampleRate,
    nFft: spectrogram.nFft,
    tuning,
    nChroma,
  });
  const { frames, bins } = spectrogram;
  const data = applyBank(spectrogram.magnitude, frames, bins, bank, spectrogram.silentFrom);
  for (let t = 0; t < frames; t++) {
    const row = t * nChroma;
    let max = 0;
    for (let c = 0; c < nChroma; c++) max = Math.max(max, Math.abs(data[row + c]));
    // util.normalize leaves frames whose norm is below float32's tiny as they are.
    const length = max < TINY_FLOAT32 ? 1 : max;
    for (let c = 0; c < nChroma; c++) data[row + c] /= length;
  }
  return { frames, width: nChroma, data };
}

/** Options of {@link spectralContrast}, librosa's defaults when omitted. */
export interface ContrastOptions {
  /** Upper edge of the first band in Hz (default 200). */
  fmin?: number;
  /** Number of octave bands above the first (default 6; the result has nBands + 1 rows). */
  nBands?: number;
  /** Fraction of a band's bins averaged for its peak and valley (default 0.02). */
  quantile?: number;
}

/** numpy.rint: round half to even. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Insertion sort of `values[0 .. count)` (a handful of values), ascending. */
function sortAscending(values: Float64Array, count: number): void {
  for (let j = 1; j < count; j++) {
    const value = values[j];
    let i = j;
    while (i > 0 && values[i - 1] > value) {
      values[i] = values[i - 1];
      i--;
    }
    values[i] = value;
  }
}

/**
 * Replaces the root of a max-heap of `size` values with `value` and restores the heap.
 * @returns the new root
 */
function siftDownMax(heap: Float64Array, size: number, value: number): number {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && heap[right] > heap[left] ? right : left;
    if (!(heap[child] > value)) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = value;
  return heap[0];
}

/**
 * Replaces the root of a min-heap of `size` values with `value` and restores the heap.
 * @returns the new root
 */
function siftDownMin(heap: Float64Array, size: number, value: number): number {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && heap[right] < heap[left] ? right : left;
    if (!(heap[child] < value)) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = value;
  return heap[0];
}

/**
 * The float32 means of each band's `take` smallest (`valleys`) and largest (`peaks`)
 * magnitudes in frames `0 .. frames - 1`, `frames x bands` row-major: spectral contrast's inner
 * loop, and the reference contrast_wasm.ts's kernel is tested against. (Internal.)
 *
 * @param magnitude float32 magnitudes, `bins` per frame
 * @param bands each band's first bin, one past its last (`to`) and `take`
 */
export function contrastExtremes(
  magnitude: Float32Array,
  frames: number,
  bins: number,
  bands: ContrastBands,
  valleys: Float64Array,
  peaks: Float64Array,
): void {
  const { from: bandFrom, to: bandTo, take: bandTake } = bands;
  const width = bandFrom.length;
  const maxTake = Math.max(...bandTake);
  const lowest = new Float64Array(maxTake);
  const highest = new Float64Array(maxTake);
  for (let t = 0; t < frames; t++) {
    const row = t * bins;
    for (let band = 0; band < width; band++) {
      const take = bandTake[band];
      const from = row + bandFrom[band];
      const end = row + bandTo[band];
      // The `take` smallest and largest values (`take` is ~2 % of the band): a max-heap of the
      // smallest and a min-heap of the largest so far, each replaced at its root when a value
      // beats it. Spectra mostly fall with frequency, so the smallest are searched from the top
      // of the band down and the largest from the bottom up: new extremes then come rarely.
      const filled = Math.min(take, end - from);
      for (let count = 0; count < filled; count++) {
        // Sift up into both heaps.
        const high = magnitude[from + count];
        let i = count;
        while (i > 0 && highest[(i - 1) >> 1] > high) {
          highest[i] = highest[(i - 1) >> 1];
          i = (i - 1) >> 1;
        }
        highest[i] = high;
        const low = magnitude[end - 1 - count];
        i = count;
        while (i > 0 && lowest[(i - 1) >> 1] < low) {
          lowest[i] = lowest[(i - 1) >> 1];
          i = (i - 1) >> 1;
        }
        lowest[i] = low;
      }
      let bound = highest[0];
      for (let k = from + filled; k < end; k++) {
        const value = magnitude[k];
        if (value > bound) bound = siftDownMin(highest, filled, value);
      }
      bound = lowest[0];
      for (let k = end - 1 - filled; k >= from; k--) {
        const value = magnitude[k];
        if (value < bound) bound = siftDownMax(lowest, filled, value);
      }
      sortAscending(lowest, filled);
      sortAscending(highest, filled);
      let lowSum = 0;
      let highSum = 0;
      for (let i = 0; i < filled; i++) lowSum += lowest[i];
      for (let i = filled - 1; i >= 0; i--) highSum += highest[i];
      const lowCount = filled;
      const highCount = filled;
      // np.mean over float32 values yields float32.
      valleys[t * width + band] = Math.fround(lowSum / lowCount);
      peaks[t * width + band] = Math.fround(highSum / highCount);
    }
  }
}

/**
 * Spectral contrast as `librosa.feature.spectral_contrast(S=|STFT|, sr)`: per octave band,
 * dB(mean of the top `quantile` magnitudes) - dB(mean of the bottom ones), where each dB
 * conversion is `power_to_db` with top_db 80 over the clip (librosa applies it to magnitudes).
 *
 * @param spectrogram shared STFT of the clip (its magnitude is used)
 * @param options band layout and quantile
 * @returns frames x (nBands + 1) contrasts in dB
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * import { stft } from "./stft.ts";
 * const spec = stft(sine(440, 1, 22050), { sampleRate: 22050, nFft: 2048, hopLength: 512 });
 * const contrast = spectralContrast(spec); // 7 values per frame
 * ```
 */
export function spectralContrast(
  spectrogram: Spectrogram,
  options: ContrastOptions = {},
): FrameSeries {
  const fmin = options.fmin ?? 200;
  const nBands = options.nBands ?? 6;
  const quantile = options.quantile ?? 0.02;
  const { frames, bins, sampleRate, nFft, magnitude } = spectrogram;
  const freqs = fftFrequencies(sampleRate, nFft);
  const edges = new Float64Array(nBands + 2);
  for (let i = 1; i < nBands + 2; i++) edges[i] = fmin * 2 ** (i - 1);
  for (let i = 0; i < nBands + 1; i++) {
    if (edges[i] >= 0.5 * sampleRate) {
      throw new RangeError(
        `spectralContrast: band edge ${edges[i]} Hz exceeds Nyquist (${sampleRate / 2} Hz)`,
      );
    }
  }
  const width = nBands + 1;
  const bandFrom = new Int32Array(width);
  const bandTo = new Int32Array(width);
  const bandTake = new Int32Array(width);
  for (let band = 0; band < width; band++) {
    let first = -1;
    let last = -1;
    for (let k = 0; k < bins; k++) {
      if (freqs[k] >= edges[band] && freqs[k] <= edges[band + 1]) {
        if (first < 0) first = k;
        last = k;
      }
    }
    if (first < 0) {
      throw new RangeError(`spectralContrast: band ${band} contains no FFT bin; raise nFft`);
    }
    // Each band also takes the bin just below it; the last band runs to Nyquist.
    if (band > 0) first--;
    if (band === nBands) last = bins - 1;
    const selected = last - first + 1;
    bandTake[band] = Math.max(1, roundHalfEven(quantile * selected));
    bandFrom[band] = first;
    // Every band but the last drops its top bin (librosa's `sub_band[:-1]`).
    bandTo[band] = band < nBands ? last : last + 1;
  }
  const peaks = new Float64Array(frames * width);
  const valleys = new Float64Array(frames * width);
  // Silent frames (zero rows) have peaks and valleys of exactly 0 when no band is empty.
  const noEmptyBand = bandFrom.every((from, band) => bandTo[band] > from);
  const active = noEmptyBand ? spectrogram.silentFrom ?? frames : frames;
  const bands = { from: bandFrom, to: bandTo, take: bandTake };
  // The WebAssembly SIMD kernel (contrast_wasm.ts) sums the same values in the same order; it
  // needs every band to hold a bin.
  if (!noEmptyBand || !contrastExtremesWasm(magnitude, active, bins, bands, valleys, peaks)) {
    contrastExtremes(magnitude, active, bins, bands, valleys, peaks);
  }
  const peakDb = powerToDb(peaks);
  const valleyDb = powerToDb(valleys);
  for (let i = 0; i < peakDb.length; i++) peakDb[i] -= valleyDb[i];
  return { frames, width, data: peakDb };
}
