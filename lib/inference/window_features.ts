/**
 * The model input of sample windows: trim/zero-pad to the clip length -> `extractFeatures` ->
 * standardise -> stack. Pure TypeScript (no tfjs), shared by the window classifier, the feature
 * workers and the browser page.
 * @module
 */
// Deep import: this file is bundled for the browser (lib/live/page), where lib/audio/mod.ts would pull in Deno-only code.
import { fitToLength } from "../audio/signal.ts";
// Deep import: this file is bundled for the browser (lib/live/page), where lib/features/mod.ts would pull in Deno-only code.
import { extractFeatures } from "../features/extract.ts";
import type { FeatureSettings } from "../features/mod.ts";
// Deep import: this file is bundled for the browser (lib/live/page), where lib/features/mod.ts would pull in Deno-only code.
import { applyStandardScaler, type StandardScaler } from "../features/normalize.ts";

/** Standardised features of windows stacked `[count, frames, width]`, row-major. */
export interface WindowFeatures {
  stacked: Float32Array;
  frames: number;
  width: number;
}

/**
 * The model input of windows at `settings.sampleRate`: each trimmed/zero-padded to the clip
 * length, featurised with `extractFeatures` and standardised, then stacked.
 *
 * @param windows samples at `settings.sampleRate`
 * @param settings the model's feature settings
 * @param scaler the model's standardisation
 */
export function windowFeatures(
  windows: readonly Float32Array[],
  settings: FeatureSettings,
  scaler: StandardScaler,
): WindowFeatures {
  const clipLength = Math.round(settings.duration * settings.sampleRate);
  let frames = 0;
  let width = 0;
  let stacked = new Float32Array(0);
  windows.forEach((window, i) => {
    const matrix = extractFeatures(fitToLength(window, clipLength), settings);
    if (i === 0) {
      frames = matrix.frames;
      width = matrix.width;
      stacked = new Float32Array(windows.length * frames * width);
    }
    stacked.set(applyStandardScaler(scaler, matrix.data), i * frames * width);
  });
  return { stacked, frames, width };
}
