/**
 * Worker side of {@link WindowFeaturePool}: receives windows, answers with their standardised
 * feature matrices stacked `[count, frames, width]` (the buffer is transferred, not copied).
 * @module
 */
/// <reference lib="deno.worker" />
import { windowFeatures } from "./window_features.ts";
import type { FeatureSettings, StandardScaler } from "../features/mod.ts";

interface Job {
  id: number;
  settings: FeatureSettings;
  scaler: StandardScaler;
  windows: Float32Array[];
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, settings, scaler, windows } = event.data;
  try {
    const result = windowFeatures(windows, settings, scaler);
    self.postMessage({ id, ...result }, [result.stacked.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, problem: error instanceof Error ? error.message : String(error) });
  }
};
