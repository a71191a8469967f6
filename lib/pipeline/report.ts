/**
 * The JSON project report (`outputs/project_report.json`), built up section by section: the
 * exploration notebook writes `dataset`, feature extraction `features`, training `training`,
 * evaluation `evaluation`. Each update reads the current report, merges one section and writes it
 * back atomically, so rerunning one notebook refreshes its section without losing the others.
 *
 * @example
 * ```ts
 * await updateReport("outputs/project_report.json", { dataset: { clips: 2800 } });
 * const report = await readReport("outputs/project_report.json");
 * ```
 * @module
 */
import { writeJsonAtomic } from "../util/mod.ts";

/** The whole report; every section is optional until its notebook has run. */
export interface ProjectReport {
  project: string;
  /** ISO time of the last update. */
  updatedAt: string;
  /** Versions of the runtime and the main libraries. */
  versions?: Record<string, string>;
  /** The TensorFlow.js backend that ran (and whether OpenBLAS was used). */
  backend?: Record<string, unknown>;
  /** The configuration used. */
  config?: Record<string, unknown>;
  dataset?: Record<string, unknown>;
  features?: Record<string, unknown>;
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
  /** Wall-clock seconds of each step. */
  timings?: Record<string, number>;
}

/** Reads the report at `path`; a missing file gives an empty report. */
export async function readReport(path: string): Promise<ProjectReport> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as ProjectReport;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { project: "ser", updatedAt: new Date().toISOString() };
    }
    if (error instanceof SyntaxError) {
      throw new Error(`${path}: the project report is not valid JSON (${error.message})`);
    }
    throw error;
  }
}

/**
 * Merges `patch` into the report at `path` and writes it atomically. Top-level sections are
 * replaced, except `timings`, `versions` and `backend`, whose keys are merged.
 */
export async function updateReport(
  path: string,
  patch: Partial<Omit<ProjectReport, "project" | "updatedAt">>,
): Promise<ProjectReport> {
  const report = await readReport(path);
  const merged: ProjectReport = { ...report, ...patch, updatedAt: new Date().toISOString() };
  for (const key of ["timings", "versions", "backend"] as const) {
    if (report[key] && patch[key]) merged[key] = { ...report[key], ...patch[key] } as never;
  }
  await writeJsonAtomic(path, merged);
  return merged;
}

/** Versions of Deno, V8, TypeScript and the given libraries, for the report. */
export function runtimeVersions(libraries: Record<string, string> = {}): Record<string, string> {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    ...libraries,
  };
}
