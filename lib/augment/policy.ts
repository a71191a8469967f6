/**
 * Declarative augmentation policies, their stable cache key, and {@link augmentClip}: one
 * augmented copy of one clip, deterministic for (seed, clip id, copy index).
 * @module
 */
import type { RandomSource } from "../util/mod.ts";
import { formantShift } from "./formant.ts";
import { pitchShift } from "./pitch.ts";
import { augmentationRandom } from "./random.ts";
import { reverb } from "./reverb.ts";
import { addNoise, applyGain, NOISE_COLORS, type NoiseColor, speedPerturb } from "./waveform.ts";

const FILE = "lib/augment/policy.ts";

/**
 * How a parameter is drawn: a fixed number, a `[min, max]` range (uniform), or
 * `{ choices }` (one of the values, each equally likely).
 */
export type ParameterDraw = number | readonly [number, number] | { choices: readonly number[] };

/** Fields every transform of a policy has. */
export interface TransformRule {
  /**
   * In `"chain"` mode: the chance the transform is applied to a copy, in [0, 1] (default 1).
   * In `"oneOf"` mode: its relative weight when one transform is picked.
   */
  probability?: number;
}

/**
 * What augmented copies of a training clip look like. Transforms are applied in this order:
 * speed → pitch → formant → reverb → noise → gain (the voice first, then the room, the noise in
 * it, the microphone level last).
 *
 * @example
 * ```ts
 * const policy: AugmentationPolicy = {
 *   copies: 2,
 *   speed: { factor: { choices: [0.9, 1.1] }, probability: 0.5 },
 *   noise: { snrDb: [10, 30], colors: ["white", "pink"] },
 * };
 * ```
 */
export interface AugmentationPolicy {
  /** Augmented copies made per training clip (a whole number >= 0; 0 turns augmentation off). */
  copies: number;
  /**
   * `"chain"` (default): each transform is applied with its probability; when none was drawn,
   * one is picked by weight, so every copy differs from its source. `"oneOf"`: exactly one
   * transform per copy, picked with the probabilities as weights.
   */
  mode?: "chain" | "oneOf";
  /** Speed perturbation: factor in [0.5, 2], e.g. `{ choices: [0.9, 1.1] }`. */
  speed?: TransformRule & { factor: ParameterDraw };
  /** Pitch shift keeping duration ({@link pitchShift}); semitones in [-12, 12]. */
  pitch?: TransformRule & { semitones: ParameterDraw };
  /**
   * Vocal-tract length perturbation keeping pitch and duration ({@link formantShift}): the
   * formants scaled by a factor in [0.7, 1.4], e.g. `[0.9, 1.1]`.
   */
  formant?: TransformRule & { factor: ParameterDraw };
  /** Synthetic room reverb ({@link reverb}); rt60 in [0.05, 3] s, wet in [0, 1]. */
  reverb?: TransformRule & { rt60: ParameterDraw; wet: ParameterDraw };
  /** Additive noise at an SNR in dB, colour picked uniformly (default white). */
  noise?: TransformRule & { snrDb: ParameterDraw; colors?: readonly NoiseColor[] };
  /** Gain in dB ({@link applyGain}). */
  gain?: TransformRule & { db: ParameterDraw };
}

/** The transforms of a policy, in the order they are applied. */
export const TRANSFORM_ORDER = ["speed", "pitch", "formant", "reverb", "noise", "gain"] as const;

/** One transform's name. */
export type TransformName = (typeof TRANSFORM_ORDER)[number];

/** A transform as applied to one copy, with the parameters drawn. */
export type AppliedTransform =
  | { transform: "speed"; factor: number }
  | { transform: "pitch"; semitones: number }
  | { transform: "formant"; factor: number }
  | { transform: "reverb"; rt60: number; wet: number }
  | { transform: "noise"; color: NoiseColor; snrDb: number }
  | { transform: "gain"; db: number };

/** One augmented copy of a clip. */
export interface AugmentedClip {
  /** Short tag of what was done, transforms joined by `" + "`: `"speed×1.10 + gain-2.0dB"`. */
  name: string;
  /** The same in words, e.g. `"speed 1.10x, pink noise at 14.2 dB SNR"`. */
  description: string;
  /** The transforms applied, in order, with their drawn parameters. */
  applied: AppliedTransform[];
  /** The augmented samples at the input's sample rate (speed changes the length). */
  samples: Float32Array;
}

/**
 * A reasonable default for speech emotion: mild changes that keep the emotion audible
 * (prosody is the signal, so speed and pitch stay within ±10 % and ±2 semitones).
 */
export const DEFAULT_AUGMENTATION_POLICY: Readonly<AugmentationPolicy> = Object.freeze<
  AugmentationPolicy
>({
  copies: 2,
  mode: "chain",
  speed: { factor: { choices: [0.9, 1.1] }, probability: 0.4 },
  pitch: { semitones: [-2, 2], probability: 0.4 },
  reverb: { rt60: [0.2, 0.6], wet: [0.1, 0.4], probability: 0.2 },
  noise: { snrDb: [10, 30], colors: ["white", "pink", "brown", "babble"], probability: 0.5 },
  gain: { db: [-6, 6], probability: 0.5 },
});

function checkDraw(draw: unknown, field: string, min: number, max: number): void {
  const inRange = (v: unknown) =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max;
  const bad = () => {
    throw new RangeError(
      `${FILE}: policy.${field} must be a number, [min, max] or { choices } with values in ` +
        `[${min}, ${max}], got ${JSON.stringify(draw)}`,
    );
  };
  if (typeof draw === "number") {
    if (!inRange(draw)) bad();
  } else if (Array.isArray(draw)) {
    if (draw.length !== 2 || !inRange(draw[0]) || !inRange(draw[1]) || draw[0] > draw[1]) bad();
  } else if (draw !== null && typeof draw === "object" && "choices" in draw) {
    const choices = (draw as { choices: unknown }).choices;
    if (!Array.isArray(choices) || choices.length === 0 || !choices.every(inRange)) bad();
  } else bad();
}

/**
 * Checks a policy and throws a `RangeError` naming the first bad field.
 *
 * @param policy the policy to check
 * @example
 * ```ts
 * validatePolicy({ copies: 1, gain: { db: [-3, 3] } }); // ok
 * ```
 */
export function validatePolicy(policy: AugmentationPolicy): void {
  if (!Number.isInteger(policy.copies) || policy.copies < 0) {
    throw new RangeError(
      `${FILE}: policy.copies must be a whole number >= 0, got ${policy.copies}`,
    );
  }
  if (policy.mode !== undefined && policy.mode !== "chain" && policy.mode !== "oneOf") {
    throw new RangeError(`${FILE}: policy.mode must be "chain" or "oneOf", got ${policy.mode}`);
  }
  const known = new Set<string>(["copies", "mode", ...TRANSFORM_ORDER]);
  for (const key of Object.keys(policy)) {
    if (!known.has(key)) throw new RangeError(`${FILE}: policy.${key} is not a known field`);
  }
  for (const name of TRANSFORM_ORDER) {
    const rule = policy[name];
    if (rule === undefined) continue;
    const p = rule.probability ?? 1;
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`${FILE}: policy.${name}.probability must be in [0, 1], got ${p}`);
    }
  }
  if (policy.speed) checkDraw(policy.speed.factor, "speed.factor", 0.5, 2);
  if (policy.pitch) checkDraw(policy.pitch.semitones, "pitch.semitones", -12, 12);
  if (policy.formant) checkDraw(policy.formant.factor, "formant.factor", 0.7, 1.4);
  if (policy.reverb) {
    checkDraw(policy.reverb.rt60, "reverb.rt60", 0.05, 3);
    checkDraw(policy.reverb.wet, "reverb.wet", 0, 1);
  }
  if (policy.noise) {
    checkDraw(policy.noise.snrDb, "noise.snrDb", -20, 100);
    const colors = policy.noise.colors ?? ["white"];
    if (colors.length === 0 || !colors.every((c) => NOISE_COLORS.includes(c))) {
      throw new RangeError(
        `${FILE}: policy.noise.colors must be a non-empty list of ${NOISE_COLORS.join(", ")}, ` +
          `got ${JSON.stringify(colors)}`,
      );
    }
  }
  if (policy.gain) checkDraw(policy.gain.db, "gain.db", -60, 60);
  if (policy.copies > 0 && !TRANSFORM_ORDER.some((name) => policy[name] !== undefined)) {
    throw new RangeError(`${FILE}: policy asks for ${policy.copies} copies but has no transform`);
  }
}

/** JSON with object keys sorted, so equal policies give equal strings. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable string for a policy, for feature-cache keys: a version tag of the augmentation
 * code plus the policy as canonical JSON with defaults filled in, so key order and spelled-out
 * defaults do not change it while any real change does. It does not include the seed: a cache
 * of augmented features must key on the seed (and clip id and copy index) too.
 *
 * @param policy a valid policy
 * @example
 * ```ts
 * policyKey({ copies: 1, gain: { db: [-3, 3] } });
 * // 'augment-v1:{"copies":1,"gain":{"db":[-3,3],"probability":1},"mode":"chain"}'
 * ```
 */
export function policyKey(policy: AugmentationPolicy): string {
  validatePolicy(policy);
  const normalized: Record<string, unknown> = {
    copies: policy.copies,
    mode: policy.mode ?? "chain",
  };
  for (const name of TRANSFORM_ORDER) {
    const rule = policy[name];
    if (rule === undefined) continue;
    const filled: Record<string, unknown> = { ...rule, probability: rule.probability ?? 1 };
    if (name === "noise") {
      filled.colors = [...((rule as { colors?: NoiseColor[] }).colors ?? ["white"])];
    }
    normalized[name] = filled;
  }
  return `augment-v1:${canonicalJson(normalized)}`;
}

function draw(spec: ParameterDraw, random: RandomSource): number {
  if (typeof spec === "number") return spec;
  if (Array.isArray(spec)) {
    const [min, max] = spec as readonly [number, number];
    return min + (max - min) * random();
  }
  const { choices } = spec as { choices: readonly number[] };
  return choices[Math.floor(random() * choices.length)];
}

/** Picks an index with probability proportional to its weight (all weights >= 0). */
function pickWeighted(weights: number[], random: RandomSource): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return Math.floor(random() * weights.length);
  let target = random() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0 && weights[i] > 0) return i;
  }
  return weights.findLastIndex((w) => w > 0);
}

function drawParameters(
  name: TransformName,
  policy: AugmentationPolicy,
  random: RandomSource,
): AppliedTransform {
  switch (name) {
    case "speed":
      return { transform: "speed", factor: draw(policy.speed!.factor, random) };
    case "pitch":
      return { transform: "pitch", semitones: draw(policy.pitch!.semitones, random) };
    case "formant":
      return { transform: "formant", factor: draw(policy.formant!.factor, random) };
    case "reverb":
      return {
        transform: "reverb",
        rt60: draw(policy.reverb!.rt60, random),
        wet: draw(policy.reverb!.wet, random),
      };
    case "noise": {
      const colors = policy.noise!.colors ?? ["white"];
      const color = colors[Math.floor(random() * colors.length)];
      return { transform: "noise", color, snrDb: draw(policy.noise!.snrDb, random) };
    }
    case "gain":
      return { transform: "gain", db: draw(policy.gain!.db, random) };
  }
}

function applyTransform(
  samples: Float32Array,
  sampleRate: number,
  step: AppliedTransform,
  random: RandomSource,
): Float32Array {
  switch (step.transform) {
    case "speed":
      return speedPerturb(samples, sampleRate, step.factor);
    case "pitch":
      return pitchShift(samples, sampleRate, step.semitones);
    case "formant":
      return formantShift(samples, sampleRate, step.factor);
    case "reverb":
      return reverb(samples, sampleRate, { rt60: step.rt60, wet: step.wet }, random);
    case "noise":
      return addNoise(samples, step.snrDb, step.color, random);
    case "gain":
      return applyGain(samples, step.db);
  }
}

function tag(step: AppliedTransform): [string, string] {
  const f1 = (v: number) => v.toFixed(1);
  switch (step.transform) {
    case "speed":
      return [`speed×${step.factor.toFixed(2)}`, `speed ${step.factor.toFixed(2)}x`];
    case "pitch":
      return [
        `pitch${step.semitones >= 0 ? "+" : ""}${f1(step.semitones)}st`,
        `pitch ${step.semitones >= 0 ? "+" : ""}${f1(step.semitones)} semitones`,
      ];
    case "formant":
      return [`formant×${step.factor.toFixed(2)}`, `formants ${step.factor.toFixed(2)}x`];
    case "reverb":
      return [
        `reverb(${step.rt60.toFixed(2)} s, ${Math.round(step.wet * 100)}%)`,
        `reverb RT60 ${step.rt60.toFixed(2)} s at ${Math.round(step.wet * 100)}% wet`,
      ];
    case "noise":
      return [
        `noise(${step.color}, ${f1(step.snrDb)} dB)`,
        `${step.color} noise at ${f1(step.snrDb)} dB SNR`,
      ];
    case "gain":
      return [`gain${step.db >= 0 ? "+" : ""}${f1(step.db)}dB`, `gain ${f1(step.db)} dB`];
  }
}

/**
 * Makes augmented copy `copyIndex` of one clip. The transforms and their parameters are drawn
 * from mulberry32 seeded by a hash of (`seed`, `clipId`, `copyIndex`), so the result is the
 * same on every run and machine, in any processing order. Use it on training clips only.
 *
 * @param samples mono source clip (left untouched)
 * @param sampleRate its rate in Hz
 * @param policy what to apply (see {@link AugmentationPolicy})
 * @param seed run seed
 * @param copyIndex which copy, in [0, policy.copies)
 * @param clipId a stable id of the clip (its dataset index or relative path; default 0)
 * @returns the copy's name, description, transforms and samples
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const clip = sine(220, 1, 16000);
 * const copy = augmentClip(clip, 16000, { copies: 1, gain: { db: [-6, 6] } }, 42, 0, "a.wav");
 * copy.name; // e.g. "gain-2.3dB"
 * ```
 */
export function augmentClip(
  samples: Float32Array,
  sampleRate: number,
  policy: AugmentationPolicy,
  seed: number,
  copyIndex: number,
  clipId: string | number = 0,
): AugmentedClip {
  validatePolicy(policy);
  if (!Number.isInteger(copyIndex) || copyIndex < 0 || copyIndex >= policy.copies) {
    throw new RangeError(
      `${FILE}: copyIndex must be a whole number in [0, ${policy.copies}), got ${copyIndex}`,
    );
  }
  const random = augmentationRandom(seed, clipId, copyIndex);
  const present = TRANSFORM_ORDER.filter((name) => policy[name] !== undefined);
  const weights = present.map((name) => policy[name]!.probability ?? 1);
  let chosen: TransformName[];
  if ((policy.mode ?? "chain") === "oneOf") {
    chosen = [present[pickWeighted(weights, random)]];
  } else {
    // One decision per present transform, always drawn, so the stream stays aligned.
    chosen = present.filter((_, i) => random() < weights[i]);
    if (chosen.length === 0) chosen = [present[pickWeighted(weights, random)]];
  }
  const applied = chosen.map((name) => drawParameters(name, policy, random));
  let out = samples;
  for (const step of applied) out = applyTransform(out, sampleRate, step, random);
  if (out === samples) out = samples.slice();
  const tags = applied.map(tag);
  return {
    name: tags.map(([short]) => short).join(" + "),
    description: tags.map(([, long]) => long).join(", "),
    applied,
    samples: out,
  };
}
