/**
 * pYIN's hidden Markov model and its Viterbi decoding, as `librosa.sequence.transition_local`,
 * `transition_loop` and `viterbi` (0.9.2) compute them for `librosa.pyin`: voiced and unvoiced
 * copies of the pitch bins, local triangular pitch transitions within a copy, voicing switches
 * between copies. Internal to {@link ./pitch.ts}; a file of its own so that tests can check the
 * fast decoder against the plain O(frames x states^2) recursion.
 *
 * @module
 */

/** Largest scratch buffer kept between calls, in elements (a 3 s window needs ~0.2 M). */
const SCRATCH_LIMIT = 1 << 20;
const scratchBuffers = new Map<string, Float64Array | Float32Array | Uint16Array>();

/**
 * A buffer of `length` elements for one call's working arrays, reused by the next call of the
 * same thread (timelines call pYIN hundreds of times; fresh multi-megabyte arrays each time
 * cost their zeroing and the collector's time). Contents are stale: callers write every element
 * they read. Buffers over {@link SCRATCH_LIMIT} elements are not kept. Names are one namespace
 * for lib/features (pYIN's, and the overlapping windows' in `utterance_windows.ts`).
 */
export function scratch(name: string, kind: "f64", length: number): Float64Array;
export function scratch(name: string, kind: "f32", length: number): Float32Array;
export function scratch(name: string, kind: "u16", length: number): Uint16Array;
export function scratch(
  name: string,
  kind: "f64" | "f32" | "u16",
  length: number,
): Float64Array | Float32Array | Uint16Array {
  const make = () =>
    kind === "f64"
      ? new Float64Array(length)
      : kind === "f32"
      ? new Float32Array(length)
      : new Uint16Array(length);
  if (length > SCRATCH_LIMIT) return make();
  const key = `${kind}:${name}`;
  let buffer = scratchBuffers.get(key);
  if (!buffer || buffer.length < length) {
    buffer = make();
    scratchBuffers.set(key, buffer);
  }
  return buffer.subarray(0, length);
}

/** `np.finfo(np.float64).tiny`, librosa's guard against division by zero and log(0). */
export const TINY64 = 2.2250738585072014e-308;
/** `log(tiny)`: the log transition probability of every pair of states outside the band. */
export const LOG_TINY64 = Math.log(TINY64);

/** scipy's `triang(M, sym=True)` = `get_window("triangle", M, fftbins=False)`. */
function triangle(width: number): Float64Array {
  const w = new Float64Array(width);
  if (width <= 1) return w.fill(1);
  const halfCount = (width + 1) >> 1;
  for (let n = 1; n <= halfCount; n++) {
    const v = width % 2 === 0 ? (2 * n - 1) / width : (2 * n) / (width + 1);
    w[n - 1] = v;
    w[width - n] = v;
  }
  return w;
}

/**
 * The banded part of `librosa.sequence.transition_local(states, width, window="triangle",
 * wrap=False)`, column by column: for destination state j, sources `lo[j]..hi[j]` have
 * probability `weights[offset[j] + k - lo[j]]`; all other sources have probability 0.
 */
interface LocalTransition {
  lo: Int32Array;
  hi: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

function localTransition(states: number, width: number): LocalTransition {
  if (width > states) {
    throw new RangeError(
      `lib/features/pitch.ts pyin: the transition width (${width} pitch bins) exceeds the ` +
        `${states} pitch bins; lower maxTransitionRate or widen fmin..fmax`,
    );
  }
  const window = triangle(width);
  const matrix = new Float64Array(states * states);
  const row = new Float64Array(states);
  const padLeft = Math.floor((states - width) / 2);
  for (let i = 0; i < states; i++) {
    row.fill(0);
    const roll = Math.floor(states / 2) + i + 1;
    for (let w = 0; w < width; w++) row[(padLeft + w + roll) % states] = window[w];
    const keepFrom = Math.max(0, i - Math.floor(width / 2));
    const keepTo = Math.min(states, i + Math.floor(width / 2) + 1);
    let sum = 0;
    for (let j = 0; j < states; j++) {
      if (j < keepFrom || j >= keepTo) row[j] = 0;
      sum += row[j];
    }
    for (let j = 0; j < states; j++) matrix[i * states + j] = row[j] / sum;
  }
  const lo = new Int32Array(states), hi = new Int32Array(states), offset = new Int32Array(states);
  let total = 0;
  for (let j = 0; j < states; j++) {
    let first = -1, last = -1;
    for (let k = 0; k < states; k++) {
      if (matrix[k * states + j] > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    lo[j] = first;
    hi[j] = last;
    offset[j] = total;
    total += last - first + 1;
  }
  const weights = new Float64Array(total);
  for (let j = 0; j < states; j++) {
    for (let k = lo[j]; k <= hi[j]; k++) weights[offset[j] + k - lo[j]] = matrix[k * states + j];
  }
  return { lo, hi, offset, weights };
}

/**
 * One block pair's in-band log transitions (same block: `stay`, other block: `change`), per
 * destination pitch bin j, sources `lo[j]..hi[j]` of the source block.
 */
export interface BandTransitions {
  /** `log(p * weight + tiny)`; source k of destination j at `base[j] + k`. */
  log: Float64Array;
  /** Largest in-band log transition of each destination. */
  max: Float64Array;
  /** The lowest source with that largest transition. */
  peak: Int32Array;
  /** Largest in-band log transition of any other source (-Infinity when there is none). */
  second: Float64Array;
}

/**
 * Log transition probabilities of pYIN's 2-block HMM (`np.kron(transition_loop(2, 1 - switch),
 * local)`, then `log(p + tiny)`), per destination pitch bin j: its in-band sources
 * `lo[j]..hi[j]` (in either voicing block) with `stay` (same block) and `change` (other block)
 * log probabilities. Out-of-band sources have log probability `log(tiny)`.
 */
export interface HmmModel {
  /** Pitch bins per voicing block; states are `2 * bins`. */
  bins: number;
  lo: Int32Array;
  hi: Int32Array;
  /** `offset[j] - lo[j]`, where `offset[j]` is destination j's first entry. */
  base: Int32Array;
  stay: BandTransitions;
  change: BandTransitions;
}

const hmmCache = new Map<string, HmmModel>();

/**
 * The transitions of pYIN's HMM (cached: every window of a timeline uses the same).
 *
 * @param bins pitch bins per voicing block
 * @param width the local transition's width in bins (`librosa.pyin`'s `max_semitones_per_frame
 *   * bins_per_semitone + 1`)
 * @param switchProb probability of switching voicing per frame, in (0, 1)
 */
export function hmmModel(bins: number, width: number, switchProb: number): HmmModel {
  const key = `${bins}/${width}/${switchProb}`;
  let model = hmmCache.get(key);
  if (model) return model;
  const { lo, hi, offset, weights } = localTransition(bins, width);
  const base = new Int32Array(bins);
  for (let j = 0; j < bins; j++) base[j] = offset[j] - lo[j];
  // transition_loop(2, p): diagonal p, off-diagonal (1 - p) / 1, with p = 1 - switchProb.
  const stayProb = 1 - switchProb;
  const changeProb = 1 - stayProb;
  const band = (probability: number): BandTransitions => {
    const log = new Float64Array(weights.length);
    for (let i = 0; i < weights.length; i++) log[i] = Math.log(probability * weights[i] + TINY64);
    const max = new Float64Array(bins).fill(-Infinity);
    const peak = new Int32Array(bins);
    const second = new Float64Array(bins).fill(-Infinity);
    for (let j = 0; j < bins; j++) {
      for (let k = lo[j]; k <= hi[j]; k++) {
        if (log[base[j] + k] > max[j]) {
          max[j] = log[base[j] + k];
          peak[j] = k;
        }
      }
      for (let k = lo[j]; k <= hi[j]; k++) {
        if (k !== peak[j]) second[j] = Math.max(second[j], log[base[j] + k]);
      }
    }
    return { log, max, peak, second };
  };
  model = { bins, lo, hi, base, stay: band(stayProb), change: band(changeProb) };
  if (hmmCache.size > 16) hmmCache.clear();
  hmmCache.set(key, model);
  return model;
}

/** Best source (block position) of each destination solved so far, for {@link solveBlock}. */
let solvedArgs = new Int32Array(0);

/**
 * In-band maxima of one source block for destinations jLo..jHi, by divide and conquer over
 * destinations (the best source is non-decreasing in the destination, see {@link viterbi}):
 * level by level, destinations `jLo + i` with `i + 1` a multiple of `step` (halving from the
 * largest power of two), each searching only between the best sources of its nearest solved
 * neighbours `i - step` and `i + step`. Folds each into `best`/`bestIndex` (higher value, or the
 * lower state on a tie, as `np.argmax`).
 */
function solveBlock(
  previous: Float64Array,
  start: number,
  logTrans: Float64Array,
  model: HmmModel,
  best: Float64Array,
  bestIndex: Int32Array,
  jLo: number,
  jHi: number,
): void {
  const { bins, lo, hi, base } = model;
  const n = jHi - jLo + 1;
  if (n <= 0) return;
  if (solvedArgs.length < bins) solvedArgs = new Int32Array(bins);
  const args = solvedArgs;
  let step = 1;
  while (step * 2 <= n) step *= 2;
  for (; step >= 1; step >>= 1) {
    for (let i = step - 1; i < n; i += 2 * step) {
      const j = jLo + i;
      const kLo = i >= step ? args[j - step] : 0;
      const kHi = i + step < n ? args[j + step] : bins - 1;
      const first = lo[j] > kLo ? lo[j] : kLo;
      const last = hi[j] < kHi ? hi[j] : kHi;
      const shift = base[j];
      let value = -Infinity, arg = first;
      for (let k = first; k <= last; k++) {
        const candidate = previous[start + k] + logTrans[shift + k];
        if (candidate > value) {
          value = candidate;
          arg = k;
        }
      }
      args[j] = arg;
      const index = start + arg;
      if (value > best[j] || (value === best[j] && index < bestIndex[j])) {
        best[j] = value;
        bestIndex[j] = index;
      }
    }
  }
}

/**
 * In-band maxima of one source block for destinations jFrom..jTo. Where the block's band
 * maximum plus the second largest transition stays below the peak source's candidate, the peak
 * source is the unique best and the only one evaluated (a smooth block, e.g. the unvoiced one,
 * almost everywhere); the runs of other destinations go to {@link solveBlock}.
 */
function solveRange(
  previous: Float64Array,
  start: number,
  transitions: BandTransitions,
  bandMax: Float64Array,
  model: HmmModel,
  best: Float64Array,
  bestIndex: Int32Array,
  jFrom: number,
  jTo: number,
): void {
  const { base } = model;
  const { log, peak, second } = transitions;
  let run = -1;
  for (let j = jFrom; j <= jTo; j++) {
    const k = peak[j];
    const value = previous[start + k] + log[base[j] + k];
    if (bandMax[j] + second[j] < value) {
      const index = start + k;
      if (value > best[j] || (value === best[j] && index < bestIndex[j])) {
        best[j] = value;
        bestIndex[j] = index;
      }
      if (run >= 0) {
        solveBlock(previous, start, log, model, best, bestIndex, run, j - 1);
        run = -1;
      }
    } else if (run < 0) {
      run = j;
    }
  }
  if (run >= 0) {
    solveBlock(previous, start, log, model, best, bestIndex, run, jTo);
  }
}

/** Best sources of the second table in {@link solveBlockPair}. */
let solvedArgsPair = new Int32Array(0);

/**
 * {@link solveBlock} for one source block towards both voicing blocks at once (tables `logA`
 * into `bestA`, `logB` into `bestB`): one pass over the sources reads each value once for both.
 * Each destination scans the union of the two searches' ranges; a superset of in-band sources
 * leaves each maximum (and its lowest source) unchanged.
 */
function solveBlockPair(
  previous: Float64Array,
  start: number,
  logA: Float64Array,
  logB: Float64Array,
  model: HmmModel,
  bestA: Float64Array,
  indexA: Int32Array,
  bestB: Float64Array,
  indexB: Int32Array,
  jLo: number,
  jHi: number,
): void {
  const { bins, lo, hi, base } = model;
  const n = jHi - jLo + 1;
  if (n <= 0) return;
  if (solvedArgs.length < bins) solvedArgs = new Int32Array(bins);
  if (solvedArgsPair.length < bins) solvedArgsPair = new Int32Array(bins);
  const argsA = solvedArgs, argsB = solvedArgsPair;
  let step = 1;
  while (step * 2 <= n) step *= 2;
  for (; step >= 1; step >>= 1) {
    for (let i = step - 1; i < n; i += 2 * step) {
      const j = jLo + i;
      let kLo = 0, kHi = bins - 1;
      if (i >= step) kLo = argsA[j - step] < argsB[j - step] ? argsA[j - step] : argsB[j - step];
      if (i + step < n) kHi = argsA[j + step] > argsB[j + step] ? argsA[j + step] : argsB[j + step];
      const first = lo[j] > kLo ? lo[j] : kLo;
      const last = hi[j] < kHi ? hi[j] : kHi;
      const shift = base[j];
      let valueA = -Infinity, argA = first, valueB = -Infinity, argB = first;
      for (let k = first; k <= last; k++) {
        const v = previous[start + k];
        const a = v + logA[shift + k], b = v + logB[shift + k];
        if (a > valueA) {
          valueA = a;
          argA = k;
        }
        if (b > valueB) {
          valueB = b;
          argB = k;
        }
      }
      argsA[j] = argA;
      argsB[j] = argB;
      const iA = start + argA, iB = start + argB;
      if (valueA > bestA[j] || (valueA === bestA[j] && iA < indexA[j])) {
        bestA[j] = valueA;
        indexA[j] = iA;
      }
      if (valueB > bestB[j] || (valueB === bestB[j] && iB < indexB[j])) {
        bestB[j] = valueB;
        indexB[j] = iB;
      }
    }
  }
}

/**
 * {@link solveRange} for one source block towards both voicing blocks over all destinations:
 * the peak source where both tables' tests prove it, {@link solveBlockPair} on the runs of the
 * others.
 */
function solveRangePair(
  previous: Float64Array,
  start: number,
  a: BandTransitions,
  b: BandTransitions,
  bandMax: Float64Array,
  model: HmmModel,
  bestA: Float64Array,
  indexA: Int32Array,
  bestB: Float64Array,
  indexB: Int32Array,
): void {
  const { base, bins } = model;
  let run = -1;
  for (let j = 0; j < bins; j++) {
    const kA = a.peak[j], kB = b.peak[j];
    const valueA = previous[start + kA] + a.log[base[j] + kA];
    const valueB = previous[start + kB] + b.log[base[j] + kB];
    if (bandMax[j] + a.second[j] < valueA && bandMax[j] + b.second[j] < valueB) {
      const iA = start + kA, iB = start + kB;
      if (valueA > bestA[j] || (valueA === bestA[j] && iA < indexA[j])) {
        bestA[j] = valueA;
        indexA[j] = iA;
      }
      if (valueB > bestB[j] || (valueB === bestB[j] && iB < indexB[j])) {
        bestB[j] = valueB;
        indexB[j] = iB;
      }
      if (run >= 0) {
        solveBlockPair(
          previous,
          start,
          a.log,
          b.log,
          model,
          bestA,
          indexA,
          bestB,
          indexB,
          run,
          j - 1,
        );
        run = -1;
      }
    } else if (run < 0) {
      run = j;
    }
  }
  if (run >= 0) {
    solveBlockPair(
      previous,
      start,
      a.log,
      b.log,
      model,
      bestA,
      indexA,
      bestB,
      indexB,
      run,
      bins - 1,
    );
  }
}

/**
 * In-band maxima of one source block whose live sources are few (`alive[0..count)`, ascending
 * block positions): per destination, only the live sources in its band.
 */
function sparseBlock(
  previous: Float64Array,
  start: number,
  alive: Int32Array,
  count: number,
  transitions: BandTransitions,
  model: HmmModel,
  best: Float64Array,
  bestIndex: Int32Array,
): void {
  const { bins, lo, hi, base } = model;
  const log = transitions.log;
  let first = 0;
  for (let j = 0; j < bins; j++) {
    while (first < count && alive[first] < lo[j]) first++;
    let value = -Infinity, arg = -1;
    for (let q = first; q < count && alive[q] <= hi[j]; q++) {
      const k = alive[q];
      const candidate = previous[start + k] + log[base[j] + k];
      if (candidate > value) {
        value = candidate;
        arg = k;
      }
    }
    if (arg < 0) continue;
    const index = start + arg;
    if (value > best[j] || (value === best[j] && index < bestIndex[j])) {
      best[j] = value;
      bestIndex[j] = index;
    }
  }
}

/** A block with at most this many live sources is decoded by {@link sparseBlock}. */
const SPARSE_SOURCES = 24;

/**
 * `librosa.sequence.viterbi(prob, transition, p_init=...)` for pYIN's HMM: states `0..bins-1`
 * voiced pitch bins, `bins..2 bins-1` unvoiced; per step and state the best source is the
 * highest `value[t-1, k] + log_trans[k, j]`, ties going to the lowest state, as `np.argmax`.
 *
 * librosa scans all 2 bins sources of every state. Here every candidate that can be the best
 * is evaluated with the same two floating-point numbers, and the others are proven not to be
 * (floating-point addition is monotone, so the bounds are exact):
 * - every destination's best is at least `floor` = the step's largest value + `log(tiny)` (the
 *   smallest log transition), so a source whose value plus the largest transition is below it
 *   is dead: pYIN's emissions of `log(tiny)` ~ -708 (voiced bins without a trough; all unvoiced
 *   bins where the voicing probability is 1) leave only a few live sources in such a block,
 *   decoded per destination over its live in-band sources;
 * - in other blocks, where the source block's maximum over a destination's band
 *   (sliding-window maxima) plus the second largest transition is below the candidate of the
 *   largest transition's source, that source is the best (a smooth block, almost everywhere);
 * - elsewhere, in-band sources by divide and conquer over destinations (for the dominant block
 *   towards both voicing blocks in one pass): the log transitions are `g(j - k) - log(rowSum_k)`
 *   with `g` the log of a triangle, which is concave, so the best source is non-decreasing in
 *   the destination (a Monge matrix), ~`(n + width) log2(n)` candidates for n destinations
 *   instead of `n * width`;
 * - a dense block without the larger maximum only over the destinations where its band maximum
 *   plus the largest transition reaches the best so far (e.g. near a voiced track);
 * - out-of-band sources (log transition `log(tiny)`) only where `floor` reaches the best so
 *   far, then over the live sources by value, down to the first sum below the best one.
 * Results equal the plain recursion's (tests/pitch_fast_test.ts) except where two paths' log
 * probabilities agree to rounding (the Monge order holds in exact arithmetic).
 *
 * @param logObs frames x 2 bins, `log(prob + tiny)`
 * @param frames number of frames (rows of `logObs`)
 * @param logInit 2 bins, `log(p_init + tiny)`
 * @param model the transitions, from {@link hmmModel}
 * @returns the most likely state per frame
 */
export function viterbi(
  logObs: Float64Array,
  frames: number,
  logInit: Float64Array,
  model: HmmModel,
): Int32Array {
  const { bins, lo, hi } = model;
  const states = 2 * bins;
  const path = new Int32Array(frames);
  if (frames === 0) return path;
  // Every pointer read is written first (rows 1.. of the states on the path).
  const pointers = states <= 65536
    ? scratch("pointers", "u16", frames * states)
    : new Int32Array(frames * states);
  let previous = new Float64Array(states);
  let current = new Float64Array(states);
  for (let s = 0; s < states; s++) previous[s] = logObs[s] + logInit[s];
  // The largest log transition of all, in-band or not (out of band: log(tiny)).
  let largest = LOG_TINY64;
  for (let j = 0; j < bins; j++) {
    largest = Math.max(largest, model.stay.max[j], model.change.max[j]);
  }
  // Per destination block: the best value so far and its source state.
  const bests = [new Float64Array(bins), new Float64Array(bins)];
  const bestIndices = [new Int32Array(bins), new Int32Array(bins)];
  // Sliding-window maxima of each block over each destination's band, and their deque.
  const bandMax = [new Float64Array(bins), new Float64Array(bins)];
  const deque = new Int32Array(bins);
  const alive = [new Int32Array(bins), new Int32Array(bins)];
  const aliveCount = [0, 0];
  const blockMax = [0, 0];
  // Live states of both blocks by value (descending), then state (ascending), for the
  // out-of-band candidates; sorted when first needed in a step.
  const order = new Int32Array(states);
  const byValue = (a: number, b: number) =>
    previous[b] > previous[a] ? 1 : previous[b] < previous[a] ? -1 : a - b;

  for (let t = 1; t < frames; t++) {
    let max0 = -Infinity, max1 = -Infinity;
    for (let k = 0; k < bins; k++) if (previous[k] > max0) max0 = previous[k];
    for (let k = bins; k < states; k++) if (previous[k] > max1) max1 = previous[k];
    blockMax[0] = max0;
    blockMax[1] = max1;
    const floor = (max0 > max1 ? max0 : max1) + LOG_TINY64;
    for (let block = 0; block < 2; block++) {
      const start = block * bins, live = alive[block];
      let count = 0;
      if (blockMax[block] + largest >= floor) {
        for (let k = 0; k < bins; k++) {
          if (previous[start + k] + largest >= floor) live[count++] = k;
        }
      }
      aliveCount[block] = count;
      if (count > SPARSE_SOURCES) slidingBandMax(previous, start, lo, hi, bandMax[block], deque);
    }
    const dominant = blockMax[0] >= blockMax[1] ? 0 : 1;
    let ordered = -1, topState = -1, topValue = -Infinity, topFirst = 0, topLast = 0;
    const obsRow = t * states;
    // Into each voicing block: the dominant block's sources (both destinations' tables at once
    // when it is dense), then the other block's, then out of band.
    for (let toBlock = 0; toBlock < 2; toBlock++) {
      bests[toBlock].fill(-Infinity);
      bestIndices[toBlock].fill(0);
    }
    if (aliveCount[dominant] > SPARSE_SOURCES) {
      solveRangePair(
        previous,
        dominant * bins,
        dominant === 0 ? model.stay : model.change,
        dominant === 1 ? model.stay : model.change,
        bandMax[dominant],
        model,
        bests[0],
        bestIndices[0],
        bests[1],
        bestIndices[1],
      );
    }
    for (let toBlock = 0; toBlock < 2; toBlock++) {
      const best = bests[toBlock], bestIndex = bestIndices[toBlock];
      for (let from = dominant, turn = 0; turn < 2; turn++, from = 1 - from) {
        const count = aliveCount[from];
        if (count === 0) continue;
        const transitions = from === toBlock ? model.stay : model.change;
        const start = from * bins;
        if (count <= SPARSE_SOURCES) {
          sparseBlock(previous, start, alive[from], count, transitions, model, best, bestIndex);
          continue;
        }
        // The dominant dense block is done above.
        if (turn === 0) continue;
        const band = bandMax[from];
        // The second block: only where its maximum, then its band maximum, can reach the best.
        const max = transitions.max, fromMax = blockMax[from];
        let first = -1, last = -1;
        for (let j = 0; j < bins; j++) {
          if (fromMax + max[j] >= best[j] && band[j] + max[j] >= best[j]) {
            if (first < 0) first = j;
            last = j;
          }
        }
        if (first >= 0) {
          solveRange(previous, start, transitions, band, model, best, bestIndex, first, last);
        }
      }
      // Out-of-band sources: every one is at most the step's maximum + log(tiny), and only
      // live ones can win; the best sum, lowest state among equal sums, as np.argmax.
      for (let j = 0; j < bins; j++) {
        if (floor < best[j]) continue;
        if (ordered < 0) {
          ordered = 0;
          for (let block = 0; block < 2; block++) {
            const live = alive[block];
            for (let q = 0; q < aliveCount[block]; q++) order[ordered++] = block * bins + live[q];
          }
          order.subarray(0, ordered).sort(byValue);
          // The top source alone has the best sum (no other with an equal one): it is the
          // answer for every destination whose band does not contain it.
          const top = order[0];
          topValue = previous[top] + LOG_TINY64;
          topState = ordered > 1 && previous[order[1]] + LOG_TINY64 === topValue ? -1 : top;
          const position = top < bins ? top : top - bins;
          topFirst = bins;
          topLast = -1;
          for (let d = 0; d < bins; d++) {
            if (lo[d] <= position && position <= hi[d]) {
              if (topFirst === bins) topFirst = d;
              topLast = d;
            }
          }
        }
        let value = -Infinity, index = -1;
        if (topState >= 0 && (j < topFirst || j > topLast)) {
          value = topValue;
          index = topState;
        } else {
          for (let q = 0; q < ordered; q++) {
            const k = order[q];
            const position = k < bins ? k : k - bins;
            if (position >= lo[j] && position <= hi[j]) continue;
            const candidate = previous[k] + LOG_TINY64;
            if (index < 0) {
              value = candidate;
              index = k;
            } else if (candidate < value) {
              break;
            } else if (k < index) {
              index = k;
            }
          }
        }
        if (index >= 0 && (value > best[j] || (value === best[j] && index < bestIndex[j]))) {
          best[j] = value;
          bestIndex[j] = index;
        }
      }
      const shift = toBlock * bins;
      for (let j = 0; j < bins; j++) {
        pointers[obsRow + shift + j] = bestIndex[j];
        current[shift + j] = logObs[obsRow + shift + j] + best[j];
      }
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  let last = 0;
  for (let s = 1; s < states; s++) if (previous[s] > previous[last]) last = s;
  path[frames - 1] = last;
  for (let t = frames - 2; t >= 0; t--) path[t] = pointers[(t + 1) * states + path[t + 1]];
  return path;
}

/**
 * `out[j]` = max of `values[start + lo[j] .. start + hi[j]]` (bands non-decreasing in j, every
 * position in some band), by a monotone deque; returns the block's maximum.
 */
function slidingBandMax(
  values: Float64Array,
  start: number,
  lo: Int32Array,
  hi: Int32Array,
  out: Float64Array,
  deque: Int32Array,
): number {
  let head = 0, tail = 0, next = 0, blockMax = -Infinity;
  for (let j = 0; j < out.length; j++) {
    for (; next <= hi[j]; next++) {
      const v = values[start + next];
      if (v > blockMax) blockMax = v;
      while (tail > head && values[start + deque[tail - 1]] <= v) tail--;
      deque[tail++] = next;
    }
    while (deque[head] < lo[j]) head++;
    out[j] = values[start + deque[head]];
  }
  return blockMax;
}
