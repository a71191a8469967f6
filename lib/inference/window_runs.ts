/**
 * A timeline's windows as runs over one signal: what the pooled models' functionals take to
 * share the frame analyses of overlapping windows (`utteranceFeaturesOfWindows`). Used on the
 * calling thread, by `FunctionalsPool` and by its worker.
 *
 * @example
 * ```ts
 * import { runFunctionals, windowRuns } from "./window_runs.ts";
 * const recording = new Float32Array(5 * 22050).map((_, i) => Math.sin(i / 30) * 0.1);
 * const windows = [0, 22016].map((start) => recording.subarray(start, start + 3 * 22050));
 * const rows = runFunctionals(windowRuns(windows), { sampleRate: 22050 }, 22050);
 * ```
 * @module
 */
// Deep import: the functionals worker loads only the code it runs (lib/features/mod.ts would load the whole module per worker).
import { utteranceFeaturesOfWindows } from "../features/utterance_windows.ts";
import type { UtteranceSettings } from "../features/mod.ts";

/** Windows as one signal and the start of each (what `utteranceFeaturesOfWindows` takes). */
export interface WindowRun {
  signal: Float32Array;
  starts: number[];
  windowLength: number;
}

/**
 * The windows as runs over shared signals: consecutive windows of one length that are views of
 * the same buffer (a timeline's slices of its recording) form one run over the stretch they
 * cover; any other window is a run of its own.
 */
export function windowRuns(windows: readonly Float32Array[]): WindowRun[] {
  const runs: WindowRun[] = [];
  let first = 0;
  while (first < windows.length) {
    const head = windows[first];
    let end = first + 1;
    while (
      end < windows.length && windows[end].buffer === head.buffer &&
      windows[end].length === head.length &&
      windows[end].byteOffset >= windows[end - 1].byteOffset
    ) end++;
    const last = windows[end - 1];
    const base = head.byteOffset / Float32Array.BYTES_PER_ELEMENT;
    runs.push({
      signal: new Float32Array(
        head.buffer,
        head.byteOffset,
        last.byteOffset / Float32Array.BYTES_PER_ELEMENT - base + last.length,
      ),
      starts: windows.slice(first, end).map((w) =>
        w.byteOffset / Float32Array.BYTES_PER_ELEMENT - base
      ),
      windowLength: head.length,
    });
    first = end;
  }
  return runs;
}

/** The functionals of every window of the runs, in order. */
export function runFunctionals(
  runs: readonly WindowRun[],
  settings: UtteranceSettings,
  sampleRate: number,
): Float32Array[] {
  return runs.flatMap((run) =>
    utteranceFeaturesOfWindows(run.signal, run.starts, run.windowLength, {
      ...settings,
      sampleRate,
      source: "window",
    })
  );
}
