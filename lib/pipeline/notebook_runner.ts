/**
 * Headless notebook execution: runs `.ipynb` files in order with Jupyter's nbclient (Debian
 * packages `python3-nbclient`, `jupyter-nbconvert`) on the Deno kernel (`deno jupyter
 * --install`), and writes `<outDir>/<name>.ipynb` (executed) and `<outDir>/<name>.html`.
 *
 * When a cell fails, the notebook is still saved up to that cell (so its HTML shows the error)
 * and a {@link NotebookExecutionError} names the notebook, the cell and the error; later
 * notebooks are not run.
 *
 * The kernel is this project's own: a kernel spec named `deno` in `.cache/jupyter/kernels/deno/`
 * that starts this clone's Deno ({@link ensureProjectKernel}), found through `JUPYTER_PATH`
 * ahead of any user-wide `deno` kernel, so two clones never fight over one registration.
 * Executed notebooks are signed (trusted) with the user's Jupyter notebook secret, so JupyterLab
 * runs their chart scripts when they are opened later.
 *
 * @example
 * ```ts
 * const results = await runNotebooks(["notebooks/01_data.ipynb"], { outDir: "outputs" });
 * console.log(results[0].html, results[0].seconds);
 * ```
 * @module
 */
import { firstFile, isFile } from "../util/mod.ts";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inlinePlotlyInHtml, loadPlotlyBundle, pageNeedsPlotly } from "../visualizer/mod.ts";

/** The Python side (executes one notebook with nbclient, exports HTML, prints a JSON result). */
const DRIVER = fileURLToPath(new URL("./notebook_driver.py", import.meta.url));

/**
 * The Deno kernel (its Rust ZeroMQ transport) can interleave a message into another one that is
 * still being written when a cell outputs several megabytes at once; the client then rejects it.
 */
function kernelTransportHint(evalue: string): string {
  return /Invalid Signature|Duplicate Signature/.test(evalue)
    ? " (the Deno kernel sent a corrupted message: this happens when one cell output is several " +
      "MB; run the notebook again, and keep single outputs small)"
    : "";
}

/** Details of a failed cell. */
export interface CellFailure {
  /** Notebook file that failed. */
  notebook: string;
  /** 0-based index of the failing cell (null when the kernel failed before any cell). */
  cellIndex: number | null;
  /** nbclient's exception: `CellExecutionError`, `CellTimeoutError`, `DeadKernelError`. */
  kind: string;
  /** The JavaScript error name, e.g. `TypeError`. */
  ename: string;
  /** The error message. */
  evalue: string;
  /** The failing cell's source. */
  source?: string;
}

/** Thrown when a notebook cell errors, times out, or the kernel dies. */
export class NotebookExecutionError extends Error {
  /**
   * @param failure what failed and where
   * @param outputs the partial HTML and executed notebook written anyway
   */
  constructor(readonly failure: CellFailure, readonly outputs: { html: string; ipynb: string }) {
    const where = failure.cellIndex === null ? "before any cell" : `cell ${failure.cellIndex + 1}`;
    const source = failure.source
      ? `\n--- cell source ---\n${failure.source.split("\n").slice(0, 12).join("\n")}`
      : "";
    super(
      `notebook ${failure.notebook} failed at ${where} (${failure.kind}): ` +
        `${failure.ename ? failure.ename + ": " : ""}${failure.evalue}` +
        `${source}\n(partial output: ${outputs.html})`,
    );
    this.name = "NotebookExecutionError";
  }
}

/** Options of {@link runNotebook} and {@link runNotebooks}. */
export interface RunNotebookOptions {
  /** Where the executed `.ipynb` and the `.html` go (default `outputs`). */
  outDir?: string;
  /** Jupyter kernel name (default `deno`). */
  kernel?: string;
  /** Per-cell timeout in seconds (default 1800). */
  cellTimeoutSeconds?: number;
  /**
   * After a cell's kernel reports idle, keep collecting its outputs until none arrives for this
   * many seconds (default 0.75): the Deno kernel can send `Deno.jupyter.display` output just
   * after "idle", and plain nbclient would drop it.
   */
  lateOutputGraceSeconds?: number;
  /** Python interpreter that has nbclient (default: see {@link findJupyterPython}). */
  python?: string;
  /**
   * Extra environment variables for the Jupyter client and the kernel it starts (e.g.
   * `JUPYTER_DATA_DIR`, where the notebook-signing secret lives).
   */
  env?: Record<string, string>;
  /** Print a line per notebook. */
  verbose?: boolean;
}

/** What running one notebook produced. */
export interface NotebookRunResult {
  /** The notebook that ran. */
  notebook: string;
  /** Executed notebook. */
  ipynb: string;
  /** HTML export. */
  html: string;
  /** Execution time in seconds. */
  seconds: number;
  /** Whether the executed notebook was signed (trusted); false when signing failed. */
  signed: boolean;
}

/**
 * Environment variable that {@link runNotebook} sets to `1` for the kernel: the notebook runs
 * headless (the pipeline), so steps may do what only a report needs, such as PNG charts.
 */
export const HEADLESS_ENV = "SER_NOTEBOOK_HEADLESS";

/**
 * Whether this process is a kernel started by {@link runNotebook} (see {@link HEADLESS_ENV}).
 *
 * @example
 * ```ts
 * import { emotionDistribution, saveFigurePng } from "../visualizer/mod.ts";
 * const figure = emotionDistribution({ angry: 400, sad: 400 });
 * if (isHeadlessNotebookRun()) await saveFigurePng(figure, "outputs/chart.png");
 * ```
 */
export function isHeadlessNotebookRun(): boolean {
  try {
    return Deno.env.get(HEADLESS_ENV) === "1";
  } catch {
    return false;
  }
}

/**
 * This project's Jupyter data folder for `JUPYTER_PATH`: `<project>/.cache/jupyter`, holding
 * `kernels/deno/kernel.json` (see {@link ensureProjectKernel}).
 *
 * @example
 * ```ts
 * projectJupyterPath(); // "/home/me/ser/.cache/jupyter"
 * ```
 */
export function projectJupyterPath(): string {
  return fileURLToPath(new URL("../../.cache/jupyter", import.meta.url));
}

/**
 * Writes (when missing or different) this project's kernel spec `deno`:
 * `<project>/.cache/jupyter/kernels/deno/kernel.json`, starting `deno` (default: this clone's
 * `tools/deno`, else the Deno running this code). Jupyter finds it when `JUPYTER_PATH`
 * starts with {@link projectJupyterPath} (see {@link projectJupyterEnv}); it then shadows a
 * user-wide `deno` kernel registered by `deno jupyter --install` from another clone.
 *
 * @param deno the Deno executable the kernel runs
 * @returns the kernel spec file
 * @example
 * ```ts
 * await ensureProjectKernel(); // ".../.cache/jupyter/kernels/deno/kernel.json"
 * ```
 */
export async function ensureProjectKernel(deno: string = projectDeno()): Promise<string> {
  const dir = join(projectJupyterPath(), "kernels", "deno");
  const file = join(dir, "kernel.json");
  const spec = JSON.stringify(
    {
      argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: "Deno",
      language: "typescript",
    },
    null,
    2,
  ) + "\n";
  try {
    if ((await Deno.readTextFile(file)) === spec) return file;
  } catch {
    // Not written yet.
  }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${file}.tmp`, spec);
  await Deno.rename(`${file}.tmp`, file);
  return file;
}

/** This clone's `tools/deno` (which runs the pinned Deno), else the running Deno. */
function projectDeno(): string {
  const wrapper = fileURLToPath(new URL("../../tools/deno", import.meta.url));
  return isFile(wrapper) ? wrapper : Deno.execPath();
}

/**
 * Environment for a Jupyter process (server, client) that should use this project's kernel:
 * `JUPYTER_PATH` with {@link projectJupyterPath} first (the current value kept after it).
 *
 * @example
 * ```ts
 * new Deno.Command("jupyter", { args: ["lab"], env: projectJupyterEnv() });
 * ```
 */
export function projectJupyterEnv(): Record<string, string> {
  let current = "";
  try {
    current = Deno.env.get("JUPYTER_PATH") ?? "";
  } catch {
    // No --allow-env: only the project's folder.
  }
  const path = [projectJupyterPath(), ...current.split(":").filter((dir) => dir)];
  return { JUPYTER_PATH: [...new Set(path)].join(":") };
}

function shebangPython(executable: string): string | undefined {
  try {
    const head = Deno.readTextFileSync(executable).slice(0, 200);
    const match = /^#!\s*(\S+)/.exec(head);
    return match && !match[1].endsWith("/env") ? match[1] : undefined;
  } catch {
    return undefined;
  }
}

function which(name: string): string | undefined {
  let pathVar = "";
  try {
    pathVar = Deno.env.get("PATH") ?? "";
  } catch {
    // Without --allow-env only the fixed locations below are searched.
  }
  const dirs = [...pathVar.split(":"), "/usr/bin", "/usr/local/bin"].filter((dir) => dir);
  return firstFile(dirs.map((dir) => join(dir, name)));
}

/**
 * The Python interpreter Jupyter runs on: `$SER_JUPYTER_PYTHON`, else the interpreter named in
 * the `jupyter` script's `#!` line, else `/usr/bin/python3`. (A `python3` earlier on `PATH`,
 * e.g. from pyenv, often lacks nbclient.) Undefined when Jupyter is not installed.
 *
 * @example
 * ```ts
 * console.log(findJupyterPython()); // "/usr/bin/python3"
 * ```
 */
export function findJupyterPython(): string | undefined {
  try {
    const override = Deno.env.get("SER_JUPYTER_PYTHON");
    if (override) return override;
  } catch {
    // No --allow-env.
  }
  const jupyter = which("jupyter");
  if (!jupyter) return undefined;
  return shebangPython(jupyter) ?? "/usr/bin/python3";
}

/**
 * Whether headless execution can work here: Python with nbclient and nbconvert, and the named
 * kernel registered. Returns a reason when not.
 *
 * @param kernel kernel name (default `deno`)
 * @example
 * ```ts
 * const check = await notebookSupport();
 * if (!check.ok) console.log(check.reason);
 * ```
 */
export async function notebookSupport(
  kernel = "deno",
): Promise<{ ok: true; python: string } | { ok: false; reason: string }> {
  const python = findJupyterPython();
  if (!python) {
    return {
      ok: false,
      reason: "jupyter not found (apt-get install jupyter-nbconvert python3-nbclient)",
    };
  }
  // Kernel name -> the program its spec starts (argv[0]), to catch a spec left pointing at a
  // Deno binary that has since moved (e.g. the repository was cloned elsewhere).
  if (kernel === "deno") {
    try {
      await ensureProjectKernel();
    } catch (error) {
      return { ok: false, reason: `cannot write the project's kernel spec: ${error}` };
    }
  }
  const script = "import json, nbclient, nbconvert\n" +
    "from jupyter_client.kernelspec import KernelSpecManager\n" +
    "m = KernelSpecManager()\n" +
    "print(json.dumps({n: (m.get_kernel_spec(n).argv or [''])[0] for n in m.find_kernel_specs()}))";
  try {
    const { success, stdout, stderr } = await new Deno.Command(python, {
      args: ["-c", script],
      env: projectJupyterEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) {
      const message = new TextDecoder().decode(stderr).trim().split("\n").pop();
      return { ok: false, reason: `${python} cannot load nbclient/nbconvert: ${message}` };
    }
    const kernels: Record<string, string> = JSON.parse(
      new TextDecoder().decode(stdout).trim().split("\n").pop()!,
    );
    const names = Object.keys(kernels).sort();
    if (!names.includes(kernel)) {
      return {
        ok: false,
        reason: `Jupyter kernel "${kernel}" not registered (run: deno jupyter --install); ` +
          `found ${names.join(", ") || "none"}`,
      };
    }
    const program = kernels[kernel];
    if (program.startsWith("/") && !isFile(program)) {
      return {
        ok: false,
        reason: `Jupyter kernel "${kernel}" starts ${program}, which does not exist (moved?); ` +
          "re-register it: bash tools/setup.sh",
      };
    }
    return { ok: true, python };
  } catch (error) {
    return { ok: false, reason: `${python}: ${(error as Error).message}` };
  }
}

/**
 * Executes one notebook headless (working directory: the notebook's folder) and writes the
 * executed `.ipynb` and the `.html` to `outDir`, each renamed into place when complete.
 *
 * @param notebook path of the `.ipynb`
 * @param options output folder, kernel, per-cell timeout (s), Python interpreter
 * @throws NotebookExecutionError when a cell errors or times out (outputs are still written)
 * @example
 * ```ts
 * const { html } = await runNotebook("notebooks/01_data.ipynb", { outDir: "outputs" });
 * ```
 */
export async function runNotebook(
  notebook: string,
  options: RunNotebookOptions = {},
): Promise<NotebookRunResult> {
  const outDir = options.outDir ?? "outputs";
  const kernel = options.kernel ?? "deno";
  const python = options.python ?? findJupyterPython();
  if (!python) {
    throw new Error(
      `cannot run ${notebook}: jupyter not found ` +
        `(apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)`,
    );
  }
  const input = resolve(notebook);
  try {
    await Deno.stat(input);
  } catch {
    throw new Error(`cannot run ${notebook}: file not found`);
  }
  const name = basename(notebook, extname(notebook));
  if (kernel === "deno") await ensureProjectKernel();
  await Deno.mkdir(outDir, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: outDir, prefix: `.${name}.run-` });
  const ipynb = join(outDir, `${name}.ipynb`);
  const html = join(outDir, `${name}.html`);
  if (resolve(ipynb) === input) {
    await Deno.remove(temp, { recursive: true });
    throw new Error(`cannot run ${notebook}: the output folder would overwrite the notebook`);
  }
  try {
    const args = {
      input,
      kernel,
      timeout: options.cellTimeoutSeconds ?? 1800,
      grace: options.lateOutputGraceSeconds ?? 0.75,
      cwd: dirname(input),
      ipynb_out: resolve(temp, `${name}.ipynb`),
      html_out: resolve(temp, `${name}.html`),
    };
    const { success, code, stdout, stderr } = await new Deno.Command(python, {
      args: [DRIVER, JSON.stringify(args)],
      cwd: dirname(input),
      env: { ...projectJupyterEnv(), [HEADLESS_ENV]: "1", ...options.env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    const marker = out.lastIndexOf("@@SER_RESULT@@");
    if (!success || marker < 0) {
      const message = new TextDecoder().decode(stderr).trim().split("\n").slice(-8).join("\n");
      throw new Error(
        `cannot run ${notebook}: the Jupyter driver failed (exit ${code}):\n${message}`,
      );
    }
    const result = JSON.parse(out.slice(marker + "@@SER_RESULT@@".length).trim().split("\n")[0]);
    // Figures reach the notebook without plotly.js (see lib/visualizer/display.ts); the
    // exported page gets it once so the report draws offline.
    const page = await Deno.readTextFile(args.html_out);
    if (pageNeedsPlotly(page)) {
      await Deno.writeTextFile(args.html_out, inlinePlotlyInHtml(page, await loadPlotlyBundle()));
    }
    await Deno.rename(args.ipynb_out, ipynb);
    await Deno.rename(args.html_out, html);
    if (result.error) {
      throw new NotebookExecutionError({
        notebook,
        cellIndex: result.error.cell ?? null,
        kind: result.error.kind,
        ename: result.error.ename,
        evalue: result.error.evalue + kernelTransportHint(result.error.evalue),
        source: result.error.source,
      }, { html, ipynb });
    }
    const signed = result.signed === true;
    if (!signed) console.error(`${notebook}: executed notebook not signed: ${result.signed}`);
    if (options.verbose) {
      console.log(
        `${notebook}: ${result.cells} cells in ${result.seconds.toFixed(1)} s -> ${html}`,
      );
    }
    return { notebook, ipynb, html, seconds: result.seconds, signed };
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/**
 * Executes notebooks one after another (each may use files the previous one wrote), stopping
 * at the first failure.
 *
 * @param notebooks `.ipynb` paths, in order
 * @param options output folder, kernel, per-cell timeout (s), Python interpreter
 * @throws NotebookExecutionError for the first notebook that fails
 * @example
 * ```ts
 * await runNotebooks(["notebooks/01.ipynb", "notebooks/02.ipynb"], { verbose: true });
 * ```
 */
export async function runNotebooks(
  notebooks: readonly string[],
  options: RunNotebookOptions = {},
): Promise<NotebookRunResult[]> {
  const results: NotebookRunResult[] = [];
  for (const notebook of notebooks) results.push(await runNotebook(notebook, options));
  return results;
}
