/**
 * Room-like reverberation with a synthesized impulse response: Gaussian noise under an
 * exponential decay reaching -60 dB after `rt60` seconds (the statistical model of a late
 * reverberant tail; Schroeder, 1962; Moorer, 1979), convolved by FFT. No recorded room
 * impulse responses are needed.
 * @module
 */
import type { RandomSource } from "../util/mod.ts";
import { fftConvolve } from "./fft.ts";
import { gaussian } from "./random.ts";
import { checkRate, checkSamples, meanPower } from "./waveform.ts";

const FILE = "lib/augment/reverb.ts";

/** Settings of {@link reverb}. */
export interface ReverbOptions {
  /** Reverberation time in seconds: time for the tail to decay by 60 dB, in [0.05, 3]. */
  rt60: number;
  /** Share of the reverberant signal in the mix, in [0, 1] (0 dry, 1 fully wet). */
  wet: number;
}

/**
 * The synthesized impulse response: `h[0] = 0` (the direct path is mixed separately),
 * `h[i] = g_i exp(-ln(1000) i / (rt60 sampleRate))` with Gaussian `g_i` for
 * `i < rt60 * sampleRate`, scaled to unit energy.
 *
 * @param sampleRate rate in Hz
 * @param rt60 reverberation time in seconds
 * @param random generator the noise is drawn from
 * @example
 * ```ts
 * import { mulberry32 } from "../util/random.ts";
 * const ir = synthImpulseResponse(16000, 0.4, mulberry32(5)); // 6400 samples
 * ```
 */
export function synthImpulseResponse(
  sampleRate: number,
  rt60: number,
  random: RandomSource,
): Float32Array {
  checkRate(sampleRate, "synthImpulseResponse");
  if (!Number.isFinite(rt60) || rt60 < 0.05 || rt60 > 3) {
    throw new RangeError(`${FILE}: rt60 must be in [0.05, 3] s, got ${rt60}`);
  }
  const length = Math.max(2, Math.round(rt60 * sampleRate));
  // Amplitude falls by 60 dB (a factor 1000) over rt60.
  const decay = Math.log(1000) / (rt60 * sampleRate);
  const ir = new Float32Array(length);
  let energy = 0;
  for (let i = 1; i < length; i++) {
    ir[i] = gaussian(random) * Math.exp(-decay * i);
    energy += ir[i] * ir[i];
  }
  const scale = 1 / Math.sqrt(energy);
  for (let i = 1; i < length; i++) ir[i] *= scale;
  return ir;
}

/**
 * Adds synthetic room reverberation: `(1 - wet) * x + wet * r`, where `r` is `x` convolved
 * with {@link synthImpulseResponse} and scaled to `x`'s RMS; the mix is then scaled back to
 * `x`'s RMS so reverb changes the sound, not the loudness. The tail past the clip's end is
 * cut: the output has the input's length.
 *
 * @param samples mono signal
 * @param sampleRate its rate in Hz
 * @param options reverberation time and wet share
 * @param random generator the impulse response is drawn from
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * import { mulberry32 } from "../util/random.ts";
 * const roomy = reverb(sine(300, 1, 16000), 16000, { rt60: 0.5, wet: 0.4 }, mulberry32(2));
 * ```
 */
export function reverb(
  samples: Float32Array,
  sampleRate: number,
  options: ReverbOptions,
  random: RandomSource,
): Float32Array {
  checkSamples(samples, "reverb");
  const { rt60, wet } = options;
  if (!Number.isFinite(wet) || wet < 0 || wet > 1) {
    throw new RangeError(`${FILE}: wet must be in [0, 1], got ${wet}`);
  }
  const ir = synthImpulseResponse(sampleRate, rt60, random);
  const inputPower = meanPower(samples);
  if (!(inputPower > 0)) return samples.slice();
  const wetSignal = fftConvolve(samples, ir).subarray(0, samples.length);
  const wetPower = meanPower(wetSignal);
  const wetScale = wetPower > 0 ? Math.sqrt(inputPower / wetPower) : 0;
  const mixed = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    mixed[i] = (1 - wet) * samples[i] + wet * wetScale * wetSignal[i];
  }
  const mixedPower = meanPower(mixed);
  const scale = mixedPower > 0 ? Math.sqrt(inputPower / mixedPower) : 1;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = mixed[i] * scale;
  return out;
}
