/**
 * Executes notebooks headless, in order, and writes `outputs/<name>.html` and the executed
 * `outputs/<name>.ipynb` for each. Exits 1 naming the failing notebook and cell.
 *
 * Usage: `deno run -A cli/run_notebooks.ts [--out outputs] [--timeout 1800] [--kernel deno]
 * notebooks/*.ipynb` (no notebook given: every `notebooks/*.ipynb`, sorted by name).
 * @module
 */
import { parseCliArgs, UsageError } from "../lib/util/mod.ts";
import { join } from "node:path";
import { notebookSupport, runNotebooks } from "../lib/pipeline/mod.ts";

async function defaultNotebooks(): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir("notebooks")) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join("notebooks", entry.name));
    }
  } catch {
    // No notebooks folder: nothing to run.
  }
  return found.sort();
}

const USAGE = "Usage: deno run -A cli/run_notebooks.ts [--out outputs] [--timeout 1800] " +
  "[--kernel deno] [notebook.ipynb ...]";

function parse() {
  try {
    return parseCliArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        out: { type: "string", default: "outputs" },
        timeout: { type: "string", default: "1800" },
        kernel: { type: "string", default: "deno" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`notebooks: ${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const notebooks = positionals.length > 0 ? positionals : await defaultNotebooks();
  if (notebooks.length === 0) {
    console.error("no notebooks given and none found in notebooks/");
    Deno.exit(1);
  }
  const support = await notebookSupport(values.kernel);
  if (!support.ok) {
    console.error(`cannot run notebooks: ${support.reason}`);
    Deno.exit(1);
  }
  try {
    await runNotebooks(notebooks, {
      outDir: values.out,
      kernel: values.kernel,
      cellTimeoutSeconds: Number(values.timeout),
      python: support.python,
      verbose: true,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
