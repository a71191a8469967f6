/**
 * The end of the training step (notebook 03's last cell): score every trained model on the
 * validation split, pick the best, write the set's label encoder, models manifest and model
 * card into the run folder, record the `training` section of the project report, and promote
 * the run, so `models/current` points at a complete, checksummed set.
 *
 * @example
 * ```ts ignore
 * const outcome = await saveTrainingOutcome(config, {
 *   run: trainingRun, sequence: runs, pooled: pooledRuns, data, split, scaler, dataset, backend,
 *   stopped: control.stopped,
 * });
 * console.log(`promoted ${outcome.promoted.dir}; best on validation: ${outcome.bestModel}`);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import type { StandardScaler } from "../features/mod.ts";
import { saveLabelEncoder, saveModelsManifest } from "../inference/mod.ts";
import type { BackendInfo, PromotedRun } from "../models/mod.ts";
import { buildModelCard, type ModelCardInput, writeModelCard } from "./model_card.ts";
import type { TrainedPooledModel } from "./pooled_training.ts";
import { readReport, type TrainingSection, updateReport } from "./report.ts";
import { evaluateModel, type LabelledSet, type TrainedModel } from "./sequence_training.ts";
import { projectPaths, promoteTrainingRun, type TrainingRun } from "./steps.ts";

/**
 * The model with the highest validation accuracy; ties go to the one earlier in `order` (the
 * config's model list, whose first entry is the project's default).
 *
 * @param validation validation accuracy of each trained model, by name
 * @param order model names in preference order; names without a score are skipped
 * @param stopped why training stopped early, for the error message
 * @throws Error when no model in `order` has a score (nothing was trained)
 * @example
 * ```ts
 * bestOnValidation({ gru: 0.8, ensemble: 0.8, lstm: 0.7 }, ["ensemble", "gru", "lstm"]); // "ensemble"
 * ```
 */
export function bestOnValidation(
  validation: Readonly<Record<string, number>>,
  order: readonly string[],
  stopped?: string,
): string {
  const trained = order.filter((name) => name in validation);
  if (trained.length === 0) {
    throw new Error(`no model was trained (${stopped ?? "config.models is empty"})`);
  }
  return trained.reduce((a, b) => (validation[b] > validation[a] ? b : a));
}

/** What {@link trainingSection} summarises. */
export interface TrainingSectionInput {
  split: { train: readonly number[]; val: readonly number[]; test: readonly number[] };
  seed: number;
  bestModel: string;
  stopped?: string;
  /** The trained sequence models (only these fields are read). */
  sequence: readonly Pick<
    TrainedModel,
    "name" | "params" | "epochsRun" | "bestEpoch" | "secondsPerEpoch" | "trainingSeconds"
  >[];
  /** The trained pooled models (only these fields are read). */
  pooled: readonly {
    name: string;
    artifact: { names: readonly string[] };
    trainingSeconds: number;
  }[];
  /** Validation accuracy by model name. */
  validation: Readonly<Record<string, number>>;
}

/**
 * The report's `training` section: split sizes, the best model, and per model what it cost and
 * how it scored on validation (epochs 1-based, as printed).
 */
export function trainingSection(input: TrainingSectionInput): TrainingSection {
  const models: TrainingSection["models"] = {};
  for (const run of input.sequence) {
    models[run.name] = {
      kind: "sequence",
      params: run.params,
      epochsRun: run.epochsRun,
      bestEpoch: run.bestEpoch + 1,
      secondsPerEpoch: run.secondsPerEpoch,
      trainingSeconds: run.trainingSeconds,
      validationAccuracy: input.validation[run.name],
    };
  }
  for (const run of input.pooled) {
    models[run.name] = {
      kind: "pooled",
      functionals: run.artifact.names.length,
      trainingSeconds: run.trainingSeconds,
      validationAccuracy: input.validation[run.name],
    };
  }
  return {
    split: {
      train: input.split.train.length,
      val: input.split.val.length,
      test: input.split.test.length,
      seed: input.seed,
    },
    bestModel: input.bestModel,
    ...(input.stopped === undefined ? {} : { stopped: input.stopped }),
    models,
  };
}

/** What the training step hands to {@link saveTrainingOutcome}. */
export interface TrainingOutcomeInput {
  /** The run folder from `beginTrainingRun`; each model is already saved in `modelDir(name)`. */
  run: TrainingRun;
  sequence: readonly TrainedModel[];
  pooled: readonly TrainedPooledModel[];
  data: LabelledSet;
  split: { train: readonly number[]; val: readonly number[]; test: readonly number[] };
  /** The frame-feature scaler fitted on the training split. */
  scaler: StandardScaler;
  /** The dataset (as `loadDataset` returns it). */
  dataset: ModelCardInput["dataset"];
  backend: BackendInfo;
  /** Why training stopped early, if it did. */
  stopped?: string;
}

/** What {@link saveTrainingOutcome} did. */
export interface TrainingOutcome {
  bestModel: string;
  /** Validation accuracy by model name. */
  validation: Record<string, number>;
  section: TrainingSection;
  promoted: PromotedRun;
}

/**
 * Completes and promotes a training run: validation accuracy of every model (sequence models
 * scored here, pooled ones as trained), the best of them ({@link bestOnValidation} over
 * `config.models`), `label_encoder.json`, the models manifest and the model card in the run
 * folder, the report's `training`, `backend`, `config` and `timings`, then one atomic promotion.
 *
 * @throws Error when no model was trained; on any write error the previous set stays current
 */
export async function saveTrainingOutcome(
  config: Config,
  input: TrainingOutcomeInput,
): Promise<TrainingOutcome> {
  const { run, data, split, scaler } = input;
  const validation: Record<string, number> = {};
  for (const model of input.sequence) {
    validation[model.name] =
      (await evaluateModel(model.model, data, split.val, scaler)).metrics.accuracy;
  }
  for (const model of input.pooled) validation[model.name] = model.validation.accuracy;
  const bestModel = bestOnValidation(validation, config.models, input.stopped);
  const trained = config.models.filter((name) => name in validation);
  const pooled = new Set(input.pooled.map((model) => model.name));
  const kind = (name: string) => (pooled.has(name) ? "pooled" : "sequence");
  await saveLabelEncoder(run.dir, data.classes);
  await saveModelsManifest(run.dir, {
    features: data.features.settings,
    scaler,
    models: Object.fromEntries(trained.map((name) => [name, {
      dir: `${name}_best`,
      kind: kind(name),
      validationAccuracy: validation[name],
    }])),
    bestModel,
    config,
  });
  const reportPath = projectPaths(config).report;
  await writeModelCard(
    run.dir,
    buildModelCard({
      runId: run.id,
      models: Object.fromEntries(trained.map((name) => [name, {
        kind: kind(name),
        validationAccuracy: validation[name],
      }])),
      bestModel,
      classes: data.classes,
      dataset: input.dataset,
      split,
      duration: config.duration,
      trainingStopped: input.stopped,
      report: await readReport(reportPath),
    }),
  );
  const section = trainingSection({
    split,
    seed: config.seed,
    bestModel,
    stopped: input.stopped,
    sequence: input.sequence,
    pooled: input.pooled,
    validation,
  });
  await updateReport(reportPath, {
    backend: input.backend,
    config,
    training: section,
    timings: Object.fromEntries(
      [...input.sequence, ...input.pooled].map((model) => [
        `training_${model.name}`,
        model.trainingSeconds,
      ]),
    ),
  });
  // One atomic step: checksums of every file, then models/current points at this run.
  const promoted = await promoteTrainingRun(config, run);
  return { bestModel, validation, section, promoted };
}
