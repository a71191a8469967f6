/**
 * Small utilities every other part of `lib/` builds on, with no dependency on any of them:
 * atomic file and folder writes with fsync (`atomic.ts`), SHA-256 (`checksum.ts`), strict
 * command-line flags (`cli_args.ts`), file probes (`fs.ts`), progress bars and Jupyter detection
 * (`progress.ts`), and the project's one seeded PRNG, mulberry32 (`random.ts`).
 *
 * @example
 * ```ts
 * import { mulberry32, shuffled, writeJsonAtomic } from "./mod.ts";
 * const order = shuffled([0, 1, 2, 3], mulberry32(42));
 * await writeJsonAtomic("outputs/order.json", order);
 * ```
 * @module
 */
export {
  type AtomicWriteOptions,
  cleanTempFiles,
  isOtherProcessAlive,
  isTempName,
  recoverReplacedDir,
  replaceDirAtomic,
  syncDir,
  syncFile,
  syncTree,
  writeFileAtomic,
  writeJsonAtomic,
  writeTextAtomic,
} from "./atomic.ts";
export { sha256Hex } from "./checksum.ts";
export { closestFlag, parseCliArgs, unknownFlagError, UsageError } from "./cli_args.ts";
export { firstFile, isFile, pathExists } from "./fs.ts";
export {
  formatDuration,
  inJupyter,
  isTerminal,
  ProgressBar,
  type ProgressOptions,
} from "./progress.ts";
export {
  mulberry32,
  type RandomSource,
  type SeededRandom,
  shuffled,
  shuffleInPlace,
} from "./random.ts";
