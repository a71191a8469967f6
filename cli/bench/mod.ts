/**
 * Benchmark helpers: peak-memory sampling, the librosa anchor runner and a per-stage profile of
 * the feature pipeline. Used by `cli/bench.ts`; nothing here writes files.
 *
 * @example
 * ```ts
 * import { MemorySampler, probeLibrosa, profileStages } from "./mod.ts";
 * ```
 * @module
 */
export { processCpuSeconds } from "./cpu.ts";
export { formatMiB, type MemoryPeak, MemorySampler, processPeakRss } from "./memory.ts";
export {
  type LibrosaAnchorOptions,
  type LibrosaProbe,
  type LibrosaResType,
  type LibrosaResult,
  parseAnchorOutput,
  probeLibrosa,
  type PythonSetup,
  runLibrosaAnchor,
} from "./librosa.ts";
export { profileStages, type StageProfile, type StageTiming } from "./stages.ts";
