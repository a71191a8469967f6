/**
 * Tests of lib/features' voice-quality descriptors and contour-shape functionals on signals whose
 * true values are known: harmonic levels set by construction, an HNR set by the noise added, a
 * pitch contour whose slope and direction are chosen. No shared data needed.
 */
import assert from "node:assert/strict";
import { chirp, sine, whiteNoise } from "../lib/audio/mod.ts";
import {
  contourFunctionals,
  type ContourInput,
  pitchContour,
  stft,
  utteranceFeatures,
  voiceQuality,
} from "../lib/features/mod.ts";

const SR = 22050;
const N_FFT = 1024;
const HZ_PER_BIN = SR / N_FFT;
/** 430.7 Hz: on a bin of the 1024-point FFT, so each harmonic's peak is its true level. */
const F0 = 20 * HZ_PER_BIN;

function mix(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts[0].length);
  for (const part of parts) for (let i = 0; i < out.length; i++) out[i] += part[i];
  return out;
}

function median(values: ArrayLike<number>): number {
  const sorted = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** The descriptors of `samples` with a constant F0 (the frames away from the clip's edges). */
function describe(samples: Float32Array, f0 = F0) {
  const spectrogram = stft(samples, { sampleRate: SR, nFft: N_FFT, hopLength: 256 });
  const series = voiceQuality(samples, spectrogram, new Float32Array(spectrogram.frames).fill(f0));
  const inner = (s: { data: Float64Array }) => s.data.subarray(5, spectrogram.frames - 5);
  return {
    alpha: median(inner(series.alphaRatioDb)),
    hammarberg: median(inner(series.hammarbergDb)),
    h1h2: median(inner(series.h1h2Db)),
    h1h4: median(inner(series.h1h4Db)),
    hnr: median(inner(series.hnrDb)),
    series,
  };
}

Deno.test("voice quality: harmonic differences and band ratios match the levels put in", () => {
  // Harmonics 1, 2, 4 at amplitudes 1, 1/2, 1/10: H1-H2 = 20 log10 2, H1-H4 = 20 dB.
  const voice = mix(sine(F0, 1, SR, 0.2), sine(2 * F0, 1, SR, 0.1), sine(4 * F0, 1, SR, 0.02));
  const measured = describe(voice);
  assert.ok(Math.abs(measured.h1h2 - 20 * Math.log10(2)) < 0.01, `H1-H2 ${measured.h1h2}`);
  assert.ok(Math.abs(measured.h1h4 - 20) < 0.01, `H1-H4 ${measured.h1h4}`);
  // Alpha ratio: all energy 50-1000 Hz (431, 861 Hz) against the 1723 Hz harmonic.
  const alpha = 10 * Math.log10((0.2 ** 2 + 0.1 ** 2) / 0.02 ** 2);
  assert.ok(Math.abs(measured.alpha - alpha) < 0.05, `alpha ratio ${measured.alpha} vs ${alpha}`);
  // Hammarberg: the strongest peak below 2 kHz against one 3 kHz tone 20 dB lower.
  const tilt = describe(
    mix(sine(46 * HZ_PER_BIN, 1, SR, 0.2), sine(139 * HZ_PER_BIN, 1, SR, 0.02)),
  );
  assert.ok(Math.abs(tilt.hammarberg - 20) < 0.01, `Hammarberg ${tilt.hammarberg}`);
});

Deno.test("voice quality: the HNR follows the signal-to-noise ratio of a periodic voice", () => {
  // Periodic part power 0.2^2 (1 + 1/4) / 2; uniform noise of peak a has power a^2 / 3.
  const periodic = mix(sine(F0, 1, SR, 0.2), sine(2 * F0, 1, SR, 0.1));
  const power = 0.04 * 1.25 / 2;
  for (const snrDb of [0, 10, 20]) {
    const peak = Math.sqrt(3 * power / 10 ** (snrDb / 10));
    const { hnr } = describe(mix(periodic, whiteNoise(1, SR, 7, peak)));
    // Measured: 0.1, 9.7, 19.6 dB.
    assert.ok(Math.abs(hnr - snrDb) < 1, `SNR ${snrDb} dB: HNR ${hnr}`);
  }
});

Deno.test("voice quality: unvoiced frames have no harmonic measures", () => {
  const noise = whiteNoise(0.5, SR, 3, 0.3);
  const spectrogram = stft(noise, { sampleRate: SR, nFft: N_FFT, hopLength: 256 });
  const f0 = new Float32Array(spectrogram.frames).fill(Number.NaN);
  const series = voiceQuality(noise, spectrogram, f0);
  assert.ok(series.hnrDb.data.every(Number.isNaN));
  assert.ok(series.h1h2Db.data.every(Number.isNaN));
  assert.ok(series.alphaRatioDb.data.every(Number.isFinite));
  assert.equal(series.flux.data[0], 0);
  assert.ok(series.flux.data[10] > 0, "noise changes from frame to frame");
});

/** A contour input: `frames` active frames, voiced from frame 10 on, F0 given per frame. */
function contour(frames: number, f0: (t: number) => number, loudness = (_t: number) => -20) {
  const active = new Uint8Array(frames).fill(1);
  const voiced = new Uint8Array(frames).map((_, t) => t >= 10 ? 1 : 0);
  const input: ContourInput = {
    f0Semitones: Float64Array.from({ length: frames }, (_, t) => voiced[t] ? f0(t) : Number.NaN),
    loudnessDb: Float64Array.from({ length: frames }, (_, t) => loudness(t)),
    shapes: [{ name: "hnr", values: new Float64Array(frames).fill(12) }],
    active,
    voiced,
    secondsPerFrame: 0.01,
  };
  return input;
}

function valueOf(result: { names: string[]; values: number[] }, name: string): number {
  const index = result.names.indexOf(`contour_${name}`);
  assert.ok(index >= 0, `no contour_${name}`);
  return result.values[index];
}

Deno.test("contour: rises and falls are told apart, with the slope in semitones per second", () => {
  const rising = contourFunctionals(contour(110, (t) => 40 + 0.1 * t));
  const falling = contourFunctionals(contour(110, (t) => 51 - 0.1 * t));
  // 0.1 semitone per 10 ms frame = 10 semitones per second.
  assert.ok(Math.abs(valueOf(rising, "last_f0_slope") - 10) < 1e-9);
  assert.ok(Math.abs(valueOf(falling, "last_f0_slope") + 10) < 1e-9);
  assert.ok(valueOf(rising, "third3_f0_rel") > 2 && valueOf(falling, "third3_f0_rel") < -2);
  // DCT-II coefficient 1 weighs the start positively, the end negatively.
  assert.ok(valueOf(rising, "f0_dct1") < 0 && valueOf(falling, "f0_dct1") > 0);
  assert.ok(Math.abs(valueOf(rising, "f0_dct1") + valueOf(falling, "f0_dct1")) < 1e-9);
  assert.equal(valueOf(rising, "f0_peak_position"), 109 / 110);
  // The constant HNR contour has no shape; frames 10-35 of the first third (0-35) are voiced.
  assert.ok(Math.abs(valueOf(rising, "hnr_dct2")) < 1e-9);
  assert.ok(Math.abs(valueOf(rising, "third1_voiced_fraction") - 26 / 36) < 1e-12);
});

Deno.test("contour: the voice's own pitch and loudness level cancel out", () => {
  const shape = (t: number) => 45 + 3 * Math.sin(t / 9);
  const loud = (t: number) => -20 + 6 * Math.cos(t / 13);
  const low = contourFunctionals(contour(150, shape, loud));
  const high = contourFunctionals(contour(150, (t) => shape(t) + 12, (t) => loud(t) - 15));
  assert.deepEqual(low.names, high.names);
  low.values.forEach((value, i) => {
    assert.ok(
      Math.abs(value - high.values[i]) < 1e-9,
      `${low.names[i]}: ${value} vs ${high.values[i]}`,
    );
  });
});

Deno.test("contour: silence and unvoiced speech give zeros, never NaN", () => {
  const frames = 40;
  const silent = contourFunctionals({
    f0Semitones: new Float64Array(frames).fill(Number.NaN),
    loudnessDb: new Float64Array(frames).fill(-100),
    shapes: [],
    active: new Uint8Array(frames),
    voiced: new Uint8Array(frames),
    secondsPerFrame: 0.01,
  });
  assert.ok(silent.values.every((value) => value === 0), silent.values.join(","));
});

Deno.test("utterance functionals include voice quality and contour shape, finite on silence", () => {
  const speech = mix(sine(200, 1, SR, 0.2), sine(400, 1, SR, 0.05));
  const vector = utteranceFeatures(speech, { sampleRate: SR });
  const silent = utteranceFeatures(new Float32Array(SR), { sampleRate: SR });
  assert.deepEqual(silent.names, vector.names);
  assert.ok(silent.values.every(Number.isFinite));
  const contourCount = vector.names.filter((name) => name.startsWith("contour_")).length;
  const qualityCount = vector.names.filter((name) => name.startsWith("vq_")).length;
  assert.deepEqual([contourCount, qualityCount], [39, 16]);
  const hnr = vector.values[vector.names.indexOf("vq_hnr_db_mean")];
  assert.ok(hnr > 20, `a clean two-harmonic voice has a high HNR: ${hnr}`);
});

Deno.test("pitchContour: an octave glide rises 12 semitones around the clip's own mean", () => {
  const glide = chirp(150, 300, 1, SR, 0.3);
  const contour = pitchContour(glide, { sampleRate: SR });
  const voiced = contour.semitones.filter(Number.isFinite);
  assert.ok(voiced.length > 60, `${voiced.length} voiced frames`);
  const mean = voiced.reduce((sum, value) => sum + value, 0) / voiced.length;
  assert.ok(Math.abs(mean) < 1e-9, `relative to its mean: ${mean}`);
  // Frames 4 and 81 (pYIN's edge frames see the glide half-windowed) sit at about 0.046 s and
  // 0.94 s: 157 and 291 Hz, 10.7 semitones apart. Measured: 10.80.
  const span = voiced.at(-5)! - voiced[4];
  assert.ok(span > 10.5 && span < 11, `rise ${span} semitones`);
  assert.equal(contour.seconds[1] - contour.seconds[0], 256 / SR);
  assert.deepEqual(pitchContour(new Float32Array(SR), { sampleRate: SR }), {
    seconds: [],
    semitones: [],
  });
});
