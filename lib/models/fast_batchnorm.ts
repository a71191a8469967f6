/**
 * `FastBatchNormalization`: a drop-in `tf.layers.batchNormalization` (last axis, tfjs/Keras
 * defaults: momentum 0.99, epsilon 1e-3, gamma ones, beta zeros, moving mean zeros, moving
 * variance ones) whose training-mode forward and backward passes are plain JS loops over
 * Float32Arrays. tfjs builds the training-mode gradient from `tf.moments` and a tiled
 * `batchNorm` gradient, ~30-130 ms per batch for a `[64, 130, 128]` input on the WASM
 * backend; the loops here take a few milliseconds.
 *
 * Semantics match tfjs exactly: training mode normalises with the batch mean and biased
 * variance over every axis but the last and moves `moving = moving - (moving - batch) * (1 -
 * momentum)` (biased variance too, as tfjs does); inference mode uses the moving statistics
 * through tfjs's own `batchNorm` op. Weights have the stock names and order (`gamma`, `beta`,
 * `moving_mean`, `moving_variance`), so saved weights are interchangeable with the stock layer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const norm = new FastBatchNormalization({ inputShape: [130, 128] });
 * const y = norm.apply(tf.randomNormal([64, 130, 128]), { training: true }) as tf.Tensor;
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { currentBatchShard } from "./batch_shard.ts";
import { float32Tensor, giveBuffer, readFloat32, takeBuffer } from "./tensor_buffers.ts";

/** tfjs's base layer arguments (name, inputShape, batchInputShape, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Constructor arguments of {@link FastBatchNormalization}. */
export interface FastBatchNormalizationArgs extends BaseLayerArgs {
  /** Weight of the old value in the moving averages (default 0.99, as tfjs and Keras). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, as tfjs and Keras). */
  epsilon?: number;
}

/** Per-channel results of one training-mode forward pass, kept for the backward pass. */
export interface BatchNormForward {
  /** Normalised and scaled output, same layout as the input. */
  output: Float32Array;
  /** `(x - mean) / sqrt(variance + epsilon)`, same layout as the input. */
  normalized: Float32Array;
  /** Batch mean per channel. */
  mean: Float32Array;
  /** Biased batch variance per channel. */
  variance: Float32Array;
  /** `1 / sqrt(variance + epsilon)` per channel. */
  inverseStd: Float64Array;
  /** Rows the statistics were taken over (all shards' rows in data-parallel training). */
  totalRows?: number;
}

/** Per-channel mean and sum of squared deviations of one thread's rows. */
interface Moments {
  rows: number;
  mean: Float64Array;
  squares: Float64Array;
}

function moments(input: Float32Array, channels: number, rows: number): Moments {
  // Float64 sums: a [64 * 130]-row channel sum in float32 would lose ~4 digits.
  const sum = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) sum[c] += input[i];
  }
  const mean = new Float64Array(channels);
  for (let c = 0; c < channels; c++) mean[c] = sum[c] / rows;
  // Two passes (mean, then squared deviations) rather than E[x^2] - E[x]^2: no cancellation.
  const squares = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const deviation = input[i] - mean[c];
      squares[c] += deviation * deviation;
    }
  }
  return { rows, mean, squares };
}

/**
 * The whole batch's moments from the shards' sums, in ONE exchange (each exchange is a wait
 * for the other threads): sums of x and x^2 and the row count. E[x^2] - E[x]^2 in float64
 * loses ~1e-16 * mean^2 / variance relative, far below float32's resolution for any sensible
 * activations.
 */
function shardedMoments(
  input: Float32Array,
  channels: number,
  localRows: number,
  allReduce: (values: Float64Array) => void,
): Moments {
  const sums = new Float64Array(2 * channels + 1);
  for (let r = 0, i = 0; r < localRows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const value = input[i];
      sums[c] += value;
      sums[channels + c] += value * value;
    }
  }
  sums[2 * channels] = localRows;
  allReduce(sums);
  const rows = sums[2 * channels];
  const mean = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    mean[c] = sums[c] / rows;
    squares[c] = Math.max(0, sums[channels + c] - sums[c] * mean[c]);
  }
  return { rows, mean, squares };
}

/**
 * Training-mode batch normalisation of a row-major `[rows, channels]` array (any leading axes
 * flattened into rows). `output` and `normalized` may be pooled buffers (see
 * `tensor_buffers.ts`): give them back with `giveBuffer` when done, or just drop them.
 *
 * @param input values, `rows * channels` long
 * @param gamma scale per channel
 * @param beta offset per channel
 * @param channels size of the last axis
 * @param epsilon added to the variance
 * @param allReduce in data-parallel training, sums per-channel partial sums over all shards of
 *   the batch (see `batch_shard.ts`), so that the statistics are the whole batch's
 * @example
 * ```ts
 * const { output } = batchNormForward(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1]),
 *   new Float32Array([0, 0]), 2, 1e-3); // columns [1, 3] and [2, 4] normalised
 * ```
 */
export function batchNormForward(
  input: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  channels: number,
  epsilon: number,
  allReduce?: (values: Float64Array) => void,
): BatchNormForward {
  const localRows = input.length / channels;
  const { rows, mean, squares } = allReduce
    ? shardedMoments(input, channels, localRows, allReduce)
    : moments(input, channels, localRows);
  const variance = new Float32Array(channels);
  const inverseStd = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    variance[c] = squares[c] / rows;
    inverseStd[c] = 1 / Math.sqrt(squares[c] / rows + epsilon);
  }
  const normalized = takeBuffer(input.length);
  const output = takeBuffer(input.length);
  for (let r = 0, i = 0; r < localRows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const value = (input[i] - mean[c]) * inverseStd[c];
      normalized[i] = value;
      output[i] = value * gamma[c] + beta[c];
    }
  }
  return {
    output,
    normalized,
    mean: Float32Array.from(mean),
    variance,
    inverseStd,
    totalRows: rows,
  };
}

/** Gradients of {@link batchNormBackward}. */
export interface BatchNormGradients {
  /** Gradient of the loss with respect to the input. */
  dInput: Float32Array;
  /** Gradient with respect to gamma, per channel. */
  dGamma: Float32Array;
  /** Gradient with respect to beta, per channel. */
  dBeta: Float32Array;
}

/**
 * Backward pass of {@link batchNormForward}, through the batch statistics as well:
 * `dx = gamma / std / n * (n * dy - sum(dy) - xhat * sum(dy * xhat))` per channel. `dInput`
 * may be a pooled buffer.
 *
 * @param forward what the forward pass kept
 * @param gamma scale per channel
 * @param dOutput gradient with respect to the output, same layout as the input
 * @param channels size of the last axis
 * @param allReduce in data-parallel training (the forward pass's too), sums the per-channel
 *   sums over all shards; `dGamma` and `dBeta` stay this shard's part, so that adding the
 *   shards' gradients gives the whole batch's
 * @example
 * ```ts
 * async function example(forward: BatchNormForward, gamma: Float32Array, dy: Float32Array) {
 *   const channels = gamma.length;
 *   const grads = batchNormBackward(forward, gamma, dy, channels);
 * }
 * ```
 */
export function batchNormBackward(
  forward: BatchNormForward,
  gamma: Float32Array,
  dOutput: Float32Array,
  channels: number,
  allReduce?: (values: Float64Array) => void,
): BatchNormGradients {
  const { normalized, inverseStd } = forward;
  const rows = dOutput.length / channels;
  const totalRows = forward.totalRows ?? rows;
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const dy = dOutput[i];
      sumDy[c] += dy;
      sumDyXhat[c] += dy * normalized[i];
    }
  }
  const scale = new Float64Array(channels);
  const meanDy = new Float64Array(channels);
  const meanDyXhat = new Float64Array(channels);
  const dGamma = Float32Array.from(sumDyXhat);
  const dBeta = Float32Array.from(sumDy);
  let totalDy = sumDy;
  let totalDyXhat = sumDyXhat;
  if (allReduce) {
    const both = new Float64Array(2 * channels);
    both.set(sumDy);
    both.set(sumDyXhat, channels);
    allReduce(both);
    totalDy = both.subarray(0, channels);
    totalDyXhat = both.subarray(channels);
  }
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c] * inverseStd[c];
    meanDy[c] = totalDy[c] / totalRows;
    meanDyXhat[c] = totalDyXhat[c] / totalRows;
  }
  const dInput = takeBuffer(dOutput.length);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      dInput[i] = scale[c] * (dOutput[i] - meanDy[c] - normalized[i] * meanDyXhat[c]);
    }
  }
  return { dInput, dGamma, dBeta };
}

/**
 * Batch normalisation over the last axis with JS training kernels (see the module docs).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ units: 16, inputShape: [8] }),
 *   new FastBatchNormalization({}),
 * ] });
 * ```
 */
export class FastBatchNormalization extends tf.layers.Layer {
  /** Name under which the class is serialised in model.json. */
  static className = "FastBatchNormalization";
  readonly momentum: number;
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  private movingMean?: tf.LayerVariable;
  private movingVariance?: tf.LayerVariable;

  constructor(args: FastBatchNormalizationArgs = {}) {
    // Pass every base argument on: a deserialised first layer carries batchInputShape.
    const { momentum, epsilon, ...base } = args;
    super(base);
    this.momentum = momentum ?? 0.99;
    this.epsilon = epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`FastBatchNormalization: momentum must be in [0, 1], got ${momentum}`);
    }
    if (!(this.epsilon > 0)) {
      throw new Error(`FastBatchNormalization: epsilon must be positive, got ${epsilon}`);
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels === null) {
      throw new Error(
        `FastBatchNormalization "${this.name}": expected input [batch, ..., channels] with a ` +
          `known last axis, got [${shape.join(", ")}]`,
      );
    }
    // Same names, order and trainability as tf.layers.batchNormalization.
    const ones = tf.initializers.ones();
    const zeros = tf.initializers.zeros();
    this.gamma = this.addWeight("gamma", [channels], "float32", ones, undefined, true);
    this.beta = this.addWeight("beta", [channels], "float32", zeros, undefined, true);
    this.movingMean = this.addWeight("moving_mean", [channels], "float32", zeros, undefined, false);
    this.movingVariance = this.addWeight(
      "moving_variance",
      [channels],
      "float32",
      ones,
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const { gamma, beta, movingMean, movingVariance } = this;
    if (!gamma || !beta || !movingMean || !movingVariance) {
      throw new Error(`FastBatchNormalization "${this.name}": called before build`);
    }
    const channels = input.shape[input.rank - 1];
    if (channels !== gamma.shape[0]) {
      throw new Error(
        `FastBatchNormalization "${this.name}": built for ${gamma.shape[0]} channels, got ` +
          `input [${input.shape.join(", ")}]`,
      );
    }
    if (!kwargs?.training) {
      // Inference: tfjs's own fused op, so the result (and any gradient) is the stock one.
      return tf.tidy(() => {
        const flat = input.reshape([-1, channels]) as tf.Tensor2D;
        const out = tf.batchNorm2d(
          flat,
          movingMean.read() as tf.Tensor1D,
          movingVariance.read() as tf.Tensor1D,
          beta.read() as tf.Tensor1D,
          gamma.read() as tf.Tensor1D,
          this.epsilon,
        );
        return out.reshape(input.shape);
      });
    }
    let batchStatistics: { mean: Float32Array; variance: Float32Array } | undefined;
    const epsilon = this.epsilon;
    // Data-parallel training: statistics of the whole batch (see batch_shard.ts).
    const shard = currentBatchShard();
    const allReduce = shard ? (values: Float64Array) => shard.allReduce(values) : undefined;
    const run = tf.customGrad(
      // customGrad's typing wants a variadic signature; ours has exactly three tensors.
      // deno-lint-ignore no-explicit-any
      ((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): any => {
        const gammaValues = g.dataSync() as Float32Array;
        const inputValues = readFloat32(x);
        const forward = batchNormForward(
          inputValues,
          gammaValues,
          b.dataSync() as Float32Array,
          channels,
          epsilon,
          allReduce,
        );
        giveBuffer(inputValues);
        batchStatistics = forward;
        const value = float32Tensor(forward.output, x.shape);
        const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
          const dOutput = readFloat32(dy);
          const grads = batchNormBackward(forward, gammaValues, dOutput, channels, allReduce);
          giveBuffer(dOutput, forward.normalized);
          return [
            float32Tensor(grads.dInput, x.shape),
            tf.tensor1d(grads.dGamma),
            tf.tensor1d(grads.dBeta),
          ];
        };
        return { value, gradFunc };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    const output = run(input, gamma.read(), beta.read()) as tf.Tensor;
    const { mean, variance } = batchStatistics!;
    this.updateMovingAverage(movingMean, mean);
    this.updateMovingAverage(movingVariance, variance);
    return output;
  }

  /** tfjs's update, in float32 as its ops: `moving - (moving - batch) * (1 - momentum)`. */
  private updateMovingAverage(variable: tf.LayerVariable, batch: Float32Array): void {
    tf.tidy(() => {
      const old = variable.read().dataSync() as Float32Array;
      const decay = Math.fround(1 - this.momentum);
      const updated = new Float32Array(old.length);
      for (let c = 0; c < old.length; c++) {
        updated[c] = old[c] - Math.fround(Math.fround(old[c] - batch[c]) * decay);
      }
      variable.write(tf.tensor1d(updated));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(FastBatchNormalization);
