/**
 * The training loop: a seeded, leak-free mini-batch loop around any `tf.LayersModel` whose
 * output is a probability vector per sample (softmax), minimising categorical cross-entropy
 * with optional class weights, calling Keras-like {@link Callback}s.
 *
 * Why a custom loop instead of `model.fit`: it gives seeded shuffling, deterministic dropout
 * masks (the seed drives `Math.random` only while a batch step runs), LR changes between
 * batches, and explicit control of tensor lifetimes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { EarlyStopping } from "./callbacks.ts";
 * import { fit } from "./trainer.ts";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4], activation: "softmax" })] });
 * const xTrain = tf.randomNormal([32, 4]), yTrain = tf.zeros([32], "int32");
 * const xVal = tf.randomNormal([8, 4]), yVal = tf.zeros([8], "int32");
 * const history = await fit(model, { xTrain, yTrain, xVal, yVal }, {
 *   epochs: 50, batchSize: 64, learningRate: 1e-3, classWeight: "balanced", seed: 42,
 *   callbacks: [new EarlyStopping({ patience: 10, restoreBestWeights: true })],
 * });
 * console.log(history.history.val_accuracy);
 * ```
 * @module
 */
import { mulberry32 } from "../util/mod.ts";
import * as tf from "@tensorflow/tfjs";
import { asTensor, type TensorInput } from "../models/mod.ts";
import type { Callback, Logs, TrainingContext } from "./callbacks.ts";
import { WeightAverage } from "./ema.ts";
import { disposeBackup, readBackup, type TrainingBackup, writeBackup } from "./backup.ts";
import { DataParallelGroup } from "./data_parallel.ts";
import { correctCount, crossEntropy, withSeededRandom } from "./step.ts";

/**
 * Training (and optional validation) data. `x` is `[n, ...]`; `y` is either one-hot
 * `[n, nClasses]` or integer class indices `[n]`.
 */
export interface TrainingData {
  /** Training inputs, `[n, ...]`. */
  xTrain: TensorInput;
  /** Training targets: one-hot `[n, nClasses]` or class indices `[n]`. */
  yTrain: TensorInput;
  /** Validation inputs; with `yVal`, adds `val_loss` and `val_accuracy` to the logs. */
  xVal?: TensorInput;
  /** Validation targets, same format as `yTrain`. */
  yVal?: TensorInput;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** Number of passes over the training data. */
  epochs: number;
  /** Samples per mini-batch (the last batch may be smaller). */
  batchSize: number;
  /** Sets the optimizer's learning rate before training (default: leave it as it is). */
  learningRate?: number;
  /**
   * Per-class loss weights, indexed by class, or `"balanced"` for sklearn's
   * `n_samples / (n_classes * count)`. Applied to the training loss only.
   */
  classWeight?: number[] | "balanced";
  /** Called in order at each hook. */
  callbacks?: Callback[];
  /** Seeds shuffling and dropout masks (default 42). */
  seed?: number;
  /** Reshuffle the training data every epoch (default true). */
  shuffle?: boolean;
  /**
   * Optimizer to use; default: the model's compiled optimizer, or Adam when it has none
   * (`learningRate` or 1e-3).
   */
  optimizer?: tf.Optimizer;
  /**
   * Rescales each batch's gradients so that their global L2 norm (over all trainable weights)
   * is at most this value, as Keras' `global_clipnorm` (default: no clipping). Recurrent
   * networks train more steadily with it: one exploding batch cannot throw the weights off.
   */
  globalClipNorm?: number;
  /**
   * Keep an exponential moving average of the trainable weights with this momentum per batch
   * (Keras' `use_ema=True, ema_momentum=...`; 0.99 averages over ~100 batches, after a short
   * warm-up, see {@link WeightAverage}). Validation, callbacks' `onEpochEnd` (early stopping,
   * checkpoints) and the returned model see the averaged weights; training steps continue from
   * the raw ones. Default: no average.
   */
  emaMomentum?: number;
  /**
   * Makes the run resumable (Keras' `BackupAndRestore`): after every epoch the whole training
   * state (weights, optimizer moments and iteration, weight average, callbacks' state, the
   * seeded generator, learning rate, history, epoch) is written atomically to `resume.dir`; when
   * a backup is there at the start, training continues from the epoch after it, and ends with
   * the weights an uninterrupted run with the same seed would have. The backup stays after
   * training (a rerun then returns at once with the same final model); delete the folder to
   * start afresh. The model and callbacks must be built the same way as in the killed run.
   */
  resume?: { dir: string };
  /**
   * Threads that compute each batch's gradients (default 1). With 2, this thread and a Web
   * Worker holding a replica of the model each take half of every batch, and the gradients are
   * summed before the optimizer step (see `data_parallel.ts`): BatchNorm uses the whole batch's
   * statistics and dropout the masks one thread would draw, so training follows the one-thread
   * run to float rounding; runs with the same seed and `workers` are bit-identical. Needs a
   * model of lib/models' fast layers (others are refused with an error naming the layer).
   * The threads work in lock-step (they meet at every BatchNorm layer), so it pays off only
   * when a second core is free; on a busy machine it can be slower than one thread. The worker
   * starts once per call (~0.5 s) and the training inputs are copied once into shared memory.
   */
  workers?: number;
}

/** Keras-style training history: metric name -> one value per finished epoch. */
export interface History {
  /** 0-based epoch numbers that ran. */
  epoch: number[];
  /** `loss`, `accuracy`, `val_loss`, `val_accuracy` (with validation data), `lr`, `seconds`. */
  history: Record<string, number[]>;
}

/**
 * Class weights by sklearn's `compute_class_weight("balanced")`:
 * `weight[c] = n_samples / (n_classes * count[c])`. A class with no samples gets 0 (it never
 * contributes to the loss anyway).
 *
 * @param labels class index per sample, each in `[0, nClasses)`
 * @param nClasses number of classes
 * @returns one weight per class
 * @example
 * ```ts
 * computeClassWeights([0, 0, 0, 1], 2); // [0.6667, 2]
 * ```
 */
export function computeClassWeights(labels: ArrayLike<number>, nClasses: number): number[] {
  if (!Number.isInteger(nClasses) || nClasses <= 0) {
    throw new Error(`computeClassWeights: nClasses must be a positive integer, got ${nClasses}`);
  }
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= nClasses) {
      throw new Error(
        `computeClassWeights: label ${label} at index ${i} is not in [0, ${nClasses})`,
      );
    }
    counts[label]++;
  }
  return counts.map((count) => (count === 0 ? 0 : labels.length / (nClasses * count)));
}

/** Targets as one-hot float32 `[n, nClasses]` plus the class index of each sample. */
function toOneHot(
  y: tf.Tensor,
  nClasses: number,
  name: string,
): { oneHot: tf.Tensor2D; labels: Int32Array } {
  if (y.rank === 1) {
    const labels = Int32Array.from(y.dataSync(), (v) => Math.round(v));
    labels.forEach((label, i) => {
      if (label < 0 || label >= nClasses) {
        throw new Error(`${name}: label ${label} at index ${i} is not in [0, ${nClasses})`);
      }
    });
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), nClasses).toFloat());
    return { oneHot: oneHot as tf.Tensor2D, labels };
  }
  if (y.rank !== 2 || y.shape[1] !== nClasses) {
    throw new Error(
      `${name}: expected one-hot [n, ${nClasses}] or class indices [n], got [${y.shape}]`,
    );
  }
  const labels = tf.tidy(() => y.argMax(1).dataSync() as Int32Array);
  return { oneHot: tf.tidy(() => y.toFloat()) as tf.Tensor2D, labels };
}

function getLearningRate(optimizer: tf.Optimizer): number {
  // deno-lint-ignore no-explicit-any
  const value = (optimizer as any).learningRate;
  return typeof value === "number" ? value : NaN;
}

function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new Error(`learning rate must be a positive number, got ${learningRate}`);
  }
  // deno-lint-ignore no-explicit-any
  const opt = optimizer as any;
  // SGD caches -lr in a tensor and offers a setter; Adam, RMSProp & co. read the field per step.
  if (typeof opt.setLearningRate === "function") opt.setLearningRate(learningRate);
  else opt.learningRate = learningRate;
}

function shuffledOrder(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Mean loss and accuracy over a dataset, evaluated in batches in inference mode. */
async function evaluateLossAndAccuracy(
  model: tf.LayersModel,
  x: tf.Tensor,
  yOneHot: tf.Tensor,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  const n = x.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const result = tf.tidy(() => {
      const xb = x.slice(start, size);
      const yb = yOneHot.slice(start, size);
      const probabilities = model.apply(xb, { training: false }) as tf.Tensor;
      return tf.stack([crossEntropy(yb, probabilities).sum(), correctCount(yb, probabilities)]);
    });
    const [batchLoss, batchCorrect] = await result.data();
    result.dispose();
    lossSum += batchLoss;
    correct += batchCorrect;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

/**
 * Trains `model` on mini-batches, Keras-style, and returns the per-epoch history.
 *
 * The model must output class probabilities `[n, nClasses]` (softmax). The loss is categorical
 * cross-entropy (mean over the batch of class-weighted per-sample losses, as Keras' `fit` with
 * `class_weight`); validation loss is unweighted. Given the same seed, initial weights and
 * backend, two runs produce the same history (shuffling and dropout masks are seeded; weight
 * initialisers need their own seeds). Tensors created here are disposed; the optimizer's slot
 * variables persist with the optimizer, as in Keras.
 *
 * @param model a `tf.LayersModel` (compiled or not; its compiled optimizer is reused)
 * @param data training and optional validation data (tensors are not disposed)
 * @param options epochs, batch size (samples), learning rate, class weights, callbacks, seed
 * @returns the history: loss, accuracy, val_loss, val_accuracy, lr and seconds per epoch
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4], activation: "softmax" })] });
 * const xTrain = tf.randomNormal([32, 4]), yTrain = tf.zeros([32], "int32");
 * const history = await fit(model, { xTrain, yTrain }, { epochs: 10, batchSize: 32, seed: 1 });
 * ```
 */
export async function fit(
  model: tf.LayersModel,
  data: TrainingData,
  options: FitOptions,
): Promise<History> {
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 0) {
    throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  }
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  }
  if ((data.xVal === undefined) !== (data.yVal === undefined)) {
    throw new Error("fit: give both xVal and yVal, or neither");
  }
  const outputShape = model.outputs[0].shape;
  const nClasses = outputShape[outputShape.length - 1];
  if (typeof nClasses !== "number" || nClasses < 1) {
    throw new Error(`fit: cannot tell the number of classes from output shape [${outputShape}]`);
  }

  const owned: tf.Tensor[] = [];
  const own = (input: TensorInput, name: string): tf.Tensor => {
    const { tensor, owned: isOwned } = asTensor(input, name);
    if (isOwned) owned.push(tensor);
    return tensor;
  };
  try {
    const xTrain = own(data.xTrain, "xTrain");
    const train = toOneHot(own(data.yTrain, "yTrain"), nClasses, "yTrain");
    owned.push(train.oneHot);
    const n = xTrain.shape[0];
    if (train.labels.length !== n) {
      throw new Error(`fit: xTrain has ${n} samples but yTrain has ${train.labels.length}`);
    }
    if (n === 0) throw new Error("fit: xTrain has no samples");
    let validation: { x: tf.Tensor; oneHot: tf.Tensor } | undefined;
    if (data.xVal !== undefined && data.yVal !== undefined) {
      const xVal = own(data.xVal, "xVal");
      const yVal = toOneHot(own(data.yVal, "yVal"), nClasses, "yVal");
      owned.push(yVal.oneHot);
      if (yVal.labels.length !== xVal.shape[0]) {
        throw new Error(
          `fit: xVal has ${xVal.shape[0]} samples but yVal has ${yVal.labels.length}`,
        );
      }
      if (xVal.shape[0] > 0) validation = { x: xVal, oneHot: yVal.oneHot };
    }

    let classWeights: number[] | undefined;
    if (options.classWeight === "balanced") {
      classWeights = computeClassWeights(train.labels, nClasses);
    } else if (options.classWeight !== undefined) {
      classWeights = options.classWeight;
      if (classWeights.length !== nClasses || classWeights.some((w) => !(w >= 0))) {
        throw new Error(
          `fit: classWeight needs ${nClasses} non-negative numbers, got [${classWeights}]`,
        );
      }
    }
    const sampleWeights = classWeights
      ? tf.tensor1d(Float32Array.from(train.labels, (label) => classWeights[label]))
      : undefined;
    if (sampleWeights) owned.push(sampleWeights);

    // An optimizer made here is disposed after training (with its slot variables).
    const createdOptimizer = !options.optimizer && !model.optimizer;
    const optimizer = options.optimizer ?? model.optimizer ?? tf.train.adam(
      options.learningRate ?? 1e-3,
    );
    if (options.learningRate !== undefined) setLearningRate(optimizer, options.learningRate);
    const clipNorm = options.globalClipNorm;
    if (clipNorm !== undefined && !(clipNorm > 0)) {
      throw new Error(`fit: globalClipNorm must be a positive number, got ${clipNorm}`);
    }
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const average = options.emaMomentum === undefined
      ? undefined
      : new WeightAverage(variables, options.emaMomentum);

    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new Error(`fit: workers must be a positive integer, got ${workers}`);
    }
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const callbacks = options.callbacks ?? [];
    const random = mulberry32(options.seed ?? 42);
    const shuffle = options.shuffle ?? true;
    let history: History = { epoch: [], history: {} };

    const backup = options.resume ? await readBackup(options.resume.dir) : undefined;
    if (backup) {
      try {
        await restoreState(backup, options.resume!.dir, model, optimizer, average, callbacks);
      } catch (error) {
        disposeBackup(backup);
        throw error;
      }
      random.setState(backup.randomState);
      history = structuredClone(backup.history);
    }
    const context: TrainingContext = {
      model,
      stopTraining: backup?.stopTraining ?? false,
      epochs,
      stepsPerEpoch,
      getLearningRate: () => getLearningRate(optimizer),
      setLearningRate: (learningRate) => setLearningRate(optimizer, learningRate),
      initialEpoch: backup?.nextEpoch ?? 0,
    };
    for (const callback of callbacks) callback.setContext(context);

    for (const callback of callbacks) await callback.onTrainBegin({});
    if (backup) {
      // After onTrainBegin, which resets the callbacks, put their saved state back.
      backup.callbacks.forEach((saved, i) => {
        if (saved.json !== undefined) {
          callbacks[i].setState({ json: saved.json, tensors: saved.tensors });
        }
      });
      disposeBackup(backup);
    }
    let group: DataParallelGroup | undefined;
    try {
      if (workers > 1 && epochs > (context.initialEpoch ?? 0)) {
        group = await DataParallelGroup.start(
          model,
          variables,
          { x: xTrain, oneHot: train.oneHot, sampleWeights },
          workers,
          Math.min(batchSize, n),
        );
      }
      for (
        let epoch = context.initialEpoch ?? 0;
        epoch < epochs && !context.stopTraining;
        epoch++
      ) {
        for (const callback of callbacks) await callback.onEpochBegin(epoch, {});
        const started = performance.now();
        const learningRate = getLearningRate(optimizer);
        const order = shuffle
          ? shuffledOrder(n, random)
          : Int32Array.from({ length: n }, (_, i) => i);
        let lossSum = 0;
        let correct = 0;
        let seen = 0;
        for (let batch = 0; batch < stepsPerEpoch; batch++) {
          const indices = order.subarray(batch * batchSize, Math.min(n, (batch + 1) * batchSize));
          let batchLoss: number;
          let batchCorrect: number;
          if (group) {
            ({ loss: batchLoss, correct: batchCorrect } = group.step(indices, random, (grads) => {
              optimizer.applyGradients(clipNorm ? clipByGlobalNorm(grads, clipNorm) : grads);
            }));
            average?.update();
          } else {
            const result = withSeededRandom(random, () =>
              tf.tidy(() => {
                const index = tf.tensor1d(indices, "int32");
                const xb = tf.gather(xTrain, index);
                const yb = tf.gather(train.oneHot, index);
                const wb = sampleWeights ? tf.gather(sampleWeights, index) : undefined;
                let batchCorrect: tf.Scalar | undefined;
                const { value: loss, grads } = tf.variableGrads(() => {
                  const probabilities = model.apply(xb, { training: true }) as tf.Tensor;
                  const perSample = crossEntropy(yb, probabilities);
                  batchCorrect = tf.keep(correctCount(yb, probabilities));
                  return (wb ? perSample.mul(wb) : perSample).mean() as tf.Scalar;
                }, variables);
                optimizer.applyGradients(clipNorm ? clipByGlobalNorm(grads, clipNorm) : grads);
                // tf.keep let the count outlive variableGrads' scope; stack copies it, so free it.
                const stacked = tf.stack([loss, batchCorrect!]);
                batchCorrect!.dispose();
                return stacked;
              }));
            average?.update();
            [batchLoss, batchCorrect] = await result.data();
            result.dispose();
          }
          lossSum += batchLoss * indices.length;
          correct += batchCorrect;
          seen += indices.length;
          const batchLogs: Logs = { loss: batchLoss, accuracy: batchCorrect / indices.length };
          for (const callback of callbacks) await callback.onBatchEnd(batch, batchLogs);
          if (context.stopTraining) break;
        }
        const logs: Logs = { loss: lossSum / seen, accuracy: correct / seen };
        average?.swap(); // validate, checkpoint and stop on the averaged weights
        if (validation) {
          const val = await evaluateLossAndAccuracy(
            model,
            validation.x,
            validation.oneHot,
            batchSize,
          );
          logs.val_loss = val.loss;
          logs.val_accuracy = val.accuracy;
        }
        logs.lr = learningRate;
        logs.seconds = (performance.now() - started) / 1000;
        history.epoch.push(epoch);
        for (const [name, value] of Object.entries(logs)) {
          (history.history[name] ??= []).push(value);
        }
        for (const callback of callbacks) await callback.onEpochEnd(epoch, { ...logs });
        average?.swap(); // training goes on from the raw weights
        // A stop the user asked for cut this epoch short: keep the backup of the last complete
        // epoch, so a resumed run redoes this one in full (and stays bit-identical).
        if (options.resume && !context.interrupted) {
          await saveState(
            options.resume.dir,
            {
              nextEpoch: epoch + 1,
              stopTraining: context.stopTraining,
              randomState: random.getState(),
              layerRandomStates: layerRandomStates(model),
              history,
            },
            model,
            optimizer,
            average,
            callbacks,
          );
        }
      }
    } finally {
      group?.close();
      // The model leaves fit holding the average (before EarlyStopping may restore its best).
      if (average?.swapped === false && history.epoch.length > 0) average.swap();
      average?.dispose();
      for (const callback of callbacks) await callback.onTrainEnd({});
      if (createdOptimizer) optimizer.dispose();
    }
    return history;
  } finally {
    tf.dispose(owned);
  }
}

/** Optimizer fields outside `getWeights` that its steps depend on (Adam's bias corrections). */
const OPTIMIZER_EXTRAS = ["accBeta1", "accBeta2"];

/** Writes the backup of the state after an epoch (see `FitOptions.resume`). */
async function saveState(
  dir: string,
  position: Pick<
    TrainingBackup,
    "nextEpoch" | "stopTraining" | "randomState" | "layerRandomStates" | "history"
  >,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  average: WeightAverage | undefined,
  callbacks: Callback[],
): Promise<void> {
  const named = await optimizer.getWeights();
  // deno-lint-ignore no-explicit-any
  const opt = optimizer as any;
  for (const field of OPTIMIZER_EXTRAS) {
    if (opt[field] instanceof tf.Variable) {
      named.push({ name: `extra:${field}`, tensor: opt[field] });
    }
  }
  const averageState = average?.getState();
  const callbackStates = callbacks.map((callback) => {
    const state = callback.getState();
    return { name: callback.constructor.name, json: state?.json, tensors: state?.tensors ?? [] };
  });
  try {
    await writeBackup(dir, {
      ...position,
      learningRate: getLearningRate(optimizer),
      model: {
        names: model.weights.map((weight) => weight.originalName),
        tensors: model.getWeights(),
      },
      optimizer: { names: named.map((w) => w.name), tensors: named.map((w) => w.tensor) },
      average: averageState,
      callbacks: callbackStates,
    });
  } finally {
    // getWeights hands out the variables themselves plus fresh tensors (the iteration count).
    for (const { tensor } of named) if (!(tensor instanceof tf.Variable)) tensor.dispose();
    if (averageState) tf.dispose(averageState.averages);
    for (const state of callbackStates) tf.dispose(state.tensors);
  }
}

/** Puts a backup's weights, optimizer state, average and learning rate back. */
async function restoreState(
  backup: TrainingBackup,
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  average: WeightAverage | undefined,
  callbacks: Callback[],
): Promise<void> {
  const where = `${dir}: the training backup`;
  const weights = model.weights;
  if (backup.model.tensors.length !== weights.length) {
    throw new Error(
      `${where} has ${backup.model.tensors.length} model weights, the model ${weights.length} ` +
        `(a backup of another model? delete the folder to start afresh)`,
    );
  }
  backup.model.tensors.forEach((tensor, i) => {
    if (tensor.shape.join() !== weights[i].shape.join()) {
      throw new Error(
        `${where}: weight ${weights[i].originalName} has shape [${tensor.shape}] there, ` +
          `[${weights[i].shape}] in the model (a backup of another model?)`,
      );
    }
  });
  if (backup.callbacks.length !== callbacks.length) {
    throw new Error(
      `${where} has ${backup.callbacks.length} callbacks' state, this run ${callbacks.length}`,
    );
  }
  backup.callbacks.forEach((saved, i) => {
    if (saved.name !== callbacks[i].constructor.name) {
      throw new Error(
        `${where}: callback ${i} was ${saved.name}, now ${callbacks[i].constructor.name}`,
      );
    }
  });
  if ((backup.average === undefined) !== (average === undefined)) {
    throw new Error(`${where} was made ${backup.average ? "with" : "without"} emaMomentum`);
  }
  model.setWeights(backup.model.tensors);
  const named = backup.optimizer.names.map((name, i) => ({
    name,
    tensor: backup.optimizer.tensors[i],
  }));
  await optimizer.setWeights(named.filter(({ name }) => !name.startsWith("extra:")));
  // deno-lint-ignore no-explicit-any
  const opt = optimizer as any;
  for (const { name, tensor } of named) {
    const field = name.slice("extra:".length);
    if (name.startsWith("extra:") && opt[field] instanceof tf.Variable) opt[field].assign(tensor);
  }
  if (average && backup.average) average.setState(backup.average);
  setLearningRate(optimizer, backup.learningRate);
  model.layers.forEach((layer, i) => {
    const state = backup.layerRandomStates[String(i)];
    if (state !== undefined) (layer as unknown as LayerWithRandom).setRandomState?.(state);
  });
}

/** A layer with its own seeded stream (e.g. `FastDropout`'s masks). */
interface LayerWithRandom {
  getRandomState?(): number | undefined;
  setRandomState?(state: number): void;
}

/** The layers' own random streams' states, by layer index. */
function layerRandomStates(model: tf.LayersModel): Record<string, number> {
  const states: Record<string, number> = {};
  model.layers.forEach((layer, i) => {
    const state = (layer as unknown as LayerWithRandom).getRandomState?.();
    if (state !== undefined) states[String(i)] = state;
  });
  return states;
}

/**
 * Scales all gradients by `min(1, maxNorm / globalNorm)`, where `globalNorm` is the L2 norm of
 * all of them together (TensorFlow's `clip_by_global_norm`): the direction is kept, only an
 * oversized step is shortened. Call inside `tf.tidy`.
 *
 * @param grads variable name -> gradient
 * @param maxNorm largest allowed global norm (> 0)
 * @returns the rescaled gradients, by the same names
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const names = Object.keys(grads);
  if (names.length === 0) return grads;
  const squaredNorm = tf.addN(names.map((name) => tf.sum(tf.square(grads[name]))));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(tf.sqrt(squaredNorm), 1e-12)));
  const clipped: tf.NamedTensorMap = {};
  for (const name of names) clipped[name] = tf.mul(grads[name], scale);
  return clipped;
}
