/**
 * Tests of lib/features' prosody and spectral-shape features: YIN / pYIN F0, deltas, spectral
 * centroid / bandwidth / roll-off / flatness. Semantics on synthesized signals (always run) and
 * parity with librosa 0.9.2's own numbers in ../shared/reference/librosa_prosody.json (skipped,
 * with a visible message, when ../shared is absent).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadAudio, silence, sine, whiteNoise } from "../lib/audio/mod.ts";
import {
  delta,
  type FrameSeries,
  melSpectrogram,
  mfcc,
  pyin,
  spectralBandwidth,
  spectralCentroid,
  spectralFlatness,
  spectralRolloff,
  stft,
  yin,
} from "../lib/features/mod.ts";
import { haveShared, SHARED_DIR } from "./shared_data.ts";

const SR = 22050;
const F0_OPTIONS = { sampleRate: SR, fmin: 65, fmax: 600 };
const STFT_OPTIONS = { sampleRate: SR, nFft: 2048, hopLength: 512 };

function series(frames: number, width: number, value: (t: number, c: number) => number) {
  const data = new Float64Array(frames * width);
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < width; c++) data[t * width + c] = value(t, c);
  }
  return { frames, width, data };
}

const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0);

// ---- F0 on synthesized signals -------------------------------------------------------------

Deno.test("yin: a 220 Hz sine gives 220 Hz in every full frame", () => {
  const f0 = yin(sine(220, 3, SR, 0.5), F0_OPTIONS);
  assert.equal(f0.length, 130);
  // Frame 0 is half zero padding (librosa gives ~371 Hz there too); from frame 1 on, measured
  // |f0 - 220| <= 0.50 Hz (frame 1, still partly padding) and <= 0.011 Hz from frame 2.
  for (let t = 1; t < f0.length; t++) {
    assert(Math.abs(f0[t] - 220) < (t === 1 ? 1 : 0.03), `frame ${t}: ${f0[t]} Hz`);
  }
});

Deno.test("yin: uncentred frames and other framings", () => {
  const tone = sine(220, 2, SR, 0.5);
  // Uncentred frame t starts at t * 512, as centred frame t + 2 (which starts 1024 earlier).
  const centred = yin(tone, F0_OPTIONS);
  const uncentred = yin(tone, { ...F0_OPTIONS, center: false });
  assert.equal(uncentred.length, 1 + Math.floor((tone.length - 2048) / 512));
  for (let t = 0; t < uncentred.length; t++) assert.equal(uncentred[t], centred[t + 2]);
  // A 1024-sample frame with a 256 hop still finds 220 Hz (periods up to 511 samples).
  const short = yin(tone, { ...F0_OPTIONS, frameLength: 1024 });
  assert.equal(short.length, 1 + Math.floor(tone.length / 256));
  for (let t = 4; t < short.length - 4; t++) assert(Math.abs(short[t] - 220) < 0.05, `${t}`);
});

Deno.test("yin: silence falls back to the global minimum, the shortest period", () => {
  // All differences are 0, so no trough: the first period, floor(22050 / 600) = 36 samples.
  const f0 = yin(silence(1, SR), F0_OPTIONS);
  for (const value of f0) assert.equal(value, SR / 36);
});

Deno.test("pyin: a 220 Hz sine is voiced at the nearest 10-cent pitch bin", () => {
  const { f0, voiced, voicedProb } = pyin(sine(220, 3, SR, 0.5), F0_OPTIONS);
  assert.deepEqual([f0.length, voiced.length, voicedProb.length], [130, 130, 130]);
  // Bins are 65 * 2^(k/120) Hz; 220 Hz is nearest k = 211, 219.81 Hz.
  const expected = 65 * 2 ** (211 / 120);
  for (let t = 1; t < f0.length; t++) {
    assert.equal(voiced[t], 1, `frame ${t} unvoiced`);
    assert(Math.abs(f0[t] - expected) < 1e-3, `frame ${t}: ${f0[t]} Hz`);
  }
  // Measured: 0.01 in frame 0 (half padding), 0.485 in frame 1, exactly 1 from frame 2 on.
  assert(voicedProb[1] > 0.2 && voicedProb[1] < 0.8, `frame 1: ${voicedProb[1]}`);
  for (let t = 2; t < f0.length; t++) assert(voicedProb[t] > 0.99, `frame ${t}: ${voicedProb[t]}`);
});

Deno.test("pyin: white noise and silence are unvoiced (f0 NaN)", () => {
  const noise = pyin(whiteNoise(3, SR, 7, 0.5), F0_OPTIONS);
  assert.equal(sum(noise.voiced), 0);
  assert(noise.f0.every(Number.isNaN));
  // Measured: at most 0.01 (the no-trough probability), as every trough is above threshold.
  assert(Math.max(...noise.voicedProb) <= 0.0100001);
  const quiet = pyin(silence(1, SR), F0_OPTIONS);
  assert.equal(sum(quiet.voiced), 0);
  assert.equal(Math.max(...quiet.voicedProb), 0);
});

Deno.test("pyin: follows an octave jump (150 Hz then 300 Hz)", () => {
  const signal = new Float32Array(66150);
  signal.set(sine(150, 1.5, SR, 0.5));
  signal.set(sine(300, 1.5, SR, 0.5), 33075);
  const { f0, voiced } = pyin(signal, F0_OPTIONS);
  // Frames 1..60 see only the 150 Hz part, 70..128 only the 300 Hz part.
  for (let t = 1; t <= 60; t++) assert(voiced[t] && Math.abs(f0[t] - 150) < 1, `frame ${t}`);
  for (let t = 70; t <= 128; t++) assert(voiced[t] && Math.abs(f0[t] - 300) < 2, `frame ${t}`);
  // Decoded F0s lie on the pitch grid 65 * 2^(k/120).
  for (const value of f0) {
    if (Number.isNaN(value)) continue;
    const k = 120 * Math.log2(value / 65);
    assert(Math.abs(k - Math.round(k)) < 1e-4, `${value} Hz is off the grid`);
  }
});

Deno.test("yin/pyin: invalid options name the file", () => {
  const tone = sine(220, 0.5, SR);
  assert.throws(() => yin(tone, { ...F0_OPTIONS, fmin: 700 }), /pitch\.ts yin.*fmin/);
  assert.throws(() => yin(tone, { ...F0_OPTIONS, frameLength: 1000 }), /power of two/);
  assert.throws(() => pyin(tone, { ...F0_OPTIONS, winLength: 2048 }), /winLength/);
  assert.throws(() => pyin(tone, { ...F0_OPTIONS, resolution: 1.5 }), /resolution/);
  assert.throws(
    () => yin(new Float32Array(100), { ...F0_OPTIONS, center: false }),
    /shorter than one frame/,
  );
  assert.throws(() => pyin(Float32Array.of(0, NaN, 0), F0_OPTIONS), /pitch\.ts pyin.*not finite/);
});

// ---- Deltas -------------------------------------------------------------------------------

Deno.test("delta: Savitzky-Golay weights and exact derivatives of polynomials", () => {
  // A ramp 3t (+ column offset) has slope 3 everywhere, edges included (mode "interp").
  const ramp = delta(series(20, 2, (t, c) => 3 * t + 10 * c));
  for (const value of ramp.data) assert(Math.abs(value - 3) < 1e-12);
  // Order 2 of 0.5 t^2 is 1 everywhere; order 1 is t in the interior, and at the edges the
  // slope of the edge window's line (t = 4 and t = 15 for 20 frames).
  const parabola = series(20, 1, (t) => 0.5 * t * t);
  for (const value of delta(parabola, { order: 2 }).data) assert(Math.abs(value - 1) < 1e-11);
  const slope = delta(parabola).data;
  for (let t = 0; t < 20; t++) {
    const expected = t < 4 ? 4 : t > 15 ? 15 : t;
    assert(Math.abs(slope[t] - expected) < 1e-11, `frame ${t}: ${slope[t]}`);
  }
  // An impulse at frame 10 reads out the weights: scipy's savgol_coeffs(9, 2, deriv=2) are
  // [0.0606, 0.0152, -0.0173, -0.0368, -0.0433, ...] (symmetric).
  const impulse = series(21, 1, (t) => (t === 10 ? 1 : 0));
  const second = delta(impulse, { order: 2 }).data;
  const scipy = [0.06060606, 0.01515152, -0.01731602, -0.03679654, -0.04329004];
  for (let m = 0; m < 5; m++) {
    assert(Math.abs(second[6 + m] - scipy[m]) < 1e-8);
    assert(Math.abs(second[14 - m] - scipy[m]) < 1e-8);
  }
  // Order 1 weights m / 60, applied as a correlation: the impulse at 10 gives -m/60 at 10 - m.
  const first = delta(impulse).data;
  for (let m = -4; m <= 4; m++) assert(Math.abs(first[10 - m] - m / 60) < 1e-15);
});

Deno.test("delta: invalid widths and orders", () => {
  const data = series(8, 1, (t) => t);
  assert.throws(() => delta(data), /cannot exceed the number of frames/);
  assert.throws(() => delta(data, { width: 4 }), /odd/);
  assert.throws(() => delta(data, { width: 5, order: 0 }), /order/);
});

// ---- Spectral descriptors -----------------------------------------------------------------

const inner = (s: FrameSeries) => Array.from(s.data.subarray(5, s.frames - 5));

Deno.test("descriptors: a 440 Hz sine is narrow and tonal, white noise broad and flat", () => {
  const tone = stft(sine(440, 3, SR, 0.5), STFT_OPTIONS);
  // Measured (frames 5..124): centroid 440.24-440.26 Hz, bandwidth 11.5-11.9 Hz, roll-off
  // 452.2 Hz (bin 42), flatness < 1e-4.
  for (const value of inner(spectralCentroid(tone))) assert(Math.abs(value - 440) < 1);
  for (const value of inner(spectralBandwidth(tone))) assert(value > 5 && value < 25);
  for (const value of inner(spectralRolloff(tone))) assert.equal(value, (42 * SR) / 2048);
  for (const value of inner(spectralFlatness(tone))) assert(value < 1e-3);

  const noise = stft(whiteNoise(3, SR, 7, 0.5), STFT_OPTIONS);
  // Uniform spectrum on 0..11025 Hz: mean 5512 Hz, std 11025 / sqrt(12) = 3183 Hz, 85 % point
  // 9371 Hz, power flatness ~exp(-Euler gamma) = 0.56. Measured: centroid 5320-5710, bandwidth
  // 3078-3254, roll-off 9119-9561, flatness 0.52-0.61.
  for (const value of inner(spectralCentroid(noise))) assert(Math.abs(value - 5512) < 400);
  for (const value of inner(spectralBandwidth(noise))) assert(Math.abs(value - 3183) < 250);
  for (const value of inner(spectralRolloff(noise))) assert(Math.abs(value - 9371) < 500);
  for (const value of inner(spectralFlatness(noise))) assert(value > 0.45 && value < 0.7);
});

Deno.test("descriptors: silent frames and options", () => {
  const quiet = stft(silence(0.5, SR), STFT_OPTIONS);
  for (const value of spectralCentroid(quiet).data) assert.equal(value, 0);
  for (const value of spectralRolloff(quiet).data) assert.equal(value, 0);
  // Every bin at the 1e-10 floor: geometric = arithmetic mean (measured 1 - 3.4e-13).
  for (const value of spectralFlatness(quiet).data) assert(Math.abs(value - 1) < 1e-9);
  const tone = stft(sine(1000, 1, SR, 0.5), STFT_OPTIONS);
  // p = 1 gives the mean absolute deviation, below the p = 2 deviation.
  const l1 = spectralBandwidth(tone, { p: 1 }).data[10];
  const l2 = spectralBandwidth(tone).data[10];
  assert(l1 > 0 && l1 < l2, `${l1} vs ${l2}`);
  // A lower roll-off fraction gives a lower or equal frequency.
  assert(spectralRolloff(tone, 0.5).data[10] <= spectralRolloff(tone).data[10]);
  assert.throws(() => spectralRolloff(tone, 1), /rollPercent/);
  assert.throws(() => spectralFlatness(tone, { amin: 0 }), /amin/);
});

// ---- Parity with librosa 0.9.2 --------------------------------------------------------------

const REFERENCE_DIR = `${SHARED_DIR}/reference`;
const REFERENCE_JSON = join(REFERENCE_DIR, "librosa_prosody.json");
const TESS_WAV = `${SHARED_DIR}/data/TESS-wav-sample/TESS Toronto emotional speech set data`;
const REFERENCE_FILES: Record<string, string> = {
  "sine440_22050.wav": join(REFERENCE_DIR, "sine440_22050.wav"),
  "chirp100-4000_22050.wav": join(REFERENCE_DIR, "chirp100-4000_22050.wav"),
  "speech_espeak_22050.wav": join(REFERENCE_DIR, "speech_espeak_22050.wav"),
  "noise_16000.wav": join(REFERENCE_DIR, "noise_16000.wav"),
  "twotone_gap_24414.wav": join(REFERENCE_DIR, "twotone_gap_24414.wav"),
  "OAF_back_angry.wav": join(TESS_WAV, "OAF_angry", "OAF_back_angry.wav"),
  "YAF_back_sad.wav": join(TESS_WAV, "YAF_sad", "YAF_back_sad.wav"),
};

/**
 * Largest errors allowed over all 7 files, about 2x the largest measured (in parentheses):
 * - yin: 1.7e-3 Hz (8.2e-4, OAF_back_angry; elsewhere <= 5.2e-5). F0 is returned as float32.
 * - pyin: voiced flags agree on every frame (measured: all 642 frames); f0 on voiced frames
 *   6e-5 Hz (2.9e-5: the same pitch bin, float32 rounding); voiced probability 1.1e-6 (5.1e-7,
 *   float32 and the reference's 6 decimals).
 * - deltas of our own MFCCs: 1e-4 (4.5e-5; the MFCCs themselves differ by <= 7.5e-4); deltas
 *   of librosa's MFCCs from librosa_features.json: 2.5e-4 (1.2e-4, those are rounded to 6
 *   significant digits).
 * - centroid 5e-3 Hz (2.5e-3), bandwidth 1.5e-2 Hz (7.0e-3), roll-off 1e-6 Hz (5e-7: the same
 *   bin on every frame), flatness 6e-6 (2.9e-6; librosa computes it in float32).
 */
const TOLERANCE = {
  yin: 1.7e-3,
  pyinF0: 6e-5,
  voicedProb: 1.1e-6,
  delta: 1e-4,
  deltaOfReferenceMfcc: 2.5e-4,
  centroid: 5e-3,
  bandwidth: 1.5e-2,
  rolloff: 1e-6,
  flatness: 6e-6,
};

const haveReference = haveShared(
  "prosody_test: librosa parity",
  REFERENCE_JSON,
  ...Object.values(REFERENCE_FILES),
);
const FEATURES_JSON = join(REFERENCE_DIR, "librosa_features.json");
const haveFeaturesJson = haveShared("prosody_test: delta of librosa's own MFCCs", FEATURES_JSON);

function maxError(ours: ArrayLike<number>, reference: (number | null)[]): number {
  assert.equal(ours.length, reference.length, "frame count");
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    worst = Math.max(worst, Math.abs(ours[i] - (reference[i] as number)));
  }
  return worst;
}

for (const [name, path] of Object.entries(REFERENCE_FILES)) {
  Deno.test({
    name: `librosa parity (prosody): ${name}`,
    ignore: !haveReference,
    fn: async () => {
      const reference = JSON.parse(await Deno.readTextFile(REFERENCE_JSON)).files[name];
      // As the reference: librosa.load(path, sr=22050, mono=True, duration=3.0), not padded
      // (every file is at most 3 s), kaiser_best resampling for the 16 and 24.4 kHz files.
      const clip = await loadAudio(path, { sampleRate: SR });
      assert.equal(clip.samples.length, reference.samples);
      const errors: Record<keyof typeof TOLERANCE, number> = {} as never;

      errors.yin = maxError(yin(clip.samples, { ...F0_OPTIONS, frameLength: 2048 }), reference.yin);
      const p = pyin(clip.samples, { ...F0_OPTIONS, frameLength: 2048 });
      const voicedReference = (reference.pyin_voiced as boolean[]).map((v) => (v ? 1 : 0));
      assert.deepEqual(Array.from(p.voiced), voicedReference, `${name}: pyin voiced flags`);
      errors.pyinF0 = 0;
      for (let t = 0; t < p.f0.length; t++) {
        if (p.voiced[t]) {
          errors.pyinF0 = Math.max(errors.pyinF0, Math.abs(p.f0[t] - reference.pyin_f0[t]));
        } else {
          assert(Number.isNaN(p.f0[t]) && reference.pyin_f0[t] === null, `${name} frame ${t}`);
        }
      }
      errors.voicedProb = maxError(p.voicedProb, reference.pyin_voiced_prob);

      const spec = stft(clip.samples, STFT_OPTIONS);
      const coefficients = mfcc(melSpectrogram(spec, 128), 40);
      errors.delta = Math.max(
        maxError(delta(coefficients).data, reference.mfcc_delta.flat()),
        maxError(delta(coefficients, { order: 2 }).data, reference.mfcc_delta2.flat()),
      );
      const librosaMfcc = haveFeaturesJson
        ? JSON.parse(await Deno.readTextFile(FEATURES_JSON)).files[name]?.mfcc as
          | number[][]
          | undefined
        : undefined;
      errors.deltaOfReferenceMfcc = 0;
      if (librosaMfcc) {
        const theirs = {
          frames: librosaMfcc.length,
          width: 40,
          data: Float64Array.from(librosaMfcc.flat()),
        };
        errors.deltaOfReferenceMfcc = Math.max(
          maxError(delta(theirs).data, reference.mfcc_delta.flat()),
          maxError(delta(theirs, { order: 2 }).data, reference.mfcc_delta2.flat()),
        );
      }

      const centroid = spectralCentroid(spec);
      errors.centroid = maxError(centroid.data, reference.spectral_centroid.flat());
      errors.bandwidth = maxError(
        spectralBandwidth(spec, { centroid }).data,
        reference.spectral_bandwidth.flat(),
      );
      errors.rolloff = maxError(spectralRolloff(spec).data, reference.spectral_rolloff.flat());
      errors.flatness = maxError(spectralFlatness(spec).data, reference.spectral_flatness.flat());

      for (const [feature, error] of Object.entries(errors)) {
        const limit = TOLERANCE[feature as keyof typeof TOLERANCE];
        assert(error <= limit, `${name} ${feature}: max error ${error} > ${limit}`);
      }
    },
  });
}
