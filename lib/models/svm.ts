/**
 * A support vector classifier with an RBF kernel, in plain TypeScript: libsvm's C-SVC (Chang &
 * Lin, 2011, "LIBSVM: A library for support vector machines", ACM TIST 2(3)) — SMO with
 * second-order working-set selection (Fan, Chen & Lin, 2005, JMLR 6) — one-vs-one for several
 * classes, and pairwise coupling (Wu, Lin & Weng, 2004, JMLR 5, method 2) for probabilities.
 *
 * Why an SVM: on a few thousand utterance vectors it is the strongest classical learner for
 * speech emotion (the INTERSPEECH challenge baselines are SVMs on openSMILE functionals), it has
 * two hyperparameters, trains in well under a second, and its saved form is small JSON that runs
 * anywhere, the browser included. Why our own: the npm ports of libsvm are WASM builds without
 * class weights on pairwise problems or a stable saved format; this is ~250 lines we can test.
 *
 * @example
 * ```ts
 * import { fitSvm, svmPredictProba } from "./svm.ts";
 * const x = [[0, 0], [0, 1], [3, 3], [3, 4]].map((row) => Float32Array.from(row));
 * const model = fitSvm(x, [0, 0, 1, 1], { classes: 2, c: 1, gamma: 0.5 });
 * console.log(svmPredictProba(model, Float32Array.from([3, 3.5]))); // class 1 most likely
 * ```
 * @module
 */
import { sgemm } from "./blas.ts";

/** Hyperparameters of {@link fitSvm}. */
export interface SvmOptions {
  /** Number of classes; labels are 0..classes-1. */
  classes: number;
  /** Penalty of margin violations, > 0 (default 1). Larger fits the training set harder. */
  c?: number;
  /** RBF width `exp(-gamma |x - y|^2)`, > 0 (default `1 / dimensions`, sklearn's "scale" for
   * standardised inputs). */
  gamma?: number;
  /** Per-class multipliers of `c` (e.g. inverse class frequencies); default all 1. */
  classWeight?: readonly number[];
  /** Stopping tolerance of SMO on the KKT gap (default 1e-3, libsvm's). */
  tolerance?: number;
  /** Most SMO iterations per pairwise problem (default 100 000). */
  maxIterations?: number;
}

/** One binary problem of the one-vs-one scheme: class `a` (positive) against class `b`. */
export interface SvmPair {
  a: number;
  b: number;
  /** Indices into {@link SvmModel.supportVectors}. */
  vectors: number[];
  /** `alpha_i y_i` of each of `vectors`. */
  coefficients: number[];
  /** Offset: decision = sum coef * K - rho. */
  rho: number;
}

/** A trained classifier: plain data, JSON-serialisable. */
export interface SvmModel {
  kind: "svm";
  classes: number;
  dimensions: number;
  gamma: number;
  c: number;
  /** Support vectors, each `dimensions` long (shared between pairs). */
  supportVectors: number[][];
  pairs: SvmPair[];
}

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

/** Solves one binary C-SVC dual; returns alpha and rho. `kernel` is the full row-major matrix. */
function solveBinary(
  kernel: Float64Array,
  n: number,
  y: Int8Array,
  cOf: Float64Array,
  tolerance: number,
  maxIterations: number,
): { alpha: Float64Array; rho: number } {
  const alpha = new Float64Array(n);
  const gradient = new Float64Array(n).fill(-1);
  const diagonal = new Float64Array(n);
  for (let t = 0; t < n; t++) diagonal[t] = kernel[t * n + t];
  const tau = 1e-12;
  const isUp = (t: number) => (y[t] === 1 ? alpha[t] < cOf[t] : alpha[t] > 0);
  const isLow = (t: number) => (y[t] === 1 ? alpha[t] > 0 : alpha[t] < cOf[t]);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let gMax = -Infinity, i = -1;
    for (let t = 0; t < n; t++) {
      if (isUp(t) && -y[t] * gradient[t] >= gMax) {
        gMax = -y[t] * gradient[t];
        i = t;
      }
    }
    if (i < 0) break;
    let gMax2 = -Infinity, j = -1, best = Infinity;
    const rowI = i * n;
    for (let t = 0; t < n; t++) {
      if (!isLow(t)) continue;
      const yg = y[t] * gradient[t];
      if (yg > gMax2) gMax2 = yg;
      const b = gMax + yg;
      if (b > 0) {
        const a = diagonal[i] + diagonal[t] - 2 * kernel[rowI + t];
        const objective = -(b * b) / (a > 0 ? a : tau);
        if (objective <= best) {
          best = objective;
          j = t;
        }
      }
    }
    if (gMax + gMax2 < tolerance || j < 0) break;
    const oldI = alpha[i], oldJ = alpha[j];
    const qij = y[i] * y[j] * kernel[rowI + j];
    const cI = cOf[i], cJ = cOf[j];
    if (y[i] !== y[j]) {
      let quad = diagonal[i] + diagonal[j] + 2 * qij;
      if (quad <= 0) quad = tau;
      const change = (-gradient[i] - gradient[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += change;
      alpha[j] += change;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > cI - cJ) {
        if (alpha[i] > cI) {
          alpha[i] = cI;
          alpha[j] = cI - diff;
        }
      } else if (alpha[j] > cJ) {
        alpha[j] = cJ;
        alpha[i] = cJ + diff;
      }
    } else {
      let quad = diagonal[i] + diagonal[j] - 2 * qij;
      if (quad <= 0) quad = tau;
      const change = (gradient[i] - gradient[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= change;
      alpha[j] += change;
      if (sum > cI) {
        if (alpha[i] > cI) {
          alpha[i] = cI;
          alpha[j] = sum - cI;
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0;
        alpha[i] = sum;
      }
      if (sum > cJ) {
        if (alpha[j] > cJ) {
          alpha[j] = cJ;
          alpha[i] = sum - cJ;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = sum;
      }
    }
    const dI = alpha[i] - oldI, dJ = alpha[j] - oldJ;
    const rowJ = j * n;
    const yiDi = y[i] * dI, yjDj = y[j] * dJ;
    for (let t = 0; t < n; t++) {
      gradient[t] += y[t] * (yiDi * kernel[rowI + t] + yjDj * kernel[rowJ + t]);
    }
  }
  // rho: the mean of y G over free vectors; else the middle of the feasible interval.
  let free = 0, sumFree = 0, upper = Infinity, lower = -Infinity;
  for (let t = 0; t < n; t++) {
    const yg = y[t] * gradient[t];
    if (alpha[t] > 0 && alpha[t] < cOf[t]) {
      free++;
      sumFree += yg;
    } else if ((y[t] === 1 && alpha[t] >= cOf[t]) || (y[t] === -1 && alpha[t] <= 0)) {
      lower = Math.max(lower, yg);
    } else {
      upper = Math.min(upper, yg);
    }
  }
  const rho = free > 0 ? sumFree / free : (upper + lower) / 2;
  return { alpha, rho: Number.isFinite(rho) ? rho : 0 };
}

/**
 * Trains a one-vs-one RBF support vector classifier.
 *
 * @param x training vectors, all of the same length (standardise them first)
 * @param labels class index of each vector, in `0..options.classes-1`
 * @param options classes, `c`, `gamma`, class weights
 * @returns the model (support vectors and pairwise coefficients)
 * @throws RangeError on empty input, ragged vectors, bad labels or non-finite values
 */
export function fitSvm(
  x: readonly ArrayLike<number>[],
  labels: readonly number[],
  options: SvmOptions,
): SvmModel {
  const n = x.length;
  const k = options.classes;
  if (n === 0) throw new RangeError("fitSvm: no training vectors");
  if (labels.length !== n) throw new RangeError(`fitSvm: ${labels.length} labels, ${n} vectors`);
  const dimensions = x[0].length;
  for (let i = 0; i < n; i++) {
    if (x[i].length !== dimensions) {
      throw new RangeError(`fitSvm: vector ${i} has ${x[i].length} values, expected ${dimensions}`);
    }
    for (let d = 0; d < dimensions; d++) {
      if (!Number.isFinite(x[i][d])) {
        throw new RangeError(`fitSvm: vector ${i} has a non-finite value at ${d}`);
      }
    }
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= k) {
      throw new RangeError(`fitSvm: label ${labels[i]} of vector ${i} is not in 0..${k - 1}`);
    }
  }
  const c = options.c ?? 1;
  const gamma = options.gamma ?? 1 / dimensions;
  if (!(c > 0) || !(gamma > 0)) throw new RangeError(`fitSvm: c and gamma must be > 0`);
  const weights = options.classWeight ?? new Array(k).fill(1);
  const tolerance = options.tolerance ?? 1e-3;
  const maxIterations = options.maxIterations ?? 100_000;

  // All inner products at once (one BLAS call: OpenBLAS when present), then
  // |x - y|^2 = |x|^2 + |y|^2 - 2 x.y for every pair: the kernel rows cost O(1) each.
  const packed = new Float32Array(n * dimensions);
  for (let i = 0; i < n; i++) packed.set(Float32Array.from(x[i]), i * dimensions);
  const gram = new Float32Array(n * n);
  sgemm(false, true, n, n, dimensions, 1, packed, dimensions, packed, dimensions, 0, gram, n);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = gram[i * n + i];
  const byClass: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((label, i) => byClass[label].push(i));
  const supportIndex = new Map<number, number>();
  const supportVectors: number[][] = [];
  const pairs: SvmPair[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const members = [...byClass[a], ...byClass[b]];
      if (byClass[a].length === 0 || byClass[b].length === 0) {
        // A class absent from training: its pairs always vote for the present one.
        const rho = byClass[a].length === 0 ? 1 : -1;
        pairs.push({ a, b, vectors: [], coefficients: [], rho });
        continue;
      }
      const m = members.length;
      const kernel = new Float64Array(m * m);
      for (let p = 0; p < m; p++) {
        const rowP = members[p] * n;
        kernel[p * m + p] = 1;
        for (let q = p + 1; q < m; q++) {
          const distance = norms[members[p]] + norms[members[q]] - 2 * gram[rowP + members[q]];
          const value = Math.exp(-gamma * Math.max(distance, 0));
          kernel[p * m + q] = value;
          kernel[q * m + p] = value;
        }
      }
      const y = Int8Array.from(members, (i) => (labels[i] === a ? 1 : -1));
      const cOf = Float64Array.from(members, (i) => c * weights[labels[i]]);
      const { alpha, rho } = solveBinary(kernel, m, y, cOf, tolerance, maxIterations);
      const vectors: number[] = [];
      const coefficients: number[] = [];
      for (let p = 0; p < m; p++) {
        if (alpha[p] <= 0) continue;
        const original = members[p];
        let index = supportIndex.get(original);
        if (index === undefined) {
          index = supportVectors.length;
          supportIndex.set(original, index);
          supportVectors.push(Array.from(x[original]));
        }
        vectors.push(index);
        coefficients.push(alpha[p] * y[p]);
      }
      pairs.push({ a, b, vectors, coefficients, rho });
    }
  }
  return { kind: "svm", classes: k, dimensions, gamma, c, supportVectors, pairs };
}

/** Pairwise decision values `f_ab(x)` (positive: class a), in `model.pairs` order. */
export function svmDecisionValues(model: SvmModel, x: ArrayLike<number>): Float64Array {
  if (x.length !== model.dimensions) {
    throw new RangeError(
      `svm: input has ${x.length} values, the model expects ${model.dimensions}`,
    );
  }
  const kernel = new Float64Array(model.supportVectors.length);
  for (let s = 0; s < kernel.length; s++) {
    kernel[s] = Math.exp(-model.gamma * squaredDistance(model.supportVectors[s], x));
  }
  return Float64Array.from(model.pairs, (pair) => {
    let sum = -pair.rho;
    for (let v = 0; v < pair.vectors.length; v++) {
      sum += pair.coefficients[v] * kernel[pair.vectors[v]];
    }
    return sum;
  });
}

/**
 * Class probabilities by pairwise coupling (Wu, Lin & Weng 2004, method 2) of the pairwise
 * estimates `r_ab = 1 / (1 + exp(-2 f_ab))`. The fixed slope stands in for libsvm's Platt fit,
 * which needs an inner cross-validation; the ranking, and so the predicted class, is the same.
 */
export function svmPredictProba(model: SvmModel, x: ArrayLike<number>): Float64Array {
  const k = model.classes;
  const decisions = svmDecisionValues(model, x);
  const r = new Float64Array(k * k);
  model.pairs.forEach((pair, p) => {
    const value = 1 / (1 + Math.exp(-2 * decisions[p]));
    const clipped = Math.min(Math.max(value, 1e-7), 1 - 1e-7);
    r[pair.a * k + pair.b] = clipped;
    r[pair.b * k + pair.a] = 1 - clipped;
  });
  const q = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    for (let j = 0; j < k; j++) {
      if (j === t) continue;
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  const p = new Float64Array(k).fill(1 / k);
  const qp = new Float64Array(k);
  for (let iteration = 0; iteration < Math.max(100, k); iteration++) {
    let pqp = 0;
    for (let t = 0; t < k; t++) {
      qp[t] = 0;
      for (let j = 0; j < k; j++) qp[t] += q[t * k + j] * p[j];
      pqp += p[t] * qp[t];
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(qp[t] - pqp));
    if (maxError < 0.005 / k) break;
    for (let t = 0; t < k; t++) {
      const change = (-qp[t] + pqp) / q[t * k + t];
      p[t] += change;
      pqp = (pqp + change * (change * q[t * k + t] + 2 * qp[t])) / ((1 + change) * (1 + change));
      for (let j = 0; j < k; j++) {
        qp[j] = (qp[j] + change * q[t * k + j]) / (1 + change);
        p[j] /= 1 + change;
      }
    }
  }
  return p;
}
