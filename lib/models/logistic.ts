/**
 * Multinomial logistic regression with L2 penalty (softmax regression), trained full-batch with
 * Adam in plain TypeScript: a linear, calibrated companion to the RBF SVM for pooled utterance
 * vectors. Deterministic (zero initialisation, no sampling).
 *
 * @example
 * ```ts
 * import { fitLogistic, logisticPredictProba } from "./logistic.ts";
 * const x = [[0, 0], [0, 1], [3, 3], [3, 4]].map((row) => Float32Array.from(row));
 * const model = fitLogistic(x, [0, 0, 1, 1], { classes: 2 });
 * console.log(logisticPredictProba(model, Float32Array.from([3, 3]))[1] > 0.5); // true
 * ```
 * @module
 */
import { sgemm } from "./blas.ts";

/** Hyperparameters of {@link fitLogistic}. */
export interface LogisticOptions {
  /** Number of classes; labels are 0..classes-1. */
  classes: number;
  /** L2 penalty on the weights (not the biases), per training example (default 1e-2). */
  l2?: number;
  /** Full-batch Adam steps (default 300). */
  iterations?: number;
  /** Adam step size (default 0.05). */
  learningRate?: number;
  /** Per-class loss weights (e.g. balanced); default all 1. */
  classWeight?: readonly number[];
}

/** A trained model: `classes x dimensions` weights and a bias per class; JSON-serialisable. */
export interface LogisticModel {
  kind: "logistic";
  classes: number;
  dimensions: number;
  weights: number[];
  bias: number[];
}

function softmaxInPlace(logits: Float64Array): void {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (let k = 0; k < logits.length; k++) {
    logits[k] = Math.exp(logits[k] - max);
    sum += logits[k];
  }
  for (let k = 0; k < logits.length; k++) logits[k] /= sum;
}

/**
 * Trains softmax regression by minimising the class-weighted cross-entropy plus
 * `l2 / 2 * |W|^2`.
 *
 * @param x training vectors (standardised), all the same length
 * @param labels class index per vector
 * @param options classes, penalty, steps
 */
export function fitLogistic(
  x: readonly ArrayLike<number>[],
  labels: readonly number[],
  options: LogisticOptions,
): LogisticModel {
  const n = x.length;
  const k = options.classes;
  if (n === 0) throw new RangeError("fitLogistic: no training vectors");
  if (labels.length !== n) {
    throw new RangeError(`fitLogistic: ${labels.length} labels, ${n} vectors`);
  }
  const d = x[0].length;
  const l2 = options.l2 ?? 1e-2;
  const iterations = options.iterations ?? 300;
  const rate = options.learningRate ?? 0.05;
  const classWeight = options.classWeight ?? new Array(k).fill(1);
  const weights = new Float64Array(k * d);
  const bias = new Float64Array(k);
  const gradW = new Float32Array(k * d);
  const gradB = new Float64Array(k);
  const m1 = new Float64Array(k * d + k), m2 = new Float64Array(k * d + k);
  // Inputs packed once; logits = X W^T and the gradient E^T X are two BLAS products per step.
  const packed = new Float32Array(n * d);
  for (let i = 0; i < n; i++) packed.set(Float32Array.from(x[i]), i * d);
  const weights32 = new Float32Array(k * d);
  const logits = new Float32Array(n * k);
  const errors = new Float32Array(n * k);
  const row = new Float64Array(k);
  let totalWeight = 0;
  for (const label of labels) totalWeight += classWeight[label];
  const beta1 = 0.9, beta2 = 0.999;
  for (let step = 1; step <= iterations; step++) {
    for (let p = 0; p < weights.length; p++) weights32[p] = weights[p];
    sgemm(false, true, n, k, d, 1, packed, d, weights32, d, 0, logits, k);
    gradB.fill(0);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) row[c] = logits[i * k + c] + bias[c];
      softmaxInPlace(row);
      const w = classWeight[labels[i]] / totalWeight;
      for (let c = 0; c < k; c++) {
        const error = w * (row[c] - (c === labels[i] ? 1 : 0));
        errors[i * k + c] = error;
        gradB[c] += error;
      }
    }
    sgemm(true, false, k, d, n, 1, errors, k, packed, d, 0, gradW, d);
    const correction1 = 1 - beta1 ** step, correction2 = 1 - beta2 ** step;
    const update = (
      params: Float64Array,
      grads: ArrayLike<number>,
      offset: number,
      decay: boolean,
    ) => {
      for (let p = 0; p < params.length; p++) {
        const g = grads[p] + (decay ? l2 * params[p] : 0);
        const index = offset + p;
        m1[index] = beta1 * m1[index] + (1 - beta1) * g;
        m2[index] = beta2 * m2[index] + (1 - beta2) * g * g;
        params[p] -= rate * (m1[index] / correction1) / (Math.sqrt(m2[index] / correction2) + 1e-8);
      }
    };
    update(weights, gradW, 0, true);
    update(bias, gradB, k * d, false);
  }
  return {
    kind: "logistic",
    classes: k,
    dimensions: d,
    weights: Array.from(weights),
    bias: Array.from(bias),
  };
}

/** Class probabilities of one vector. */
export function logisticPredictProba(model: LogisticModel, x: ArrayLike<number>): Float64Array {
  if (x.length !== model.dimensions) {
    throw new RangeError(
      `logistic: input has ${x.length} values, the model expects ${model.dimensions}`,
    );
  }
  const logits = new Float64Array(model.classes);
  for (let c = 0; c < model.classes; c++) {
    let sum = model.bias[c];
    const base = c * model.dimensions;
    for (let j = 0; j < model.dimensions; j++) sum += model.weights[base + j] * x[j];
    logits[c] = sum;
  }
  softmaxInPlace(logits);
  return logits;
}
