/**
 * Utterance functionals of many windows on all cores: a small pool of Web Workers that each
 * compute a share of a batch's windows with the very same functionals (pYIN included), for
 * pooled models' timelines (a 3 s window at 22050 Hz costs ~25 ms of CPU, half of it pYIN).
 * With `inlineShare` the calling thread computes one share itself while the workers compute
 * theirs: on 2 cores, one worker plus the calling thread keep both busy without a third thread
 * competing for them (the predictor's default: cores - 1 workers plus the calling thread).
 * Windows that are views of one recording (a timeline's) are dealt out as contiguous stretches,
 * so each share analyses the frames its windows have in common once
 * (`utteranceFeaturesOfWindows`). Deno-side only (the browser page computes inline).
 *
 * @example
 * ```ts ignore
 * const pool = new FunctionalsPool({ sampleRate: 22050 }, 1, { inlineShare: true });
 * const rows = await pool.functionals(windows, 22050); // one Float32Array per window
 * pool.dispose();
 * ```
 * @module
 */
import type { UtteranceSettings } from "../features/mod.ts";
import { runFunctionals, type WindowRun, windowRuns } from "./window_runs.ts";

interface Pending {
  resolve: (value: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/** `runs` split into `parts` shares of about equal window counts, each a list of runs. */
function shares(runs: readonly WindowRun[], parts: number): WindowRun[][] {
  const total = runs.reduce((sum, run) => sum + run.starts.length, 0);
  const size = Math.ceil(total / parts);
  const out: WindowRun[][] = [[]];
  let room = size;
  for (const run of runs) {
    let from = 0;
    while (from < run.starts.length) {
      if (room === 0) {
        out.push([]);
        room = size;
      }
      const take = Math.min(room, run.starts.length - from);
      const starts = run.starts.slice(from, from + take);
      // The stretch the share's windows cover (a view), its starts relative to it.
      const offset = starts[0];
      out[out.length - 1].push({
        signal: run.signal.subarray(offset, starts[starts.length - 1] + run.windowLength),
        starts: starts.map((start) => start - offset),
        windowLength: run.windowLength,
      });
      from += take;
      room -= take;
    }
  }
  return out;
}

/** A pool of functionals workers; `dispose()` terminates them. */
export class FunctionalsPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  /** Whether the calling thread computes one share of each batch itself. */
  readonly inlineShare: boolean;

  /**
   * @param settings the pooled model's utterance settings
   * @param size workers (default: the machine's cores)
   * @param options `inlineShare`: compute one share on the calling thread too (default false)
   */
  constructor(
    private readonly settings: UtteranceSettings,
    readonly size = Math.max(1, navigator.hardwareConcurrency ?? 1),
    options: { inlineShare?: boolean } = {},
  ) {
    this.inlineShare = options.inlineShare ?? false;
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const worker = new Worker(new URL("./functionals_worker.ts", import.meta.url), {
        type: "module",
      });
      worker.onmessage = (event) => {
        const { id, problem, stacked, width } = event.data;
        const job = this.pending.get(id);
        this.pending.delete(id);
        if (problem) {
          job?.reject(new Error(`window functionals (worker): ${problem}`));
          return;
        }
        const rows: Float32Array[] = [];
        for (let offset = 0; offset < stacked.length; offset += width) {
          rows.push(stacked.subarray(offset, offset + width));
        }
        job?.resolve(rows);
      };
      this.workers.push(worker);
      return worker;
    }
    return this.workers[this.turn++ % this.workers.length];
  }

  private run(share: WindowRun[], sampleRate: number): Promise<Float32Array[]> {
    const id = this.nextId++;
    // Copies of the stretches, moved to the worker: the caller's recording stays intact.
    const runs = share.map((run) => ({ ...run, signal: run.signal.slice() }));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker().postMessage(
        { id, settings: this.settings, sampleRate, runs },
        runs.map((run) => run.signal.buffer as ArrayBuffer),
      );
    });
  }

  /**
   * The raw functionals of each window, in order, computed across the workers (and the calling
   * thread, with `inlineShare`: it computes the last share synchronously, after posting the
   * others).
   */
  async functionals(windows: readonly Float32Array[], sampleRate: number): Promise<Float32Array[]> {
    if (windows.length === 0) return [];
    const parts = Math.min(this.size + (this.inlineShare ? 1 : 0), windows.length);
    const remoteParts = this.inlineShare ? parts - 1 : parts;
    const split = shares(windowRuns(windows), parts);
    const remote = split.slice(0, remoteParts).map((share) => this.run(share, sampleRate));
    // Awaited below; this keeps a failing worker from being an unhandled rejection meanwhile.
    remote.forEach((promise) => promise.catch(() => {}));
    const local = runFunctionals(split.slice(remoteParts).flat(), this.settings, sampleRate);
    return [...(await Promise.all(remote)).flat(), ...local];
  }

  /** Terminates the workers; pending jobs are rejected. */
  dispose(): void {
    for (const worker of this.workers) worker.terminate();
    this.workers = [];
    for (const job of this.pending.values()) job.reject(new Error("functionals pool disposed"));
    this.pending.clear();
  }
}
