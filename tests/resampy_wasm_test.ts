/**
 * The WebAssembly resampling kernel against the scalar polyphase loop it replaces: the same
 * float32 sums in the same order, so every output must be bit-identical (Object.is).
 * @module
 */
import assert from "node:assert/strict";
import {
  polyphaseBank,
  resampleWithBank,
  RESAMPY_FILTERS,
  resampyResample,
} from "../lib/audio/resampy.ts";
import { resampleWithBankWasm } from "../lib/audio/resampy_wasm.ts";
import { chirp, whiteNoise } from "../lib/audio/synth.ts";

/** Both paths on one signal; returns the kernel's output. */
function bothPaths(
  x: Float32Array,
  from: number,
  to: number,
  quality: keyof typeof RESAMPY_FILTERS,
) {
  const spec = RESAMPY_FILTERS[quality];
  const outLength = Math.floor((x.length * to) / from);
  // A length past one period makes sure the bank is built even for the shortest signals.
  const bank = polyphaseBank(spec, from, to, 1e9);
  assert.ok(bank, `${from}->${to}: a bank is built`);
  const scalar = new Float32Array(outLength);
  resampleWithBank(x, bank, scalar);
  const kernel = new Float32Array(outLength).fill(NaN);
  const used = resampleWithBankWasm(x, bank, kernel);
  return { scalar, kernel, used };
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

Deno.test("resampling kernel: bit-identical to the scalar polyphase loop", () => {
  // 44100 -> 22050 (one output per period), 32000 -> 24000 (three) and 88200 -> 22050 run on a
  // widened bank: the short period repeated to fill the kernel's groups of 8 outputs.
  const rates = [
    [24414, 22050],
    [16000, 22050],
    [48000, 22050],
    [22050, 8000],
    [44100, 22050],
    [32000, 24000],
    [88200, 22050],
  ];
  // Lengths that end mid-period, within the first period, and on odd and even period counts.
  const seconds = [0.06, 0.31, 1.3, 2.1, 3];
  for (const quality of ["kaiser_fast", "kaiser_best"] as const) {
    for (const [from, to] of rates) {
      for (const duration of seconds) {
        const x = duration < 1 ? whiteNoise(duration, from, 11) : chirp(80, 9000, duration, from);
        const { scalar, kernel, used } = bothPaths(x, from, to, quality);
        assert.ok(used, "the kernel ran");
        assert.equal(
          firstDifference(scalar, kernel),
          -1,
          `${quality} ${from}->${to} ${duration} s: first differing output`,
        );
      }
    }
  }
});

Deno.test("resampling kernel: switching filters re-lays the bank; results stay identical", () => {
  const x = whiteNoise(1, 24414, 5);
  const fast = resampyResample(x, 24414, 22050, RESAMPY_FILTERS.kaiser_fast);
  const best = resampyResample(x, 24414, 22050, RESAMPY_FILTERS.kaiser_best);
  assert.deepEqual(resampyResample(x, 24414, 22050, RESAMPY_FILTERS.kaiser_fast), fast);
  assert.deepEqual(resampyResample(x, 24414, 22050, RESAMPY_FILTERS.kaiser_best), best);
  assert.equal(firstDifference(bothPaths(x, 24414, 22050, "kaiser_fast").scalar, fast), -1);
});

Deno.test("resampling kernel: a non-finite sample leaves the work to the scalar loop", () => {
  const x = whiteNoise(0.5, 24414, 9);
  x[5000] = Infinity;
  const { used } = bothPaths(x, 24414, 22050, "kaiser_fast");
  assert.equal(used, false);
  // resampyResample then falls back: NaN/Inf exactly where resampy's loop puts them.
  const spec = RESAMPY_FILTERS.kaiser_fast;
  const out = resampyResample(x, 24414, 22050, spec);
  const bank = polyphaseBank(spec, 24414, 22050, out.length)!;
  const scalar = new Float32Array(out.length);
  resampleWithBank(x, bank, scalar);
  assert.equal(firstDifference(scalar, out), -1);
  assert.ok(out.some((v) => !Number.isFinite(v)) && out.some(Number.isFinite));
});
