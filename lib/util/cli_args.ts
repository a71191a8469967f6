/**
 * Command-line helpers shared by every `cli/` program: unknown flags are errors that name the
 * flag and suggest the closest known one (`--epoch` -> "did you mean --epochs?"), never silently
 * ignored, so a typo cannot run a long job with the defaults.
 *
 * @example
 * ```ts
 * const { values } = parseCliArgs({ args: ["--out", "x.csv"], options: { out: { type: "string" } } });
 * ```
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A bad command line (unknown flag, missing value, ...); the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Optimal string alignment distance: edits, counting a swap of neighbours as one. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = best;
    }
  }
  return rows[a.length][b.length];
}

/** `--Batch_Size` and `--batch-size` and `--batchSize` compare equal. */
function normalize(name: string): string {
  return name.replace(/^-+/, "").replace(/[-_]/g, "").toLowerCase();
}

/**
 * The known flag closest to `name`, if one is close enough to be a likely typo: the same name
 * up to case, dashes and underscores, or at most one edit per three characters (at least one).
 *
 * @param name the flag as typed, with or without its dashes
 * @param known the program's flags, without dashes
 * @returns the suggestion without dashes, or `undefined`
 * @example
 * ```ts
 * closestFlag("--epoch", ["epochs", "models"]); // "epochs"
 * ```
 */
export function closestFlag(name: string, known: Iterable<string>): string | undefined {
  const typed = normalize(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(typed, normalize(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(1, Math.floor(typed.length / 3)) ? best : undefined;
}

/**
 * The error for an unknown flag: names it and, when one is close, the flag probably meant.
 *
 * @param flag the flag as typed (`--epoch`, `-x`)
 * @param known the program's flags, without dashes
 * @example
 * ```ts
 * unknownFlagError("--epoch", ["epochs"]).message; // "unknown flag --epoch; did you mean --epochs?"
 * ```
 */
export function unknownFlagError(flag: string, known: Iterable<string>): UsageError {
  const suggestion = closestFlag(flag, known);
  return new UsageError(
    `unknown flag ${flag}${
      suggestion ? `; did you mean --${suggestion}?` : " (see --help for the known flags)"
    }`,
  );
}

/**
 * `node:util`'s `parseArgs` in strict mode, with its errors turned into {@link UsageError}s
 * that suggest the closest known flag.
 *
 * @param config as for `parseArgs` (leave `strict` at its default, true)
 * @throws {UsageError} for an unknown flag, a missing value or an unexpected positional
 * @example
 * ```ts
 * const { values, positionals } = parseCliArgs({
 *   args: ["a.wav", "--quiet"],
 *   allowPositionals: true,
 *   options: { quiet: { type: "boolean" } },
 * });
 * ```
 */
export function parseCliArgs<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /option '([^']+)'/i.exec((error as Error).message)?.[1] ?? "?";
      throw unknownFlagError(flag, Object.keys(config.options ?? {}));
    }
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      // Node's text ("Option '--out <value>' argument missing", "Unexpected argument 'x'. ...")
      // is already specific; keep its first sentence.
      throw new UsageError((error as Error).message.split(". ")[0]);
    }
    throw error;
  }
}
