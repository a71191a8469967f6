/**
 * Browser shim, imported first by the page: the fast layers' BLAS module probes
 * `typeof Deno?.dlopen` to decide between OpenBLAS (FFI) and its plain-JS kernel. In a browser
 * the bare identifier `Deno` does not exist and that probe throws a ReferenceError; declaring
 * it (as undefined) makes the probe answer "no FFI", so the JS kernel runs.
 * @module
 */
// deno-lint-ignore no-explicit-any
const root = globalThis as any;
if (!("Deno" in root)) root.Deno = undefined;
