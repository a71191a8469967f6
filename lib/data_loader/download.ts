/**
 * Downloading and unpacking a corpus archive: streamed to a `.part` file with a progress bar,
 * resumed with an HTTP Range request when a `.part` is left from an interrupted run (or
 * restarted cleanly when the server does not support ranges), verified against a SHA-256
 * checksum, renamed into place, then extracted with Debian's `unzip`.
 *
 * TESS's official source is the University of Toronto's Dataverse on Borealis
 * (doi:10.5683/SP2/E8H2MF, licence CC BY-NC-ND 4.0); see {@link TESS_SOURCE}.
 *
 * @example
 * ```ts
 * const result = await downloadAndExtract({ url: TESS_SOURCE.url, outDir: "data/TESS" });
 * console.log(result.sha256, result.files);
 * ```
 * @module
 */
import { firstFile, ProgressBar, replaceDirAtomic } from "../util/mod.ts";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";

/**
 * Where TESS comes from. `url` is Dataverse's "download all files of a dataset" API for the
 * TESS DOI, which answers with a zip bundle (plus a MANIFEST.TXT) built on the fly.
 *
 * `sha256` is null: because Dataverse builds that zip on request, its bytes (and so its hash)
 * are not guaranteed to be stable, and no official checksum of it is published. The download
 * prints the hash it got; pin it with `--sha256 <hex>` (or {@link DownloadOptions.sha256}) to
 * enforce it on later downloads. The extracted clip count is also checked (2800 expected).
 */
export const TESS_SOURCE: Readonly<{
  doi: string;
  landingPage: string;
  url: string;
  sha256: string | null;
  expectedClips: number;
  licence: string;
}> = Object.freeze({
  doi: "10.5683/SP2/E8H2MF",
  landingPage: "https://borealisdata.ca/dataset.xhtml?persistentId=doi:10.5683/SP2/E8H2MF",
  url:
    "https://borealisdata.ca/api/access/dataset/:persistentId/?persistentId=doi:10.5683/SP2/E8H2MF",
  sha256: null,
  expectedClips: 2800,
  licence: "CC BY-NC-ND 4.0",
});

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** http(s) URL of the file. */
  url: string;
  /** Destination path; the file appears there only when complete and verified. */
  dest: string;
  /** Expected SHA-256 (hex, any case); a mismatch deletes the download and throws. */
  sha256?: string | null;
  /** Attempts when the connection breaks mid-transfer (each resumes where it stopped). */
  retries?: number;
  /** No progress output. */
  silent?: boolean;
}

/** What {@link downloadFile} did. */
export interface DownloadResult {
  /** Where the file is. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the file, lower-case hex. */
  sha256: string;
  /** Whether a `.part` from an earlier run was continued. */
  resumed: boolean;
  /** Whether `sha256` was checked against an expected value. */
  verified: boolean;
}

/**
 * SHA-256 of a file, streamed (constant memory), as lower-case hex.
 *
 * @param path the file
 * @example
 * ```ts
 * console.log(await sha256File("data/tess.zip"));
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  // The readable stream closes the file when it ends.
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * Downloads `url` to `dest`: streams into `dest + ".part"`, resumes an existing `.part` with a
 * Range request (restarting from zero when the server ignores it), verifies the SHA-256 when
 * one is given, then renames the `.part` to `dest`.
 *
 * @param options URL, destination, expected SHA-256, retries, silence
 * @throws Error naming the URL for an HTTP error status (nothing is left behind) and for a
 *   checksum mismatch (the download is deleted)
 * @example
 * ```ts
 * const { sha256 } = await downloadFile({ url: "https://example.org/a.zip", dest: "a.zip" });
 * ```
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const part = `${dest}.part`;
  await Deno.mkdir(dirname(dest) || ".", { recursive: true });
  const retries = options.retries ?? 3;
  let resumed = false;
  for (let attempt = 0;; attempt++) {
    try {
      resumed = (await transfer(url, part, options.silent ?? false)) || resumed;
      break;
    } catch (error) {
      if (error instanceof HttpError || attempt >= retries) throw error;
      if (!options.silent) {
        console.error(`download: ${url}: ${(error as Error).message}; retrying (resume)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
    }
  }
  const sha256 = await sha256File(part);
  const expected = options.sha256?.trim().toLowerCase();
  if (expected) {
    if (!/^[0-9a-f]{64}$/.test(expected)) {
      await Deno.remove(part).catch(() => {});
      throw new Error(`download: expected SHA-256 "${options.sha256}" is not 64 hex digits`);
    }
    if (expected !== sha256) {
      await Deno.remove(part).catch(() => {});
      throw new Error(
        `download: checksum mismatch for ${url}: expected SHA-256 ${expected}, got ${sha256}; ` +
          `the download was deleted`,
      );
    }
  }
  await Deno.rename(part, dest);
  return { path: dest, bytes: await fileSize(dest), sha256, resumed, verified: Boolean(expected) };
}

/** An HTTP error status: retrying will not help. */
class HttpError extends Error {}

/** One transfer attempt into `part`; returns whether it continued an existing `.part`. */
async function transfer(url: string, part: string, silent: boolean): Promise<boolean> {
  let offset = await fileSize(part);
  const headers: Record<string, string> = {};
  if (offset > 0) headers["Range"] = `bytes=${offset}-`;
  let response = await fetch(url, { headers, redirect: "follow" });
  if (response.status === 416 && offset > 0) {
    // The .part is not a prefix the server recognises (or is already complete): start over.
    await response.body?.cancel();
    await Deno.remove(part).catch(() => {});
    offset = 0;
    response = await fetch(url, { redirect: "follow" });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new HttpError(
      `download: ${url} answered HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  let append = false;
  if (offset > 0 && response.status === 206) {
    const range = /bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
    append = range !== null && Number(range[1]) === offset;
  }
  if (!append) offset = 0;
  const length = Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isFinite(length) ? offset + length : undefined;
  const file = await Deno.open(part, { write: true, create: true, append, truncate: !append });
  const label = `download ${basename(part).replace(/\.part$/, "")} (KiB)`;
  const bar = total !== undefined && !silent
    ? new ProgressBar(label, Math.ceil(total / 1024))
    : undefined;
  const start = performance.now();
  let received = offset;
  let lastReport = start;
  let ticked = Math.floor(offset / 1024);
  bar?.tick(ticked);
  try {
    for await (const chunk of response.body ?? new ReadableStream<Uint8Array>()) {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      received += chunk.length;
      const seconds = (performance.now() - start) / 1000;
      const rate = `${megabytes(received - offset)} MB at ${
        megabytes((received - offset) / Math.max(seconds, 1e-3))
      } MB/s`;
      if (bar) {
        const kib = Math.floor(received / 1024);
        bar.tick(kib - ticked, rate);
        ticked = kib;
      } else if (!silent && performance.now() - lastReport > 5000) {
        // Without a Content-Length there is no total for a bar; report every 5 s instead.
        lastReport = performance.now();
        console.error(`download: ${rate}`);
      }
    }
  } finally {
    file.close();
  }
  if (bar) {
    bar.tick(bar.total - bar.done);
    bar.finish(`${megabytes(received)} MB`);
  }
  if (total !== undefined && received !== total) {
    throw new Error(`connection closed after ${received} of ${total} bytes`);
  }
  return append;
}

/**
 * True when Debian's `unzip` is installed.
 *
 * @example
 * ```ts
 * if (!hasUnzip()) console.log("apt-get install unzip");
 * ```
 */
export function hasUnzip(): boolean {
  return firstFile(["/usr/bin/unzip", "/bin/unzip", "/usr/local/bin/unzip"]) !== undefined;
}

/**
 * Extracts a zip into `outDir` with `unzip`, atomically: into a temporary sibling first, then
 * swapped in place of `outDir` (whose old contents are replaced).
 *
 * @param zipPath the archive
 * @param outDir destination folder
 * @returns paths of the extracted files, relative to `outDir`, sorted
 * @throws Error naming the archive when `unzip` is missing or fails
 * @example
 * ```ts
 * const files = await extractZip("data/TESS.zip", "data/TESS");
 * ```
 */
export async function extractZip(zipPath: string, outDir: string): Promise<string[]> {
  if (!hasUnzip()) {
    throw new Error(`extract: cannot unpack ${zipPath}: "unzip" not found (apt-get install unzip)`);
  }
  await replaceDirAtomic(outDir, async (temp) => {
    const { success, code, stderr } = await new Deno.Command("unzip", {
      args: ["-q", "-o", zipPath, "-d", temp],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      const message = new TextDecoder().decode(stderr).trim().split("\n").slice(-3).join(" | ");
      throw new Error(`extract: unzip failed on ${zipPath} (exit ${code}): ${message}`);
    }
  });
  return (await listFiles(outDir)).sort();
}

async function listFiles(root: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(root, prefix))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) files.push(...await listFiles(root, relative));
    else if (entry.isFile) files.push(relative);
  }
  return files;
}

/** Options of {@link downloadAndExtract}. */
export interface DownloadAndExtractOptions {
  /** http(s) URL of the zip. */
  url: string;
  /** Folder the archive is extracted into (replaced atomically). */
  outDir: string;
  /** Expected SHA-256 of the archive. */
  sha256?: string | null;
  /** Keep the archive (`<outDir>.zip`) after extracting. */
  keepZip?: boolean;
  /** No progress output. */
  silent?: boolean;
}

/**
 * Downloads a zip to `<outDir>.zip` (resumable, verified) and extracts it into `outDir`.
 *
 * @param options URL, output folder, expected SHA-256, whether to keep the zip
 * @returns the download result plus the extracted files (relative to `outDir`)
 * @example
 * ```ts
 * await downloadAndExtract({ url: TESS_SOURCE.url, outDir: "data/TESS" });
 * ```
 */
export async function downloadAndExtract(
  options: DownloadAndExtractOptions,
): Promise<DownloadResult & { files: string[] }> {
  const zipPath = `${options.outDir.replace(/[\\/]+$/, "")}.zip`;
  const download = await downloadFile({
    url: options.url,
    dest: zipPath,
    sha256: options.sha256,
    silent: options.silent,
  });
  const files = await extractZip(zipPath, options.outDir);
  if (!options.keepZip) await Deno.remove(zipPath).catch(() => {});
  return { ...download, files };
}
