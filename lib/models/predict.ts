/**
 * Predicting with a trained sequence model: class probabilities in batches, and the predicted
 * class of each row. Shared by the training step's evaluation and by `lib/inference`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { argmaxRows, predictProbabilities } from "./predict.ts";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: "softmax" })] });
 * const { values, shape } = await predictProbabilities(model, { values: new Float32Array(8), shape: [2, 4] });
 * console.log(argmaxRows(values, shape[1]));
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A dense array with its shape, e.g. features `[n, frames, width]` or labels `[n]`. */
export interface ArrayWithShape {
  /** Row-major values. */
  values: Float32Array | Int32Array | number[];
  /** Dimensions; their product must equal `values.length`. */
  shape: number[];
}

/** A tensor or a plain array with its shape. */
export type TensorInput = tf.Tensor | ArrayWithShape;

/**
 * A {@link TensorInput} as a tensor: a tensor is used as it is, an array with its shape becomes
 * a new float32 tensor that the caller must dispose (`owned`).
 *
 * @param input tensor or array with shape
 * @param name what the input is, for error messages
 * @returns the tensor and whether the caller owns it
 * @throws when the shape is not a list of non-negative integers or does not match the values
 */
export function asTensor(input: TensorInput, name: string): { tensor: tf.Tensor; owned: boolean } {
  if (input instanceof tf.Tensor) return { tensor: input, owned: false };
  const { values, shape } = input;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${name}: shape must be a list of non-negative integers, got [${shape}]`);
  }
  const size = shape.reduce((product, d) => product * d, 1);
  if (size !== values.length) {
    throw new Error(`${name}: shape [${shape}] needs ${size} values, got ${values.length}`);
  }
  return { tensor: tf.tensor(values as Float32Array, shape, "float32"), owned: true };
}

/**
 * Class probabilities for many samples, predicted in batches (inference mode).
 *
 * @param model a model whose output is `[n, nClasses]`
 * @param x inputs `[n, ...]`
 * @param batchSize samples per forward pass (default 256)
 * @returns row-major probabilities with shape `[n, nClasses]`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 7, inputShape: [130, 188] })] });
 * const xTest = tf.zeros([2, 130, 188]); // 2 clips of 130 frames x 188 features
 * const { values, shape } = await predictProbabilities(model, xTest);
 * ```
 */
export async function predictProbabilities(
  model: tf.LayersModel,
  x: TensorInput,
  batchSize = 256,
): Promise<{ values: Float32Array; shape: [number, number] }> {
  const { tensor, owned } = asTensor(x, "x");
  try {
    const n = tensor.shape[0];
    const outputShape = model.outputs[0].shape;
    const nClasses = outputShape[outputShape.length - 1] as number;
    const values = new Float32Array(n * nClasses);
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const probabilities = tf.tidy(() =>
        model.apply(tensor.slice(start, size), { training: false }) as tf.Tensor
      );
      values.set(await probabilities.data() as Float32Array, start * nClasses);
      probabilities.dispose();
    }
    return { values, shape: [n, nClasses] };
  } finally {
    if (owned) tensor.dispose();
  }
}

/**
 * Index of the largest value in each row of a row-major `[n, nClasses]` matrix.
 *
 * @param values row-major probabilities
 * @param nClasses row length
 * @returns the predicted class per row
 * @example
 * ```ts
 * argmaxRows(new Float32Array([0.1, 0.9, 0.8, 0.2]), 2); // [1, 0]
 * ```
 */
export function argmaxRows(values: ArrayLike<number>, nClasses: number): number[] {
  const rows = Math.floor(values.length / nClasses);
  const result = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) {
      if (values[row * nClasses + c] > values[row * nClasses + best]) best = c;
    }
    result[row] = best;
  }
  return result;
}
