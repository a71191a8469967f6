/**
 * The WebAssembly MFCC DCT kernel (what `mfcc` runs) against the scalar loop it replaces:
 * every coefficient must be bit-identical (Object.is), for even and odd mel counts, every
 * coefficient count up to the mel count (pairs and a lone last coefficient of each parity) and
 * real and random dB frames.
 * @module
 */
import assert from "node:assert/strict";
import { dctOfFrames, melSpectrogram, powerToDb } from "../lib/features/spectral.ts";
import { mfccDctWasm } from "../lib/features/dct_wasm.ts";
import { stft } from "../lib/features/stft.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { speechLike } from "./speech_like.ts";

/** The orthonormal DCT-II basis as spectral.ts builds it. */
function basisOf(count: number, size: number): Float64Array {
  const basis = new Float64Array(count * size);
  for (let k = 0; k < count; k++) {
    const scale = k === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size);
    for (let n = 0; n < size; n++) {
      basis[k * size + n] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * size));
    }
  }
  return basis;
}

function assertSameDct(db: Float64Array, frames: number, nMels: number, nMfcc: number): void {
  const basis = basisOf(nMfcc, nMels);
  const expected = new Float64Array(frames * nMfcc);
  dctOfFrames(db, frames, nMels, nMfcc, basis, expected);
  const actual = new Float64Array(frames * nMfcc).fill(NaN);
  assert.ok(mfccDctWasm(db, frames, nMels, nMfcc, basis, actual), "the kernel runs here");
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${nMels} mels, ${nMfcc} mfcc: value ${i} is ${actual[i]}, not ${expected[i]}`);
    }
  }
}

Deno.test("DCT kernel = scalar loop on a clip's log-mel frames", () => {
  const spec = stft(speechLike(150, 2, 22050, 0.5, 1), {
    sampleRate: 22050,
    nFft: 2048,
    hopLength: 512,
  });
  for (const nMels of [128, 40]) {
    const mel = melSpectrogram(spec, nMels);
    const db = powerToDb(mel.data);
    for (const nMfcc of [20, 13, 40].filter((n) => n <= nMels)) {
      assertSameDct(db, mel.frames, nMels, nMfcc);
    }
  }
});

Deno.test("DCT kernel = scalar loop: odd and even mel counts, every coefficient count", () => {
  const random = mulberry32(5);
  for (const nMels of [1, 2, 3, 7, 8, 13, 26]) {
    const frames = 11;
    const db = Float64Array.from({ length: frames * nMels }, () => (random() - 0.7) * 80);
    for (let nMfcc = 1; nMfcc <= nMels; nMfcc++) assertSameDct(db, frames, nMels, nMfcc);
  }
});
