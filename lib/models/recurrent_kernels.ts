/**
 * Forward and backward passes of LSTM and GRU layers on plain Float32Arrays.
 *
 * The input projection of all time steps is one big sgemm; each step then costs one small
 * sgemm (`h_{t-1} @ U`) plus fused gate arithmetic in plain loops, with no allocation per step.
 * The backward pass (BPTT) mirrors it: one small sgemm per step for the hidden-state gradient
 * and three big sgemms at the end for the input and weight gradients.
 *
 * Layouts (row-major): inputs `[batch, time, inputSize]`; LSTM kernel `[inputSize, 4 * units]`,
 * recurrent kernel `[units, 4 * units]`, bias `[4 * units]`, gate order i, f, c, o (Keras);
 * GRU (Keras `reset_after=True`, the PyTorch/cuDNN variant) kernel `[inputSize, 3 * units]`,
 * recurrent kernel `[units, 3 * units]`, bias `[2, 3 * units]` (input bias, then recurrent
 * bias), gate order z, r, h. Activations are sigmoid / tanh as in Keras and PyTorch.
 *
 * @example
 * ```ts
 * import { lstmBackward, lstmForward } from "./recurrent_kernels.ts";
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), dOutput = new Float32Array(2 * 3 * 5);
 * const kernel = new Float32Array(4 * 20), recurrentKernel = new Float32Array(5 * 20);
 * const bias = new Float32Array(20);
 * const state = lstmForward(x, kernel, recurrentKernel, bias, dims);
 * const grads = lstmBackward(state, x, kernel, recurrentKernel, dOutput, true, dims);
 * ```
 * @module
 */
import { takeBuffer } from "./tensor_buffers.ts";
import { sgemm } from "./blas.ts";

/** Sizes of one recurrent-layer call. */
export interface RecurrentDims {
  /** Sequences in the batch. */
  batch: number;
  /** Time steps per sequence. */
  time: number;
  /** Features per time step of the input. */
  inputSize: number;
  /** Hidden units of the layer. */
  units: number;
}

/** What a forward pass keeps for the backward pass. */
export interface RecurrentState {
  /** Hidden state of every step, `[batch, time, units]`. */
  hidden: Float32Array;
  /** Gate activations of every step (LSTM: i, f, c~, o; GRU: z, r, n, U_h h + b_h). */
  gates: Float32Array;
  /** LSTM cell state of every step, `[batch, time, units]` (empty for GRU). */
  cells: Float32Array;
  /** LSTM `tanh(cell)` of every step, kept so BPTT need not recompute it (empty for GRU). */
  cellsTanh: Float32Array;
  /** Set by {@link releaseState}: the scratch arrays went back to the pool. */
  released?: boolean;
}

/** Gradients of a scalar loss with respect to a recurrent layer's input and weights. */
export interface RecurrentGradients {
  /** `[batch, time, inputSize]`. */
  dInput: Float32Array;
  /** Same shape as the kernel. */
  dKernel: Float32Array;
  /** Same shape as the recurrent kernel. */
  dRecurrentKernel: Float32Array;
  /** Same shape as the bias. */
  dBias: Float32Array;
}

// Sigmoid from a lookup table with linear interpolation: 256 entries per unit over [-16, 16]
// (64 KiB, stays in cache). Max abs error 2e-7 (~3 float32 ulps at 1), 4x faster than
// `1 / (1 + Math.exp(-x))` in V8; the gate arithmetic, not the sgemms, dominated the layers'
// time. Backward passes use the saved activations, so gradients stay consistent with it.
const SIGMOID_STEPS = 256;
const SIGMOID_RANGE = 16;
const SIGMOID_SIZE = 2 * SIGMOID_RANGE * SIGMOID_STEPS + 2;
const SIGMOID_TABLE = new Float64Array(SIGMOID_SIZE);
for (let i = 0; i < SIGMOID_SIZE; i++) {
  SIGMOID_TABLE[i] = 1 / (1 + Math.exp(-(i / SIGMOID_STEPS - SIGMOID_RANGE)));
}

/** Logistic sigmoid (table-interpolated, see above); NaN stays NaN. */
function sigmoid(x: number): number {
  const position = (x + SIGMOID_RANGE) * SIGMOID_STEPS;
  if (position <= 0) return SIGMOID_TABLE[0];
  if (position >= SIGMOID_SIZE - 2) return SIGMOID_TABLE[SIGMOID_SIZE - 2];
  if (position !== position) return NaN;
  const index = position | 0;
  const fraction = position - index;
  const low = SIGMOID_TABLE[index];
  return low + fraction * (SIGMOID_TABLE[index + 1] - low);
}

/**
 * {@link sigmoid} of `values[start..end)`, in place. The gate loops call these on a row of
 * float64 pre-activations instead of calling `sigmoid` per element: in a small loop V8 inlines
 * the table lookup, inside the big fused gate loop it did not (a call per element; the
 * activations were ~30 % of the LSTM's forward time). Same arithmetic, same bits.
 */
function sigmoidRange(values: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) values[i] = sigmoid(values[i]);
}

/**
 * tanh of `values[start..end)`, in place, as `2 sigmoid(2x) - 1` (abs error < 5e-7; see
 * {@link sigmoidRange}).
 */
function tanhRange(values: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) values[i] = 2 * sigmoid(2 * values[i]) - 1;
}

/**
 * Recycled scratch arrays. A fresh 17 MB Float32Array costs 8-17 ms of page faults when first
 * written (measured here), and a training step of the seed LSTM needs ~75 MB of them. Arrays
 * handed to tensors are never pooled (the cpu backend keeps a reference to them).
 */
const pool = new Map<number, Float32Array[]>();
const POOL_DEPTH = 4;

/** A scratch array of `length` floats; NOT zeroed unless `zero`. */
function takeScratch(length: number, zero = false): Float32Array {
  const array = pool.get(length)?.pop();
  if (!array) return new Float32Array(length);
  if (zero) array.fill(0);
  return array;
}

function giveScratch(...arrays: Float32Array[]): void {
  for (const array of arrays) {
    if (array.length === 0) continue;
    const free = pool.get(array.length) ?? [];
    if (free.length < POOL_DEPTH && !free.includes(array)) free.push(array);
    pool.set(array.length, free);
  }
}

/**
 * Returns a forward state's scratch arrays to the pool; the state must not be used afterwards.
 * Call it once the backward pass is done (a state without backward is simply garbage
 * collected).
 *
 * @param state a state from {@link lstmForward} or {@link gruForward}
 * @example
 * ```ts
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), dy = new Float32Array(2 * 3 * 5);
 * const kernel = new Float32Array(4 * 20), recurrentKernel = new Float32Array(5 * 20);
 * const state = lstmForward(x, kernel, recurrentKernel, new Float32Array(20), dims);
 * const grads = lstmBackward(state, x, kernel, recurrentKernel, dy, true, dims);
 * releaseState(state);
 * ```
 */
export function releaseState(state: RecurrentState): void {
  if (state.released) return;
  state.released = true;
  giveScratch(state.gates, state.cells, state.cellsTanh);
}

function checkLive(state: RecurrentState): void {
  if (state.released) throw new Error("recurrent kernel: backward on a released forward state");
}

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (array.length !== expected) {
    throw new Error(`recurrent kernel: ${name} has ${array.length} values, expected ${expected}`);
  }
}

/** Hidden states shifted one step later, with zeros at t = 0: row (b, t) holds h_{b, t-1}. */
function previousHidden(hidden: Float32Array, dims: RecurrentDims): Float32Array {
  const { batch, time, units } = dims;
  const out = takeScratch(hidden.length);
  for (let b = 0; b < batch; b++) {
    const base = b * time * units;
    out.fill(0, base, base + units);
    out.set(hidden.subarray(base, base + (time - 1) * units), base + units);
  }
  return out;
}

/** Column sums of a `[rows, cols]` matrix, added into `out` at `offset`. */
function addColumnSums(
  matrix: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  offset: number,
): void {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) sums[j] += matrix[base + j];
  }
  for (let j = 0; j < cols; j++) out[offset + j] += sums[j];
}

/**
 * Gradient of the loss w.r.t. the hidden state of step `t` coming from the layer's output:
 * every step when the layer returns sequences, else only the last step.
 */
function outputGradient(
  dOutput: Float32Array,
  returnSequences: boolean,
  dims: RecurrentDims,
  b: number,
  t: number,
  j: number,
): number {
  const { time, units } = dims;
  if (returnSequences) return dOutput[(b * time + t) * units + j];
  return t === time - 1 ? dOutput[b * units + j] : 0;
}

/**
 * `recurrent = h[:, t-1] @ U` for every sequence of the batch, into a small contiguous buffer
 * (a strided beta=1 update of the gate array was slower), reading `h` as a strided view of the
 * `[batch, time, units]` hidden-state array.
 */
function previousStateProjection(
  hidden: Float32Array,
  t: number,
  dims: RecurrentDims,
  gateWidth: number,
  recurrentKernel: Float32Array,
  recurrent: Float32Array,
): void {
  const { batch, time, units } = dims;
  sgemm(
    false,
    false,
    batch,
    gateWidth,
    units,
    1,
    hidden.subarray((t - 1) * units),
    time * units,
    recurrentKernel,
    gateWidth,
    0,
    recurrent,
    gateWidth,
  );
}

/**
 * LSTM forward pass (Keras semantics, zero initial state).
 *
 * @param input `[batch, time, inputSize]`
 * @param kernel `[inputSize, 4 * units]`
 * @param recurrentKernel `[units, 4 * units]`
 * @param bias `[4 * units]`
 * @param dims sizes
 * @returns hidden and cell states and gate activations of every step
 * @example
 * ```ts
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), bias = new Float32Array(20);
 * const kernel = new Float32Array(4 * 20), recurrentKernel = new Float32Array(5 * 20);
 * const { hidden } = lstmForward(x, kernel, recurrentKernel, bias, dims);
 * ```
 */
export function lstmForward(
  input: Float32Array,
  kernel: Float32Array,
  recurrentKernel: Float32Array,
  bias: Float32Array,
  dims: RecurrentDims,
): RecurrentState {
  const { batch, time, inputSize, units } = dims;
  const gateWidth = 4 * units;
  checkLength("input", input, batch * time * inputSize);
  checkLength("kernel", kernel, inputSize * gateWidth);
  checkLength("recurrent kernel", recurrentKernel, units * gateWidth);
  checkLength("bias", bias, gateWidth);
  // Every element of these is written below before it is read.
  const gates = takeScratch(batch * time * gateWidth);
  // From the shared tensor-buffer pool: fully written step by step before it is read.
  const hidden = takeBuffer(batch * time * units);
  const cells = takeScratch(batch * time * units);
  const cellsTanh = takeScratch(batch * time * units);
  const gateRowStride = time * gateWidth;
  const stateRowStride = time * units;
  // Input projection of every step at once: [batch*time, inputSize] @ [inputSize, 4 units].
  sgemm(
    false,
    false,
    batch * time,
    gateWidth,
    inputSize,
    1,
    input,
    inputSize,
    kernel,
    gateWidth,
    0,
    gates,
    gateWidth,
  );
  const recurrent = new Float32Array(batch * gateWidth);
  // One row's pre-activations, then activations, in float64 (as the scalar code they replace).
  const z = new Float64Array(gateWidth);
  const cellRow = new Float64Array(units);
  for (let t = 0; t < time; t++) {
    if (t > 0) {
      previousStateProjection(hidden, t, dims, gateWidth, recurrentKernel, recurrent);
    }
    for (let b = 0; b < batch; b++) {
      const g = b * gateRowStride + t * gateWidth;
      const r = b * gateWidth;
      const s = b * stateRowStride + t * units;
      if (t === 0) {
        for (let j = 0; j < gateWidth; j++) z[j] = gates[g + j] + bias[j];
      } else {
        for (let j = 0; j < gateWidth; j++) z[j] = gates[g + j] + bias[j] + recurrent[r + j];
      }
      sigmoidRange(z, 0, 2 * units); // input and forget gates
      tanhRange(z, 2 * units, 3 * units); // candidate
      sigmoidRange(z, 3 * units, gateWidth); // output gate
      for (let j = 0; j < units; j++) {
        const previousCell = t === 0 ? 0 : cells[s - units + j];
        const cell = z[units + j] * previousCell + z[j] * z[2 * units + j];
        cells[s + j] = cell;
        cellRow[j] = cell;
      }
      tanhRange(cellRow, 0, units);
      for (let j = 0; j < units; j++) {
        const cellTanh = cellRow[j];
        cellsTanh[s + j] = cellTanh;
        hidden[s + j] = z[3 * units + j] * cellTanh;
      }
      for (let j = 0; j < gateWidth; j++) gates[g + j] = z[j];
    }
  }
  return { hidden, gates, cells, cellsTanh };
}

/**
 * LSTM backward pass (BPTT) from a {@link lstmForward} state.
 *
 * @param state what the forward pass returned
 * @param input the forward pass's input
 * @param kernel the forward pass's kernel
 * @param recurrentKernel the forward pass's recurrent kernel
 * @param dOutput loss gradient w.r.t. the layer output: `[batch, time, units]` when
 *   `returnSequences`, else `[batch, units]` (the last step)
 * @param returnSequences whether the layer output every step
 * @param dims sizes
 * @example
 * ```ts
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), dy = new Float32Array(2 * 5);
 * const kernel = new Float32Array(4 * 20), recurrentKernel = new Float32Array(5 * 20);
 * const state = lstmForward(x, kernel, recurrentKernel, new Float32Array(20), dims);
 * const { dInput, dKernel } = lstmBackward(state, x, kernel, recurrentKernel, dy, false, dims);
 * ```
 */
export function lstmBackward(
  state: RecurrentState,
  input: Float32Array,
  kernel: Float32Array,
  recurrentKernel: Float32Array,
  dOutput: Float32Array,
  returnSequences: boolean,
  dims: RecurrentDims,
): RecurrentGradients {
  const { batch, time, units } = dims;
  const gateWidth = 4 * units;
  checkLength("output gradient", dOutput, batch * (returnSequences ? time : 1) * units);
  checkLive(state);
  const { gates, cells, cellsTanh } = state;
  const dGates = takeScratch(batch * time * gateWidth); // fully written before read
  const dHidden = new Float32Array(batch * units); // from step t+1 through U
  const dCell = new Float32Array(batch * units); // from step t+1 through the forget gate
  const gateRowStride = time * gateWidth;
  const stateRowStride = time * units;
  for (let t = time - 1; t >= 0; t--) {
    for (let b = 0; b < batch; b++) {
      const g = b * gateRowStride + t * gateWidth;
      const s = b * stateRowStride + t * units;
      const carry = b * units;
      for (let j = 0; j < units; j++) {
        const dh = dHidden[carry + j] + outputGradient(dOutput, returnSequences, dims, b, t, j);
        const inputGate = gates[g + j];
        const forgetGate = gates[g + units + j];
        const candidate = gates[g + 2 * units + j];
        const outputGate = gates[g + 3 * units + j];
        const tanhCell = cellsTanh[s + j];
        const dc = dCell[carry + j] + dh * outputGate * (1 - tanhCell * tanhCell);
        const previousCell = t > 0 ? cells[s - units + j] : 0;
        dGates[g + j] = dc * candidate * inputGate * (1 - inputGate);
        dGates[g + units + j] = dc * previousCell * forgetGate * (1 - forgetGate);
        dGates[g + 2 * units + j] = dc * inputGate * (1 - candidate * candidate);
        dGates[g + 3 * units + j] = dh * tanhCell * outputGate * (1 - outputGate);
        dCell[carry + j] = dc * forgetGate;
      }
    }
    if (t > 0) {
      // dh_{t-1} = dGates[:, t] @ U^T
      sgemm(
        false,
        true,
        batch,
        units,
        gateWidth,
        1,
        dGates.subarray(t * gateWidth),
        gateRowStride,
        recurrentKernel,
        gateWidth,
        0,
        dHidden,
        units,
      );
    }
  }
  const grads = weightGradients(state.hidden, input, kernel, dGates, dGates, dims, gateWidth, 1);
  giveScratch(dGates);
  return grads;
}

/**
 * The big batched sgemms shared by LSTM and GRU: input gradient `dGx @ W^T`, kernel gradient
 * `X^T @ dGx`, recurrent gradient `H_{t-1}^T @ dGh`, and bias gradient(s) as column sums.
 */
function weightGradients(
  hidden: Float32Array,
  input: Float32Array,
  kernel: Float32Array,
  dGatesInput: Float32Array,
  dGatesRecurrent: Float32Array,
  dims: RecurrentDims,
  gateWidth: number,
  biasRows: 1 | 2,
): RecurrentGradients {
  const { batch, time, inputSize, units } = dims;
  const rows = batch * time;
  // Pooled (stale values are fine: the beta = 0 sgemm below overwrites every element).
  const dInput = takeBuffer(rows * inputSize);
  sgemm(
    false,
    true,
    rows,
    inputSize,
    gateWidth,
    1,
    dGatesInput,
    gateWidth,
    kernel,
    gateWidth,
    0,
    dInput,
    inputSize,
  );
  const dKernel = new Float32Array(inputSize * gateWidth);
  sgemm(
    true,
    false,
    inputSize,
    gateWidth,
    rows,
    1,
    input,
    inputSize,
    dGatesInput,
    gateWidth,
    0,
    dKernel,
    gateWidth,
  );
  const dRecurrentKernel = new Float32Array(units * gateWidth);
  const previous = previousHidden(hidden, dims);
  sgemm(
    true,
    false,
    units,
    gateWidth,
    rows,
    1,
    previous,
    units,
    dGatesRecurrent,
    gateWidth,
    0,
    dRecurrentKernel,
    gateWidth,
  );
  giveScratch(previous);
  const dBias = new Float32Array(biasRows * gateWidth);
  addColumnSums(dGatesInput, rows, gateWidth, dBias, 0);
  if (biasRows === 2) addColumnSums(dGatesRecurrent, rows, gateWidth, dBias, gateWidth);
  return { dInput, dKernel, dRecurrentKernel, dBias };
}

/**
 * GRU forward pass, Keras `reset_after=True` (= PyTorch `nn.GRU`), zero initial state:
 * `z = σ(x W_z + b_z + h U_z + c_z)`, `r = σ(x W_r + b_r + h U_r + c_r)`,
 * `n = tanh(x W_h + b_h + r ⊙ (h U_h + c_h))`, `h' = z ⊙ h + (1 - z) ⊙ n`.
 *
 * @param input `[batch, time, inputSize]`
 * @param kernel `[inputSize, 3 * units]`
 * @param recurrentKernel `[units, 3 * units]`
 * @param bias `[2, 3 * units]`: input bias row, then recurrent bias row
 * @param dims sizes
 * @example
 * ```ts
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), bias = new Float32Array(30);
 * const kernel = new Float32Array(4 * 15), recurrentKernel = new Float32Array(5 * 15);
 * const { hidden } = gruForward(x, kernel, recurrentKernel, bias, dims);
 * ```
 */
export function gruForward(
  input: Float32Array,
  kernel: Float32Array,
  recurrentKernel: Float32Array,
  bias: Float32Array,
  dims: RecurrentDims,
): RecurrentState {
  const { batch, time, inputSize, units } = dims;
  const gateWidth = 3 * units;
  const savedWidth = 4 * units;
  checkLength("input", input, batch * time * inputSize);
  checkLength("kernel", kernel, inputSize * gateWidth);
  checkLength("recurrent kernel", recurrentKernel, units * gateWidth);
  checkLength("bias", bias, 2 * gateWidth);
  const projected = takeScratch(batch * time * gateWidth);
  sgemm(
    false,
    false,
    batch * time,
    gateWidth,
    inputSize,
    1,
    input,
    inputSize,
    kernel,
    gateWidth,
    0,
    projected,
    gateWidth,
  );
  const recurrent = new Float32Array(batch * gateWidth);
  const gates = takeScratch(batch * time * savedWidth);
  // From the shared tensor-buffer pool: fully written step by step before it is read.
  const hidden = takeBuffer(batch * time * units);
  const stateRowStride = time * units;
  // One row's pre-activations, then activations, in float64 (see sigmoidRange).
  const z = new Float64Array(gateWidth);
  const recurrentRow = new Float64Array(units);
  for (let t = 0; t < time; t++) {
    if (t > 0) {
      previousStateProjection(hidden, t, dims, gateWidth, recurrentKernel, recurrent);
    }
    for (let b = 0; b < batch; b++) {
      const x = (b * time + t) * gateWidth;
      const r = b * gateWidth;
      const saved = (b * time + t) * savedWidth;
      const s = b * stateRowStride + t * units;
      // Update and reset gates: x W + b + h U + c.
      for (let j = 0; j < 2 * units; j++) {
        z[j] = projected[x + j] + bias[j] + (t > 0 ? recurrent[r + j] : 0) + bias[gateWidth + j];
      }
      sigmoidRange(z, 0, 2 * units);
      // Candidate: tanh(x W_h + b_h + reset * (h U_h + c_h)).
      for (let j = 0; j < units; j++) {
        const recurrentH = (t > 0 ? recurrent[r + 2 * units + j] : 0) +
          bias[gateWidth + 2 * units + j];
        recurrentRow[j] = recurrentH;
        z[2 * units + j] = projected[x + 2 * units + j] + bias[2 * units + j] +
          z[units + j] * recurrentH;
      }
      tanhRange(z, 2 * units, gateWidth);
      for (let j = 0; j < units; j++) {
        const update = z[j];
        const candidate = z[2 * units + j];
        const previous = t > 0 ? hidden[s - units + j] : 0;
        hidden[s + j] = update * previous + (1 - update) * candidate;
        gates[saved + j] = update;
        gates[saved + units + j] = z[units + j];
        gates[saved + 2 * units + j] = candidate;
        gates[saved + 3 * units + j] = recurrentRow[j];
      }
    }
  }
  giveScratch(projected);
  return { hidden, gates, cells: new Float32Array(0), cellsTanh: new Float32Array(0) };
}

/**
 * GRU backward pass (BPTT) from a {@link gruForward} state.
 *
 * @param state what the forward pass returned
 * @param input the forward pass's input
 * @param kernel the forward pass's kernel
 * @param recurrentKernel the forward pass's recurrent kernel
 * @param dOutput loss gradient w.r.t. the output (`[batch, time, units]` or `[batch, units]`)
 * @param returnSequences whether the layer output every step
 * @param dims sizes
 * @example
 * ```ts
 * const dims = { batch: 2, time: 3, inputSize: 4, units: 5 };
 * const x = new Float32Array(2 * 3 * 4), dy = new Float32Array(2 * 3 * 5);
 * const kernel = new Float32Array(4 * 15), recurrentKernel = new Float32Array(5 * 15);
 * const state = gruForward(x, kernel, recurrentKernel, new Float32Array(30), dims);
 * const grads = gruBackward(state, x, kernel, recurrentKernel, dy, true, dims);
 * ```
 */
export function gruBackward(
  state: RecurrentState,
  input: Float32Array,
  kernel: Float32Array,
  recurrentKernel: Float32Array,
  dOutput: Float32Array,
  returnSequences: boolean,
  dims: RecurrentDims,
): RecurrentGradients {
  const { batch, time, units } = dims;
  const gateWidth = 3 * units;
  const savedWidth = 4 * units;
  checkLength("output gradient", dOutput, batch * (returnSequences ? time : 1) * units);
  checkLive(state);
  const { gates, hidden } = state;
  // Fully written before read.
  const dGatesInput = takeScratch(batch * time * gateWidth);
  const dGatesRecurrent = takeScratch(batch * time * gateWidth);
  const dHidden = new Float32Array(batch * units);
  const stateRowStride = time * units;
  for (let t = time - 1; t >= 0; t--) {
    for (let b = 0; b < batch; b++) {
      const g = (b * time + t) * gateWidth;
      const saved = (b * time + t) * savedWidth;
      const s = b * stateRowStride + t * units;
      const carry = b * units;
      for (let j = 0; j < units; j++) {
        const dh = dHidden[carry + j] + outputGradient(dOutput, returnSequences, dims, b, t, j);
        const update = gates[saved + j];
        const reset = gates[saved + units + j];
        const candidate = gates[saved + 2 * units + j];
        const recurrentH = gates[saved + 3 * units + j];
        const previous = t > 0 ? hidden[s - units + j] : 0;
        const dUpdate = dh * (previous - candidate) * update * (1 - update);
        const dCandidate = dh * (1 - update) * (1 - candidate * candidate);
        const dReset = dCandidate * recurrentH * reset * (1 - reset);
        dGatesInput[g + j] = dUpdate;
        dGatesInput[g + units + j] = dReset;
        dGatesInput[g + 2 * units + j] = dCandidate;
        dGatesRecurrent[g + j] = dUpdate;
        dGatesRecurrent[g + units + j] = dReset;
        dGatesRecurrent[g + 2 * units + j] = dCandidate * reset;
        // The direct path h_{t-1} -> h_t; the path through U is added by the sgemm below.
        dHidden[carry + j] = dh * update;
      }
    }
    if (t > 0) {
      sgemm(
        false,
        true,
        batch,
        units,
        gateWidth,
        1,
        dGatesRecurrent.subarray(t * gateWidth),
        time * gateWidth,
        recurrentKernel,
        gateWidth,
        1,
        dHidden,
        units,
      );
    }
  }
  const grads = weightGradients(
    hidden,
    input,
    kernel,
    dGatesInput,
    dGatesRecurrent,
    dims,
    gateWidth,
    2,
  );
  giveScratch(dGatesInput, dGatesRecurrent);
  return grads;
}
