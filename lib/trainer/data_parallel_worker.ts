/**
 * Worker side of data-parallel training (see `data_parallel.ts`): builds a replica of the
 * model on its own tfjs backend, then loops: wait for a step, copy the weights, run the
 * forward and backward pass of its shard, write the gradients to shared memory.
 *
 * The loop blocks on `Atomics.wait` and never returns to the event loop; the main thread
 * ends it by closing the group (status STOPPED) and terminating the worker.
 * @module
 */
/// <reference lib="deno.worker" />
import * as tf from "@tensorflow/tfjs";
// models/mod.ts also registers every layer class a replica may contain (FastLSTM, ...).
import {
  type BackendName,
  initBackend,
  setBlasImplementation,
  setBlasThreads,
  withBatchShard,
} from "../models/mod.ts";
// Internal to lib/models (not in its mod.ts): whether tensors copy the arrays they are made from.
import { backendCopiesValues } from "../models/tensor_buffers.ts";
import { mulberry32 } from "../util/mod.ts";
import { CONTROL, type InitMessage, shardGradients, SharedViews } from "./data_parallel.ts";
import { withSeededRandom } from "./step.ts";

const BACKENDS: Record<string, BackendName> = { wasm: "wasm", cpu: "cpu", tensorflow: "node" };

async function start(init: InitMessage): Promise<void> {
  const views = new SharedViews(init.shared, init.ranks, init.rank);
  try {
    if (init.blas.kind === "js") setBlasImplementation("js");
    else setBlasThreads(init.blas.threads);
    await initBackend({ prefer: BACKENDS[init.backend] ?? "wasm", quiet: true });
    const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson));
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    self.postMessage({ type: "ready" });
    // Let the ready message go out before the loop blocks this thread for good.
    setTimeout(() => {
      try {
        loop(init, views, model, variables);
      } catch (error) {
        if (Atomics.load(views.control, CONTROL.STATUS) !== CONTROL.STOPPED) {
          views.fail(`worker ${init.rank}: ${(error as Error).stack ?? error}`);
        }
      }
    }, 0);
  } catch (error) {
    self.postMessage({ type: "failed", message: (error as Error).message });
  }
}

function loop(
  init: InitMessage,
  views: SharedViews,
  model: tf.LayersModel,
  variables: tf.Variable[],
): void {
  const { control } = views;
  const { rank, maxBatch, sampleShape, classes } = init;
  const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  const random = mulberry32(0);
  const weightCount = views.weights.length;
  const reuse = backendCopiesValues();
  let xBuffer = new Float32Array(0);
  for (let step = 1;; step++) {
    views.waitAtLeast(CONTROL.STEP, step);
    if (rank >= control[CONTROL.ACTIVE]) {
      // A batch smaller than the thread count: nothing to do this step.
      Atomics.store(control, CONTROL.DONE + rank, step);
      Atomics.notify(control, CONTROL.DONE + rank);
      continue;
    }
    tf.tidy(() => {
      let offset = 0;
      for (const variable of variables) {
        variable.assign(
          tf.tensor(views.weights.slice(offset, offset + variable.size), variable.shape),
        );
        offset += variable.size;
      }
    });
    model.layers.forEach((layer, i) => {
      if (control[CONTROL.LAYER_STATES + 2 * i] === 1) {
        const state = control[CONTROL.LAYER_STATES + 2 * i + 1] >>> 0;
        (layer as unknown as { setRandomState?(state: number): void }).setRandomState?.(state);
      }
    });
    random.setState(control[CONTROL.RANDOM_STATE] >>> 0);
    const rows = control[CONTROL.ROW_COUNT + rank];
    const indices = views.indices.subarray(rank * maxBatch, rank * maxBatch + rows);
    // A fresh multi-megabyte array costs page faults every step; reuse one where the backend
    // copies tensor values (WASM), not where it keeps the array (cpu).
    if (!reuse || xBuffer.length < rows * sampleSize) {
      xBuffer = new Float32Array(maxBatch * sampleSize);
    }
    const x = xBuffer.subarray(0, rows * sampleSize);
    const oneHot = new Float32Array(rows * classes);
    const weights = views.sampleWeights ? new Float32Array(rows) : undefined;
    indices.forEach((row, i) => {
      x.set(views.x.subarray(row * sampleSize, (row + 1) * sampleSize), i * sampleSize);
      oneHot.set(views.oneHot.subarray(row * classes, (row + 1) * classes), i * classes);
      if (weights && views.sampleWeights) weights[i] = views.sampleWeights[row];
    });
    const totalRows = control[CONTROL.TOTAL_ROWS];
    withSeededRandom(random, () =>
      withBatchShard(views.shard(step), () =>
        tf.tidy(() => {
          const result = shardGradients(
            model,
            variables,
            tf.tensor(x, [rows, ...sampleShape]),
            tf.tensor2d(oneHot, [rows, classes]),
            weights ? tf.tensor1d(weights) : undefined,
            totalRows,
          );
          let start = rank * weightCount;
          for (const variable of variables) {
            views.gradients.set(result.grads[variable.name].dataSync() as Float32Array, start);
            start += variable.size;
          }
          views.scalars[2 * rank] = result.loss.dataSync()[0];
          views.scalars[2 * rank + 1] = result.correct.dataSync()[0];
          result.correct.dispose();
        })));
    Atomics.store(control, CONTROL.DONE + rank, step);
    Atomics.notify(control, CONTROL.DONE + rank);
  }
}

self.onmessage = (event: MessageEvent<InitMessage>) => {
  if (event.data?.type === "init") start(event.data);
};
