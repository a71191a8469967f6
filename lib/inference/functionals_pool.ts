/**
 * Utterance functionals of many windows on all cores: a small pool of Web Workers that each
 * compute a share of a batch's windows with the very same `utteranceFeatures` (pYIN included),
 * for pooled models' timelines (a 3 s window at 22050 Hz costs ~50 ms of CPU, two thirds of it
 * pYIN). It pays on machines with idle cores; on the 2-core machine shared with other jobs it did
 * not (5 minutes of audio: 27.8 s wall, 17.2 s CPU with 2 workers; 28.4 s, 14.3 s inline — each
 * worker's cold JIT and the copies cost CPU that no free core absorbs), so the predictor starts
 * it by the same rule as the sequence models' pool (4+ cores, or `featureWorkers`). Deno-side
 * only (the browser page computes inline).
 *
 * @example
 * ```ts ignore
 * const pool = new FunctionalsPool({ sampleRate: 22050 }, 2);
 * const rows = await pool.functionals(windows, 22050); // one Float32Array per window
 * pool.dispose();
 * ```
 * @module
 */
import type { UtteranceSettings } from "../features/mod.ts";

interface Pending {
  resolve: (value: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/** A pool of functionals workers; `dispose()` terminates them. */
export class FunctionalsPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  /**
   * @param settings the pooled model's utterance settings
   * @param size workers (default: the machine's cores)
   */
  constructor(
    private readonly settings: UtteranceSettings,
    readonly size = Math.max(1, navigator.hardwareConcurrency ?? 1),
  ) {}

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

  private run(windows: Float32Array[], sampleRate: number): Promise<Float32Array[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker().postMessage({ id, settings: this.settings, sampleRate, windows });
    });
  }

  /** The raw functionals of each window, in order, computed across the workers. */
  async functionals(windows: readonly Float32Array[], sampleRate: number): Promise<Float32Array[]> {
    if (windows.length === 0) return [];
    const parts = Math.min(this.size, windows.length);
    const share = Math.ceil(windows.length / parts);
    const results = await Promise.all(
      Array.from({ length: parts }, (_, p) =>
        // Copies: the caller's windows are views into one recording and must stay intact.
        this.run(windows.slice(p * share, (p + 1) * share).map((w) => w.slice()), sampleRate)),
    );
    return results.flat();
  }

  /** Terminates the workers; pending jobs are rejected. */
  dispose(): void {
    for (const worker of this.workers) worker.terminate();
    this.workers = [];
    for (const job of this.pending.values()) job.reject(new Error("functionals pool disposed"));
    this.pending.clear();
  }
}
