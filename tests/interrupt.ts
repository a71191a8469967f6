/** Test helper: a callback that kills a training run at a chosen point. */
import { Callback } from "../lib/trainer/mod.ts";

/** Throws at a chosen (epoch, batch), like a kill in the middle of an epoch. */
export class Interrupt extends Callback {
  #epoch = -1;
  constructor(readonly atEpoch: number, readonly atBatch: number) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }
  override onBatchEnd(batch: number): void {
    if (this.#epoch === this.atEpoch && batch === this.atBatch) throw new Error("interrupted");
  }
}
