/**
 * Mel and chroma filter banks, exactly as librosa 0.9.2's `filters.mel` (Slaney mel scale,
 * Slaney area normalisation) and `filters.chroma` (Ellis's Gaussian chroma bumps) build them,
 * including their float32 storage. Banks are cached per parameter set.
 *
 * Why not Meyda: its mel bank is HTK-scaled without area normalisation and its chroma has no
 * tuning offset, so its numbers differ from librosa's (and from the seed's).
 *
 * @example
 * ```ts
 * const mel = melFilterBank({ sampleRate: 22050, nFft: 2048, nMels: 128 });
 * const chroma = chromaFilterBank({ sampleRate: 22050, nFft: 2048, tuning: 0 });
 * ```
 * @module
 */

/** A filter bank: `rows x bins` weights plus each row's non-zero bin range. */
export interface FilterBank {
  /** Number of filters (mel bands or chroma classes). */
  rows: number;
  /** FFT bins per row, `nFft / 2 + 1`. */
  bins: number;
  /** `rows x bins` weights, row-major, float32 like librosa's. */
  weights: Float32Array;
  /** First bin with a non-zero weight in each row. */
  starts: Int32Array;
  /** One past the last bin with a non-zero weight in each row (`start` when the row is empty). */
  ends: Int32Array;
  /**
   * The weights that matter, in compressed-sparse-row form: row `r`'s bins are
   * `sparseBins[rowStarts[r] .. rowStarts[r + 1]]` with weights `sparseWeights[...]`. The
   * products use these, skipping the zeros (and, for chroma, negligible weights).
   */
  rowStarts: Int32Array;
  sparseBins: Int32Array;
  sparseWeights: Float64Array;
}

/** Options of {@link melFilterBank}. */
export interface MelFilterOptions {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** FFT size in samples. */
  nFft: number;
  /** Number of mel bands (default 128). */
  nMels?: number;
  /** Lowest band edge in Hz (default 0). */
  fmin?: number;
  /** Highest band edge in Hz (default `sampleRate / 2`). */
  fmax?: number;
}

/** Options of {@link chromaFilterBank}. */
export interface ChromaFilterOptions {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** FFT size in samples. */
  nFft: number;
  /** Tuning offset in fractions of a chroma bin, in [-0.5, 0.5) (default 0). */
  tuning?: number;
  /** Number of chroma classes (default 12). */
  nChroma?: number;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

/**
 * Hz to mel on the Slaney scale (linear below 1 kHz, logarithmic above), librosa's default.
 *
 * @param hz frequency in Hz
 * @returns mels
 * @example
 * ```ts
 * hzToMel(1000); // 15
 * ```
 */
export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

/**
 * Mel (Slaney scale) to Hz; the inverse of {@link hzToMel}.
 *
 * @param mel mels
 * @returns frequency in Hz
 * @example
 * ```ts
 * melToHz(15); // 1000
 * ```
 */
export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/**
 * `count` frequencies in Hz evenly spaced on the mel scale from `fmin` to `fmax` (inclusive),
 * like `librosa.mel_frequencies`.
 *
 * @param count number of frequencies
 * @param fmin lowest frequency in Hz
 * @param fmax highest frequency in Hz
 * @example
 * ```ts
 * melFrequencies(130, 0, 11025); // band edges of a 128-band bank
 * ```
 */
export function melFrequencies(count: number, fmin: number, fmax: number): Float64Array {
  const low = hzToMel(fmin);
  const high = hzToMel(fmax);
  const result = new Float64Array(count);
  // numpy.linspace: start + i * step, with the last value exactly `stop`.
  const step = count > 1 ? (high - low) / (count - 1) : 0;
  for (let i = 0; i < count; i++) result[i] = melToHz(i === count - 1 ? high : low + i * step);
  return result;
}

/**
 * Centre frequency in Hz of every FFT bin, `k * sampleRate / nFft` (`librosa.fft_frequencies`).
 *
 * @param sampleRate sample rate in Hz
 * @param nFft FFT size in samples
 * @example
 * ```ts
 * fftFrequencies(22050, 2048)[1]; // 10.7666...
 * ```
 */
export function fftFrequencies(sampleRate: number, nFft: number): Float64Array {
  const bins = Math.floor(nFft / 2) + 1;
  const result = new Float64Array(bins);
  const step = sampleRate / 2 / (bins - 1);
  for (let k = 0; k < bins; k++) result[k] = k * step;
  result[bins - 1] = sampleRate / 2;
  return result;
}

/**
 * Builds the ranges and sparse rows of a bank. A weight is kept when it exceeds
 * `relativeFloor` times the largest weight in its column (bin).
 */
function withRanges(
  rows: number,
  bins: number,
  weights: Float32Array,
  relativeFloor = 0,
): FilterBank {
  const columnMax = new Float64Array(bins);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < bins; k++) columnMax[k] = Math.max(columnMax[k], weights[r * bins + k]);
  }
  const rowStarts = new Int32Array(rows + 1);
  const keptBins: number[] = [];
  const keptWeights: number[] = [];
  for (let r = 0; r < rows; r++) {
    rowStarts[r] = keptBins.length;
    for (let k = 0; k < bins; k++) {
      const weight = weights[r * bins + k];
      if (weight !== 0 && weight > relativeFloor * columnMax[k]) {
        keptBins.push(k);
        keptWeights.push(weight);
      }
    }
  }
  rowStarts[rows] = keptBins.length;
  const sparseBins = Int32Array.from(keptBins);
  const sparseWeights = Float64Array.from(keptWeights);
  const starts = new Int32Array(rows);
  const ends = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = r * bins;
    let start = 0;
    while (start < bins && weights[row + start] === 0) start++;
    let end = bins;
    while (end > start && weights[row + end - 1] === 0) end--;
    starts[r] = start;
    ends[r] = end;
  }
  return { rows, bins, weights, starts, ends, rowStarts, sparseBins, sparseWeights };
}

const melCache = new Map<string, FilterBank>();

/**
 * Mel filter bank as `librosa.filters.mel(sr, n_fft, n_mels)` (Slaney mel scale, triangular
 * filters scaled to equal area, `norm="slaney"`), cached.
 *
 * @param options sample rate in Hz, FFT size in samples, band count, band limits in Hz
 * @returns `nMels x (nFft/2 + 1)` weights; multiply with a power spectrum to get mel power
 * @example
 * ```ts
 * const bank = melFilterBank({ sampleRate: 22050, nFft: 2048, nMels: 128 });
 * ```
 */
export function melFilterBank(options: MelFilterOptions): FilterBank {
  const { sampleRate, nFft } = options;
  const nMels = options.nMels ?? 128;
  const fmin = options.fmin ?? 0;
  const fmax = options.fmax ?? sampleRate / 2;
  const key = `${sampleRate}/${nFft}/${nMels}/${fmin}/${fmax}`;
  const cached = melCache.get(key);
  if (cached) return cached;
  if (!(nMels > 0 && Number.isInteger(nMels))) {
    throw new RangeError(`melFilterBank: nMels must be a positive whole number, got ${nMels}`);
  }
  const fftFreqs = fftFrequencies(sampleRate, nFft);
  const bins = fftFreqs.length;
  const melF = melFrequencies(nMels + 2, fmin, fmax);
  const weights = new Float32Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const lowerWidth = melF[m + 1] - melF[m];
    const upperWidth = melF[m + 2] - melF[m + 1];
    const areaNorm = 2 / (melF[m + 2] - melF[m]);
    for (let k = 0; k < bins; k++) {
      const lower = -(melF[m] - fftFreqs[k]) / lowerWidth;
      const upper = (melF[m + 2] - fftFreqs[k]) / upperWidth;
      const weight = Math.max(0, Math.min(lower, upper));
      // librosa stores the triangle in float32, then scales it (in float64) in place.
      weights[m * bins + k] = Math.fround(weight) * areaNorm;
    }
  }
  const bank = withRanges(nMels, bins, weights);
  melCache.set(key, bank);
  return bank;
}

const chromaCache = new Map<string, FilterBank>();
const CHROMA_RELATIVE_FLOOR = 1e-6;

/**
 * Chroma filter bank as `librosa.filters.chroma(sr, n_fft, tuning=tuning)` (defaults
 * `ctroct=5`, `octwidth=2`, column L2 norm, starting at C), cached.
 *
 * @param options sample rate in Hz, FFT size in samples, tuning in fractions of a bin
 * @returns `nChroma x (nFft/2 + 1)` weights; multiply with a magnitude spectrum
 * @example
 * ```ts
 * const bank = chromaFilterBank({ sampleRate: 22050, nFft: 2048, tuning: -0.1 });
 * ```
 */
export function chromaFilterBank(options: ChromaFilterOptions): FilterBank {
  const { sampleRate, nFft } = options;
  const tuning = options.tuning ?? 0;
  const nChroma = options.nChroma ?? 12;
  const key = `${sampleRate}/${nFft}/${tuning}/${nChroma}`;
  const cached = chromaCache.get(key);
  if (cached) return cached;
  const a440 = 440.0 * 2.0 ** (tuning / nChroma);
  // frqbins over all nFft bins (numpy builds the full, aliased matrix, then keeps the first half).
  const frqbins = new Float64Array(nFft);
  const binHz = sampleRate / nFft;
  for (let k = 1; k < nFft; k++) {
    const hz = k * binHz;
    frqbins[k] = nChroma * Math.log2(hz / (a440 / 16));
  }
  // Made-up value for the 0 Hz bin: 1.5 octaves below bin 1.
  frqbins[0] = frqbins[1] - 1.5 * nChroma;
  const bins = Math.floor(1 + nFft / 2);
  const half = Math.round(nChroma / 2);
  const dense = new Float64Array(nChroma * bins);
  for (let k = 0; k < bins; k++) {
    const binWidth = k < nFft - 1 ? Math.max(frqbins[k + 1] - frqbins[k], 1) : 1;
    let sumSquares = 0;
    for (let c = 0; c < nChroma; c++) {
      const raw = frqbins[k] - c + half + 10 * nChroma;
      // numpy.remainder: result has the divisor's sign.
      const distance = raw - Math.floor(raw / nChroma) * nChroma - half;
      const ratio = (2 * distance) / binWidth;
      const weight = Math.exp(-0.5 * ratio * ratio);
      dense[c * bins + k] = weight;
      sumSquares += weight * weight;
    }
    const norm = Math.sqrt(sumSquares);
    const octaveOffset = (frqbins[k] / nChroma - 5) / 2;
    const octaveWeight = Math.exp(-0.5 * octaveOffset * octaveOffset);
    for (let c = 0; c < nChroma; c++) {
      dense[c * bins + k] = (dense[c * bins + k] / (norm > 0 ? norm : 1)) * octaveWeight;
    }
  }
  // Roll so that row 0 is C rather than A.
  const shift = 3 * Math.floor(nChroma / 12);
  const weights = new Float32Array(nChroma * bins);
  for (let c = 0; c < nChroma; c++) {
    const source = (c + shift) % nChroma;
    for (let k = 0; k < bins; k++) weights[c * bins + k] = dense[source * bins + k];
  }
  // Gaussian tails below 1e-6 of a bin's largest weight are skipped in products (~60 % of the
  // matrix): since every frame's chroma is divided by its largest class, which is at least 1/12
  // of the sum over classes, this moves normalised chroma by at most 12e-6.
  const bank = withRanges(nChroma, bins, weights, CHROMA_RELATIVE_FLOOR);
  chromaCache.set(key, bank);
  return bank;
}
