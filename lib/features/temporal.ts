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

/** librosa's zero_crossings threshold, compared in float32 like the float32 signal. */
const ZERO_THRESHOLD = Math.fround(1e-10);
/** Prefix counts of {@link zeroCrossingRate}, kept between calls (one clip's worth). */
let changesScratch = new Int32Array(0);

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
  // changesBefore[i] = sign changes between consecutive samples among samples 0..i; the edge
  // padding repeats the end samples, so it adds no changes of its own. The count is kept in a
  // local (no load of the previous entry) and the array reused between calls.
  if (changesScratch.length < length) changesScratch = new Int32Array(length);
  const changesBefore = changesScratch;
  const negative = -ZERO_THRESHOLD;
  let previous = samples[0] < negative ? 1 : 0;
  let changes = 0;
  changesBefore[0] = 0;
  for (let i = 1; i < length; i++) {
    const current = samples[i] < negative ? 1 : 0;
    changes += current ^ previous;
    changesBefore[i] = changes;
    previous = current;
  }
  const data = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    // The frame covers signal positions first .. first + frameLength - 1 (clamped to the signal).
    const first = t * hopLength - offset;
    const from = Math.min(Math.max(first, 0), length - 1);
    const to = Math.min(Math.max(first + frameLength - 1, 0), length - 1);
    data[t] = (changesBefore[to] - changesBefore[from]) / frameLength;
  }
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
