/**
 * Model sets: everything inference needs (any model folders, label encoder, scaler, config…),
 * written by one training run into its own folder and promoted in one atomic step, so that a
 * kill at any moment leaves the models folder with a complete, checksum-valid set: the previous
 * one or the new one, never a mix and never none.
 *
 * Layout of the models folder:
 *
 * ```text
 * models/
 *   current                  pointer: {"run": "<id>", "manifestSha256": "…"}, written atomically
 *   runs/<id>/               one training run (ids sort by start time)
 *     run.json               id, start time, caller's info (written when the run starts)
 *     <any files/folders>    e.g. lstm_best/{model.json,weights.bin,metadata.json},
 *                            label_encoder.json, config.json, scaler.json, …
 *     resume/                training backups for resuming (not part of the set; deleted after
 *                            promotion)
 *     manifest.json          SHA-256 and size of every other file (written when sealed)
 * ```
 *
 * A set knows nothing about model kinds: it is a folder of named files. Sealing
 * ({@link sealModelSet}) fsyncs every file and folder, then writes `manifest.json`; promotion
 * ({@link promoteRun}) seals the run and then moves the pointer: `current` is written to a temp
 * file, fsynced, renamed over the old pointer and the folder fsynced. Older promoted runs stay
 * (the last `keep`), so the set being replaced is never deleted before the pointer has moved.
 * An unfinished run whose process (pid in `run.json`) is still running is never touched, so a
 * second training in the same folder cannot delete the first one's run.
 * {@link openCurrentModelSet} follows the pointer and verifies the manifest's own checksum (kept
 * in the pointer) and every file's; a mismatch is a {@link ModelSetError} naming the file.
 *
 * @example
 * ```ts
 * const run = await startRun("models");
 * await Deno.writeTextFile(`${run.dir}/label_encoder.json`, JSON.stringify({ classes: ["a"] }));
 * await promoteRun("models", run.id);
 * const set = await openCurrentModelSet("models"); // throws if anything changed on disk
 * console.log(set.dir, Object.keys(set.manifest.files));
 * ```
 * @module
 */
import { basename, dirname, join, relative, sep } from "node:path";
import {
  cleanTempFiles,
  isOtherProcessAlive,
  isTempName,
  pathExists as exists,
  sha256Hex,
  syncDir,
  syncTree,
  writeJsonAtomic,
} from "../util/mod.ts";

/** Names inside the models folder and inside a run folder. */
export const MODEL_SET_FILES = {
  /** The pointer file in the models folder. */
  pointer: "current",
  /** Folder of the runs in the models folder. */
  runs: "runs",
  /** Checksums of a sealed set, inside the run folder. */
  manifest: "manifest.json",
  /** Written when the run starts, inside the run folder. */
  run: "run.json",
  /** Training backups for resuming, inside the run folder; not part of the set. */
  resume: "resume",
} as const;

/** Format tag of `manifest.json`. */
export const MODEL_SET_FORMAT = "ser-model-set/1";

/** One file of a set. */
export interface ModelSetFile {
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
}

/** `manifest.json` of a sealed set. */
export interface ModelSetManifest {
  format: typeof MODEL_SET_FORMAT;
  /** The run id (the run folder's name). */
  runId: string;
  /** ISO 8601 time the manifest was written. */
  sealedAt: string;
  /** Every file of the set by `/`-separated path relative to the run folder, sorted. */
  files: Record<string, ModelSetFile>;
}

/** The pointer file `current`. */
export interface ModelSetPointer {
  /** Id of the promoted run. */
  run: string;
  /** SHA-256 of that run's `manifest.json`, so a changed manifest is detected too. */
  manifestSha256: string;
}

/** A training run folder. */
export interface ModelRun {
  /** The run id, e.g. `20261130T091500123Z`. */
  id: string;
  /** Absolute or caller-relative path of `runs/<id>`. */
  dir: string;
  /** True when an interrupted run was picked up again ({@link StartRunOptions.resume}). */
  resumed: boolean;
  /** What the caller stored when the run started (see {@link StartRunOptions.info}). */
  info: Record<string, unknown>;
  /** What the start-up tidying did (see {@link cleanModelsDir}). */
  cleanup: CleanupReport;
}

/** A verified set, as {@link openCurrentModelSet} returns it. */
export interface ModelSet {
  /** The run folder: read the set's files from here. */
  dir: string;
  runId: string;
  manifest: ModelSetManifest;
  /** `path -> absolute path` of every file of the set. */
  path(file: string): string;
}

/** What {@link cleanModelsDir} found and did. */
export interface CleanupReport {
  /** The promoted run, if any. */
  current?: string;
  /** Temp files removed and interrupted folder swaps finished, one line each. */
  temps: string[];
  /** Run folders removed, with why. */
  removedRuns: string[];
  /** Unfinished runs newer than the current one, kept because they can be resumed. */
  resumable: string[];
  /** Unfinished runs of another process that is still running: left alone, not resumable. */
  inUse: string[];
  /** What could not be tidied safely and why (e.g. an unreadable pointer: sets all kept). */
  problems: string[];
}

/** A missing, changed or malformed file of a model set; `path` is that file. */
export class ModelSetError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "ModelSetError";
  }
}

/** Options of {@link startRun}. */
export interface StartRunOptions {
  /**
   * Pick up the newest unfinished run (not promoted, newer than the current set) instead of
   * starting a new one (default false). A sealed but unpromoted run is unsealed, so its files
   * can be written again.
   */
  resume?: boolean;
  /** JSON kept in `run.json` (e.g. the seed and settings, to check on resume). */
  info?: Record<string, unknown>;
  /** Promoted runs to keep besides the current one when tidying (default 2). */
  keep?: number;
}

/**
 * Starts a training run: tidies the models folder ({@link cleanModelsDir}), then creates
 * `runs/<id>/` with `run.json`, or with `resume` returns the newest unfinished run.
 *
 * @param modelsDir the models folder (created when missing)
 * @param options see {@link StartRunOptions}
 * @returns the run; write the set's files into `run.dir`
 * @example
 * ```ts
 * const run = await startRun("models", { resume: true, info: { seed: 42 } });
 * if (run.resumed) console.log(`resuming ${run.id}`);
 * ```
 */
export async function startRun(
  modelsDir: string,
  options: StartRunOptions = {},
): Promise<ModelRun> {
  await Deno.mkdir(join(modelsDir, MODEL_SET_FILES.runs), { recursive: true });
  const cleanup = await cleanModelsDir(modelsDir, {
    keep: options.keep,
    discardUnfinished: !options.resume,
  });
  if (options.resume && cleanup.resumable.length > 0) {
    const id = cleanup.resumable.at(-1)!;
    const dir = runDir(modelsDir, id);
    // A sealed run whose promotion was killed: its files may be rewritten now, so the old
    // manifest must go first (a stale manifest would make a later check fail confusingly).
    await Deno.remove(join(dir, MODEL_SET_FILES.manifest)).catch(() => {});
    await syncDir(dir);
    const info = await readRunInfo(dir);
    return { id, dir, resumed: true, info, cleanup };
  }
  const id = await newRunId(modelsDir);
  const dir = runDir(modelsDir, id);
  await Deno.mkdir(dir);
  const info = options.info ?? {};
  await writeJsonAtomic(join(dir, MODEL_SET_FILES.run), {
    id,
    startedAt: new Date().toISOString(),
    pid: Deno.pid,
    info,
  });
  await syncDir(join(modelsDir, MODEL_SET_FILES.runs));
  return { id, dir, resumed: false, info, cleanup };
}

/** Options of {@link cleanModelsDir}. */
export interface CleanOptions {
  /** Promoted runs to keep besides the current one (default 2). */
  keep?: number;
  /** Also remove unfinished runs newer than the current set (default false: report them). */
  discardUnfinished?: boolean;
}

/**
 * Tidies what killed runs left: temp files (and interrupted folder swaps, finished) in the models
 * folder and in every run; unfinished runs older than the current set (they can never be
 * promoted); `resume/` backups of promoted runs; promoted runs beyond the newest `keep` older
 * ones. Unfinished runs newer than the current set are reported as resumable, or removed with
 * `discardUnfinished`. Never touches the current set's files.
 *
 * @param modelsDir the models folder
 * @param options see {@link CleanOptions}
 * @example
 * ```ts
 * const report = await cleanModelsDir("models");
 * for (const line of [...report.temps, ...report.removedRuns]) console.log(line);
 * ```
 */
export async function cleanModelsDir(
  modelsDir: string,
  options: CleanOptions = {},
): Promise<CleanupReport> {
  const keep = options.keep ?? 2;
  const temps = (await cleanTempFiles(modelsDir)).map((line) => `${modelsDir}: ${line}`);
  const runsDir = join(modelsDir, MODEL_SET_FILES.runs);
  temps.push(...(await cleanTempFiles(runsDir)).map((line) => `${runsDir}: ${line}`));
  let current: string | undefined;
  const problems: string[] = [];
  try {
    current = (await readPointer(modelsDir)).run;
  } catch (error) {
    // No pointer: nothing was promoted. A broken one: which set is current is unknown, so no
    // sealed run may be removed (each could be it).
    if (await exists(join(modelsDir, MODEL_SET_FILES.pointer))) {
      problems.push(`${(error as Error).message}; every sealed run is kept`);
    }
  }
  const report: CleanupReport = {
    current,
    temps,
    removedRuns: [],
    resumable: [],
    inUse: [],
    problems,
  };
  const ids = await listRuns(modelsDir);
  const sealedOlder: string[] = [];
  for (const id of ids) {
    const dir = runDir(modelsDir, id);
    if (id === current) {
      // The promoted set must stay byte-identical: only drop its (unlisted) training backups.
      await removeResumeState(dir);
      continue;
    }
    const sealed = await exists(join(dir, MODEL_SET_FILES.manifest));
    if (sealed && problems.length > 0) continue;
    if (!sealed && isOtherProcessAlive(await runOwner(dir))) {
      // Another process is training into it right now (e.g. a second notebook kernel).
      report.inUse.push(id);
      continue;
    }
    if (current !== undefined && id < current) {
      if (sealed) {
        sealedOlder.push(id);
        await removeResumeState(dir);
      } else {
        await removeRun(dir);
        report.removedRuns.push(`${dir} (unfinished run older than the current set)`);
      }
      continue;
    }
    if (options.discardUnfinished) {
      await removeRun(dir);
      report.removedRuns.push(`${dir} (unfinished run, not resumed)`);
      continue;
    }
    if (!(await exists(join(dir, MODEL_SET_FILES.run)))) {
      // Killed between creating the folder and writing run.json: nothing in it to resume.
      await removeRun(dir);
      report.removedRuns.push(`${dir} (killed as it started: no ${MODEL_SET_FILES.run})`);
      continue;
    }
    for (const line of await cleanTreeTemps(dir)) report.temps.push(line);
    report.resumable.push(id);
  }
  for (const id of sealedOlder.slice(0, Math.max(0, sealedOlder.length - keep))) {
    await removeRun(runDir(modelsDir, id));
    report.removedRuns.push(`${runDir(modelsDir, id)} (older promoted set beyond keep=${keep})`);
  }
  if (report.removedRuns.length > 0) await syncDir(runsDir);
  return report;
}

/**
 * Seals a folder as a model set: fsyncs every file and folder, then writes `manifest.json`
 * (atomically) with the SHA-256 and size of every file except `resume/` and temp files (which are
 * removed first). Used by {@link promoteRun}; also makes a plain folder a verifiable set.
 *
 * @param dir the set's folder
 * @param runId id recorded in the manifest (default: the folder's name)
 * @returns the manifest written
 * @example
 * ```ts
 * const manifest = await sealModelSet("models/runs/20261130T091500123Z");
 * console.log(Object.keys(manifest.files));
 * ```
 */
export async function sealModelSet(dir: string, runId?: string): Promise<ModelSetManifest> {
  await cleanTreeTemps(dir);
  await Deno.remove(join(dir, MODEL_SET_FILES.manifest)).catch(() => {});
  const files: Record<string, ModelSetFile> = {};
  for (const path of (await listSetFiles(dir)).sort()) {
    const bytes = await Deno.readFile(join(dir, path));
    files[path] = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  }
  await syncTree(dir);
  const manifest: ModelSetManifest = {
    format: MODEL_SET_FORMAT,
    runId: runId ?? basename(dir),
    sealedAt: new Date().toISOString(),
    files,
  };
  await writeJsonAtomic(join(dir, MODEL_SET_FILES.manifest), manifest);
  return manifest;
}

/** Options of {@link promoteRun}. */
export interface PromoteOptions {
  /** Promoted runs to keep besides the new current one (default 2). */
  keep?: number;
}

/** What {@link promoteRun} did. */
export interface PromotedRun {
  runId: string;
  dir: string;
  manifest: ModelSetManifest;
  /** The run that was current before, if any (kept unless beyond `keep`). */
  previous?: string;
  /** Run folders removed afterwards. */
  removedRuns: string[];
}

/**
 * Promotes a finished run: seals it ({@link sealModelSet}), then points `current` at it in one
 * atomic step (temp file, fsync, rename, fsync of the models folder). Only then are its `resume/`
 * backups and the runs beyond `keep` removed. A kill before the rename leaves the previous set
 * current and intact; after it, the new one.
 *
 * @param modelsDir the models folder
 * @param runId the run to promote (a folder in `runs/`)
 * @param options see {@link PromoteOptions}
 * @throws ModelSetError when the run folder does not exist
 * @example
 * ```ts
 * const run = { id: "20261130T091500123Z" }; // a finished training run
 * const { runId, previous } = await promoteRun("models", run.id);
 * ```
 */
export async function promoteRun(
  modelsDir: string,
  runId: string,
  options: PromoteOptions = {},
): Promise<PromotedRun> {
  const dir = runDir(modelsDir, runId);
  if (!(await exists(dir))) {
    throw new ModelSetError(dir, "no such run folder to promote");
  }
  const previous = (await readPointer(modelsDir).catch(() => undefined))?.run;
  if (previous === runId) {
    // Resealing the current set would change its manifest under the pointer: a kill before the
    // pointer is rewritten would leave a set that fails verification. Nothing to do but check.
    const set = await openCurrentModelSet(modelsDir);
    return { runId, dir, manifest: set.manifest, previous, removedRuns: [] };
  }
  const manifest = await sealModelSet(dir, runId);
  const manifestBytes = await Deno.readFile(join(dir, MODEL_SET_FILES.manifest));
  const pointer: ModelSetPointer = { run: runId, manifestSha256: await sha256Hex(manifestBytes) };
  await writeJsonAtomic(join(modelsDir, MODEL_SET_FILES.pointer), pointer);
  // From here on the new set is the current one; tidying cannot lose either set.
  const cleanup = await cleanModelsDir(modelsDir, { keep: options.keep });
  return { runId, dir, manifest, previous, removedRuns: cleanup.removedRuns };
}

/**
 * Opens the promoted set: reads `current`, checks the run's `manifest.json` against the checksum
 * in the pointer, and every listed file's size and SHA-256 against the manifest. Nothing falls
 * back to another set: any problem is an error naming the file.
 *
 * @param modelsDir the models folder
 * @returns the verified set
 * @throws ModelSetError naming the models folder (missing, nothing promoted), the pointer or
 *   manifest (malformed, changed), or the first missing, changed or unlisted file
 * @example
 * ```ts
 * const set = await openCurrentModelSet("models");
 * const encoder = JSON.parse(await Deno.readTextFile(set.path("label_encoder.json")));
 * ```
 */
export async function openCurrentModelSet(modelsDir: string): Promise<ModelSet> {
  try {
    if (!(await Deno.stat(modelsDir)).isDirectory) {
      throw new ModelSetError(modelsDir, "the models folder is not a folder");
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ModelSetError(modelsDir, "models folder not found; no model has been trained yet");
    }
    throw error;
  }
  const pointer = await readPointer(modelsDir);
  return await openModelSet(runDir(modelsDir, pointer.run), pointer.manifestSha256);
}

/**
 * Opens and verifies a sealed set folder (a run folder, or a copy of one).
 *
 * @param dir the set's folder (with `manifest.json`)
 * @param manifestSha256 expected SHA-256 of `manifest.json` (the pointer's; default: unchecked)
 * @throws ModelSetError naming the first missing, changed or unlisted file
 * @example
 * ```ts
 * const set = await openModelSet("backup/models/runs/20261130T091500123Z");
 * ```
 */
export async function openModelSet(dir: string, manifestSha256?: string): Promise<ModelSet> {
  const manifestPath = join(dir, MODEL_SET_FILES.manifest);
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await Deno.readFile(manifestPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ModelSetError(manifestPath, "missing: the folder is not a sealed model set");
    }
    throw new ModelSetError(manifestPath, `cannot read (${(error as Error).message})`);
  }
  if (manifestSha256 !== undefined) {
    const actual = await sha256Hex(manifestBytes);
    if (actual !== manifestSha256) {
      throw new ModelSetError(
        manifestPath,
        `SHA-256 ${actual} differs from ${manifestSha256} recorded in the pointer ` +
          `(the manifest changed after promotion)`,
      );
    }
  }
  let manifest: ModelSetManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new ModelSetError(manifestPath, `not valid JSON (${(error as Error).message})`);
  }
  if (
    manifest?.format !== MODEL_SET_FORMAT || typeof manifest.files !== "object" ||
    manifest.files === null || typeof manifest.runId !== "string"
  ) {
    throw new ModelSetError(manifestPath, `not a ${MODEL_SET_FORMAT} manifest`);
  }
  for (const [file, entry] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ModelSetError(path, "missing from the model set (listed in manifest.json)");
      }
      throw new ModelSetError(path, `cannot read (${(error as Error).message})`);
    }
    if (bytes.byteLength !== entry.bytes) {
      throw new ModelSetError(
        path,
        `has ${bytes.byteLength} bytes, manifest.json says ${entry.bytes} (changed or truncated)`,
      );
    }
    const actual = await sha256Hex(bytes);
    if (actual !== entry.sha256) {
      throw new ModelSetError(
        path,
        `checksum mismatch: SHA-256 ${actual}, manifest.json says ${entry.sha256} ` +
          `(the file changed after the set was sealed)`,
      );
    }
  }
  for (const file of await listSetFiles(dir)) {
    if (!(file in manifest.files)) {
      throw new ModelSetError(join(dir, file), "not listed in manifest.json (added afterwards?)");
    }
  }
  return { dir, runId: manifest.runId, manifest, path: (file) => join(dir, file) };
}

/**
 * Reads the pointer `current`.
 *
 * @throws ModelSetError when it is missing (nothing promoted yet) or malformed
 */
export async function readPointer(modelsDir: string): Promise<ModelSetPointer> {
  const path = join(modelsDir, MODEL_SET_FILES.pointer);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ModelSetError(
        path,
        "missing: no model set has been promoted in this models folder yet (a training run " +
          "promotes one when it completes)",
      );
    }
    throw new ModelSetError(path, `cannot read (${(error as Error).message})`);
  }
  let pointer: ModelSetPointer;
  try {
    pointer = JSON.parse(text);
  } catch (error) {
    throw new ModelSetError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (
    typeof pointer?.run !== "string" || !/^[\w.-]+$/.test(pointer.run) ||
    typeof pointer.manifestSha256 !== "string"
  ) {
    throw new ModelSetError(path, `expected {"run": "<id>", "manifestSha256": "<hex>"}`);
  }
  return pointer;
}

/**
 * Ids of the run folders in `modelsDir/runs`, oldest first.
 *
 * @example
 * ```ts
 * const ids = await listRuns("models");
 * ```
 */
export async function listRuns(modelsDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(modelsDir, MODEL_SET_FILES.runs))) {
      if (entry.isDirectory && !entry.name.startsWith(".")) ids.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return ids.sort();
}

/** `modelsDir/runs/<id>`. */
export function runDir(modelsDir: string, id: string): string {
  return join(modelsDir, MODEL_SET_FILES.runs, id);
}

/** Time-sortable ids; a clock that went back still gives an id after every existing run. */
async function newRunId(modelsDir: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const newest = (await listRuns(modelsDir)).at(-1);
  const base = newest !== undefined && newest >= stamp ? newest : stamp;
  let id = stamp;
  for (
    let n = 1;
    (newest !== undefined && id <= newest) || await exists(runDir(modelsDir, id));
    n++
  ) {
    id = `${base}-${String(n).padStart(4, "0")}`;
  }
  return id;
}

/** The pid that started a run (0 when unknown). */
async function runOwner(dir: string): Promise<number> {
  try {
    return Number(JSON.parse(await Deno.readTextFile(join(dir, MODEL_SET_FILES.run)))?.pid) || 0;
  } catch {
    return 0;
  }
}

async function readRunInfo(dir: string): Promise<Record<string, unknown>> {
  try {
    const run = JSON.parse(await Deno.readTextFile(join(dir, MODEL_SET_FILES.run)));
    return run?.info ?? {};
  } catch {
    return {};
  }
}

/** Files of a set folder (POSIX relative paths), without manifest, `resume/` and temp files. */
async function listSetFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      const rel = relative(dir, path).split(sep).join("/");
      if (rel === MODEL_SET_FILES.manifest || rel === MODEL_SET_FILES.resume) continue;
      if (isTempName(entry.name)) continue; // a write in flight or a leftover, never read
      if (entry.isDirectory) await walk(path);
      else files.push(rel);
    }
  };
  await walk(dir);
  return files;
}

/** {@link cleanTempFiles} in `dir` and every folder below it (except `resume/`). */
async function cleanTreeTemps(dir: string): Promise<string[]> {
  const done = (await cleanTempFiles(dir)).map((line) => `${dir}: ${line}`);
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && entry.name !== MODEL_SET_FILES.resume) {
      done.push(...await cleanTreeTemps(join(dir, entry.name)));
    }
  }
  return done;
}

async function removeResumeState(dir: string): Promise<void> {
  const resume = join(dir, MODEL_SET_FILES.resume);
  if (await exists(resume)) {
    await Deno.remove(resume, { recursive: true });
    await syncDir(dir);
  }
}

/**
 * Removes a run folder so that a kill midway cannot leave a half-deleted folder that looks like
 * a run: it is renamed to a temp name first (which the next tidying removes).
 */
async function removeRun(dir: string): Promise<void> {
  const doomed = join(dirname(dir), `.${basename(dir)}.0.${Date.now().toString(36)}.rm.tmp`);
  await Deno.rename(dir, doomed);
  await Deno.remove(doomed, { recursive: true });
}
