/**
 * The fast kernels this module brings to TensorFlow.js, installed in one call once a backend is
 * ready: the row-copy `GatherV2` kernel on WASM (the trainer's mini-batch draws), and a report of
 * the fast layers' matrix-product library (OpenBLAS through FFI, or the JS fallback). The fast
 * layers themselves (`FastLSTM`, `FastGRU`, `FastConv1D`, `FastBatchNormalization`,
 * `FastDropout`, `StatsPooling1D`) register their classes when this module is loaded, so saved
 * models that name them load.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const kernels = installFastKernels();
 * console.log(kernels.gather, kernels.blas); // e.g. false "openblas-ffi" without the WASM package
 * ```
 * @module
 */
import { blasInfo } from "./blas.ts";
import { installFastGather } from "./fast_gather.ts";
// Loaded for their side effect: each registers its layer class with tfjs' serialization.
import "./fast_recurrent.ts";
import "./fast_conv1d.ts";
import "./fast_batchnorm.ts";
import "./fast_dropout.ts";
import "./stats_pool.ts";

/** What {@link installFastKernels} installed. */
export interface FastKernels {
  /** Whether the row-copy `GatherV2` kernel replaced the WASM backend's stock one (false when
   * `@tensorflow/tfjs-backend-wasm` is not loaded). */
  gather: boolean;
  /** Whether the fast layers' sgemm goes to OpenBLAS through FFI (`none`: the JS fallback). */
  blas: "openblas-ffi" | "none";
}

/**
 * Installs this module's kernels on the active tfjs backend; call it after `tf.setBackend` (or
 * use `initBackend`, which does). Safe to call again, e.g. after switching backends.
 *
 * @returns which kernels are in use
 */
export function installFastKernels(): FastKernels {
  const gather = installFastGather();
  return { gather, blas: blasInfo().kind === "openblas-ffi" ? "openblas-ffi" : "none" };
}
