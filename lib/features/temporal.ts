/**
 * Time-domain per-frame features, as librosa 0.9.2 computes them with its defaults:
 * zero-crossing rate (edge-padded frames) and RMS (zero-padded frames).
 *
 * Why not Meyda: its ZCR is a count rather than librosa's fraction and it frames without
 * librosa's centring, so both are computed here.
 *
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const samples = sine(440, 1, 22050);
 * const zcr = zeroCrossingRate(samples, { frameLength: 2048, hopLength: 512 });
 * const energy = rms(samples, { frameLength: 2048, hopLength: 512 });
 * ```
 * @module
 */
import type { FrameSeries } from "./types.ts";

/** Framing of {@link zeroCrossingRate} and {@link rms}, librosa's defaults when omitted. */
export interface FramingOptions {
  /** Frame length in samples (default 2048). */
  frameLength?: number;
  /** Hop between frames in samples (default 512). */
  hopLength?: number;
}

function framing(options: FramingOptions): { frameLength: number; hopLength: number } {
  const frameLength = options.frameLength ?? 2048;
  const hopLength = options.hopLength ?? 512;
  if (!(Number.isInteger(frameLength) && frameLength > 1)) {
    throw new RangeError(`frameLength must be a whole number > 1, got ${frameLength}`);
  }
  if (!(Number.isInteger(hopLength) && hopLength > 0)) {
    throw new RangeError(`hopLength must be a positive whole number, got ${hopLength}`);
  }
  return { frameLength, hopLength };
}

/** Bits of librosa's zero_crossings threshold 1e-10 as a float32 (it compares in float32). */
const THRESHOLD_BITS = new Int32Array(Float32Array.of(1e-10).buffer)[0];
/** Bits of +Infinity as a float32: larger magnitudes are NaN. */
const INFINITY_BITS = 0x7f800000;

/**
 * Zero-crossing rate as `librosa.feature.zero_crossing_rate(y)`: the signal is padded by
 * `frameLength / 2` copies of its end samples, samples with `|x| <= 1e-10` count as positive
 * zero, and each frame's value is (sign changes between consecutive samples) / frameLength.
 *
 * @param samples mono signal
 * @param options frame length and hop in samples
 * @returns frames x 1 fraction of sample pairs that change sign, in [0, 1)
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const sine440At22050 = sine(440, 1, 22050);
 * zeroCrossingRate(sine440At22050); // about 2 * 440 / 22050 per frame
 * ```
 */
export function zeroCrossingRate(samples: Float32Array, options: FramingOptions = {}): FrameSeries {
  const { frameLength, hopLength } = framing(options);
  const length = samples.length;
  if (length === 0) throw new RangeError("zeroCrossingRate: audio has no samples");
  const offset = frameLength >> 1;
  const frames = 1 + Math.floor((length + 2 * offset - frameLength) / hopLength);
  // Frame t covers signal positions first(t) .. last(t), clamped to the signal (the edge padding
  // repeats the end samples, so it adds no changes of its own): its count is
  // changes(last) - changes(first), changes(i) = sign changes among samples 0..i. Only these two
  // counts per frame are kept (not one per sample), taken while walking both non-decreasing
  // position sequences at once.
  const first = (t: number) => Math.min(Math.max(t * hopLength - offset, 0), length - 1);
  const last = (t: number) =>
    Math.min(Math.max(t * hopLength - offset + frameLength - 1, 0), length - 1);
  const atFirst = new Int32Array(frames);
  const atLast = new Int32Array(frames);
  // x < -1e-10 from the float32 bits: sign set, magnitude above the threshold's and not NaN's.
  // Integer arithmetic without branches, which real signals' unpredictable signs would miss.
  const bits = new Int32Array(samples.buffer, samples.byteOffset, length);
  const negative = (word: number) => {
    const magnitude = word & 0x7fffffff;
    return (word >>> 31) & ((THRESHOLD_BITS - magnitude) >>> 31) &
      ((magnitude - INFINITY_BITS - 1) >>> 31);
  };
  let previous = negative(bits[0]);
  let changes = 0;
  let i = 1;
  for (let a = 0, b = 0; b < frames;) {
    const target = a < frames ? Math.min(first(a), last(b)) : last(b);
    for (; i <= target; i++) {
      const current = negative(bits[i]);
      changes += current ^ previous;
      previous = current;
    }
    while (a < frames && first(a) === target) atFirst[a++] = changes;
    while (b < frames && last(b) === target) atLast[b++] = changes;
  }
  const data = new Float64Array(frames);
  for (let t = 0; t < frames; t++) data[t] = (atLast[t] - atFirst[t]) / frameLength;
  return { frames, width: 1, data };
}

/**
 * Root-mean-square energy as `librosa.feature.rms(y)`: frames of the zero-padded signal
 * (`frameLength / 2` zeros each side), `sqrt(mean(x^2))` per frame.
 *
 * @param samples mono signal, amplitude units
 * @param options frame length and hop in samples
 * @returns frames x 1 RMS amplitudes
 * @example
 * ```ts
 * import { sine } from "../audio/mod.ts";
 * const halfAmplitudeSine = sine(440, 1, 22050, 0.5);
 * rms(halfAmplitudeSine); // about 0.3536 away from the edges
 * ```
 */
export function rms(samples: Float32Array, options: FramingOptions = {}): FrameSeries {
  const { frameLength, hopLength } = framing(options);
  const length = samples.length;
  if (length === 0) throw new RangeError("rms: audio has no samples");
  const offset = frameLength >> 1;
  const frames = 1 + Math.floor((length + 2 * offset - frameLength) / hopLength);
  const data = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    const first = t * hopLength - offset;
    const from = Math.max(0, first);
    const to = Math.min(length, first + frameLength);
    let sum = 0;
    for (let i = from; i < to; i++) sum += samples[i] * samples[i];
    data[t] = Math.sqrt(sum / frameLength);
  }
  return { frames, width: 1, data };
}
