/**
 * Data loading: the 7-emotion vocabulary, corpus scanners (TESS, RAVDESS, CREMA-D, SAVEE,
 * EMO-DB) that turn a folder into a typed table, seeded splits, and a corpus summary.
 *
 * Data flows file -> table (this package) -> samples/features (`lib/audio`, `lib/features`).
 *
 * @example
 * ```ts
 * import { columnValues, scanCorpus, stratifiedSplit, takeRows } from "./lib/data_loader/mod.ts";
 * const { table } = await scanCorpus("/data/TESS");
 * const split = stratifiedSplit(columnValues(table, "emotion"), { testSize: 0.2, seed: 42 });
 * const testTable = takeRows(table, split.test);
 * ```
 * @module
 */
export { DatasetError } from "./errors.ts";
export {
  CORPORA,
  type Corpus,
  CORPUS_LABELS,
  type Emotion,
  EMOTION_DISPLAY_NAMES,
  emotionIndex,
  EMOTIONS,
  isEmotion,
  type LabelPolicy,
  mapCorpusLabel,
} from "./emotions.ts";
export {
  AUDIO_EXTENSIONS,
  CORPUS_SCHEMES,
  detectCorpus,
  parseCorpusPath,
  type ParsedName,
} from "./corpora.ts";
export {
  type AudioProbe,
  type BadFile,
  type DroppedFile,
  listAudioFiles,
  type ProbedAudio,
  SCAN_COLUMNS,
  scanCorpus,
  type ScanOptions,
  type ScanResult,
} from "./scan.ts";
export {
  type Fold,
  type GroupFold,
  groupSplit,
  type GroupSplitIndices,
  type HoldOutOptions,
  kFold,
  type KFoldOptions,
  leaveOneGroupOut,
  type SplitIndices,
  stratifiedSplit,
} from "./splits.ts";
export { columnValues, type DatasetSummary, datasetSummary, takeRows } from "./summary.ts";
