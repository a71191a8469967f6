// Test helper: the BackendInfo a report records, for the tests that write or read one.
import type { BackendInfo } from "../lib/models/mod.ts";

/** A plain CPU backend, with `patch` applied. */
export function cpuBackend(patch: Partial<BackendInfo> = {}): BackendInfo {
  return {
    name: "cpu",
    simd: false,
    threads: 1,
    blas: "none",
    tfjsVersion: "4.22.0",
    skipped: [],
    ...patch,
  };
}
