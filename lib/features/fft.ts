/**
 * A fast real-input FFT for power-of-two sizes, on Float64Array, with precomputed twiddles and
 * no allocation per call.
 *
 * A real signal of length `n` is packed as `n/2` complex values (even samples real, odd samples
 * imaginary), transformed by an iterative radix-2 complex FFT of size `n/2`, and unpacked into
 * the `n/2 + 1` non-negative-frequency bins: about half the work of a complex FFT of size `n`.
 *
 * @example
 * ```ts
 * const fft = new RealFft(2048);
 * const re = new Float64Array(1025), im = new Float64Array(1025);
 * fft.forward(new Float64Array(2048).fill(1), re, im); // re[0] === 2048
 * ```
 * @module
 */

/** Forward real FFT of one fixed power-of-two size, reusable across calls. */
export class RealFft {
  /** Transform size in samples. */
  readonly size: number;
  /** Number of output bins, `size / 2 + 1`. */
  readonly bins: number;
  private readonly half: number;
  private readonly bitReversed: Uint32Array;
  /** cos/sin of `-2*pi*k/half` for k < half: the complex FFT's twiddles. */
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;
  /** cos/sin of `2*pi*k/size` for k <= half: the real-unpacking twiddles. */
  private readonly unpackCos: Float64Array;
  private readonly unpackSin: Float64Array;
  private readonly workRe: Float64Array;
  private readonly workIm: Float64Array;

  /**
   * @param size transform length in samples; a power of two >= 8
   * @example
   * ```ts
   * const fft = new RealFft(1024);
   * ```
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0) {
      throw new RangeError(`RealFft: size must be a power of two >= 8, got ${size}`);
    }
    this.size = size;
    this.half = size / 2;
    this.bins = this.half + 1;
    const half = this.half;
    const levels = Math.log2(half);
    this.bitReversed = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let reversed = 0;
      for (let bit = 0, value = i; bit < levels; bit++, value >>= 1) {
        reversed = (reversed << 1) | (value & 1);
      }
      this.bitReversed[i] = reversed;
    }
    this.cosTable = new Float64Array(half);
    this.sinTable = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cosTable[k] = Math.cos((2 * Math.PI * k) / half);
      this.sinTable[k] = -Math.sin((2 * Math.PI * k) / half);
    }
    this.unpackCos = new Float64Array(half + 1);
    this.unpackSin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.unpackCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.unpackSin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.workRe = new Float64Array(half);
    this.workIm = new Float64Array(half);
  }

  /**
   * Computes `X[k] = sum_t x[t] exp(-2 pi i k t / size)` for `k = 0 .. size/2`.
   *
   * @param input `size` real samples (not modified)
   * @param outRe receives the `size/2 + 1` real parts
   * @param outIm receives the `size/2 + 1` imaginary parts
   * @example
   * ```ts
   * const fft = new RealFft(8);
   * const re = new Float64Array(5), im = new Float64Array(5);
   * fft.forward(Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0), re, im); // all re = 1
   * ```
   */
  forward(input: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const half = this.half;
    const re = this.workRe;
    const im = this.workIm;
    const reverse = this.bitReversed;
    for (let i = 0; i < half; i++) {
      const j = reverse[i];
      re[j] = input[2 * i];
      im[j] = input[2 * i + 1];
    }
    this.transformPacked(outRe, outIm);
  }

  /**
   * FFT of one windowed frame of a longer signal, `x[t] = window[t] * samples[first + t]`, with
   * samples outside the signal taken as zero (librosa's constant padding). Reads the signal in
   * place: no frame buffer is filled.
   *
   * @param samples the whole signal
   * @param first index in `samples` of the frame's first sample (may be negative)
   * @param window `size` window weights
   * @param outRe receives the `size/2 + 1` real parts
   * @param outIm receives the `size/2 + 1` imaginary parts
   * @example
   * ```ts
   * import { hannWindow } from "./stft.ts";
   * const fft = new RealFft(2048);
   * const signal = new Float32Array(22050);
   * const re = new Float64Array(1025), im = new Float64Array(1025);
   * fft.forwardFrame(signal, 512 - 1024, hannWindow(2048), re, im);
   * ```
   */
  forwardFrame(
    samples: Float32Array,
    first: number,
    window: Float64Array,
    outRe: Float64Array,
    outIm: Float64Array,
  ): void {
    const half = this.half;
    const re = this.workRe;
    const im = this.workIm;
    const reverse = this.bitReversed;
    const length = samples.length;
    if (first >= 0 && first + this.size <= length) {
      for (let i = 0; i < half; i++) {
        const j = reverse[i];
        const t = 2 * i;
        re[j] = window[t] * samples[first + t];
        im[j] = window[t + 1] * samples[first + t + 1];
      }
    } else {
      for (let i = 0; i < half; i++) {
        const j = reverse[i];
        const t = 2 * i;
        const even = first + t;
        const odd = even + 1;
        re[j] = even >= 0 && even < length ? window[t] * samples[even] : 0;
        im[j] = odd >= 0 && odd < length ? window[t + 1] * samples[odd] : 0;
      }
    }
    this.transformPacked(outRe, outIm);
  }

  /** Complex FFT of the bit-reversed packed signal in the work arrays, then real unpacking. */
  private transformPacked(outRe: Float64Array, outIm: Float64Array): void {
    const half = this.half;
    const re = this.workRe;
    const im = this.workIm;
    // First two stages merged as radix-4 butterflies: they need no multiplications.
    for (let start = 0; start < half; start += 4) {
      const a0r = re[start], a0i = im[start];
      const a1r = re[start + 1], a1i = im[start + 1];
      const a2r = re[start + 2], a2i = im[start + 2];
      const a3r = re[start + 3], a3i = im[start + 3];
      const s01r = a0r + a1r, s01i = a0i + a1i;
      const d01r = a0r - a1r, d01i = a0i - a1i;
      const s23r = a2r + a3r, s23i = a2i + a3i;
      const d23r = a2r - a3r, d23i = a2i - a3i;
      re[start] = s01r + s23r;
      im[start] = s01i + s23i;
      re[start + 2] = s01r - s23r;
      im[start + 2] = s01i - s23i;
      // d23 times -i.
      re[start + 1] = d01r + d23i;
      im[start + 1] = d01i - d23r;
      re[start + 3] = d01r - d23i;
      im[start + 3] = d01i + d23r;
    }
    const cosTable = this.cosTable;
    const sinTable = this.sinTable;
    let span = 4;
    // Pairs of radix-2 stages (spans s and 2s) merged into radix-4 butterflies: with
    // u = W_{4s}^k the outputs are (a + u^2 b) +- (u c + u^3 d) and (a - u^2 b) -+ i (u c - u^3 d),
    // three complex multiplications per four points instead of four, and half the passes.
    for (; span * 4 <= half; span <<= 2) {
      const stride = half / (span << 2);
      const blockSize = span << 2;
      for (let start = 0; start < half; start += blockSize) {
        for (let k = 0; k < span; k++) {
          const j1 = k * stride;
          const u1r = cosTable[j1], u1i = sinTable[j1];
          const u2r = cosTable[2 * j1], u2i = sinTable[2 * j1];
          const u3r = cosTable[3 * j1], u3i = sinTable[3 * j1];
          const ia = start + k;
          const ib = ia + span;
          const ic = ib + span;
          const id = ic + span;
          const br = re[ib], bi = im[ib];
          const cr = re[ic], ci = im[ic];
          const dr = re[id], di = im[id];
          const t1r = br * u2r - bi * u2i, t1i = br * u2i + bi * u2r;
          const t2r = cr * u1r - ci * u1i, t2i = cr * u1i + ci * u1r;
          const t3r = dr * u3r - di * u3i, t3i = dr * u3i + di * u3r;
          const ar = re[ia], ai = im[ia];
          const sumR = ar + t1r, sumI = ai + t1i;
          const difR = ar - t1r, difI = ai - t1i;
          const s23r = t2r + t3r, s23i = t2i + t3i;
          const d23r = t2r - t3r, d23i = t2i - t3i;
          re[ia] = sumR + s23r;
          im[ia] = sumI + s23i;
          re[ic] = sumR - s23r;
          im[ic] = sumI - s23i;
          // -i * d23 = (d23i, -d23r); +i * d23 = (-d23i, d23r).
          re[ib] = difR + d23i;
          im[ib] = difI - d23r;
          re[id] = difR - d23i;
          im[id] = difI + d23r;
        }
      }
    }
    // A leftover radix-2 stage when the number of remaining stages is odd.
    for (; span < half; span <<= 1) {
      const stride = half / (span << 1);
      for (let start = 0; start < half; start += span << 1) {
        for (let k = 0; k < span; k++) {
          const wr = cosTable[k * stride];
          const wi = sinTable[k * stride];
          const top = start + k;
          const bottom = top + span;
          const br = re[bottom], bi = im[bottom];
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[top], ai = im[top];
          re[top] = ar + tr;
          im[top] = ai + ti;
          re[bottom] = ar - tr;
          im[bottom] = ai - ti;
        }
      }
    }
    // Unpack: X[k] = E[k] + W^k O[k], E/O the spectra of the even/odd samples.
    const unpackCos = this.unpackCos;
    const unpackSin = this.unpackSin;
    outRe[0] = re[0] + im[0];
    outIm[0] = 0;
    outRe[half] = re[0] - im[0];
    outIm[half] = 0;
    for (let k = 1; k < half; k++) {
      const a = re[k], b = im[k];
      const c = re[half - k], d = im[half - k];
      const er = 0.5 * (a + c), ei = 0.5 * (b - d);
      const or = 0.5 * (b + d), oi = -0.5 * (a - c);
      const cos = unpackCos[k], sin = unpackSin[k];
      outRe[k] = er + cos * or + sin * oi;
      outIm[k] = ei + cos * oi - sin * or;
    }
  }
}
