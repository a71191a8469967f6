/**
 * Fundamental frequency (F0) tracking as librosa 0.9.2 computes it: {@link yin} (de Cheveigné &
 * Kawahara 2002) and {@link pyin}, probabilistic YIN with HMM smoothing (Mauch & Dixon 2014),
 * ported step by step from `librosa/core/pitch.py` and `librosa/sequence.py` so that the same
 * signal gives the same frames, the same troughs and the same Viterbi path.
 *
 * Where librosa's arithmetic is float32 (the signal's running energy), it is rounded to float32
 * here too, because the troughs and thresholds are decided on those numbers.
 *
 * References:
 * - A. de Cheveigné, H. Kawahara, "YIN, a fundamental frequency estimator for speech and
 *   music", J. Acoust. Soc. Am. 111(4), 1917-1930, 2002.
 * - M. Mauch, S. Dixon, "pYIN: a fundamental frequency estimator using probabilistic threshold
 *   distributions", ICASSP 2014.
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const tone = sine(220, 1, 22050);
 * const f0 = yin(tone, { sampleRate: 22050, fmin: 65, fmax: 600 }); // ~220 Hz per frame
 * const { voiced } = pyin(tone, { sampleRate: 22050, fmin: 65, fmax: 600 }); // all 1
 * ```
 * @module
 */
import { hmmModel, LOG_TINY64, scratch, TINY64, viterbi } from "./pitch_hmm.ts";
import { assertValidAudio, realFft } from "./stft.ts";

/** Options of {@link yin}; librosa's defaults where omitted. */
export interface YinOptions {
  /** Sample rate of the signal in Hz. */
  sampleRate: number;
  /** Lowest F0 to look for, Hz (> 0; librosa suggests 65 Hz, C2). */
  fmin: number;
  /** Highest F0 to look for, Hz (> fmin; librosa suggests up to 2093 Hz, C7). */
  fmax: number;
  /** Frame length in samples, a power of two >= 8 (default 2048, ~93 ms at 22050 Hz). */
  frameLength?: number;
  /** Autocorrelation window in samples, < frameLength (default `frameLength / 2`). */
  winLength?: number;
  /** Hop between frames in samples (default `frameLength / 4`, i.e. 512). */
  hopLength?: number;
  /** Absolute threshold on the normalized difference for picking a trough (default 0.1). */
  troughThreshold?: number;
  /** Zero-pad `frameLength / 2` samples on both sides so frame t is centred on sample
   * `t * hopLength` (default true, librosa's `center=True, pad_mode="constant"`). */
  center?: boolean;
}

/** Options of {@link pyin}; librosa's defaults where omitted. */
export interface PyinOptions extends Omit<YinOptions, "troughThreshold"> {
  /** Number of YIN thresholds in (0, 1] (default 100). */
  nThresholds?: number;
  /** Shape parameters (a, b) of the beta prior over thresholds (default [2, 18]). */
  betaParameters?: readonly [number, number];
  /** Boltzmann prior shape over troughs, > 0; larger favours short periods (default 2). */
  boltzmannParameter?: number;
  /** Pitch-bin resolution in semitones, in (0, 1) (default 0.1, i.e. 10 cents). */
  resolution?: number;
  /** Largest pitch change the HMM allows, octaves per second (default 35.92). */
  maxTransitionRate?: number;
  /** Probability of switching between voiced and unvoiced per frame, in (0, 1) (default 0.01). */
  switchProb?: number;
  /** Probability given to the global minimum when no trough is below a threshold (default 0.01). */
  noTroughProb?: number;
}

/** Result of {@link pyin}, one value per frame. */
export interface PyinResult {
  /** Decoded F0 in Hz; NaN where the frame is unvoiced (librosa's `fill_na=np.nan`). */
  f0: Float32Array;
  /** 1 where the Viterbi path is in a voiced state, else 0. */
  voiced: Uint8Array;
  /** Probability in [0, 1] that the frame is voiced (before decoding). */
  voicedProb: Float32Array;
}

/** librosa zeroes float32 energies below 1e-6; numpy compares in float32. */
const ENERGY_FLOOR = Math.fround(1e-6);

interface Framing {
  frameLength: number;
  winLength: number;
  hopLength: number;
  minPeriod: number;
  maxPeriod: number;
  center: boolean;
}

function framingOf(options: PyinOptions | YinOptions, caller: string): Framing {
  const { sampleRate, fmin, fmax } = options;
  const frameLength = options.frameLength ?? 2048;
  const winLength = options.winLength ?? Math.floor(frameLength / 2);
  const hopLength = options.hopLength ?? Math.floor(frameLength / 4);
  const where = `lib/features/pitch.ts ${caller}`;
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new RangeError(`${where}: sampleRate must be a positive number of Hz, got ${sampleRate}`);
  }
  if (!(Number.isFinite(fmin) && fmin > 0 && Number.isFinite(fmax) && fmax > fmin)) {
    throw new RangeError(`${where}: need 0 < fmin < fmax (Hz), got fmin=${fmin}, fmax=${fmax}`);
  }
  if (!Number.isInteger(frameLength) || frameLength < 8 || (frameLength & (frameLength - 1))) {
    throw new RangeError(`${where}: frameLength must be a power of two >= 8, got ${frameLength}`);
  }
  if (!Number.isInteger(winLength) || winLength < 1 || winLength >= frameLength) {
    throw new RangeError(
      `${where}: winLength must be a whole number in [1, frameLength), got ${winLength}`,
    );
  }
  if (!Number.isInteger(hopLength) || hopLength < 1) {
    throw new RangeError(`${where}: hopLength must be a positive whole number, got ${hopLength}`);
  }
  const minPeriod = Math.max(Math.floor(sampleRate / fmax), 1);
  const maxPeriod = Math.min(Math.ceil(sampleRate / fmin), frameLength - winLength - 1);
  if (maxPeriod - minPeriod < 2) {
    throw new RangeError(
      `${where}: the period range ${minPeriod}..${maxPeriod} samples is too narrow; ` +
        `widen fmin..fmax or lengthen frameLength`,
    );
  }
  return {
    frameLength,
    winLength,
    hopLength,
    minPeriod,
    maxPeriod,
    center: options.center ?? true,
  };
}

/** Cumulative mean normalized differences of every frame, with their parabolic shifts. */
interface Cmndf {
  frames: number;
  /** Periods per frame, `maxPeriod - minPeriod + 1`; value i is for period `minPeriod + i`. */
  count: number;
  /** frames x count, row-major. */
  values: Float64Array;
  /** frames x count: librosa's `_parabolic_interpolation` offsets, in samples. */
  shifts: Float64Array;
}

/**
 * The autocorrelation term of YIN's difference, `acf[tau] = sum_{i=0..W-1} y[s+i] y[s+i+tau]`
 * for tau in 0..maxPeriod, for frames starting at `s = t * hop - padding + 1` of the
 * zero-extended signal y, one frame after the other (`next`).
 *
 * When W is a multiple of the hop (librosa's defaults: 2048/512/1024 and pYIN's 2048/256/1024
 * in the utterance functionals), a frame's sum is the sum of W / hop blocks of `hop` products,
 * and consecutive frames share all blocks but one: each block is one correlation by FFT of
 * `nextPow2(hop + maxPeriod)` samples (1024 instead of the frame's 2048), computed once.
 * Otherwise each frame is correlated on its own with an FFT of frameLength samples. Both equal
 * the frame's sum up to float rounding (~1e-16 of the frame's energy), as numpy's FFT does.
 */
export class Autocorrelation {
  private readonly blockSize: number;
  private readonly blocksPerFrame: number;
  private readonly fft: ReturnType<typeof realFft>;
  private readonly head: Float64Array;
  private readonly lagged: Float64Array;
  private readonly headRe: Float64Array;
  private readonly headIm: Float64Array;
  private readonly lagRe: Float64Array;
  private readonly lagIm: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;
  private readonly hartley: Float64Array;
  /** Ring of the last `blocksPerFrame` blocks' correlations, `maxPeriod + 1` each. */
  private readonly ring: Float64Array[];
  private frame = 0;

  constructor(
    private readonly samples: Float32Array,
    private readonly framing: Framing,
    private readonly padding: number,
  ) {
    const { frameLength, winLength, hopLength, maxPeriod } = framing;
    const blocked = winLength % hopLength === 0;
    this.blockSize = blocked ? hopLength : winLength;
    this.blocksPerFrame = blocked ? winLength / hopLength : 1;
    let size = 8;
    while (size < this.blockSize + maxPeriod) size *= 2;
    // Per frame: the frame's own FFT; it never needs more than frameLength.
    if (!blocked) size = frameLength;
    this.fft = realFft(size);
    const bins = this.fft.bins;
    this.head = new Float64Array(size);
    this.lagged = new Float64Array(size);
    this.headRe = new Float64Array(bins);
    this.headIm = new Float64Array(bins);
    this.lagRe = new Float64Array(bins);
    this.lagIm = new Float64Array(bins);
    this.outRe = new Float64Array(bins);
    this.outIm = new Float64Array(bins);
    this.hartley = new Float64Array(size);
    this.ring = Array.from({ length: this.blocksPerFrame }, () => new Float64Array(maxPeriod + 1));
    if (blocked) { for (let b = 0; b < this.blocksPerFrame - 1; b++) this.block(b); }
  }

  /** Correlation of the block starting at sample `b * hop - padding + 1`, into the ring. */
  private block(b: number): void {
    const { hopLength, maxPeriod } = this.framing;
    const { samples, head, lagged, blockSize } = this;
    const n = samples.length;
    const first = b * hopLength - this.padding + 1;
    const span = blockSize + maxPeriod;
    if (first >= 0 && first + span <= n) {
      for (let i = 0; i < blockSize; i++) head[i] = samples[first + i];
      for (let i = 0; i < span; i++) lagged[i] = samples[first + i];
    } else {
      for (let i = 0; i < span; i++) {
        const s = first + i;
        const x = s >= 0 && s < n ? samples[s] : 0;
        if (i < blockSize) head[i] = x;
        lagged[i] = x;
      }
    }
    // head[blockSize..] and lagged[span..] stay 0: no circular wrap for tau <= maxPeriod.
    this.correlate(this.ring[b % this.blocksPerFrame]);
  }

  /** `out[tau] = sum_i head[i] lagged[i + tau]` for tau <= maxPeriod, by FFT. */
  private correlate(out: Float64Array): void {
    const { fft, head, lagged, headRe, headIm, lagRe, lagIm, outRe, outIm, hartley } = this;
    const size = fft.size, bins = fft.bins, half = size >> 1;
    fft.forward(head, headRe, headIm);
    fft.forward(lagged, lagRe, lagIm);
    // Spectrum of the correlation, conj(H) * L, then its inverse through one more forward real
    // FFT (the Hartley identity): with z[k] = Re X[k] - Im X[k] over the full Hermitian
    // spectrum, N x[n] = Re Z[n] - Im Z[n] and N x[N-n] = Re Z[n] + Im Z[n].
    for (let k = 0; k < bins; k++) {
      const a = headRe[k], b = -headIm[k];
      const c = lagRe[k], d = lagIm[k];
      const re = a * c - b * d;
      const im = a * d + b * c;
      hartley[k] = re - im;
      if (k > 0 && k < half) hartley[size - k] = re + im;
    }
    fft.forward(hartley, outRe, outIm);
    for (let tau = 0; tau < out.length; tau++) {
      out[tau] = tau <= half
        ? (outRe[tau] - outIm[tau]) / size
        : (outRe[size - tau] + outIm[size - tau]) / size;
    }
  }

  /** The next frame's acf[0..maxPeriod] into `out`. */
  next(out: Float64Array): void {
    const t = this.frame++;
    const { blocksPerFrame, ring } = this;
    if (blocksPerFrame === 1) {
      // One block of winLength from the frame's sample 1: the frame's own correlation.
      this.block(t);
      out.set(ring[0]);
      return;
    }
    this.block(t + blocksPerFrame - 1);
    const count = out.length;
    out.set(ring[t % blocksPerFrame]);
    for (let q = 1; q < blocksPerFrame; q++) {
      const part = ring[(t + q) % blocksPerFrame];
      for (let tau = 0; tau < count; tau++) out[tau] += part[tau];
    }
  }
}

/**
 * librosa's `_cumulative_mean_normalized_difference` (YIN's equation 8) and
 * `_parabolic_interpolation`, for every frame of the (optionally centred) signal.
 *
 * Per frame x (frameLength samples, W = winLength):
 * acf[tau] = sum_{i=1..W} x[i] x[i+tau] (via FFT, see {@link Autocorrelation}),
 * energy[tau] = sum_{i=tau+1..tau+W} x[i]^2 (float32 running sum, as numpy's float32 cumsum),
 * d[tau] = energy[0] + energy[tau] - 2 acf[tau], and d'[tau] = d[tau] / (mean of d[1..tau]).
 */
function cmndf(samples: Float32Array, framing: Framing, caller: string): Cmndf {
  // librosa's util.valid_audio: finite samples only.
  assertValidAudio(samples, `lib/features/pitch.ts ${caller}`);
  const { frameLength: size, winLength, hopLength, minPeriod, maxPeriod } = framing;
  const padding = framing.center ? size >> 1 : 0;
  const padded = samples.length + 2 * padding;
  if (padded < size) {
    throw new RangeError(
      `lib/features/pitch.ts: the signal (${samples.length} samples) is shorter than one ` +
        `frame (${size}); use center=true or a shorter frameLength`,
    );
  }
  const frames = 1 + Math.floor((padded - size) / hopLength);
  const count = maxPeriod - minPeriod + 1;
  // Every element is written below (the shifts' first and last per frame explicitly).
  const values = scratch("values", "f64", frames * count);
  const shifts = scratch("shifts", "f64", frames * count);

  const autocorrelation = new Autocorrelation(samples, framing, padding);
  // The energies reach frame sample winLength + maxPeriod (< frameLength).
  const span = winLength + maxPeriod + 1;
  const cumulativeEnergy = new Float64Array(span);
  const diff = new Float64Array(maxPeriod + 1);
  const fround = Math.fround;
  // float32 squares of the zero-padded signal, once for all frames (frames overlap 8-fold).
  const squares = new Float32Array(padded);
  for (let i = 0; i < samples.length; i++) squares[padding + i] = samples[i] * samples[i];

  for (let t = 0; t < frames; t++) {
    autocorrelation.next(diff);
    for (let tau = 0; tau <= maxPeriod; tau++) {
      const acf = diff[tau];
      diff[tau] = Math.abs(acf) < 1e-6 ? 0 : acf;
    }
    // numpy's float32 cumsum of float32 squares.
    const first = t * hopLength;
    let running = 0;
    for (let i = 0; i < span; i++) {
      running = fround(running + squares[first + i]);
      cumulativeEnergy[i] = running;
    }
    let energy0 = fround(cumulativeEnergy[winLength] - cumulativeEnergy[0]);
    if (Math.abs(energy0) < ENERGY_FLOOR) energy0 = 0;
    for (let tau = 0; tau <= maxPeriod; tau++) {
      let energy = fround(cumulativeEnergy[winLength + tau] - cumulativeEnergy[tau]);
      if (Math.abs(energy) < ENERGY_FLOOR) energy = 0;
      // (energy0 + energy) is a float32 sum in numpy; the acf term is float64.
      diff[tau] = fround(energy0 + energy) - 2 * diff[tau];
    }
    const row = t * count;
    let cumulative = 0;
    for (let tau = 1; tau <= maxPeriod; tau++) {
      cumulative += diff[tau];
      if (tau >= minPeriod) values[row + tau - minPeriod] = diff[tau] / (cumulative / tau + TINY64);
    }
    shifts[row] = 0;
    shifts[row + count - 1] = 0;
    for (let i = 1; i < count - 1; i++) {
      const left = values[row + i - 1], centre = values[row + i], right = values[row + i + 1];
      const a = (left + right - 2 * centre) / 2;
      const b = (right - left) / 2;
      const shift = -b / (2 * a + TINY64);
      shifts[row + i] = Math.abs(shift) > 1 ? 0 : shift;
    }
  }
  return { frames, count, values, shifts };
}

/** librosa's `localmin` on one frame, with its override `is_trough[0] = x[0] < x[1]`. */
function isTrough(values: Float64Array, row: number, count: number, i: number): boolean {
  const x = values[row + i];
  if (i === 0) return x < values[row + 1];
  const next = i === count - 1 ? x : values[row + i + 1];
  return x < values[row + i - 1] && x <= next;
}

/**
 * F0 per frame by YIN, as `librosa.yin(y, fmin=, fmax=, sr=, frame_length=, ...)` (0.9.2):
 * per frame, the first trough of the cumulative mean normalized difference below
 * `troughThreshold` (else its global minimum), refined by parabolic interpolation.
 *
 * Every frame gets an estimate, also silence and noise; use {@link pyin} for voicing.
 *
 * @param samples mono signal, amplitude in [-1, 1]
 * @param options sample rate and F0 range in Hz; framing in samples; trough threshold
 * @returns F0 in Hz, one value per frame (`1 + floor(samples / hopLength)` frames when centred)
 * @throws {RangeError} naming this file for invalid options or a too short uncentred signal
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const f0 = yin(sine(220, 3, 22050), { sampleRate: 22050, fmin: 65, fmax: 600 });
 * f0.length; // 130
 * ```
 */
export function yin(samples: Float32Array, options: YinOptions): Float32Array {
  const framing = framingOf(options, "yin");
  const threshold = options.troughThreshold ?? 0.1;
  const { frames, count, values, shifts } = cmndf(samples, framing, "yin");
  const f0 = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    const row = t * count;
    let period = -1;
    let globalMin = 0;
    for (let i = 0; i < count; i++) {
      if (values[row + i] < values[row + globalMin]) globalMin = i;
      if (period < 0 && values[row + i] < threshold && isTrough(values, row, count, i)) period = i;
    }
    if (period < 0) period = globalMin;
    f0[t] = options.sampleRate / (framing.minPeriod + period + shifts[row + period]);
  }
  return f0;
}

// ---- pYIN priors -------------------------------------------------------------------------

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  x -= 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b): the CDF of Beta(a, b) at x (`scipy.stats.beta.cdf`). */
function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Round half to even, as `np.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * F0 with voicing by probabilistic YIN, as `librosa.pyin(y, fmin=, fmax=, sr=,
 * frame_length=, ...)` (0.9.2, which follows the official pYIN software rather than the paper):
 * each trough of the YIN difference gets probability from a beta prior over 100 thresholds and
 * a Boltzmann prior over trough order, probabilities go to pitch bins of `resolution`
 * semitones, and a Viterbi pass over voiced and unvoiced copies of the bins (local triangular
 * pitch transitions, `switchProb` voicing switches) decodes the track.
 *
 * @param samples mono signal, amplitude in [-1, 1]
 * @param options sample rate and F0 range in Hz; framing in samples; the pYIN priors
 * @returns per frame: decoded F0 in Hz (NaN when unvoiced), voiced flags, voicing probability
 * @throws {RangeError} naming this file for invalid options or a too short uncentred signal
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const { f0, voiced, voicedProb } = pyin(sine(220, 3, 22050), {
 *   sampleRate: 22050,
 *   fmin: 65,
 *   fmax: 600,
 * });
 * ```
 */
export function pyin(samples: Float32Array, options: PyinOptions): PyinResult {
  return pyinDecode(pyinObservations(samples, options), options);
}

/**
 * pYIN's observations of every frame: what its HMM decodes. Each row depends only on the
 * frame's own samples, so windows that overlap on the frame grid can share rows
 * (`lib/features/utterance_windows.ts`); {@link pyinDecode} decodes any run of rows.
 */
export interface PyinObservations {
  frames: number;
  /** HMM states per frame: `pitchBins` voiced, then `pitchBins` unvoiced. */
  states: number;
  pitchBins: number;
  /** frames x states log observation probabilities, row-major (may be longer than that). */
  logObs: Float64Array;
  /** Probability in [0, 1] that the frame is voiced. */
  voicedProb: Float32Array;
}

/** pYIN's options checked and resolved (librosa's defaults filled in). */
function pyinParameters(options: PyinOptions) {
  const framing = framingOf(options, "pyin");
  const { sampleRate, fmin, fmax } = options;
  const nThresholds = options.nThresholds ?? 100;
  const [betaA, betaB] = options.betaParameters ?? [2, 18];
  const boltzmann = options.boltzmannParameter ?? 2;
  const resolution = options.resolution ?? 0.1;
  const maxTransitionRate = options.maxTransitionRate ?? 35.92;
  const switchProb = options.switchProb ?? 0.01;
  const noTroughProb = options.noTroughProb ?? 0.01;
  const where = "lib/features/pitch.ts pyin";
  if (!Number.isInteger(nThresholds) || nThresholds < 1) {
    throw new RangeError(`${where}: nThresholds must be a positive whole number`);
  }
  if (!(betaA > 0 && betaB > 0)) {
    throw new RangeError(`${where}: betaParameters must be positive, got [${betaA}, ${betaB}]`);
  }
  if (!(boltzmann > 0)) throw new RangeError(`${where}: boltzmannParameter must be > 0`);
  if (!(resolution > 0 && resolution < 1)) {
    throw new RangeError(`${where}: resolution must be in (0, 1) semitones, got ${resolution}`);
  }
  if (!(switchProb > 0 && switchProb < 1) || !(noTroughProb >= 0 && noTroughProb <= 1)) {
    throw new RangeError(`${where}: switchProb must be in (0, 1), noTroughProb in [0, 1]`);
  }
  if (!(maxTransitionRate > 0)) throw new RangeError(`${where}: maxTransitionRate must be > 0`);

  const binsPerSemitone = Math.ceil(1 / resolution);
  const pitchBins = Math.floor(12 * binsPerSemitone * Math.log2(fmax / fmin)) + 1;
  return {
    framing,
    sampleRate,
    fmin,
    nThresholds,
    betaA,
    betaB,
    boltzmann,
    maxTransitionRate,
    switchProb,
    noTroughProb,
    binsPerSemitone,
    pitchBins,
  };
}

/**
 * pYIN up to its HMM: the YIN differences, troughs and their probabilities, and the log
 * observation probability of every state in every frame (see {@link pyin}).
 *
 * @param samples mono signal, amplitude in [-1, 1]
 * @param options as {@link pyin}
 * @returns the rows in a per-thread scratch array that the next call overwrites (copy what you
 *   keep)
 */
export function pyinObservations(samples: Float32Array, options: PyinOptions): PyinObservations {
  const {
    framing,
    sampleRate,
    fmin,
    nThresholds,
    betaA,
    betaB,
    boltzmann,
    noTroughProb,
    binsPerSemitone,
    pitchBins,
  } = pyinParameters(options);
  const { frames, count, values, shifts } = cmndf(samples, framing, "pyin");

  // 1. Beta prior over thresholds: probability mass between consecutive thresholds.
  const thresholds = new Float64Array(nThresholds + 1);
  const step = 1 / nThresholds;
  for (let i = 0; i <= nThresholds; i++) thresholds[i] = i * step;
  thresholds[nThresholds] = 1;
  const betaProbs = new Float64Array(nThresholds);
  let previousCdf = betaCdf(thresholds[0], betaA, betaB);
  for (let i = 0; i < nThresholds; i++) {
    const cdf = betaCdf(thresholds[i + 1], betaA, betaB);
    betaProbs[i] = cdf - previousCdf;
    previousCdf = cdf;
  }
  // sum(betaProbs[:m]) for the no-trough bonus.
  const betaPrefix = new Float64Array(nThresholds + 1);
  for (let i = 0; i < nThresholds; i++) betaPrefix[i + 1] = betaPrefix[i] + betaProbs[i];

  const states = 2 * pitchBins;
  const boltzmannFront = 1 - Math.exp(-boltzmann);
  // The same Math.exp values the per-threshold sums need, once: e^(-lambda k) for trough
  // position k, and the Boltzmann normaliser (1 - e^-lambda) / (1 - e^(-lambda N)) for N troughs.
  const decay = new Float64Array(count + 1);
  const normaliser = new Float64Array(count + 1);
  for (let k = 0; k <= count; k++) {
    decay[k] = Math.exp(-boltzmann * k);
    normaliser[k] = boltzmannFront / (1 - Math.exp(-boltzmann * k));
  }

  // 2-5. Per frame: troughs, their probabilities, observation probabilities per pitch bin.
  const logObs = scratch("logObs", "f64", frames * states);
  const voicedProb = new Float32Array(frames);
  const troughs = new Int32Array(count);
  const heights = new Float64Array(count);
  const troughProbs = new Float64Array(count);
  const observed = new Float64Array(pitchBins + 1);
  const touched = new Int32Array(count);
  for (let t = 0; t < frames; t++) {
    const row = t * count;
    let nTroughs = 0;
    for (let i = 0; i < count; i++) {
      if (isTrough(values, row, count, i)) {
        troughs[nTroughs] = i;
        heights[nTroughs++] = values[row + i];
      }
    }
    let nTouched = 0;
    if (nTroughs > 0) {
      let globalMin = 0;
      for (let i = 1; i < nTroughs; i++) if (heights[i] < heights[globalMin]) globalMin = i;
      const minHeight = heights[globalMin];
      troughProbs.fill(0, 0, nTroughs);
      for (let m = 0; m < nThresholds; m++) {
        const threshold = thresholds[m + 1];
        // No trough below this threshold (nor any lower one, thresholds increase).
        if (!(minHeight < threshold)) continue;
        let below = 0;
        for (let i = 0; i < nTroughs; i++) if (heights[i] < threshold) below++;
        // scipy.stats.boltzmann.pmf(k, lambda, N) = (1 - e^-lambda) / (1 - e^(-lambda N)) e^(-lambda k)
        const fact = normaliser[below];
        const beta = betaProbs[m];
        let position = 0;
        for (let i = 0; i < nTroughs; i++) {
          if (heights[i] < threshold) troughProbs[i] += fact * decay[position++] * beta;
        }
      }
      let notBelow = 0;
      for (let m = 0; m < nThresholds; m++) if (!(minHeight < thresholds[m + 1])) notBelow++;
      troughProbs[globalMin] += noTroughProb * betaPrefix[notBelow];
      // Candidates in increasing period: numpy's fancy assignment keeps the last per bin.
      for (let i = 0; i < nTroughs; i++) {
        const probability = troughProbs[i];
        if (probability === 0) continue;
        const period = framing.minPeriod + troughs[i] + shifts[row + troughs[i]];
        const f0 = sampleRate / period;
        let bin = roundHalfEven(12 * binsPerSemitone * Math.log2(f0 / fmin));
        bin = bin < 0 ? 0 : bin > pitchBins ? pitchBins : bin;
        observed[bin] = probability;
        touched[nTouched++] = bin;
      }
    }
    // Bin `pitchBins` (a candidate above fmax) is the first unvoiced state, overwritten below.
    let sum = 0;
    for (let b = 0; b < pitchBins; b++) sum += observed[b];
    const probability = sum < 0 ? 0 : sum > 1 ? 1 : sum;
    voicedProb[t] = probability;
    const obsRow = t * states;
    // log(0 + tiny) where there is no candidate, computed once.
    logObs.fill(LOG_TINY64, obsRow, obsRow + pitchBins);
    for (let i = 0; i < nTouched; i++) {
      const b = touched[i];
      if (b < pitchBins) logObs[obsRow + b] = Math.log(observed[b] + TINY64);
    }
    const unvoiced = Math.log((1 - probability) / pitchBins + TINY64);
    for (let b = pitchBins; b < states; b++) logObs[obsRow + b] = unvoiced;
    for (let i = 0; i < nTouched; i++) observed[touched[i]] = 0;
  }
  return { frames, states, pitchBins, logObs, voicedProb };
}

/**
 * The Viterbi pass of {@link pyin} over observation rows, and the F0 of the decoded states.
 *
 * @param observations rows from {@link pyinObservations} (or rows of several put together)
 * @param options the options the rows were computed with
 */
export function pyinDecode(observations: PyinObservations, options: PyinOptions): PyinResult {
  const { framing, sampleRate, fmin, maxTransitionRate, switchProb, binsPerSemitone, pitchBins } =
    pyinParameters(options);
  const { frames, states, logObs, voicedProb } = observations;
  if (observations.pitchBins !== pitchBins || logObs.length < frames * states) {
    throw new RangeError(
      `lib/features/pitch.ts pyinDecode: observations of ${observations.pitchBins} pitch bins ` +
        `(${logObs.length} values for ${frames} frames) do not fit options of ${pitchBins} bins`,
    );
  }
  // HMM: local pitch transitions within each voicing block, switches between blocks.
  const maxSemitonesPerFrame = roundHalfEven(
    (maxTransitionRate * 12 * framing.hopLength) / sampleRate,
  );
  const width = maxSemitonesPerFrame * binsPerSemitone + 1;
  const model = hmmModel(pitchBins, width, switchProb);
  const logInit = new Float64Array(states);
  for (let s = 0; s < states; s++) {
    logInit[s] = s < pitchBins ? LOG_TINY64 : Math.log(1 / pitchBins + TINY64);
  }
  const path = frames > 0 ? viterbi(logObs, frames, logInit, model) : new Int32Array(0);

  const f0 = new Float32Array(frames);
  const voiced = new Uint8Array(frames);
  for (let t = 0; t < frames; t++) {
    const state = path[t];
    if (state < pitchBins) {
      voiced[t] = 1;
      f0[t] = fmin * 2 ** (state / (12 * binsPerSemitone));
    } else {
      f0[t] = NaN;
    }
  }
  return { f0, voiced, voicedProb };
}
