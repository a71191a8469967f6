/**
 * Stopping a training run from outside: a stop file or a time budget, checked after every
 * mini-batch.
 *
 * Why a file: the Deno Jupyter kernel ignores the notebook's Stop (interrupt) button while a
 * cell runs (denoland/deno#24491), so a notebook user cannot stop a long `fit`. Creating a file
 * (`touch models/STOP` in a terminal, or "New File" in JupyterLab's file browser) can be seen
 * by the running loop between two batches. The run then ends like an early stop: the epoch in
 * progress ends after the current batch, it is validated (and checkpointed when it is the best
 * so far), `EarlyStopping` puts the best weights back, and the progress display says why.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TrainingData } from "./trainer.ts";
 * import { EarlyStopping } from "./callbacks.ts";
 * import { fit } from "./trainer.ts";
 * async function example(model: tf.LayersModel, data: TrainingData) {
 *   const earlyStopping = new EarlyStopping({ patience: 10 });
 *   const stop = new StopOnRequest({ stopFile: "models/STOP", maxSeconds: 30 * 60 });
 *   await fit(model, data, { epochs: 100, batchSize: 64, callbacks: [earlyStopping, stop] });
 *   if (stop.reason) console.log(`stopped: ${stop.reason}`);
 * }
 * ```
 * @module
 */
import { Callback, type Logs } from "./callbacks.ts";
import { formatDuration } from "../util/mod.ts";

/** Options of {@link StopOnRequest}. */
export interface StopOnRequestOptions {
  /** Stop once this file exists (checked after every batch), e.g. `models/STOP`. */
  stopFile?: string;
  /** Delete the stop file when it stops training, so it does not stop the next run (default true). */
  consumeStopFile?: boolean;
  /** Time budget in seconds from the start of this fit (0 or absent: none). */
  maxSeconds?: number;
  /**
   * Stop at this wall-clock time, in ms since the Unix epoch as `Date.now()` (absent: none): a
   * budget shared by several fits, e.g. every model of a notebook's training cell.
   */
  deadline?: number;
  /** How the budget is named in the stop reason (default: "the time budget"). */
  budgetName?: string;
  /** Clock in ms since the Unix epoch (default `Date.now`); tests pass a fake one. */
  now?: () => number;
  /** Called once, when this callback stops training, with the reason. */
  onStop?: (reason: string) => void;
}

/**
 * Ends training after the current batch when a stop file appears or a time budget is used up.
 * Sets the loop's `stopTraining`, `stopReason` and `interrupted` (the cut-short epoch is not
 * written to a resume backup). Stateless across resumes: a resumed run gets a fresh budget.
 */
export class StopOnRequest extends Callback {
  readonly stopFile: string | undefined;
  readonly consumeStopFile: boolean;
  readonly maxSeconds: number;
  readonly deadline: number | undefined;
  readonly budgetName: string;
  readonly #now: () => number;
  readonly #onStop: ((reason: string) => void) | undefined;
  #started = 0;
  #epoch = 0;
  /** Why this callback stopped training, or undefined. */
  reason: string | undefined;
  /** Epoch (0-based) in which it stopped training, or -1. */
  stoppedEpoch = -1;
  /** Batch (0-based, within `stoppedEpoch`) after which it stopped training, or -1. */
  stoppedBatch = -1;

  /** @param options see {@link StopOnRequestOptions} */
  constructor(options: StopOnRequestOptions = {}) {
    super();
    this.stopFile = options.stopFile;
    this.consumeStopFile = options.consumeStopFile ?? true;
    this.maxSeconds = options.maxSeconds ?? 0;
    if (!(this.maxSeconds >= 0)) {
      throw new Error(`StopOnRequest: maxSeconds must be >= 0, got ${options.maxSeconds}`);
    }
    this.deadline = options.deadline;
    this.budgetName = options.budgetName ?? "the time budget";
    this.#now = options.now ?? Date.now;
    this.#onStop = options.onStop;
  }

  override onTrainBegin(): void {
    this.#started = this.#now();
    this.reason = undefined;
    this.stoppedEpoch = -1;
    this.stoppedBatch = -1;
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  override onBatchEnd(batch: number, _logs: Logs): void {
    if (this.reason !== undefined) return;
    const reason = this.#check();
    if (reason === undefined) return;
    this.reason = reason;
    this.stoppedEpoch = this.#epoch;
    this.stoppedBatch = batch;
    const context = this.context;
    context.stopTraining = true;
    context.interrupted = true;
    context.stopReason ??= reason;
    this.#onStop?.(reason);
  }

  /** The reason to stop now, or undefined. */
  #check(): string | undefined {
    if (this.stopFile !== undefined && exists(this.stopFile)) {
      if (this.consumeStopFile) {
        try {
          Deno.removeSync(this.stopFile);
        } catch {
          // Already gone (removed by hand or by another run): the request stands.
        }
      }
      return `stop file ${this.stopFile} found`;
    }
    const now = this.#now();
    if (this.maxSeconds > 0 && now - this.#started >= this.maxSeconds * 1000) {
      return `${this.budgetName} (${formatDuration(this.maxSeconds)}) is used up`;
    }
    if (this.deadline !== undefined && now >= this.deadline) {
      return `${this.budgetName} is used up`;
    }
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
