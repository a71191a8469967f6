/**
 * The JSON project report (`outputs/project_report.json`), built up section by section: the
 * exploration notebook writes `dataset`, feature extraction `features`, training `training`,
 * evaluation `evaluation`. Each update reads the current report, merges one section and writes it
 * back atomically, so rerunning one notebook refreshes its section without losing the others.
 * Every section has its type, so what a notebook writes and what the model card and
 * `deno task pipeline` read back are checked by the compiler.
 *
 * @example
 * ```ts
 * await updateReport("outputs/project_report.json", { timings: { exploration: 1.5 } });
 * const report = await readReport("outputs/project_report.json");
 * console.log(report.dataset?.clips, report.evaluation?.models);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import type { BadFile } from "../data_loader/mod.ts";
import type { CrossValidationSummary, MetricsResult } from "../evaluate/mod.ts";
import type { BatchTiming, FailedFile, FeatureSettings } from "../features/mod.ts";
import type { BackendInfo } from "../models/mod.ts";
import { writeJsonAtomic } from "../util/mod.ts";
import type { GeneralisationSummary } from "./generalisation.ts";

/** Notebook 01's section: the corpus as scanned. */
export interface DatasetSection {
  /** The schemes applied, e.g. `tess+ravdess`. */
  corpus: string;
  /** The corpus folder(s), comma-separated. */
  dir: string;
  /** True for the synthetic demo corpus (not emotional speech). */
  demo: boolean;
  clips: number;
  /** Clips per emotion. */
  emotions: Record<string, number>;
  /** Clips per (corpus-qualified) speaker. */
  speakers: Record<string, number>;
  totalDurationSeconds: number;
  badFiles: BadFile[];
}

/** Notebook 02's section: the frame features of the dataset. */
export interface FeaturesSection {
  settings: FeatureSettings;
  /** Frames per clip. */
  frames: number;
  /** Features per frame. */
  width: number;
  clips: number;
  failures: FailedFile[];
  extraction: BatchTiming;
}

/** A trained sequence model in the `training` section. */
export interface SequenceTrainingEntry {
  kind: "sequence";
  params: number;
  epochsRun: number;
  /** 1-based. */
  bestEpoch: number;
  secondsPerEpoch: number;
  trainingSeconds: number;
  validationAccuracy: number;
}

/** A trained pooled model in the `training` section. */
export interface PooledTrainingEntry {
  kind: "pooled";
  /** Utterance functionals per clip. */
  functionals: number;
  trainingSeconds: number;
  validationAccuracy: number;
}

/** Notebook 03's section: what was trained, and which model was best on validation. */
export interface TrainingSection {
  split: { train: number; val: number; test: number; seed: number };
  bestModel: string;
  /** Why training was stopped early, if it was. */
  stopped?: string;
  models: Record<string, SequenceTrainingEntry | PooledTrainingEntry>;
}

/** The headline numbers of a {@link MetricsResult} (weighted averages, as the seed reports). */
export interface HeadlineMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  macroF1: number;
}

/** A model's test-set scores in the `evaluation` section. */
export interface ModelTestScores extends HeadlineMetrics {
  labels: string[];
  /** `confusionMatrix[t][p]` = test clips of true class t predicted as p. */
  confusionMatrix: number[][];
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

/** One round of the speaker-independent evaluation (train on the others, test on one). */
export interface SpeakerRoundSummary {
  testSpeaker: string;
  trainSpeakers: string[];
  accuracy: number;
  macroF1: number;
}

/** Notebook 04's section: test scores, cross-validation, speaker rounds, protocols. */
export interface EvaluationSection {
  testClips: number;
  models: Record<string, ModelTestScores>;
  /** k-fold cross-validation of the best model (absent when `cvFolds` < 2). */
  crossValidation?: { model: string; folds: number; summary: CrossValidationSummary };
  speakerIndependent: SpeakerRoundSummary[];
  generalisation?: GeneralisationSummary;
}

/** The whole report; every section is optional until its notebook has run. */
export interface ProjectReport {
  project: string;
  /** ISO time of the last update. */
  updatedAt: string;
  /** Versions of the runtime and the main libraries (name -> version). */
  versions?: Record<string, string>;
  /** The TensorFlow.js backend that ran (and whether OpenBLAS was used). */
  backend?: BackendInfo;
  /** The configuration used. */
  config?: Config;
  dataset?: DatasetSection;
  features?: FeaturesSection;
  training?: TrainingSection;
  evaluation?: EvaluationSection;
  /** Wall-clock seconds of each step. */
  timings?: Record<string, number>;
}

/**
 * The headline numbers of a {@link MetricsResult}: accuracy, weighted precision/recall/F1 (as the
 * seed reports) and macro F1.
 *
 * @example
 * ```ts
 * import { computeMetrics } from "../evaluate/mod.ts";
 * headlineMetrics(computeMetrics([0, 1, 1], [0, 1, 0], ["sad", "happy"])).accuracy; // 0.667
 * ```
 */
export function headlineMetrics(metrics: MetricsResult): HeadlineMetrics {
  return {
    accuracy: metrics.accuracy,
    precision: metrics.weighted.precision,
    recall: metrics.weighted.recall,
    f1: metrics.weighted.f1,
    macroF1: metrics.macro.f1,
  };
}

/**
 * A model's entry in the `evaluation` section: its headline numbers, confusion matrix and
 * per-class scores by class name.
 *
 * @param metrics the model's test-set metrics
 */
export function testScores(metrics: MetricsResult): ModelTestScores {
  return {
    ...headlineMetrics(metrics),
    labels: metrics.labels,
    confusionMatrix: metrics.confusionMatrix,
    perClass: Object.fromEntries(metrics.perClass.map((c) => [c.label, {
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    }])),
  };
}

/** Reads the report at `path`; a missing file gives an empty report. */
export async function readReport(path: string): Promise<ProjectReport> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as ProjectReport;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { project: "ser", updatedAt: new Date().toISOString() };
    }
    if (error instanceof SyntaxError) {
      throw new Error(`${path}: the project report is not valid JSON (${error.message})`);
    }
    throw error;
  }
}

/**
 * Merges `patch` into the report at `path` and writes it atomically. Top-level sections are
 * replaced, except `timings`, `versions` and `backend`, whose keys are merged.
 */
export async function updateReport(
  path: string,
  patch: Partial<Omit<ProjectReport, "project" | "updatedAt">>,
): Promise<ProjectReport> {
  const report = await readReport(path);
  const merged: ProjectReport = { ...report, ...patch, updatedAt: new Date().toISOString() };
  for (const key of ["timings", "versions", "backend"] as const) {
    if (report[key] && patch[key]) merged[key] = { ...report[key], ...patch[key] } as never;
  }
  await writeJsonAtomic(path, merged);
  return merged;
}

/** Versions of Deno, V8, TypeScript and the given libraries, for the report. */
export function runtimeVersions(libraries: Record<string, string> = {}): Record<string, string> {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    ...libraries,
  };
}
