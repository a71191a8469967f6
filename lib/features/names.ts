/**
 * The per-frame feature families, their widths and the frame count of a clip: what the config,
 * the extractor, saved feature sets and inference agree on. Lives with the features (the config
 * imports it, not the other way round).
 *
 * @example
 * ```ts
 * import { featureWidth, framesPerClip } from "./names.ts";
 * featureWidth({ features: ["mfcc", "zcr"], nMfcc: 40, nMels: 128 }); // 41
 * framesPerClip({ sampleRate: 22050, duration: 3, hopLength: 512 }); // 130
 * ```
 * @module
 */

/** Names of the per-frame features the extractor can compute. */
export const FEATURE_NAMES = [
  "mfcc",
  "mel",
  "chroma",
  "contrast",
  "zcr",
  "rms",
  "logmel",
] as const;

/** One per-frame feature family. */
export type FeatureName = typeof FEATURE_NAMES[number];

/** The seed's feature set: 40 MFCC + 128 mel + 12 chroma + 7 contrast + 1 ZCR = 188 per frame. */
export const SEED_FEATURES: readonly FeatureName[] = [
  "mfcc",
  "mel",
  "chroma",
  "contrast",
  "zcr",
];

/**
 * Number of frames a clip of `duration` seconds yields (librosa's `center=True`).
 *
 * @param settings sample rate (Hz), clip length (s), hop (samples)
 */
export function framesPerClip(
  settings: { sampleRate: number; duration: number; hopLength: number },
): number {
  return Math.floor(Math.round(settings.sampleRate * settings.duration) / settings.hopLength) + 1;
}

/**
 * Columns each feature family contributes for the given MFCC and mel counts.
 *
 * @param settings `nMfcc` and `nMels`
 */
export function familyWidths(
  settings: { nMfcc: number; nMels: number },
): Record<FeatureName, number> {
  return {
    mfcc: settings.nMfcc,
    mel: settings.nMels,
    chroma: 12,
    contrast: 7,
    zcr: 1,
    rms: 1,
    logmel: settings.nMels,
  };
}

/**
 * Width of one frame's feature vector (e.g. 188 for the seed's features).
 *
 * @param settings feature families and the MFCC/mel counts
 */
export function featureWidth(
  settings: { features: readonly FeatureName[]; nMfcc: number; nMels: number },
): number {
  const widths = familyWidths(settings);
  return settings.features.reduce((sum, name) => sum + widths[name], 0);
}
