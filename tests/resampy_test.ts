/** resampyResample's cached polyphase path against resampy's `resample_f` loop, transcribed verbatim. @module */
import assert from "node:assert/strict";
import { kaiserHalfWindow, RESAMPY_FILTERS, resampyResample } from "../lib/audio/resampy.ts";
import { whiteNoise } from "../lib/audio/synth.ts";

/** resampy's `resample_f`, line by line (slow: reads the table with a large stride). */
function referenceResample(
  x: Float32Array,
  from: number,
  to: number,
  spec = RESAMPY_FILTERS.kaiser_best,
) {
  const ratio = to / from;
  const win = Float64Array.from(kaiserHalfWindow(spec), (v) => (ratio < 1 ? ratio : 1) * v);
  const delta = new Float64Array(win.length);
  for (let i = 0; i < win.length - 1; i++) delta[i] = win[i + 1] - win[i];
  const scale = Math.min(1, ratio), step = Math.trunc(scale * spec.tableSize), nwin = win.length;
  const y = new Float32Array(Math.floor((x.length * to) / from));
  for (let t = 0; t < y.length; t++) {
    const time = t * (1 / ratio), n = Math.trunc(time);
    let frac = scale * (time - n),
      idx = frac * spec.tableSize,
      off = Math.trunc(idx),
      eta = idx - off;
    let acc = 0;
    for (let i = 0; i < Math.min(n + 1, Math.floor((nwin - off) / step)); i++) {
      acc = Math.fround(acc + (win[off + i * step] + eta * delta[off + i * step]) * x[n - i]);
    }
    frac = scale - frac, idx = frac * spec.tableSize, off = Math.trunc(idx), eta = idx - off;
    for (let k = 0; k < Math.min(x.length - n - 1, Math.floor((nwin - off) / step)); k++) {
      acc = Math.fround(acc + (win[off + k * step] + eta * delta[off + k * step]) * x[n + k + 1]);
    }
    y[t] = acc;
  }
  return y;
}

Deno.test("resampyResample's cached polyphase weights match resampy's loop within a float32 ulp", () => {
  for (const [from, to] of [[24414, 22050], [16000, 22050], [48000, 22050], [22050, 8000]]) {
    const x = whiteNoise(1.2, from, 3);
    const expected = referenceResample(x, from, to);
    const actual = resampyResample(x, from, to);
    assert.equal(actual.length, expected.length);
    const period = to / gcd(from, to);
    let maxDiff = 0;
    for (let t = 0; t < actual.length; t++) {
      if (t < period) {
        assert.equal(actual[t], expected[t], `${from}->${to} [${t}] first period exact`);
      }
      maxDiff = Math.max(maxDiff, Math.abs(actual[t] - expected[t]));
    }
    assert.ok(maxDiff < 1e-7, `${from}->${to}: max diff ${maxDiff}`);
  }
  // An irrational-looking ratio takes the direct loop: bit-identical throughout.
  const x = whiteNoise(0.3, 24414.5, 4);
  assert.deepEqual(resampyResample(x, 24414.5, 22050), referenceResample(x, 24414.5, 22050));
});

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
