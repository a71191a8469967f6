/**
 * Reusable Float32Array buffers for the fast layers' JS kernels, and copies between them and
 * tensors that avoid fresh allocations.
 *
 * Why: a fresh multi-megabyte typed array costs far more than its size suggests where the OS
 * hands out zeroed pages lazily (each first touch of a page faults; in the VMs this project
 * runs on that made writing a new 4 MB array 15-40 ms, 20-50x the cost of writing a reused
 * one). A training step of the seed's models moves a dozen such arrays per layer, so reusing
 * them matters. `dataSync()` always allocates a new copy, so on the WASM backend values are
 * copied straight out of the WASM heap into a pooled buffer instead; and tensors are made
 * from pooled buffers only where the backend copies the values (WASM does, the cpu backend
 * keeps the array itself, so there the buffer is simply not returned to the pool).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const x = tf.ones([2, 3]);
 * const values = readFloat32(x); // pooled copy of x's values
 * for (let i = 0; i < values.length; i++) values[i] *= 2;
 * const y = float32Tensor(values, x.shape); // values go back to the pool when copied
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const pool = new Map<number, Float32Array[]>();
/** Buffers kept per length: enough for the arrays of a few layers alive at once. */
const KEEP_PER_LENGTH = 16;

/**
 * A Float32Array of `length` elements from the pool, or a new one. Its contents are stale
 * (whatever the last user wrote): callers must write every element they read.
 *
 * @param length number of elements
 * @example
 * ```ts
 * const scratch = takeBuffer(1024);
 * scratch.fill(0);
 * ```
 */
export function takeBuffer(length: number): Float32Array {
  return pool.get(length)?.pop() ?? new Float32Array(length);
}

/**
 * Returns buffers to the pool; they must not be used afterwards.
 *
 * @param arrays buffers from {@link takeBuffer} or {@link readFloat32}
 * @example
 * ```ts
 * const scratch = takeBuffer(1024);
 * giveBuffer(scratch);
 * ```
 */
export function giveBuffer(...arrays: Float32Array[]): void {
  for (const array of arrays) {
    // Views into bigger buffers (e.g. the WASM heap) are not ours to keep.
    if (array.byteOffset !== 0 || array.buffer.byteLength !== array.byteLength) continue;
    const free = pool.get(array.length) ?? [];
    if (free.length < KEEP_PER_LENGTH && !free.includes(array)) free.push(array);
    pool.set(array.length, free);
  }
}

/** The WASM backend's internals this module reads (tfjs-backend-wasm 4.x). */
interface WasmBackendLike {
  dataIdMap: { has(dataId: object): boolean };
  typedArrayFromHeap(info: { shape: number[]; dtype: string; dataId: object }): Float32Array;
}

function wasmBackend(): WasmBackendLike | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackendLike>;
  return typeof backend.typedArrayFromHeap === "function" && backend.dataIdMap
    ? backend as WasmBackendLike
    : undefined;
}

/**
 * A copy of a float32 tensor's values in a pooled buffer (give it back with
 * {@link giveBuffer} when done). On the WASM backend this copies straight from the heap;
 * elsewhere from `dataSync()`, which on the cpu backend is the tensor's own storage (hence the
 * copy: a pooled buffer gets overwritten).
 *
 * @param tensor a float32 tensor
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const values = readFloat32(tf.ones([2, 3])); // Float32Array(6) [1, 1, 1, 1, 1, 1]
 * ```
 */
export function readFloat32(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype !== "float32") {
    throw new Error(`readFloat32: expected a float32 tensor, got ${tensor.dtype}`);
  }
  const backend = wasmBackend();
  if (backend && backend.dataIdMap.has(tensor.dataId)) {
    // The heap view is only valid until the next WASM allocation: copy it at once.
    const view = backend.typedArrayFromHeap(tensor);
    const values = takeBuffer(view.length);
    values.set(view);
    return values;
  }
  const data = tensor.dataSync() as Float32Array;
  const values = takeBuffer(data.length);
  values.set(data);
  return values;
}

const backendCopies = new Map<string, boolean>();

/**
 * Whether tensors made on the current backend copy the values they are made from (WASM: yes;
 * cpu: no, it keeps the array), probed once per backend. Only then may such an array be
 * reused after the tensor is made.
 *
 * @example
 * ```ts
 * const values = new Float32Array(6);
 * if (backendCopiesValues()) giveBuffer(values); // after tf.tensor(values)
 * ```
 */
export function backendCopiesValues(): boolean {
  const name = tf.getBackend();
  let copies = backendCopies.get(name);
  if (copies === undefined) {
    const probe = new Float32Array([1]);
    const tensor = tf.tensor1d(probe);
    probe[0] = 2;
    copies = tensor.dataSync()[0] === 1;
    tensor.dispose();
    backendCopies.set(name, copies);
  }
  return copies;
}

/**
 * A float32 tensor holding `values`. When the backend copies the values (WASM), the buffer
 * goes back to the pool at once, so callers must not use it afterwards either way.
 *
 * @param values row-major values, typically from {@link takeBuffer}
 * @param shape tensor shape
 * @example
 * ```ts
 * const t = float32Tensor(takeBuffer(6).fill(0), [2, 3]);
 * ```
 */
export function float32Tensor(values: Float32Array, shape: number[]): tf.Tensor {
  const tensor = tf.tensor(values, shape, "float32");
  if (backendCopiesValues()) giveBuffer(values);
  return tensor;
}
