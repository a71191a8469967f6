/**
 * `FastLSTM` and `FastGRU`: drop-in tfjs layers (Keras semantics, sigmoid recurrent activation,
 * zero initial state, no masking) whose forward and backward passes run in plain JS with
 * OpenBLAS sgemm (see `recurrent_kernels.ts`) instead of tfjs's per-step op graph, which is
 * what makes stock `tf.layers.lstm` ~5x slower than PyTorch. Gradients reach tfjs's optimisers
 * through `tf.customGrad`, so `model.fit` works unchanged on any backend, and the classes are
 * registered for `tf.loadLayersModel` / {@link loadModel}.
 *
 * Initialisers (Keras defaults, seeded, computed in plain JS): kernel Glorot uniform,
 * recurrent kernel orthogonal (Gram-Schmidt QR of a Gaussian matrix), bias zeros (LSTM: ones
 * for the forget gate, Keras's `unit_forget_bias`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [
 *   new FastLSTM({ units: 128, returnSequences: true, inputShape: [130, 188], seed: 1 }),
 *   new FastGRU({ units: 64 }),
 *   tf.layers.dense({ units: 7, activation: "softmax" }),
 * ] });
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { glorotUniform, initializerRandom, orthogonal } from "./init.ts";
import {
  gruBackward,
  gruForward,
  lstmBackward,
  lstmForward,
  type RecurrentDims,
  type RecurrentGradients,
  type RecurrentState,
  releaseState,
} from "./recurrent_kernels.ts";
import { backendCopiesValues, float32Tensor, giveBuffer, readFloat32 } from "./tensor_buffers.ts";

/** Constructor arguments of {@link FastLSTM} and {@link FastGRU}. */
export interface FastRecurrentArgs {
  /** Hidden units. */
  units: number;
  /** Output every step (`[batch, time, units]`) or only the last (`[batch, units]`). */
  returnSequences?: boolean;
  /** Seed of the weight initialisers (default: random). */
  seed?: number;
  /** Input shape without the batch axis, `[time, features]` (first layer only). */
  inputShape?: number[];
  /** Layer name. */
  name?: string;
  /** Whether the weights are trained (default true). */
  trainable?: boolean;
}

type Forward = typeof lstmForward;
type Backward = typeof lstmBackward;

/** Shared machinery: weights, shapes, config and the customGrad bridge. */
abstract class FastRecurrent extends tf.layers.Layer {
  readonly units: number;
  readonly returnSequences: boolean;
  readonly seed?: number;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  /** Gates per unit (4 for LSTM, 3 for GRU). */
  protected abstract readonly gateCount: number;
  /** Rows of the bias (1 for LSTM, 2 for GRU's input and recurrent biases). */
  protected abstract readonly biasRows: number;
  protected abstract readonly forward: Forward;
  protected abstract readonly backward: Backward;
  protected abstract initialBias(units: number): Float32Array;

  constructor(args: FastRecurrentArgs) {
    // Keep batchInputShape: tfjs passes it (not inputShape) when it rebuilds a saved model.
    super({
      inputShape: args.inputShape,
      batchInputShape: (args as { batchInputShape?: number[] }).batchInputShape,
      name: args.name,
      trainable: args.trainable,
    });
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`${new.target.name}: units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3) {
      throw new Error(
        `${this.getClassName()} "${this.name}": expected input [batch, time, features], ` +
          `got [${shape.join(", ")}]`,
      );
    }
    const inputSize = shape[2];
    if (inputSize === null) {
      throw new Error(`${this.getClassName()} "${this.name}": the feature axis must be known`);
    }
    const width = this.gateCount * this.units;
    const random = initializerRandom(this.seed ?? Math.floor(Math.random() * 2 ** 31));
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight("kernel", [inputSize, width], "float32", zeros);
    this.recurrentKernel = this.addWeight(
      "recurrent_kernel",
      [this.units, width],
      "float32",
      zeros,
    );
    const biasShape = this.biasRows === 1 ? [width] : [this.biasRows, width];
    this.bias = this.addWeight("bias", biasShape, "float32", zeros);
    // Written once here rather than via tfjs initialisers: seeded, and fast for orthogonal.
    this.kernel.write(tf.tensor2d(glorotUniform(inputSize, width, random), [inputSize, width]));
    this.recurrentKernel.write(
      tf.tensor2d(orthogonal(this.units, width, random), [this.units, width]),
    );
    this.bias.write(tf.tensor(this.initialBias(this.units), biasShape));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.kernel || !this.recurrentKernel || !this.bias) {
      throw new Error(`${this.getClassName()} "${this.name}": called before build`);
    }
    return this.op(input, this.kernel.read(), this.recurrentKernel.read(), this.bias.read());
  }

  /** The differentiable op: JS forward, JS BPTT backward. */
  private op(
    input: tf.Tensor,
    kernel: tf.Tensor,
    recurrentKernel: tf.Tensor,
    bias: tf.Tensor,
  ): tf.Tensor {
    const [batch, time, inputSize] = input.shape;
    const dims: RecurrentDims = { batch, time, inputSize, units: this.units };
    const returnSequences = this.returnSequences;
    const forward = this.forward;
    const backward = this.backward;
    const run = tf.customGrad(
      // customGrad's typing wants a variadic signature; ours has exactly four tensors.
      // deno-lint-ignore no-explicit-any
      ((x: tf.Tensor, k: tf.Tensor, u: tf.Tensor, b: tf.Tensor): any => {
        // Pooled copies (see tensor_buffers.ts), returned once the backward pass is done.
        const inputValues = readFloat32(x);
        const kernelValues = k.dataSync() as Float32Array;
        const recurrentValues = u.dataSync() as Float32Array;
        const state: RecurrentState = forward(
          inputValues,
          kernelValues,
          recurrentValues,
          b.dataSync() as Float32Array,
          dims,
        );
        const value = returnSequences
          ? tf.tensor3d(state.hidden, [batch, time, dims.units])
          : tf.tensor2d(lastStep(state.hidden, dims), [batch, dims.units]);
        const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
          const dOutput = readFloat32(dy);
          const grads: RecurrentGradients = backward(
            state,
            inputValues,
            kernelValues,
            recurrentValues,
            dOutput,
            returnSequences,
            dims,
          );
          releaseState(state);
          giveBuffer(dOutput, inputValues);
          // The output tensor may still hold `hidden` itself (cpu backend): pool it only if not.
          if (!returnSequences || backendCopiesValues()) giveBuffer(state.hidden);
          return [
            float32Tensor(grads.dInput, x.shape),
            tf.tensor(grads.dKernel, k.shape),
            tf.tensor(grads.dRecurrentKernel, u.shape),
            tf.tensor(grads.dBias, b.shape),
          ];
        };
        return { value, gradFunc };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    return run(input, kernel, recurrentKernel, bias) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      units: this.units,
      returnSequences: this.returnSequences,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

function lastStep(hidden: Float32Array, dims: RecurrentDims): Float32Array {
  const { batch, time, units } = dims;
  const out = new Float32Array(batch * units);
  for (let b = 0; b < batch; b++) {
    const start = (b * time + time - 1) * units;
    out.set(hidden.subarray(start, start + units), b * units);
  }
  return out;
}

/**
 * LSTM layer equivalent to `tf.layers.lstm({ units, returnSequences, recurrentActivation:
 * "sigmoid" })` (and Keras's `LSTM`), with the same weight shapes and order, trained through
 * a fused JS/OpenBLAS kernel.
 *
 * @example
 * ```ts
 * const layer = new FastLSTM({ units: 64, returnSequences: false, seed: 42 });
 * ```
 */
export class FastLSTM extends FastRecurrent {
  /** Name under which the class is serialised in model.json. */
  static className = "FastLSTM";
  protected readonly gateCount = 4;
  protected readonly biasRows = 1;
  protected readonly forward = lstmForward;
  protected readonly backward = lstmBackward;

  protected initialBias(units: number): Float32Array {
    const bias = new Float32Array(4 * units);
    bias.fill(1, units, 2 * units); // unit forget bias
    return bias;
  }
}

/**
 * GRU layer equivalent to Keras's `GRU(reset_after=True)` and PyTorch's `nn.GRU` (which
 * stock tfjs lacks: its GRU is the older `reset_after=False` variant). Weights: kernel
 * `[features, 3 units]`, recurrent kernel `[units, 3 units]`, bias `[2, 3 units]`.
 *
 * @example
 * ```ts
 * const layer = new FastGRU({ units: 64, returnSequences: true, seed: 42 });
 * ```
 */
export class FastGRU extends FastRecurrent {
  /** Name under which the class is serialised in model.json. */
  static className = "FastGRU";
  protected readonly gateCount = 3;
  protected readonly biasRows = 2;
  protected readonly forward = gruForward;
  protected readonly backward = gruBackward;

  protected initialBias(units: number): Float32Array {
    return new Float32Array(2 * 3 * units);
  }
}

tf.serialization.registerClass(FastLSTM);
tf.serialization.registerClass(FastGRU);
