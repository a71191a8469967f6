/**
 * Atomic writes: write to a temporary sibling, fsync it, rename it over the target and fsync the
 * folder, so a crash, a kill or a power cut mid-write never leaves a half-written model or report
 * behind: a reader sees the old file or the new one, whole.
 *
 * Why both fsyncs: `rename` is atomic for running processes, but after a power cut the new name
 * can point at data that never reached the disk (file not synced) or the rename itself can be
 * lost (folder not synced). A SIGKILL alone needs neither, a crash of the machine needs both.
 *
 * Temporary names are `.<name>.<pid>.<time>.<random>.tmp` (and `…tmp.old` for a folder being
 * swapped out), so {@link cleanTempFiles} can tell them from user files at the next start.
 *
 * @example
 * ```ts
 * await writeTextAtomic("outputs/project_report.json", JSON.stringify({ ok: true }));
 * ```
 * @module
 */
import { basename, dirname, join } from "node:path";
import { pathExists as exists } from "./fs.ts";

/** Matches our temporary names; group 1 is the target's name, group 2 the writer's pid. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-z]+\.[0-9a-z]+\.tmp(\.old)?$/;

/**
 * Whether a file name is one of our temporary names (`.<name>.<pid>.<time>.<random>.tmp[.old]`).
 *
 * @example
 * ```ts
 * isTempName(".weights.bin.123.lq2x.a1b2c3.tmp"); // true
 * ```
 */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function tempSibling(path: string): string {
  const suffix = `${Deno.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

/**
 * Flushes a file's data to the disk (`fsync`).
 *
 * @param path a file
 * @example
 * ```ts
 * await syncFile("models/runs/x/weights.bin");
 * ```
 */
export async function syncFile(path: string): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * Flushes a folder's entries (names created, renamed or removed in it) to the disk. Windows
 * cannot open a folder as a file; there it is a no-op (NTFS journals renames itself).
 *
 * @param path a folder
 * @example
 * ```ts
 * await syncDir("models");
 * ```
 */
export async function syncDir(path: string): Promise<void> {
  let dir: Deno.FsFile;
  try {
    dir = await Deno.open(path, { read: true });
  } catch (error) {
    if (Deno.build.os === "windows" && !(error instanceof Deno.errors.NotFound)) return;
    throw error;
  }
  try {
    await dir.sync();
  } catch (error) {
    if (Deno.build.os !== "windows") throw error;
  } finally {
    dir.close();
  }
}

/**
 * Flushes every file and folder under `dir` (depth first, then `dir` itself): what was written
 * with plain `Deno.writeFile` is on the disk afterwards.
 *
 * @param dir a folder
 * @example
 * ```ts
 * await syncTree("models/runs/20261130T090000000Z");
 * ```
 */
export async function syncTree(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await syncTree(path);
    else if (entry.isFile) await syncFile(path);
  }
  await syncDir(dir);
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Also fsync the folder after the rename, so the new name survives a power cut (default
   * true). Many small cache entries may skip it: losing one only costs recomputing it.
   */
  syncDir?: boolean;
}

/**
 * Writes bytes to `path` atomically: temp file in the same folder, fsync, rename, fsync folder.
 *
 * @param path target file (its folder is created when missing)
 * @param data the whole new content
 * @param options see {@link AtomicWriteOptions}
 * @example
 * ```ts
 * await writeFileAtomic("outputs/x.bin", new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempSibling(path);
  try {
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  if (options.syncDir ?? true) await syncDir(dirname(path));
}

/** Writes text to `path` atomically (see {@link writeFileAtomic}). */
export function writeTextAtomic(
  path: string,
  text: string,
  options?: AtomicWriteOptions,
): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text), options);
}

/** Writes `value` as pretty JSON to `path` atomically (see {@link writeFileAtomic}). */
export function writeJsonAtomic(
  path: string,
  value: unknown,
  options?: AtomicWriteOptions,
): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n", options);
}

/**
 * Replaces the directory `dir` with one that `fill` populates: `fill` writes into a fresh
 * temporary sibling; only when it succeeds is everything in it fsynced, the old directory renamed
 * aside (`….tmp.old`), the new one renamed into place, the parent fsynced and the old one
 * removed. If `fill` throws, the previous directory is untouched.
 *
 * POSIX cannot swap two directories in one step, so a kill between the two renames leaves no
 * `dir`, but a complete new copy (`….tmp`) and the complete old one (`….tmp.old`) beside it.
 * {@link recoverReplacedDir} finishes such a swap; it runs at the start of every call here, and
 * {@link cleanTempFiles} runs it for every folder it finds interrupted.
 *
 * @param dir the directory to replace (its parent is created when missing)
 * @param fill writes the new content into the temporary directory it is given
 * @example
 * ```ts
 * await replaceDirAtomic("models/x", async (temp) => {
 *   await Deno.writeTextFile(`${temp}/a.txt`, "a");
 * });
 * ```
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tempDir: string) => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dirname(dir), { recursive: true });
  await recoverReplacedDir(dir);
  const temp = tempSibling(dir);
  await Deno.mkdir(temp);
  try {
    await fill(temp);
    await syncTree(temp);
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  }
  const old = `${temp}.old`;
  let hadOld = false;
  try {
    await Deno.rename(dir, old);
    hadOld = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.rename(temp, dir);
  await syncDir(dirname(dir));
  if (hadOld) await Deno.remove(old, { recursive: true }).catch(() => {});
}

/**
 * Finishes a {@link replaceDirAtomic} that was killed between its two renames: when `dir` is
 * missing but a `….tmp.old` of it exists, the matching `….tmp` (filled and fsynced before the
 * first rename) becomes `dir`; if only the old copy is left, it is put back. Leftover temporary
 * copies of `dir` are then removed. Does nothing when there is nothing to recover.
 *
 * @param dir the directory a replace may have been interrupted on
 * @returns what was done, e.g. `["restored .x.1.a.b.tmp as x", "removed .x.1.a.b.tmp.old"]`
 * @example
 * ```ts
 * await recoverReplacedDir("models/runs/r1/lstm_best");
 * ```
 */
export async function recoverReplacedDir(dir: string): Promise<string[]> {
  const parent = dirname(dir);
  const name = basename(dir);
  const temps: string[] = [];
  try {
    for await (const entry of Deno.readDir(parent)) {
      const match = TEMP_NAME.exec(entry.name);
      if (match && match[1] === name && !livingOtherWriter(Number(match[2]))) {
        temps.push(entry.name);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  if (temps.length === 0) return [];
  const done: string[] = [];
  if (!(await exists(dir))) {
    // Newest interrupted swap first (the time part sorts within one writer).
    const old = temps.filter((t) => t.endsWith(".tmp.old")).sort().at(-1);
    if (old !== undefined) {
      const fresh = old.slice(0, -".old".length);
      const source = temps.includes(fresh) ? fresh : old;
      await Deno.rename(join(parent, source), dir);
      await syncDir(parent);
      done.push(`restored ${source} as ${name}`);
      temps.splice(temps.indexOf(source), 1);
    }
  }
  for (const temp of temps) {
    await Deno.remove(join(parent, temp), { recursive: true }).catch(() => {});
    done.push(`removed ${temp}`);
  }
  return done;
}

/**
 * Removes the temporary files and folders that killed atomic writes left in `dir` (not
 * recursive), after finishing any interrupted folder swap ({@link recoverReplacedDir}). Temp
 * files of a writer that is still running (this process, or a live pid on Linux) are left alone.
 *
 * @param dir the folder to tidy
 * @returns one line per thing done, e.g. `removed .config.json.123.abc.def.tmp`
 * @example
 * ```ts
 * const done = await cleanTempFiles("models");
 * if (done.length) console.log(done.join("\n"));
 * ```
 */
export async function cleanTempFiles(dir: string): Promise<string[]> {
  const targets = new Set<string>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = TEMP_NAME.exec(entry.name);
      if (match && !livingOtherWriter(Number(match[2]))) targets.add(match[1]);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const done: string[] = [];
  for (const target of [...targets].sort()) {
    done.push(...await recoverReplacedDir(join(dir, target)));
  }
  return done;
}

/** Whether `pid` is this process or a live one (so its temp files may be in use). */
function livingOtherWriter(pid: number): boolean {
  // This process's own temps may be in flight (another async write): never touch them.
  return pid === Deno.pid || isOtherProcessAlive(pid);
}

/**
 * Whether `pid` is another process that is running now. Only Linux can tell (`/proc`);
 * elsewhere this answers false, so leftovers are always tidied there.
 *
 * @param pid a process id
 * @example
 * ```ts
 * isOtherProcessAlive(Deno.pid); // false: this process is not "another"
 * ```
 */
export function isOtherProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === Deno.pid) return false;
  if (Deno.build.os !== "linux") return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
