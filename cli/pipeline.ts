/**
 * `deno task pipeline [--data-dir DIR] [--epochs N] [...any config flag]`: the main job. Makes
 * sure there is data (generating the synthetic demo corpus when no corpus is configured), then
 * executes the four notebooks in order in a real Jupyter client (headless), writing
 * `outputs/<notebook>.html`, the executed notebooks, the charts, the models and
 * `outputs/project_report.json`. Config flags are passed to the notebooks as `SER_*` variables.
 * An unknown flag (a typo such as `--epoch`) is an error (exit 2) naming it and the closest
 * known flag, before anything runs.
 * @module
 */
import { configFromArgs, configToEnv, loadConfig, PROJECT_ROOT } from "../config.ts";
import { UsageError } from "../lib/util/mod.ts";
import {
  demoProfileOverrides,
  notebookSupport,
  projectPaths,
  readReport,
  resolveDataSource,
  runNotebooks,
} from "../lib/pipeline/mod.ts";

const NOTEBOOKS = [
  "01_data_exploration",
  "02_feature_extraction",
  "03_training",
  "04_evaluation",
];

async function main(): Promise<number> {
  const { overrides, flags, positional } = configFromArgs(Deno.args, {
    only: "value",
    timeout: "value",
  });
  if (flags.help) {
    console.log(
      "Usage: deno task pipeline [--data-dir DIR] [--epochs N] [--models lstm,gru] " +
        "[--cv-folds K] [--only 01,03] [--timeout SECONDS]\n" +
        "Any config field works as a flag; SER_* environment variables work too.",
    );
    return 0;
  }
  if (positional.length > 0) {
    throw new UsageError(`unexpected argument "${positional[0]}" (the pipeline takes only flags)`);
  }
  const config = loadConfig(overrides);
  for (const [name, value] of Object.entries(configToEnv(overrides))) Deno.env.set(name, value);

  const support = await notebookSupport("deno");
  if (!support.ok) {
    console.error(`pipeline: cannot run notebooks: ${support.reason}`);
    console.error("run: bash tools/setup.sh");
    return 1;
  }
  const source = await resolveDataSource(config);
  console.log(
    `[pipeline] data: ${source.dir}${
      source.demo ? " (SYNTHETIC DEMO CORPUS: set SER_DATA_DIR for real data)" : ""
    }`,
  );
  if (source.demo) {
    const profile = demoProfileOverrides(overrides, Deno.env.toObject());
    for (const [name, value] of Object.entries(configToEnv(profile))) Deno.env.set(name, value);
    if (Object.keys(profile).length > 0) {
      console.log(
        `[pipeline] demo profile: ${
          Object.entries(profile).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(",") : v}`)
            .join(", ")
        } (any flag or SER_* variable overrides it)`,
      );
    }
  }
  const only = flags.only ? flags.only.split(",") : undefined;
  const chosen = NOTEBOOKS.filter((name) =>
    !only || only.some((prefix) => name.startsWith(prefix))
  );
  const outDir = projectPaths(config).outputsDir;
  const started = performance.now();
  const results = await runNotebooks(
    chosen.map((name) => `${PROJECT_ROOT}/notebooks/${name}.ipynb`),
    {
      outDir,
      python: support.python,
      cellTimeoutSeconds: Number(flags.timeout ?? 7200),
      verbose: true,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  for (const result of results) {
    console.log(`[pipeline] ${result.notebook}: ${result.seconds.toFixed(0)} s -> ${result.html}`);
  }
  const report = await readReport(projectPaths(config).report);
  for (const [name, metrics] of Object.entries(report.evaluation?.models ?? {})) {
    console.log(
      `[pipeline] ${name}: accuracy ${metrics.accuracy.toFixed(4)} precision ` +
        `${metrics.precision.toFixed(4)} recall ${metrics.recall.toFixed(4)} f1 ${
          metrics.f1.toFixed(4)
        }`,
    );
  }
  console.log(
    `[pipeline] done in ${seconds.toFixed(0)} s; report: ${projectPaths(config).report}`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`pipeline: ${error instanceof Error ? error.message : error}`);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
