/**
 * Small file-system questions asked when looking for tools and files (Chromium, espeak-ng,
 * unzip, the plotly.js bundle...): is this a file, and which of these candidates is the first
 * that exists.
 * @module
 */

/**
 * Whether `path` is an existing regular file (false when it is missing, a folder, or cannot be
 * inspected).
 *
 * @param path the path
 * @example
 * ```ts
 * isFile("/usr/bin/unzip"); // true where unzip is installed
 * ```
 */
export function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The first of `paths` that is an existing file, or undefined.
 *
 * @param paths candidates, most preferred first
 * @example
 * ```ts
 * firstFile(["/usr/bin/chromium", "/usr/bin/chromium-browser"]); // "/usr/bin/chromium"
 * ```
 */
export function firstFile(paths: Iterable<string>): string | undefined {
  for (const path of paths) if (isFile(path)) return path;
  return undefined;
}

/**
 * Whether anything (file, folder or link) exists at `path`; other errors than "not found" are
 * thrown (a permission problem is not a missing file).
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
