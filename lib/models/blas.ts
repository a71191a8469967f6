/**
 * Single-precision matrix multiply (`sgemm`) for the fast recurrent layers.
 *
 * Uses OpenBLAS's `cblas_sgemm` through Deno's FFI when `libopenblas.so.0` loads (Debian:
 * `apt-get install libopenblas0-pthread`) and the process may use FFI; otherwise a plain-JS
 * kernel, so everything still runs (slower) without the library. Environment: `SER_OPENBLAS`
 * names the library file to try first; `SER_BLAS=js` ignores OpenBLAS altogether.
 *
 * All matrices are row-major Float32Arrays; `lda`/`ldb`/`ldc` are row strides in elements, so a
 * matrix may be a strided view into a bigger buffer (e.g. one time step of a [batch, time, units]
 * array has row stride `time * units`).
 *
 * @example
 * ```ts
 * const a = new Float32Array([1, 2, 3, 4]); // 2x2
 * const c = new Float32Array(4);
 * sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2); // c = a @ a
 * ```
 * @module
 */

/** Which implementation {@link sgemm} currently uses. */
export type BlasKind = "openblas-ffi" | "js";

/** What {@link blasInfo} reports. */
export interface BlasInfo {
  /** The active implementation. */
  kind: BlasKind;
  /** Path of the loaded shared library, when `kind` is `"openblas-ffi"`. */
  library?: string;
  /** Threads OpenBLAS uses (1 for the JS kernel). */
  threads: number;
  /** Why OpenBLAS is not used, when it is not. */
  reason?: string;
}

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const OPENBLAS_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/usr/lib/libopenblas.so.0",
  "/usr/local/lib/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
];

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
} as const;

type OpenBlas = Deno.DynamicLibrary<typeof SYMBOLS>;

let openBlas: OpenBlas | null | undefined;
let openBlasPath: string | undefined;
let failureReason: string | undefined;
let forced: BlasKind | "auto" = "auto";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: defaults apply
  }
}

/**
 * One thread unless `SER_BLAS_THREADS` says otherwise: the recurrent layers' per-step GEMMs are
 * small (64 x 512 x 128), and OpenBLAS's spin-waiting worker threads made them 2-10x slower on
 * the 2-core machine (worst when other processes compete for the cores); one thread also leaves
 * a core for tfjs and the OS.
 */
function defaultThreads(): number {
  const threads = Number(env("SER_BLAS_THREADS") ?? 1);
  return Number.isInteger(threads) && threads > 0 ? threads : 1;
}

function tryLoadOpenBlas(): OpenBlas | null {
  if (openBlas !== undefined) return openBlas;
  openBlas = null;
  if (typeof Deno?.dlopen !== "function") {
    failureReason = "Deno.dlopen is unavailable";
    return null;
  }
  if (env("SER_BLAS") === "js") {
    // Lets CI and users check the no-OpenBLAS path on a machine that has the library.
    failureReason = "disabled by SER_BLAS=js";
    return null;
  }
  const fromEnv = env("SER_OPENBLAS");
  const candidates = fromEnv ? [fromEnv, ...OPENBLAS_CANDIDATES] : OPENBLAS_CANDIDATES;
  const errors: string[] = [];
  for (const path of candidates) {
    try {
      openBlas = Deno.dlopen(path, SYMBOLS);
      openBlasPath = path;
      failureReason = undefined;
      openBlas.symbols.openblas_set_num_threads(defaultThreads());
      return openBlas;
    } catch (error) {
      // NotFound for absent paths is expected; keep the first real reason (e.g. no --allow-ffi).
      errors.push(`${path}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  failureReason = `OpenBLAS not loaded (${errors[0] ?? "no candidate paths"})`;
  return null;
}

/**
 * Chooses the implementation: `"auto"` (OpenBLAS when it loads, else JS), or force `"js"` /
 * `"openblas-ffi"` (the latter throws when the library cannot be loaded). Tests use this to
 * check both paths against each other.
 *
 * @param kind the implementation to use
 * @example
 * ```ts
 * setBlasImplementation("js");
 * ```
 */
export function setBlasImplementation(kind: BlasKind | "auto"): BlasInfo {
  if (kind === "openblas-ffi" && !tryLoadOpenBlas()) {
    throw new Error(`setBlasImplementation: ${failureReason}`);
  }
  forced = kind;
  return blasInfo();
}

/**
 * Sets how many threads OpenBLAS uses (no effect with the JS kernel).
 *
 * @param threads number of threads, >= 1
 * @example
 * ```ts
 * setBlasThreads(2);
 * ```
 */
export function setBlasThreads(threads: number): void {
  const lib = tryLoadOpenBlas();
  if (lib) lib.symbols.openblas_set_num_threads(Math.max(1, Math.floor(threads)));
}

/**
 * Reports which implementation {@link sgemm} uses and with how many threads.
 *
 * @example
 * ```ts
 * console.log(blasInfo().kind); // "openblas-ffi" or "js"
 * ```
 */
export function blasInfo(): BlasInfo {
  const lib = forced === "js" ? null : tryLoadOpenBlas();
  if (lib) {
    return {
      kind: "openblas-ffi",
      library: openBlasPath,
      threads: lib.symbols.openblas_get_num_threads(),
    };
  }
  return {
    kind: "js",
    threads: 1,
    reason: forced === "js" ? "forced by setBlasImplementation" : failureReason,
  };
}

/**
 * `C = alpha * op(A) @ op(B) + beta * C`, row-major, where `op(X)` is `X` or its transpose.
 * `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`.
 *
 * @param transA use A transposed (A stored `k x m`)
 * @param transB use B transposed (B stored `n x k`)
 * @param m rows of op(A) and C
 * @param n columns of op(B) and C
 * @param k inner dimension
 * @param alpha scale of the product
 * @param a A's storage (may be a subarray view: its first element is A[0][0])
 * @param lda row stride of A's storage in elements
 * @param b B's storage
 * @param ldb row stride of B's storage in elements
 * @param beta scale of the existing C (0 overwrites it; NaNs in C are then ignored)
 * @param c C's storage, written in place
 * @param ldc row stride of C's storage in elements
 * @example
 * ```ts
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]); // 2x3
 * const c = new Float32Array(4);
 * sgemm(false, true, 2, 2, 3, 1, a, 3, a, 3, 0, c, 2); // c = a @ a^T = [14, 32, 32, 77]
 * ```
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): void {
  if (m === 0 || n === 0) return;
  const lib = forced === "js" ? null : tryLoadOpenBlas();
  if (lib) {
    lib.symbols.cblas_sgemm(
      CBLAS_ROW_MAJOR,
      transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
      transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
      m,
      n,
      k,
      alpha,
      a,
      lda,
      b,
      ldb,
      beta,
      c,
      ldc,
    );
    return;
  }
  sgemmJs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/** Plain-JS sgemm; row loops ordered so the inner loop walks contiguous memory. */
function sgemmJs(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    if (beta === 0) c.fill(0, ci, ci + n);
    else if (beta !== 1) { for (let j = 0; j < n; j++) c[ci + j] *= beta; }
  }
  if (k === 0) return;
  if (!transB) {
    // C[i, :] += alpha * A(i, p) * B[p, :]: the inner loop is a contiguous axpy.
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let p = 0; p < k; p++) {
        const aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
        if (aip === 0) continue;
        const bp = p * ldb;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
    return;
  }
  if (!transA) {
    // C[i, j] += alpha * dot(A[i, :], B[j, :]): both rows contiguous.
    for (let i = 0; i < m; i++) {
      const ai = i * lda;
      const ci = i * ldc;
      for (let j = 0; j < n; j++) {
        const bj = j * ldb;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[ai + p] * b[bj + p];
        c[ci + j] += alpha * sum;
      }
    }
    return;
  }
  // Both transposed (rare): C[i, j] += alpha * sum_p A[p, i] * B[j, p].
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    for (let j = 0; j < n; j++) {
      const bj = j * ldb;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[p * lda + i] * b[bj + p];
      c[ci + j] += alpha * sum;
    }
  }
}
