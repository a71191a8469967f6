/**
 * `FastConv1D`: a stride-1 1-D convolution (Keras `Conv1D` semantics, kernel `[kernelSize,
 * channels, filters]`) computed as im2col + one OpenBLAS sgemm, with its gradient through
 * `tf.customGrad`. It exists because tfjs's WASM backend has no `Conv2DBackpropFilter`
 * kernel, so a stock `tf.layers.conv1d` cannot be trained there.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const conv = new FastConv1D({ filters: 64, kernelSize: 5, activation: "relu", seed: 1 });
 * const y = conv.apply(tf.zeros([2, 130, 188])) as tf.Tensor; // [2, 130, 64]
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { sgemm } from "./blas.ts";
import { glorotUniform, initializerRandom } from "./init.ts";

/** tfjs's base layer arguments (name, inputShape, batchInputShape, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Constructor arguments of {@link FastConv1D}. */
export interface FastConv1DArgs extends BaseLayerArgs {
  /** Output channels. */
  filters: number;
  /** Kernel width in frames. */
  kernelSize: number;
  /** Activation applied after the bias (default linear). */
  activation?: "linear" | "relu" | "sigmoid" | "tanh" | "softmax";
  /** `"same"` (default, zero padding as TensorFlow: extra pad on the right) or `"valid"`. */
  padding?: "same" | "valid";
  /** Seed of the Glorot-uniform kernel initialiser. */
  seed?: number;
}

interface ConvDims {
  batch: number;
  time: number;
  channels: number;
  outTime: number;
  kernelSize: number;
  padLeft: number;
  filters: number;
}

/** Rows (b, t) of `[batch * outTime, kernelSize * channels]` hold the input windows. */
function im2col(input: Float32Array, d: ConvDims): Float32Array {
  const width = d.kernelSize * d.channels;
  const cols = new Float32Array(d.batch * d.outTime * width);
  for (let b = 0; b < d.batch; b++) {
    for (let t = 0; t < d.outTime; t++) {
      const row = (b * d.outTime + t) * width;
      for (let k = 0; k < d.kernelSize; k++) {
        const source = t + k - d.padLeft;
        if (source < 0 || source >= d.time) continue;
        const from = (b * d.time + source) * d.channels;
        cols.set(input.subarray(from, from + d.channels), row + k * d.channels);
      }
    }
  }
  return cols;
}

/** Adds the window gradients back onto the input positions they came from. */
function col2im(dCols: Float32Array, d: ConvDims): Float32Array {
  const width = d.kernelSize * d.channels;
  const dInput = new Float32Array(d.batch * d.time * d.channels);
  for (let b = 0; b < d.batch; b++) {
    for (let t = 0; t < d.outTime; t++) {
      const row = (b * d.outTime + t) * width;
      for (let k = 0; k < d.kernelSize; k++) {
        const source = t + k - d.padLeft;
        if (source < 0 || source >= d.time) continue;
        const to = (b * d.time + source) * d.channels;
        const from = row + k * d.channels;
        for (let c = 0; c < d.channels; c++) dInput[to + c] += dCols[from + c];
      }
    }
  }
  return dInput;
}

const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  softmax: (x) => tf.softmax(x),
};

/**
 * 1-D convolution layer, stride 1, trainable on every tfjs backend (see module docs).
 *
 * @example
 * ```ts
 * const conv = new FastConv1D({ filters: 32, kernelSize: 3, padding: "valid" });
 * ```
 */
export class FastConv1D extends tf.layers.Layer {
  /** Name under which the class is serialised in model.json. */
  static className = "FastConv1D";
  readonly filters: number;
  readonly kernelSize: number;
  readonly activation: NonNullable<FastConv1DArgs["activation"]>;
  readonly padding: "same" | "valid";
  readonly seed?: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: FastConv1DArgs) {
    // Pass every base argument on: a deserialised first layer carries batchInputShape.
    const {
      filters: _filters,
      kernelSize: _kernelSize,
      activation: _activation,
      padding: _padding,
      seed: _seed,
      ...base
    } = args;
    super(base);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.activation = args.activation ?? "linear";
    this.padding = args.padding ?? "same";
    this.seed = args.seed;
    if (!(this.activation in ACTIVATIONS)) {
      throw new Error(`FastConv1D: unknown activation "${this.activation}"`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length !== 3 || channels === null) {
      throw new Error(`FastConv1D "${this.name}": expected [batch, time, channels] input`);
    }
    const random = initializerRandom(this.seed ?? Math.floor(Math.random() * 2 ** 31));
    const zeros = tf.initializers.zeros();
    const kernelShape = [this.kernelSize, channels, this.filters];
    this.kernel = this.addWeight("kernel", kernelShape, "float32", zeros);
    this.bias = this.addWeight("bias", [this.filters], "float32", zeros);
    // Keras's Glorot fan for conv kernels: receptive field times channels in / filters out.
    const fanIn = this.kernelSize * channels;
    const fanOut = this.kernelSize * this.filters;
    const values = glorotUniform(fanIn, fanOut, random).subarray(0, fanIn * this.filters);
    this.kernel.write(tf.tensor3d(values, kernelShape as [number, number, number]));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const time = shape[1];
    const outTime = time === null
      ? null
      : this.padding === "same"
      ? time
      : time - this.kernelSize + 1;
    return [shape[0], outTime, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.kernel || !this.bias) throw new Error(`FastConv1D "${this.name}": not built`);
    const [batch, time, channels] = input.shape;
    const outTime = this.padding === "same" ? time : time - this.kernelSize + 1;
    if (outTime <= 0) {
      throw new Error(`FastConv1D "${this.name}": ${time} frames < kernel ${this.kernelSize}`);
    }
    const d: ConvDims = {
      batch,
      time,
      channels,
      outTime,
      kernelSize: this.kernelSize,
      padLeft: this.padding === "same" ? Math.floor((this.kernelSize - 1) / 2) : 0,
      filters: this.filters,
    };
    const width = d.kernelSize * d.channels;
    const rows = d.batch * d.outTime;
    const run = tf.customGrad(
      // customGrad's typing wants a variadic signature; ours has exactly three tensors.
      // deno-lint-ignore no-explicit-any
      ((x: tf.Tensor, k: tf.Tensor, b: tf.Tensor): any => {
        const cols = im2col(x.dataSync() as Float32Array, d);
        const kernelValues = k.dataSync() as Float32Array;
        const biasValues = b.dataSync() as Float32Array;
        const out = new Float32Array(rows * d.filters);
        for (let r = 0; r < rows; r++) out.set(biasValues, r * d.filters);
        sgemm(
          false,
          false,
          rows,
          d.filters,
          width,
          1,
          cols,
          width,
          kernelValues,
          d.filters,
          1,
          out,
          d.filters,
        );
        const value = tf.tensor3d(out, [d.batch, d.outTime, d.filters]);
        const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
          const dOut = dy.dataSync() as Float32Array;
          const dKernel = new Float32Array(width * d.filters);
          sgemm(
            true,
            false,
            width,
            d.filters,
            rows,
            1,
            cols,
            width,
            dOut,
            d.filters,
            0,
            dKernel,
            d.filters,
          );
          const dBias = new Float32Array(d.filters);
          for (let r = 0; r < rows; r++) {
            for (let f = 0; f < d.filters; f++) dBias[f] += dOut[r * d.filters + f];
          }
          const dCols = new Float32Array(rows * width);
          sgemm(
            false,
            true,
            rows,
            width,
            d.filters,
            1,
            dOut,
            d.filters,
            kernelValues,
            d.filters,
            0,
            dCols,
            width,
          );
          return [
            tf.tensor(col2im(dCols, d), x.shape),
            tf.tensor(dKernel, k.shape),
            tf.tensor(dBias, b.shape),
          ];
        };
        return { value, gradFunc };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    const linear = run(input, this.kernel.read(), this.bias.read()) as tf.Tensor;
    return ACTIVATIONS[this.activation](linear);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      filters: this.filters,
      kernelSize: this.kernelSize,
      activation: this.activation,
      padding: this.padding,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

tf.serialization.registerClass(FastConv1D);
