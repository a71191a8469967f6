/**
 * Data-parallel training steps for {@link fit}'s `workers` option: the batch is cut into
 * `workers` contiguous shards; this thread (shard 0) and `workers - 1` Web Workers, each with
 * a replica of the model, compute the gradients of their shard at the same time; this thread
 * adds them up in shard order and applies the optimizer; the replicas get the new weights at
 * the start of the next step.
 *
 * What makes the sum of the shards' gradients the gradient of the whole batch (to float
 * rounding, not bit for bit: the sums run in another order):
 * - each shard's loss is the sum of its samples' (class-weighted) losses divided by the WHOLE
 *   batch's size, so the shards' losses add up to the batch's mean loss;
 * - `FastBatchNormalization` normalises with the whole batch's mean and variance and uses the
 *   whole batch's sums in its backward pass (synchronised BatchNorm: per-channel sums are
 *   exchanged through shared memory, see lib/models/batch_shard.ts), so its moving averages
 *   also see the whole batch's statistics, as with one thread;
 * - `FastDropout` draws for each shard its part of the whole batch's mask (its mask stream is
 *   counter-based), and every replica starts each step with this thread's layer streams and
 *   `Math.random` state, so the masks are exactly those of one thread;
 * - other layers must treat samples independently: layers outside a known list (e.g. tfjs's
 *   own BatchNormalization and Dropout) are refused.
 *
 * Runs with the same seed and worker count are bit-for-bit identical: every thread's work is
 * deterministic and all sums (gradients, BatchNorm statistics) run in shard order. The
 * optimizer, the weight average, validation and callbacks stay on this thread.
 *
 * Shared memory (SharedArrayBuffer + Atomics): the training inputs (copied once per `fit`),
 * the weights, each worker's gradients and the BatchNorm exchange; the threads wait for each
 * other with `Atomics.wait`, which Deno allows on the main thread.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { mulberry32 } from "../util/mod.ts";
 * async function example(model: tf.LayersModel, x: tf.Tensor, oneHot: tf.Tensor) {
 *   const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
 *   const group = await DataParallelGroup.start(model, variables, { x, oneHot }, 2, 64);
 *   try {
 *     const { loss } = group.step(new Int32Array([0, 1, 2, 3]), mulberry32(1), (grads) => {
 *       tf.train.sgd(0.1).applyGradients(grads);
 *     });
 *   } finally {
 *     group.close();
 *   }
 * }
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BatchShard, blasInfo, withBatchShard } from "../models/mod.ts";
import type { SeededRandom } from "../util/mod.ts";
import { correctCount, crossEntropy, withSeededRandom } from "./step.ts";

/** Most threads a group may use (shard 0 included). */
export const MAX_WORKERS = 8;

/**
 * Layer classes whose training-mode output for a sample depends on that sample only, or that
 * handle shards themselves (FastBatchNormalization, FastDropout: see lib/models/batch_shard.ts).
 */
const SHARDABLE_LAYERS = new Set([
  "InputLayer",
  "FastLSTM",
  "FastGRU",
  "FastConv1D",
  "FastBatchNormalization",
  "FastDropout",
  "StatsPooling1D",
  "Dense",
  "Activation",
  "Flatten",
  "Reshape",
  "Permute",
  "MaxPooling1D",
  "AveragePooling1D",
  "GlobalAveragePooling1D",
  "GlobalMaxPooling1D",
]);

// Control words (Int32Array over a SharedArrayBuffer).
const STEP = 0; // sequence number of the step the workers should run
const STATUS = 1; // RUNNING, FAILED (a worker threw) or STOPPED (the group is closing)
const ACTIVE = 2; // shards in this step (fewer than the threads when the batch is tiny)
const TOTAL_ROWS = 3; // samples in the whole batch
const RANDOM_STATE = 4; // this thread's seeded Math.random state at the step's start
const DONE = 8; // + shard: last step the shard finished
const ARRIVED = 16; // + shard: barrier arrivals, step * REDUCES_PER_STEP + calls this step
const ROW_OFFSET = 24; // + shard: first row of the shard in the batch
const ROW_COUNT = 32; // + shard: rows of the shard
const LAYER_STATES = 40; // 2 per layer: has a random stream (0/1), its state
const RUNNING = 0;
const FAILED = 1;
const STOPPED = 2;
/** Most BatchNorm exchanges in one step (3 per FastBatchNormalization layer). */
const REDUCES_PER_STEP = 256;
/** Longest BatchNorm exchange, in float64 values (2 x channels). */
const REDUCE_LENGTH = 8192;
const ERROR_BYTES = 4096;
/** How long a wait spins before it sleeps, in ms. */
const SPIN_MS = 0.1;
/** How long one wait sleeps before checking the status again, in ms. */
const WAIT_SLICE_MS = 200;

/** The shared buffers a worker is given at start-up. */
export interface SharedState {
  control: SharedArrayBuffer;
  indices: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  gradients: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  reduce: SharedArrayBuffer;
  error: SharedArrayBuffer;
  x: SharedArrayBuffer;
  oneHot: SharedArrayBuffer;
  sampleWeights?: SharedArrayBuffer;
}

/** The message that starts a worker. */
export interface InitMessage {
  type: "init";
  rank: number;
  ranks: number;
  maxBatch: number;
  /** The model's topology (`model.toJSON`). */
  modelJson: string;
  /** Shape of one sample of `x`. */
  sampleShape: number[];
  classes: number;
  /** The tfjs backend this thread uses. */
  backend: string;
  blas: { kind: string; threads: number };
  shared: SharedState;
}

/** Typed views of the shared buffers. */
export class SharedViews {
  readonly control: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  readonly gradients: Float32Array;
  readonly scalars: Float64Array;
  readonly reduce: Float64Array;
  readonly error: Uint8Array;
  readonly x: Float32Array;
  readonly oneHot: Float32Array;
  readonly sampleWeights?: Float32Array;

  constructor(shared: SharedState, readonly ranks: number, readonly rank: number) {
    this.control = new Int32Array(shared.control);
    this.indices = new Int32Array(shared.indices);
    this.weights = new Float32Array(shared.weights);
    this.gradients = new Float32Array(shared.gradients);
    this.scalars = new Float64Array(shared.scalars);
    this.reduce = new Float64Array(shared.reduce);
    this.error = new Uint8Array(shared.error);
    this.x = new Float32Array(shared.x);
    this.oneHot = new Float32Array(shared.oneHot);
    if (shared.sampleWeights) this.sampleWeights = new Float32Array(shared.sampleWeights);
  }

  /** Throws when a worker failed or the group is closing. */
  checkStatus(): void {
    const status = Atomics.load(this.control, STATUS);
    if (status === FAILED) {
      const text = new TextDecoder().decode(this.error.slice()).replace(/\0+$/, "");
      throw new Error(`fit: a data-parallel worker failed: ${text}`);
    }
    if (status === STOPPED) throw new Error("fit: the data-parallel group was closed");
  }

  /**
   * Waits until control word `index` is at least `target`: spins for up to `spinMs` first
   * (the other shard usually arrives within a millisecond, and a futex sleep costs a wake-up
   * and, on a busy machine, a trip through the run queue), then sleeps in `Atomics.wait`.
   */
  waitAtLeast(index: number, target: number, spinMs = SPIN_MS): void {
    if (Atomics.load(this.control, index) >= target) return;
    const spinEnd = performance.now() + spinMs;
    while (performance.now() < spinEnd) {
      if (Atomics.load(this.control, index) >= target) return;
    }
    for (;;) {
      const value = Atomics.load(this.control, index);
      if (value >= target) return;
      this.checkStatus();
      Atomics.wait(this.control, index, value, WAIT_SLICE_MS);
    }
  }

  /** Records a failure so that every waiting thread stops. */
  fail(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.error.set(bytes);
    Atomics.store(this.control, STATUS, FAILED);
    this.wakeAll();
  }

  wakeAll(): void {
    for (let i = 0; i < this.control.length; i++) Atomics.notify(this.control, i);
  }

  /** A {@link BatchShard} for this thread's part of step `step`. */
  shard(step: number): BatchShard {
    const { control, reduce, rank } = this;
    const active = control[ACTIVE];
    let calls = 0;
    return {
      rowOffset: control[ROW_OFFSET + rank],
      totalRows: control[TOTAL_ROWS],
      allReduce: (values: Float64Array) => {
        if (values.length > REDUCE_LENGTH) {
          throw new Error(
            `fit: a BatchNorm exchange of ${values.length} values exceeds ${REDUCE_LENGTH}`,
          );
        }
        if (calls >= REDUCES_PER_STEP - 1) {
          throw new Error(`fit: more than ${REDUCES_PER_STEP - 1} BatchNorm exchanges in a step`);
        }
        // Two alternating areas: a thread may start the next exchange while another still
        // reads this one, never the one after (it needs that thread's arrival first).
        const area = (calls & 1) * this.ranks * REDUCE_LENGTH;
        calls++;
        reduce.set(values, area + rank * REDUCE_LENGTH);
        const arrival = step * REDUCES_PER_STEP + calls;
        Atomics.store(control, ARRIVED + rank, arrival);
        Atomics.notify(control, ARRIVED + rank);
        for (let other = 0; other < active; other++) {
          if (other !== rank) this.waitAtLeast(ARRIVED + other, arrival);
        }
        for (let i = 0; i < values.length; i++) {
          let sum = reduce[area + i];
          for (let other = 1; other < active; other++) {
            sum += reduce[area + other * REDUCE_LENGTH + i];
          }
          values[i] = sum;
        }
      },
    };
  }
}

/** The shard's part of a step: its loss (already divided by the batch size) and gradients. */
export interface ShardResult {
  /** Sum of the shard's weighted losses / samples in the whole batch. */
  loss: tf.Scalar;
  /** Correct predictions in the shard. */
  correct: tf.Scalar;
  /** Gradient per variable name. */
  grads: tf.NamedTensorMap;
}

/**
 * Forward and backward pass of one shard (call inside `tf.tidy`, with the shard and seeded
 * `Math.random` in place). The same code runs on every thread.
 */
export function shardGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  xb: tf.Tensor,
  yb: tf.Tensor,
  wb: tf.Tensor | undefined,
  totalRows: number,
): ShardResult {
  let correct: tf.Scalar | undefined;
  const { value: loss, grads } = tf.variableGrads(() => {
    const probabilities = model.apply(xb, { training: true }) as tf.Tensor;
    const perSample = crossEntropy(yb, probabilities);
    correct = tf.keep(correctCount(yb, probabilities));
    return (wb ? perSample.mul(wb) : perSample).sum().div(totalRows) as tf.Scalar;
  }, variables);
  return { loss, correct: correct!, grads };
}

/** Sizes of the shards of a `size`-sample batch: contiguous, the first ones one larger. */
export function shardSizes(size: number, ranks: number): number[] {
  const base = Math.floor(size / ranks);
  const extra = size % ranks;
  return Array.from({ length: ranks }, (_, rank) => base + (rank < extra ? 1 : 0))
    .filter((rows) => rows > 0);
}

/** Random-stream states of the model's layers (FastDropout), by layer index. */
export function layerStates(model: tf.LayersModel): (number | undefined)[] {
  return model.layers.map((layer) =>
    (layer as unknown as { getRandomState?(): number | undefined }).getRandomState?.()
  );
}

/** Copies a float32 tensor's values into `target` at `offset` (without a copy on WASM). */
function copyValues(tensor: tf.Tensor, target: Float32Array, offset: number): void {
  const backend = tf.backend() as unknown as {
    dataIdMap?: { has(dataId: object): boolean };
    typedArrayFromHeap?(tensor: tf.Tensor): Float32Array;
  };
  if (
    tf.getBackend() === "wasm" && typeof backend.typedArrayFromHeap === "function" &&
    backend.dataIdMap?.has(tensor.dataId)
  ) {
    target.set(backend.typedArrayFromHeap(tensor), offset);
  } else {
    target.set(tensor.dataSync() as Float32Array, offset);
  }
}

function sharedFloats(length: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, length) * 4);
}

/** This thread's end of a data-parallel group: starts the workers and runs the steps. */
export class DataParallelGroup {
  #step = 0;
  #closed = false;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly variables: tf.Variable[],
    private readonly data: { x: tf.Tensor; oneHot: tf.Tensor; sampleWeights?: tf.Tensor },
    private readonly views: SharedViews,
    private readonly workers: Worker[],
    private readonly maxBatch: number,
  ) {}

  /**
   * Checks the model, copies the training data into shared memory and starts `ranks - 1`
   * workers with replicas of the model (resolves once they are ready).
   *
   * @param model the model being trained (its layers must be shardable, see the module docs)
   * @param variables its trainable variables, in `model.trainableWeights` order
   * @param data training inputs `[n, ...]`, one-hot targets `[n, classes]`, optional weights
   * @param ranks threads in all, 2 to {@link MAX_WORKERS}
   * @param maxBatch the largest batch a step gets
   */
  static async start(
    model: tf.LayersModel,
    variables: tf.Variable[],
    data: { x: tf.Tensor; oneHot: tf.Tensor; sampleWeights?: tf.Tensor },
    ranks: number,
    maxBatch: number,
  ): Promise<DataParallelGroup> {
    if (!Number.isInteger(ranks) || ranks < 2 || ranks > MAX_WORKERS) {
      throw new Error(
        `fit: data-parallel training needs 2 to ${MAX_WORKERS} workers, got ${ranks}`,
      );
    }
    const refused = model.layers.filter((layer) => !SHARDABLE_LAYERS.has(layer.getClassName()));
    if (refused.length > 0) {
      throw new Error(
        `fit: workers > 1 cannot split a batch across layer${refused.length > 1 ? "s" : ""} ` +
          refused.map((layer) => `"${layer.name}" (${layer.getClassName()})`).join(", ") +
          ` (their output depends on the whole batch or on unsynchronised random draws; use ` +
          `the fast layers of lib/models or workers: 1)`,
      );
    }
    if (data.x.dtype !== "float32") {
      throw new Error(`fit: workers > 1 needs float32 inputs, got ${data.x.dtype}`);
    }
    const weightCount = variables.reduce((sum, variable) => sum + variable.size, 0);
    const shared: SharedState = {
      control: new SharedArrayBuffer((LAYER_STATES + 2 * model.layers.length) * 4),
      indices: new SharedArrayBuffer(ranks * maxBatch * 4),
      weights: sharedFloats(weightCount),
      gradients: sharedFloats(ranks * weightCount),
      scalars: new SharedArrayBuffer(ranks * 2 * 8),
      reduce: new SharedArrayBuffer(2 * ranks * REDUCE_LENGTH * 8),
      error: new SharedArrayBuffer(ERROR_BYTES),
      x: sharedFloats(data.x.size),
      oneHot: sharedFloats(data.oneHot.size),
      sampleWeights: data.sampleWeights ? sharedFloats(data.sampleWeights.size) : undefined,
    };
    const views = new SharedViews(shared, ranks, 0);
    copyValues(data.x, views.x, 0);
    copyValues(data.oneHot, views.oneHot, 0);
    if (data.sampleWeights && views.sampleWeights) {
      copyValues(data.sampleWeights, views.sampleWeights, 0);
    }
    const info = blasInfo();
    const workers: Worker[] = [];
    const group = new DataParallelGroup(model, variables, data, views, workers, maxBatch);
    try {
      const ready: Promise<void>[] = [];
      for (let rank = 1; rank < ranks; rank++) {
        const worker = new Worker(new URL("./data_parallel_worker.ts", import.meta.url), {
          type: "module",
        });
        workers.push(worker);
        ready.push(
          new Promise<void>((resolve, reject) => {
            worker.onmessage = (event) => {
              if (event.data?.type === "ready") resolve();
              else if (event.data?.type === "failed") {
                reject(new Error(`fit: data-parallel worker ${rank}: ${event.data.message}`));
              }
            };
            worker.onerror = (event) => {
              event.preventDefault();
              reject(new Error(`fit: data-parallel worker ${rank} crashed: ${event.message}`));
            };
          }),
        );
        const message: InitMessage = {
          type: "init",
          rank,
          ranks,
          maxBatch,
          modelJson: model.toJSON(null, true) as string,
          sampleShape: data.x.shape.slice(1),
          classes: data.oneHot.shape[1] as number,
          backend: tf.getBackend(),
          blas: { kind: info.kind, threads: info.threads },
          shared,
        };
        worker.postMessage(message);
      }
      await Promise.all(ready);
    } catch (error) {
      group.close();
      throw error;
    }
    return group;
  }

  /**
   * One optimizer step on the batch `indices` (rows of the training data): the shards'
   * gradients are computed in parallel, summed in shard order and passed to `apply`.
   *
   * @param indices the batch's rows, in batch order
   * @param random the trainer's seeded generator (`Math.random` during the step)
   * @param apply applies the summed gradients (the optimizer step)
   * @returns the batch's mean (weighted) loss and its number of correct predictions
   */
  step(
    indices: Int32Array,
    random: SeededRandom,
    apply: (grads: tf.NamedTensorMap) => void,
  ): { loss: number; correct: number } {
    if (this.#closed) throw new Error("fit: the data-parallel group was closed");
    const { views, variables } = this;
    const { control } = views;
    views.checkStatus();
    if (indices.length > this.maxBatch) {
      throw new Error(`fit: batch of ${indices.length} exceeds ${this.maxBatch}`);
    }
    // Publish the weights the step starts from (the replicas copy them).
    let offset = 0;
    for (const variable of variables) {
      copyValues(variable, views.weights, offset);
      offset += variable.size;
    }
    const sizes = shardSizes(indices.length, views.ranks);
    let rowOffset = 0;
    sizes.forEach((rows, rank) => {
      control[ROW_OFFSET + rank] = rowOffset;
      control[ROW_COUNT + rank] = rows;
      views.indices.set(indices.subarray(rowOffset, rowOffset + rows), rank * this.maxBatch);
      rowOffset += rows;
    });
    control[ACTIVE] = sizes.length;
    control[TOTAL_ROWS] = indices.length;
    control[RANDOM_STATE] = random.getState() | 0;
    layerStates(this.model).forEach((state, layer) => {
      control[LAYER_STATES + 2 * layer] = state === undefined ? 0 : 1;
      control[LAYER_STATES + 2 * layer + 1] = (state ?? 0) | 0;
    });
    const step = ++this.#step;
    Atomics.store(control, STEP, step);
    Atomics.notify(control, STEP);

    return withSeededRandom(random, () =>
      withBatchShard(views.shard(step), () =>
        tf.tidy(() => {
          const own = indices.subarray(0, sizes[0]);
          const index = tf.tensor1d(own, "int32");
          const { x, oneHot, sampleWeights } = this.data;
          const own_ = shardGradients(
            this.model,
            variables,
            tf.gather(x, index),
            tf.gather(oneHot, index),
            sampleWeights ? tf.gather(sampleWeights, index) : undefined,
            indices.length,
          );
          let loss = own_.loss.dataSync()[0];
          let correct = own_.correct.dataSync()[0];
          own_.correct.dispose();
          for (let rank = 1; rank < sizes.length; rank++) {
            views.waitAtLeast(DONE + rank, step);
          }
          const summed: tf.NamedTensorMap = {};
          let start = 0;
          const weightCount = views.weights.length;
          for (const variable of variables) {
            let gradient = own_.grads[variable.name];
            for (let rank = 1; rank < sizes.length; rank++) {
              const from = rank * weightCount + start;
              const values = views.gradients.slice(from, from + variable.size);
              gradient = tf.add(gradient, tf.tensor(values, variable.shape));
            }
            summed[variable.name] = gradient;
            start += variable.size;
          }
          for (let rank = 1; rank < sizes.length; rank++) {
            loss += views.scalars[2 * rank];
            correct += views.scalars[2 * rank + 1];
          }
          apply(summed);
          return { loss, correct };
        })));
  }

  /** Stops the workers (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (Atomics.load(this.views.control, STATUS) === RUNNING) {
      Atomics.store(this.views.control, STATUS, STOPPED);
    }
    this.views.wakeAll();
    for (const worker of this.workers) worker.terminate();
  }
}

/** Control-word positions, for the worker. */
export const CONTROL = {
  STEP,
  STATUS,
  ACTIVE,
  TOTAL_ROWS,
  RANDOM_STATE,
  DONE,
  ROW_COUNT,
  LAYER_STATES,
  STOPPED,
} as const;
