/**
 * The WebAssembly spectral-contrast kernel (what `spectralContrast` runs) against the scalar
 * loop it replaces: every peak and valley mean must be bit-identical (Object.is), on real
 * spectrograms and on synthetic magnitudes with ties, zeros, rising and falling runs, bands of
 * 1 to 9 bins (the kernel's four-wide groups and its scalar tails) and `take` past a band's size.
 * @module
 */
import assert from "node:assert/strict";
import { contrastExtremes } from "../lib/features/spectral.ts";
import { type ContrastBands, contrastExtremesWasm } from "../lib/features/contrast_wasm.ts";
import { stft } from "../lib/features/stft.ts";
import { chirp, whiteNoise } from "../lib/audio/synth.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { speechLike } from "./speech_like.ts";

/** Both paths on one magnitude array; fails at the first differing value. */
function assertSame(magnitude: Float32Array, frames: number, bins: number, bands: ContrastBands) {
  const size = frames * bands.from.length;
  const valleys = new Float64Array(size), peaks = new Float64Array(size);
  contrastExtremes(magnitude, frames, bins, bands, valleys, peaks);
  const kernelValleys = new Float64Array(size).fill(NaN);
  const kernelPeaks = new Float64Array(size).fill(NaN);
  assert.ok(
    contrastExtremesWasm(magnitude, frames, bins, bands, kernelValleys, kernelPeaks),
    "the kernel runs here",
  );
  for (let i = 0; i < size; i++) {
    assert.ok(Object.is(kernelValleys[i], valleys[i]), `valley ${i}: ${kernelValleys[i]}`);
    assert.ok(Object.is(kernelPeaks[i], peaks[i]), `peak ${i}: ${kernelPeaks[i]}`);
  }
}

/** librosa's default layout at 22.05 kHz: 7 octave bands from 200 Hz (as spectral.ts builds). */
function defaultBands(nFft: number, sampleRate: number): ContrastBands {
  const bins = nFft / 2 + 1;
  const hz = (k: number) => (k * sampleRate) / nFft;
  const edges = [0, 200, 400, 800, 1600, 3200, 6400, 12800];
  const from = new Int32Array(7), to = new Int32Array(7), take = new Int32Array(7);
  for (let band = 0; band < 7; band++) {
    let first = -1, last = -1;
    for (let k = 0; k < bins; k++) {
      if (hz(k) >= edges[band] && hz(k) <= edges[band + 1]) {
        if (first < 0) first = k;
        last = k;
      }
    }
    if (band > 0) first--;
    if (band === 6) last = bins - 1;
    from[band] = first;
    to[band] = band < 6 ? last : last + 1;
    take[band] = Math.max(1, Math.round(0.02 * (last - first + 1)));
  }
  return { from, to, take };
}

Deno.test("contrast kernel = scalar loop on real spectrograms", () => {
  const signals = [
    speechLike(150, 3, 22050, 0.5, 1),
    chirp(60, 10000, 2, 22050),
    whiteNoise(1.5, 22050, 7),
  ];
  for (const nFft of [2048, 512]) {
    for (const samples of signals) {
      const spec = stft(samples, { sampleRate: 22050, nFft, hopLength: nFft / 4 });
      assertSame(spec.magnitude, spec.frames, spec.bins, defaultBands(nFft, 22050));
    }
  }
});

Deno.test("contrast kernel = scalar loop: ties, zeros, runs, tiny bands, large takes", () => {
  const random = mulberry32(12);
  const bins = 64;
  const frames = 40;
  const magnitude = new Float32Array(frames * bins);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < bins; k++) {
      const pattern = t % 5;
      magnitude[t * bins + k] = pattern === 0
        ? Math.floor(random() * 4) / 4 // few distinct values: ties everywhere
        : pattern === 1
        ? 0
        : pattern === 2
        ? k / bins // rising: every value a new largest
        : pattern === 3
        ? 1 - k / bins // falling: every value a new smallest
        : random() * 2 ** (random() * 40 - 20);
    }
  }
  // Bands of 1 to 9 bins at every alignment, with takes up to past their size.
  const from: number[] = [], to: number[] = [], take: number[] = [];
  for (let size = 1, start = 0; size <= 9; size++) {
    for (const t of [1, 2, 3, size + 2]) {
      from.push(start % (bins - size));
      to.push((start % (bins - size)) + size);
      take.push(t);
      start += 3;
    }
  }
  // And the whole spectrum as one band, taking a tenth of it.
  from.push(0), to.push(bins), take.push(7);
  assertSame(magnitude, frames, bins, {
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    take: Int32Array.from(take),
  });
});
