/**
 * Which corpus's expert should classify a voice? When a pooled model is trained on several
 * corpora it keeps one classifier per corpus (corpora act emotions differently, and pooling them
 * made both corpora's new voices worse) and weighs them, for each new voice, by how near that
 * voice is to the voices each expert was trained on.
 *
 * A voice is the mean of its raw utterance vectors (what speaker normalisation subtracts; no
 * labels). Its distance to an expert is the root-mean-square difference, in units of the spread
 * of the training voices' means, to the NEAREST of the expert's training voices; the weights are
 * a softmax of minus the distances over a temperature. The experts' log-probabilities are
 * averaged with those weights (a product of experts), then renormalised.
 *
 * @example
 * ```ts
 * import { fuseExperts, voiceGate, voiceGateWeights } from "./voice_gate.ts";
 * const gate = voiceGate([[[0, 0], [1, 0]], [[10, 10]]], 0.1);
 * const weights = voiceGateWeights(gate, [0.5, 0]); // near the first expert's voices
 * console.log(weights[0] > 0.99); // true
 * console.log(fuseExperts([[0.9, 0.1], [0.2, 0.8]], weights)[0] > 0.8); // true
 * ```
 * @module
 */

/** How a pooled model's corpus experts are weighed for a voice. */
export interface VoiceGate {
  /** Softmax temperature over the distances (> 0; smaller: sharper). */
  temperature: number;
  /** Spread (standard deviation) of the training voices' means, per value. */
  spread: number[];
  /** The training voices (raw mean vectors) of each expert, in the experts' order. */
  voices: number[][][];
}

/**
 * The gate of experts trained on these voices.
 *
 * @param voices per expert, the mean raw vector of each of its training speakers (at least one)
 * @param temperature softmax temperature over the RMS distances, > 0
 * @throws RangeError on an expert without voices, vectors of different lengths or a bad
 *   temperature
 */
export function voiceGate(
  voices: readonly (readonly (readonly number[])[])[],
  temperature: number,
): VoiceGate {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`voice gate: temperature must be > 0, got ${temperature}`);
  }
  const all = voices.flat();
  if (voices.some((list) => list.length === 0) || all.length === 0) {
    throw new RangeError("voice gate: every expert needs at least one training voice");
  }
  const d = all[0].length;
  if (all.some((voice) => voice.length !== d)) {
    throw new RangeError("voice gate: training voices of different lengths");
  }
  const mean = new Array(d).fill(0), spread = new Array(d).fill(0);
  for (const voice of all) for (let j = 0; j < d; j++) mean[j] += voice[j] / all.length;
  for (const voice of all) for (let j = 0; j < d; j++) spread[j] += (voice[j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) spread[j] = Math.sqrt(spread[j] / all.length) + 1e-9;
  return { temperature, spread, voices: voices.map((list) => list.map((voice) => [...voice])) };
}

/**
 * Each expert's weight (summing to 1) for a voice.
 *
 * @param gate from {@link voiceGate}
 * @param voice the voice's mean raw vector, or undefined when nothing is known of it: then every
 *   expert counts the same
 */
export function voiceGateWeights(gate: VoiceGate, voice?: ArrayLike<number>): Float64Array {
  const experts = gate.voices.length;
  if (!voice) return new Float64Array(experts).fill(1 / experts);
  const d = gate.spread.length;
  if (voice.length !== d) {
    throw new RangeError(`voice gate: the voice has ${voice.length} values, expected ${d}`);
  }
  const distances = gate.voices.map((list) => {
    let nearest = Infinity;
    for (const trained of list) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += ((voice[j] - trained[j]) / gate.spread[j]) ** 2;
      nearest = Math.min(nearest, Math.sqrt(sum / d));
    }
    return nearest;
  });
  if (distances.some((distance) => !Number.isFinite(distance))) {
    throw new RangeError("voice gate: the voice has a non-finite value");
  }
  const closest = Math.min(...distances);
  const weights = Float64Array.from(distances, (x) => Math.exp(-(x - closest) / gate.temperature));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * The weighted geometric mean of the experts' class probabilities, renormalised to sum to 1.
 *
 * @param probabilities one probability vector per expert, all of the same length
 * @param weights one weight per expert (e.g. {@link voiceGateWeights})
 */
export function fuseExperts(
  probabilities: readonly ArrayLike<number>[],
  weights: ArrayLike<number>,
): Float64Array {
  const k = probabilities[0].length;
  const log = new Float64Array(k);
  probabilities.forEach((p, e) => {
    for (let c = 0; c < k; c++) log[c] += weights[e] * Math.log(Math.max(p[c], 1e-12));
  });
  const top = Math.max(...log);
  const out = log.map((value) => Math.exp(value - top));
  const total = out.reduce((sum, value) => sum + value, 0);
  return out.map((value) => value / total);
}
