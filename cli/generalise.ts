/**
 * `deno task generalise [--data a,b] [--models ensemble,svm,logistic] [--out F]`: runs the
 * generalisation protocols on real corpora and prints one table (protocol, model, accuracy, UA,
 * mean ± std, minutes).
 *
 * Defaults: `../shared/data/TESS` and `../shared/data/RAVDESS-22k` when they exist beside the
 * project, plus the synthetic demo corpus (`data/demo`, made with espeak-ng if missing). Protocols:
 * the random TESS split, TESS cross-speaker (both directions), RAVDESS 6 x 4 actors, and with
 * several corpora leave-one-corpus-out and the cross-corpus matrix; then, for the default model on
 * the speaker-independent protocols within one corpus (TESS cross-speaker, RAVDESS 6 x 4 actors,
 * speaker groups of another corpus), UA against the number of unlabelled clips of each new voice
 * the speaker normalisation has seen (`--no-enrolment` skips it). Results go to
 * `outputs/generalisation.json` (atomic write).
 * @module
 */
import { loadConfig, PROJECT_ROOT, projectPath } from "../config.ts";
import { scanCorpora } from "../lib/data_loader/mod.ts";
import { formatMeanStd } from "../lib/evaluate/mod.ts";
import { extractUtteranceSet, type UtteranceSettings } from "../lib/features/mod.ts";
import {
  DEFAULT_EMPHASIS,
  DEFAULT_VOICE_ADAPTATION,
  ensemblePooledSpec,
  logisticPooledSpec,
  type PooledSpec,
  svmPooledSpec,
} from "../lib/models/mod.ts";
import {
  augmentedFunctionals,
  type EnrolmentCurve,
  enrolmentProtocols,
  enrolmentTable,
  type Protocol,
  type ProtocolResult,
  protocolsFor,
  resolveDataSource,
  runEnrolmentCurve,
  runPooledProtocol,
  utteranceData,
} from "../lib/pipeline/mod.ts";
import { DEFAULT_AUGMENTATION_POLICY } from "../lib/augment/mod.ts";
import { parseCliArgs, UsageError, writeTextAtomic } from "../lib/util/mod.ts";

const USAGE = `usage: deno task generalise [--data DIR[,DIR...]] [--models ensemble,svm,logistic]
                              [--augment COPIES] [--no-demo] [--no-enrolment]
                              [--out outputs/generalisation.json]`;

/**
 * The models the table compares. `ensemble` is the project's default (`pooledModelSpec` with
 * `config.voiceAdaptation`): the SVM + softmax-regression ensemble, self-trained on each test
 * speaker's unlabelled clips (`lib/models/voice_adaptation.ts`). `augmented`: trained with the
 * augmented copies of the training clips (`--augment`, default 2). The rest are variants and
 * ablations WITHOUT voice adaptation (compare them with `ensemble-noadapt`, the default without
 * it): `-flat` every functional weighted the same, `-nocontour` without the contour-shape and
 * voice-quality functionals, `-noaug` without augmentation, `svm`/`logistic` one model alone,
 * `-global` global normalisation, `-pooled` one classifier on the pooled clips of several corpora
 * instead of one per corpus (run only on protocols whose training side spans corpora: elsewhere
 * it is `-noadapt`).
 */
const SPECS: Record<
  string,
  { spec: () => PooledSpec; augmented: boolean; multiCorpusOnly?: boolean }
> = {
  ensemble: {
    spec: () => ensemblePooledSpec({ voiceAdaptation: DEFAULT_VOICE_ADAPTATION }),
    augmented: true,
  },
  "ensemble-noadapt": {
    spec: () => ensemblePooledSpec({ name: "ensemble-noadapt" }),
    augmented: true,
  },
  "ensemble-flat": {
    spec: () => ensemblePooledSpec({ name: "ensemble-flat", emphasis: [] }),
    augmented: true,
  },
  "ensemble-nocontour": {
    // Weight 0 drops the contour-shape and voice-quality functionals: the recipe before them.
    spec: () =>
      ensemblePooledSpec({
        name: "ensemble-nocontour",
        emphasis: DEFAULT_EMPHASIS.map(({ prefix }) => ({ prefix, weight: 0 })),
      }),
    augmented: true,
  },
  "ensemble-pooled": {
    spec: () => ensemblePooledSpec({ name: "ensemble-pooled", corpusExperts: undefined }),
    augmented: true,
    multiCorpusOnly: true,
  },
  "ensemble-noaug": {
    spec: () => ensemblePooledSpec({ name: "ensemble-noaug" }),
    augmented: false,
  },
  svm: { spec: () => svmPooledSpec(), augmented: false },
  logistic: { spec: () => logisticPooledSpec(), augmented: false },
  "ensemble-global": {
    spec: () => ensemblePooledSpec({ name: "ensemble-global", normalization: "global" }),
    augmented: false,
  },
};

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const { values } = parseCliArgs({
    args: Deno.args,
    options: {
      data: { type: "string" },
      models: { type: "string" },
      out: { type: "string" },
      "no-demo": { type: "boolean", default: false },
      augment: { type: "string" },
      "no-enrolment": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const args = { flags: values };
  const augmentCopies = Number(values.augment ?? 2);
  if (!Number.isInteger(augmentCopies) || augmentCopies < 0) {
    console.error(
      `generalise: --augment must be a whole number of copies >= 0, got ${values.augment}`,
    );
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelNames = (args.flags.models ?? Object.keys(SPECS).join(",")).split(",");
  for (const name of modelNames) {
    if (!SPECS[name]) {
      console.error(
        `generalise: unknown model "${name}" (known: ${Object.keys(SPECS).join(", ")})`,
      );
      return 2;
    }
  }
  const shared = `${PROJECT_ROOT}/../shared/data`;
  const dirs = args.flags.data
    ? args.flags.data.split(",").map(projectPath)
    : (await Promise.all([`${shared}/TESS`, `${shared}/RAVDESS-22k`].map(async (dir) =>
      (await isDir(dir)) ? dir : undefined
    ))).filter((dir): dir is string =>
      dir !== undefined
    );
  const settings: UtteranceSettings = { sampleRate: 22050 };
  // The project's feature cache (`SER_CACHE_DIR` moves it, e.g. to time a cold run).
  const cacheDir = projectPath(loadConfig().cacheDir);
  const results: ProtocolResult[] = [];
  const enrolment: EnrolmentCurve[] = [];
  const rows: string[][] = [];
  const runAll = (
    label: string,
    protocols: Protocol[],
    data: ReturnType<typeof utteranceData>,
    augmented: Float32Array[],
  ) => {
    for (const protocol of protocols) {
      const mixesCorpora = protocol.folds.some((fold) =>
        new Set(fold.train.map((i) => data.corpora[i])).size > 1
      );
      for (const name of modelNames) {
        if (SPECS[name].multiCorpusOnly && !mixesCorpora) continue;
        const spec = SPECS[name].spec();
        const result = runPooledProtocol(data, protocol, spec, {
          allowSharedSpeakers: protocol.name.startsWith("random"),
          augmented: SPECS[name].augmented ? augmented : [],
        });
        results.push(result);
        const folds = result.folds.map((fold) => `${fold.name}: ${fold.ua.toFixed(3)}`).join("; ");
        const shown = SPECS[name].augmented && augmented.length > 0
          ? `${name} (+${augmented.length} aug.)`
          : name;
        rows.push([
          `${label}${protocol.name}`,
          shown,
          formatMeanStd(result.accuracy),
          formatMeanStd(result.ua),
          (result.seconds / 60).toFixed(2),
        ]);
        console.log(
          `${label}${protocol.name} | ${shown} | acc ${formatMeanStd(result.accuracy)} | UA ${
            formatMeanStd(result.ua)
          } | ${result.seconds.toFixed(1)} s | ${folds}`,
        );
      }
    }
  };

  const timings: Record<string, number> = {};
  if (dirs.length > 0) {
    const start = performance.now();
    const scan = await scanCorpora(dirs, { silent: true });
    const set = await extractUtteranceSet(
      scan.table.getColumn("path").toArray() as string[],
      settings,
      { cacheDir },
    );
    for (const failure of set.failures) console.warn(`skipped ${failure.path}: ${failure.problem}`);
    const data = utteranceData(set, scan.table, scan.classes);
    // Augmented copies of every clip (the protocols use those of training clips only).
    const augmented = await augmentedFunctionals(data.paths, settings, {
      policy: { ...DEFAULT_AUGMENTATION_POLICY, copies: augmentCopies },
      seed: 42,
    }, { cacheDir });
    timings.extractSeconds = (performance.now() - start) / 1000;
    console.log(
      `${data.labels.length} clips, ${new Set(data.speakers).size} speakers, ` +
        `${data.dimensions} functionals, corpora ${[...new Set(data.corpora)].join("+")} ` +
        `(${timings.extractSeconds.toFixed(0)} s to scan and extract)`,
    );
    const protocols = protocolsFor(data, { seed: 42 });
    runAll("", protocols, data, augmented);
    if (!args.flags["no-enrolment"]) {
      // How many unlabelled clips of a new voice the default model needs (the live page and
      // `enrol` have a few, the protocols above use all of them).
      const start = performance.now();
      for (const protocol of enrolmentProtocols(data, protocols)) {
        const curve = runEnrolmentCurve(data, protocol, SPECS.ensemble.spec(), { augmented });
        enrolment.push(curve);
        console.log(
          `enrolment, ${protocol.name}: ` +
            curve.points.map((p) => `${p.clips} clips UA ${p.ua.mean.toFixed(3)}`).join(", "),
        );
      }
      timings.enrolmentSeconds = (performance.now() - start) / 1000;
    }
  } else {
    console.warn("generalise: no corpus found (../shared/data/TESS, RAVDESS-22k); pass --data");
  }

  if (!args.flags["no-demo"]) {
    const source = await resolveDataSource(loadConfig({ dataDir: "" }, { env: {} }), {
      silent: true,
    });
    const scan = await scanCorpora(source.dirs, { silent: true });
    const set = await extractUtteranceSet(
      scan.table.getColumn("path").toArray() as string[],
      settings,
      { cacheDir, progress: false },
    );
    const data = utteranceData(set, scan.table, scan.classes);
    runAll("demo corpus: ", protocolsFor(data, { seed: 42 }), data, []);
  }

  const header = ["protocol", "model", "accuracy (WA)", "UA", "minutes"];
  const table = [header, header.map(() => "---"), ...rows]
    .map((row) => `| ${row.join(" | ")} |`).join("\n");
  console.log(`\n${table}`);
  if (enrolment.length > 0) {
    console.log(
      `\nUA against the unlabelled clips of each new voice the speaker normalisation has seen ` +
        `(ensemble, prior worth ${enrolment[0].priorWeight} clips, ${
          enrolment[0].repeats
        } draws):\n` +
        enrolmentTable(enrolment),
    );
  }
  const out = projectPath(args.flags.out ?? "outputs/generalisation.json");
  await writeTextAtomic(
    out,
    JSON.stringify(
      {
        settings,
        augmentCopies,
        timings,
        enrolment,
        results: results.map((result) => ({
          ...result,
          folds: result.folds.map(({ metrics, ...fold }) => ({
            ...fold,
            confusionMatrix: metrics.confusionMatrix,
            labels: metrics.labels,
          })),
        })),
      },
      null,
      1,
    ),
  );
  console.log(`\nwrote ${out}`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`generalise: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
