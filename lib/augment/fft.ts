/**
 * A small complex radix-2 FFT with an inverse, for the phase vocoder and FFT convolution.
 * (`lib/features`' `RealFft` is forward-only and real-input: enough for features, not for
 * resynthesis.) Not exported from the module.
 * @module
 */

/** In-place complex FFT of one fixed power-of-two size, reusable across calls. */
export class ComplexFft {
  /** Transform size. */
  readonly size: number;
  private readonly bitReversed: Uint32Array;
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;

  /** @param size a power of two >= 2 */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      throw new RangeError(`lib/augment/fft.ts: size must be a power of two >= 2, got ${size}`);
    }
    this.size = size;
    const levels = Math.log2(size);
    this.bitReversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let reversed = 0;
      for (let bit = 0, value = i; bit < levels; bit++, value >>= 1) {
        reversed = (reversed << 1) | (value & 1);
      }
      this.bitReversed[i] = reversed;
    }
    const half = size >> 1;
    this.cosTable = new Float64Array(half);
    this.sinTable = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cosTable[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinTable[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /**
   * Transforms `re`/`im` in place: `X[k] = sum x[n] exp(-+2 pi i k n / N)`; the inverse
   * (`inverse = true`) uses the `+` sign and divides by N, so inverse(forward(x)) = x.
   */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.size;
    const rev = this.bitReversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    const sign = inverse ? 1 : -1;
    for (let len = 2; len <= n; len <<= 1) {
      const halfLen = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = this.cosTable[k * step];
          const wi = sign * this.sinTable[k * step];
          const a = start + k;
          const b = a + halfLen;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
    if (inverse) {
      const scale = 1 / n;
      for (let i = 0; i < n; i++) {
        re[i] *= scale;
        im[i] *= scale;
      }
    }
  }
}

const cache = new Map<number, ComplexFft>();

/** Cached {@link ComplexFft} of a size (the tables are the expensive part). */
export function complexFft(size: number): ComplexFft {
  let fft = cache.get(size);
  if (!fft) {
    fft = new ComplexFft(size);
    cache.set(size, fft);
  }
  return fft;
}

/** Smallest power of two >= `n` (and >= 2). */
export function nextPowerOfTwo(n: number): number {
  let size = 2;
  while (size < n) size *= 2;
  return size;
}

/**
 * Linear convolution `signal * kernel` through one FFT pair (both real): the first
 * `signal.length + kernel.length - 1` samples of the full convolution.
 */
export function fftConvolve(signal: Float32Array, kernel: Float32Array): Float64Array {
  const outLength = signal.length + kernel.length - 1;
  const size = nextPowerOfTwo(outLength);
  const fft = complexFft(size);
  // Pack both real inputs into one complex transform: z = signal + i kernel, then split the
  // spectra with the conjugate symmetry of real signals (saves one forward FFT).
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(signal);
  for (let i = 0; i < kernel.length; i++) im[i] = kernel[i];
  fft.transform(re, im);
  const pr = new Float64Array(size);
  const pi = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const m = (size - k) & (size - 1);
    // S[k] = (Z[k] + conj Z[m]) / 2, K[k] = (Z[k] - conj Z[m]) / (2i)
    const sr = (re[k] + re[m]) / 2;
    const si = (im[k] - im[m]) / 2;
    const kr = (im[k] + im[m]) / 2;
    const ki = -(re[k] - re[m]) / 2;
    pr[k] = sr * kr - si * ki;
    pi[k] = sr * ki + si * kr;
  }
  fft.transform(pr, pi, true);
  return pr.subarray(0, outLength);
}

/**
 * Inverse FFT of a Hermitian spectrum (the `size/2 + 1` non-negative-frequency bins of a real
 * signal) through one complex FFT of half the size: the even and odd samples are the real and
 * imaginary parts of `IFFT(E + iO)`, with `E[k] = (X[k] + conj X[M-k]) / 2` and
 * `O[k] = (X[k] - conj X[M-k]) exp(2 pi i k / size) / 2`, `M = size / 2`.
 */
export class RealInverseFft {
  /** Output length in samples. */
  readonly size: number;
  private readonly half: number;
  private readonly fft: ComplexFft;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;

  /** @param size a power of two >= 4 */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`lib/augment/fft.ts: size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    this.half = size / 2;
    this.fft = complexFft(this.half);
    this.cos = new Float64Array(this.half);
    this.sin = new Float64Array(this.half);
    for (let k = 0; k < this.half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.zRe = new Float64Array(this.half);
    this.zIm = new Float64Array(this.half);
  }

  /**
   * Writes the real signal of the spectrum `re`/`im` (bins 0..size/2; the imaginary parts of
   * bins 0 and size/2 are ignored, as for any real signal) into `out` (`size` samples).
   */
  inverse(re: Float64Array, im: Float64Array, out: Float64Array): void {
    const m = this.half;
    const zRe = this.zRe;
    const zIm = this.zIm;
    for (let k = 0; k < m; k++) {
      const j = m - k;
      // conj of X[M-k]; bins 0 and M are real for a real signal.
      const aRe = re[k];
      const aIm = k === 0 ? 0 : im[k];
      const bRe = re[j];
      const bIm = j === m ? 0 : -im[j];
      const eRe = (aRe + bRe) / 2;
      const eIm = (aIm + bIm) / 2;
      const dRe = (aRe - bRe) / 2;
      const dIm = (aIm - bIm) / 2;
      const oRe = dRe * this.cos[k] - dIm * this.sin[k];
      const oIm = dRe * this.sin[k] + dIm * this.cos[k];
      zRe[k] = eRe - oIm;
      zIm[k] = eIm + oRe;
    }
    this.fft.transform(zRe, zIm, true);
    for (let i = 0; i < m; i++) {
      out[2 * i] = zRe[i];
      out[2 * i + 1] = zIm[i];
    }
  }
}

const inverseCache = new Map<number, RealInverseFft>();

/** Cached {@link RealInverseFft} of a size. */
export function realInverseFft(size: number): RealInverseFft {
  let fft = inverseCache.get(size);
  if (!fft) {
    fft = new RealInverseFft(size);
    inverseCache.set(size, fft);
  }
  return fft;
}
