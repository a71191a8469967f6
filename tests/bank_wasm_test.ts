/**
 * The WebAssembly filter-bank kernel (what mel and chroma run) against the scalar loops it
 * replaces: every sum must be bit-identical (Object.is), for mel and tuned chroma banks, FFT
 * sizes, frame counts around the kernel's groups of 8 and trailing silent frames.
 * @module
 */
import assert from "node:assert/strict";
import { applyBank } from "../lib/features/spectral.ts";
import { applyBankWasm } from "../lib/features/bank_wasm.ts";
import { chromaFilterBank, melFilterBank } from "../lib/features/filters.ts";
import { stft } from "../lib/features/stft.ts";
import { chirp, whiteNoise } from "../lib/audio/synth.ts";
import { speechLike } from "./speech_like.ts";

function assertSameSums(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

Deno.test("filter-bank kernel = scalar loops: mel and chroma on real spectrograms", () => {
  const signals = [
    speechLike(150, 3, 22050, 0.5, 1),
    chirp(60, 10000, 2, 22050),
    whiteNoise(0.9, 22050, 3),
  ];
  for (const nFft of [2048, 1024]) {
    const mel = melFilterBank({ sampleRate: 22050, nFft, nMels: 128 });
    const chroma = chromaFilterBank({ sampleRate: 22050, nFft, tuning: -0.13, nChroma: 12 });
    for (const samples of signals) {
      const spec = stft(samples, { sampleRate: 22050, nFft, hopLength: nFft / 4 });
      const { frames, bins, power, magnitude, silentFrom } = spec;
      assert.ok(frames >= 16, "enough frames for the kernel's groups");
      for (const [bank, source] of [[mel, power], [chroma, magnitude]] as const) {
        // Every count of active frames around a group of 8, then the spectrogram's own.
        for (const active of [7, 8, 9, 15, 16, 17, silentFrom ?? frames, frames]) {
          const expected = applyBank(source, frames, bins, bank, active, true);
          const actual = applyBank(source, frames, bins, bank, active);
          assertSameSums(actual, expected, `nFft ${nFft}, ${bank.rows} rows, ${active} active`);
        }
      }
    }
  }
});

Deno.test("filter-bank kernel: groups of 8 frames only, and it runs here", () => {
  const spec = stft(whiteNoise(0.5, 22050, 9), { sampleRate: 22050, nFft: 512, hopLength: 128 });
  const bank = melFilterBank({ sampleRate: 22050, nFft: 512, nMels: 40 });
  const out = new Float64Array(spec.frames * bank.rows);
  assert.equal(applyBankWasm(spec.power, 7, spec.bins, bank, out), 0);
  assert.equal(applyBankWasm(spec.power, 23, spec.bins, bank, out), 16);
  assert.ok(out.subarray(0, 16 * bank.rows).some((value) => value > 0));
  assert.ok(out.subarray(16 * bank.rows).every((value) => value === 0));
});
