/**
 * One file per job on a pool of Web Workers, for the batch extractors (frame features in
 * `batch.ts`, utterance functionals in `utterance_set.ts`): each worker gets
 * `{ type: "init", ...init }` once, then `{ type: "job", id, path }` messages, two in flight so
 * it never idles for the round trip through this thread, and answers every job with a message
 * carrying its `id`. Internal to lib/features.
 *
 * @example
 * ```ts ignore
 * await runFileJobs(paths, new URL("./extract_worker.ts", import.meta.url), init, 2, "feature",
 *   (message) => console.log(message.id));
 * ```
 * @module
 */

/** Jobs queued per worker: the next one is already there when a result goes back. */
const JOBS_IN_FLIGHT = 2;

/**
 * Runs one job per path on `workerCount` workers of `workerUrl`; resolves when every job has
 * answered (workers are then terminated).
 *
 * @param paths the files, one job each (job id = index)
 * @param workerUrl the worker module
 * @param init what every job shares, sent to each worker once
 * @param workerCount workers to start (at most one per path)
 * @param what names the workers in the crash message, e.g. `feature`
 * @param onAnswer called with each worker answer (`{ id, ... }`) as it arrives
 * @throws Error "<what> worker crashed: ..." when a worker dies
 */
export function runFileJobs(
  paths: readonly string[],
  workerUrl: URL,
  init: Record<string, unknown>,
  workerCount: number,
  what: string,
  onAnswer: (message: { id: number } & Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let finished = 0;
    const workers: Worker[] = [];
    const stopAll = () => workers.forEach((worker) => worker.terminate());
    const feed = (worker: Worker) => {
      if (next < paths.length) {
        const id = next++;
        worker.postMessage({ type: "job", id, path: paths[id] });
      }
    };
    for (let w = 0; w < Math.min(workerCount, paths.length); w++) {
      const worker = new Worker(workerUrl, { type: "module" });
      workers.push(worker);
      worker.onmessage = (event) => {
        onAnswer(event.data);
        if (++finished === paths.length) {
          stopAll();
          resolve();
        } else {
          feed(worker);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        stopAll();
        reject(new Error(`${what} worker crashed: ${event.message}`));
      };
      worker.postMessage({ type: "init", ...init });
      for (let queued = 0; queued < JOBS_IN_FLIGHT; queued++) feed(worker);
    }
    if (paths.length === 0) resolve();
  });
}
