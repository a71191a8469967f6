/**
 * Corpus scanning: walk one or several corpus folders, read speaker / emotion / utterance from
 * every audio file's name, probe its duration, and return one typed table (a nodejs-polars
 * DataFrame) over all of them.
 *
 * Table columns (one row per usable file, sorted by path):
 *
 * | column     | type | meaning                                                              |
 * | ---------- | ---- | -------------------------------------------------------------------- |
 * | path       | str  | absolute file path                                                   |
 * | corpus     | str  | `tess`, `ravdess`, `cremad`, `savee`, `emodb` (or `unlabelled`)       |
 * | speaker    | str  | corpus-qualified speaker id (`tess:OAF`, `ravdess:01`, `emodb:03`)   |
 * | emotion    | str  | the class: one of `EMOTIONS`, or `calm`/`boredom` under `"keep"`     |
 * | label      | str  | the corpus's own label as written in the file name                   |
 * | utterance  | str  | word (TESS) or sentence id                                           |
 * | duration   | f64  | seconds, from the file header                                        |
 * | sampleRate | f64  | Hz, from the file header                                             |
 *
 * Speaker ids are always corpus-qualified, also when a single corpus is scanned, so a table's
 * `speaker` column means the same thing however many folders went into it.
 *
 * **Detection.** Each folder's scheme is detected on its own: the scheme that at least 80 %
 * of its audio files follow ({@link MIN_MATCH_FRACTION}). Files that do not follow it, whose
 * label the corpus does not define, or whose header cannot be read are listed in `badFiles`
 * with the reason, and the scan goes on; `strict: true` turns any of them into an error.
 * A folder that no scheme fits is an error that says so (training needs labels); to scan
 * audio without labels (e.g. for prediction), pass `corpus: "unlabelled"`: every audio file
 * becomes a row with `null` speaker, emotion and label.
 *
 * **Labels.** Calm (RAVDESS) and boredom (EMO-DB) follow the {@link LabelPolicy} (default
 * `"merge"`: calm into neutral, boredom dropped); the result's `labels` summary says how many
 * clips were merged, dropped or kept, and why. Hidden files (`.name`, e.g. macOS `._x.wav`
 * resource forks) and `__MACOSX` folders are ignored.
 *
 * @example
 * ```ts
 * import { formatScanSummary, scanCorpora } from "./scan.ts";
 * const scan = await scanCorpora(["/data/TESS", "/data/RAVDESS"]);
 * console.log(scan.corpus, scan.table.height); // "tess+ravdess" 4240
 * console.log(formatScanSummary(scan));
 * ```
 * @module
 */
import pl from "nodejs-polars";
import { join, resolve } from "node:path";
import { probeAudio, problemText } from "../audio/mod.ts";
import { ProgressBar } from "../util/mod.ts";
import {
  AUDIO_EXTENSIONS,
  CORPUS_SCHEMES,
  MIN_MATCH_FRACTION,
  parseCorpusPath,
  schemeMatches,
  speakerId,
} from "./corpora.ts";
import {
  CORPORA,
  type Corpus,
  DEFAULT_LABEL_POLICY,
  type EmotionClass,
  isEmotionClass,
  isLabelPolicy,
  LABEL_POLICIES,
  type LabelMapping,
  type LabelPolicy,
  mapCorpusLabel,
} from "./emotions.ts";
import { DatasetError } from "./errors.ts";

/** A supported corpus, or `"unlabelled"`: audio files without labels. */
export type CorpusKind = Corpus | "unlabelled";

/** The header facts a scan needs from each file. */
export interface ProbedAudio {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Length in seconds. */
  duration: number;
}

/** Reads a file's header; throws when the file is unreadable. */
export type AudioProbe = (path: string) => Promise<ProbedAudio>;

/** Why a file could not be used. */
export type BadFileReason = "name" | "label" | "audio";

/** A file left out of the table, and why. */
export interface BadFile {
  /** Absolute path of the file. */
  path: string;
  /** What is wrong with it, without the path (print `${path}: ${problem}`). */
  problem: string;
  /** `name`: outside the folder's scheme; `label`: a label the corpus does not define;
   * `audio`: the header cannot be read. */
  reason: BadFileReason;
}

/** A file the label policy left out (e.g. EMO-DB boredom). */
export interface DroppedFile {
  /** Absolute path of the file. */
  path: string;
  /** The corpus of the file. */
  corpus: Corpus;
  /** The corpus label as written in the file name (e.g. EMO-DB `L`). */
  label: string;
  /** The class that label names (e.g. `boredom`). */
  own: EmotionClass;
}

/** A folder to scan, with an optional scheme for it alone. */
export interface CorpusFolder {
  /** The folder. */
  dir: string;
  /** Its scheme; defaults to the scan's `corpus` option (`"auto"`). */
  corpus?: CorpusKind | "auto";
}

/** Options of {@link scanCorpora} and {@link scanCorpus}. */
export interface ScanOptions {
  /** Which naming scheme to apply to every folder; `"auto"` (default) detects it per folder. */
  corpus?: CorpusKind | "auto";
  /** What to do with calm and boredom (default `"merge"`; see `LabelPolicy`). */
  labelPolicy?: LabelPolicy;
  /** Any unusable file (name, label or header) is an error instead of a `badFiles` entry. */
  strict?: boolean;
  /** Share of a folder's files one scheme must fit for auto-detection, in (0, 1] (0.8). */
  minMatchFraction?: number;
  /** Reads durations; defaults to `probeAudio` from `lib/audio` (header only, no decoding). */
  probe?: AudioProbe;
  /** Called after each probed file with (files done, files in all). */
  onProgress?: (done: number, total: number) => void;
  /** Hide the progress bar (it is shown unless this is set or `onProgress` is given). */
  silent?: boolean;
  /** How many files to probe at once (default 8). */
  concurrency?: number;
}

/** What the scan found in one folder. */
export interface FolderScan {
  /** Absolute folder path. */
  dir: string;
  /** The scheme applied. */
  corpus: CorpusKind;
  /** Audio files found. */
  files: number;
  /** Rows it contributed to the table. */
  rows: number;
  /** Share of its files that follow the scheme with a known label, in [0, 1]. */
  matchFraction: number;
}

/** One corpus label the policy changed, with how many clips it affected and why. */
export interface LabelChange {
  /** The corpus. */
  corpus: Corpus;
  /** The label as written in file names (e.g. RAVDESS `02`). */
  label: string;
  /** The class the label names (e.g. `calm`). */
  own: EmotionClass;
  /** What happened to its clips. */
  action: "merged" | "dropped" | "kept";
  /** The class the clips went into (`null` when dropped). */
  into: EmotionClass | null;
  /** Clips affected (rows of the table, or dropped files). */
  clips: number;
  /** Why, in words. */
  reason: string;
}

/** Typed account of what the label policy and the scan did, for notebooks and reports. */
export interface LabelSummary {
  /** The policy applied. */
  policy: LabelPolicy;
  /** Rows in the table. */
  clips: number;
  /** Rows whose label was merged into another class. */
  merged: number;
  /** Files left out by the policy. */
  dropped: number;
  /** Rows kept as an extra class (policy `"keep"`). */
  kept: number;
  /** Files listed in `badFiles`, in all and per reason. */
  unusable: number;
  unusableByReason: Record<BadFileReason, number>;
  /** One entry per corpus label the policy touched, sorted by corpus then label. */
  changes: LabelChange[];
}

/** What {@link scanCorpora} found. */
export interface ScanResult {
  /** One row per usable file; columns described in the module doc. */
  table: pl.DataFrame;
  /** Files that could not be used, with the reason. */
  badFiles: BadFile[];
  /** Files the label policy left out. */
  dropped: DroppedFile[];
  /** The schemes applied, joined with `+` in folder order (e.g. `"tess"`, `"tess+ravdess"`). */
  corpus: string;
  /** The distinct schemes applied, in folder order. */
  corpora: CorpusKind[];
  /** Per folder: scheme, files, rows. */
  folders: FolderScan[];
  /** What the label policy did. */
  labels: LabelSummary;
  /** The classes present in the table, in label-encoder (alphabetical) order. */
  classes: EmotionClass[];
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
  // Symbolic links are followed (a folder of links to a corpus's files is common); each real
  // folder is walked once, so a link back up the tree is no loop.
  const walked = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await Deno.realPath(join(dir, folder));
    if (walked.has(real)) return;
    walked.add(real);
    for await (const entry of Deno.readDir(join(dir, folder))) {
      // Hidden entries are editor/OS debris; `._x.wav` macOS forks would even parse as audio.
      if (entry.name.startsWith(".") || entry.name === "__MACOSX") continue;
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      let { isDirectory, isFile } = entry;
      if (entry.isSymlink) {
        const target = await Deno.stat(join(dir, path)).catch(() => undefined);
        if (!target) continue; // a dangling link
        ({ isDirectory, isFile } = target);
      }
      if (isDirectory) await walk(path);
      else if (isFile && isAudioName(entry.name)) found.push(path);
    }
  };
  await walk("");
  return found.sort();
}

interface PendingRow {
  path: string;
  corpus: CorpusKind;
  speaker: string | null;
  emotion: string | null;
  label: string | null;
  utterance: string;
  mapping: LabelMapping | null;
}

const KNOWN_KINDS: readonly string[] = ["auto", ...CORPORA, "unlabelled"];

function schemeList(): string {
  return CORPORA.map((name) => `${name} ${CORPUS_SCHEMES[name]}`).join("; ");
}

function stem(relativePath: string): string {
  const name = relativePath.split("/").pop() ?? relativePath;
  return name.replace(/\.[^.]+$/, "");
}

/** Picks one folder's scheme: the requested one, or the detected one (or a clear error). */
function chooseScheme(
  root: string,
  files: string[],
  requested: CorpusKind | "auto",
  minFraction: number,
): { corpus: CorpusKind; matchFraction: number } {
  if (requested === "unlabelled") return { corpus: requested, matchFraction: 0 };
  const matches = schemeMatches(files);
  if (requested !== "auto") {
    const own = matches.find((match) => match.corpus === requested)!;
    return { corpus: requested, matchFraction: own.fraction };
  }
  const best = matches[0];
  if (best.matched > 0 && best.fraction >= minFraction) {
    return { corpus: best.corpus, matchFraction: best.fraction };
  }
  const fits = matches.filter((match) => match.matched > 0)
    .map((match) => `${match.corpus} ${match.matched} (${(100 * match.fraction).toFixed(0)} %)`);
  throw new DatasetError(
    `no known corpus scheme fits this folder: ${
      fits.length === 0 ? "no file name follows one" : `files per scheme: ${fits.join(", ")}`
    } of ${files.length} audio files (e.g. "${files[0]}"), and detection needs ` +
      `${(100 * minFraction).toFixed(0)} %. Known schemes: ${schemeList()}. ` +
      `Give each corpus its own data folder (dataDir "a,b"), force one with the corpus ` +
      `option, or scan with corpus "unlabelled" for audio without labels.`,
    root,
  );
}

function reasonFor(corpus: Corpus, label: string, mapping: LabelMapping, policy: LabelPolicy) {
  const what = `${corpus} "${label}" (${mapping.own}) has no counterpart among the 7 emotions`;
  if (mapping.action === "kept") return `${what}; label policy "keep" keeps it as its own class`;
  if (policy === "drop") return `${what}; label policy "drop" leaves such clips out`;
  if (mapping.action === "merged") {
    return `${what}; label policy "merge" puts it into ${mapping.emotion} ` +
      "(both unmarked, low-arousal speech)";
  }
  return `${what} nor a close one (${mapping.own} is low-arousal and negative, neither neutral ` +
    `nor sad); label policy "merge" leaves it out`;
}

function summarize(
  policy: LabelPolicy,
  rows: PendingRow[],
  dropped: DroppedFile[],
  badFiles: BadFile[],
): LabelSummary {
  const changes = new Map<string, LabelChange>();
  const count = (corpus: Corpus, label: string, mapping: LabelMapping): void => {
    if (mapping.action === "mapped") return;
    const key = `${corpus}\u0000${label}`;
    const entry = changes.get(key) ?? {
      corpus,
      label,
      own: mapping.own,
      action: mapping.action,
      into: mapping.emotion,
      clips: 0,
      reason: reasonFor(corpus, label, mapping, policy),
    };
    entry.clips++;
    changes.set(key, entry);
  };
  let merged = 0;
  let kept = 0;
  for (const row of rows) {
    if (!row.mapping || row.corpus === "unlabelled") continue;
    if (row.mapping.action === "merged") merged++;
    if (row.mapping.action === "kept") kept++;
    count(row.corpus, row.label!, row.mapping);
  }
  for (const file of dropped) {
    count(file.corpus, file.label, mapCorpusLabel(file.corpus, file.label, file.path, policy));
  }
  const unusableByReason: Record<BadFileReason, number> = { name: 0, label: 0, audio: 0 };
  for (const bad of badFiles) unusableByReason[bad.reason]++;
  return {
    policy,
    clips: rows.length,
    merged,
    dropped: dropped.length,
    kept,
    unusable: badFiles.length,
    unusableByReason,
    changes: [...changes.values()].sort((a, b) =>
      a.corpus === b.corpus ? (a.label < b.label ? -1 : 1) : a.corpus < b.corpus ? -1 : 1
    ),
  };
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
 * Scans one or several corpus folders into one table of clips.
 *
 * @param folders the corpus folders (each may be any folder above the corpus's files), as
 *   paths or `{ dir, corpus }` to force one folder's scheme; the same file must not be reached
 *   through two folders
 * @param options scheme, label policy, strictness, duration probe and progress reporting
 * @returns the table over all folders, the files left out and why, per-folder facts, the
 *   label-policy summary and the class list
 * @throws DatasetError when a folder is missing, holds no audio, no scheme fits it (auto), no
 *   file follows a forced scheme, a file is reached twice, or (strict) any file is unusable
 * @example
 * ```ts
 * const scan = await scanCorpora(["data/ravdess", "data/emodb"], { labelPolicy: "keep" });
 * scan.classes; // ["angry", "boredom", "calm", "disgust", ...]
 * scan.labels.changes; // [{ corpus: "emodb", label: "L", own: "boredom", action: "kept", ... }, ...]
 * ```
 */
export async function scanCorpora(
  folders: readonly (string | CorpusFolder)[],
  options: ScanOptions = {},
): Promise<ScanResult> {
  if (folders.length === 0) throw new DatasetError("no data folder given");
  const policy = options.labelPolicy ?? DEFAULT_LABEL_POLICY;
  if (!isLabelPolicy(policy)) {
    throw new DatasetError(`unknown label policy "${policy}" (known: ${LABEL_POLICIES})`);
  }
  const minFraction = options.minMatchFraction ?? MIN_MATCH_FRACTION;
  if (!(minFraction > 0 && minFraction <= 1)) {
    throw new DatasetError(`minMatchFraction must be in (0, 1], got ${minFraction}`);
  }
  const strict = options.strict ?? false;

  const badFiles: BadFile[] = [];
  const dropped: DroppedFile[] = [];
  const pending: PendingRow[] = [];
  const folderScans: FolderScan[] = [];
  const seen = new Map<string, string>();
  const unusable = (bad: BadFile): void => {
    if (strict) throw new DatasetError(`${bad.problem} (strict scan)`, bad.path);
    badFiles.push(bad);
  };

  for (const folder of folders) {
    const spec = typeof folder === "string" ? { dir: folder } : folder;
    const requested = spec.corpus ?? options.corpus ?? "auto";
    if (!KNOWN_KINDS.includes(requested)) {
      throw new DatasetError(`unknown corpus "${requested}" (known: ${KNOWN_KINDS.join(", ")})`);
    }
    const root = resolve(spec.dir);
    const files = await listAudioFiles(root);
    if (files.length === 0) {
      throw new DatasetError(
        `no audio files (${AUDIO_EXTENSIONS.join(", ")}) in this folder`,
        root,
      );
    }
    const { corpus, matchFraction } = chooseScheme(root, files, requested, minFraction);
    const before = pending.length;
    let followed = 0;
    for (const file of files) {
      const path = join(root, file);
      const other = seen.get(path);
      if (other !== undefined) {
        throw new DatasetError(
          `reached through two data folders (${other} and ${root}); list each folder once and ` +
            "none inside another",
          path,
        );
      }
      seen.set(path, root);
      if (corpus === "unlabelled") {
        followed++;
        pending.push({
          path,
          corpus,
          speaker: null,
          emotion: null,
          label: null,
          utterance: stem(file),
          mapping: null,
        });
        continue;
      }
      const parsed = parseCorpusPath(corpus, file);
      if (!parsed) {
        unusable({
          path,
          reason: "name",
          problem: `name does not follow the ${corpus} scheme ${CORPUS_SCHEMES[corpus]}`,
        });
        continue;
      }
      followed++;
      let mapping: LabelMapping;
      try {
        mapping = mapCorpusLabel(corpus, parsed.label, path, policy);
      } catch (error) {
        if (!(error instanceof DatasetError)) throw error;
        unusable({ path, reason: "label", problem: error.problem });
        continue;
      }
      if (mapping.emotion === null) {
        dropped.push({ path, corpus, label: parsed.label, own: mapping.own });
        continue;
      }
      pending.push({
        path,
        corpus,
        speaker: speakerId(corpus, parsed.speaker),
        emotion: mapping.emotion,
        label: parsed.label,
        utterance: parsed.utterance,
        mapping,
      });
    }
    if (followed === 0) {
      throw new DatasetError(
        `no file name follows the ${corpus} scheme ${CORPUS_SCHEMES[corpus as Corpus]} (e.g. "${
          files[0]
        }")`,
        root,
      );
    }
    folderScans.push({
      dir: root,
      corpus,
      files: files.length,
      rows: pending.length - before,
      matchFraction,
    });
  }

  const probe = options.probe ?? probeAudio;
  const probed: (ProbedAudio | null)[] = new Array(pending.length).fill(null);
  const problems: (string | null)[] = new Array(pending.length).fill(null);
  const corpora = [...new Set(folderScans.map((folder) => folder.corpus))];
  const corpusName = corpora.join("+");
  const bar = options.onProgress || options.silent
    ? null
    : new ProgressBar(`scan ${corpusName}`, pending.length);
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
  const rowsPerFolder = new Map<string, number>();
  pending.forEach((row, index) => {
    const info = probed[index];
    if (info) {
      rows.push({ ...row, duration: info.duration, sampleRate: info.sampleRate });
      const root = seen.get(row.path)!;
      rowsPerFolder.set(root, (rowsPerFolder.get(root) ?? 0) + 1);
    } else {
      unusable({
        path: row.path,
        reason: "audio",
        problem: `cannot read audio header: ${problems[index]}`,
      });
    }
  });
  for (const folder of folderScans) folder.rows = rowsPerFolder.get(folder.dir) ?? 0;
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  rows.sort(byPath);
  badFiles.sort(byPath);
  dropped.sort(byPath);

  const table = rows.length === 0 ? emptyTable() : pl.DataFrame({
    path: pl.Series("path", rows.map((row) => row.path), pl.Utf8),
    corpus: pl.Series("corpus", rows.map((row) => row.corpus), pl.Utf8),
    speaker: pl.Series("speaker", rows.map((row) => row.speaker), pl.Utf8),
    emotion: pl.Series("emotion", rows.map((row) => row.emotion), pl.Utf8),
    label: pl.Series("label", rows.map((row) => row.label), pl.Utf8),
    utterance: pl.Series("utterance", rows.map((row) => row.utterance), pl.Utf8),
    duration: pl.Series("duration", rows.map((row) => row.duration), pl.Float64),
    sampleRate: pl.Series("sampleRate", rows.map((row) => row.sampleRate), pl.Float64),
  });
  const classes = [
    ...new Set(rows.map((row) => row.emotion).filter((e): e is EmotionClass => e !== null)),
  ].sort();
  return {
    table,
    badFiles,
    dropped,
    corpus: corpusName,
    corpora,
    folders: folderScans,
    labels: summarize(policy, rows, dropped, badFiles),
    classes,
  };
}

/**
 * Scans one corpus folder into a table of clips (see {@link scanCorpora} for several).
 *
 * @param dir the corpus folder (e.g. `.../TESS Toronto emotional speech set data` or any folder
 *   above it)
 * @param options scheme, label policy, strictness, duration probe and progress reporting
 * @returns the table, the files left out, the scheme applied and the label-policy summary
 * @throws DatasetError when the folder is missing, holds no audio, no scheme fits it, or
 *   (strict) a file is unusable
 * @example
 * ```ts
 * const { table, labels } = await scanCorpus("data/emodb", { corpus: "emodb" });
 * labels.dropped; // how many boredom clips the default policy left out
 * ```
 */
export function scanCorpus(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
  return scanCorpora([dir], options);
}

/**
 * The class list of a scan table: the distinct `emotion` values in label-encoder (alphabetical)
 * order, which for the 7 emotions is the order of `EMOTIONS`. Under the `"keep"` policy it
 * includes `boredom` / `calm` when present. Use it as `labelFeatureSet`'s `classes`.
 *
 * @param table a table from {@link scanCorpora} (rows without a label are ignored)
 * @throws DatasetError when the table holds a class outside the vocabulary
 * @example
 * ```ts
 * const scan = await scanCorpus("data/TESS");
 * scanClasses(scan.table); // ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"]
 * ```
 */
export function scanClasses(table: pl.DataFrame): EmotionClass[] {
  if (!table.columns.includes("emotion")) {
    throw new DatasetError(`table has no column "emotion" (columns: ${table.columns})`);
  }
  const values = new Set<string>();
  for (const value of table.getColumn("emotion").toArray() as unknown[]) {
    if (value !== null && value !== undefined && value !== "") values.add(String(value));
  }
  const unknown = [...values].filter((value) => !isEmotionClass(value));
  if (unknown.length > 0) {
    throw new DatasetError(`table has classes outside the vocabulary: ${unknown.join(", ")}`);
  }
  return ([...values] as EmotionClass[]).sort();
}

/**
 * A short, printable account of a scan: folders and schemes, clips, speakers, classes, what
 * the label policy did and why, and the unusable files per reason.
 *
 * @param scan a result of {@link scanCorpora}
 * @example
 * ```ts
 * console.log(formatScanSummary(await scanCorpora(["data/TESS", "data/RAVDESS"])));
 * ```
 */
export function formatScanSummary(scan: ScanResult): string {
  const speakers = new Set(
    (scan.table.getColumn("speaker").toArray() as unknown[]).filter((s) => s !== null),
  );
  const lines = scan.folders.map((folder) =>
    `${folder.corpus}: ${folder.rows} clips of ${folder.files} audio files in ${folder.dir}` +
    (folder.corpus === "unlabelled"
      ? ""
      : ` (${(100 * folder.matchFraction).toFixed(0)} % follow its scheme)`)
  );
  lines.push(
    `${scan.table.height} clips, ${speakers.size} speakers, ${scan.classes.length} classes: ` +
      scan.classes.join(", "),
  );
  const { labels } = scan;
  lines.push(
    `label policy "${labels.policy}": ${labels.merged} merged, ${labels.dropped} dropped, ` +
      `${labels.kept} kept as own class`,
  );
  for (const change of labels.changes) {
    lines.push(
      `  ${change.clips} ${change.action}${
        change.action === "merged" ? ` into ${change.into}` : ""
      }: ` +
        change.reason,
    );
  }
  const by = labels.unusableByReason;
  lines.push(
    `${labels.unusable} unusable file(s): ${by.name} name outside the scheme, ${by.label} ` +
      `unknown label, ${by.audio} unreadable audio`,
  );
  return lines.join("\n");
}
