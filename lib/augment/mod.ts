/**
 * Seeded data augmentation for speech emotion recognition, for the TRAINING split only:
 *
 * - waveform: speed perturbation, pitch shift keeping duration (phase vocoder + resampling,
 *   as librosa), formant shift keeping pitch (vocal-tract length perturbation), time stretch,
 *   additive white/pink/brown/babble noise at an SNR, gain, and room-like reverb with a
 *   synthesized exponential-decay impulse response;
 * - features: SpecAugment time/frequency masks (Park et al., 2019) and mixup (Zhang et al.,
 *   2018);
 * - a declarative {@link AugmentationPolicy}, its cache key {@link policyKey}, and
 *   {@link augmentClip}, deterministic for (seed, clip id, copy index) through
 *   `lib/util/random.ts`' mulberry32; {@link planAugmentation} / {@link augmentDataset} make a
 *   split's copies, each keeping its source's label and speaker.
 *
 * @example
 * ```ts
 * import { augmentClip, DEFAULT_AUGMENTATION_POLICY, policyKey } from "./mod.ts";
 * import { sine } from "../audio/mod.ts";
 * const policy = DEFAULT_AUGMENTATION_POLICY;
 * const copy = augmentClip(sine(220, 3, 22050), 22050, policy, 42, 0, "03-01-05.wav");
 * console.log(copy.name, policyKey(DEFAULT_AUGMENTATION_POLICY));
 * ```
 * @module
 */
export {
  addNoise,
  applyGain,
  NOISE_COLORS,
  type NoiseColor,
  speedPerturb,
  synthNoise,
} from "./waveform.ts";
export { type PhaseVocoderOptions, pitchShift, timeStretch } from "./pitch.ts";
export { formantShift, type FormantShiftOptions } from "./formant.ts";
export { reverb, type ReverbOptions, synthImpulseResponse } from "./reverb.ts";
export {
  type FrameMatrix,
  specAugment,
  type SpecAugmentOptions,
  type SpecAugmentResult,
} from "./spec_augment.ts";
export { mixup, mixupBatch, type MixupExample, mixupLambda } from "./mixup.ts";
export { augmentationRandom, augmentationSeed } from "./random.ts";
export {
  type AppliedTransform,
  type AugmentationPolicy,
  augmentClip,
  type AugmentedClip,
  DEFAULT_AUGMENTATION_POLICY,
  type ParameterDraw,
  policyKey,
  TRANSFORM_ORDER,
  type TransformName,
  type TransformRule,
  validatePolicy,
} from "./policy.ts";
export {
  type AugmentationSources,
  augmentDataset,
  type AugmentedEntry,
  augmentEntry,
  planAugmentation,
} from "./dataset.ts";
