/**
 * Contour-shape functionals: how pitch, loudness and voice quality move through an utterance,
 * not just their statistics. Means and percentiles cannot tell a final rise (surprise, a
 * question) from a final fall, or a peak on the first word from one on the last; listeners use
 * exactly that (Banse & Scherer, 1996; Mozziconacci, 2002). Three views, each relative to the
 * utterance's own level so the voice's pitch and loudness cancel:
 *
 * - **Thirds** of the speech stretch (first to last active frame): mean F0 and loudness of each
 *   third minus the utterance's mean, and the voiced fraction of each third.
 * - **The last voiced segment** (the last of at least 5 frames, else the last): its F0 relative
 *   to the utterance, F0 spread, slope and range, its duration and loudness; and where in the
 *   stretch the F0 and the loudness peak (0 = start, 1 = end).
 * - **Shape coefficients**: each contour, gaps interpolated, resampled to 24 points across the
 *   stretch, and its DCT-II coefficients 1–5 (the level, coefficient 0, is left out): a compact,
 *   length-independent description of rises, falls and peaks (cf. the DCT contour models of
 *   Teutenberg et al., 2008).
 *
 * And two local perturbations over consecutive voiced frames, frame-rate cousins of jitter and
 * shimmer: the mean absolute F0 change (semitones) and loudness change (dB).
 *
 * @example
 * ```ts
 * import { contourFunctionals } from "./contour.ts";
 * const frames = 100;
 * const rising = Float64Array.from({ length: frames }, (_, t) => 40 + t / 10);
 * const values = contourFunctionals({
 *   f0Semitones: rising,
 *   loudnessDb: new Float64Array(frames).fill(-20),
 *   shapes: [],
 *   active: new Uint8Array(frames).fill(1),
 *   voiced: new Uint8Array(frames).fill(1),
 *   secondsPerFrame: 0.0116,
 * });
 * console.log(values.names.length === values.values.length); // true
 * ```
 * @module
 */

/** The per-frame contours {@link contourFunctionals} summarises (all of the same length). */
export interface ContourInput {
  /** F0 on a semitone scale per frame (any reference; only differences matter); NaN unvoiced. */
  f0Semitones: ArrayLike<number>;
  /** Loudness per frame, dB. */
  loudnessDb: ArrayLike<number>;
  /** Further voiced-frame contours whose shape coefficients are wanted, e.g. the HNR. */
  shapes: readonly { name: string; values: ArrayLike<number> }[];
  /** 1 where the frame holds speech. */
  active: Uint8Array;
  /** 1 where the frame is active and voiced with a finite F0. */
  voiced: Uint8Array;
  /** Hop between frames, seconds. */
  secondsPerFrame: number;
}

/** Names and values of {@link contourFunctionals}. */
export interface ContourFunctionals {
  names: string[];
  values: number[];
}

/** Points a contour is resampled to before its DCT. */
const SHAPE_POINTS = 24;
/** DCT coefficients kept (1..SHAPE_COEFFICIENTS). */
const SHAPE_COEFFICIENTS = 5;
/** Frames a voiced segment needs to count as the last word's. */
const MIN_SEGMENT_FRAMES = 5;

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length > 0 ? sum / values.length : 0;
}

function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Least-squares slope per index step. */
function slope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2, my = mean(values);
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - mx) * (values[i] - my);
    sxx += (i - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * DCT-II coefficients 1..{@link SHAPE_COEFFICIENTS} (orthonormal scaling) of the contour over
 * frames `[from, to)`: valid frames' values linearly interpolated, held flat beyond the first and
 * last valid frame; all zeros when no frame is valid.
 */
function shapeCoefficients(
  values: ArrayLike<number>,
  valid: (t: number) => boolean,
  from: number,
  to: number,
): number[] {
  const xs: number[] = [], ys: number[] = [];
  for (let t = from; t < to; t++) {
    if (valid(t)) {
      xs.push(t);
      ys.push(values[t]);
    }
  }
  if (xs.length === 0) return new Array(SHAPE_COEFFICIENTS).fill(0);
  const points = new Float64Array(SHAPE_POINTS);
  let j = 0;
  for (let k = 0; k < SHAPE_POINTS; k++) {
    const t = from + (k + 0.5) * (to - from) / SHAPE_POINTS;
    while (j < xs.length - 1 && xs[j + 1] < t) j++;
    if (t <= xs[0]) points[k] = ys[0];
    else if (j >= xs.length - 1) points[k] = ys[xs.length - 1];
    else points[k] = ys[j] + (t - xs[j]) / (xs[j + 1] - xs[j]) * (ys[j + 1] - ys[j]);
  }
  const coefficients: number[] = [];
  for (let q = 1; q <= SHAPE_COEFFICIENTS; q++) {
    let sum = 0;
    for (let k = 0; k < SHAPE_POINTS; k++) {
      sum += points[k] * Math.cos(Math.PI * q * (k + 0.5) / SHAPE_POINTS);
    }
    coefficients.push(sum * Math.sqrt(2 / SHAPE_POINTS));
  }
  return coefficients;
}

/**
 * Contour-shape functionals of one utterance (see the module docs). Fixed length for a given
 * number of `shapes`; an utterance without speech or voicing gives zeros, never NaN.
 *
 * @param input per-frame contours and masks
 * @returns values named `contour_*`
 */
export function contourFunctionals(input: ContourInput): ContourFunctionals {
  const { f0Semitones, loudnessDb, active, voiced, secondsPerFrame } = input;
  const frames = active.length;
  const activeFrames: number[] = [], voicedFrames: number[] = [];
  for (let t = 0; t < frames; t++) {
    if (active[t]) activeFrames.push(t);
    if (voiced[t]) voicedFrames.push(t);
  }
  const names: string[] = [], values: number[] = [];
  const add = (name: string, value: number) => {
    names.push(`contour_${name}`);
    values.push(Number.isFinite(value) ? value : 0);
  };

  const pitchOf = (t: number) => f0Semitones[t];
  const loudnessOf = (t: number) => loudnessDb[t];
  const pitchMean = mean(voicedFrames.map(pitchOf));
  const loudnessMean = mean(activeFrames.map(loudnessOf));
  const from = activeFrames[0] ?? 0;
  const to = (activeFrames[activeFrames.length - 1] ?? 0) + 1;
  const span = Math.max(to - from, 3);

  for (let third = 0; third < 3; third++) {
    const lo = from + Math.floor(third * span / 3), hi = from + Math.floor((third + 1) * span / 3);
    const pitch = voicedFrames.filter((t) => t >= lo && t < hi).map(pitchOf);
    const loudness = activeFrames.filter((t) => t >= lo && t < hi).map(loudnessOf);
    add(`third${third + 1}_f0_rel`, pitch.length > 0 ? mean(pitch) - pitchMean : 0);
    add(`third${third + 1}_loudness_rel`, loudness.length > 0 ? mean(loudness) - loudnessMean : 0);
    add(`third${third + 1}_voiced_fraction`, pitch.length / Math.max(hi - lo, 1));
  }

  const segments: number[][] = [];
  for (const t of voicedFrames) {
    const current = segments[segments.length - 1];
    if (current && t === current[current.length - 1] + 1) current.push(t);
    else segments.push([t]);
  }
  const words = segments.filter((segment) => segment.length >= MIN_SEGMENT_FRAMES);
  const last = words[words.length - 1] ?? segments[segments.length - 1] ?? [];
  const lastPitch = last.map(pitchOf);
  add("last_f0_rel", lastPitch.length > 0 ? mean(lastPitch) - pitchMean : 0);
  add("last_f0_std", std(lastPitch));
  add("last_f0_slope", slope(lastPitch) / secondsPerFrame);
  add(
    "last_f0_range",
    lastPitch.length > 0 ? Math.max(...lastPitch) - Math.min(...lastPitch) : 0,
  );
  add("last_seconds", last.length * secondsPerFrame);
  add("last_loudness_rel", last.length > 0 ? mean(last.map(loudnessOf)) - loudnessMean : 0);

  const peakPosition = (framesOf: number[], valueOf: (t: number) => number) => {
    let peakFrame = from, peak = -Infinity;
    for (const t of framesOf) {
      if (valueOf(t) > peak) {
        peak = valueOf(t);
        peakFrame = t;
      }
    }
    return (peakFrame - from) / span;
  };
  add("f0_peak_position", peakPosition(voicedFrames, pitchOf));
  add("loudness_peak_position", peakPosition(activeFrames, loudnessOf));

  let pitchSteps = 0, loudnessSteps = 0, steps = 0;
  for (let i = 1; i < voicedFrames.length; i++) {
    const t = voicedFrames[i];
    if (t !== voicedFrames[i - 1] + 1) continue;
    pitchSteps += Math.abs(pitchOf(t) - pitchOf(t - 1));
    loudnessSteps += Math.abs(loudnessOf(t) - loudnessOf(t - 1));
    steps++;
  }
  add("f0_local_change", steps > 0 ? pitchSteps / steps : 0);
  add("loudness_local_change", steps > 0 ? loudnessSteps / steps : 0);

  const isVoiced = (t: number) => voiced[t] === 1;
  const isActive = (t: number) => active[t] === 1;
  const addShape = (name: string, coefficients: number[]) =>
    coefficients.forEach((value, q) => add(`${name}_dct${q + 1}`, value));
  addShape("f0", shapeCoefficients(f0Semitones, isVoiced, from, to));
  addShape("loudness", shapeCoefficients(loudnessDb, isActive, from, to));
  for (const shape of input.shapes) {
    addShape(shape.name, shapeCoefficients(shape.values, isVoiced, from, to));
  }
  return { names, values };
}
