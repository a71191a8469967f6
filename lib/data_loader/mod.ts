/**
 * Data loading: the emotion vocabulary and label policy, corpus scanners (TESS, RAVDESS,
 * CREMA-D, SAVEE, EMO-DB) that turn one or several folders into one typed table, seeded splits,
 * and a corpus summary.
 *
 * Data flows file -> table (this package) -> samples/features (`lib/audio`, `lib/features`).
 *
 * @example
 * ```ts
 * import { columnValues, scanCorpora, stratifiedSplit, takeRows } from "./mod.ts";
 * const { table, classes, labels } = await scanCorpora(["/data/TESS", "/data/RAVDESS"]);
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
  DEFAULT_LABEL_POLICY,
  type Emotion,
  EMOTION_DISPLAY_NAMES,
  type EmotionClass,
  emotionIndex,
  EMOTIONS,
  EXTRA_CLASSES,
  type ExtraClass,
  isEmotion,
  isEmotionClass,
  isLabelPolicy,
  LABEL_POLICIES,
  type LabelMapping,
  type LabelPolicy,
  mapCorpusLabel,
  MERGE_TARGETS,
} from "./emotions.ts";
export {
  AUDIO_EXTENSIONS,
  CORPUS_SCHEMES,
  type CorpusDetection,
  detectCorpus,
  MIN_MATCH_FRACTION,
  parseCorpusPath,
  type ParsedName,
  schemeMatches,
  speakerId,
} from "./corpora.ts";
export {
  type AudioProbe,
  type BadFile,
  type BadFileReason,
  type CorpusFolder,
  type CorpusKind,
  type DroppedFile,
  type FolderScan,
  formatScanSummary,
  type LabelChange,
  type LabelSummary,
  listAudioFiles,
  type ProbedAudio,
  SCAN_COLUMNS,
  scanClasses,
  scanCorpora,
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
export {
  downloadAndExtract,
  type DownloadAndExtractOptions,
  downloadFile,
  type DownloadOptions,
  type DownloadResult,
  extractZip,
  hasUnzip,
  sha256File,
  TESS_SOURCE,
} from "./download.ts";
export {
  DEMO_EMOTIONS,
  DEMO_README,
  DEMO_SPEAKERS,
  DEMO_WORDS,
  demoClipPath,
  type DemoCorpusOptions,
  type DemoCorpusResult,
  type DemoSpeaker,
  EMOTION_PROSODY,
  espeakArgs,
  findEspeak,
  generateDemoCorpus,
  type ProsodyStyle,
} from "./demo_corpus.ts";
