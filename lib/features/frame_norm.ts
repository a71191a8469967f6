/**
 * Normalisation of per-frame feature sets (clips x frames x columns) before a sequence model:
 *
 * - `"speaker"`: each speaker's clips standardised per column with that speaker's own mean and
 *   standard deviation over all of the speaker's frames, computed WITHOUT labels (the frame
 *   version of Schuller et al., 2010's speaker normalisation; at prediction time the statistics
 *   come from a few clips of the new voice). It removes what is constant in a voice (vocal-tract
 *   length, microphone, level) and keeps what changes between that speaker's utterances.
 * - `"utterance"`: each clip on its own (cepstral mean and variance normalisation, CMVN, per
 *   column over the clip's frames): needs nothing but the clip, but also removes the clip's own
 *   level and spread, which carry emotion.
 * - `"global"` / `"none"`: the set unchanged (the training step's scaler fit on the training
 *   clips is the global normalisation).
 *
 * @example
 * ```ts
 * import { frameNormalize } from "./frame_norm.ts";
 * import type { FeatureSet } from "./feature_set.ts";
 * function example(set: FeatureSet, speakers: string[]) { // speakers: one id per clip
 *   return frameNormalize(set, "speaker", speakers);
 * }
 * ```
 * @module
 */
import type { FeatureSet } from "./feature_set.ts";
import type { NormalizationMode } from "./speaker_norm.ts";

/** Floor of a column's standard deviation, so a constant column maps to 0 instead of NaN. */
const MIN_STD = 1e-6;

/** Per-column mean and std over every frame of the clips `clips` (float64 accumulation). */
function columnStatistics(
  set: FeatureSet,
  clips: readonly number[],
): { mean: Float64Array; std: Float64Array } {
  const { frames, width, data } = set;
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (const clip of clips) {
    const base = clip * frames * width;
    for (let t = 0; t < frames; t++) {
      const row = base + t * width;
      for (let c = 0; c < width; c++) mean[c] += data[row + c];
    }
  }
  const count = Math.max(clips.length * frames, 1);
  for (let c = 0; c < width; c++) mean[c] /= count;
  // Two passes: squared deviations avoid the cancellation of E[x^2] - E[x]^2 (log-mel values
  // sit around -40 dB with a spread of a few dB).
  for (const clip of clips) {
    const base = clip * frames * width;
    for (let t = 0; t < frames; t++) {
      const row = base + t * width;
      for (let c = 0; c < width; c++) {
        const deviation = data[row + c] - mean[c];
        std[c] += deviation * deviation;
      }
    }
  }
  for (let c = 0; c < width; c++) std[c] = Math.max(Math.sqrt(std[c] / count), MIN_STD);
  return { mean, std };
}

function standardizeClips(
  set: FeatureSet,
  clips: readonly number[],
  out: Float32Array,
): void {
  const { mean, std } = columnStatistics(set, clips);
  const { frames, width, data } = set;
  for (const clip of clips) {
    const base = clip * frames * width;
    for (let t = 0; t < frames; t++) {
      const row = base + t * width;
      for (let c = 0; c < width; c++) out[row + c] = (data[row + c] - mean[c]) / std[c];
    }
  }
}

/**
 * Standardises every speaker's clips per column with that speaker's own mean and standard
 * deviation over all their frames. Only the features and the speaker ids are read: labels never
 * enter (so test speakers can be normalised with their own unlabelled clips).
 *
 * @param set per-frame features of the clips
 * @param speakers speaker id of each clip (row order of `set.paths`)
 * @returns a new set (same paths, settings and columns) whose every speaker has per-column mean
 *   0 and std 1 over its frames (a constant column: 0)
 * @throws RangeError when `speakers` does not have one id per clip
 * @example
 * ```ts
 * import type { FeatureSet } from "./feature_set.ts";
 * function example(set: FeatureSet, speakers: string[]) {
 *   return speakerFrameStandardize(set, speakers);
 * }
 * ```
 */
export function speakerFrameStandardize(
  set: FeatureSet,
  speakers: readonly string[],
): FeatureSet {
  if (speakers.length !== set.paths.length) {
    throw new RangeError(
      `speakerFrameStandardize: ${speakers.length} speaker ids for ${set.paths.length} clips`,
    );
  }
  const bySpeaker = new Map<string, number[]>();
  speakers.forEach((speaker, clip) => {
    const list = bySpeaker.get(speaker);
    if (list) list.push(clip);
    else bySpeaker.set(speaker, [clip]);
  });
  const out = new Float32Array(set.data.length);
  for (const clips of bySpeaker.values()) standardizeClips(set, clips, out);
  return { ...set, data: out };
}

/**
 * Per-utterance normalisation (CMVN): every clip standardised per column with its own mean and
 * standard deviation over its frames.
 *
 * @param set per-frame features of the clips
 * @returns a new set whose every clip has per-column mean 0 and std 1 (a constant column: 0)
 * @example
 * ```ts
 * import type { FeatureSet } from "./feature_set.ts";
 * function example(set: FeatureSet) {
 *   return utteranceFrameStandardize(set);
 * }
 * ```
 */
export function utteranceFrameStandardize(set: FeatureSet): FeatureSet {
  const out = new Float32Array(set.data.length);
  for (let clip = 0; clip < set.paths.length; clip++) standardizeClips(set, [clip], out);
  return { ...set, data: out };
}

/**
 * Applies a {@link NormalizationMode} to a per-frame feature set.
 *
 * @param set per-frame features
 * @param mode `"speaker"`, `"utterance"`, `"global"` or `"none"` (the last two return `set`)
 * @param speakers speaker id per clip (needed for `"speaker"`)
 * @example
 * ```ts
 * import type { FeatureSet } from "./feature_set.ts";
 * function example(set: FeatureSet) {
 *   return frameNormalize(set, "utterance");
 * }
 * ```
 */
export function frameNormalize(
  set: FeatureSet,
  mode: NormalizationMode,
  speakers?: readonly string[],
): FeatureSet {
  switch (mode) {
    case "speaker":
      if (!speakers) throw new Error(`frameNormalize: mode "speaker" needs the speaker ids`);
      return speakerFrameStandardize(set, speakers);
    case "utterance":
      return utteranceFrameStandardize(set);
    case "global":
    case "none":
      return set;
  }
  throw new RangeError(`frameNormalize: unknown mode "${mode}"`);
}
