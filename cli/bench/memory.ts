/**
 * Peak-memory measurement for benchmarks: samples the process' resident set size (RSS) on a
 * timer and reads the kernel's own high-water mark when it is available (Linux `VmHWM`).
 *
 * Deno's Web Workers are threads of the same process, so the process RSS already includes every
 * feature worker: no per-worker bookkeeping is needed.
 *
 * @example
 * ```ts
 * const heavyWork = async () => new Float64Array(2 ** 24).fill(1).length;
 * const sampler = new MemorySampler(50);
 * await heavyWork();
 * const memory = sampler.stop();
 * console.log(memory.peakRssBytes / 2 ** 20, "MiB");
 * ```
 * @module
 */

/** What a {@link MemorySampler} saw between its start and {@link MemorySampler.stop}. */
export interface MemoryPeak {
  /** Highest sampled RSS of the whole process (main thread and workers), in bytes. */
  peakRssBytes: number;
  /** Highest sampled V8 heap use of the main thread, in bytes. */
  peakHeapUsedBytes: number;
  /** RSS when sampling started, in bytes. */
  startRssBytes: number;
  /** Number of samples taken. */
  samples: number;
  /**
   * The kernel's peak RSS of the process since it started (Linux `VmHWM`), in bytes; `undefined`
   * where `/proc` is not readable. Unlike the sampled peak it cannot miss a short spike.
   */
  processHighWaterBytes?: number;
}

/**
 * The kernel's peak resident set size of this process (`VmHWM` in `/proc/self/status`).
 *
 * @returns bytes, or `undefined` where `/proc` is not available (not Linux, no permission)
 * @example
 * ```ts
 * const peak = processPeakRss(); // e.g. 412_000_000
 * ```
 */
export function processPeakRss(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples `Deno.memoryUsage()` every `intervalMs` milliseconds until stopped. */
export class MemorySampler {
  #peakRss: number;
  #peakHeap: number;
  #samples = 0;
  readonly #startRss: number;
  readonly #timer: ReturnType<typeof setInterval>;

  /**
   * Starts sampling at once.
   *
   * @param intervalMs milliseconds between samples (default 100); the timer does not keep the
   *   process alive
   */
  constructor(intervalMs = 100) {
    const first = Deno.memoryUsage();
    this.#startRss = first.rss;
    this.#peakRss = first.rss;
    this.#peakHeap = first.heapUsed;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    // Deno 2 returns a Node-style Timeout (with unref); older versions a number id.
    const timer = this.#timer as unknown as { unref?: () => void };
    if (typeof timer.unref === "function") timer.unref();
    else Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Takes one sample now (also called by the timer). */
  sample(): void {
    const usage = Deno.memoryUsage();
    this.#samples++;
    if (usage.rss > this.#peakRss) this.#peakRss = usage.rss;
    if (usage.heapUsed > this.#peakHeap) this.#peakHeap = usage.heapUsed;
  }

  /** Stops the timer and returns the peaks (one last sample is taken first). */
  stop(): MemoryPeak {
    this.sample();
    clearInterval(this.#timer);
    return {
      peakRssBytes: this.#peakRss,
      peakHeapUsedBytes: this.#peakHeap,
      startRssBytes: this.#startRss,
      samples: this.#samples,
      processHighWaterBytes: processPeakRss(),
    };
  }
}

/**
 * Formats bytes as MiB with one decimal, for tables.
 *
 * @param bytes a byte count
 * @example
 * ```ts
 * formatMiB(3 * 2 ** 20); // "3.0 MiB"
 * ```
 */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
