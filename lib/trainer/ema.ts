/**
 * An exponential moving average (EMA, Polyak averaging) of a model's trainable weights, as
 * Keras optimizers keep with `use_ema=True` / `ema_momentum`.
 *
 * Why: with Adam at the seed's learning rate the recurrent models' weights jump around from
 * batch to batch, so the validation loss of the raw weights swings by 3x between neighbouring
 * epochs and early stopping picks an epoch by luck. The average over the last ~1/(1-momentum)
 * batches sits in the middle of those swings: validation curves get smooth and the selected
 * weights generalise better (measured on TESS in the README).
 *
 * Early updates use a shorter memory, `min(momentum, (1 + n) / (10 + n))` after `n` updates
 * (TensorFlow's `ExponentialMovingAverage` with `num_updates`): otherwise a short run (a few
 * dozen batches, e.g. the demo corpus) would end with weights still close to the initial ones.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
 * const evaluate = (m: tf.LayersModel) => m.predict(tf.zeros([1, 4]));
 * const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
 * const ema = new WeightAverage(variables, 0.99);
 * // after every optimizer step:
 * ema.update();
 * // evaluate with the averaged weights, then go back to the raw ones:
 * ema.swap(); evaluate(model); ema.swap();
 * ema.dispose();
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Shadow copies of some variables, moved toward them by {@link WeightAverage.update}. */
export class WeightAverage {
  readonly #variables: tf.Variable[];
  readonly #averages: tf.Variable[];
  #swapped = false;
  #updates = 0;

  /**
   * @param variables the weights to average (their current values start the average)
   * @param momentum weight of the old average per update, in [0, 1); Keras' default is 0.99
   */
  constructor(variables: tf.Variable[], readonly momentum: number) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new Error(`WeightAverage: momentum must be in [0, 1), got ${momentum}`);
    }
    this.#variables = variables;
    this.#averages = variables.map((variable) => tf.variable(variable.clone(), false));
  }

  /** Whether the model currently holds the averaged weights (between two {@link swap}s). */
  get swapped(): boolean {
    return this.#swapped;
  }

  /** The decay the next {@link update} uses: `min(momentum, (1 + n) / (10 + n))`. */
  get decay(): number {
    return Math.min(this.momentum, (1 + this.#updates) / (10 + this.#updates));
  }

  /** `average = decay * average + (1 - decay) * weight`, for every weight (see {@link decay}). */
  update(): void {
    if (this.#swapped) throw new Error("WeightAverage.update: swap the raw weights back first");
    const decay = this.decay;
    tf.tidy(() => {
      this.#variables.forEach((variable, i) => {
        const average = this.#averages[i];
        average.assign(tf.add(tf.mul(average, decay), tf.mul(variable, 1 - decay)));
      });
    });
    this.#updates++;
  }

  /** Exchanges the weights' values with the averages (call twice to undo). */
  swap(): void {
    tf.tidy(() => {
      this.#variables.forEach((variable, i) => {
        const average = this.#averages[i];
        const raw = variable.clone();
        variable.assign(average);
        average.assign(raw);
      });
    });
    this.#swapped = !this.#swapped;
  }

  /**
   * A copy of the averages and the update count, to save with a training backup (call while the
   * raw weights are in place, i.e. not {@link swapped}). The caller disposes the tensors.
   */
  getState(): { updates: number; averages: tf.Tensor[] } {
    if (this.#swapped) throw new Error("WeightAverage.getState: swap the raw weights back first");
    return { updates: this.#updates, averages: this.#averages.map((average) => average.clone()) };
  }

  /** Restores {@link getState}'s values (copied in; shapes must match the weights'). */
  setState(state: { updates: number; averages: tf.Tensor[] }): void {
    if (this.#swapped) throw new Error("WeightAverage.setState: swap the raw weights back first");
    if (state.averages.length !== this.#averages.length) {
      throw new Error(
        `WeightAverage.setState: ${state.averages.length} averages for ${this.#averages.length} ` +
          `weights`,
      );
    }
    state.averages.forEach((value, i) => {
      if (value.shape.join() !== this.#averages[i].shape.join()) {
        throw new Error(
          `WeightAverage.setState: average ${i} has shape [${value.shape}], the weight ` +
            `[${this.#averages[i].shape}]`,
        );
      }
      this.#averages[i].assign(value);
    });
    this.#updates = state.updates;
  }

  /** Frees the averages (the weights are untouched). */
  dispose(): void {
    tf.dispose(this.#averages);
  }
}
