/**
 * Trailing silence (a clip zero-padded to its duration) is skipped, not computed: the STFT
 * marks where its all-zero frames start (`silentFrom`), and every spectral feature must give
 * bit-identical results with and without the mark.
 * @module
 */
import assert from "node:assert/strict";
import { chirp, whiteNoise } from "../lib/audio/synth.ts";
import {
  chromaStft,
  estimateTuning,
  melSpectrogram,
  mfcc,
  spectralContrast,
  stft,
} from "../lib/features/mod.ts";

function padded(signal: Float32Array, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(signal);
  return out;
}

Deno.test("stft: silentFrom marks exactly the trailing all-zero frames", () => {
  const options = { sampleRate: 22050, nFft: 2048, hopLength: 512 };
  const spec = stft(padded(whiteNoise(1.7, 22050, 3), 66150), options);
  const silentFrom = spec.silentFrom!;
  // The last frame seeing sample 37484 (1.7 s) starts at or before it: (37484 + 1024) / 512.
  assert.equal(silentFrom, Math.floor((37484 + 1024) / 512) + 1);
  const row = (t: number) => spec.magnitude.subarray(t * spec.bins, (t + 1) * spec.bins);
  assert.ok(row(silentFrom - 1).some((v) => v !== 0), "the last active frame has energy");
  for (let t = silentFrom; t < spec.frames; t++) {
    assert.ok(row(t).every((v) => Object.is(v, 0)), `frame ${t} is +0`);
  }
  assert.equal(stft(whiteNoise(1, 22050, 4), options).silentFrom, 44); // no padding: all frames
  assert.equal(stft(new Float32Array(5000), options).silentFrom, 0); // all silent
});

Deno.test("spectral features skip silent frames with bit-identical results", () => {
  const options = { sampleRate: 22050, nFft: 2048, hopLength: 512 };
  for (const signal of [chirp(200, 3000, 1.3, 22050), whiteNoise(2.1, 22050, 5)]) {
    const marked = stft(padded(signal, 66150), options);
    assert.ok(marked.silentFrom! < marked.frames);
    const unmarked = { ...marked, silentFrom: undefined };
    const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what} [${i}]`);
    };
    same(melSpectrogram(marked).data, melSpectrogram(unmarked).data, "mel");
    same(mfcc(melSpectrogram(marked), 40).data, mfcc(melSpectrogram(unmarked), 40).data, "mfcc");
    same(chromaStft(marked).data, chromaStft(unmarked).data, "chroma");
    same(spectralContrast(marked).data, spectralContrast(unmarked).data, "contrast");
    assert.equal(estimateTuning(marked), estimateTuning(unmarked));
  }
});
