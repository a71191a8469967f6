/**
 * How many clips of a new voice does the speaker normalisation need? The protocols of
 * `protocols.ts` standardise every test speaker with ALL of that speaker's clips (the most a
 * deployed model could ever know about a voice). A user of the live page or of
 * `predictor.pooled.enrol` has a handful: this runner measures UA as a function of that number.
 *
 * For every fold, the model is trained once (training clips and their augmented copies,
 * normalised as in {@link runPooledProtocol}) and the {@link SpeakerPrior} of its training
 * speakers is kept, as `trainPooledModel` saves it with a model. Then, for each enrolment size
 * `k` and each repeat, every test speaker's clips are shuffled (seeded), the first `k` are
 * enrolled WITHOUT their labels into a {@link RunningSpeakerNormalizer} (the prior worth
 * `priorWeight` clips, exactly what the predictor does), and the speaker's other clips are
 * scored. `k = 0` is the prior alone (a voice the model knows nothing about); the last point,
 * `"all"`, is the protocol's own transductive normalisation, for reference.
 *
 * @example
 * ```ts ignore
 * const data = utteranceData(set, scan.table, scan.classes);
 * const curve = runEnrolmentCurve(data, ravdessActorFolds(data), ensemblePooledSpec());
 * console.log(enrolmentTable([curve]));
 * ```
 * @module
 */
import { computeMetrics, formatMeanStd, type MeanStd, meanStd } from "../evaluate/mod.ts";
import {
  rowsBySpeaker,
  RunningSpeakerNormalizer,
  type SpeakerPrior,
  speakerPrior,
  standardizeVector,
} from "../features/mod.ts";
import { mostProbable, pooledPredictProba, type PooledSpec } from "../models/mod.ts";
import { mulberry32, shuffleInPlace } from "../util/mod.ts";
import {
  checkFold,
  fitFold,
  type Protocol,
  protocolVectors,
  protocolVoice,
  type UtteranceData,
} from "./protocols.ts";

/** One point of an enrolment curve. */
export interface EnrolmentPoint {
  /** Unlabelled clips of each test speaker enrolled before scoring; `"all"`: every clip. */
  clips: number | "all";
  /** UA over folds (each fold's UA is the mean over repeats). */
  ua: MeanStd;
  /** Accuracy (WA) over folds, likewise. */
  accuracy: MeanStd;
  /** Clips scored per repeat, summed over folds (the enrolled ones are not scored). */
  scored: number;
}

/** UA against the number of enrolment clips, for one protocol and model. */
export interface EnrolmentCurve {
  protocol: string;
  model: string;
  /** How many clips the training speakers' prior is worth. */
  priorWeight: number;
  /** Random enrolment draws per speaker and size. */
  repeats: number;
  points: EnrolmentPoint[];
  seconds: number;
}

/** Options of {@link runEnrolmentCurve}. */
export interface EnrolmentOptions {
  /**
   * Enrolment sizes, whole numbers >= 0 (default 0, 1, 3, 5, 10, 20, 40). A speaker with fewer
   * than `k + 1` clips is skipped at that size (nothing would be left to score).
   */
  clips?: readonly number[];
  /** Random draws of the enrolment clips per size (default 5). */
  repeats?: number;
  /** Seed of the draws (default 42). */
  seed?: number;
  /** The prior's weight in clips, as the predictor's `priorWeight` (default 10). */
  priorWeight?: number;
  /** Augmented copies of every clip for the training side, as in `runPooledProtocol`. */
  augmented?: readonly Float32Array[];
  /** Called after each fold (progress). */
  onFold?: (index: number, folds: number) => void;
}

/** The enrolment sizes of the README's table. */
export const DEFAULT_ENROLMENT_CLIPS: readonly number[] = Object.freeze([0, 1, 3, 5, 10, 20, 40]);

/**
 * A {@link RunningSpeakerNormalizer} that has seen the raw vectors of `enrolled` (rows of
 * `vectors`): it is given no labels, only the clips.
 */
export function enrolledNormalizer(
  vectors: Float32Array,
  dimensions: number,
  enrolled: readonly number[],
  prior: SpeakerPrior,
  priorWeight: number,
): RunningSpeakerNormalizer {
  const normalizer = new RunningSpeakerNormalizer(prior, priorWeight);
  for (const row of enrolled) {
    normalizer.add(vectors.subarray(row * dimensions, (row + 1) * dimensions));
  }
  return normalizer;
}

/**
 * UA on new voices against the number of their unlabelled clips the normalisation has seen.
 * It measures the speaker normalisation alone: a spec's voice adaptation (self-training on the
 * voice's clips, from `minClips` of them) is left out here and measured by the protocols.
 *
 * @param data utterance vectors and labels (raw functionals)
 * @param protocol speaker-independent folds (a fold with a speaker on both sides is an error)
 * @param spec a pooled spec with `normalization: "speaker"`
 * @param options sizes, repeats, seed, prior weight, augmented copies
 * @throws RangeError on a spec without speaker normalisation or a bad size / repeat count
 */
export function runEnrolmentCurve(
  data: UtteranceData,
  protocol: Protocol,
  spec: PooledSpec,
  options: EnrolmentOptions = {},
): EnrolmentCurve {
  if (spec.normalization !== "speaker") {
    throw new RangeError(
      `runEnrolmentCurve(${spec.name}): the spec normalises "${spec.normalization}"; enrolment ` +
        `only changes speaker-normalised models`,
    );
  }
  const sizes = options.clips ?? DEFAULT_ENROLMENT_CLIPS;
  const repeats = options.repeats ?? 5;
  const priorWeight = options.priorWeight ?? 10;
  for (const k of sizes) {
    if (!Number.isInteger(k) || k < 0) {
      throw new RangeError(`runEnrolmentCurve: enrolment sizes are whole numbers >= 0, got ${k}`);
    }
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`runEnrolmentCurve: repeats must be a whole number >= 1, got ${repeats}`);
  }
  if (!(priorWeight > 0) || !Number.isFinite(priorWeight)) {
    // 0 would leave a voice with no enrolled clip without statistics (0 / 0).
    throw new RangeError(`runEnrolmentCurve: priorWeight must be > 0, got ${priorWeight}`);
  }
  const start = performance.now();
  const d = data.dimensions;
  // The normalisation alone (see above): a refit per speaker, size and draw would cost hours.
  spec = { ...spec, voiceAdaptation: undefined };
  const prepared = protocolVectors(data, protocol.name, spec, options.augmented);
  const random = mulberry32(options.seed ?? 42);
  // Per size (and "all" last): each fold's UA and accuracy, and the clips scored.
  const perSize = [...sizes, -1].map(() => ({ ua: [] as number[], wa: [] as number[], scored: 0 }));
  protocol.folds.forEach((fold, foldIndex) => {
    checkFold(data, protocol.name, fold);
    const model = fitFold(data, fold, spec, prepared);
    const trainRaw = new Float32Array(fold.train.length * d);
    fold.train.forEach((row, i) =>
      trainRaw.set(data.vectors.subarray(row * d, (row + 1) * d), i * d)
    );
    const prior = speakerPrior(trainRaw, d, fold.train.map((row) => data.speakers[row]));
    const speakers = [...rowsBySpeaker(data.speakers, fold.test).values()];
    // `voice`: the speaker's mean as the normaliser knows it (weighs corpus experts).
    const score = (
      normalise: (row: number) => Float32Array,
      rows: readonly number[],
      voice: (row: number) => ArrayLike<number> | undefined,
    ) => rows.map((row) => mostProbable(pooledPredictProba(model, normalise(row), voice(row))));
    sizes.forEach((k, s) => {
      const uas: number[] = [], was: number[] = [];
      let scored = 0;
      for (let repeat = 0; repeat < repeats; repeat++) {
        const truth: number[] = [], predicted: number[] = [];
        for (const rows of speakers) {
          if (rows.length <= k) continue;
          const order = shuffleInPlace([...rows], random);
          const normalizer = enrolledNormalizer(
            data.vectors,
            d,
            order.slice(0, k),
            prior,
            priorWeight,
          );
          const rest = order.slice(k);
          // The speaker's statistics once, not per clip as `normalizer.normalize` would.
          const statistics = normalizer.statistics();
          predicted.push(...score(
            (row) => standardizeVector(data.vectors.subarray(row * d, (row + 1) * d), statistics),
            rest,
            () => statistics.mean,
          ));
          truth.push(...rest.map((row) => data.labels[row]));
        }
        if (truth.length === 0) continue;
        const metrics = computeMetrics(truth, predicted, data.classes);
        uas.push(metrics.unweightedAccuracy);
        was.push(metrics.accuracy);
        scored = truth.length;
      }
      if (uas.length === 0) return;
      perSize[s].ua.push(uas.reduce((a, b) => a + b, 0) / uas.length);
      perSize[s].wa.push(was.reduce((a, b) => a + b, 0) / was.length);
      perSize[s].scored += scored;
    });
    // "all": every clip of the speaker, the protocol's own normalisation.
    const all = perSize[sizes.length];
    const truth = fold.test.map((row) => data.labels[row]);
    const predicted = score(
      (row) => prepared.vectors.subarray(row * d, (row + 1) * d),
      fold.test,
      (row) => protocolVoice(prepared.voices, spec, data.speakers[row]),
    );
    const metrics = computeMetrics(truth, predicted, data.classes);
    all.ua.push(metrics.unweightedAccuracy);
    all.wa.push(metrics.accuracy);
    all.scored += truth.length;
    options.onFold?.(foldIndex, protocol.folds.length);
  });
  const points: EnrolmentPoint[] = [];
  [...sizes, "all" as const].forEach((clips, s) => {
    if (perSize[s].ua.length === 0) return;
    points.push({
      clips,
      ua: meanStd(perSize[s].ua),
      accuracy: meanStd(perSize[s].wa),
      scored: perSize[s].scored,
    });
  });
  return {
    protocol: protocol.name,
    model: spec.name,
    priorWeight,
    repeats,
    points,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * A markdown table: one row per enrolment size, one UA column per curve (without curves, a line
 * that says why there are none).
 */
export function enrolmentTable(curves: readonly EnrolmentCurve[]): string {
  if (curves.length === 0) {
    return "no enrolment curve: it needs speaker-independent folds within one corpus " +
      "(at least two speakers)";
  }
  const sizes = [...new Set(curves.flatMap((curve) => curve.points.map((p) => String(p.clips))))];
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const lines = [
    row(["clips of the new voice", ...curves.map((c) => `${c.protocol} (${c.model}), UA`)]),
    row(["---", ...curves.map(() => "---")]),
  ];
  for (const size of sizes) {
    lines.push(row([
      size === "all" ? "all (the protocol's normalisation)" : size,
      ...curves.map((curve) => {
        const point = curve.points.find((p) => String(p.clips) === size);
        return point ? formatMeanStd(point.ua) : "";
      }),
    ]));
  }
  return lines.join("\n");
}
