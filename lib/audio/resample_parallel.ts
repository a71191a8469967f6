/**
 * {@link resample} of a long recording on several cores: the output is cut into contiguous
 * ranges, each computed from its stretch of input plus a margin by the very same
 * `resampyResample`, one range on the calling thread and the others in Web Workers, then put
 * back together.
 *
 * Why the pieces equal the one-pass result: resampy's output t sits at input time
 * `t * fromRate / toRate`, and its weights depend only on the fractional part of that time.
 * Pieces start at multiples of `fromRate / gcd` input samples (= `toRate / gcd` outputs), where
 * the fractional positions repeat exactly; each piece's input reaches the filter's full length
 * (plus one sample) beyond the outputs it keeps, so no kept output sees a piece edge. Where the
 * resampler uses its polyphase bank (every common pair of rates: 44.1 / 48 / 16 / 8 kHz to
 * 22.05 kHz) the pieces are bit-identical to one pass; otherwise (rates whose reduced ratio has
 * a huge period) each output's time is computed from its piece's start, which can move it by an
 * ulp: within 1e-7 (tests/resample_parallel_test.ts).
 *
 * libsamplerate's qualities keep state across the signal and are not split.
 *
 * @example
 * ```ts
 * import { sine } from "./synth.ts";
 * const x = sine(440, 120, 44100);
 * const y = await resampleParallel(x, 44100, 22050, { quality: "kaiser_fast", workers: 1 });
 * ```
 * @module
 */
import { resample, resampledLength, type ResampleOptions } from "./resample.ts";
import { RESAMPY_FILTERS, resampyResample } from "./resampy.ts";
import { fitToLength } from "./signal.ts";
import { greatestCommonDivisor } from "./rational.ts";

/** Options of {@link resampleParallel}. */
export interface ParallelResampleOptions extends ResampleOptions {
  /**
   * Workers besides the calling thread, which computes one piece itself (default: the cores
   * minus one; 0 resamples in one pass).
   */
  workers?: number;
  /**
   * Shortest input, in seconds, worth splitting (default 30: a worker's start-up and filter
   * table cost ~0.1 s, about 10 s of 44.1 kHz audio at `kaiser_best` on one core).
   */
  minSeconds?: number;
}

/** One piece: outputs `[outStart, outEnd)` from input `[inStart, inEnd)`. */
export interface ResamplePiece {
  inStart: number;
  inEnd: number;
  outStart: number;
  outEnd: number;
}

/**
 * How {@link resampleParallel} cuts `length` input samples into `parts` pieces of resampy's
 * output (`floor(length * toRate / fromRate)` samples).
 *
 * @param length input samples
 * @param fromRate input rate in Hz (a whole number)
 * @param toRate output rate in Hz (a whole number)
 * @param quality `kaiser_best` or `kaiser_fast` (the filter's length sets the margins)
 * @param parts pieces wanted (fewer when the output is short)
 * @returns pieces in order, covering every output once
 */
export function resamplePieces(
  length: number,
  fromRate: number,
  toRate: number,
  quality: "kaiser_best" | "kaiser_fast",
  parts: number,
): ResamplePiece[] {
  const spec = RESAMPY_FILTERS[quality];
  const divisor = greatestCommonDivisor(fromRate, toRate);
  const period = toRate / divisor;
  const advance = fromRate / divisor;
  const outLength = Math.floor((length * toRate) / fromRate);
  const indexStep = Math.trunc(Math.min(1, toRate / fromRate) * spec.tableSize);
  // Taps per wing, in input samples (resampy's `(nwin - offset) // index_step`, at most).
  const reach = Math.ceil((spec.zeros * spec.tableSize + 1) / indexStep) + 1;
  const margin = Math.ceil(reach / advance) * advance;
  const periods = Math.ceil(outLength / period);
  const count = Math.max(1, Math.min(parts, periods));
  const pieces: ResamplePiece[] = [];
  for (let p = 0; p < count; p++) {
    const first = Math.floor((periods * p) / count);
    const last = Math.floor((periods * (p + 1)) / count);
    if (last <= first) continue;
    pieces.push({
      inStart: Math.max(0, first * advance - margin),
      inEnd: Math.min(length, last * advance + margin),
      outStart: first * period,
      outEnd: Math.min(outLength, last * period),
    });
  }
  return pieces;
}

/** resampy's outputs `[outStart, outEnd)` of the whole signal, from the piece's input alone. */
export function resamplePiece(
  input: Float32Array,
  piece: ResamplePiece,
  fromRate: number,
  toRate: number,
  quality: "kaiser_best" | "kaiser_fast",
): Float32Array {
  const out = resampyResample(input, fromRate, toRate, RESAMPY_FILTERS[quality]);
  // The piece's input starts on the period grid: its output 0 is global output `skip`.
  const divisor = greatestCommonDivisor(fromRate, toRate);
  const skip = (piece.inStart / (fromRate / divisor)) * (toRate / divisor);
  const from = piece.outStart - skip, to = piece.outEnd - skip;
  if (from < 0 || to > out.length) {
    throw new Error(
      `lib/audio/resample_parallel.ts: piece ${piece.outStart}..${piece.outEnd} is not within ` +
        `its input's ${out.length} outputs (from ${skip})`,
    );
  }
  return out.subarray(from, to);
}

interface PieceReply {
  out?: Float32Array;
  problem?: string;
}

/**
 * Resamples like {@link resample} (same length rule, same samples), splitting `kaiser_best` /
 * `kaiser_fast` work on long inputs over the calling thread and `workers` Web Workers.
 *
 * @param samples the signal at `fromRate`
 * @param fromRate input rate in Hz
 * @param toRate output rate in Hz
 * @param options `quality` (default `kaiser_best`), `workers`, `minSeconds`
 * @returns `ceil(n * toRate / fromRate)` samples at `toRate`
 * @throws RangeError on invalid rates (from `resample`); an Error naming this file when a worker
 *   fails
 */
export async function resampleParallel(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ParallelResampleOptions = {},
): Promise<Float32Array> {
  const quality = options.quality ?? "kaiser_best";
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const workers = Math.max(0, Math.floor(options.workers ?? cores - 1));
  const minSeconds = options.minSeconds ?? 30;
  if (
    workers === 0 || typeof Worker === "undefined" || fromRate === toRate ||
    (quality !== "kaiser_best" && quality !== "kaiser_fast") ||
    !Number.isSafeInteger(fromRate) || !Number.isSafeInteger(toRate) || fromRate <= 0 ||
    toRate <= 0 || samples.length < minSeconds * fromRate
  ) {
    return await resample(samples, fromRate, toRate, { quality });
  }
  const pieces = resamplePieces(samples.length, fromRate, toRate, quality, workers + 1);
  const started: Worker[] = [];
  try {
    // Workers take every piece but the first, which this thread computes meanwhile.
    const remote = pieces.slice(1).map((piece) => {
      const worker = new Worker(new URL("./resample_worker.ts", import.meta.url), {
        type: "module",
      });
      started.push(worker);
      const input = samples.slice(piece.inStart, piece.inEnd);
      return new Promise<Float32Array>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<PieceReply>) => {
          if (event.data.out) resolve(event.data.out);
          else reject(new Error(`lib/audio/resample_parallel.ts worker: ${event.data.problem}`));
        };
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`lib/audio/resample_parallel.ts worker: ${event.message}`));
        };
        worker.postMessage({ input, piece, fromRate, toRate, quality }, [input.buffer]);
      });
    });
    // Rejections are awaited below; this keeps one from going unhandled meanwhile.
    remote.forEach((promise) => promise.catch(() => {}));
    const local = resamplePiece(
      samples.subarray(pieces[0].inStart, pieces[0].inEnd),
      pieces[0],
      fromRate,
      toRate,
      quality,
    );
    const parts = [local, ...(await Promise.all(remote))];
    const outLength = pieces[pieces.length - 1].outEnd;
    const out = new Float32Array(outLength);
    parts.forEach((part, i) => out.set(part, pieces[i].outStart));
    return fitToLength(out, resampledLength(samples.length, fromRate, toRate));
  } finally {
    for (const worker of started) worker.terminate();
  }
}
