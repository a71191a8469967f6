/**
 * Keras-like training callbacks: early stopping, LR reduction on plateau, best-model
 * checkpointing (through an injected save function), stopping on a NaN/Inf loss, TensorBoard
 * and JSONL logs, and a one-line per-epoch progress print.
 *
 * A callback sees the run through a {@link TrainingContext}: the model (anything with
 * `getWeights`/`setWeights`, normally a `tf.LayersModel`), a `stopTraining` flag and the
 * optimizer's learning rate. That keeps callbacks testable with a fake model and loop.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TrainingData } from "./trainer.ts";
 * import { fit } from "./trainer.ts";
 * async function example(model: tf.LayersModel, data: TrainingData) {
 *   const callbacks = [
 *     new EarlyStopping({ monitor: "val_loss", patience: 10, restoreBestWeights: true }),
 *     new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 5, minLr: 1e-6 }),
 *     new ProgressLogger(),
 *   ];
 *   const history = await fit(model, data, { epochs: 100, batchSize: 64, callbacks, seed: 42 });
 * }
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import { EventFileWriter } from "./tensorboard.ts";
import {
  formatDuration,
  inJupyter,
  isTerminal,
  ProgressBar,
  writeTextAtomic,
} from "../util/mod.ts";

/** Metric name -> value for one epoch or batch, e.g. `{ loss: 0.4, val_accuracy: 0.9 }`. */
export type Logs = Record<string, number>;

/** What a callback needs of a model: read and write its weights. */
export interface TrainableModel {
  /** Current weight values (the model's own tensors: clone them to keep a copy). */
  getWeights(): tf.Tensor[];
  /** Overwrites the weights with these values (copied in). */
  setWeights(weights: tf.Tensor[]): void;
}

/** The running training loop as callbacks see it. */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: TrainableModel;
  /**
   * Set to true to end training: set in `onBatchEnd`, the epoch in progress ends after that
   * batch (its validation and epoch-end callbacks still run); set in `onEpochEnd`, no further
   * epoch starts.
   */
  stopTraining: boolean;
  /**
   * Why training stopped, in words, set by the callback that set `stopTraining` (e.g. "early
   * stopping: val_loss has not improved for 10 epochs"); {@link ProgressLogger} shows it.
   */
  stopReason?: string;
  /**
   * Set with `stopTraining` when the user asked for the stop ({@link StopOnRequest}: a stop
   * file or a time budget), not the training's own logic: the epoch cut short is not written
   * to the resume backup, so a resumed run starts again from the last complete epoch.
   */
  interrupted?: boolean;
  /** Total epochs requested. */
  readonly epochs: number;
  /** Mini-batches per epoch. */
  readonly stepsPerEpoch: number;
  /** The optimizer's current learning rate. */
  getLearningRate(): number;
  /** Changes the optimizer's learning rate from the next batch on. */
  setLearningRate(learningRate: number): void;
  /**
   * First epoch (0-based) this run executes: 0, or the epoch after the backup it resumed from
   * (see `FitOptions.resume`). Callbacks that write files keep what earlier epochs wrote.
   */
  readonly initialEpoch?: number;
}

/**
 * What a callback carries across a resumed run: JSON-able values plus tensors (e.g. the best
 * weights). The trainer saves it with each epoch's backup and hands it back after
 * `onTrainBegin` of the resumed run.
 */
export interface CallbackState {
  /** Plain values (numbers must be finite, or encoded with {@link encodeNumber}). */
  json: Record<string, unknown>;
  /** Tensors, owned by the state: the trainer disposes them after saving or restoring. */
  tensors?: tf.Tensor[];
}

/** A number as JSON can hold it: `Infinity`, `-Infinity` and `NaN` become strings. */
export function encodeNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** The inverse of {@link encodeNumber}. */
export function decodeNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/**
 * Base class of all callbacks; every hook is optional and may be async (the loop awaits it).
 * `epoch` and `batch` are 0-based.
 */
export abstract class Callback {
  #context: TrainingContext | undefined;

  /** The running loop; set by the trainer before `onTrainBegin`. */
  get context(): TrainingContext {
    if (!this.#context) throw new Error(`${this.constructor.name}: used outside a training run`);
    return this.#context;
  }

  /** Attaches the callback to a run (called by the trainer). */
  setContext(context: TrainingContext): void {
    this.#context = context;
  }

  /** Before the first epoch. */
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  /** Before each epoch. */
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  /** After each mini-batch, with that batch's `loss` and `accuracy`. */
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  /** After each epoch, with the epoch's metrics (loss, accuracy, val_*, lr, seconds). */
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  /** After the last epoch (also after early stopping). */
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  /** The state to keep in a training backup (default: none, the callback is stateless). */
  getState(): CallbackState | undefined {
    return undefined;
  }
  /** Restores {@link getState}'s state, after `onTrainBegin` of a resumed run. */
  setState(_state: CallbackState): void {}
}

/** `min`: lower is better (losses); `max`: higher is better; `auto`: max if the name has "acc". */
export type MonitorMode = "min" | "max" | "auto";

/** Tracks the best value of one metric, with Keras' `min_delta` semantics. */
class MonitorTracker {
  readonly mode: "min" | "max";
  best: number;
  #warned = false;

  constructor(readonly monitor: string, mode: MonitorMode, readonly minDelta: number) {
    this.mode = mode === "auto" ? (/acc/.test(monitor) ? "max" : "min") : mode;
    this.best = this.mode === "min" ? Infinity : -Infinity;
    if (!(minDelta >= 0)) throw new Error(`minDelta must be >= 0, got ${minDelta}`);
  }

  reset(): void {
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  /** The monitored value, or undefined (with one warning) when the logs lack it. */
  read(logs: Logs, owner: string): number | undefined {
    const value = logs[this.monitor];
    if (value === undefined || Number.isNaN(value)) {
      if (!this.#warned) {
        const known = Object.keys(logs).join(", ");
        console.warn(`${owner}: metric "${this.monitor}" is not in the logs (have: ${known})`);
        this.#warned = true;
      }
      return undefined;
    }
    return value;
  }

  /** Better than the best by more than `minDelta`. */
  isImprovement(value: number): boolean {
    return this.mode === "min"
      ? value < this.best - this.minDelta
      : value > this.best + this.minDelta;
  }
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Metric to watch (default `val_loss`). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Direction of improvement (default `auto`). */
  mode?: MonitorMode;
  /** Put back the weights of the best epoch when training ends (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored metric has not improved for `patience` epochs (Keras'
 * `EarlyStopping`). With `restoreBestWeights`, the best epoch's weights are copied aside and
 * restored when training ends, whether it stopped early or ran out of epochs.
 */
export class EarlyStopping extends Callback {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  #tracker: MonitorTracker;
  #wait = 0;
  #bestWeights: tf.Tensor[] | undefined;
  #lastEpoch = -1;
  /** Epoch (0-based) whose metric was best, or -1. */
  bestEpoch = -1;
  /** Epoch (0-based) after which training was stopped, or -1 if it was not. */
  stoppedEpoch = -1;

  /**
   * @param options see {@link EarlyStoppingOptions}
   * @example
   * ```ts
   * new EarlyStopping({ monitor: "val_loss", patience: 10, restoreBestWeights: true });
   * ```
   */
  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.patience = options.patience ?? 0;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.#tracker = new MonitorTracker(
      options.monitor ?? "val_loss",
      options.mode ?? "auto",
      options.minDelta ?? 0,
    );
  }

  /** The best value seen of the monitored metric. */
  get best(): number {
    return this.#tracker.best;
  }

  override onTrainBegin(): void {
    this.#wait = 0;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.#lastEpoch = -1;
    this.#tracker.reset();
    this.#disposeBest();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.#lastEpoch = epoch;
    const value = this.#tracker.read(logs, "EarlyStopping");
    if (value === undefined) return;
    if (this.#tracker.isImprovement(value)) {
      this.#tracker.best = value;
      this.bestEpoch = epoch;
      this.#wait = 0;
      if (this.restoreBestWeights) {
        this.#disposeBest();
        this.#bestWeights = this.context.model.getWeights().map((weight) => weight.clone());
      }
      return;
    }
    this.#wait++;
    if (this.#wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.context.stopTraining = true;
      this.context.stopReason = `early stopping: ${this.#tracker.monitor} has not improved ` +
        `for ${this.#wait} epoch(s) (best: epoch ${this.bestEpoch + 1})`;
    }
  }

  override getState(): CallbackState {
    return {
      json: {
        wait: this.#wait,
        best: encodeNumber(this.#tracker.best),
        bestEpoch: this.bestEpoch,
        stoppedEpoch: this.stoppedEpoch,
        lastEpoch: this.#lastEpoch,
        hasBestWeights: this.#bestWeights !== undefined,
      },
      tensors: this.#bestWeights?.map((weight) => weight.clone()),
    };
  }

  override setState(state: CallbackState): void {
    const json = state.json;
    this.#wait = Number(json.wait);
    this.#tracker.best = decodeNumber(json.best);
    this.bestEpoch = Number(json.bestEpoch);
    this.stoppedEpoch = Number(json.stoppedEpoch);
    this.#lastEpoch = Number(json.lastEpoch);
    this.#disposeBest();
    if (json.hasBestWeights && state.tensors) {
      this.#bestWeights = state.tensors.map((weight) => weight.clone());
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.#bestWeights && this.bestEpoch !== this.#lastEpoch) {
      this.context.model.setWeights(this.#bestWeights);
    }
    this.#disposeBest();
  }

  #disposeBest(): void {
    if (this.#bestWeights) tf.dispose(this.#bestWeights);
    this.#bestWeights = undefined;
  }
}

/** Options of {@link ReduceLROnPlateau}. */
/** Options of {@link TerminateOnNaN}. */
export interface TerminateOnNaNOptions {
  /** Where the one-line notice goes (default `console.error`); `null` for none. */
  write?: ((line: string) => void) | null;
}

/**
 * Stops training as soon as a mini-batch's loss is NaN or infinite (Keras' `TerminateOnNaN`):
 * once the loss is not finite the weights are damaged and every later step only spreads it,
 * so going on would waste the run and could checkpoint a useless model. The epoch in progress
 * ends after that batch (its epoch-end callbacks still run, as in Keras).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { TrainingData } from "./trainer.ts";
 * import { fit } from "./trainer.ts";
 * async function example(model: tf.LayersModel, data: TrainingData) {
 *   const history = await fit(model, data, { epochs: 100, batchSize: 64, callbacks: [new TerminateOnNaN()] });
 * }
 * ```
 */
export class TerminateOnNaN extends Callback {
  readonly write: ((line: string) => void) | null;
  #epoch = 0;
  /** Epoch (0-based) in which a non-finite loss stopped training, or -1. */
  stoppedEpoch = -1;
  /** Batch (0-based, within `stoppedEpoch`) whose loss was not finite, or -1. */
  stoppedBatch = -1;

  /** @param options see {@link TerminateOnNaNOptions} */
  constructor(options: TerminateOnNaNOptions = {}) {
    super();
    this.write = options.write === undefined ? (line) => console.error(line) : options.write;
  }

  override onTrainBegin(): void {
    this.stoppedEpoch = -1;
    this.stoppedBatch = -1;
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.stoppedEpoch = this.#epoch;
    this.stoppedBatch = batch;
    this.context.stopTraining = true;
    this.context.stopReason = `the loss became ${loss} (epoch ${this.#epoch + 1}, batch ${batch})`;
    this.write?.(
      `TerminateOnNaN: epoch ${this.#epoch + 1}, batch ${batch}: loss is ${loss}; ` +
        "training stopped",
    );
  }
}

export interface ReduceLROnPlateauOptions {
  /** Metric to watch (default `val_loss`). */
  monitor?: string;
  /** Multiplier applied to the LR on a plateau, in (0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** The LR never goes below this (default 0). */
  minLr?: number;
  /** Smallest change that counts as an improvement (default 1e-4, as Keras). */
  minDelta?: number;
  /** Direction of improvement (default `auto`). */
  mode?: MonitorMode;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Print a line when the LR changes (default true). */
  verbose?: boolean;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement. */
export class ReduceLROnPlateau extends Callback {
  readonly factor: number;
  readonly patience: number;
  readonly minLr: number;
  readonly cooldown: number;
  readonly verbose: boolean;
  #tracker: MonitorTracker;
  #wait = 0;
  #cooldownLeft = 0;

  /**
   * @param options see {@link ReduceLROnPlateauOptions}
   * @example
   * ```ts
   * new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 5, minLr: 1e-6 });
   * ```
   */
  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new Error(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    }
    this.patience = options.patience ?? 10;
    this.minLr = options.minLr ?? 0;
    this.cooldown = options.cooldown ?? 0;
    this.verbose = options.verbose ?? true;
    this.#tracker = new MonitorTracker(
      options.monitor ?? "val_loss",
      options.mode ?? "auto",
      options.minDelta ?? 1e-4,
    );
  }

  override onTrainBegin(): void {
    this.#wait = 0;
    this.#cooldownLeft = 0;
    this.#tracker.reset();
  }

  override getState(): CallbackState {
    return {
      json: {
        wait: this.#wait,
        cooldownLeft: this.#cooldownLeft,
        best: encodeNumber(this.#tracker.best),
      },
    };
  }

  override setState(state: CallbackState): void {
    this.#wait = Number(state.json.wait);
    this.#cooldownLeft = Number(state.json.cooldownLeft);
    this.#tracker.best = decodeNumber(state.json.best);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const value = this.#tracker.read(logs, "ReduceLROnPlateau");
    if (value === undefined) return;
    if (this.#cooldownLeft > 0) {
      this.#cooldownLeft--;
      this.#wait = 0;
    }
    if (this.#tracker.isImprovement(value)) {
      this.#tracker.best = value;
      this.#wait = 0;
      return;
    }
    if (this.#cooldownLeft > 0) return;
    this.#wait++;
    if (this.#wait < this.patience) return;
    const oldLr = this.context.getLearningRate();
    if (oldLr > this.minLr) {
      const newLr = Math.max(oldLr * this.factor, this.minLr);
      this.context.setLearningRate(newLr);
      if (this.verbose) {
        console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
      }
      this.#cooldownLeft = this.cooldown;
      this.#wait = 0;
    }
  }
}

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions<M> {
  /**
   * Saves the model; called each time the monitored metric improves. The trainer knows no
   * model files: pass e.g. `(model) => saveModel(model, "models/lstm_best")`, written atomically.
   */
  saveBest: (model: M) => Promise<void>;
  /** Metric to watch (default `val_loss`). */
  monitor?: string;
  /** Direction of improvement (default `auto`). */
  mode?: MonitorMode;
}

/** Calls an injected save function whenever the monitored metric reaches a new best. */
export class ModelCheckpoint<M = tf.LayersModel> extends Callback {
  readonly saveBest: (model: M) => Promise<void>;
  #tracker: MonitorTracker;
  /** Epochs (0-based) at which the model was saved. */
  savedEpochs: number[] = [];

  /**
   * @param options see {@link ModelCheckpointOptions}
   * @example
   * ```ts
   * import { saveModel } from "../models/mod.ts";
   * const dir = "models/lstm_best";
   * new ModelCheckpoint({ monitor: "val_loss", saveBest: async (model) => void await saveModel(model, dir) });
   * ```
   */
  constructor(options: ModelCheckpointOptions<M>) {
    super();
    this.saveBest = options.saveBest;
    this.#tracker = new MonitorTracker(options.monitor ?? "val_loss", options.mode ?? "auto", 0);
  }

  /** The best value seen of the monitored metric. */
  get best(): number {
    return this.#tracker.best;
  }

  override onTrainBegin(): void {
    this.#tracker.reset();
    this.savedEpochs = [];
  }

  override getState(): CallbackState {
    return { json: { best: encodeNumber(this.#tracker.best), savedEpochs: this.savedEpochs } };
  }

  override setState(state: CallbackState): void {
    this.#tracker.best = decodeNumber(state.json.best);
    this.savedEpochs = [...(state.json.savedEpochs as number[])];
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const value = this.#tracker.read(logs, "ModelCheckpoint");
    if (value === undefined || !this.#tracker.isImprovement(value)) return;
    this.#tracker.best = value;
    await this.saveBest(this.context.model as unknown as M);
    this.savedEpochs.push(epoch);
  }
}

/** Options of {@link TensorBoardLogger}. */
export interface TensorBoardLoggerOptions {
  /** Run folder; scalars go to `<logDir>/train` and `<logDir>/validation`, as Keras does. */
  logDir: string;
}

/**
 * Writes per-epoch scalars as TensorBoard event files, Keras-style: `loss` becomes
 * `train/epoch_loss`, `val_loss` becomes `validation/epoch_loss`, `lr` becomes
 * `train/epoch_lr`. View with `tensorboard --logdir logs`.
 */
export class TensorBoardLogger extends Callback {
  readonly logDir: string;
  #train: EventFileWriter | undefined;
  #validation: EventFileWriter | undefined;

  /**
   * @param options see {@link TensorBoardLoggerOptions}
   * @example
   * ```ts
   * new TensorBoardLogger({ logDir: "logs/lstm" });
   * ```
   */
  constructor(options: TensorBoardLoggerOptions) {
    super();
    this.logDir = options.logDir;
  }

  /** Paths of the event files written (train, then validation once it exists). */
  get files(): string[] {
    return [this.#train?.path, this.#validation?.path].filter((path): path is string =>
      path !== undefined
    );
  }

  override async onTrainBegin(): Promise<void> {
    this.#close();
    this.#train = await EventFileWriter.create(join(this.logDir, "train"));
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const train: Record<string, number> = {};
    const validation: Record<string, number> = {};
    for (const [name, value] of Object.entries(logs)) {
      if (name.startsWith("val_")) validation[`epoch_${name.slice(4)}`] = value;
      else train[`epoch_${name}`] = value;
    }
    await this.#train?.addScalars(train, epoch);
    if (Object.keys(validation).length > 0) {
      this.#validation ??= await EventFileWriter.create(join(this.logDir, "validation"));
      await this.#validation.addScalars(validation, epoch);
    }
  }

  override onTrainEnd(): void {
    this.#close();
  }

  #close(): void {
    this.#train?.close();
    this.#validation?.close();
  }
}

/** Options of {@link JsonlLogger}. */
export interface JsonlLoggerOptions {
  /** File to write, one JSON object per epoch. */
  path: string;
  /** Keep existing lines (default false: the file is started afresh at train begin). */
  append?: boolean;
}

/** Writes one JSON line per epoch (`{"epoch":0,"loss":...}`), like Keras' `CSVLogger`. */
export class JsonlLogger extends Callback {
  readonly path: string;
  readonly append: boolean;

  /**
   * @param options see {@link JsonlLoggerOptions}
   * @example
   * ```ts
   * new JsonlLogger({ path: "logs/lstm/history.jsonl" });
   * ```
   */
  constructor(options: JsonlLoggerOptions) {
    super();
    this.path = options.path;
    this.append = options.append ?? false;
  }

  override async onTrainBegin(): Promise<void> {
    await Deno.mkdir(dirname(this.path), { recursive: true });
    const initialEpoch = this.context.initialEpoch ?? 0;
    if (initialEpoch > 0) {
      // A resumed run: keep the lines of the epochs before the backup, drop the ones a killed
      // run wrote after it (they are run again).
      let text = "";
      try {
        text = await Deno.readTextFile(this.path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      const kept = text.split("\n").filter((line) => {
        try {
          return line !== "" && JSON.parse(line).epoch < initialEpoch;
        } catch {
          return false; // a line cut by the kill
        }
      });
      await writeTextAtomic(this.path, kept.map((line) => line + "\n").join(""));
    } else if (!this.append) await Deno.writeTextFile(this.path, "");
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    // Appending one whole line per write keeps the file valid JSONL if the run is killed.
    await Deno.writeTextFile(this.path, JSON.stringify({ epoch, ...logs }) + "\n", {
      append: true,
    });
  }
}

/** Options of {@link ProgressLogger}. */
export interface ProgressLoggerOptions {
  /** Where each line goes (default `console.log`). */
  write?: (line: string) => void;
  /**
   * A live bar over all the run's batches, updated after every batch: epochs done, elapsed
   * time, ETA, the running loss and accuracy of the epoch in progress and the last validation
   * metrics; at the end it says why training stopped. `"auto"` (the default): in a Jupyter
   * notebook (an HTML display updated in place) and in a terminal (one redrawn line), not in a
   * log or when `write` is given.
   */
  bar?: boolean | "auto";
  /** The bar's label, e.g. the model's name (default `training`). */
  label?: string;
  /** @deprecated the same as `bar` (a bar over the whole run). */
  batchBar?: boolean;
}

function formatMetric(value: number | undefined): string {
  if (value === undefined) return "-";
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(2);
}

/**
 * Prints one line per epoch (epoch, loss, accuracy, val_loss, val_accuracy, lr, seconds and the
 * ETA of the remaining epochs at the mean epoch time so far: an upper bound, early stopping may
 * end sooner), draws a live bar (see {@link ProgressLoggerOptions.bar}), and ends with a line
 * that says how training ended: all epochs done, or stopped and why (early stopping, a NaN loss,
 * a stop file, a time budget: the `stopReason` of the callback that stopped it).
 *
 * @example
 * ```ts
 * // Epoch  3/100 loss 0.5123 accuracy 0.8123 val_loss 0.6012 val_accuracy 0.7800 lr 1.00e-3 4.2s eta 6m47s
 * // stopped after epoch 12/100: stop file models/STOP found (in 51.0s)
 * new ProgressLogger();
 * ```
 */
export class ProgressLogger extends Callback {
  readonly write: (line: string) => void;
  readonly bar: boolean | "auto";
  readonly label: string;
  #bar: ProgressBar | undefined;
  #started = 0;
  #epochSeconds: number[] = [];
  #epoch = 0;
  #lastEpoch = -1;
  #batchLoss = 0;
  #batchCorrect = 0;
  #batches = 0;
  #validation = "";

  /** @param options see {@link ProgressLoggerOptions} */
  constructor(options: ProgressLoggerOptions = {}) {
    super();
    this.write = options.write ?? ((line) => console.log(line));
    this.bar = options.bar ?? options.batchBar ?? (options.write ? false : "auto");
    this.label = options.label ?? "training";
  }

  /** The last line written: how training ended (empty until it ended). */
  summary = "";

  override onTrainBegin(): void {
    this.#started = performance.now();
    this.#epochSeconds = [];
    this.#lastEpoch = (this.context.initialEpoch ?? 0) - 1;
    this.#validation = "";
    this.summary = "";
    const show = this.bar === "auto" ? inJupyter() || isTerminal() : this.bar;
    const steps = this.context.stepsPerEpoch;
    this.#bar = show
      ? new ProgressBar(this.label, this.context.epochs * steps, {
        initial: (this.context.initialEpoch ?? 0) * steps,
        width: 20,
      })
      : undefined;
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
    this.#batchLoss = 0;
    this.#batchCorrect = 0;
    this.#batches = 0;
  }

  override onBatchEnd(_batch: number, logs: Logs): void {
    if (!this.#bar) return;
    this.#batches++;
    this.#batchLoss += logs.loss ?? NaN;
    this.#batchCorrect += logs.accuracy ?? NaN;
    const n = this.#batches;
    this.#bar.tick(
      1,
      `epoch ${this.#epoch + 1}/${this.context.epochs} loss ${formatMetric(this.#batchLoss / n)} ` +
        `accuracy ${formatMetric(this.#batchCorrect / n)}${this.#validation}`,
    );
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.#lastEpoch = epoch;
    if ("seconds" in logs) this.#epochSeconds.push(logs.seconds);
    const epochs = this.context.epochs;
    const width = String(epochs).length;
    const parts = [`Epoch ${String(epoch + 1).padStart(width)}/${epochs}`];
    for (const name of ["loss", "accuracy", "val_loss", "val_accuracy"]) {
      if (name in logs) parts.push(`${name} ${formatMetric(logs[name])}`);
    }
    if ("lr" in logs) parts.push(`lr ${logs.lr.toExponential(2)}`);
    if ("seconds" in logs) parts.push(`${logs.seconds.toFixed(1)}s`);
    const left = epochs - epoch - 1;
    if (left > 0 && !this.context.stopTraining && this.#epochSeconds.length > 0) {
      const mean = this.#epochSeconds.reduce((a, b) => a + b, 0) / this.#epochSeconds.length;
      parts.push(`eta ${formatDuration(mean * left)}`);
    }
    if ("val_loss" in logs) {
      this.#validation = ` | val_loss ${formatMetric(logs.val_loss)}` +
        ("val_accuracy" in logs ? ` val_accuracy ${formatMetric(logs.val_accuracy)}` : "");
    }
    if (this.#bar) {
      // An epoch cut short by a stop request still counts as done on the bar.
      this.#bar.tick(Math.max(0, (epoch + 1) * this.context.stepsPerEpoch - this.#bar.done));
      this.#bar.clearLine();
    }
    this.write(parts.join(" "));
  }

  override onTrainEnd(): void {
    const epochs = this.context.epochs;
    const done = this.#lastEpoch + 1;
    const took = `in ${formatDuration((performance.now() - this.#started) / 1000)}`;
    const reason = this.context.stopReason;
    this.summary = this.context.stopTraining || done < epochs
      ? `stopped after epoch ${done}/${epochs}${reason ? `: ${reason}` : ""} (${took})`
      : `finished all ${epochs} epochs (${took})`;
    this.#bar?.finish(this.summary);
    this.#bar = undefined;
    this.write(this.summary);
  }
}
