/**
 * The fast parts of pYIN against their plain definitions (always run, synthesized data):
 * - the Viterbi decoder of lib/features/pitch_hmm.ts against librosa's O(frames x states^2)
 *   recursion (`np.argmax` over every source of every state) on pYIN-like and on random
 *   emissions: the same path;
 * - YIN's autocorrelation by hop-sized blocks (lib/features/pitch.ts `Autocorrelation`) against
 *   the direct sum over each frame.
 * librosa parity of the whole pYIN is in tests/prosody_test.ts.
 */
import assert from "node:assert/strict";
import { type HmmModel, hmmModel, LOG_TINY64, TINY64, viterbi } from "../lib/features/pitch_hmm.ts";
import { Autocorrelation } from "../lib/features/pitch.ts";
import { mulberry32 } from "../lib/util/random.ts";

/** librosa.sequence._viterbi with the model's dense log transition matrix. */
function plainViterbi(
  logObs: Float64Array,
  frames: number,
  logInit: Float64Array,
  model: HmmModel,
): Int32Array {
  const { bins, lo, hi, base } = model;
  const states = 2 * bins;
  // logTrans[source * states + destination]
  const logTrans = new Float64Array(states * states).fill(LOG_TINY64);
  for (let from = 0; from < 2; from++) {
    for (let to = 0; to < 2; to++) {
      const table = from === to ? model.stay.log : model.change.log;
      for (let j = 0; j < bins; j++) {
        for (let k = lo[j]; k <= hi[j]; k++) {
          logTrans[(from * bins + k) * states + to * bins + j] = table[base[j] + k];
        }
      }
    }
  }
  const value = new Float64Array(frames * states);
  const pointer = new Int32Array(frames * states);
  for (let s = 0; s < states; s++) value[s] = logObs[s] + logInit[s];
  for (let t = 1; t < frames; t++) {
    for (let j = 0; j < states; j++) {
      let best = -Infinity, arg = 0;
      for (let k = 0; k < states; k++) {
        const candidate = value[(t - 1) * states + k] + logTrans[k * states + j];
        if (candidate > best) {
          best = candidate;
          arg = k;
        }
      }
      pointer[t * states + j] = arg;
      value[t * states + j] = logObs[t * states + j] + best;
    }
  }
  const path = new Int32Array(frames);
  let last = 0;
  const end = (frames - 1) * states;
  for (let s = 1; s < states; s++) if (value[end + s] > value[end + last]) last = s;
  path[frames - 1] = last;
  for (let t = frames - 2; t >= 0; t--) path[t] = pointer[(t + 1) * states + path[t + 1]];
  return path;
}

/**
 * Emissions shaped like pYIN's: per frame a voicing probability (sometimes exactly 0 or 1),
 * a few voiced bins with probability (a wandering, now and then jumping track plus random
 * troughs), `log(tiny)`
 * elsewhere, and the unvoiced block at `log((1 - p) / bins + tiny)`.
 */
function pyinLikeEmissions(bins: number, frames: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const states = 2 * bins;
  const logObs = new Float64Array(frames * states);
  let track = Math.floor(random() * bins);
  for (let t = 0; t < frames; t++) {
    const observed = new Float64Array(bins);
    const mode = random();
    if (mode > 0.2) {
      // Mostly small steps; now and then a jump far outside the transition band, which a path
      // through voiced frames (p = 1) can only take by an out-of-band transition.
      track = random() < 0.05
        ? Math.floor(random() * bins)
        : Math.min(bins - 1, Math.max(0, track + Math.round((random() - 0.5) * 8)));
      observed[track] = mode > 0.6 ? 0.5 + 0.5 * random() : 0.3 * random();
      const extra = Math.floor(random() * 6);
      for (let i = 0; i < extra; i++) observed[Math.floor(random() * bins)] += 0.1 * random();
    }
    let sum = 0;
    for (let b = 0; b < bins; b++) sum += observed[b];
    // Now and then exactly 1 (librosa clips the sum), the unvoiced block then at log(tiny).
    const p = mode > 0.9 ? 1 : Math.min(1, sum);
    for (let b = 0; b < bins; b++) logObs[t * states + b] = Math.log(observed[b] + TINY64);
    const unvoiced = Math.log((1 - p) / bins + TINY64);
    for (let b = bins; b < states; b++) logObs[t * states + b] = unvoiced;
  }
  return logObs;
}

function initOf(bins: number): Float64Array {
  const logInit = new Float64Array(2 * bins);
  for (let s = 0; s < 2 * bins; s++) {
    logInit[s] = s < bins ? LOG_TINY64 : Math.log(1 / bins + TINY64);
  }
  return logInit;
}

function assertSamePath(fast: Int32Array, plain: Int32Array, what: string) {
  const differing = fast.findIndex((s, t) => s !== plain[t]);
  assert.equal(differing, -1, `${what}: paths differ first at frame ${differing}`);
}

Deno.test("pYIN Viterbi: the fast decoder's path equals the plain recursion's on pYIN-like emissions", () => {
  // pYIN's own sizes in the utterance functionals (385 bins, width 51), and smaller HMMs with
  // an even width (two equal peak transitions) and a width close to the number of bins.
  const cases = [
    { bins: 385, width: 51, frames: 60, seeds: [1, 2] },
    { bins: 80, width: 12, frames: 200, seeds: [3, 4, 5] },
    { bins: 40, width: 39, frames: 200, seeds: [6] },
    { bins: 120, width: 21, frames: 300, seeds: [7, 8] },
  ];
  let voicedFrames = 0;
  for (const { bins, width, frames, seeds } of cases) {
    const model = hmmModel(bins, width, 0.01);
    for (const seed of seeds) {
      const logObs = pyinLikeEmissions(bins, frames, seed);
      const fast = viterbi(logObs, frames, initOf(bins), model);
      assertSamePath(fast, plainViterbi(logObs, frames, initOf(bins), model), `${bins}/${seed}`);
      voicedFrames += fast.filter((s) => s < bins).length;
    }
  }
  // Both voicing blocks are visited (the test would be weak on all-unvoiced paths).
  assert.ok(voicedFrames > 300, `only ${voicedFrames} voiced frames`);
});

Deno.test("pYIN Viterbi: the same path on dense random emissions and switch probabilities", () => {
  // Every state finite and rough: the divide-and-conquer and out-of-band parts do the work.
  for (const [seed, switchProb, spread] of [[11, 0.01, 5], [12, 0.3, 50], [13, 0.01, 800]]) {
    const bins = 90, frames = 150;
    const random = mulberry32(seed);
    const logObs = new Float64Array(frames * 2 * bins).map(() => -spread * random());
    const model = hmmModel(bins, 15, switchProb);
    const fast = viterbi(logObs, frames, initOf(bins), model);
    assertSamePath(fast, plainViterbi(logObs, frames, initOf(bins), model), `seed ${seed}`);
  }
  // One frame: only the initial argmax.
  const model = hmmModel(30, 5, 0.01);
  const single = Float64Array.from({ length: 60 }, (_, s) => (s === 42 ? -1 : -2));
  assert.deepEqual([...viterbi(single, 1, initOf(30), model)], [42]);
  assert.equal(viterbi(new Float64Array(0), 0, initOf(30), model).length, 0);
});

/** acf[t][tau] = sum_{i<W} y[s+i] y[s+i+tau], s = t*hop - padding + 1, y zero outside. */
function directAcf(
  samples: Float32Array,
  t: number,
  winLength: number,
  hopLength: number,
  padding: number,
  maxPeriod: number,
): Float64Array {
  const y = (s: number) => (s >= 0 && s < samples.length ? samples[s] : 0);
  const start = t * hopLength - padding + 1;
  const out = new Float64Array(maxPeriod + 1);
  for (let tau = 0; tau <= maxPeriod; tau++) {
    let sum = 0;
    for (let i = 0; i < winLength; i++) sum += y(start + i) * y(start + i + tau);
    out[tau] = sum;
  }
  return out;
}

Deno.test("YIN autocorrelation: hop-sized blocks and whole frames equal the direct sum", () => {
  const random = mulberry32(21);
  const samples = new Float32Array(9000).map((_, i) =>
    0.5 * Math.sin(i / 7) + 0.3 * (random() - 0.5)
  );
  const framings = [
    // Blocked (winLength a multiple of the hop), centred: the utterance functionals' framing.
    {
      frameLength: 2048,
      winLength: 1024,
      hopLength: 256,
      minPeriod: 36,
      maxPeriod: 340,
      center: true,
    },
    // librosa's defaults, uncentred.
    {
      frameLength: 2048,
      winLength: 1024,
      hopLength: 512,
      minPeriod: 36,
      maxPeriod: 340,
      center: false,
    },
    // Not a multiple: one FFT per frame.
    {
      frameLength: 1024,
      winLength: 500,
      hopLength: 300,
      minPeriod: 20,
      maxPeriod: 400,
      center: true,
    },
  ];
  for (const framing of framings) {
    const padding = framing.center ? framing.frameLength >> 1 : 0;
    const frames = 1 +
      Math.floor((samples.length + 2 * padding - framing.frameLength) / framing.hopLength);
    const acf = new Autocorrelation(samples, framing, padding);
    const out = new Float64Array(framing.maxPeriod + 1);
    let worst = 0;
    for (let t = 0; t < frames; t++) {
      acf.next(out);
      const direct = directAcf(
        samples,
        t,
        framing.winLength,
        framing.hopLength,
        padding,
        framing.maxPeriod,
      );
      // Relative to the frame's energy (acf at lag 0), the scale of YIN's difference.
      const scale = Math.max(direct[0], 1e-12);
      for (let tau = 0; tau <= framing.maxPeriod; tau++) {
        worst = Math.max(worst, Math.abs(out[tau] - direct[tau]) / scale);
      }
    }
    // Measured: 2.1e-14 (hop 256, blocked), 3.2e-15 (hop 512), 3.4e-15 (per frame).
    assert.ok(worst < 5e-14, `hop ${framing.hopLength}: ${worst} of the frame energy`);
  }
});
