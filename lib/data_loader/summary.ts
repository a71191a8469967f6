/**
 * Table helpers for the scan table: pick rows by index, read a column, and summarise a corpus
 * (counts per emotion / speaker / corpus and duration statistics) for the exploration notebook.
 *
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * import { stratifiedSplit } from "./splits.ts";
 * import { datasetSummary, takeRows } from "./summary.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const split = stratifiedSplit(columnValues(table, "emotion"), { testSize: 0.2, seed: 42 });
 * const summary = datasetSummary(table);
 * summary.byEmotion.toRecords(); // [{ emotion: "angry", displayName: "Angry", count: 400, seconds: 812.3 }, ...]
 * const testTable = takeRows(table, split.test);
 * ```
 * @module
 */
import pl from "nodejs-polars";
import { EMOTION_DISPLAY_NAMES, type EmotionClass, EMOTIONS, isEmotionClass } from "./emotions.ts";
import { DatasetError } from "./errors.ts";

/**
 * The rows of `table` at `indices`, in that order (e.g. a split's `test` indices).
 *
 * @param table any DataFrame
 * @param indices row indices in [0, table.height)
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * import { stratifiedSplit } from "./splits.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const split = stratifiedSplit(columnValues(table, "emotion"), { testSize: 0.2, seed: 42 });
 * const trainTable = takeRows(table, split.train);
 * ```
 */
export function takeRows(table: pl.DataFrame, indices: readonly number[]): pl.DataFrame {
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= table.height) {
      throw new RangeError(`row index ${index} is outside [0, ${table.height})`);
    }
  }
  return pl.DataFrame(table.getColumns().map((column) => column.gather([...indices])));
}

/**
 * A column's values as strings (e.g. labels or groups for the split functions).
 *
 * @param table the scan table (or any DataFrame)
 * @param column the column name, e.g. `"emotion"`, `"speaker"`, `"utterance"`
 * @throws DatasetError naming the column when it is missing
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const speakers = columnValues(table, "speaker"); // ["OAF", "OAF", ..., "YAF"]
 * ```
 */
export function columnValues(table: pl.DataFrame, column: string): string[] {
  if (!table.columns.includes(column)) {
    throw new DatasetError(
      `table has no column "${column}" (columns: ${table.columns.join(", ")})`,
    );
  }
  return (table.getColumn(column).toArray() as unknown[]).map(String);
}

/** What {@link datasetSummary} returns; every part is a DataFrame ready to show or plot. */
export interface DatasetSummary {
  /**
   * emotion, displayName, count, seconds: all 7 emotions (zeros kept) plus any extra class in
   * the table (`calm`, `boredom` under the `"keep"` policy), in alphabetical order. Rows
   * without a label (`unlabelled` folders) are not counted here.
   */
  byEmotion: pl.DataFrame;
  /** corpus, speaker, count, seconds: sorted by corpus then speaker. */
  bySpeaker: pl.DataFrame;
  /** corpus, count, speakers, seconds: sorted by corpus. */
  byCorpus: pl.DataFrame;
  /** corpus, speaker, emotion, count: one row per present combination (for a crosstab). */
  bySpeakerEmotion: pl.DataFrame;
  /** One row: clips, totalSeconds, minSeconds, meanSeconds, medianSeconds, maxSeconds, stdSeconds. */
  duration: pl.DataFrame;
}

function requireColumns(table: pl.DataFrame, columns: readonly string[]): void {
  const missing = columns.filter((column) => !table.columns.includes(column));
  if (missing.length > 0) {
    throw new DatasetError(
      `table lacks column(s) ${missing.join(", ")}; pass a table from scanCorpus`,
    );
  }
}

function countBy<K>(keys: K[], durations: number[], keyOf: (key: K) => string) {
  const counts = new Map<string, { key: K; count: number; seconds: number }>();
  keys.forEach((key, row) => {
    const id = keyOf(key);
    const entry = counts.get(id) ?? { key, count: 0, seconds: 0 };
    entry.count++;
    entry.seconds += durations[row];
    counts.set(id, entry);
  });
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * Counts and duration statistics of a scan table.
 *
 * @param table a table from `scanCorpus` (needs corpus, speaker, emotion and duration columns)
 * @returns per-emotion, per-speaker, per-corpus counts (with total seconds) and duration stats
 *   in seconds (std is the sample standard deviation; NaN for fewer than 2 clips)
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const { byEmotion, duration } = datasetSummary(table);
 * console.log(byEmotion.toString(), duration.toString());
 * ```
 */
export function datasetSummary(table: pl.DataFrame): DatasetSummary {
  requireColumns(table, ["corpus", "speaker", "emotion", "duration"]);
  const corpora = columnValues(table, "corpus");
  const speakers = columnValues(table, "speaker");
  const emotions = columnValues(table, "emotion");
  const durations = (table.getColumn("duration").toArray() as unknown[]).map(Number);

  const emotionCounts = new Map(
    countBy(emotions, durations, (e) => e).map((entry) => [entry.key, entry]),
  );
  emotionCounts.delete("null"); // rows without a label (corpus "unlabelled")
  const unknown = [...emotionCounts.keys()].filter((emotion) => !isEmotionClass(emotion));
  if (unknown.length > 0) {
    throw new DatasetError(`table has emotions outside the vocabulary: ${unknown.join(", ")}`);
  }
  const classes = [
    ...new Set<EmotionClass>([...EMOTIONS, ...emotionCounts.keys()] as EmotionClass[]),
  ]
    .sort();
  const byEmotion = pl.DataFrame({
    emotion: classes,
    displayName: classes.map((emotion) => EMOTION_DISPLAY_NAMES[emotion]),
    count: pl.Series("count", classes.map((e) => emotionCounts.get(e)?.count ?? 0), pl.Int32),
    seconds: classes.map((emotion) => emotionCounts.get(emotion)?.seconds ?? 0),
  });

  const speakerKeys = corpora.map((corpus, row) => [corpus, speakers[row]] as const);
  const speakerRows = countBy(speakerKeys, durations, ([c, s]) => `${c}\u0000${s}`);
  const bySpeaker = pl.DataFrame({
    corpus: pl.Series("corpus", speakerRows.map((r) => r.key[0]), pl.Utf8),
    speaker: pl.Series("speaker", speakerRows.map((r) => r.key[1]), pl.Utf8),
    count: pl.Series("count", speakerRows.map((r) => r.count), pl.Int32),
    seconds: pl.Series("seconds", speakerRows.map((r) => r.seconds), pl.Float64),
  });

  const corpusRows = countBy(corpora, durations, (c) => c);
  const byCorpus = pl.DataFrame({
    corpus: pl.Series("corpus", corpusRows.map((r) => r.key), pl.Utf8),
    count: pl.Series("count", corpusRows.map((r) => r.count), pl.Int32),
    speakers: pl.Series(
      "speakers",
      corpusRows.map((r) => speakerRows.filter((s) => s.key[0] === r.key).length),
      pl.Int32,
    ),
    seconds: pl.Series("seconds", corpusRows.map((r) => r.seconds), pl.Float64),
  });

  const triples = corpora.map((corpus, row) => [corpus, speakers[row], emotions[row]] as const);
  const tripleRows = countBy(triples, durations, (t) => t.join("\u0000"));
  const bySpeakerEmotion = pl.DataFrame({
    corpus: pl.Series("corpus", tripleRows.map((r) => r.key[0]), pl.Utf8),
    speaker: pl.Series("speaker", tripleRows.map((r) => r.key[1]), pl.Utf8),
    emotion: pl.Series("emotion", tripleRows.map((r) => r.key[2]), pl.Utf8),
    count: pl.Series("count", tripleRows.map((r) => r.count), pl.Int32),
  });

  const sorted = [...durations].sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((a, b) => a + b, 0);
  const mean = n > 0 ? total / n : NaN;
  const median = n === 0
    ? NaN
    : n % 2
    ? sorted[(n - 1) / 2]
    : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const variance = n > 1 ? sorted.reduce((acc, d) => acc + (d - mean) ** 2, 0) / (n - 1) : NaN;
  const duration = pl.DataFrame({
    clips: pl.Series("clips", [n], pl.Int32),
    totalSeconds: [total],
    minSeconds: [n > 0 ? sorted[0] : NaN],
    meanSeconds: [mean],
    medianSeconds: [median],
    maxSeconds: [n > 0 ? sorted[n - 1] : NaN],
    stdSeconds: [Math.sqrt(variance)],
  });

  return { byEmotion, bySpeaker, byCorpus, bySpeakerEmotion, duration };
}
