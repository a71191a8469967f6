/**
 * The part of a mini-batch that this thread computes during data-parallel training
 * (`fit(..., { workers: 2 })`, see lib/trainer/data_parallel.ts), for the few layers whose
 * training-mode result for one sample depends on more than that sample:
 *
 * - {@link FastBatchNormalization} normalises with the statistics of the WHOLE batch (sums over
 *   the shards, exchanged through {@link BatchShard.allReduce}; "synchronised BatchNorm"), and its
 *   backward pass uses the whole batch's sums too, so each shard's gradients are exactly its
 *   share of the full-batch gradients and the moving averages get the full-batch statistics;
 * - {@link FastDropout} draws element `i` of the whole batch's mask for element `i - offset` of
 *   its shard (its mask stream is counter-based, so it can start anywhere): the masks are those
 *   a single thread would draw for the whole batch.
 *
 * Outside data-parallel training no shard is set and the layers behave as before.
 *
 * @example
 * ```ts
 * const shard = { rowOffset: 0, totalRows: 64, allReduce: (_values: Float64Array) => {} };
 * const result = withBatchShard(shard, () => currentBatchShard()?.totalRows); // 64
 * ```
 * @module
 */

/** This thread's slice of the batch and how to combine per-shard sums. */
export interface BatchShard {
  /** Index of this shard's first sample in the whole batch. */
  rowOffset: number;
  /** Samples in the whole batch (all shards together). */
  totalRows: number;
  /**
   * Replaces `values` by their sum over all shards, added in a fixed order (shard 0 first) so
   * every shard gets the same bits. Blocks until every shard has called it.
   */
  allReduce(values: Float64Array): void;
}

let current: BatchShard | undefined;

/**
 * The shard set by the enclosing {@link withBatchShard}, if any.
 *
 * @example
 * ```ts
 * currentBatchShard(); // undefined outside data-parallel training
 * ```
 */
export function currentBatchShard(): BatchShard | undefined {
  return current;
}

/**
 * Runs `step` (synchronously) with `shard` as the current shard.
 *
 * @param shard this thread's part of the batch
 * @param step the training step (forward and backward pass)
 * @returns what `step` returns
 * @example
 * ```ts
 * const shard = { rowOffset: 32, totalRows: 64, allReduce: (_values: Float64Array) => {} };
 * withBatchShard(shard, () => console.log(currentBatchShard()?.rowOffset)); // 32
 * ```
 */
export function withBatchShard<T>(shard: BatchShard, step: () => T): T {
  const previous = current;
  current = shard;
  try {
    return step();
  } finally {
    current = previous;
  }
}
