/**
 * Atomic writes: write to a temporary sibling, then rename over the target, so a crash or a
 * kill mid-write never leaves a half-written model or report behind.
 *
 * @example
 * ```ts
 * await writeTextAtomic("outputs/project_report.json", JSON.stringify(report));
 * ```
 * @module
 */
import { basename, dirname, join } from "node:path";

function tempSibling(path: string): string {
  const suffix = `${Deno.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

/** Writes bytes to `path` atomically (temp file in the same folder, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
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
}

/** Writes text to `path` atomically. */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text));
}

/** Writes `value` as pretty JSON to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Replaces the directory `dir` atomically with one that `fill` populates: `fill` writes into a
 * fresh temporary sibling directory; only when it succeeds is the old directory swapped out
 * (renamed aside, then removed) and the new one renamed into place. If `fill` throws, the
 * previous directory is untouched.
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tempDir: string) => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dirname(dir), { recursive: true });
  const temp = tempSibling(dir);
  await Deno.mkdir(temp);
  try {
    await fill(temp);
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
  if (hadOld) await Deno.remove(old, { recursive: true }).catch(() => {});
}
