/**
 * Corpus scanning: walk a corpus folder, read speaker / emotion / utterance from every audio
 * file's name, probe its duration, and return one typed table (a nodejs-polars DataFrame).
 *
 * Table columns (one row per usable file, sorted by path):
 *
 * | column     | type | meaning                                                       |
 * | ---------- | ---- | ------------------------------------------------------------- |
 * | path       | str  | absolute file path                                            |
 * | corpus     | str  | `tess`, `ravdess`, `cremad`, `savee` or `emodb`               |
 * | speaker    | str  | corpus-local speaker id (`OAF`, `01`, `1001`, `DC`, `03`)     |
 * | emotion    | str  | one of `EMOTIONS`                                             |
 * | label      | str  | the corpus's own label as written in the file name            |
 * | utterance  | str  | word (TESS) or sentence id                                    |
 * | duration   | f64  | seconds, from the file header                                 |
 * | sampleRate | f64  | Hz, from the file header                                      |
 *
 * Files whose header cannot be read, or whose name does not follow the detected scheme, are
 * listed in `badFiles` and the scan goes on. A well-formed name with a label the corpus does not
 * define stops the scan with a {@link DatasetError} naming the file: that is a mistake in the
 * data or the mapping, not something to skip quietly. Hidden files (`.name`, e.g. macOS `._x.wav`
 * resource forks) and `__MACOSX` folders are ignored.
 *
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * const { table, badFiles, corpus } = await scanCorpus("/data/TESS");
 * console.log(corpus, table.height, badFiles.length); // "tess" 2800 0
 * ```
 * @module
 */
import pl from "nodejs-polars";
import { join, resolve } from "node:path";
import { probeAudio, problemText } from "../audio/mod.ts";
import { ProgressBar } from "../util/progress.ts";
import { AUDIO_EXTENSIONS, CORPUS_SCHEMES, detectCorpus, parseCorpusPath } from "./corpora.ts";
import { CORPORA, type Corpus, type LabelPolicy, mapCorpusLabel } from "./emotions.ts";
import { DatasetError } from "./errors.ts";

/** The header facts a scan needs from each file. */
export interface ProbedAudio {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Length in seconds. */
  duration: number;
}

/** Reads a file's header; throws when the file is unreadable. */
export type AudioProbe = (path: string) => Promise<ProbedAudio>;

/** A file left out of the table, and why. */
export interface BadFile {
  /** Absolute path of the file. */
  path: string;
  /** What is wrong with it, without the path (print `${path}: ${problem}`). */
  problem: string;
}

/** A file left out because its label has no counterpart (only with `dropUnmapped`). */
export interface DroppedFile {
  /** Absolute path of the file. */
  path: string;
  /** The corpus label that has no counterpart (e.g. EMO-DB `L`, boredom). */
  label: string;
}

/** Options of {@link scanCorpus}. */
export interface ScanOptions extends LabelPolicy {
  /** Which naming scheme to apply; `"auto"` (default) picks the one most files follow. */
  corpus?: Corpus | "auto";
  /** Reads durations; defaults to `probeAudio` from `lib/audio` (header only, no decoding). */
  probe?: AudioProbe;
  /** Called after each probed file with (files done, files in all). */
  onProgress?: (done: number, total: number) => void;
  /** Hide the progress bar (it is shown unless this is set or `onProgress` is given). */
  silent?: boolean;
  /** How many files to probe at once (default 8). */
  concurrency?: number;
}

/** What {@link scanCorpus} found. */
export interface ScanResult {
  /** One row per usable file; columns described in the module doc. */
  table: pl.DataFrame;
  /** Files that could not be used (unreadable header, name outside the scheme). */
  badFiles: BadFile[];
  /** Files left out because of `dropUnmapped`. */
  dropped: DroppedFile[];
  /** The naming scheme that was applied. */
  corpus: Corpus;
}

/** The table's column names, in order. */
export const SCAN_COLUMNS = [
  "path",
  "corpus",
  "speaker",
  "emotion",
  "label",
  "utterance",
  "duration",
  "sampleRate",
] as const;

function isAudioName(name: string): boolean {
  const lower = name.toLowerCase();
  return AUDIO_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/**
 * Lists audio files under a folder, recursively, as paths relative to it, sorted.
 *
 * @param dir the folder to walk
 * @throws DatasetError when `dir` does not exist or is not a folder
 * @example
 * ```ts
 * const files = await listAudioFiles("/data/TESS"); // ["OAF_Fear/OAF_back_fear.wav", ...]
 * ```
 */
export async function listAudioFiles(dir: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DatasetError("data folder not found", dir);
    }
    throw new DatasetError(`cannot read data folder (${(error as Error).message})`, dir);
  }
  if (!info.isDirectory) throw new DatasetError("not a folder", dir);
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(dir, folder))) {
      // Hidden entries are editor/OS debris; `._x.wav` macOS forks would even parse as audio.
      if (entry.name.startsWith(".") || entry.name === "__MACOSX") continue;
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && isAudioName(entry.name)) found.push(path);
    }
  };
  await walk("");
  return found.sort();
}

interface PendingRow {
  path: string;
  speaker: string;
  emotion: string;
  label: string;
  utterance: string;
}

/** An empty table with the scan's schema (so downstream code never meets missing columns). */
function emptyTable(): pl.DataFrame {
  return pl.DataFrame({
    path: pl.Series("path", [], pl.Utf8),
    corpus: pl.Series("corpus", [], pl.Utf8),
    speaker: pl.Series("speaker", [], pl.Utf8),
    emotion: pl.Series("emotion", [], pl.Utf8),
    label: pl.Series("label", [], pl.Utf8),
    utterance: pl.Series("utterance", [], pl.Utf8),
    duration: pl.Series("duration", [], pl.Float64),
    sampleRate: pl.Series("sampleRate", [], pl.Float64),
  });
}

/**
 * Scans a corpus folder into a table of clips.
 *
 * @param dir the corpus folder (e.g. `.../TESS Toronto emotional speech set data` or any folder
 *   above it)
 * @param options naming scheme, label policy, duration probe and progress reporting
 * @returns the table, the files left out, and the scheme applied
 * @throws DatasetError when the folder is missing, holds no audio, no file follows the scheme,
 *   or a file names a label its corpus does not define
 * @example
 * ```ts
 * const { table } = await scanCorpus("data/emodb", { corpus: "emodb", dropUnmapped: true });
 * table.getColumn("emotion").toArray(); // ["angry", "fear", ...]
 * ```
 */
export async function scanCorpus(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
  const root = resolve(dir);
  const files = await listAudioFiles(root);
  if (files.length === 0) {
    throw new DatasetError(`no audio files (${AUDIO_EXTENSIONS.join(", ")}) in this folder`, root);
  }

  const requested = options.corpus ?? "auto";
  if (requested !== "auto" && !(CORPORA as readonly string[]).includes(requested)) {
    throw new DatasetError(`unknown corpus "${requested}" (known: auto, ${CORPORA.join(", ")})`);
  }
  let corpus: Corpus;
  if (requested === "auto") {
    const detected = detectCorpus(files);
    if (!detected) {
      throw new DatasetError(
        `no file name follows a known corpus scheme (e.g. "${files[0]}"); known schemes: ` +
          CORPORA.map((name) => `${name} ${CORPUS_SCHEMES[name]}`).join("; "),
        root,
      );
    }
    corpus = detected.corpus;
  } else {
    corpus = requested;
  }

  const badFiles: BadFile[] = [];
  const dropped: DroppedFile[] = [];
  const pending: PendingRow[] = [];
  for (const file of files) {
    const path = join(root, file);
    const parsed = parseCorpusPath(corpus, file);
    if (!parsed) {
      badFiles.push({
        path,
        problem: `name does not follow the ${corpus} scheme ${CORPUS_SCHEMES[corpus]}`,
      });
      continue;
    }
    const emotion = mapCorpusLabel(corpus, parsed.label, path, options);
    if (emotion === null) {
      dropped.push({ path, label: parsed.label });
      continue;
    }
    pending.push({ path, emotion, ...parsed });
  }
  if (pending.length === 0 && badFiles.length === files.length) {
    throw new DatasetError(
      `no file name follows the ${corpus} scheme ${CORPUS_SCHEMES[corpus]} (e.g. "${files[0]}")`,
      root,
    );
  }

  const probe = options.probe ?? probeAudio;
  const probed: (ProbedAudio | null)[] = new Array(pending.length).fill(null);
  const problems: (string | null)[] = new Array(pending.length).fill(null);
  const bar = options.onProgress || options.silent
    ? null
    : new ProgressBar(`scan ${corpus}`, pending.length);
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const index = next++;
      try {
        const info = await probe(pending[index].path);
        if (!(info.duration >= 0) || !(info.sampleRate > 0)) {
          throw new Error(`header gives duration ${info.duration} s at ${info.sampleRate} Hz`);
        }
        probed[index] = info;
      } catch (error) {
        // Kept beside the path: the problem alone, so the path is printed once.
        problems[index] = problemText(error, pending[index].path);
      }
      done++;
      options.onProgress?.(done, pending.length);
      bar?.tick();
    }
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  bar?.finish();

  const rows: (PendingRow & ProbedAudio)[] = [];
  pending.forEach((row, index) => {
    const info = probed[index];
    if (info) rows.push({ ...row, duration: info.duration, sampleRate: info.sampleRate });
    else badFiles.push({ path: row.path, problem: `cannot read audio header: ${problems[index]}` });
  });
  badFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const table = rows.length === 0 ? emptyTable() : pl.DataFrame({
    path: pl.Series("path", rows.map((row) => row.path), pl.Utf8),
    corpus: pl.Series("corpus", rows.map(() => corpus), pl.Utf8),
    speaker: pl.Series("speaker", rows.map((row) => row.speaker), pl.Utf8),
    emotion: pl.Series("emotion", rows.map((row) => row.emotion), pl.Utf8),
    label: pl.Series("label", rows.map((row) => row.label), pl.Utf8),
    utterance: pl.Series("utterance", rows.map((row) => row.utterance), pl.Utf8),
    duration: pl.Series("duration", rows.map((row) => row.duration), pl.Float64),
    sampleRate: pl.Series("sampleRate", rows.map((row) => row.sampleRate), pl.Float64),
  });
  return { table, badFiles, dropped, corpus };
}
