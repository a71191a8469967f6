/**
 * `deno task check`'s notebook step: every code cell imports what it uses (see
 * lib/pipeline/notebook_check.ts), and each notebook's cells, joined into one module, pass `deno check`.
 *
 * Usage: `deno run -A tools/check_notebooks.ts [notebooks/01_data_exploration.ipynb ...]`
 * (default: every notebook in notebooks/). Exits 1 naming each problem.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { missingCellImports, notebookAsModule } from "../lib/pipeline/mod.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const notebooks = Deno.args.length > 0 ? Deno.args : [...Deno.readDirSync(join(root, "notebooks"))]
  .filter((entry) => entry.name.endsWith(".ipynb"))
  .map((entry) => join(root, "notebooks", entry.name))
  .sort();
const problems: string[] = [];
// Beside the notebooks (git-ignored as .scratch*/), so "../lib" becomes "../../lib".
const scratch = join(dirname(notebooks[0]), `.scratch-check-${crypto.randomUUID().slice(0, 8)}`);
await Deno.mkdir(scratch);
try {
  const modules: string[] = [];
  for (const path of notebooks) {
    const cells = JSON.parse(await Deno.readTextFile(path)).cells;
    for (const problem of missingCellImports(cells)) problems.push(`${path}: ${problem.message}`);
    const module = join(scratch, basename(path).replace(/\.ipynb$/, ".ts"));
    await Deno.writeTextFile(module, notebookAsModule(cells, { prefix: "../" }));
    modules.push(module);
  }
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", ...modules],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!check.success) problems.push("deno check of the notebooks' cells failed (errors above)");
} finally {
  await Deno.remove(scratch, { recursive: true });
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) Deno.exit(1);
console.log(`notebooks: ${notebooks.length} checked (cell imports, types)`);
