/**
 * lib/audio/resample_parallel.ts: pieces of resampy's output computed from stretches of the
 * input equal the one-pass `resample` (bit for bit where the polyphase bank is used), inline and
 * through workers.
 */
import assert from "node:assert/strict";
import { resample, sine, whiteNoise } from "../lib/audio/mod.ts";
import { resampleParallel, resamplePiece, resamplePieces } from "../lib/audio/resample_parallel.ts";
import { maxAbsDiff } from "./numeric.ts";

function signal(seconds: number, rate: number): Float32Array {
  const tone = sine(440, seconds, rate);
  const noise = whiteNoise(seconds, rate, 7);
  return tone.map((x, i) => 0.5 * x + 0.3 * noise[i]);
}

const CASES = [
  { from: 44100, to: 22050, quality: "kaiser_best" },
  { from: 44100, to: 22050, quality: "kaiser_fast" },
  { from: 48000, to: 22050, quality: "kaiser_best" },
  { from: 16000, to: 22050, quality: "kaiser_fast" },
  { from: 24414, to: 22050, quality: "kaiser_fast" },
] as const;

Deno.test("resamplePieces: contiguous output ranges from period-aligned input, every output once", () => {
  for (const { from, to, quality } of CASES) {
    const length = 7 * from + 123;
    const pieces = resamplePieces(length, from, to, quality, 5);
    assert.equal(pieces.length, 5);
    assert.equal(pieces[0].outStart, 0);
    assert.equal(pieces[pieces.length - 1].outEnd, Math.floor((length * to) / from));
    for (let p = 1; p < pieces.length; p++) {
      assert.equal(pieces[p].outStart, pieces[p - 1].outEnd);
      assert.ok(pieces[p].inStart < pieces[p - 1].inEnd, "pieces' inputs overlap by the margin");
    }
  }
  // A short output is not cut into more pieces than it has periods.
  assert.equal(resamplePieces(1000, 44100, 22050, "kaiser_fast", 4).length, 4);
  assert.equal(resamplePieces(3, 44100, 22050, "kaiser_fast", 4).length, 1);
});

Deno.test("resample pieces put together are bit-identical to one pass (polyphase rates)", async () => {
  for (const { from, to, quality } of CASES) {
    const x = signal(6, from);
    const whole = await resample(x, from, to, { quality });
    const pieces = resamplePieces(x.length, from, to, quality, 7);
    const joined = new Float32Array(whole.length);
    for (const piece of pieces) {
      const part = resamplePiece(x.subarray(piece.inStart, piece.inEnd), piece, from, to, quality);
      joined.set(part, piece.outStart);
    }
    const differing = joined.findIndex((v, i) => !Object.is(v, whole[i]));
    assert.equal(differing, -1, `${from}->${to} ${quality}: first difference at ${differing}`);
  }
});

Deno.test("resampleParallel: workers give the one-pass result; rates without a bank within 1e-7", async () => {
  const x = signal(12, 44100);
  const whole = await resample(x, 44100, 22050, { quality: "kaiser_best" });
  const parallel = await resampleParallel(x, 44100, 22050, {
    quality: "kaiser_best",
    workers: 2,
    minSeconds: 0,
  });
  assert.equal(parallel.length, whole.length);
  assert.equal(parallel.findIndex((v, i) => !Object.is(v, whole[i])), -1);
  // 44101 -> 22050 reduces to a period of 22050 outputs, too long for the bank: the direct loop
  // computes each output's time from its piece's start. Measured: max difference 1.5e-8 (a
  // float32 ulp at 0.25); allowed 1e-7.
  const odd = signal(5, 44101);
  const oddWhole = await resample(odd, 44101, 22050, { quality: "kaiser_best" });
  const oddParallel = await resampleParallel(odd, 44101, 22050, {
    quality: "kaiser_best",
    workers: 1,
    minSeconds: 0,
  });
  assert.equal(oddParallel.length, oddWhole.length);
  assert.ok(maxAbsDiff(oddParallel, oddWhole) <= 1e-7, `${maxAbsDiff(oddParallel, oddWhole)}`);
  // Short inputs, libsamplerate qualities and equal rates take one pass.
  const short = signal(1, 44100);
  assert.deepEqual(
    await resampleParallel(short, 44100, 22050, { quality: "kaiser_fast", workers: 2 }),
    await resample(short, 44100, 22050, { quality: "kaiser_fast" }),
  );
  assert.equal(await resampleParallel(short, 44100, 44100, { workers: 2, minSeconds: 0 }), short);
});
