/**
 * Benchmark helpers: peak-memory sampling, the librosa anchor runner, a per-stage profile of
 * the feature pipeline and the demo pipeline's time. Used by `cli/bench.ts`; nothing here writes
 * into the project but the demo corpus (`data/demo`, when it is missing).
 *
 * @example
 * ```ts
 * import { MemorySampler, probeLibrosa, profileStages } from "./mod.ts";
 * ```
 * @module
 */
export { processCpuSeconds } from "./cpu.ts";
export { benchDemoPipeline, type DemoPipelineBench, type DemoPipelineOptions } from "./demo.ts";
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
export { runDeno, type TimedRun } from "./process.ts";
