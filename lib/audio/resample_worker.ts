/**
 * Worker side of `resampleParallel` (resample_parallel.ts): resamples one piece's input and answers with the
 * piece's outputs (the buffer is transferred, not copied).
 * @module
 */
/// <reference lib="deno.worker" />
import { type ResamplePiece, resamplePiece } from "./resample_parallel.ts";

interface Job {
  input: Float32Array;
  piece: ResamplePiece;
  fromRate: number;
  toRate: number;
  quality: "kaiser_best" | "kaiser_fast";
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { input, piece, fromRate, toRate, quality } = event.data;
  try {
    const out = resamplePiece(input, piece, fromRate, toRate, quality).slice();
    self.postMessage({ out }, [out.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ problem: error instanceof Error ? error.message : String(error) });
  }
};
