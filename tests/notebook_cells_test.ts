/**
 * Every notebook cell imports what it uses (lib/pipeline/notebook_check.ts), and each notebook's cells
 * joined into one module type-check (what `deno task check` runs through
 * tools/check_notebooks.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";
import {
  cellImports,
  missingCellImports,
  notebookAsModule,
  type NotebookCell,
} from "../lib/pipeline/notebook_check.ts";

const NOTEBOOKS = [
  "01_data_exploration",
  "02_feature_extraction",
  "03_training",
  "04_evaluation",
];

function code(source: string): NotebookCell {
  return { cell_type: "code", source };
}

Deno.test("cellImports reads named, aliased, type-only, namespace and default imports", () => {
  const imports = cellImports(
    'import { a, b as c, type T } from "../lib/x.ts";\n' +
      'import type { U } from "../lib/y.ts";\nimport * as tf from "@tensorflow/tfjs";\n' +
      'import pl from "nodejs-polars";\nconst z = 1;',
  );
  assert.deepEqual(imports.map((i) => [i.local, i.imported, i.module, i.typeOnly]), [
    ["a", "a", "../lib/x.ts", false],
    ["c", "b", "../lib/x.ts", false],
    ["T", "T", "../lib/x.ts", true],
    ["U", "U", "../lib/y.ts", true],
    ["tf", "*", "@tensorflow/tfjs", false],
    ["pl", "default", "nodejs-polars", false],
  ]);
});

Deno.test("missingCellImports finds a cell leaning on another cell's import, and only that", () => {
  const cells: NotebookCell[] = [
    { cell_type: "markdown", source: "publishFigure is explained here" },
    code('import { modelSpec, publishFigure } from "../lib/pipeline/steps.ts";\nconst figure = 1;'),
    // Uses both imports of cell 1 without importing them (the spread is a use, too).
    code("await publishFigure(config, figure);\nconst spec = { ...modelSpec(name) };"),
    // Not uses: a property, an object key, a string, a comment, a template's text.
    code(
      'const o = { publishFigure: 1 };\nx.modelSpec(1);\nconst s = "modelSpec";\n' +
        "// publishFigure(config)\nconst t = `publishFigure ${figure}`;",
    ),
    // A template expression is code.
    code("const u = `chart ${publishFigure(config)}`;"),
    // Imported here itself: fine.
    code(
      'import { publishFigure } from "../lib/pipeline/steps.ts";\nawait publishFigure(config, figure);',
    ),
  ];
  const problems = missingCellImports(cells);
  assert.deepEqual(problems.map((p) => [p.cell, p.name]), [
    [2, "modelSpec"],
    [2, "publishFigure"],
    [4, "publishFigure"],
  ]);
  assert.equal(
    problems[1].message,
    "cell 2 uses publishFigure but does not import it (imported in cell 1, 5)",
  );
});

Deno.test("the notebooks' cells each import what they use", async () => {
  for (const name of NOTEBOOKS) {
    const path = join(PROJECT_ROOT, "notebooks", `${name}.ipynb`);
    const cells = JSON.parse(await Deno.readTextFile(path)).cells as NotebookCell[];
    assert.ok(cells.filter((c) => c.cell_type === "code").length >= 5, name);
    assert.deepEqual(missingCellImports(cells).map((p) => p.message), [], name);
  }
});

Deno.test("notebookAsModule merges imports; a name bound to two imports is an error", () => {
  const module = notebookAsModule([
    code('import { a } from "../lib/x.ts";\nconsole.log(a);'),
    code('import { a, type B } from "../lib/x.ts";\nconst b: B = a;'),
  ], { prefix: "../" });
  assert.match(module, /^import \{ a, type B \} from "\.\.\/\.\.\/lib\/x\.ts";$/m);
  assert.equal(module.split("import").length, 2); // one import statement
  assert.match(module, /\/\/ cell 0\n\nconsole\.log\(a\);/);
  assert.throws(
    () =>
      notebookAsModule([
        code('import { a } from "../lib/x.ts";'),
        code('import { b as a } from "../lib/y.ts";'),
      ]),
    /cell 1: a is imported as \.\.\/lib\/y\.ts b, elsewhere as \.\.\/lib\/x\.ts a/,
  );
});

Deno.test({
  name: "the notebooks type-check (tools/check_notebooks.ts, as deno task check runs it)",
  // About 15-30 s here: deno check of the four notebooks' cells against lib/.
  fn: async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(PROJECT_ROOT, "tools", "check_notebooks.ts")],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.ok(output.success, log);
    assert.match(log, /notebooks: 4 checked/);
  },
});
