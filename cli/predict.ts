/**
 * Classifies audio files with a trained model.
 *
 * Usage: `deno task predict <file-or-folder>... [--model NAME] [--models-dir DIR]
 * [--out results.csv] [--quiet]`
 *
 * Prints one row per file (file, emotion, confidence); with `--out`, writes the full table
 * (every class probability) as CSV. A folder is searched recursively for audio files (`.wav`,
 * `.flac`, `.aiff`/`.aif`/`.aifc`).
 * Exits 1 when the models are missing or damaged (NaN/Inf weights or outputs), or nothing could
 * be classified; 2 for a bad command line.
 * @module
 */
import { loadConfig, projectPath } from "../config.ts";
import { initBackend } from "../lib/backend.ts";
import {
  type BatchResult,
  loadPredictor,
  ModelOutputError,
  predictionTable,
} from "../lib/inference/mod.ts";
import { writeTextAtomic } from "../lib/util/atomic.ts";
import { parseCliArgs, UsageError } from "../lib/util/cli_args.ts";
import { problemText } from "../lib/audio/mod.ts";

const USAGE = "Usage: deno task predict <file-or-folder>... [--model NAME] [--models-dir DIR] " +
  "[--out results.csv] [--quiet]";

/** Text table of file, emotion and confidence, columns padded to their widest cell. */
function formatTable(table: BatchResult["table"]): string {
  const paths = table.getColumn("path").toArray() as string[];
  const emotions = table.getColumn("emotion").toArray() as string[];
  const confidences = table.getColumn("confidence").toArray() as number[];
  const rows = [
    ["file", "emotion", "confidence"],
    ...paths.map((path, i) => [path, emotions[i], `${(confidences[i] * 100).toFixed(1)}%`]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padStart(widths[2])}`
  ).join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCliArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      "models-dir": { type: "string" },
      out: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`predict: give at least one audio file or folder\n${USAGE}`);
    return 1;
  }
  const modelsDir = projectPath(values["models-dir"] ?? loadConfig().modelsDir);
  const backend = await initBackend({ quiet: true });
  console.log(`backend: ${backend.name} (blas ${backend.blas}, tfjs ${backend.tfjsVersion})`);
  const predictor = await loadPredictor(modelsDir, { model: values.model });
  try {
    console.log(`model: ${predictor.modelName} from ${modelsDir}`);
    // One folder or file is resolved by predictBatch itself; several are expanded one by one.
    const results: BatchResult[] = [];
    for (const input of positionals) {
      try {
        results.push(await predictor.predictBatch(input, { progress: !values.quiet }));
      } catch (error) {
        // A model that answers NaN is wrong for every file: stop (exit 1), print nothing.
        if (error instanceof ModelOutputError) throw error;
        results.push({
          table: predictionTable([], predictor.classes),
          failures: [{ path: input, problem: problemText(error, input) }],
        });
      }
    }
    const table = results.map((r) => r.table).reduce((all, next) => all.vstack(next));
    const failures = results.flatMap((r) => r.failures);
    if (table.height > 0) console.log(formatTable(table));
    for (const { path, problem } of failures) console.error(`failed: ${path}: ${problem}`);
    if (values.out && table.height > 0) {
      await writeTextAtomic(values.out, table.writeCSV().toString());
      console.log(`wrote ${table.height} rows to ${values.out}`);
    }
    if (table.height === 0) {
      console.error("predict: no file could be classified");
      return 1;
    }
    return 0;
  } finally {
    predictor.dispose();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`predict: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
