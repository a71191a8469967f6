/**
 * zeroCrossingRate (prefix counts at frame edges, signs from float32 bits) against the plain
 * librosa definition: edge-pad the signal, frame it, count sign changes inside each frame. Every
 * count must match exactly, for awkward values (-0, the 1e-10 threshold and its neighbours, NaN,
 * infinities, subnormals), frame/hop shapes and signals shorter than a frame.
 * @module
 */
import assert from "node:assert/strict";
import { zeroCrossingRate } from "../lib/features/temporal.ts";
import { whiteNoise } from "../lib/audio/synth.ts";

/** librosa.feature.zero_crossing_rate written out: pad, frame, count, divide. */
function reference(samples: Float32Array, frameLength: number, hopLength: number): number[] {
  const offset = frameLength >> 1;
  const padded = new Float32Array(samples.length + 2 * offset);
  padded.fill(samples[0], 0, offset);
  padded.set(samples, offset);
  padded.fill(samples[samples.length - 1], offset + samples.length);
  const threshold = Math.fround(1e-10);
  const negative = (x: number) => x < -threshold; // |x| <= 1e-10 counts as positive zero
  const frames = 1 + Math.floor((padded.length - frameLength) / hopLength);
  const rates: number[] = [];
  for (let t = 0; t < frames; t++) {
    let count = 0;
    for (let j = t * hopLength + 1; j < t * hopLength + frameLength; j++) {
      if (negative(padded[j]) !== negative(padded[j - 1])) count++;
    }
    rates.push(count / frameLength);
  }
  return rates;
}

/** A NaN with its sign bit set: the sign alone must not make it count as negative. */
const NEGATIVE_NAN = new Float32Array(Int32Array.of(0xffc00000 | 0).buffer)[0];

Deno.test("zeroCrossingRate = the padded-frames definition, awkward values included", () => {
  const t = Math.fround(1e-10);
  const awkward = [
    0,
    -0,
    t,
    -t,
    Math.fround(-t * (1 + 2 ** -23)),
    -Math.fround(t * 0.999),
    NaN,
    NEGATIVE_NAN,
    Infinity,
    -Infinity,
    -1e-45,
    1e-45,
    -1,
    1,
    -0.5,
  ];
  let seed = 3;
  const pick = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const noise = whiteNoise(0.5, 22050, 7);
  for (const length of [1, 2, 5, 63, 64, 65, 1000, noise.length]) {
    const samples = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      samples[i] = pick() < 0.3 ? awkward[Math.floor(pick() * awkward.length)] : noise[i];
    }
    for (const [frameLength, hopLength] of [[2048, 512], [64, 16], [65, 7], [8, 8], [2, 1]]) {
      const actual = Array.from(zeroCrossingRate(samples, { frameLength, hopLength }).data);
      assert.deepEqual(actual, reference(samples, frameLength, hopLength), `${length} samples`);
    }
  }
});

Deno.test("zeroCrossingRate reads a subarray's own samples", () => {
  const whole = Float32Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? -1 : 1));
  const part = whole.subarray(7, 207);
  const rates = zeroCrossingRate(part, { frameLength: 32, hopLength: 8 });
  assert.deepEqual(Array.from(rates.data), reference(part, 32, 8));
});
