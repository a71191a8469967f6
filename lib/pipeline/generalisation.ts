/**
 * The notebooks' generalisation step: utterance functionals of the loaded dataset (cached), the
 * protocols that fit its corpora ({@link protocolsFor}), scored with the default pooled model
 * (speaker-normalised functionals into the SVM + softmax-regression ensemble), as one typed
 * value for the report and the per-fold chart. Settings come in as typed values.
 *
 * @example
 * ```ts ignore
 * const result = await evaluateGeneralisation(dataset.table, dataset.classes, {
 *   cacheDir: ".cache/features",
 * });
 * console.log(generalisationTable(result));
 * ```
 * @module
 */
import type pl from "nodejs-polars";
import { columnValues } from "../data_loader/mod.ts";
import { formatMeanStd, type MeanStd } from "../evaluate/mod.ts";
import type { AugmentationPolicy } from "../augment/mod.ts";
import { extractUtteranceSet, type UtteranceSettings } from "../features/mod.ts";
import { ProgressBar } from "../util/mod.ts";
import { ensemblePooledSpec, type PooledSpec } from "../models/mod.ts";
import { type EnrolmentCurve, type EnrolmentOptions, runEnrolmentCurve } from "./enrolment.ts";
import {
  type Protocol,
  type ProtocolResult,
  protocolsFor,
  runPooledProtocol,
  type UtteranceData,
  utteranceData,
} from "./protocols.ts";

/** Options of {@link evaluateGeneralisation}. */
export interface GeneralisationOptions {
  /** Feature cache folder (functionals are cached by file content + settings). */
  cacheDir?: string;
  /** Analysis settings (default: 22050 Hz, the utterance defaults). */
  settings?: UtteranceSettings;
  /** Models to score (default: the ensemble). */
  specs?: PooledSpec[];
  /** Seed of the random split. */
  seed?: number;
  /**
   * Augmented copies of every clip, as notebook 03 trains the pooled models (e.g.
   * `pooledAugmentation(config)`): each fold adds the copies of its training clips, never of its
   * test clips. Absent: no augmentation.
   */
  augmentation?: { policy: AugmentationPolicy; seed: number };
  /** Show progress (default true). */
  progress?: boolean;
  /**
   * Enrolment curves (UA against the unlabelled clips of each new voice the speaker
   * normalisation has seen) of the first model on the within-corpus speaker-independent
   * protocols: options, or `false` to skip them (default: on, with the default sizes).
   */
  enrolment?: false | Omit<EnrolmentOptions, "augmented">;
}

/** Every protocol's result plus what they ran on. */
export interface GeneralisationResult {
  clips: number;
  speakers: number;
  corpora: string[];
  dimensions: number;
  /** Files whose functionals could not be computed. */
  failures: { path: string; problem: string }[];
  results: ProtocolResult[];
  /** Enrolment curves (see {@link GeneralisationOptions.enrolment}); empty when skipped. */
  enrolment: EnrolmentCurve[];
}

/**
 * The protocols an enrolment curve means something for: every fold speaker-independent and
 * inside one corpus (TESS cross-speaker, RAVDESS 6 x 4 actors, speaker groups of other corpora).
 */
export function enrolmentProtocols(
  data: UtteranceData,
  protocols: readonly Protocol[],
): Protocol[] {
  return protocols.filter((protocol) =>
    protocol.folds.every((fold) => {
      const trainSpeakers = new Set(fold.train.map((row) => data.speakers[row]));
      const corpora = new Set([...fold.train, ...fold.test].map((row) => data.corpora[row]));
      return corpora.size === 1 && fold.test.every((row) => !trainSpeakers.has(data.speakers[row]));
    })
  );
}

/**
 * The functionals of every augmented copy of every clip (`policy.copies` arrays, rows in
 * `paths` order), as the protocols need them: each fold adds the copies of its training clips.
 *
 * @throws Error naming the copy and the first clip whose copy failed (a protocol needs them all)
 */
export async function augmentedFunctionals(
  paths: readonly string[],
  settings: UtteranceSettings,
  augmentation: { policy: AugmentationPolicy; seed: number },
  options: { cacheDir?: string; progress?: boolean } = {},
): Promise<Float32Array[]> {
  const copies: Float32Array[] = [];
  for (let copy = 0; copy < augmentation.policy.copies; copy++) {
    const set = await extractUtteranceSet(paths, settings, {
      cacheDir: options.cacheDir,
      progress: options.progress,
      augmentation: { ...augmentation, copy },
    });
    if (set.paths.length !== paths.length) {
      const [first] = set.failures;
      throw new Error(
        `augmented copy ${copy + 1}: ${set.failures.length} clip(s) failed` +
          (first ? `, first ${first.path}: ${first.problem}` : ""),
      );
    }
    copies.push(set.data);
  }
  return copies;
}

/**
 * Runs the generalisation protocols on a scanned dataset.
 *
 * @param table scan table (`path`, `emotion`, `speaker`, `corpus`)
 * @param classes class vocabulary, label-encoder order
 * @param options cache, settings, models, seed
 */
export async function evaluateGeneralisation(
  table: pl.DataFrame,
  classes: readonly string[],
  options: GeneralisationOptions = {},
): Promise<GeneralisationResult> {
  const settings = options.settings ?? { sampleRate: 22050 };
  const set = await extractUtteranceSet(columnValues(table, "path"), settings, {
    cacheDir: options.cacheDir,
    progress: options.progress,
  });
  const data = utteranceData(set, table, classes);
  const augmented = options.augmentation
    ? await augmentedFunctionals(data.paths, settings, options.augmentation, options)
    : [];
  const specs = options.specs ?? [ensemblePooledSpec()];
  const results: ProtocolResult[] = [];
  const protocols = protocolsFor(data, { seed: options.seed });
  const curves = options.enrolment === false || specs[0].normalization !== "speaker"
    ? []
    : enrolmentProtocols(data, protocols);
  // One step per protocol and model, one per enrolment curve; each step is synchronous, so the
  // loop yields between them for a notebook's progress display to redraw.
  const bar = options.progress === false
    ? undefined
    : new ProgressBar("generalisation", protocols.length * specs.length + curves.length);
  const redraw = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (const protocol of protocols) {
    for (const spec of specs) {
      results.push(runPooledProtocol(data, protocol, spec, {
        allowSharedSpeakers: protocol.name.startsWith("random"),
        augmented,
      }));
      bar?.tick(1, `${protocol.name} (${spec.name})`);
      await redraw();
    }
  }
  const enrolment: EnrolmentCurve[] = [];
  for (const protocol of curves) {
    enrolment.push(
      runEnrolmentCurve(data, protocol, specs[0], { ...options.enrolment, augmented }),
    );
    bar?.tick(1, `enrolment curve, ${protocol.name}`);
    await redraw();
  }
  bar?.finish();
  return {
    clips: data.labels.length,
    speakers: new Set(data.speakers).size,
    corpora: [...new Set(data.corpora)].sort(),
    dimensions: data.dimensions,
    failures: set.failures,
    results,
    enrolment,
  };
}

/** A markdown table: protocol, model, accuracy (WA), UA, seconds. */
export function generalisationTable(result: GeneralisationResult): string {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const lines = [
    row(["protocol", "model", "folds", "accuracy (WA)", "UA", "seconds"]),
    row(["---", "---", "---", "---", "---", "---"]),
  ];
  for (const r of result.results) {
    lines.push(row([
      r.protocol,
      r.model,
      String(r.folds.length),
      formatMeanStd(r.accuracy),
      formatMeanStd(r.ua) +
      (r.beforeAdaptation ? ` (${formatMeanStd(r.beforeAdaptation.ua)} before adaptation)` : ""),
      r.seconds.toFixed(1),
    ]));
  }
  return lines.join("\n");
}

/** One protocol in the report: its scores over folds and each fold's numbers. */
export interface ProtocolSummary {
  protocol: string;
  model: string;
  speakerIndependent: boolean;
  accuracy: MeanStd;
  ua: MeanStd;
  /** The scores before voice adaptation, when the model adapts to each test voice. */
  beforeAdaptation?: { accuracy: MeanStd; ua: MeanStd };
  folds: { name: string; accuracy: number; ua: number; confusionMatrix: number[][] }[];
}

/** The report's `evaluation.generalisation` section (see {@link generalisationSummary}). */
export interface GeneralisationSummary {
  clips: number;
  speakers: number;
  corpora: string[];
  protocols: ProtocolSummary[];
  /**
   * UA against the unlabelled clips of a new voice the normalisation has seen (absent in
   * reports written before it existed).
   */
  enrolment?: {
    protocol: string;
    model: string;
    priorWeight: number;
    points: { clips: number | "all"; ua: MeanStd; accuracy: MeanStd }[];
  }[];
}

/** The report's view of a result: no confusion-matrix objects, just numbers. */
export function generalisationSummary(result: GeneralisationResult): GeneralisationSummary {
  return {
    clips: result.clips,
    speakers: result.speakers,
    corpora: result.corpora,
    protocols: result.results.map((r) => ({
      protocol: r.protocol,
      model: r.model,
      speakerIndependent: r.speakerIndependent,
      accuracy: r.accuracy,
      ua: r.ua,
      ...(r.beforeAdaptation ? { beforeAdaptation: r.beforeAdaptation } : {}),
      folds: r.folds.map((fold) => ({
        name: fold.name,
        accuracy: fold.accuracy,
        ua: fold.ua,
        confusionMatrix: fold.metrics.confusionMatrix,
      })),
    })),
    enrolment: result.enrolment.map((curve) => ({
      protocol: curve.protocol,
      model: curve.model,
      priorWeight: curve.priorWeight,
      points: curve.points.map(({ clips, ua, accuracy }) => ({ clips, ua, accuracy })),
    })),
  };
}
