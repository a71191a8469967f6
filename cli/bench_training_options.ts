/**
 * The flags of `cli/bench_training.ts`, in one place so `cli/bench.ts` can check the flags it
 * passes on before spending minutes on the extraction benchmark.
 * @module
 */

/** `node:util` parseArgs options of the training benchmark (all values are strings). */
export const TRAINING_BENCH_OPTIONS = {
  samples: { type: "string", default: "2240" },
  epochs: { type: "string", default: "3" },
  batch: { type: "string", default: "64" },
  frames: { type: "string", default: "130" },
  features: { type: "string", default: "188" },
  classes: { type: "string", default: "7" },
  models: { type: "string", default: "lstm,gru" },
  "stock-batches": { type: "string", default: "4" },
  "no-stock": { type: "boolean", default: false },
  "no-torch": { type: "boolean", default: false },
  "blas-threads": { type: "string", default: "1" },
  /** `auto`: the project's `trainingWorkers` (2), at most the machine's cores. */
  workers: { type: "string", default: "auto" },
  "torch-threads": { type: "string", default: "2,1" },
  out: { type: "string", default: "outputs/bench_training.json" },
} as const;
