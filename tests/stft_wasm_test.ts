/**
 * The WebAssembly STFT kernel (what `stft` runs) against RealFft plus the scalar magnitude loop
 * it replaces: every magnitude and power must be bit-identical. Sizes cover an even and an odd
 * number of FFT stages (a final radix-2 pass), the smallest size and signals shorter than a frame.
 * @module
 */
import assert from "node:assert/strict";
import { hannWindow, realFft, stft } from "../lib/features/stft.ts";
import { chirp, whiteNoise } from "../lib/audio/synth.ts";

/** The scalar path: RealFft.forwardFrame, then librosa's complex64 rounding. */
function scalarStft(samples: Float32Array, nFft: number, hop: number) {
  const fft = realFft(nFft);
  const window = hannWindow(nFft);
  const bins = nFft / 2 + 1;
  const frames = 1 + Math.floor(samples.length / hop);
  const magnitude = new Float32Array(frames * bins);
  const power = new Float32Array(frames * bins);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    fft.forwardFrame(samples, t * hop - nFft / 2, window, re, im);
    for (let k = 0; k < bins; k++) {
      const real = Math.fround(re[k]);
      const imag = Math.fround(im[k]);
      const mag = Math.fround(Math.sqrt(real * real + imag * imag));
      magnitude[t * bins + k] = mag;
      power[t * bins + k] = mag * mag;
    }
  }
  return { magnitude, power };
}

Deno.test("stft (WebAssembly kernel) is bit-identical to RealFft and the scalar loop", () => {
  const cases: [number, number, Float32Array][] = [
    [2048, 512, chirp(60, 10000, 3, 22050)], // the seed's setting: 10 FFT stages
    [2048, 512, whiteNoise(0.05, 22050, 4)], // shorter than a frame
    [4096, 1024, whiteNoise(1.4, 22050, 5)], // 11 stages: a final radix-2 pass
    [512, 128, chirp(100, 5000, 0.4, 22050)],
    [16, 4, whiteNoise(0.005, 22050, 6)], // 3 stages: radix-4 then radix-2 only
    [8, 2, whiteNoise(0.002, 22050, 7)], // the smallest size: one radix-4 pass
  ];
  for (const [nFft, hop, samples] of cases) {
    const ours = stft(samples, { sampleRate: 22050, nFft, hopLength: hop });
    const expected = scalarStft(samples, nFft, hop);
    const label = `nFft ${nFft}, hop ${hop}, ${samples.length} samples`;
    assert.equal(ours.magnitude.length, expected.magnitude.length, label);
    for (let i = 0; i < expected.magnitude.length; i++) {
      if (
        !Object.is(ours.magnitude[i], expected.magnitude[i]) ||
        !Object.is(ours.power[i], expected.power[i])
      ) {
        assert.fail(`${label}: bin ${i}: ${ours.magnitude[i]} vs ${expected.magnitude[i]}`);
      }
    }
  }
});

Deno.test("stft: a reused spectrogram of another size is not overwritten; alternating sizes agree", () => {
  const x = whiteNoise(0.5, 22050, 8);
  const a = stft(x, { sampleRate: 22050, nFft: 2048, hopLength: 512 });
  const b = stft(x, { sampleRate: 22050, nFft: 1024, hopLength: 256 });
  const a2 = stft(x, { sampleRate: 22050, nFft: 2048, hopLength: 512 });
  assert.deepEqual(a2.magnitude, a.magnitude);
  assert.deepEqual(b.magnitude, scalarStft(x, 1024, 256).magnitude);
});
