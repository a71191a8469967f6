/**
 * lib/augment: seeded determinism, labels kept, speed/pitch/stretch measured with an FFT peak,
 * noise SNR and colour, gain, reverb, SpecAugment spans, mixup labels and Beta draws, policy
 * keys; lib/visualizer/augmentation.ts: the comparison figure and the audio player.
 * All signals are synthesized (no shared data needed).
 */
import assert from "node:assert/strict";
import {
  addNoise,
  applyGain,
  type AugmentationPolicy,
  augmentClip,
  augmentDataset,
  DEFAULT_AUGMENTATION_POLICY,
  formantShift,
  mixup,
  mixupBatch,
  mixupLambda,
  NOISE_COLORS,
  pitchShift,
  planAugmentation,
  policyKey,
  reverb,
  specAugment,
  speedPerturb,
  synthImpulseResponse,
  synthNoise,
  timeStretch,
} from "../lib/augment/mod.ts";
import { chirp, decodeWav, sine, whiteNoise } from "../lib/audio/mod.ts";
import { RealFft } from "../lib/features/fft.ts";
import { yin } from "../lib/features/mod.ts";
import { hannWindow } from "../lib/features/stft.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { audioPlayerHtml, augmentationFigure, type HeatmapTrace } from "../lib/visualizer/mod.ts";

const SR = 22050;

/** Speech-like clip: a gliding harmonic tone under an amplitude envelope, plus a little hiss. */
function speechLike(seconds = 1, sampleRate = SR): Float32Array {
  const tone = chirp(140, 260, seconds, sampleRate, 0.3);
  const overtone = chirp(280, 520, seconds, sampleRate, 0.15);
  const hiss = whiteNoise(seconds, sampleRate, 3, 0.01);
  return tone.map((v, i) => {
    const envelope = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / tone.length);
    return envelope * (v + overtone[i]) + hiss[i];
  });
}

/**
 * Frequency of the strongest component, in Hz: Hann window, zero padded to a power of two,
 * parabolic interpolation of the log magnitude around the peak bin (lib/features' RealFft, an
 * FFT independent of lib/augment's own).
 */
function peakFrequency(samples: Float32Array, sampleRate: number): number {
  let size = 8;
  while (size < 2 * samples.length) size *= 2;
  const input = new Float64Array(size);
  for (let i = 0; i < samples.length; i++) {
    input[i] = samples[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / samples.length));
  }
  const fft = new RealFft(size);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  fft.forward(input, re, im);
  const magnitude = (k: number) => Math.hypot(re[k], im[k]);
  let best = 1;
  for (let k = 2; k < fft.bins - 1; k++) if (magnitude(k) > magnitude(best)) best = k;
  const a = Math.log(magnitude(best - 1));
  const b = Math.log(magnitude(best));
  const c = Math.log(magnitude(best + 1));
  const offset = (0.5 * (a - c)) / (a - 2 * b + c);
  return ((best + offset) * sampleRate) / size;
}

function power(samples: ArrayLike<number>, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  return sum / (end - start);
}

function snrDb(clean: Float32Array, noisy: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < clean.length; i++) {
    signal += clean[i] * clean[i];
    noise += (noisy[i] - clean[i]) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

const FULL_POLICY: AugmentationPolicy = {
  copies: 3,
  speed: { factor: [0.9, 1.1] },
  pitch: { semitones: [-2, 2] },
  reverb: { rt60: [0.2, 0.5], wet: [0.1, 0.4] },
  noise: { snrDb: [10, 30], colors: ["white", "pink", "brown", "babble"] },
  gain: { db: [-6, 6] },
};

Deno.test("augment: augmentClip is deterministic for (seed, clip id, copy) and differs otherwise", () => {
  const clip = speechLike();
  const source = clip.slice();
  const a = augmentClip(clip, SR, FULL_POLICY, 42, 1, "spk1/angry_01.wav");
  const b = augmentClip(clip, SR, FULL_POLICY, 42, 1, "spk1/angry_01.wav");
  assert.deepEqual(a.samples, b.samples);
  assert.equal(a.name, b.name);
  assert.deepEqual(a.applied.map((s) => s.transform), [
    "speed",
    "pitch",
    "reverb",
    "noise",
    "gain",
  ]);
  assert.deepEqual(clip, source, "the input must be left untouched");
  const others = [
    augmentClip(clip, SR, FULL_POLICY, 43, 1, "spk1/angry_01.wav"), // another seed
    augmentClip(clip, SR, FULL_POLICY, 42, 2, "spk1/angry_01.wav"), // another copy
    augmentClip(clip, SR, FULL_POLICY, 42, 1, "spk1/angry_02.wav"), // another clip
  ];
  for (const other of others) {
    assert.notEqual(other.name, a.name);
    const n = Math.min(a.samples.length, other.samples.length);
    let difference = 0;
    for (let i = 0; i < n; i++) difference += Math.abs(a.samples[i] - other.samples[i]);
    assert.ok(difference / n > 1e-3, `copies should differ (mean |diff| ${difference / n})`);
  }
  // The default policy (chain mode with probabilities) never returns an untouched copy.
  for (let copy = 0; copy < DEFAULT_AUGMENTATION_POLICY.copies; copy++) {
    for (let id = 0; id < 10; id++) {
      const out = augmentClip(clip, SR, DEFAULT_AUGMENTATION_POLICY, 7, copy, id);
      assert.ok(out.applied.length >= 1 && out.name.length > 0);
    }
  }
  // oneOf mode applies exactly one transform.
  const oneOf = augmentClip(clip, SR, { ...FULL_POLICY, mode: "oneOf" }, 1, 0, 5);
  assert.equal(oneOf.applied.length, 1);
  assert.throws(() => augmentClip(clip, SR, FULL_POLICY, 42, 3), /copyIndex/);
});

Deno.test("augment: planAugmentation / augmentDataset keep every source's label and speaker", async () => {
  const labels = ["angry", "sad", "happy", "fear", "neutral"];
  const speakers = ["a", "a", "b", "b", "c"];
  const train = [4, 0, 2];
  const policy: AugmentationPolicy = { copies: 2, gain: { db: [-6, 6] }, noise: { snrDb: 20 } };
  const plan = planAugmentation({ indices: train, labels, speakers }, policy);
  assert.equal(plan.length, train.length * policy.copies);
  for (const entry of plan) {
    assert.equal(entry.label, labels[entry.sourceIndex]);
    assert.equal(entry.speaker, speakers[entry.sourceIndex]);
    assert.ok(train.includes(entry.sourceIndex));
  }
  const loads: number[] = [];
  const clips = train.map(() => speechLike(0.3));
  const load = (index: number) => {
    loads.push(index);
    return { samples: clips[train.indexOf(index)], sampleRate: SR };
  };
  const made = [];
  for await (const copy of augmentDataset({ indices: train, labels, speakers }, load, policy, 9)) {
    made.push(copy);
  }
  assert.deepEqual(loads, train, "each source is loaded once");
  assert.deepEqual(made.map((m) => [m.sourceIndex, m.copyIndex, m.label, m.speaker]), [
    [4, 0, "neutral", "c"],
    [4, 1, "neutral", "c"],
    [0, 0, "angry", "a"],
    [0, 1, "angry", "a"],
    [2, 0, "happy", "b"],
    [2, 1, "happy", "b"],
  ]);
  // The same copy made directly gives the same samples (seeded by clip id = index).
  const direct = augmentClip(clips[0], SR, policy, 9, 1, 4);
  assert.deepEqual(made[1].samples, direct.samples);
  assert.throws(() => planAugmentation({ indices: [5], labels }, policy), /outside/);
  assert.throws(
    () => planAugmentation({ indices: train, labels, heldOut: [1, 2] }, policy),
    /clip 2 is held out/,
  );
});

Deno.test("augment: speedPerturb scales length by 1/factor and frequency by factor", () => {
  const tone = sine(300, 3, SR, 0.5);
  for (const factor of [0.9, 1.1]) {
    const out = speedPerturb(tone, SR, factor);
    assert.equal(out.length, Math.ceil(tone.length / factor));
    const frequency = peakFrequency(out, SR);
    // Measured relative errors: 1.1e-7 (0.9), 1.2e-6 (1.1).
    assert.ok(Math.abs(frequency / (300 * factor) - 1) < 3e-6, `${factor}: ${frequency} Hz`);
  }
  assert.throws(() => speedPerturb(tone, SR, 3), /factor/);
});

Deno.test("augment: pitchShift moves a sine by 2^(n/12) and keeps the duration", () => {
  const tone = sine(300, 3, SR, 0.5);
  const before = peakFrequency(tone, SR);
  for (const semitones of [-12, -2, 2, 4, 12]) {
    const out = pitchShift(tone, SR, semitones);
    assert.equal(out.length, tone.length);
    const ratio = peakFrequency(out, SR) / before;
    // Measured relative errors: 5.9e-7 (-12), 2.3e-7 (-2), 3.3e-7 (+2), 5e-9 (+4), 2.4e-7 (+12).
    assert.ok(
      Math.abs(ratio / 2 ** (semitones / 12) - 1) < 1.5e-6,
      `${semitones} st: ratio ${ratio}, expected ${2 ** (semitones / 12)}`,
    );
    // The level stays close; phase-vocoder smearing costs a little. Measured: -0.04 (-12),
    // 0.0001 (-2), -0.83 (+2), -0.83 (+4), -1.19 dB (+12).
    const levelDb = 10 * Math.log10(power(out, 5000, 60000) / power(tone, 5000, 60000));
    assert.ok(Math.abs(levelDb) < 2.4, `${semitones} st: level ${levelDb} dB`);
  }
});

/** A 160 Hz pulse train through three formant resonators (700, 1200, 2600 Hz): a vowel. */
function syntheticVowel(seconds: number, sampleRate: number): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const period = sampleRate / 160;
  let x = new Float64Array(n);
  for (let i = 0; i < n; i++) if (Math.floor(i / period) !== Math.floor((i - 1) / period)) x[i] = 1;
  for (const [frequency, bandwidth] of [[700, 80], [1200, 100], [2600, 150]]) {
    const r = Math.exp((-Math.PI * bandwidth) / sampleRate);
    const c = 2 * r * Math.cos((2 * Math.PI * frequency) / sampleRate);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = x[i] + c * (i > 0 ? y[i - 1] : 0) - r * r * (i > 1 ? y[i - 2] : 0);
    }
    x = y;
  }
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Float32Array.from(x, (v) => (0.5 * v) / peak);
}

/** Amplitude-weighted mean frequency of the 160 Hz harmonics below 4 kHz: where the envelope is. */
function harmonicCentroid(x: Float32Array, sampleRate: number): number {
  const size = 8192;
  const fft = new RealFft(size);
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  fft.forwardFrame(x, 4000, hannWindow(size), re, im);
  let num = 0;
  let den = 0;
  for (let h = 1; h * 160 < 4000; h++) {
    const k = Math.round(((h * 160) / sampleRate) * size);
    let amplitude = 0;
    for (let j = k - 4; j <= k + 4; j++) amplitude = Math.max(amplitude, Math.hypot(re[j], im[j]));
    num += amplitude * h * 160;
    den += amplitude;
  }
  return num / den;
}

Deno.test("augment: formantShift moves the envelope by the factor and keeps pitch and length", () => {
  const vowel = syntheticVowel(1, SR);
  const medianF0 = (x: Float32Array) => {
    const f0 = Array.from(yin(x, { sampleRate: SR, fmin: 60, fmax: 500, frameLength: 1024 }))
      .slice(3, -3).sort((a, b) => a - b);
    return f0[f0.length >> 1];
  };
  const f0Before = medianF0(vowel);
  const centroidBefore = harmonicCentroid(vowel, SR);
  for (const factor of [0.85, 0.9, 1.1, 1.15]) {
    const out = formantShift(vowel, SR, factor);
    assert.equal(out.length, vowel.length);
    // Measured F0 changes: 0.6e-3 (0.85), 0.7e-3 (0.9), 4.7e-3 (1.1), 4.0e-3 Hz (1.15) of 160
    // Hz: the harmonics stay; yin's interpolation sees the reshaped waveform a little.
    const f0After = medianF0(out);
    assert.ok(Math.abs(f0After - f0Before) < 0.01, `${factor}: F0 ${f0Before} -> ${f0After}`);
    // Measured: the centroid moves by factor x (1 + e), e = 0.025 (0.85), 0.012 (0.9),
    // -0.004 (1.1), -0.018 (1.15): linear prediction's envelope is an estimate.
    const moved = harmonicCentroid(out, SR) / centroidBefore / factor - 1;
    assert.ok(Math.abs(moved) < 0.05, `${factor}: centroid off by ${moved}`);
  }
  // Without a warp the analysis/synthesis chain gives the input back (measured 1.9e-7).
  const same = formantShift(vowel, SR, 1 + 1e-9);
  assert.ok(same.every((v, i) => Math.abs(v - vowel[i]) < 4e-7));
  assert.deepEqual(formantShift(vowel, SR, 1), vowel);
  assert.throws(() => formantShift(vowel, SR, 1.6), /formantShift: factor must be in \[0.7, 1.4\]/);
  // In a policy: seeded like every transform, and named in the copy's tag.
  const policy: AugmentationPolicy = { copies: 1, formant: { factor: [0.9, 1.1] } };
  const a = augmentClip(vowel, SR, policy, 7, 0, "v.wav");
  const b = augmentClip(vowel, SR, policy, 7, 0, "v.wav");
  assert.match(a.name, /^formant×(0\.9\d|1\.0\d|1\.10)$/);
  assert.deepEqual(a.samples, b.samples);
});

Deno.test("augment: timeStretch changes the length by 1/rate and keeps the frequency", () => {
  const tone = sine(300, 2, SR, 0.5);
  for (const rate of [0.8, 1.25]) {
    const out = timeStretch(tone, rate);
    assert.equal(out.length, Math.round(tone.length / rate));
    const frequency = peakFrequency(out, SR);
    // Measured relative errors: 1.3e-6 (0.8), 5e-7 (1.25).
    assert.ok(Math.abs(frequency / 300 - 1) < 3e-6, `${rate}: ${frequency} Hz`);
  }
});

Deno.test("augment: addNoise reaches the requested SNR for every colour; colours have their slopes", () => {
  const clip = speechLike(3);
  for (const color of NOISE_COLORS) {
    for (const target of [0, 10, 25]) {
      const noisy = addNoise(clip, target, color, mulberry32(target + 1));
      assert.equal(noisy.length, clip.length);
      // Measured: worst error 2.8e-8 dB over these 12 cases (float32 rounding); 0.1 dB asked.
      assert.ok(Math.abs(snrDb(clip, noisy) - target) < 1e-7, `${color} ${target} dB`);
    }
  }
  // Spectral slope in dB per octave between 200-400 Hz and 3.2-6.4 kHz (4 octaves apart),
  // averaged over 2048-sample frames: white 0, pink -3, brown -6 dB/octave.
  const slope = (noise: Float32Array): number => {
    const fft = new RealFft(2048);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    const spectrum = new Float64Array(fft.bins);
    for (let start = 0; start + 2048 <= noise.length; start += 2048) {
      const frame = new Float64Array(2048);
      for (let i = 0; i < 2048; i++) {
        frame[i] = noise[start + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 2048));
      }
      fft.forward(frame, re, im);
      for (let k = 0; k < fft.bins; k++) spectrum[k] += re[k] ** 2 + im[k] ** 2;
    }
    const band = (lo: number, hi: number) => {
      let sum = 0;
      const a = Math.round((lo * 2048) / SR);
      const b = Math.round((hi * 2048) / SR);
      for (let k = a; k < b; k++) sum += spectrum[k];
      return sum / (b - a);
    };
    return (10 * Math.log10(band(3200, 6400) / band(200, 400))) / 4;
  };
  const random = mulberry32(11);
  const measured = {
    white: slope(synthNoise(SR * 4, "white", random)),
    pink: slope(synthNoise(SR * 4, "pink", random)),
    brown: slope(synthNoise(SR * 4, "brown", random)),
  };
  // Measured: white +0.03, pink -2.92, brown -6.03 dB/octave (ideal 0, -3.01, -6.02).
  assert.ok(Math.abs(measured.white) < 0.2, `white ${measured.white}`);
  assert.ok(Math.abs(measured.pink + 3.01) < 0.2, `pink ${measured.pink}`);
  assert.ok(Math.abs(measured.brown + 6.02) < 0.2, `brown ${measured.brown}`);
  // A silent clip has no SNR: it comes back unchanged.
  assert.deepEqual(
    addNoise(new Float32Array(100), 10, "white", mulberry32(1)),
    new Float32Array(100),
  );
});

Deno.test("augment: applyGain multiplies by 10^(dB/20) exactly", () => {
  const clip = speechLike(0.5);
  for (const db of [-6, 0, 3.5]) {
    const out = applyGain(clip, db);
    const scale = 10 ** (db / 20);
    for (let i = 0; i < clip.length; i++) assert.equal(out[i], Math.fround(clip[i] * scale));
    const measured = 10 * Math.log10(power(out) / power(clip));
    assert.ok(Math.abs(measured - db) < 1e-4, `${db} dB measured ${measured}`);
  }
});

Deno.test("augment: reverb keeps length and level; its impulse response decays 60 dB over RT60", () => {
  const rt60 = 0.4;
  const ir = synthImpulseResponse(SR, rt60, mulberry32(4));
  assert.equal(ir.length, Math.round(rt60 * SR));
  assert.equal(ir[0], 0);
  assert.ok(Math.abs(power(ir) * ir.length - 1) < 1e-5, "unit energy");
  // Energy of the first vs the last third: the envelope falls 40 dB between their centres.
  const third = Math.floor(ir.length / 3);
  const drop = 10 * Math.log10(power(ir, 0, third) / power(ir, 2 * third, 3 * third));
  // Measured: 40.2 dB (the noise realisation and the decay's curvature within a third).
  assert.ok(Math.abs(drop - 40) < 0.5, `decay ${drop} dB`);
  const clip = speechLike(1);
  const out = reverb(clip, SR, { rt60, wet: 0.5 }, mulberry32(4));
  assert.equal(out.length, clip.length);
  // Measured: level change 1.1e-9 dB; dry-to-change ratio 2.8 dB at 50 % wet.
  assert.ok(Math.abs(10 * Math.log10(power(out) / power(clip))) < 3e-9, "same level");
  assert.ok(snrDb(clip, out) < 5, "audibly different");
  const dry = reverb(clip, SR, { rt60, wet: 0 }, mulberry32(4));
  assert.ok(dry.every((v, i) => Math.abs(v - clip[i]) < 1e-7), "wet 0 is the input");
});

Deno.test("augment: specAugment masks the drawn spans of the maskable columns only", () => {
  const frames = 130;
  const width = 60;
  const random = mulberry32(3);
  const data = Float32Array.from({ length: frames * width }, () => 1 + random());
  const columns = { start: 10, end: 50 };
  let maskedCells = 0;
  for (let seed = 0; seed < 20; seed++) {
    const result = specAugment(
      { frames, width, data },
      { timeMasks: 2, maxTimeWidth: 15, frequencyMasks: 2, maxFrequencyWidth: 8, columns },
      mulberry32(seed),
    );
    const inTime = (t: number) => result.timeMasks.some(([a, b]) => t >= a && t < b);
    const inFrequency = (c: number) => result.frequencyMasks.some((mask) => mask.includes(c));
    for (const [a, b] of result.timeMasks) assert.ok(b - a <= 15 && a >= 0 && b <= frames);
    for (const mask of result.frequencyMasks) {
      assert.ok(mask.length <= 8);
      mask.forEach((c, i) => assert.equal(c, mask[0] + i, "consecutive columns"));
      for (const c of mask) assert.ok(c >= 10 && c < 50);
    }
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < width; c++) {
        const maskable = c >= 10 && c < 50;
        const expectMasked = maskable && (inTime(t) || inFrequency(c));
        const value = result.data[t * width + c];
        if (expectMasked) {
          assert.equal(value, 0);
          maskedCells++;
        } else assert.equal(value, data[t * width + c]);
      }
    }
  }
  assert.ok(maskedCells > 1000, `masks were drawn (${maskedCells} cells)`);
  // A column list and "mean" filling: masked cells hold the column's mean over the frames.
  const listed = specAugment(
    { frames, width, data },
    {
      columns: [5, 7, 9],
      frequencyMasks: 1,
      maxFrequencyWidth: 3,
      timeMasks: 0,
      maskValue: "mean",
    },
    mulberry32(8),
  );
  for (const c of listed.frequencyMasks[0]) {
    let mean = 0;
    for (let t = 0; t < frames; t++) mean += data[t * width + c];
    mean /= frames;
    assert.ok(Math.abs(listed.data[c] - mean) < 1e-6);
  }
  assert.throws(() => specAugment({ frames, width, data }, { columns: [60] }, random), /column 60/);
});

Deno.test("augment: mixup mixes features and labels; mixed labels sum to 1; λ ~ Beta(α, α)", () => {
  const mixed = mixup(
    { x: Float32Array.of(1, 1), y: [1, 0, 0] },
    { x: Float32Array.of(0, 2), y: [0, 0, 1] },
    0.25,
  );
  assert.deepEqual(mixed.x, Float32Array.of(0.25, 1.75));
  assert.deepEqual(mixed.y, Float32Array.of(0.25, 0, 0.75));
  const random = mulberry32(5);
  const batch = Array.from({ length: 64 }, (_, i) => {
    const y = new Float32Array(7);
    y[i % 7] = 1;
    return { x: Float32Array.from({ length: 10 }, () => random()), y };
  });
  const { examples, partners, lambdas } = mixupBatch(batch, 0.2, random);
  assert.deepEqual([...partners].sort((a, b) => a - b), batch.map((_, i) => i));
  examples.forEach((example, i) => {
    const sum = example.y.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `label mix sums to ${sum}`);
    assert.ok(lambdas[i] >= 0 && lambdas[i] <= 1);
    const j = partners[i];
    assert.ok(
      Math.abs(example.x[3] - (lambdas[i] * batch[i].x[3] + (1 - lambdas[i]) * batch[j].x[3])) <
        1e-6,
    );
  });
  // Beta(α, α): mean 1/2, variance 1 / (4 (2α + 1)) = 0.1786 for α = 0.2, 0.0833 for α = 1.
  const betaRandom = mulberry32(12);
  for (const alpha of [0.2, 1]) {
    const draws = Array.from({ length: 20000 }, () => mixupLambda(betaRandom, alpha));
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
    // Measured deviations: mean +0.0027 / -0.0035, variance -0.00009 / -0.00035 (α 0.2 / 1);
    // the standard error of the mean is 0.003 / 0.002.
    assert.ok(Math.abs(mean - 0.5) < 0.008, `α ${alpha}: mean ${mean}`);
    assert.ok(
      Math.abs(variance - 1 / (4 * (2 * alpha + 1))) < 0.001,
      `α ${alpha}: variance ${variance}`,
    );
  }
});

Deno.test("augment: policyKey is stable under key order and defaults, and changes with the policy", () => {
  const a: AugmentationPolicy = { copies: 2, gain: { db: [-6, 6] }, noise: { snrDb: [10, 30] } };
  const b: AugmentationPolicy = {
    noise: { colors: ["white"], probability: 1, snrDb: [10, 30] },
    mode: "chain",
    gain: { probability: 1, db: [-6, 6] },
    copies: 2,
  };
  assert.equal(policyKey(a), policyKey(b));
  assert.match(policyKey(a), /^augment-v1:\{/);
  assert.notEqual(policyKey(a), policyKey({ ...a, copies: 3 }));
  assert.notEqual(policyKey(a), policyKey({ ...a, gain: { db: [-6, 5] } }));
  assert.equal(
    policyKey(DEFAULT_AUGMENTATION_POLICY),
    policyKey(structuredClone(DEFAULT_AUGMENTATION_POLICY)),
  );
  assert.throws(() => policyKey({ copies: 1, speed: { factor: 3 } }), /policy\.speed\.factor/);
  assert.throws(() => policyKey({ copies: 1 }), /no transform/);
  assert.throws(
    () => policyKey({ copies: 1, gain: { db: 1 }, warp: 2 } as AugmentationPolicy),
    /policy\.warp/,
  );
});

Deno.test("visualizer: augmentationFigure draws the original beside its copies; audioPlayerHtml embeds a WAV", () => {
  const clip = speechLike(1);
  const copies = [0, 1, 2].map((copy) => augmentClip(clip, SR, FULL_POLICY, 1, copy, "x"));
  const figure = augmentationFigure({ name: "original", samples: clip }, copies, {
    sampleRate: SR,
  });
  assert.equal(figure.data.length, 4);
  const traces = figure.data as HeatmapTrace[];
  assert.deepEqual(traces.map((t) => t.name), ["original", ...copies.map((c) => c.name)]);
  traces.forEach((trace, i) => {
    assert.equal(trace.z.length, 128);
    // 1 + floor(samples / hop) frames: speed-perturbed copies are longer or shorter.
    const samples = i === 0 ? clip.length : copies[i - 1].samples.length;
    assert.equal(trace.z[0].length, 1 + Math.floor(samples / 512));
    const values = trace.z.flat();
    assert.ok(Math.min(...values) >= -80 && Math.max(...values) <= (i === 0 ? 0 : 20));
  });
  assert.equal(Math.max(...traces[0].z.flat()), 0, "dB relative to the original's peak");
  // 4 panels in 3 columns: two rows, axes in [0, 1].
  for (const [key, axis] of Object.entries(figure.layout)) {
    if (/^[xy]axis\d*$/.test(key)) {
      const [lo, hi] = (axis as { domain: [number, number] }).domain;
      assert.ok(lo >= 0 && hi <= 1 && lo < hi, `${key} ${lo}..${hi}`);
    }
  }
  assert.equal(figure.layout.annotations!.length, 4);

  const html = audioPlayerHtml(clip, SR, { label: "original <angry>" });
  assert.match(html, /original &lt;angry&gt;<\/span><audio controls/);
  const base64 = html.match(/src="data:audio\/wav;base64,([^"]+)"/)![1];
  const wav = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const decoded = decodeWav(wav);
  assert.equal(decoded.sampleRate, SR);
  assert.equal(decoded.channels[0].length, clip.length);
  for (let i = 0; i < clip.length; i += 97) {
    assert.ok(Math.abs(decoded.channels[0][i] - clip[i]) <= 1 / 32768);
  }
  // Louder than full scale: scaled to peak 1, not clipped.
  const loud = decodeWav(Uint8Array.from(
    atob(audioPlayerHtml(Float32Array.of(0, 2, -1), 8000).match(/base64,([^"]+)"/)![1]),
    (c) => c.charCodeAt(0),
  )).channels[0];
  assert.ok(Math.abs(loud[1] - 1) < 1e-4 && Math.abs(loud[2] + 0.5) < 1e-4);
});
