// Overlapping windows share their frame analyses (STFT, pYIN observations) and still give each
// window's functionals to the bit; the pool's runs and the timeline's frame-rounded hop.
import assert from "node:assert/strict";
import { utteranceFeatures, utteranceFeaturesOfWindows } from "../lib/features/mod.ts";
import { pyin, pyinDecode, pyinObservations } from "../lib/features/pitch.ts";
import { runFunctionals, windowRuns } from "../lib/inference/window_runs.ts";
import { timelineHop, windowStarts } from "../lib/inference/mod.ts";
import { recording } from "./speech_like.ts";

const RATE = 22050;
const WINDOW = 3 * RATE;
const HOP = 86 * 256;

/** Voices, faint-noise gaps and stretches of exact digital silence (the STFT skips those). */
function talk(): Float32Array {
  const { samples } = recording([
    { f0: 140, seconds: 2.3 },
    { f0: null, seconds: 0.7 },
    { f0: 230, seconds: 3.1 },
    { f0: 180, seconds: 1.9 },
    { f0: null, seconds: 0.4 },
    { f0: 110, seconds: 2.6 },
  ], RATE);
  const out = new Float32Array(samples.length + 2 * RATE);
  out.set(samples);
  // Digital silence inside (a window ends in it) and at the end (the last windows' tails).
  out.fill(0, Math.round(5.2 * RATE), Math.round(6.6 * RATE));
  return out;
}

function assertSameBits(actual: Float32Array[], expected: Float32Array[], what: string) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i].length, `${what}: window ${i} length`);
    for (let j = 0; j < row.length; j++) {
      assert.ok(
        Object.is(row[j], expected[i][j]),
        `${what}: window ${i} value ${j}: ${row[j]} != ${expected[i][j]}`,
      );
    }
  });
}

Deno.test("pyinObservations + pyinDecode is pyin", () => {
  const signal = talk().subarray(0, 2 * RATE);
  const options = { sampleRate: RATE, frameLength: 2048, hopLength: 256, fmin: 65, fmax: 600 };
  const whole = pyin(signal, options);
  const split = pyinDecode(pyinObservations(signal, options), options);
  assert.deepEqual(split.f0, whole.f0);
  assert.deepEqual(split.voiced, whole.voiced);
  assert.deepEqual(split.voicedProb, whole.voicedProb);
  assert.ok(whole.voiced.some((v) => v === 1) && whole.voiced.some((v) => v === 0));
  // Rows of another framing do not fit.
  assert.throws(
    () => pyinDecode(pyinObservations(signal, options), { ...options, fmax: 400 }),
    /pitch bins/,
  );
});

Deno.test("utteranceFeaturesOfWindows: overlapping windows equal each window alone, bit for bit", () => {
  const signal = talk();
  const options = { sampleRate: RATE };
  // The timeline's windows at the frame-rounded hop, plus the end-aligned last one (off grid).
  const starts = windowStarts(signal.length, WINDOW, HOP);
  assert.ok(starts.length >= 10 && starts[starts.length - 1] % 256 !== 0);
  const alone = starts.map((s) =>
    utteranceFeatures(signal.subarray(s, s + WINDOW), options).values
  );
  assertSameBits(utteranceFeaturesOfWindows(signal, starts, WINDOW, options), alone, "1 s hop");

  // Half-second hops, windows skipped (as unvoiced ones are), and a start off the grid.
  const half = 43 * 256;
  const mixed = [0, half, 3 * half, 4 * half + 100, 5 * half, 6 * half, 9 * half];
  const mixedAlone = mixed.map((s) =>
    utteranceFeatures(signal.subarray(s, s + WINDOW), options).values
  );
  assertSameBits(utteranceFeaturesOfWindows(signal, mixed, WINDOW, options), mixedAlone, "mixed");

  // Other analysis settings (hop 128, FFT 512), and windows with a single inside pYIN frame.
  const other = { sampleRate: RATE, nFft: 512, hopLength: 128, fmin: 80, fmax: 500 };
  const otherStarts = [0, 128 * 40, 128 * 80, 128 * 120];
  assertSameBits(
    utteranceFeaturesOfWindows(signal, otherStarts, 2 * RATE, other),
    otherStarts.map((s) => utteranceFeatures(signal.subarray(s, s + 2 * RATE), other).values),
    "hop 128",
  );
  const tiny = [RATE, RATE + 256, RATE + 512];
  assertSameBits(
    utteranceFeaturesOfWindows(signal, tiny, 2200, options),
    tiny.map((s) => utteranceFeatures(signal.subarray(s, s + 2200), options).values),
    "short windows",
  );

  assert.throws(
    () => utteranceFeaturesOfWindows(signal, [signal.length - 10], WINDOW, options),
    /window 0 .* not inside the signal/,
  );
});

Deno.test("windowRuns: a timeline's views become one run; copies stay runs of their own", () => {
  const signal = talk();
  const starts = [0, HOP, 2 * HOP, 4 * HOP];
  const views = starts.map((s) => signal.subarray(s, s + WINDOW));
  const runs = windowRuns(views);
  assert.equal(runs.length, 1);
  assert.deepEqual(runs[0].starts, starts);
  assert.equal(runs[0].signal.length, 4 * HOP + WINDOW);
  assert.equal(runs[0].signal[HOP + 5], signal[HOP + 5]);
  const copies = views.map((w) => w.slice());
  assert.equal(windowRuns(copies).length, 4);
  assertSameBits(
    runFunctionals(runs, { sampleRate: RATE }, RATE),
    runFunctionals(windowRuns(copies), { sampleRate: RATE }, RATE),
    "views vs copies",
  );
});

Deno.test("timelineHop: the default hop rounds to whole frames, an explicit one is kept", () => {
  assert.equal(timelineHop(1, RATE, WINDOW, { explicit: false, frameHop: 256 }), HOP);
  assert.equal(timelineHop(1, RATE, WINDOW, { explicit: true, frameHop: 256 }), RATE);
  assert.equal(timelineHop(1, RATE, WINDOW, { explicit: false }), RATE);
  // Never below one frame, never beyond the window.
  assert.equal(timelineHop(0.001, RATE, WINDOW, { explicit: false, frameHop: 256 }), 256);
  assert.equal(timelineHop(1, RATE, 200, { explicit: false, frameHop: 256 }), RATE);
});
