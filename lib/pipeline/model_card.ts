/**
 * Model cards (Mitchell et al. 2019, "Model Cards for Model Reporting", FAT* '19): what a
 * promoted model set was trained on, how it scored, what it is for and where it fails, as JSON
 * (`model_card.json`) and Markdown (`model_card.md`).
 *
 * The training step writes a card into the run folder before promotion, so it is part of the
 * checksummed set; the evaluation step completes it with the test metrics and the
 * generalisation protocols of that set and writes `outputs/model_card.{json,md}`.
 *
 * @example
 * ```ts
 * import type { ModelCardInput } from "./model_card.ts";
 * async function example(input: ModelCardInput, run: { id: string; dir: string }) {
 *   const card = buildModelCard({ ...input, runId: run.id });
 *   await writeModelCard(run.dir, card);
 *   console.log(renderModelCard(card));
 * }
 * ```
 * @module
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import type { ProjectReport } from "./report.ts";
import { writeJsonAtomic, writeTextAtomic } from "../util/mod.ts";

/** One model of the set. */
export interface ModelCardModel {
  name: string;
  /** `pooled` (utterance functionals) or `sequence` (frame features into LSTM/GRU/CNN). */
  kind: string;
  /** Accuracy on the validation clips (random split: the training speakers). */
  validationAccuracy: number;
  /** Test metrics, once the evaluation step has run on this set. */
  test?: { accuracy: number; macroF1: number; f1: number };
}

/** A generalisation protocol's result (mean over folds). */
export interface ModelCardProtocol {
  protocol: string;
  model: string;
  /** No speaker on both sides of a fold. */
  speakerIndependent: boolean;
  accuracy: number;
  /** Unweighted average recall. */
  ua: number;
  folds: number;
  /**
   * UA before the model adapted to each test voice (self-training on all of its clips), when it
   * did: what the live page and a voice with fewer than 20 enrolled clips can expect.
   */
  uaBeforeAdaptation?: number;
}

/** One enrolment curve: UA after `clips` unlabelled clips of a new voice (`"all"`: every clip). */
export interface ModelCardEnrolment {
  protocol: string;
  model: string;
  points: { clips: number | "all"; ua: number }[];
}

/** The card, as `model_card.json` holds it. */
export interface ModelCard {
  version: 1;
  /** The training run (the model set's id in `models/runs/`). */
  run: string;
  createdAt: string;
  bestModel: string;
  models: ModelCardModel[];
  classes: string[];
  data: {
    corpus: string;
    corpora: string[];
    /** True for the synthetic espeak-ng demo corpus. */
    demo: boolean;
    clips: number;
    /** Clips per corpus. */
    clipsPerCorpus: Record<string, number>;
    /** Corpus-qualified speaker ids (`tess:OAF`). */
    speakers: string[];
    /** Clips per class. */
    clipsPerClass: Record<string, number>;
    /** What the label policy merged, dropped or kept. */
    labelPolicy: {
      policy: string;
      merged: number;
      dropped: number;
      kept: number;
      changes: string[];
    };
    split: { train: number; val: number; test: number; how: string };
  };
  /** Why training ended early, when it was stopped (a stop file, a time budget). */
  trainingStopped?: string;
  /** The generalisation protocols on this data (from the evaluation step), when measured. */
  protocols: ModelCardProtocol[];
  /**
   * UA on new voices against the unlabelled clips of each voice the speaker normalisation had
   * seen (notebook 04's enrolment curves), when measured.
   */
  enrolment?: ModelCardEnrolment[];
  /** Where `protocols` and the test metrics come from. */
  evaluationSource?: string;
  intendedUse: string[];
  limits: string[];
}

/** What {@link buildModelCard} needs. */
export interface ModelCardInput {
  runId: string;
  models: Record<string, { kind: string; validationAccuracy: number }>;
  bestModel: string;
  classes: readonly string[];
  /** The dataset (e.g. `loadDataset`'s `Dataset`): its table needs `corpus`, `speaker`, `emotion`. */
  dataset: {
    corpus: string;
    corpora: readonly string[];
    source: { demo: boolean };
    table: pl.DataFrame;
    labels: {
      policy: string;
      merged: number;
      dropped: number;
      kept: number;
      changes: {
        corpus?: string;
        own?: string;
        label?: string;
        action: string;
        into?: string | null;
        clips: number;
      }[];
    };
  };
  split: { train: readonly number[]; val: readonly number[]; test: readonly number[] };
  /** Clip length in seconds the models take. */
  duration?: number;
  /** Why training was stopped early, if it was. */
  trainingStopped?: string;
  /**
   * The project report: its generalisation protocols go into the card when they were measured
   * on the same clips and corpora (the recipe on this data, from an earlier evaluation).
   */
  report?: ProjectReport;
  /** Time of creation (default now). */
  createdAt?: string;
}

function counts(values: unknown[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const value of values) result[String(value)] = (result[String(value)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}

/** The report's generalisation section when it was measured on these clips; else undefined. */
function sameDataSection(
  report: ProjectReport | undefined,
  clips: number,
  corpora: readonly string[],
) {
  const section = report?.evaluation?.generalisation;
  if (!section || section.clips !== clips) return undefined;
  if ([...(section.corpora ?? [])].sort().join() !== [...corpora].sort().join()) return undefined;
  return section;
}

/** The generalisation protocols in a report section, when it matches `clips` and `corpora`. */
function reportProtocols(
  report: ProjectReport | undefined,
  clips: number,
  corpora: readonly string[],
): ModelCardProtocol[] {
  const section = sameDataSection(report, clips, corpora);
  if (!section?.protocols) return [];
  return section.protocols.map((p) => ({
    protocol: p.protocol,
    model: p.model,
    speakerIndependent: p.speakerIndependent,
    accuracy: p.accuracy.mean,
    ua: p.ua.mean,
    folds: p.folds.length,
    ...(p.beforeAdaptation ? { uaBeforeAdaptation: p.beforeAdaptation.ua.mean } : {}),
  }));
}

/** The enrolment curves in a report section, when it matches `clips` and `corpora`. */
function reportEnrolment(
  report: ProjectReport | undefined,
  clips: number,
  corpora: readonly string[],
): ModelCardEnrolment[] {
  const section = sameDataSection(report, clips, corpora);
  if (!section?.enrolment) return [];
  return section.enrolment.map((curve) => ({
    protocol: curve.protocol,
    model: curve.model,
    points: curve.points.map((point) => ({ clips: point.clips, ua: point.ua.mean })),
  }));
}

/** "UA 0.631 with none of its clips, 0.686 after 10, 0.743 with all (RAVDESS 6x4 actors)". */
function enrolmentSentence(curve: ModelCardEnrolment): string | undefined {
  const at = (clips: number | "all") => curve.points.find((p) => p.clips === clips);
  const none = at(0), all = at("all");
  const some = curve.points.find((p) => typeof p.clips === "number" && p.clips >= 10);
  if (!none || !all) return undefined;
  return `UA ${none.ua.toFixed(3)} with none of its clips, ` +
    (some ? `${some.ua.toFixed(3)} after ${some.clips}, ` : "") +
    `${all.ua.toFixed(3)} with all (${curve.protocol})`;
}

/** The intended use and the limits, from what the card knows of the data and the results. */
function useAndLimits(
  card: Omit<ModelCard, "intendedUse" | "limits">,
  duration: number | undefined,
): { intendedUse: string[]; limits: string[] } {
  const clip = duration ? `${duration} s windows` : "short windows";
  const intendedUse = [
    `Research, teaching and demos: recognising the acted emotion categories ` +
    `(${card.classes.join(", ")}) in ${clip} of speech recorded like the training corpora ` +
    `(${card.data.corpora.join(", ")}).`,
    "Not for decisions about people (hiring, health, education, security, policing): emotion " +
    "recognition from the voice is unreliable on spontaneous speech and across speakers, " +
    "languages and recording conditions.",
  ];
  const limits: string[] = [];
  if (card.data.demo) {
    limits.push(
      "Trained on the synthetic demo corpus (espeak-ng voices with 7 prosody styles): it is NOT " +
        "emotional speech. The model only shows that every step runs; its answers on real voices " +
        "mean nothing.",
    );
  }
  limits.push(
    `Validation and test scores come from a random stratified split: the same ` +
      `${card.data.speakers.length} speaker(s) (and, in TESS, the same words) are on both sides, ` +
      "so they overstate accuracy on voices the model has not heard.",
  );
  const independent = card.protocols.filter((p) => p.speakerIndependent);
  if (independent.length > 0) {
    const best = independent.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const worst = independent.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    const range = worst === best
      ? `accuracy ${best.accuracy.toFixed(3)} (${best.protocol})`
      : `accuracy ${worst.accuracy.toFixed(3)} (${worst.protocol}) to ` +
        `${best.accuracy.toFixed(3)} (${best.protocol})`;
    limits.push(
      `Speaker-independent protocols (no speaker on both sides) give ${range}, chance ` +
        `${(1 / Math.max(1, card.classes.length)).toFixed(3)}: expect numbers like these on a ` +
        "new voice.",
    );
    if (independent.some((p) => p.uaBeforeAdaptation !== undefined)) {
      limits.push(
        "Those protocols adapt the model to each test voice on all of its unlabelled clips " +
          "(voice adaptation); `predict --enrol` does so from 20 enrolled clips, the live page " +
          "never: there, expect the UA before adaptation (the protocols table).",
      );
    }
  } else {
    limits.push(
      "No speaker-independent measurement on this data yet: run notebook 04 (its " +
        "generalisation section) before trusting the model on new voices.",
    );
  }
  const enrolment = (card.enrolment ?? []).map(enrolmentSentence).filter((s) => s !== undefined);
  if (enrolment.length > 0) {
    limits.push(
      `A new voice is normalised with what the model has seen of it: ${enrolment.join("; ")}. ` +
        "Enrol a few unlabelled clips of the speaker (`predictor.pooled.enrol`) or let the live " +
        "page adapt before trusting its answers.",
    );
  }
  if (card.data.speakers.length <= 2) {
    limits.push(
      `Only ${card.data.speakers.length} speaker(s) (${card.data.speakers.join(", ")}): the ` +
        "model learns these voices as much as the emotions.",
    );
  }
  if (!card.data.demo) {
    limits.push(
      "Acted emotions read by actors in studio conditions (English for TESS, RAVDESS, " +
        "CREMA-D and SAVEE; German for EMO-DB): spontaneous emotions are subtler and mixed.",
    );
  }
  limits.push(
    "Every window with speech gets one of the classes, even when none fits; windows without " +
      "speech and clips shorter than a window are flagged instead (see `deno task predict`).",
  );
  if (card.data.labelPolicy.changes.length > 0) {
    limits.push(
      `Label policy "${card.data.labelPolicy.policy}": ${
        card.data.labelPolicy.changes.join("; ")
      }.`,
    );
  }
  if (card.trainingStopped) {
    limits.push(
      `Training was stopped early (${card.trainingStopped}): the set may be undertrained.`,
    );
  }
  return { intendedUse, limits };
}

/**
 * Builds the card of a model set from the training step's values.
 *
 * @param input the run, its models' validation scores, the dataset, the split and the report
 * @returns the card (JSON-able)
 * @example
 * ```ts
 * function example(input: ModelCardInput) { // the run's models, classes, dataset and split
 *   const { runId, models, bestModel, classes, dataset, split, report } = input;
 *   const card = buildModelCard({ runId, models, bestModel, classes, dataset, split, report });
 * }
 * ```
 */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const table = input.dataset.table;
  const speakers = [...new Set((table.getColumn("speaker").toArray() as unknown[]).map(String))]
    .sort();
  const labels = input.dataset.labels;
  const card: Omit<ModelCard, "intendedUse" | "limits"> = {
    version: 1,
    run: input.runId,
    createdAt: input.createdAt ?? new Date().toISOString(),
    bestModel: input.bestModel,
    models: Object.entries(input.models).map(([name, m]) => ({
      name,
      kind: m.kind,
      validationAccuracy: m.validationAccuracy,
    })),
    classes: [...input.classes],
    data: {
      corpus: input.dataset.corpus,
      corpora: [...input.dataset.corpora],
      demo: input.dataset.source.demo,
      clips: table.height,
      clipsPerCorpus: counts(table.getColumn("corpus").toArray() as unknown[]),
      speakers,
      clipsPerClass: counts(table.getColumn("emotion").toArray() as unknown[]),
      labelPolicy: {
        policy: labels.policy,
        merged: labels.merged,
        dropped: labels.dropped,
        kept: labels.kept,
        changes: labels.changes.map((c) =>
          `${c.clips} ${c.corpus ? `${c.corpus} ` : ""}${
            c.own ?? c.label ?? ""
          } clip(s) ${c.action}` +
          (c.into ? ` into ${c.into}` : "")
        ),
      },
      split: {
        train: input.split.train.length,
        val: input.split.val.length,
        test: input.split.test.length,
        how: "random, stratified by emotion (speakers on both sides)",
      },
    },
    ...(input.trainingStopped ? { trainingStopped: input.trainingStopped } : {}),
    protocols: reportProtocols(input.report, table.height, input.dataset.corpora),
  };
  const enrolment = reportEnrolment(input.report, table.height, input.dataset.corpora);
  if (enrolment.length > 0) card.enrolment = enrolment;
  if (card.protocols.length > 0) {
    card.evaluationSource = `generalisation protocols of the evaluation of ` +
      `${input.report?.updatedAt ?? "?"} on the same clips (the recipe, retrained per fold)`;
  }
  return { ...card, ...useAndLimits(card, input.duration) };
}

/**
 * The card completed by the evaluation step: test metrics of each model and the generalisation
 * protocols from the report's `evaluation` section (the limits are rewritten from them).
 *
 * @param card the card of the promoted set
 * @param report the project report after the evaluation step updated it
 * @param duration clip length in seconds (for the intended-use line)
 */
export function completeModelCard(
  card: ModelCard,
  report: ProjectReport,
  duration?: number,
): ModelCard {
  const models = card.models.map((model) => {
    const test = report.evaluation?.models[model.name];
    return test
      ? { ...model, test: { accuracy: test.accuracy, macroF1: test.macroF1, f1: test.f1 } }
      : model;
  });
  const protocols = reportProtocols(report, card.data.clips, card.data.corpora);
  const enrolment = reportEnrolment(report, card.data.clips, card.data.corpora);
  const { intendedUse: _u, limits: _l, ...rest } = card;
  const next = {
    ...rest,
    models,
    protocols: protocols.length > 0 ? protocols : card.protocols,
    ...(enrolment.length > 0 ? { enrolment } : {}),
    evaluationSource: protocols.length > 0
      ? `evaluation of this set on ${report.updatedAt}`
      : card.evaluationSource,
  };
  return { ...next, ...useAndLimits(next, duration) };
}

function cell(value: string | number): string {
  return String(value).replace(/\|/g, "\\|");
}

/**
 * The card as Markdown: data, models and scores, protocols, intended use, limits.
 *
 * @param card the card
 * @returns Markdown text
 */
export function renderModelCard(card: ModelCard): string {
  const d = card.data;
  const lines = [
    `# Model card: run ${card.run}`,
    "",
    `Best model on validation: **${card.bestModel}**. Classes: ${card.classes.join(", ")}. ` +
    `Created ${card.createdAt}.`,
    "",
    "## Data",
    "",
    `- Corpora: ${d.corpora.join(", ")}${d.demo ? " (the synthetic demo corpus)" : ""}; ` +
    `${d.clips} clips (${
      Object.entries(d.clipsPerCorpus).map(([c, n]) => `${c} ${n}`).join(", ")
    }).`,
    `- Speakers (${d.speakers.length}): ${d.speakers.join(", ")}.`,
    `- Clips per class: ${
      Object.entries(d.clipsPerClass).map(([c, n]) => `${c} ${n}`).join(", ")
    }.`,
    `- Label policy "${d.labelPolicy.policy}": ${d.labelPolicy.merged} merged, ` +
    `${d.labelPolicy.dropped} dropped, ${d.labelPolicy.kept} kept as own class` +
    (d.labelPolicy.changes.length ? ` (${d.labelPolicy.changes.join("; ")})` : "") + ".",
    `- Split: ${d.split.train} train / ${d.split.val} validation / ${d.split.test} test clips, ` +
    `${d.split.how}.`,
    "",
    "## Models",
    "",
    "| model | kind | validation accuracy | test accuracy | test macro F1 |",
    "| --- | --- | --- | --- | --- |",
    ...card.models.map((m) =>
      `| ${cell(m.name)}${m.name === card.bestModel ? " (best)" : ""} | ${m.kind} | ` +
      `${m.validationAccuracy.toFixed(4)} | ${m.test ? m.test.accuracy.toFixed(4) : "-"} | ` +
      `${m.test ? m.test.macroF1.toFixed(4) : "-"} |`
    ),
    "",
  ];
  if (card.trainingStopped) lines.push(`Training was stopped: ${card.trainingStopped}.`, "");
  lines.push("## Generalisation protocols", "");
  if (card.protocols.length > 0) {
    lines.push(
      "| protocol | model | speaker-independent | folds | accuracy | UA | UA before voice adaptation |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...card.protocols.map((p) =>
        `| ${cell(p.protocol)} | ${p.model} | ${p.speakerIndependent ? "yes" : "no"} | ` +
        `${p.folds} | ${p.accuracy.toFixed(3)} | ${p.ua.toFixed(3)} | ` +
        `${p.uaBeforeAdaptation === undefined ? "" : p.uaBeforeAdaptation.toFixed(3)} |`
      ),
      "",
      `Source: ${card.evaluationSource ?? "the project report"}. UA = unweighted average recall.`,
    );
  } else {
    lines.push("Not measured yet (notebook 04's generalisation section).");
  }
  for (const curve of card.enrolment ?? []) {
    lines.push(
      "",
      `UA on new voices after k unlabelled clips of each (${
        cell(curve.protocol)
      }, ${curve.model}):`,
      "",
      `| k | ${curve.points.map((p) => p.clips).join(" | ")} |`,
      `| --- | ${curve.points.map(() => "---").join(" | ")} |`,
      `| UA | ${curve.points.map((p) => p.ua.toFixed(3)).join(" | ")} |`,
    );
  }
  lines.push(
    "",
    "## Intended use",
    "",
    ...card.intendedUse.map((line) => `- ${line}`),
    "",
    "## Limits",
    "",
    ...card.limits.map((line) => `- ${line}`),
    "",
  );
  return lines.join("\n");
}

/** File names of the card in a folder. */
export const MODEL_CARD_FILES = { json: "model_card.json", markdown: "model_card.md" } as const;

/**
 * Writes `model_card.json` and `model_card.md` into `dir` (atomically).
 *
 * @returns the two paths
 */
export async function writeModelCard(
  dir: string,
  card: ModelCard,
): Promise<{ json: string; markdown: string }> {
  const json = join(dir, MODEL_CARD_FILES.json);
  const markdown = join(dir, MODEL_CARD_FILES.markdown);
  await writeJsonAtomic(json, card);
  await writeTextAtomic(markdown, renderModelCard(card));
  return { json, markdown };
}

/**
 * Reads `model_card.json` from a folder (e.g. the promoted set's).
 *
 * @throws Error naming the file when it is missing (a set promoted before cards existed) or
 *   not a card
 */
export async function readModelCard(dir: string): Promise<ModelCard> {
  const path = join(dir, MODEL_CARD_FILES.json);
  let card: ModelCard;
  try {
    card = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${path}: no model card (the set was promoted before cards were written; ` +
          "rerun notebooks/03_training.ipynb)",
      );
    }
    throw new Error(`${path}: not a valid model card (${(error as Error).message})`);
  }
  if (card.version !== 1 || !Array.isArray(card.models)) {
    throw new Error(`${path}: not a model card of version 1`);
  }
  return card;
}
