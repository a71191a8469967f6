/**
 * `StatsPooling1D`: statistics pooling over time, `[batch, time, channels]` ->
 * `[batch, 2 * channels]` = per channel the mean over frames, then the standard deviation
 * `sqrt(var + epsilon)` (population variance). It turns a variable-length frame sequence into one
 * utterance vector, as in x-vectors (Snyder et al., 2018, "X-Vectors: Robust DNN Embeddings for
 * Speaker Recognition", ICASSP) and in speech-emotion CNNs: the spread of a channel over the
 * utterance (how much energy or pitch moves) is an emotion cue that a plain average discards.
 *
 * Forward and gradient are computed in JS in one pass each through `tf.customGrad` (like the
 * project's other fast layers): `d/dx[t] = dMean / T + dStd * (x[t] - mean) / (T * std)`.
 * Registered for serialisation, so models holding it save and load with `saveModel`/`loadModel`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const pool = new StatsPooling1D({});
 * const y = pool.apply(tf.ones([2, 130, 64])) as tf.Tensor; // [2, 128]: 64 means, 64 stds
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** tfjs's base layer arguments (name, inputShape, batchInputShape, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Constructor arguments of {@link StatsPooling1D}. */
export interface StatsPooling1DArgs extends BaseLayerArgs {
  /**
   * Added to the variance before the square root (default 1e-5), so a constant channel has a
   * finite gradient; its std reads `sqrt(epsilon)`.
   */
  epsilon?: number;
}

/** Mean and std per (clip, channel) of a `[batch, time, channels]` array. */
export interface StatsPoolForward {
  /** `[batch, 2 * channels]`: the means, then the standard deviations. */
  output: Float32Array;
  /** `[batch, channels]` means (kept for the gradient). */
  mean: Float64Array;
  /** `[batch, channels]` standard deviations `sqrt(var + epsilon)`. */
  std: Float64Array;
}

/**
 * Statistics pooling of a row-major `[batch, time, channels]` array.
 *
 * @param x input values
 * @param batch clips
 * @param time frames per clip (>= 1)
 * @param channels values per frame
 * @param epsilon added to the variance before the square root
 */
export function statsPoolForward(
  x: Float32Array,
  batch: number,
  time: number,
  channels: number,
  epsilon: number,
): StatsPoolForward {
  const output = new Float32Array(batch * 2 * channels);
  const mean = new Float64Array(batch * channels);
  const std = new Float64Array(batch * channels);
  const sum = new Float64Array(channels);
  for (let b = 0; b < batch; b++) {
    const base = b * time * channels;
    sum.fill(0);
    for (let t = 0; t < time; t++) {
      const row = base + t * channels;
      for (let c = 0; c < channels; c++) sum[c] += x[row + c];
    }
    for (let c = 0; c < channels; c++) mean[b * channels + c] = sum[c] / time;
    // Two passes: squared deviations avoid the cancellation of E[x^2] - E[x]^2.
    sum.fill(0);
    for (let t = 0; t < time; t++) {
      const row = base + t * channels;
      for (let c = 0; c < channels; c++) {
        const deviation = x[row + c] - mean[b * channels + c];
        sum[c] += deviation * deviation;
      }
    }
    for (let c = 0; c < channels; c++) {
      const s = Math.sqrt(sum[c] / time + epsilon);
      std[b * channels + c] = s;
      output[b * 2 * channels + c] = mean[b * channels + c];
      output[b * 2 * channels + channels + c] = s;
    }
  }
  return { output, mean, std };
}

/**
 * Gradient of {@link statsPoolForward} with respect to its input.
 *
 * @param x the forward input `[batch, time, channels]`
 * @param forward what the forward pass returned
 * @param dy `[batch, 2 * channels]` gradient of the loss with respect to the output
 * @returns `[batch, time, channels]` gradient with respect to `x`
 */
export function statsPoolBackward(
  x: Float32Array,
  forward: StatsPoolForward,
  dy: Float32Array,
  batch: number,
  time: number,
  channels: number,
): Float32Array {
  const dx = new Float32Array(x.length);
  const dMean = new Float64Array(channels);
  const dStdScaled = new Float64Array(channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      dMean[c] = dy[b * 2 * channels + c] / time;
      dStdScaled[c] = dy[b * 2 * channels + channels + c] / (time * forward.std[b * channels + c]);
    }
    const base = b * time * channels;
    for (let t = 0; t < time; t++) {
      const row = base + t * channels;
      for (let c = 0; c < channels; c++) {
        dx[row + c] = dMean[c] + dStdScaled[c] * (x[row + c] - forward.mean[b * channels + c]);
      }
    }
  }
  return dx;
}

/**
 * Statistics pooling layer (mean and std over time per channel); see the module docs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [
 *   new StatsPooling1D({ inputShape: [130, 64] }),
 *   tf.layers.dense({ units: 7, activation: "softmax" }),
 * ] });
 * ```
 */
export class StatsPooling1D extends tf.layers.Layer {
  /** Name under which the class is serialised in model.json. */
  static className = "StatsPooling1D";
  readonly epsilon: number;

  constructor(args: StatsPooling1DArgs = {}) {
    // Pass every base argument on: a deserialised first layer carries batchInputShape.
    const { epsilon, ...base } = args;
    super(base);
    this.epsilon = epsilon ?? 1e-5;
    if (!(this.epsilon >= 0)) {
      throw new Error(`StatsPooling1D: epsilon must be >= 0, got ${this.epsilon}`);
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length !== 3 || channels === null) {
      throw new Error(`StatsPooling1D "${this.name}": expected [batch, time, channels] input`);
    }
    return [shape[0], 2 * channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input.rank !== 3) {
      throw new Error(
        `StatsPooling1D "${this.name}": expected a rank-3 [batch, time, channels] input, ` +
          `got shape [${input.shape}]`,
      );
    }
    const [batch, time, channels] = input.shape;
    if (time === 0) throw new Error(`StatsPooling1D "${this.name}": input has no frames`);
    const epsilon = this.epsilon;
    const run = tf.customGrad(
      // customGrad's typing wants a variadic signature; ours has exactly one tensor.
      // deno-lint-ignore no-explicit-any
      ((x: tf.Tensor): any => {
        const values = x.dataSync() as Float32Array;
        const forward = statsPoolForward(values, batch, time, channels, epsilon);
        const gradFunc = (dy: tf.Tensor): tf.Tensor => {
          const dx = statsPoolBackward(
            values,
            forward,
            dy.dataSync() as Float32Array,
            batch,
            time,
            channels,
          );
          return tf.tensor3d(dx, [batch, time, channels]);
        };
        return { value: tf.tensor2d(forward.output, [batch, 2 * channels]), gradFunc };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    return run(input) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(StatsPooling1D);
