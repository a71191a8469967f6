/**
 * Worker side of {@link FunctionalsPool}: receives windows, answers with their utterance
 * functionals stacked `[count, values]` (the buffer is transferred, not copied).
 * @module
 */
/// <reference lib="deno.worker" />
// Deep import: a worker entry loads only the code it runs (lib/features/mod.ts would load the whole module per worker).
import { utteranceFeatures } from "../features/utterance.ts";
import type { UtteranceSettings } from "../features/mod.ts";

interface Job {
  id: number;
  settings: UtteranceSettings;
  sampleRate: number;
  windows: Float32Array[];
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, settings, sampleRate, windows } = event.data;
  try {
    const rows = windows.map((w) =>
      utteranceFeatures(w, { ...settings, sampleRate, source: "window" }).values
    );
    const width = rows.length ? rows[0].length : 0;
    const stacked = new Float32Array(rows.length * width);
    rows.forEach((row, i) => stacked.set(row, i * width));
    self.postMessage({ id, stacked, width }, [stacked.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, problem: error instanceof Error ? error.message : String(error) });
  }
};
