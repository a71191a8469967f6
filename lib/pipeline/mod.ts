/**
 * The project's pipeline: the notebooks' steps as typed functions, the files each step leaves
 * for the next, and what reports on them. It is the only part of `lib/` that reads the root
 * `config.ts` (the notebook steps in `steps.ts` take a whole {@link Config}); everything below
 * it takes typed option objects.
 *
 * - `steps.ts` — data source, dataset scan/load, features, split, model specs by name, training
 *   runs (begin, control, promote, stop request), figures;
 * - `sequence_training.ts` — sequence models: label a feature set, train, evaluate,
 *   cross-validate, speaker-independent rounds;
 * - `pooled_training.ts` — pooled models on utterance functionals: train, evaluate,
 *   cross-validate;
 * - `protocols.ts`, `generalisation.ts` — generalisation protocols (random split, TESS
 *   cross-speaker, RAVDESS 6 × 4 actors, leave one corpus out) and the step that scores them;
 * - `enrolment.ts` — UA on new voices against the number of their unlabelled clips the
 *   speaker normalisation has seen;
 * - `training_outcome.ts` — the end of the training step: best model on validation, manifest,
 *   model card, report section, promotion;
 * - `report.ts`, `model_card.ts` — `outputs/project_report.json` (typed section by section)
 *   and the model card;
 * - `notebook_runner.ts` (+ `notebook_driver.py`), `notebook_check.ts` — headless notebook
 *   execution and the static checks of the notebooks' cells.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * import { extractDatasetFeatures, scanDataset } from "./mod.ts";
 * const config = loadConfig();
 * const dataset = await scanDataset(config);
 * const features = await extractDatasetFeatures(config, dataset.table);
 * ```
 * @module
 */
export type { Config } from "../../config.ts";
export {
  beginTrainingRun,
  clipFeatureBlock,
  type Dataset,
  type DataSource,
  DEMO_CORPUS_DIR,
  DEMO_PROFILE,
  demoProfileOverrides,
  exampleClips,
  extractDatasetFeatures,
  isPooledModel,
  loadDataset,
  loadDatasetFeatures,
  loadSplit,
  modelSpec,
  pooledAugmentation,
  pooledModelSpec,
  type ProjectPaths,
  projectPaths,
  promoteTrainingRun,
  publishFigure,
  requestTrainingStop,
  resolveDataSource,
  type SavedSplit,
  saveSplit,
  scanDataset,
  type TrainingControl,
  trainingControl,
  trainingHparams,
  trainingLogDir,
  type TrainingRun,
} from "./steps.ts";
export {
  crossValidateSpec,
  evaluateModel,
  type Evaluation,
  labelFeatureSet,
  type LabelledSet,
  speakerIndependent,
  type SpeakerRound,
  type TrainedModel,
  trainModel,
  type TrainModelOptions,
} from "./sequence_training.ts";
export {
  bestOnValidation,
  saveTrainingOutcome,
  type TrainingOutcome,
  type TrainingOutcomeInput,
  trainingSection,
  type TrainingSectionInput,
} from "./training_outcome.ts";
export {
  crossValidatePooled,
  evaluatePooledArtifact,
  type PathSplit,
  pathSplit,
  type PooledEvaluation,
  type TrainedPooledModel,
  trainPooledModel,
} from "./pooled_training.ts";
export {
  crossCorpusFolds,
  type FoldResult,
  leaveOneCorpusOutFolds,
  type Protocol,
  type ProtocolFold,
  type ProtocolResult,
  protocolsFor,
  randomSplitFold,
  ravdessActorFolds,
  ravdessActorMultiCorpusFolds,
  runPooledProtocol,
  speakerGroupFolds,
  tessCrossSpeakerFolds,
  tessCrossSpeakerMultiCorpusFolds,
  type UtteranceData,
  utteranceData,
} from "./protocols.ts";
export {
  augmentedFunctionals,
  enrolmentProtocols,
  evaluateGeneralisation,
  type GeneralisationOptions,
  type GeneralisationResult,
  type GeneralisationSummary,
  generalisationSummary,
  generalisationTable,
  type ProtocolSummary,
} from "./generalisation.ts";
export {
  DEFAULT_ENROLMENT_CLIPS,
  type EnrolmentCurve,
  type EnrolmentOptions,
  type EnrolmentPoint,
  enrolmentTable,
  runEnrolmentCurve,
} from "./enrolment.ts";
export {
  type DatasetSection,
  type EvaluationSection,
  type FeaturesSection,
  type HeadlineMetrics,
  headlineMetrics,
  type ModelTestScores,
  type PooledTrainingEntry,
  type ProjectReport,
  readReport,
  runtimeVersions,
  type SequenceTrainingEntry,
  type SpeakerRoundSummary,
  testScores,
  type TrainingSection,
  updateReport,
} from "./report.ts";
export {
  buildModelCard,
  completeModelCard,
  MODEL_CARD_FILES,
  type ModelCard,
  type ModelCardInput,
  type ModelCardModel,
  type ModelCardProtocol,
  readModelCard,
  renderModelCard,
  writeModelCard,
} from "./model_card.ts";
export {
  type CellFailure,
  ensureProjectKernel,
  findJupyterPython,
  HEADLESS_ENV,
  isHeadlessNotebookRun,
  NotebookExecutionError,
  type NotebookRunResult,
  notebookSupport,
  projectJupyterEnv,
  projectJupyterPath,
  runNotebook,
  type RunNotebookOptions,
  runNotebooks,
} from "./notebook_runner.ts";
export {
  missingCellImports,
  type MissingImport,
  notebookAsModule,
  type NotebookCell,
} from "./notebook_check.ts";
