/**
 * Band-limited sample-rate conversion with librosa's length rule.
 *
 * Two engines:
 * - `kaiser_best` / `kaiser_fast`: a port of resampy, librosa 0.9.2's default resampler, so
 *   resampled audio (and every feature computed from it) matches the Python seed.
 * - `sinc_best` / `sinc_medium` / `sinc_fastest` / `linear`: libsamplerate (WASM) converters.
 *
 * @module
 */
// The package is a UMD bundle: named ESM imports are not available, only the default export.
import libsamplerate from "@alexanderolsen/libsamplerate-js";
import { RESAMPY_FILTERS, resampyResample } from "./resampy.ts";
import { fitToLength } from "./signal.ts";

/** Which resampler to use. `kaiser_best` is librosa 0.9.2's default. */
export type ResampleQuality =
  | "kaiser_best"
  | "kaiser_fast"
  | "sinc_best"
  | "sinc_medium"
  | "sinc_fastest"
  | "linear";

/** Every {@link ResampleQuality}, best first within each engine. */
export const RESAMPLE_QUALITIES: readonly ResampleQuality[] = [
  "kaiser_best",
  "kaiser_fast",
  "sinc_best",
  "sinc_medium",
  "sinc_fastest",
  "linear",
];

/** Options of {@link resample}. */
export interface ResampleOptions {
  /** Resampler (default `"kaiser_best"`, librosa 0.9.2's default). */
  quality?: ResampleQuality;
  /**
   * Output length in samples (default librosa's `ceil(n * toRate / fromRate)`): the result is
   * zero-padded or trimmed to it, exactly as `fitToLength(await resample(...), length)`, but the
   * resampy filters compute only the outputs kept and write them straight into the result.
   */
  length?: number;
}

const { ConverterType } = libsamplerate;
const CONVERTERS = {
  sinc_best: ConverterType.SRC_SINC_BEST_QUALITY,
  sinc_medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  sinc_fastest: ConverterType.SRC_SINC_FASTEST,
  linear: ConverterType.SRC_LINEAR,
} as const;

/**
 * Length of a resampled signal, librosa's rule: `ceil(length * toRate / fromRate)`.
 *
 * @param length input length in samples
 * @param fromRate input rate in Hz
 * @param toRate output rate in Hz
 * @example
 * ```ts
 * resampledLength(48828, 24414, 22050); // 44100
 * ```
 */
export function resampledLength(length: number, fromRate: number, toRate: number): number {
  if (fromRate === toRate) return length;
  // Same float operations as librosa: ratio first, then the product.
  return Math.ceil(length * (toRate / fromRate));
}

function checkRate(name: string, rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(`resample: ${name} must be a positive number of Hz, got ${rate}`);
  }
}

type Converter = Awaited<ReturnType<typeof libsamplerate.create>>;
const converterCache = new Map<string, Promise<Converter>>();

async function libsamplerateResample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  quality: keyof typeof CONVERTERS,
): Promise<Float32Array> {
  const key = `${fromRate}/${toRate}/${quality}`;
  let converter = converterCache.get(key);
  if (!converter) {
    // Creating a converter instantiates the WASM module (~30 ms), so keep a few around; the
    // simple API keeps no state between calls.
    converter = libsamplerate.create(1, fromRate, toRate, { converterType: CONVERTERS[quality] });
    if (converterCache.size >= 8) {
      const [oldKey, oldest] = converterCache.entries().next().value!;
      converterCache.delete(oldKey);
      oldest.then((old) => old.destroy(), () => {});
    }
    converterCache.set(key, converter);
    converter.catch(() => converterCache.delete(key));
  }
  return (await converter).simple(samples);
}

/**
 * Resamples a mono signal from `fromRate` to `toRate` with a band-limited (anti-aliased)
 * resampler. The output has exactly `ceil(n * toRate / fromRate)` samples, as
 * `librosa.resample` gives (or `options.length`); equal rates return the input unchanged
 * (fitted to `options.length` when given).
 *
 * @param samples the signal at `fromRate`
 * @param fromRate input rate in Hz
 * @param toRate output rate in Hz
 * @param options `quality`: `"kaiser_best"` (default; matches librosa 0.9.2) or a faster one;
 *   `length`: the output length when not librosa's
 * @example
 * ```ts
 * import { sine } from "./synth.ts";
 * const x = sine(440, 1, 24414);
 * const y = await resample(x, 24414, 22050); // y.length === Math.ceil(x.length * 22050 / 24414)
 * ```
 */
export async function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Promise<Float32Array> {
  checkRate("fromRate", fromRate);
  checkRate("toRate", toRate);
  if (options.length !== undefined && !(Number.isInteger(options.length) && options.length >= 0)) {
    throw new RangeError(`resample: length must be a whole number >= 0, got ${options.length}`);
  }
  const length = options.length ?? resampledLength(samples.length, fromRate, toRate);
  if (fromRate === toRate) {
    return options.length === undefined ? samples : fitToLength(samples, length);
  }
  const quality = options.quality ?? "kaiser_best";
  if (samples.length === 0) return new Float32Array(length);
  let out: Float32Array;
  if (quality === "kaiser_best" || quality === "kaiser_fast") {
    // librosa pads resampy's floor-length output to its ceil length with zeros; so does this.
    out = resampyResample(samples, fromRate, toRate, RESAMPY_FILTERS[quality], length);
  } else if (quality in CONVERTERS) {
    out = await libsamplerateResample(samples, fromRate, toRate, quality);
  } else {
    throw new RangeError(
      `resample: unknown quality "${quality}" (known: ${RESAMPLE_QUALITIES.join(", ")})`,
    );
  }
  return fitToLength(out, length);
}
