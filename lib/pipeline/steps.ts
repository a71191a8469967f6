/**
 * The project's steps as the notebooks and `deno task pipeline` run them, with the files each
 * step leaves for the next, so every notebook can be opened on its own once the earlier ones
 * have run:
 *
 * | step | reads | writes |
 * |---|---|---|
 * | 01 exploration | the corpus folder (or the demo corpus) | `outputs/dataset.csv` |
 * | 02 features | `outputs/dataset.csv`, audio | `outputs/features/dataset.features` |
 * | 03 training | features, dataset | a run folder `models/runs/<id>/` (`<name>_best/`, `label_encoder.json`, `config.json`, `resume/` backups), promoted as `models/current`; `logs/<name>/`, `outputs/split.json` |
 * | 04 evaluation | the promoted model set, features, split | `outputs/*.png|html`, `outputs/project_report.json` |
 *
 * All paths come from the config (`modelsDir`, `outputsDir`, `logsDir`, `cacheDir`) and are
 * resolved against the project root. The files in `outputs/` store the paths of clips inside the
 * project folder (the folder holding `outputs/`, e.g. the demo corpus in `data/demo`) relative to
 * it, and other paths absolute, so a project can be moved or copied; a clip that is no longer
 * where the file says is an error that says which notebook to rerun.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const config = loadConfig();
 * const dataset = await scanDataset(config);
 * const features = await extractDatasetFeatures(config, dataset.table);
 * ```
 * @module
 */
import pl from "nodejs-polars";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import {
  type Config,
  dataDirs,
  type ModelName,
  POOLED_MODEL_NAMES,
  projectPath,
} from "../../config.ts";
import { type AugmentationPolicy, DEFAULT_AUGMENTATION_POLICY } from "../augment/mod.ts";
import {
  DEFAULT_VOICE_ADAPTATION,
  ensemblePooledSpec,
  logisticPooledSpec,
  type ModelRun,
  type PooledSpec,
  type PromotedRun,
  promoteRun,
  startRun,
  svmPooledSpec,
} from "../models/mod.ts";
import {
  type BadFile,
  type CorpusKind,
  type DroppedFile,
  type EmotionClass,
  type FolderScan,
  type LabelSummary,
  scanClasses,
  scanCorpora,
} from "../data_loader/mod.ts";
import { findEspeak, generateDemoCorpus } from "../data_loader/mod.ts";
import {
  clipMatrix,
  extractFeatureSet,
  type FeatureSet,
  loadFeatureSet,
  saveFeatureSet,
} from "../features/mod.ts";
import { cnnSpec, gruSpec, hybridSpec, lstmSpec, type ModelSpec } from "../models/mod.ts";
import { type Figure, saveFigureHtml, saveFigurePng, show } from "../visualizer/mod.ts";
import { inJupyter, writeJsonAtomic, writeTextAtomic } from "../util/mod.ts";
import { isHeadlessNotebookRun } from "./notebook_runner.ts";
import { EventFileWriter, type HparamValue, StopOnRequest } from "../trainer/mod.ts";

/** Folder of the generated demo corpus, relative to the project root. */
export const DEMO_CORPUS_DIR = "data/demo";

/** Where each step's files live for a config (absolute paths). */
export interface ProjectPaths {
  /**
   * The project folder: the folder holding `outputsDir` (normally the project root). Paths
   * inside it are stored relative to it in `outputs/` files.
   */
  projectDir: string;
  modelsDir: string;
  outputsDir: string;
  logsDir: string;
  cacheDir: string;
  datasetCsv: string;
  datasetInfo: string;
  features: string;
  split: string;
  report: string;
  /** `models/STOP`: create it to stop a running training step (see {@link trainingControl}). */
  stopFile: string;
  /**
   * `models/<name>_best`: the layout before model sets.
   * @deprecated training writes into a run folder: use {@link beginTrainingRun}'s `modelDir`.
   */
  modelDir(name: string): string;
  /**
   * `logs/<name>`.
   * @deprecated one folder per training run: use {@link trainingLogDir}.
   */
  logDir(name: string): string;
}

/** The files of every step for `config`. */
export function projectPaths(config: Config): ProjectPaths {
  const modelsDir = projectPath(config.modelsDir);
  const outputsDir = projectPath(config.outputsDir);
  const logsDir = projectPath(config.logsDir);
  return {
    projectDir: dirname(outputsDir),
    modelsDir,
    outputsDir,
    logsDir,
    cacheDir: projectPath(config.cacheDir),
    datasetCsv: `${outputsDir}/dataset.csv`,
    datasetInfo: `${outputsDir}/dataset.json`,
    features: `${outputsDir}/features/dataset.features`,
    split: `${outputsDir}/split.json`,
    report: `${outputsDir}/project_report.json`,
    stopFile: `${modelsDir}/STOP`,
    modelDir: (name) => `${modelsDir}/${name}_best`,
    logDir: (name) => `${logsDir}/${name}`,
  };
}

/** Where the audio comes from. */
export interface DataSource {
  /** The corpus folders, absolute, comma-separated (one folder: just its path). */
  dir: string;
  /** The corpus folders, absolute, in config order. */
  dirs: string[];
  /** True for the synthetic demo corpus (not emotional speech). */
  demo: boolean;
}

/**
 * The corpus folders for `config`: `config.dataDir` (one folder, or several comma-separated)
 * when set, else the demo corpus, which is synthesized with espeak-ng the first time (about
 * 280 clips; idempotent).
 *
 * @throws Error when a `dataDir` folder is missing, or the demo corpus is needed and espeak-ng
 *   is not installed (the message says how to fix either)
 */
export async function resolveDataSource(
  config: Config,
  options: { demoWords?: number; silent?: boolean } = {},
): Promise<DataSource> {
  const configured = dataDirs(config);
  if (configured.length > 0) {
    const dirs = configured.map(projectPath);
    for (const dir of dirs) {
      try {
        if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a folder");
      } catch {
        throw new Error(
          `${dir}: corpus folder not found (set SER_DATA_DIR or config.dataDir to a folder of ` +
            `WAV/FLAC files, e.g. TESS, or several separated by commas; deno task ` +
            `download-tess fetches TESS)`,
        );
      }
    }
    return { dir: dirs.join(","), dirs, demo: false };
  }
  const dir = projectPath(DEMO_CORPUS_DIR);
  if (!findEspeak()) {
    try {
      await Deno.stat(dir);
      return { dir, dirs: [dir], demo: true };
    } catch {
      throw new Error(
        "no corpus configured (SER_DATA_DIR is empty) and the demo corpus cannot be made: " +
          "espeak-ng is not installed (run bash tools/setup.sh, or apt-get install espeak-ng)",
      );
    }
  }
  await generateDemoCorpus({ outDir: dir, words: options.demoWords, silent: options.silent });
  return { dir, dirs: [dir], demo: true };
}

/**
 * Settings the pipeline uses for the synthetic demo corpus unless the user set them: the demo only
 * shows every step working (its clips are not emotional speech), so fewer epochs, folds and
 * models keep `bash tools/setup.sh --run` to a few minutes.
 */
export const DEMO_PROFILE: Readonly<Partial<Config>> = Object.freeze({
  models: ["ensemble", "gru"] as ModelName[],
  epochs: 15,
  evalEpochs: 5,
  cvFolds: 2,
  patience: 5,
  // 196 clips train in short fits of a dozen batches an epoch: a second thread's start-up and
  // per-batch hand-overs cost more than it saves there.
  trainingWorkers: 1,
});

/**
 * The demo profile's fields that neither `explicit` (command-line or notebook overrides) nor a
 * `SER_*` variable in `env` sets: what the pipeline adds for the demo corpus.
 */
export function demoProfileOverrides(
  explicit: Partial<Config>,
  env: Record<string, string | undefined>,
): Partial<Config> {
  const chosen: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(DEMO_PROFILE)) {
    const envName = `SER_${field.replace(/([A-Z])/g, "_$1").toUpperCase()}`;
    if (field in explicit || env[envName] !== undefined) continue;
    chosen[field] = value;
  }
  return chosen as Partial<Config>;
}

/** The scanned dataset and where it came from. */
export interface Dataset {
  source: DataSource;
  /** The schemes applied, joined with `+` in folder order (e.g. `tess+ravdess`). */
  corpus: string;
  /** The distinct schemes applied, in folder order. */
  corpora: CorpusKind[];
  /** Per folder: scheme, audio files, rows. */
  folders: FolderScan[];
  /**
   * One row per clip: path, corpus, speaker (corpus-qualified, `tess:OAF`), emotion, label,
   * utterance, duration, sampleRate.
   */
  table: pl.DataFrame;
  /** The classes in the table, label-encoder order (pass to `labelFeatureSet`). */
  classes: EmotionClass[];
  /** What the label policy did (merged / dropped / kept clips and why). */
  labels: LabelSummary;
  /** Files that could not be used, with the reason. */
  badFiles: BadFile[];
  /** Files the label policy left out. */
  dropped: DroppedFile[];
}

/**
 * Scans the configured corpus folder(s) (generating the demo corpus when none is set) under
 * `config.labelPolicy`, writes the table to `outputs/dataset.csv` and the rest of the
 * {@link Dataset} (folders, label summary, unusable and dropped files) to
 * `outputs/dataset.json`.
 */
export async function scanDataset(
  config: Config,
  options: { silent?: boolean } = {},
): Promise<Dataset> {
  const source = await resolveDataSource(config, options);
  const scan = await scanCorpora(source.dirs, {
    silent: options.silent,
    labelPolicy: config.labelPolicy,
  });
  const paths = projectPaths(config);
  const { table, ...info } = { source, ...scan };
  const stored = (path: string) => storedPath(path, paths.projectDir);
  const storedPaths = (table.getColumn("path").toArray() as unknown[]).map((p) =>
    stored(String(p))
  );
  const storedTable = table.withColumn(pl.Series("path", storedPaths, pl.Utf8));
  await writeTextAtomic(paths.datasetCsv, storedTable.writeCSV().toString());
  await writeJsonAtomic(paths.datasetInfo, {
    ...info,
    source: { ...source, dir: source.dirs.map(stored).join(","), dirs: source.dirs.map(stored) },
    folders: info.folders.map((folder) => ({ ...folder, dir: stored(folder.dir) })),
    badFiles: info.badFiles.map((file) => ({ ...file, path: stored(file.path) })),
    dropped: info.dropped.map((file) => ({ ...file, path: stored(file.path) })),
    clips: table.height,
  });
  return { source, ...scan };
}

/**
 * `path` relative to the project folder `base` when it lies inside it (so the project can move),
 * else unchanged (a corpus elsewhere stays where it is when the project moves).
 */
function storedPath(path: string, base: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(base, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** The inverse of {@link storedPath}: absolute paths as they are, relative ones under `base`. */
function loadedPath(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/**
 * Throws when clips listed in `file` are not on disk: the corpus or the project moved (or was
 * changed) since the notebook that wrote `file` ran. Checks every path (a stat each, ~10 µs).
 */
function assertClipsExist(paths: readonly string[], file: string, rerun: string): void {
  const missing = paths.filter((path) => {
    try {
      return !Deno.statSync(path).isFile;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  throw new Error(
    `${file}: ${missing.length} of ${paths.length} clips it lists are not found (first: ` +
      `${missing[0]}); the corpus or the project moved or changed since it was written: rerun ` +
      rerun,
  );
}

/**
 * The dataset saved by {@link scanDataset} (the exploration notebook), or a fresh scan when it
 * has not run yet or ran on other folders or under another label policy than `config`'s.
 */
export async function loadDataset(config: Config): Promise<Dataset> {
  const paths = projectPaths(config);
  let info: Omit<Dataset, "table">;
  try {
    info = JSON.parse(await Deno.readTextFile(paths.datasetInfo));
  } catch {
    return await scanDataset(config);
  }
  const base = paths.projectDir;
  if (Array.isArray(info.source?.dirs)) {
    const dirs = info.source.dirs.map((dir) => loadedPath(dir, base));
    info = {
      ...info,
      source: { ...info.source, dirs, dir: dirs.join(",") },
      folders: (info.folders ?? []).map((folder) => ({
        ...folder,
        dir: loadedPath(folder.dir, base),
      })),
      badFiles: (info.badFiles ?? []).map((file) => ({
        ...file,
        path: loadedPath(file.path, base),
      })),
      dropped: (info.dropped ?? []).map((file) => ({ ...file, path: loadedPath(file.path, base) })),
    };
  }
  // A dataset.json from before multi-folder scans, or from other folders or another label
  // policy than the config's: rescan rather than hand on a table the config did not ask for.
  const configured = dataDirs(config).map((dir) => resolve(projectPath(dir)));
  const sameSource = Array.isArray(info.source?.dirs) &&
    (configured.length === 0
      ? info.source.demo
      : configured.join("\u0000") === info.source.dirs.map((dir) => resolve(dir)).join("\u0000"));
  if (!info.labels || info.labels.policy !== config.labelPolicy || !sameSource) {
    return await scanDataset(config);
  }
  let csv: string;
  try {
    csv = await Deno.readTextFile(paths.datasetCsv);
  } catch {
    return await scanDataset(config);
  }
  const stored = pl.readCSV(csv, {
    dtypes: {
      path: pl.Utf8,
      corpus: pl.Utf8,
      speaker: pl.Utf8,
      emotion: pl.Utf8,
      label: pl.Utf8,
      utterance: pl.Utf8,
      duration: pl.Float64,
      sampleRate: pl.Float64,
    },
  });
  const clipPaths = (stored.getColumn("path").toArray() as unknown[]).map((p) =>
    loadedPath(String(p), base)
  );
  assertClipsExist(clipPaths, paths.datasetCsv, "notebooks/01_data_exploration.ipynb, then 02");
  const table = stored.withColumn(pl.Series("path", clipPaths, pl.Utf8));
  return { ...info, table, classes: scanClasses(table) };
}

/**
 * Extracts the features of every clip in `table` (all cores, cached in `config.cacheDir`) and
 * saves them to `outputs/features/dataset.features`.
 */
export async function extractDatasetFeatures(
  config: Config,
  table: pl.DataFrame,
  options: { progress?: boolean; workers?: number } = {},
): Promise<FeatureSet & { timing: Awaited<ReturnType<typeof extractFeatureSet>>["timing"] }> {
  const paths = projectPaths(config);
  const files = (table.getColumn("path").toArray() as unknown[]).map(String);
  const set = await extractFeatureSet(files, config, {
    cacheDir: paths.cacheDir,
    progress: options.progress,
    workers: options.workers,
  });
  await saveFeatureSet(set, paths.features, { baseDir: paths.projectDir });
  return set;
}

/**
 * The features saved by {@link extractDatasetFeatures}, checked against the config's feature
 * settings (a stale file from other settings is an error that says to rerun extraction).
 */
export async function loadDatasetFeatures(config: Config): Promise<FeatureSet> {
  const path = projectPaths(config).features;
  let set: FeatureSet;
  try {
    set = await loadFeatureSet(path);
  } catch (error) {
    if (!(error instanceof Error) || !/not found/.test(error.message)) throw error;
    throw new Error(`${path}: feature file not found: run notebooks/02_feature_extraction.ipynb`);
  }
  const wanted = JSON.stringify([
    config.sampleRate,
    config.duration,
    config.nFft,
    config.hopLength,
    config.nMfcc,
    config.nMels,
    config.features,
  ]);
  const s = set.settings;
  const have = JSON.stringify([
    s.sampleRate,
    s.duration,
    s.nFft,
    s.hopLength,
    s.nMfcc,
    s.nMels,
    s.features,
  ]);
  if (wanted !== have) {
    throw new Error(
      `${path}: features were computed with other settings (${have}) than the config's ` +
        `(${wanted}); rerun notebooks/02_feature_extraction.ipynb`,
    );
  }
  assertClipsExist(set.paths, path, "notebooks/02_feature_extraction.ipynb (after 01)");
  return set;
}

/**
 * The augmentation of the pooled models' training clips that `config.augmentCopies` asks for
 * (`lib/augment`'s default policy, `config.seed`), or undefined for none.
 */
export function pooledAugmentation(
  config: Config,
): { policy: AugmentationPolicy; seed: number } | undefined {
  if (config.augmentCopies <= 0) return undefined;
  return {
    policy: { ...DEFAULT_AUGMENTATION_POLICY, copies: config.augmentCopies },
    seed: config.seed,
  };
}

/** True for the names of pooled-functionals models (`ensemble`, `svm`, `logistic`). */
export function isPooledModel(name: string): boolean {
  return (POOLED_MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * The pooled spec behind `ensemble`, `svm` or `logistic`.
 *
 * @param options.voiceAdaptation self-train on each new voice's clips (`config.voiceAdaptation`;
 *   default true): {@link DEFAULT_VOICE_ADAPTATION}
 */
export function pooledModelSpec(
  name: ModelName,
  options: { voiceAdaptation?: boolean } = {},
): PooledSpec {
  const overrides = options.voiceAdaptation === false
    ? {}
    : { voiceAdaptation: DEFAULT_VOICE_ADAPTATION };
  switch (name) {
    case "svm":
      return svmPooledSpec(overrides);
    case "logistic":
      return logisticPooledSpec(overrides);
    case "ensemble":
      return ensemblePooledSpec(overrides);
  }
  throw new Error(`"${name}" is not a pooled model (pooled: ${POOLED_MODEL_NAMES.join(", ")})`);
}

/** The sequence-model spec behind each other name in `config.models`. */
export function modelSpec(name: ModelName, config: Config): ModelSpec {
  switch (name) {
    case "lstm":
      return lstmSpec(config);
    case "gru":
      return gruSpec(config);
    case "hybrid":
      return { ...hybridSpec(config, "lstm"), name: "hybrid" };
    case "hybrid_gru":
      return hybridSpec(config, "gru");
    case "cnn":
      return cnnSpec(config);
  }
  throw new Error(`"${name}" is a pooled model: use pooledModelSpec`);
}

/** Train/validation/test clip indices, saved so evaluation scores the same test clips. */
export interface SavedSplit {
  train: number[];
  val: number[];
  test: number[];
  /** The feature rows' paths, to detect a split that no longer matches the features. */
  paths: string[];
  seed: number;
}

/** Saves a split next to the features (`outputs/split.json`; paths stored as in the other outputs). */
export async function saveSplit(config: Config, split: SavedSplit): Promise<void> {
  const paths = projectPaths(config);
  await writeJsonAtomic(paths.split, {
    ...split,
    paths: split.paths.map((path) => storedPath(path, paths.projectDir)),
  });
}

/** Loads the split saved by the training step, checked against the feature rows. */
export async function loadSplit(config: Config, features: FeatureSet): Promise<SavedSplit> {
  const { split: path, projectDir } = projectPaths(config);
  let split: SavedSplit;
  try {
    split = JSON.parse(await Deno.readTextFile(path));
  } catch {
    throw new Error(`${path}: no saved split; run notebooks/03_training.ipynb first`);
  }
  split = { ...split, paths: split.paths.map((p) => loadedPath(p, projectDir)) };
  if (
    split.paths.length !== features.paths.length ||
    split.paths.some((p, i) => p !== features.paths[i])
  ) {
    throw new Error(`${path}: the split does not match the current features; rerun training`);
  }
  return split;
}

/**
 * Shows a figure inline (in Jupyter) and saves it as `outputs/<name>.html` (offline: the chart
 * pages share one `outputs/plotly-<version>.min.js`). With `png: true` it also writes
 * `outputs/<name>.png` through headless Chromium (when installed), but only where a report is
 * being made: in a headless run (`deno task pipeline`, see `isHeadlessNotebookRun`) or outside
 * Jupyter, not on every interactive rerun of a cell (a PNG takes seconds); `png: "always"`
 * writes it everywhere. Returns the files written.
 */
export async function publishFigure(
  config: Config,
  figure: Figure,
  name: string,
  options: { png?: boolean | "always"; width?: number; height?: number } = {},
): Promise<string[]> {
  await show(figure);
  const base = `${projectPaths(config).outputsDir}/${name}`;
  await saveFigureHtml(figure, `${base}.html`);
  const written = [`${base}.html`];
  const png = options.png === "always" ||
    (options.png === true && (isHeadlessNotebookRun() || !inJupyter()));
  if (png) {
    const ok = await saveFigurePng(figure, `${base}.png`, {
      width: options.width,
      height: options.height,
    });
    if (ok) written.push(`${base}.png`);
  }
  return written;
}

/** The first clip (by path) of each emotion: examples for waveform and spectrogram plots. */
export function exampleClips(table: pl.DataFrame): { emotion: string; path: string }[] {
  const paths = (table.getColumn("path").toArray() as unknown[]).map(String);
  const emotions = (table.getColumn("emotion").toArray() as unknown[]).map(String);
  const first = new Map<string, string>();
  paths.forEach((path, row) => {
    const current = first.get(emotions[row]);
    if (current === undefined || path < current) first.set(emotions[row], path);
  });
  return [...first.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([emotion, path]) => ({
    emotion,
    path,
  }));
}

/**
 * One feature family's frames of one clip of a feature set, e.g. its MFCC block for a
 * spectrogram-style figure: the columns named `<family>_0`, `<family>_1`, ... (or just
 * `<family>` for a one-column family), copied frame by frame.
 *
 * @param features the feature set
 * @param row the clip's row (its index in `features.paths`)
 * @param family a feature family of the set, e.g. `mfcc`, `mel`, `chroma`
 * @returns `frames x width` values, frame-major, with their shape
 * @throws RangeError when the row is out of range or the set has no such family (the message
 *   lists the families it has)
 * @example
 * ```ts ignore
 * const mfcc = clipFeatureBlock(features, 0, "mfcc"); // { frames: 130, width: 40, data }
 * ```
 */
export function clipFeatureBlock(
  features: FeatureSet,
  row: number,
  family: string,
): { frames: number; width: number; data: Float32Array } {
  if (!Number.isInteger(row) || row < 0 || row >= features.paths.length) {
    throw new RangeError(
      `clipFeatureBlock: clip row ${row} out of range 0..${features.paths.length - 1}`,
    );
  }
  const familyOf = (column: string) => column.replace(/_\d+$/, "");
  const columns: number[] = [];
  features.columns.forEach((column, index) => {
    if (familyOf(column) === family) columns.push(index);
  });
  if (columns.length === 0) {
    const present = [...new Set(features.columns.map(familyOf))].join(", ");
    throw new RangeError(
      `clipFeatureBlock: no "${family}" columns in this feature set (it has: ${present})`,
    );
  }
  const offset = columns[0];
  const width = columns.length;
  if (columns.at(-1)! - offset + 1 !== width) {
    throw new RangeError(`clipFeatureBlock: the "${family}" columns are not contiguous`);
  }
  const clip = clipMatrix(features, row);
  const data = new Float32Array(features.frames * width);
  for (let f = 0; f < features.frames; f++) {
    const from = f * features.width + offset;
    data.set(clip.subarray(from, from + width), f * width);
  }
  return { frames: features.frames, width, data };
}

/** A training run's folder and where each model's files go in it (see {@link beginTrainingRun}). */
export interface TrainingRun extends ModelRun {
  /** `models/runs/<id>/<name>_best`: the model's best checkpoint, part of the set. */
  modelDir(name: string): string;
  /** `models/runs/<id>/resume/<name>`: the model's epoch backups (not part of the set). */
  resumeDir(name: string): string;
}

/**
 * Starts the training step's run folder `models/runs/<id>/`, after tidying what killed runs
 * left (temp files, dead runs; listed in `cleanup`). With `resume`, an unfinished run is picked
 * up instead, and each model's training continues from its last epoch backup when it is trained
 * with `resumeDir: run.resumeDir(name)`. Save every file of the set into `run.dir`, then
 * {@link promoteTrainingRun}; until then `predict` and notebook 04 keep using the previous set.
 *
 * @param config the project config (its `modelsDir`, and `seed` and `models`, kept in `run.json`)
 * @param options `resume`: continue the newest unfinished run (default false: start afresh and
 *   remove unfinished runs)
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const config = loadConfig();
 * const run = await beginTrainingRun(config, { resume: true });
 * // trainModel(spec, data, { ..., checkpointDir: run.modelDir("gru"), resumeDir: run.resumeDir("gru") })
 * ```
 */
export async function beginTrainingRun(
  config: Config,
  options: { resume?: boolean } = {},
): Promise<TrainingRun> {
  const run = await startRun(projectPaths(config).modelsDir, {
    resume: options.resume,
    info: { seed: config.seed, models: config.models },
  });
  for (const line of [...run.cleanup.temps, ...run.cleanup.removedRuns]) {
    console.log(`models: tidied ${line}`);
  }
  for (const line of run.cleanup.problems) console.warn(`models: ${line}`);
  if (run.resumed) console.log(`models: resuming the unfinished training run ${run.dir}`);
  return {
    ...run,
    modelDir: (name) => `${run.dir}/${name}_best`,
    resumeDir: (name) => `${run.dir}/resume/${name}`,
  };
}

/**
 * Promotes a completed training run: its files get a SHA-256 manifest and `models/current`
 * points at it, in one atomic step; the previous sets stay (the last 2) until superseded.
 *
 * @param config the project config (its `modelsDir`)
 * @param run the run from {@link beginTrainingRun}, with every file of the set saved
 * @example
 * ```ts
 * import type { Config } from "../../config.ts";
 * import type { LabelledSet } from "./sequence_training.ts";
 * import { saveLabelEncoder } from "../inference/mod.ts";
 * async function example(config: Config, data: LabelledSet) {
 *   const run = await beginTrainingRun(config);
 *   // ... train and save every model of the set into run.dir ...
 *   await saveLabelEncoder(run.dir, data.classes);
 *   await promoteTrainingRun(config, run);
 * }
 * ```
 */
export function promoteTrainingRun(config: Config, run: ModelRun): Promise<PromotedRun> {
  return promoteRun(projectPaths(config).modelsDir, run.id);
}

/**
 * How the training step can be stopped from outside (see {@link trainingControl}): one stop
 * file and an optional time budget shared by every model of the step.
 */
export interface TrainingControl {
  /** The stop file, `models/STOP`: create it (`touch models/STOP`) to stop training. */
  readonly stopFile: string;
  /** Minutes of training allowed to the whole step (0: no budget). */
  readonly minutes: number;
  /** When the budget runs out, in ms since the Unix epoch (undefined: no budget). */
  readonly deadline: number | undefined;
  /** Why training was stopped, once a stop file or the budget stopped a model; else undefined. */
  readonly stopped: string | undefined;
  /**
   * A fresh callback for one model's `fit` (`trainModel(..., { callbacks: [control.callback()] })`):
   * it ends training after the current batch when the stop file appears or the budget runs out.
   */
  callback(): StopOnRequest;
  /**
   * True (with a line saying so) when an earlier model was stopped, or the stop file appeared
   * since the last model ended: the step skips the models after it and promotes those trained
   * so far.
   */
  skip(name: string): boolean;
}

/**
 * Stopping the training step from outside the notebook. The Deno kernel ignores the notebook's
 * Stop button while a cell runs (denoland/deno#24491), so a long training is stopped with a
 * file: create `models/STOP` (`touch models/STOP` in a terminal, JupyterLab's "New File", or
 * {@link requestTrainingStop} from another kernel) and the model in training ends after its
 * current batch, keeping its best weights so far; the models after it are skipped. A time
 * budget (`minutes`, or the config's `trainingMinutes`; 0 = none) stops the same
 * way once the step has run that long. A stop file left from before is removed here.
 *
 * @param config the project config (its `modelsDir`)
 * @param options `minutes`: the step's time budget (default: `config.trainingMinutes`);
 *   `now`: clock in ms (tests)
 * @example
 * ```ts
 * import type { Config } from "../../config.ts";
 * import type { LabelledSet } from "./sequence_training.ts";
 * import { trainModel } from "./sequence_training.ts";
 * import type { SplitIndices } from "../data_loader/mod.ts";
 * async function example(config: Config, data: LabelledSet, split: SplitIndices) {
 *   const control = await trainingControl(config, { minutes: 30 });
 *   for (const name of config.models) {
 *     if (control.skip(name)) continue;
 *     await trainModel(modelSpec(name, config), data, { config, ...split, callbacks: [control.callback()] });
 *   }
 * }
 * ```
 */
export async function trainingControl(
  config: Config,
  options: { minutes?: number; now?: () => number } = {},
): Promise<TrainingControl> {
  const stopFile = projectPaths(config).stopFile;
  const minutes = options.minutes ??
    config.trainingMinutes;
  if (!(minutes >= 0)) {
    throw new Error(`trainingControl: minutes must be >= 0 (0: no budget), got ${minutes}`);
  }
  try {
    await Deno.remove(stopFile);
    console.log(`training: removed the stop file ${stopFile} left from an earlier run`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const now = options.now ?? Date.now;
  const deadline = minutes > 0 ? now() + minutes * 60_000 : undefined;
  let stopped: string | undefined;
  return {
    stopFile,
    minutes,
    deadline,
    get stopped() {
      return stopped;
    },
    callback: () =>
      new StopOnRequest({
        stopFile,
        deadline,
        budgetName: `the training time budget (${minutes} min)`,
        now,
        onStop: (reason) => (stopped ??= reason),
      }),
    skip: (name) => {
      // A stop file that appeared between two models (e.g. while the ensemble trained) stops
      // the step before the next one starts.
      if (stopped === undefined && existsSync(stopFile)) {
        stopped = `stop file ${stopFile} found`;
        Deno.removeSync(stopFile);
      }
      if (stopped === undefined) return false;
      console.log(`${name}: skipped, training was stopped (${stopped})`);
      return true;
    },
  };
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks a running training step to stop after its current batch, by creating its stop file (see
 * {@link trainingControl}); for a second kernel or a script, as the training notebook's own
 * kernel is busy. The same as `touch models/STOP`.
 */
export async function requestTrainingStop(config: Config): Promise<string> {
  const stopFile = projectPaths(config).stopFile;
  await Deno.mkdir(dirname(stopFile), { recursive: true });
  await Deno.writeTextFile(stopFile, `stop requested at ${new Date().toISOString()}\n`);
  return stopFile;
}

/** The hyperparameters that tell one training of `name` from another (for logs and TensorBoard). */
export function trainingHparams(config: Config, name: ModelName): Record<string, HparamValue> {
  const hparams: Record<string, HparamValue> = {
    model: name,
    learning_rate: config.learningRate,
    batch_size: config.batchSize,
    epochs: config.epochs,
    dropout: config.dropout,
    ema_momentum: config.emaMomentum,
    patience: config.patience,
    seed: config.seed,
    label_policy: config.labelPolicy,
    data: config.dataDir || "demo",
  };
  if (name === "gru" || name === "hybrid_gru") hparams.units = config.gruUnits.join(",");
  else if (!isPooledModel(name)) hparams.units = config.lstmUnits.join(",");
  return hparams;
}

/**
 * The TensorBoard folder of one model's training in one run:
 * `logs/<run id>_<model>_lr<rate>_bs<batch>[_u<units>]_do<dropout>/` (the run id is its start
 * time, `20261130T091500123Z`), so every training run is a run of its own in TensorBoard and
 * `tensorboard --logdir logs` compares them. A resumed run gets the same folder back and its
 * epochs (the steps) continue where the backup left off. The first call writes `hparams.json`
 * and a TensorBoard HParams event (the dashboard's "HPARAMS" tab), once; `trainModel` adds the
 * scalars (`train/`, `validation/`) and `history.jsonl`.
 *
 * @param config the project config (`logsDir` and the hyperparameters)
 * @param run the training run (its id)
 * @param name the model
 * @example
 * ```ts
 * import type { Config } from "../../config.ts";
 * import type { LabelledSet } from "./sequence_training.ts";
 * import { trainModel } from "./sequence_training.ts";
 * import type { SplitIndices } from "../data_loader/mod.ts";
 * async function example(config: Config, data: LabelledSet, split: SplitIndices) {
 *   const trainingRun = await beginTrainingRun(config);
 *   const logDir = await trainingLogDir(config, trainingRun, "gru");
 *   await trainModel(modelSpec("gru", config), data, { config, ...split, logDir });
 * }
 * ```
 */
export async function trainingLogDir(
  config: Config,
  run: { id: string },
  name: ModelName,
): Promise<string> {
  const hparams = trainingHparams(config, name);
  const parts = [
    run.id,
    name,
    `lr${config.learningRate.toExponential().replace("e+", "e").replace(".0e", "e")}`,
    `bs${config.batchSize}`,
  ];
  if (typeof hparams.units === "string") parts.push(`u${hparams.units.replace(/,/g, "-")}`);
  parts.push(`do${config.dropout}`);
  const dir = join(projectPaths(config).logsDir, parts.join("_").replace(/[^\w.,=+-]/g, "-"));
  const info = join(dir, "hparams.json");
  try {
    await Deno.stat(info);
    return dir; // a resumed run: its hyperparameters are already there
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dir, { recursive: true });
  const writer = await EventFileWriter.create(dir);
  try {
    await writer.addHparams(hparams);
  } finally {
    writer.close();
  }
  await writeJsonAtomic(info, { run: run.id, ...hparams });
  return dir;
}
