/**
 * Extracts the features of every clip in a folder and saves them as one `.features` file.
 *
 * Usage:
 *   deno task extract <data-dir> [--out FILE] [--workers N] [--no-cache]
 *     [--resample-quality kaiser_best|kaiser_fast|...] [any config flag, e.g. --sample-rate 16000]
 *
 * The folder is scanned as a corpus (TESS, RAVDESS, ...); when no corpus naming scheme matches,
 * every audio file under it is used. The default output is
 * `outputs/features/<folder name>.features`. Prints files, failures, seconds, files/s and the
 * real-time factor. Exits with 1 and a message naming the folder when it is missing.
 * @module
 */
import { type Config, configFromArgs, loadConfig, projectPath } from "../config.ts";
import { RESAMPLE_QUALITIES, type ResampleQuality } from "../lib/audio/mod.ts";
import { columnValues, DatasetError, listAudioFiles, scanCorpus } from "../lib/data_loader/mod.ts";
import { extractFeatureSet, type FeatureSet, saveFeatureSet } from "../lib/features/mod.ts";
import { UsageError } from "../lib/util/mod.ts";

const USAGE = "Usage: deno task extract <data-dir> [--out FILE] [--workers N] [--no-cache] " +
  "[--resample-quality kaiser_best|kaiser_fast] [config flags, e.g. --sample-rate 16000]";

/** The extractor's own flags; booleans take no value, so `--no-cache data` keeps `data`. */
const PROGRAM_FLAGS = {
  out: "value",
  workers: "value",
  "resample-quality": "value",
  "no-cache": "boolean",
  quiet: "boolean",
} as const;

/** What {@link parseExtractArgs} understood. */
export interface ExtractArgs {
  /** The corpus folder. */
  dataDir: string;
  /** Where the `.features` file goes. */
  out: string;
  /** Worker count; `undefined` means every core. */
  workers?: number;
  /** Feature cache folder, or `undefined` for `--no-cache`. */
  cacheDir?: string;
  resampleQuality: ResampleQuality;
  /** Hide the progress bars. */
  quiet: boolean;
  config: Config;
}

export { UsageError };

function folderName(dir: string): string {
  const trimmed = dir.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || "features";
}

/**
 * Parses the extractor's command line.
 *
 * @param args command-line arguments (without the program name)
 * @param env environment for `SER_*` config overrides (default: none)
 * @returns the folder, output path, workers, cache folder and config, or `"help"`
 * @throws UsageError / ConfigError naming the bad flag or value
 * @example
 * ```ts
 * const parsed = parseExtractArgs(["data/tess", "--workers", "2", "--no-cache"]);
 * ```
 */
export function parseExtractArgs(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): ExtractArgs | "help" {
  const { overrides, positional, flags } = configFromArgs(args, PROGRAM_FLAGS);
  if (flags.help) return "help";
  const config = loadConfig(overrides, { env });
  if (positional.length > 1) {
    throw new UsageError(`expected one data folder, got ${positional.length}\n${USAGE}`);
  }
  const dataDir = positional[0] ?? config.dataDir;
  if (!dataDir) throw new UsageError(`no data folder given\n${USAGE}`);
  let workers: number | undefined;
  if (flags.workers !== undefined) {
    workers = Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 0) {
      throw new UsageError(`--workers must be a whole number >= 0, got "${flags.workers}"`);
    }
  }
  const quality = (flags["resample-quality"] ?? "kaiser_best") as ResampleQuality;
  if (!RESAMPLE_QUALITIES.includes(quality)) {
    throw new UsageError(
      `--resample-quality must be one of ${RESAMPLE_QUALITIES.join(", ")}, got "${quality}"`,
    );
  }
  return {
    dataDir,
    out: flags.out ?? projectPath(`${config.outputsDir}/features/${folderName(dataDir)}.features`),
    workers,
    cacheDir: flags["no-cache"] ? undefined : projectPath(config.cacheDir),
    resampleQuality: quality,
    quiet: Boolean(flags.quiet),
    config,
  };
}

/**
 * Lists the clips of a folder: the corpus scan's files when a naming scheme matches, otherwise
 * every audio file under it.
 *
 * @param dataDir the folder
 * @param quiet hide the scan's progress bar
 * @returns absolute paths, the scheme applied (or `"files"`), and files the scan left out
 * @throws DatasetError when the folder is missing or holds no audio
 * @example
 * ```ts
 * const { paths, corpus } = await listClips("data/tess");
 * ```
 */
export async function listClips(
  dataDir: string,
  quiet = false,
): Promise<{ paths: string[]; corpus: string; skipped: { path: string; problem: string }[] }> {
  const root = await Deno.realPath(dataDir).catch(() => dataDir);
  try {
    const scan = await scanCorpus(root, { silent: quiet });
    return { paths: columnValues(scan.table, "path"), corpus: scan.corpus, skipped: scan.badFiles };
  } catch (error) {
    // Only "no naming scheme matched" falls back; a missing folder or no audio stays an error.
    if (!(error instanceof DatasetError) || !/scheme/.test(error.message)) throw error;
    const files = await listAudioFiles(root);
    return { paths: files.map((file) => `${root}/${file}`), corpus: "files", skipped: [] };
  }
}

/** What {@link runExtract} did. */
export interface ExtractSummary {
  set: FeatureSet;
  out: string;
  corpus: string;
  seconds: number;
  filesPerSecond: number;
  realTimeFactor: number;
  cacheHits: number;
}

/**
 * The extractor: scan, extract (with a progress bar), save, report.
 *
 * @param args command-line arguments (without the program name)
 * @param env environment for `SER_*` config overrides
 * @returns exit code (0 success, 1 error, 2 bad usage) and the summary on success
 * @example
 * ```ts
 * const { code } = await runExtract(["data/tess", "--workers", "2"]);
 * ```
 */
export async function runExtract(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; summary?: ExtractSummary }> {
  let parsed: ExtractArgs | "help";
  try {
    parsed = parseExtractArgs(args, env);
  } catch (error) {
    console.error(`extract: ${(error as Error).message}\n${USAGE}`);
    return { code: 2 };
  }
  if (parsed === "help") {
    console.log(USAGE);
    return { code: 0 };
  }
  const { dataDir, out, workers, cacheDir, resampleQuality, quiet, config } = parsed;
  try {
    const info = await Deno.stat(dataDir).catch(() => undefined);
    if (!info) throw new DatasetError("data folder not found", dataDir);
    if (!info.isDirectory) throw new DatasetError("not a folder", dataDir);
    const { paths, corpus, skipped } = await listClips(dataDir, quiet);
    const result = await extractFeatureSet(paths, config, {
      workers,
      cacheDir,
      resampleQuality,
      progress: !quiet,
    });
    const { timing, ...set } = result;
    await saveFeatureSet(set, out);
    const lines = [
      `corpus:            ${corpus} (${dataDir})`,
      `files:             ${timing.files} (${set.paths.length} ok, ${set.failures.length} failed` +
      `${skipped.length ? `, ${skipped.length} skipped by the scan` : ""})`,
      `features:          ${set.frames} frames x ${set.width} per clip`,
      `seconds:           ${timing.seconds.toFixed(2)}`,
      `files/s:           ${timing.filesPerSecond.toFixed(1)}`,
      `real-time factor:  ${timing.realTimeFactor.toFixed(1)}x`,
      `workers:           ${timing.workers}; cache: ${
        cacheDir ? `${timing.cacheHits} hits (${cacheDir})` : "off"
      }`,
      `saved:             ${out}`,
    ];
    console.log(lines.join("\n"));
    for (const failure of [...skipped, ...set.failures].slice(0, 10)) {
      console.log(
        `  failed: ${
          failure.problem.includes(failure.path) ? "" : `${failure.path}: `
        }${failure.problem}`,
      );
    }
    if (skipped.length + set.failures.length > 10) {
      console.log(`  ... and ${skipped.length + set.failures.length - 10} more`);
    }
    return {
      code: 0,
      summary: {
        set,
        out,
        corpus,
        seconds: timing.seconds,
        filesPerSecond: timing.filesPerSecond,
        realTimeFactor: timing.realTimeFactor,
        cacheHits: timing.cacheHits,
      },
    };
  } catch (error) {
    console.error(`extract: ${error instanceof Error ? error.message : String(error)}`);
    return { code: 1 };
  }
}

if (import.meta.main) {
  const { code } = await runExtract(Deno.args, Deno.env.toObject());
  Deno.exit(code);
}
