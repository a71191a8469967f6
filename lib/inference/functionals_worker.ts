/**
 * Worker side of {@link FunctionalsPool}: receives runs of windows (a stretch of recording and
 * the windows' starts in it), answers with their utterance functionals stacked
 * `[count, values]` (the buffer is transferred, not copied).
 * @module
 */
/// <reference lib="deno.worker" />
import type { UtteranceSettings } from "../features/mod.ts";
import { runFunctionals, type WindowRun } from "./window_runs.ts";

interface Job {
  id: number;
  settings: UtteranceSettings;
  sampleRate: number;
  runs: WindowRun[];
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, settings, sampleRate, runs } = event.data;
  try {
    const rows = runFunctionals(runs, settings, sampleRate);
    const width = rows.length ? rows[0].length : 0;
    const stacked = new Float32Array(rows.length * width);
    rows.forEach((row, i) => stacked.set(row, i * width));
    self.postMessage({ id, stacked, width }, [stacked.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, problem: error instanceof Error ? error.message : String(error) });
  }
};
