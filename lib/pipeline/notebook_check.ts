/**
 * Static checks of the notebooks' code cells:
 *
 * - **self-sufficient imports**: a cell that uses a name imported from a module must import it
 *   itself, so a user can run the cells in any order after the config cell (a cell that leaned
 *   on another cell's import failed with `ReferenceError: modelSpec is not defined` when that
 *   cell was skipped). Variables made by earlier cells (`config`, `dataset`, ...) are fine.
 * - **type checking**: each notebook's code cells as one TypeScript module (imports merged and
 *   hoisted, cells in order), checked by `deno check` like the library.
 *
 * @example
 * ```ts
 * const notebook = JSON.parse(await Deno.readTextFile("notebooks/03_training.ipynb"));
 * for (const p of missingCellImports(notebook.cells)) console.log(p.message);
 * await Deno.writeTextFile("notebooks/.check_03.ts", notebookAsModule(notebook.cells));
 * ```
 * @module
 */

/** A notebook cell as `.ipynb` JSON holds it. */
export interface NotebookCell {
  cell_type: string;
  source: string | string[];
}

/** One imported binding of a cell. */
export interface CellImport {
  /** The name the cell uses (after `as`). */
  local: string;
  /** The exported name (`default`, or `*` for a namespace import). */
  imported: string;
  /** The module specifier, e.g. `./steps.ts`. */
  module: string;
  typeOnly: boolean;
}

/** A cell using a name it does not import. */
export interface MissingImport {
  /** Index of the cell in the notebook (all cells, markdown included). */
  cell: number;
  name: string;
  /** Cells that do import it. */
  importedIn: number[];
  /** E.g. `cell 7 uses publishFigure but does not import it (imported in cell 5)`. */
  message: string;
}

const IMPORT =
  /(^|\n)\s*import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+([\w$]+)|([\w$]+))\s*from\s*["']([^"']+)["'];?/g;

function sourceOf(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * The import statements of a cell's code.
 *
 * @param source the cell's code
 * @returns one entry per imported binding
 */
export function cellImports(source: string): CellImport[] {
  const result: CellImport[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const typeOnly = match[2] !== undefined;
    const module = match[6];
    if (match[4]) result.push({ local: match[4], imported: "*", module, typeOnly });
    if (match[5]) result.push({ local: match[5], imported: "default", module, typeOnly });
    for (const raw of (match[3] ?? "").split(",")) {
      let part = raw.trim();
      if (!part) continue;
      let partType = typeOnly;
      if (part.startsWith("type ")) {
        partType = true;
        part = part.slice(5).trim();
      }
      const [imported, local] = part.split(/\s+as\s+/).map((s) => s.trim());
      result.push({ imported, local: local ?? imported, module, typeOnly: partType });
    }
  }
  return result;
}

/**
 * The code without comments and string contents (template literals keep their `${...}`
 * expressions), so that only real uses of names remain.
 */
function codeOnly(source: string): string {
  let out = "";
  let i = 0;
  // Open template literals: the brace depth at which each `${` started.
  const templates: number[] = [];
  let depth = 0;
  const n = source.length;
  const skipString = (quote: string) => {
    i++;
    while (i < n && source[i] !== quote && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
    i++;
    out += " ";
  };
  const skipTemplateText = () => {
    // Inside a template literal's text: up to the closing backtick or the next `${`.
    while (i < n) {
      if (source[i] === "\\") i += 2;
      else if (source[i] === "`") {
        i++;
        return;
      } else if (source[i] === "$" && source[i + 1] === "{") {
        i += 2;
        templates.push(depth);
        depth++;
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      skipString(c);
    } else if (c === "`") {
      i++;
      out += " ";
      skipTemplateText();
    } else if (c === "{") {
      depth++;
      out += c;
      i++;
    } else if (c === "}") {
      depth--;
      i++;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        out += " ";
        skipTemplateText();
      } else out += c;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Names a cell declares at its top level or anywhere (`const x`, `function f`, ...). */
function declaredNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/\b(?:const|let|var|function|class)\s+([\w$]+)/g)) {
    names.add(match[1]);
  }
  return names;
}

/** Whether `code` uses `name` as a value or type (not as a property or an object key). */
function uses(code: string, name: string): boolean {
  const pattern = new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
  for (const match of code.matchAll(pattern)) {
    const before = code.slice(0, match.index!);
    // `a.name` is a property; `...name` (spread) is a use.
    if (/\.\s*$/.test(before) && !/\.\.\.\s*$/.test(before)) continue;
    const after = code.slice(match.index! + name.length).match(/^\s*(\S)/)?.[1];
    if (after === ":" && /[{,]\s*$/.test(before)) continue; // `{ name: value }`: an object key
    return true;
  }
  return false;
}

/**
 * The cells that use a name imported by another cell of the notebook without importing it
 * themselves.
 *
 * @param cells the notebook's cells (markdown cells are skipped; indices count all cells)
 * @returns one entry per cell and name, in cell order
 * @example
 * ```ts
 * missingCellImports([
 *   { cell_type: "code", source: 'import { show } from "../visualizer/mod.ts";\nawait show(a);' },
 *   { cell_type: "code", source: "await show(b);" },
 * ]); // [{ cell: 1, name: "show", importedIn: [0], message: "cell 1 uses show but ..." }]
 * ```
 */
export function missingCellImports(cells: readonly NotebookCell[]): MissingImport[] {
  const code = cells.map((cell) => cell.cell_type === "code" ? sourceOf(cell) : undefined);
  const imports = code.map((source) => (source === undefined ? [] : cellImports(source)));
  const importedBy = new Map<string, number[]>();
  imports.forEach((list, cell) => {
    for (const { local } of list) {
      const cellsOf = importedBy.get(local) ?? [];
      if (!cellsOf.includes(cell)) cellsOf.push(cell);
      importedBy.set(local, cellsOf);
    }
  });
  const bodies = code.map((source) =>
    source === undefined ? undefined : codeOnly(source.replace(IMPORT, "$1"))
  );
  // A name that some cell also declares as a variable is that variable, not an import.
  const declared = new Set<string>();
  for (const body of bodies) {
    if (body) {
      for (const name of declaredNames(body)) declared.add(name);
    }
  }
  const problems: MissingImport[] = [];
  bodies.forEach((body, cell) => {
    if (body === undefined) return;
    const own = new Set(imports[cell].map((i) => i.local));
    for (const [name, cellsOf] of importedBy) {
      if (own.has(name) || declared.has(name) || !uses(body, name)) continue;
      problems.push({
        cell,
        name,
        importedIn: cellsOf,
        message: `cell ${cell} uses ${name} but does not import it (imported in cell ` +
          `${cellsOf.join(", ")})`,
      });
    }
  });
  return problems;
}

/**
 * The notebook's code cells as one TypeScript module for `deno check`: every cell's imports
 * merged by module and hoisted (a name imported by several cells once), then the cells' code in
 * order, each after a `// cell N` line. Write it next to the notebook so relative imports hold.
 *
 * @param cells the notebook's cells
 * @param options `prefix`: put before relative module specifiers, for a module written in a
 *   subfolder of the notebook's (e.g. `"../"`; default none)
 * @returns the module's source
 * @throws Error when two cells bind one name to different imports
 */
export function notebookAsModule(
  cells: readonly NotebookCell[],
  options: { prefix?: string } = {},
): string {
  const prefix = options.prefix ?? "";
  const byModule = new Map<string, Map<string, CellImport>>();
  const bound = new Map<string, string>();
  const parts: string[] = [];
  cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const source = sourceOf(cell);
    for (const binding of cellImports(source)) {
      const key = `${binding.module} ${binding.imported}`;
      const earlier = bound.get(binding.local);
      if (earlier !== undefined && earlier !== key) {
        throw new Error(
          `cell ${index}: ${binding.local} is imported as ${key}, elsewhere as ${earlier}`,
        );
      }
      bound.set(binding.local, key);
      const names = byModule.get(binding.module) ?? new Map<string, CellImport>();
      const previous = names.get(binding.local);
      // A value import wins over a type-only one of the same binding.
      names.set(binding.local, previous && !previous.typeOnly ? previous : binding);
      byModule.set(binding.module, names);
    }
    parts.push(`// cell ${index}\n${source.replace(IMPORT, "$1")}`);
  });
  const header = [...byModule].map(([module, names]) => {
    const list = [...names.values()];
    const where = module.startsWith(".") ? `${prefix}${module}` : module;
    const lines: string[] = [];
    const named = list.filter((b) => b.imported !== "*" && b.imported !== "default");
    if (named.length > 0) {
      const specifiers = named.map((b) =>
        `${b.typeOnly ? "type " : ""}${
          b.imported === b.local ? b.local : `${b.imported} as ${b.local}`
        }`
      );
      lines.push(`import { ${specifiers.join(", ")} } from "${where}";`);
    }
    for (const b of list.filter((b) => b.imported === "*")) {
      lines.push(`import ${b.typeOnly ? "type " : ""}* as ${b.local} from "${where}";`);
    }
    for (const b of list.filter((b) => b.imported === "default")) {
      lines.push(`import ${b.typeOnly ? "type " : ""}${b.local} from "${where}";`);
    }
    return lines.join("\n");
  });
  return `// Generated from a notebook's code cells for deno check.\n${header.join("\n")}\n\n` +
    `${parts.join("\n\n")}\n`;
}
