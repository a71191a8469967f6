/**
 * `FastDropout`: inverted dropout (Keras semantics: in training mode each value is kept with
 * probability `1 - rate` and scaled by `1 / (1 - rate)`; inference mode is the identity) with
 * the mask drawn in plain JS and the gradient applied through `tf.customGrad`.
 *
 * Two reasons over `tf.layers.dropout`: tfjs draws its mask with a per-element seedrandom call
 * plus four ops (~20-40 ms per `[64, 130, 128]` batch on the WASM backend, about 1 ms here);
 * and a seeded tfjs dropout restarts its generator from the same seed on every call, so it
 * drops the SAME positions in every batch. Here a seeded layer draws from one mulberry32
 * stream that advances from call to call (reproducible, yet a fresh mask each batch); an
 * unseeded one seeds each call's mask from `Math.random()`, as tfjs does, which the trainer
 * makes reproducible.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const dropout = new FastDropout({ rate: 0.3, seed: 1 });
 * const y = dropout.apply(tf.ones([4, 8]), { training: true }) as tf.Tensor; // 0s and 1/0.7s
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
// Deep import: this file is bundled for the browser (lib/live/page), where lib/util/mod.ts would pull in Deno-only code.
import { mulberry32, type SeededRandom } from "../util/random.ts";
import { currentBatchShard } from "./batch_shard.ts";
import { float32Tensor, giveBuffer, readFloat32, takeBuffer } from "./tensor_buffers.ts";

/** tfjs's base layer arguments (name, inputShape, batchInputShape, trainable, dtype...). */
type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Constructor arguments of {@link FastDropout}. */
export interface FastDropoutArgs extends BaseLayerArgs {
  /** Fraction of values dropped in training, in [0, 1). */
  rate: number;
  /** Seed of the mask stream (default: each call seeds from `Math.random()`). */
  seed?: number;
}

/**
 * Applies an inverted-dropout mask: `output[i] = keep ? x[i] * scale : 0` with `scale = 1 / (1 -
 * rate)`, keeping a value when its uniform draw `u` is `>= rate` (tfjs's rule, `floor(u + 1 -
 * rate)`). The draws are mulberry32's stream for `seed` (the same numbers as
 * `mulberry32(seed)` from lib/util/random.ts), generated inline: a closure call per element
 * made this loop 10-20x slower.
 *
 * @param input values
 * @param rate fraction dropped, in [0, 1)
 * @param seed seed of the mask's stream (reduced to an unsigned 32-bit integer)
 * @param offset position in the stream of `input[0]` (default 0): a shard of a batch in
 *   data-parallel training passes its first element's index in the whole batch, and gets the
 *   same mask values the whole batch would (mulberry32 adds a constant per draw, so the state
 *   at any position is `seed + position * constant`)
 * @returns the output and the per-element multiplier (0 or `scale`) for the gradient; both
 *   may be pooled buffers (see `tensor_buffers.ts`)
 * @example
 * ```ts
 * const { output } = dropoutForward(new Float32Array(8).fill(1), 0.5, 1); // 0s and 2s
 * ```
 */
export function dropoutForward(
  input: Float32Array,
  rate: number,
  seed: number,
  offset = 0,
): { output: Float32Array; multiplier: Float32Array } {
  const scale = Math.fround(1 / Math.fround(1 - rate));
  // u = t / 2^32 >= rate  <=>  t >= rate * 2^32 (both sides exact in float64).
  const threshold = rate * 4294967296;
  const multiplier = takeBuffer(input.length);
  const output = takeBuffer(input.length);
  let state = (Math.trunc(seed) + Math.imul(offset, 0x6d2b79f5)) >>> 0;
  for (let i = 0; i < input.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    // Pooled buffers hold stale values: write both branches.
    if ((t ^ (t >>> 14)) >>> 0 >= threshold) {
      multiplier[i] = scale;
      output[i] = input[i] * scale;
    } else {
      multiplier[i] = 0;
      output[i] = 0;
    }
  }
  return { output, multiplier };
}

/**
 * Dropout layer with a JS mask and a fresh mask every training call (see the module docs).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ units: 16, inputShape: [8] }),
 *   new FastDropout({ rate: 0.3, seed: 42 }),
 * ] });
 * ```
 */
export class FastDropout extends tf.layers.Layer {
  /** Name under which the class is serialised in model.json. */
  static className = "FastDropout";
  readonly rate: number;
  readonly seed?: number;
  private stream?: SeededRandom;

  constructor(args: FastDropoutArgs) {
    // Pass every base argument on: a deserialised first layer carries batchInputShape.
    const { rate, seed, ...base } = args;
    super(base);
    if (!(rate >= 0 && rate < 1)) {
      throw new Error(`FastDropout: rate must be in [0, 1), got ${rate}`);
    }
    this.rate = rate;
    this.seed = seed;
    if (seed !== undefined) this.stream = mulberry32(seed);
    this.supportsMasking = true;
  }

  /**
   * Position of the seeded mask stream (undefined without a seed): saved with a training backup
   * so that a resumed run draws the masks an uninterrupted one would.
   */
  getRandomState(): number | undefined {
    return this.stream?.getState();
  }

  /** Restores {@link getRandomState}'s value (ignored without a seed). */
  setRandomState(state: number): void {
    this.stream?.setState(state);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    // Identity outside training, as tfjs (which returns the input tensor itself).
    if (!kwargs?.training || this.rate === 0) return input;
    const callSeed = Math.floor((this.stream ?? Math.random)() * 2 ** 32);
    const rate = this.rate;
    // Data-parallel training: this shard's part of the whole batch's mask (see batch_shard.ts).
    const shard = currentBatchShard();
    const offset = shard ? shard.rowOffset * (input.size / input.shape[0]) : 0;
    const run = tf.customGrad(
      // customGrad's typing wants a variadic signature; ours has exactly one tensor.
      // deno-lint-ignore no-explicit-any
      ((x: tf.Tensor): any => {
        const inputValues = readFloat32(x);
        const { output, multiplier } = dropoutForward(inputValues, rate, callSeed, offset);
        giveBuffer(inputValues);
        const gradFunc = (dy: tf.Tensor): tf.Tensor => {
          const dOutput = readFloat32(dy);
          const dInput = takeBuffer(dOutput.length);
          for (let i = 0; i < dInput.length; i++) dInput[i] = dOutput[i] * multiplier[i];
          giveBuffer(dOutput, multiplier);
          return float32Tensor(dInput, x.shape);
        };
        return { value: float32Tensor(output, x.shape), gradFunc };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    return run(input) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

tf.serialization.registerClass(FastDropout);
