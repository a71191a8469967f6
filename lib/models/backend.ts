/**
 * Picks the fastest TensorFlow.js backend that loads here, once per process.
 *
 * Order: `@tensorflow/tfjs-node` (native libtensorflow; only when the user has added it to
 * deno.json's imports, since its install downloads libtensorflow), then
 * `@tensorflow/tfjs-backend-wasm` (SIMD build; the threaded build cannot start under Deno
 * because its pthread worker is a blob URL), then the pure-JS `cpu` backend. The recurrent
 * layers do their heavy lifting in OpenBLAS via FFI whichever backend wins; `blas` reports
 * whether that library loaded. Once a backend is up it installs this module's fast kernels
 * ({@link installFastKernels}: on WASM a row-copy `GatherV2`, which the trainer's batch draws
 * need to be fast).
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend();
 * console.log(info.name, info.blas); // e.g. "wasm openblas-ffi"
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { installFastKernels } from "./fast_kernels.ts";

/** A backend name {@link initBackend} can try. */
export type BackendName = "node" | "wasm" | "cpu";

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** The active tfjs backend (`tensorflow` for tfjs-node, `wasm`, or `cpu`). */
  name: string;
  /** Whether the WASM SIMD build is in use (false for other backends). */
  simd: boolean;
  /** Threads the backend computes with. */
  threads: number;
  /** Whether the fast recurrent layers' sgemm goes to OpenBLAS through FFI. */
  blas: "openblas-ffi" | "none";
  /** TensorFlow.js version. */
  tfjsVersion: string;
  /** Why preferred backends were skipped, in the order tried. */
  skipped: string[];
}

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** Start with this backend (falling back in the usual order when it fails). */
  prefer?: BackendName;
  /** Do not log the choice. */
  quiet?: boolean;
}

let chosen: Promise<BackendInfo> | undefined;

/**
 * Initialises the tfjs backend once; later calls return the first call's result, whatever
 * their options (a process has one backend).
 *
 * @param options `prefer`: backend to try first; `quiet`: no log line
 * @returns the chosen backend's description
 * @example
 * ```ts
 * import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
 * const { name } = await initBackend({ prefer: "cpu", quiet: true });
 * ```
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  chosen ??= chooseBackend(options);
  return chosen;
}

const ORDER: BackendName[] = ["node", "wasm", "cpu"];

async function chooseBackend(options: BackendOptions): Promise<BackendInfo> {
  const order = options.prefer
    ? [options.prefer, ...ORDER.filter((name) => name !== options.prefer)]
    : ORDER;
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const info = await TRIES[name]();
      // On WASM the row-copy gather makes the trainer's mini-batch draws (tf.gather) ~free.
      const { blas } = installFastKernels();
      const result: BackendInfo = { ...info, tfjsVersion: tf.version.tfjs, skipped, blas };
      if (!options.quiet) {
        console.log(
          `[ser] tfjs ${result.tfjsVersion} backend=${result.name} simd=${result.simd} ` +
            `threads=${result.threads} blas=${result.blas}`,
        );
      }
      return result;
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`initBackend: no tfjs backend could start (${skipped.join("; ")})`);
}

type BackendBasics = Omit<BackendInfo, "tfjsVersion" | "skipped" | "blas">;

const TRIES: Record<BackendName, () => Promise<BackendBasics>> = {
  async node() {
    // A variable specifier keeps `deno check` from requiring the package; it resolves only
    // when the user maps "@tensorflow/tfjs-node" in deno.json.
    const specifier = "@tensorflow/tfjs-node";
    await import(specifier);
    if (!(await tf.setBackend("tensorflow"))) throw new Error("setBackend(tensorflow) failed");
    await tf.ready();
    return { name: tf.getBackend(), simd: false, threads: navigator.hardwareConcurrency ?? 1 };
  },
  async wasm() {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(wasmDistDir());
    if (!(await tf.setBackend("wasm"))) throw new Error("setBackend(wasm) failed");
    await tf.ready();
    return {
      name: tf.getBackend(),
      simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
      threads: wasm.getThreadsCount(),
    };
  },
  async cpu() {
    if (!(await tf.setBackend("cpu"))) throw new Error("setBackend(cpu) failed");
    await tf.ready();
    return { name: tf.getBackend(), simd: false, threads: 1 };
  },
};

/**
 * Folder holding `tfjs-backend-wasm*.wasm`, as a filesystem path ending in `/`: next to the
 * package's resolved entry point (`dist/tf-backend-wasm.node.js`), falling back to the
 * project's `node_modules`.
 *
 * @example
 * ```ts
 * import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
 * setWasmPaths(wasmDistDir()); // ".../node_modules/@tensorflow/tfjs-backend-wasm/dist/"
 * ```
 */
export function wasmDistDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")).pathname);
  } catch {
    // Resolution can fail in unusual hosts; fall through to the project path.
  }
  candidates.push(
    new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).pathname,
  );
  for (const dir of candidates) {
    try {
      Deno.statSync(`${dir}tfjs-backend-wasm-simd.wasm`);
      return dir;
    } catch {
      // Try the next candidate.
    }
  }
  throw new Error(`tfjs-backend-wasm .wasm files not found in ${candidates.join(" or ")}`);
}
