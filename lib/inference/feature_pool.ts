/**
 * Window features on all cores: a small pool of Web Workers that each compute a share of a
 * batch's windows with the very same {@link windowFeatures} function. With the timeline keeping
 * two batches in flight, the model runs on one batch while the workers featurise the next.
 * It pays on machines with idle cores; on a 2-core machine shared with other jobs it was slower
 * (worker start-up and copies for no free core), hence off by default there (see the
 * predictor's `featureWorkers`). Deno-side only (the browser page computes inline).
 * @module
 */
import type { FeatureSettings, StandardScaler } from "../features/mod.ts";
import type { WindowFeatures } from "./window_features.ts";

interface Pending {
  resolve: (value: WindowFeatures) => void;
  reject: (error: Error) => void;
}

/** A pool of feature workers; `dispose()` terminates them. */
export class WindowFeaturePool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  /**
   * @param settings feature settings of the model
   * @param scaler the model's standardisation
   * @param size workers (default: the machine's cores)
   */
  constructor(
    private readonly settings: FeatureSettings,
    private readonly scaler: StandardScaler,
    readonly size = Math.max(1, navigator.hardwareConcurrency ?? 1),
  ) {}

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const worker = new Worker(new URL("./feature_worker.ts", import.meta.url), {
        type: "module",
      });
      worker.onmessage = (event) => {
        const { id, problem, ...result } = event.data;
        const job = this.pending.get(id);
        this.pending.delete(id);
        if (problem) job?.reject(new Error(`window features (worker): ${problem}`));
        else job?.resolve(result as WindowFeatures);
      };
      this.workers.push(worker);
      return worker;
    }
    return this.workers[this.turn++ % this.workers.length];
  }

  private run(windows: Float32Array[]): Promise<WindowFeatures> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker().postMessage({ id, settings: this.settings, scaler: this.scaler, windows });
    });
  }

  /** Standardised features of `windows`, stacked, computed across the workers. */
  async features(windows: readonly Float32Array[]): Promise<WindowFeatures> {
    if (windows.length === 0) return { stacked: new Float32Array(0), frames: 0, width: 0 };
    const parts = Math.min(this.size, windows.length);
    const share = Math.ceil(windows.length / parts);
    const results = await Promise.all(
      Array.from({ length: parts }, (_, p) =>
        // Copies: the caller's windows are views into one recording and must stay intact.
        this.run(windows.slice(p * share, (p + 1) * share).map((w) => w.slice()))),
    );
    const { frames, width } = results[0];
    const stacked = new Float32Array(windows.length * frames * width);
    let offset = 0;
    for (const result of results) {
      stacked.set(result.stacked, offset);
      offset += result.stacked.length;
    }
    return { stacked, frames, width };
  }

  /** Terminates the workers; pending jobs are rejected. */
  dispose(): void {
    for (const worker of this.workers) worker.terminate();
    this.workers = [];
    for (const job of this.pending.values()) job.reject(new Error("feature pool disposed"));
    this.pending.clear();
  }
}
