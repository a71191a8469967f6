/**
 * Generalisation protocols for pooled classifiers on utterance functionals: the folds the field
 * uses to measure what happens on voices (and corpora) a model has never heard, and one runner
 * that scores a {@link PooledSpec} on them with accuracy (WA) and unweighted average recall (UA).
 *
 * - TESS cross-speaker: train on one actress, test on the other, both directions.
 * - RAVDESS 6 x 4 actors: fold k tests actors 4k+1..4k+4 and trains on the other 20.
 * - The cross-corpus matrix (train on A, test on B) when several corpora are loaded, and leave
 *   one corpus out when three or more are (with two it is the same two folds).
 * - A random stratified split (the seed's protocol), for comparison.
 *
 * Speaker normalisation uses each speaker's own clips without their labels (test speakers
 * included: that is what a deployed model can do with a few clips of a new voice); no fold ever
 * has a speaker on both sides, which {@link runPooledProtocol} checks.
 *
 * @example
 * ```ts ignore
 * const data = utteranceData(set, scan.table, scan.classes);
 * const result = runPooledProtocol(data, ravdessActorFolds(data), ensemblePooledSpec());
 * console.log(result.ua.mean);
 * ```
 * @module
 */
import type pl from "nodejs-polars";
import { columnValues, stratifiedSplit } from "../data_loader/mod.ts";
import { computeMetrics, type MeanStd, meanStd, type MetricsResult } from "../evaluate/mod.ts";
import {
  rowsBySpeaker,
  speakerStandardize,
  type UtteranceSet,
  vectorStatistics,
} from "../features/mod.ts";
import {
  adaptPooledToVoice,
  fitPooledByCorpus,
  mostProbable,
  type PooledModel,
  pooledPredictProba,
  type PooledSpec,
} from "../models/mod.ts";

/** Utterance vectors with labels, speakers and corpora: the input of every protocol. */
export interface UtteranceData {
  /** `count x dimensions`, row-major (raw functionals, not normalised). */
  vectors: Float32Array;
  dimensions: number;
  /** Name of each dimension. */
  names: string[];
  paths: string[];
  /** Class index per clip into `classes`. */
  labels: number[];
  classes: string[];
  /** Corpus-qualified speaker per clip. */
  speakers: string[];
  /** Corpus per clip. */
  corpora: string[];
}

/**
 * Joins utterance vectors to a scan table (by path).
 *
 * @param set functionals of the files
 * @param table scan table with `path`, `emotion`, `speaker`, `corpus`
 * @param classes class vocabulary (e.g. the scan's `classes`)
 * @throws Error naming the file when a vector has no table row or an unknown emotion
 */
export function utteranceData(
  set: UtteranceSet,
  table: pl.DataFrame,
  classes: readonly string[],
): UtteranceData {
  const paths = columnValues(table, "path");
  const emotions = columnValues(table, "emotion");
  const speakers = columnValues(table, "speaker");
  const corpora = columnValues(table, "corpus");
  const rowOf = new Map(paths.map((path, row) => [path, row]));
  const classIndex = new Map(classes.map((name, index) => [name, index]));
  const out: UtteranceData = {
    vectors: set.data,
    dimensions: set.dimensions,
    names: set.names,
    paths: set.paths,
    labels: [],
    classes: [...classes],
    speakers: [],
    corpora: [],
  };
  for (const path of set.paths) {
    const row = rowOf.get(path);
    if (row === undefined) throw new Error(`${path}: has functionals but is not in the scan table`);
    const label = classIndex.get(emotions[row]);
    if (label === undefined) {
      throw new Error(`${path}: emotion "${emotions[row]}" is not one of ${classes.join(", ")}`);
    }
    out.labels.push(label);
    out.speakers.push(speakers[row]);
    out.corpora.push(corpora[row]);
  }
  return out;
}

/** One train/test split of a protocol. */
export interface ProtocolFold {
  /** e.g. `test tess:OAF` or `actors 01-04`. */
  name: string;
  train: number[];
  test: number[];
}

/** A named list of folds. */
export interface Protocol {
  name: string;
  folds: ProtocolFold[];
}

function rowsWhere(count: number, keep: (row: number) => boolean): number[] {
  const rows: number[] = [];
  for (let row = 0; row < count; row++) if (keep(row)) rows.push(row);
  return rows;
}

/** TESS: train on one speaker, test on the other, both ways (only TESS clips). */
export function tessCrossSpeakerFolds(data: UtteranceData): Protocol {
  const n = data.labels.length;
  const tessSpeakers = [...new Set(data.speakers.filter((_, i) => data.corpora[i] === "tess"))]
    .sort();
  return {
    name: "TESS cross-speaker",
    folds: tessSpeakers.map((speaker) => ({
      name: `test ${speaker}`,
      train: rowsWhere(n, (i) => data.corpora[i] === "tess" && data.speakers[i] !== speaker),
      test: rowsWhere(n, (i) => data.speakers[i] === speaker),
    })),
  };
}

/**
 * TESS cross-speaker with every other corpus loaded added to the training side: train on one
 * actress plus all non-TESS clips, test on the other actress (still a voice never heard).
 */
export function tessCrossSpeakerMultiCorpusFolds(data: UtteranceData): Protocol {
  return withOtherCorpora(data, tessCrossSpeakerFolds(data), "tess");
}

/**
 * RAVDESS 6 folds of 4 unseen actors with every clip of the other corpora added to each fold's
 * training side: does another corpus in training help or hurt RAVDESS's new voices?
 */
export function ravdessActorMultiCorpusFolds(data: UtteranceData): Protocol {
  return withOtherCorpora(data, ravdessActorFolds(data), "ravdess");
}

function withOtherCorpora(data: UtteranceData, base: Protocol, corpus: string): Protocol {
  const others = rowsWhere(data.labels.length, (i) => data.corpora[i] !== corpus);
  return {
    name: `${base.name}, other corpora in training`,
    folds: base.folds.map((fold) => ({ ...fold, train: [...fold.train, ...others] })),
  };
}

/** RAVDESS: 6 folds of 4 unseen actors (fold k tests actors 4k+1..4k+4; only RAVDESS clips). */
export function ravdessActorFolds(data: UtteranceData): Protocol {
  const n = data.labels.length;
  const actor = (i: number) => Number(data.speakers[i].split(":").pop());
  const folds: ProtocolFold[] = [];
  for (let k = 0; k < 6; k++) {
    const first = 4 * k + 1, last = 4 * k + 4;
    const isTest = (i: number) => actor(i) >= first && actor(i) <= last;
    folds.push({
      name: `actors ${String(first).padStart(2, "0")}-${String(last).padStart(2, "0")}`,
      train: rowsWhere(n, (i) => data.corpora[i] === "ravdess" && !isTest(i)),
      test: rowsWhere(n, (i) => data.corpora[i] === "ravdess" && isTest(i)),
    });
  }
  return { name: "RAVDESS 6x4 actors", folds };
}

/** Each corpus is the test set once; the model trains on all the others. */
export function leaveOneCorpusOutFolds(data: UtteranceData): Protocol {
  const n = data.labels.length;
  const corpora = [...new Set(data.corpora)].sort();
  return {
    name: "leave one corpus out",
    folds: corpora.map((corpus) => ({
      name: `test ${corpus}`,
      train: rowsWhere(n, (i) => data.corpora[i] !== corpus),
      test: rowsWhere(n, (i) => data.corpora[i] === corpus),
    })),
  };
}

/** Every ordered pair of corpora: train on A, test on B (the cross-corpus matrix). */
export function crossCorpusFolds(data: UtteranceData): Protocol {
  const n = data.labels.length;
  const corpora = [...new Set(data.corpora)].sort();
  const folds: ProtocolFold[] = [];
  for (const from of corpora) {
    for (const to of corpora) {
      if (from === to) continue;
      folds.push({
        name: `${from} -> ${to}`,
        train: rowsWhere(n, (i) => data.corpora[i] === from),
        test: rowsWhere(n, (i) => data.corpora[i] === to),
      });
    }
  }
  return { name: "cross-corpus", folds };
}

/** The seed's protocol: one random stratified split (same speakers on both sides). */
export function randomSplitFold(
  data: UtteranceData,
  options: { testSize?: number; seed?: number; corpus?: string } = {},
): Protocol {
  const rows = rowsWhere(
    data.labels.length,
    (i) => !options.corpus || data.corpora[i] === options.corpus,
  );
  const split = stratifiedSplit(rows.map((i) => data.labels[i]), {
    testSize: options.testSize ?? 0.2,
    seed: options.seed ?? 42,
  });
  return {
    name: `random split${options.corpus ? ` (${options.corpus})` : ""}`,
    folds: [{
      name: "random 80/20",
      train: split.train.map((i) => rows[i]),
      test: split.test.map((i) => rows[i]),
    }],
  };
}

/** Scores of one fold. */
export interface FoldResult {
  name: string;
  accuracy: number;
  /** Unweighted average recall over the classes present in the test set. */
  ua: number;
  metrics: MetricsResult;
  trainClips: number;
  testClips: number;
  seconds: number;
  /** The same fold's model before voice adaptation (only when the spec adapts to voices). */
  beforeAdaptation?: { accuracy: number; ua: number };
}

/** Scores of a protocol: per fold and mean ± std. */
export interface ProtocolResult {
  protocol: string;
  model: string;
  /** Whether folds share speakers between train and test (only the random split does). */
  speakerIndependent: boolean;
  folds: FoldResult[];
  accuracy: MeanStd;
  ua: MeanStd;
  seconds: number;
  /** Mean ± std of the folds' models before voice adaptation (when the spec adapts). */
  beforeAdaptation?: { accuracy: MeanStd; ua: MeanStd };
}

/**
 * The vectors normalised as `spec.normalization` says: `speaker` standardises each speaker's
 * clips with that speaker's own statistics (no labels); `global`/`none` leave them as they are
 * (the model standardises with its training statistics).
 */
export function normalizedVectors(data: UtteranceData, spec: PooledSpec): Float32Array {
  return spec.normalization === "speaker"
    ? speakerStandardize(data.vectors, data.dimensions, data.speakers)
    : data.vectors;
}

/**
 * Checks a fold: both sides non-empty, and no speaker on both sides unless `allowShared`.
 *
 * @returns whether the fold shares speakers (only possible with `allowShared`)
 * @throws Error naming the protocol, the fold and the shared speakers
 */
export function checkFold(
  data: UtteranceData,
  protocol: string,
  fold: ProtocolFold,
  allowShared = false,
): boolean {
  if (fold.train.length === 0 || fold.test.length === 0) {
    throw new Error(`${protocol}, ${fold.name}: empty training or test set`);
  }
  const trainSpeakers = new Set(fold.train.map((i) => data.speakers[i]));
  const overlap = [...new Set(fold.test.map((i) => data.speakers[i]))].filter((s) =>
    trainSpeakers.has(s)
  );
  if (overlap.length > 0 && !allowShared) {
    throw new Error(`${protocol}, ${fold.name}: speakers on both sides: ${overlap.join(", ")}`);
  }
  return overlap.length > 0;
}

/** What every fold of a protocol trains and scores on (see {@link protocolVectors}). */
export interface ProtocolVectors {
  /** `data`'s vectors, normalised as the spec says. */
  vectors: Float32Array;
  /** Each augmented copy, normalised likewise (each (speaker, copy) as a voice of its own). */
  copies: Float32Array[];
  /** Each speaker's voice ({@link speakerVoices}). */
  voices: Map<string, Float64Array>;
}

/**
 * The normalised vectors of `data` and of its augmented copies, checked against `data`'s shape,
 * and the speakers' voices: what every fold of a protocol trains and scores on.
 */
export function protocolVectors(
  data: UtteranceData,
  protocol: string,
  spec: PooledSpec,
  augmented: readonly Float32Array[] = [],
): ProtocolVectors {
  const copies = augmented.map((copy) => {
    if (copy.length !== data.vectors.length) {
      throw new RangeError(
        `${protocol}: an augmented copy has ${copy.length / data.dimensions} rows, ` +
          `the data ${data.labels.length}`,
      );
    }
    return normalizedVectors({ ...data, vectors: copy }, spec);
  });
  return { vectors: normalizedVectors(data, spec), copies, voices: speakerVoices(data) };
}

/**
 * A fold's training set: its training clips' normalised vectors, then those of each augmented
 * copy (never a test clip's), with each vector's row of `data` (a copy's row is its original's).
 *
 * @param prepared from {@link protocolVectors}
 */
export function foldTrainingRows(
  data: UtteranceData,
  fold: ProtocolFold,
  prepared: ProtocolVectors,
): { vectors: Float32Array[]; rows: number[] } {
  const d = data.dimensions;
  const rows: number[] = [], vectors: Float32Array[] = [];
  for (const source of [prepared.vectors, ...prepared.copies]) {
    for (const i of fold.train) {
      rows.push(i);
      vectors.push(source.subarray(i * d, (i + 1) * d));
    }
  }
  return { vectors, rows };
}

/**
 * Fits `spec` on a fold's training clips plus their augmented copies (never the test clips').
 *
 * @param prepared from {@link protocolVectors}
 */
export function fitFold(
  data: UtteranceData,
  fold: ProtocolFold,
  spec: PooledSpec,
  prepared: ProtocolVectors,
): PooledModel {
  const { vectors, rows } = foldTrainingRows(data, fold, prepared);
  return fitPooledRows(spec, data, prepared.voices, vectors, rows);
}

/**
 * A fold's model's predictions for its test clips, speaker by speaker: each speaker's clips are
 * given that speaker's voice (for corpus experts), and when the spec adapts to voices
 * (`spec.voiceAdaptation`), the model is first self-trained on that speaker's unlabelled clips
 * ({@link adaptPooledToVoice}) — per speaker, as a deployed model would adapt to one user.
 *
 * @returns the most probable class of each test clip, in `fold.test` order, and, when the spec
 *   adapts, the trained model's before adaptation
 */
export function predictFold(
  data: UtteranceData,
  fold: ProtocolFold,
  spec: PooledSpec,
  prepared: ProtocolVectors,
  model: PooledModel,
): { predicted: number[]; beforeAdaptation?: number[] } {
  const d = data.dimensions;
  const row = (i: number) => prepared.vectors.subarray(i * d, (i + 1) * d);
  const predicted = new Map<number, number>(), before = new Map<number, number>();
  const trainingRows = spec.voiceAdaptation ? foldTrainingRows(data, fold, prepared) : undefined;
  const training = trainingRows && {
    vectors: trainingRows.vectors,
    labels: trainingRows.rows.map((i) => data.labels[i]),
    corpora: trainingRows.rows.map((i) => data.corpora[i]),
    names: data.names,
  };
  for (const [speaker, rows] of rowsBySpeaker(data.speakers, fold.test)) {
    const voice = protocolVoice(prepared.voices, spec, speaker);
    const clips = rows.map(row);
    const classify = (m: PooledModel, into: Map<number, number>) =>
      rows.forEach((i, j) => into.set(i, mostProbable(pooledPredictProba(m, clips[j], voice))));
    if (!training) {
      classify(model, predicted);
      continue;
    }
    classify(model, before);
    classify(adaptPooledToVoice(model, training, clips, voice).model, predicted);
  }
  return {
    predicted: fold.test.map((i) => predicted.get(i)!),
    ...(training ? { beforeAdaptation: fold.test.map((i) => before.get(i)!) } : {}),
  };
}

/**
 * Fits `spec` on normalised vectors of rows of `data` (an augmented copy's row is its
 * original's): their labels and corpora, and the voices of their speakers for the gate of corpus
 * experts.
 *
 * @param voices each speaker's voice ({@link speakerVoices})
 * @param vectors the normalised vectors
 * @param rows the row of `data` of each vector
 */
export function fitPooledRows(
  spec: PooledSpec,
  data: UtteranceData,
  voices: ReadonlyMap<string, Float64Array>,
  vectors: readonly ArrayLike<number>[],
  rows: readonly number[],
): PooledModel {
  const speakers = rowsBySpeaker(data.speakers, rows);
  return fitPooledByCorpus(
    spec,
    vectors,
    rows.map((row) => data.labels[row]),
    data.classes,
    data.names,
    rows.map((row) => data.corpora[row]),
    [...speakers].map(([speaker, list]) => ({
      corpus: data.corpora[list[0]],
      mean: voices.get(speaker)!,
    })),
  );
}

/**
 * Each speaker's voice: the mean raw vector of all of its clips in `data` (what speaker
 * normalisation subtracts; no labels). Corpus experts are weighed by it.
 */
export function speakerVoices(data: UtteranceData): Map<string, Float64Array> {
  const voices = new Map<string, Float64Array>();
  for (const [speaker, rows] of rowsBySpeaker(data.speakers)) {
    voices.set(
      speaker,
      Float64Array.from(vectorStatistics(data.vectors, data.dimensions, rows).mean),
    );
  }
  return voices;
}

/**
 * The voice a model trained with `spec` is given for a speaker's clips: the speaker's mean when
 * the spec normalises per speaker (the same statistics), nothing otherwise (a globally
 * normalised model knows nothing of speakers, so its corpus experts count the same).
 *
 * @param voices each speaker's voice ({@link speakerVoices})
 */
export function protocolVoice(
  voices: ReadonlyMap<string, Float64Array>,
  spec: PooledSpec,
  speaker: string,
): Float64Array | undefined {
  return spec.normalization === "speaker" ? voices.get(speaker) : undefined;
}

/**
 * Trains `spec` on each fold's training clips and scores its test clips.
 *
 * @param data utterance vectors and labels
 * @param protocol the folds
 * @param spec the pooled classifier
 * @param options.onFold called after each fold (progress)
 * @param options.allowSharedSpeakers accept folds with a speaker on both sides (the random
 *   split); otherwise such a fold is an error
 */
export function runPooledProtocol(
  data: UtteranceData,
  protocol: Protocol,
  spec: PooledSpec,
  options: {
    onFold?: (fold: FoldResult, index: number) => void;
    allowSharedSpeakers?: boolean;
    /**
     * Augmented copies of every clip (each `count x dimensions`, rows aligned with `data`'s):
     * a fold's training clips add their copies to the training set; test clips never do. Each
     * (speaker, copy) is normalised as a speaker of its own, so a pitch-shifted voice is
     * standardised with its own statistics like any new voice.
     */
    augmented?: readonly Float32Array[];
  } = {},
): ProtocolResult {
  const start = performance.now();
  const prepared = protocolVectors(data, protocol.name, spec, options.augmented);
  const folds: FoldResult[] = [];
  let shared = false;
  for (const fold of protocol.folds) {
    shared = checkFold(data, protocol.name, fold, options.allowSharedSpeakers) || shared;
    const foldStart = performance.now();
    const model = fitFold(data, fold, spec, prepared);
    const truth = fold.test.map((i) => data.labels[i]);
    const { predicted, beforeAdaptation } = predictFold(data, fold, spec, prepared, model);
    const metrics = computeMetrics(truth, predicted, data.classes);
    const before = beforeAdaptation && computeMetrics(truth, beforeAdaptation, data.classes);
    const result: FoldResult = {
      name: fold.name,
      accuracy: metrics.accuracy,
      ua: metrics.unweightedAccuracy,
      metrics,
      trainClips: fold.train.length,
      testClips: fold.test.length,
      seconds: (performance.now() - foldStart) / 1000,
      ...(before
        ? { beforeAdaptation: { accuracy: before.accuracy, ua: before.unweightedAccuracy } }
        : {}),
    };
    folds.push(result);
    options.onFold?.(result, folds.length - 1);
  }
  return {
    protocol: protocol.name,
    model: spec.name,
    speakerIndependent: !shared,
    folds,
    accuracy: meanStd(folds.map((fold) => fold.accuracy)),
    ua: meanStd(folds.map((fold) => fold.ua)),
    seconds: (performance.now() - start) / 1000,
    ...(spec.voiceAdaptation
      ? {
        beforeAdaptation: {
          accuracy: meanStd(folds.map((fold) => fold.beforeAdaptation!.accuracy)),
          ua: meanStd(folds.map((fold) => fold.beforeAdaptation!.ua)),
        },
      }
      : {}),
  };
}

/**
 * Speaker-independent folds for any corpus: the speakers, sorted, dealt into at most `maxFolds`
 * groups; each group is the test set once (with two speakers: train on one, test on the other).
 */
export function speakerGroupFolds(data: UtteranceData, maxFolds = 6): Protocol {
  const n = data.labels.length;
  const speakers = [...new Set(data.speakers)].sort();
  const groups = Math.min(maxFolds, speakers.length);
  const groupOf = new Map(speakers.map((speaker, i) => [speaker, i % groups]));
  const folds: ProtocolFold[] = [];
  for (let g = 0; g < groups; g++) {
    const tested = speakers.filter((speaker) => groupOf.get(speaker) === g);
    folds.push({
      name: `test ${tested.join(", ")}`,
      train: rowsWhere(n, (i) => groupOf.get(data.speakers[i]) !== g),
      test: rowsWhere(n, (i) => groupOf.get(data.speakers[i]) === g),
    });
  }
  return { name: `speaker-independent (${groups} folds)`, folds };
}

/**
 * The protocols that fit the corpora in `data`: a random split per corpus; TESS cross-speaker;
 * RAVDESS 6 x 4 actors; speaker-group folds for any other corpus with at least 2 speakers; and
 * the cross-corpus matrix when several corpora are loaded, plus leave-one-corpus-out with three or
 * more (with two it would repeat the matrix's folds).
 */
export function protocolsFor(data: UtteranceData, options: { seed?: number } = {}): Protocol[] {
  const protocols: Protocol[] = [];
  const corpora = [...new Set(data.corpora)].sort();
  for (const corpus of corpora) {
    protocols.push(
      randomSplitFold(data, { corpus: corpora.length > 1 ? corpus : undefined, ...options }),
    );
  }
  for (const corpus of corpora) {
    if (corpus === "tess") protocols.push(tessCrossSpeakerFolds(data));
    else if (corpus === "ravdess") protocols.push(ravdessActorFolds(data));
    else {
      const rows = rowsWhere(data.labels.length, (i) => data.corpora[i] === corpus);
      const subset = subsetData(data, rows);
      if (new Set(subset.speakers).size < 2) continue;
      const protocol = speakerGroupFolds(subset);
      protocols.push({
        name: corpora.length > 1 ? `${corpus} ${protocol.name}` : protocol.name,
        folds: protocol.folds.map((fold) => ({
          name: fold.name,
          train: fold.train.map((i) => rows[i]),
          test: fold.test.map((i) => rows[i]),
        })),
      });
    }
  }
  if (corpora.length > 1) {
    if (corpora.includes("tess")) protocols.push(tessCrossSpeakerMultiCorpusFolds(data));
    if (corpora.includes("ravdess")) protocols.push(ravdessActorMultiCorpusFolds(data));
    // With two corpora, leaving one out IS the cross-corpus matrix (the same two folds): run it
    // once (with voice adaptation each costs minutes).
    if (corpora.length > 2) protocols.push(leaveOneCorpusOutFolds(data));
    protocols.push(crossCorpusFolds(data));
  }
  return protocols;
}

/** The clips `rows` of `data` (vectors copied). */
export function subsetData(data: UtteranceData, rows: readonly number[]): UtteranceData {
  const d = data.dimensions;
  const vectors = new Float32Array(rows.length * d);
  rows.forEach((row, i) => vectors.set(data.vectors.subarray(row * d, (row + 1) * d), i * d));
  return {
    ...data,
    vectors,
    paths: rows.map((i) => data.paths[i]),
    labels: rows.map((i) => data.labels[i]),
    speakers: rows.map((i) => data.speakers[i]),
    corpora: rows.map((i) => data.corpora[i]),
  };
}
