/**
 * A faster `GatherV2` kernel for tfjs's WASM backend, for the mini-batch gathers of training
 * (`tf.gather(x, indices)` along axis 0, as the trainer and `model.fit` draw each batch).
 *
 * The backend's C++ kernel computes every element's source through strides, one element at
 * a time: ~40-70 ms to gather a `[64, 130, 188]` batch, 10-15 % of a training step of the
 * seed's models. Along axis 0 each index selects one contiguous row, so this kernel copies
 * whole rows inside the WASM heap (`copyWithin`, a memmove): about 1 ms. Any other gather
 * (another axis, batch dims, other dtypes) goes to the original kernel unchanged, and index
 * checks keep the original's error message.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * await initBackend(); // wasm
 * installFastGather(); // true: tf.gather(x, rows) now copies rows
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The WASM backend's internals this kernel uses (tfjs-backend-wasm 4.x). */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Int32Array | Float32Array;
  wasm: { HEAPU8: Uint8Array };
}

type KernelFunc = tf.KernelConfig["kernelFunc"];

let installed = false;

/**
 * Row-copy gather for axis 0 without batch dims on float32/int32 tensors; `undefined` when
 * the call is not that case (the caller then runs the original kernel).
 */
function gatherRows(
  args: Parameters<KernelFunc>[0],
): tf.TensorInfo | undefined {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims?: number };
  const backend = args.backend as unknown as WasmBackendLike;
  if ((batchDims ?? 0) !== 0 || x.shape.length === 0) return undefined;
  if (axis !== 0 && axis !== -x.shape.length) return undefined;
  if ((x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32") {
    return undefined;
  }
  if (typeof backend.typedArrayFromHeap !== "function" || !backend.wasm?.HEAPU8) {
    return undefined;
  }
  // Indices are few: copy them out before makeOutput may grow (and detach) the heap.
  const rowsIndices = Int32Array.from(backend.typedArrayFromHeap(indices));
  const axisDim = x.shape[0];
  for (const index of rowsIndices) {
    if (!(index >= 0 && index <= axisDim - 1)) {
      throw new Error(`GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`);
    }
  }
  const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const outShape = [...indices.shape, ...x.shape.slice(1)];
  const out = backend.makeOutput(outShape, x.dtype);
  if (rowSize === 0 || rowsIndices.length === 0) return out;
  const source = backend.dataIdMap.get(x.dataId)?.memoryOffset;
  const target = backend.dataIdMap.get(out.dataId)?.memoryOffset;
  if (source === undefined || target === undefined) {
    throw new Error("GatherV2 (fast): tensor data not found in the WASM heap");
  }
  const heap = backend.wasm.HEAPU8; // read after makeOutput: the heap may have grown
  const rowBytes = rowSize * 4;
  for (let i = 0; i < rowsIndices.length; i++) {
    const from = source + rowsIndices[i] * rowBytes;
    heap.copyWithin(target + i * rowBytes, from, from + rowBytes);
  }
  return out;
}

/**
 * Wraps the WASM backend's `GatherV2` kernel with the row-copy fast path (see the module
 * docs). Idempotent; returns whether the fast kernel is installed (false when the WASM
 * backend's kernels are not registered, i.e. `@tensorflow/tfjs-backend-wasm` is not loaded;
 * calling again later retries).
 *
 * @example
 * ```ts
 * if (!installFastGather()) console.log("no WASM backend: stock gather");
 * ```
 */
export function installFastGather(): boolean {
  if (installed) return true;
  const config = tf.getKernel("GatherV2", "wasm");
  if (!config) return false;
  const original = config.kernelFunc;
  tf.unregisterKernel("GatherV2", "wasm");
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => gatherRows(args) ?? original(args),
  });
  installed = true;
  return true;
}
