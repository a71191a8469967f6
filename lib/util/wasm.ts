/**
 * Small WebAssembly kernels shipped as base64 TypeScript modules: a lazy, once-only
 * instantiation that tells the caller to keep its scalar path where the runtime cannot run the
 * kernel (e.g. no SIMD), and memory growth in whole pages.
 *
 * @example
 * ```ts
 * import { growMemory, wasmKernel } from "./wasm.ts";
 * // "AGFzbQEAAAA=" is an empty module (no exports); a real kernel exports its memory.
 * const kernel = wasmKernel<{ memory?: WebAssembly.Memory }>("AGFzbQEAAAA=");
 * const memory = kernel()?.memory;
 * if (memory) growMemory(memory, 1 << 20);
 * ```
 * @module
 */

/** WebAssembly's page size in bytes. */
const PAGE = 65536;

/**
 * A function that instantiates the module in `base64` on its first call and returns its
 * exports, or undefined (then and on every later call) when instantiation failed.
 *
 * @param base64 the module's bytes, base64-encoded
 */
export function wasmKernel<Exports>(base64: string): () => Exports | undefined {
  let exports: Exports | null | undefined;
  return () => {
    if (exports === undefined) {
      try {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        exports = new WebAssembly.Instance(new WebAssembly.Module(bytes))
          .exports as unknown as Exports;
      } catch {
        // A runtime without the features the kernel needs: callers keep their scalar loops.
        exports = null;
      }
    }
    return exports ?? undefined;
  };
}

/**
 * Grows `memory` (in whole pages) until it holds at least `bytes` bytes.
 *
 * @param memory a kernel's memory
 * @param bytes the size needed in bytes
 */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
}
