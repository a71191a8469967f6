/**
 * The demo pipeline benchmark: what `bash tools/setup.sh --run` does after set-up — the four
 * notebooks on the synthetic demo corpus with its demo profile — timed from a new process, in a
 * temporary project (models, outputs, logs and the feature cache in a temp folder, the cache
 * empty: the first run a new user sees), then `deno task predict` of one demo clip from a cold
 * process with the set it trained. The user's own models/, outputs/ and cache are not touched.
 *
 * @example
 * ```ts
 * import { benchDemoPipeline } from "./demo.ts";
 * const result = await benchDemoPipeline();
 * console.log(`demo pipeline ${result.pipelineSeconds.toFixed(0)} s`);
 * ```
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../../config.ts";
import { runDeno } from "./process.ts";

/** What {@link benchDemoPipeline} measured. */
export interface DemoPipelineBench {
  /** Wall seconds of `deno task pipeline` on the demo corpus, process start to exit. */
  pipelineSeconds: number;
  /** Seconds of each notebook as the pipeline printed them. */
  notebooks: Record<string, number>;
  /** Wall seconds of `deno task predict <demo clip>` in a new process, with the set just trained. */
  coldPredictSeconds: number;
  /** The clip predicted. */
  clip: string;
  /** Targets of the speed issue: pipeline <= 180 s, cold predict <= 1 s. */
  targets: { pipelineSeconds: 180; coldPredictSeconds: 1 };
}

/** Options of {@link benchDemoPipeline}. */
export interface DemoPipelineOptions {
  /** Keep the temporary project (default false: removed afterwards). */
  keep?: boolean;
  /** Print the pipeline's own output (default false: only its summary lines). */
  verbose?: boolean;
}

async function run(args: string[], env: Record<string, string>, verbose: boolean) {
  const { seconds, stdout, stderr } = await runDeno(args, { env });
  if (verbose) console.log(stdout + stderr);
  return { seconds, out: stdout };
}

/** Runs the demo pipeline in a temporary project and times it and a cold `predict`. */
export async function benchDemoPipeline(
  options: DemoPipelineOptions = {},
): Promise<DemoPipelineBench> {
  const temp = await Deno.makeTempDir({ prefix: "ser_bench_demo_" });
  const env: Record<string, string> = {
    // An empty data folder is the demo corpus (generated into data/demo when missing).
    SER_DATA_DIR: "",
    SER_MODELS_DIR: join(temp, "models"),
    SER_OUTPUTS_DIR: join(temp, "outputs"),
    SER_LOGS_DIR: join(temp, "logs"),
    SER_CACHE_DIR: join(temp, "cache"),
  };
  try {
    const pipeline = await run(
      ["run", "-A", join(PROJECT_ROOT, "cli/pipeline.ts")],
      env,
      options.verbose ?? false,
    );
    const notebooks: Record<string, number> = {};
    for (const match of pipeline.out.matchAll(/^\[pipeline\] \S*?(\d\d_\w+)\.ipynb: (\d+) s/gm)) {
      notebooks[match[1]] = Number(match[2]);
    }
    const clip = await firstDemoClip();
    const predict = await run(
      [
        "run",
        "-A",
        join(PROJECT_ROOT, "cli/predict.ts"),
        clip,
        "--models-dir",
        env.SER_MODELS_DIR,
        "--quiet",
      ],
      env,
      false,
    );
    return {
      pipelineSeconds: pipeline.seconds,
      notebooks,
      coldPredictSeconds: predict.seconds,
      clip,
      targets: { pipelineSeconds: 180, coldPredictSeconds: 1 },
    };
  } finally {
    if (!options.keep) await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

async function firstDemoClip(): Promise<string> {
  const dir = join(PROJECT_ROOT, "data/demo");
  const clips: string[] = [];
  for await (const speakerEmotion of Deno.readDir(dir)) {
    if (!speakerEmotion.isDirectory) continue;
    for await (const entry of Deno.readDir(join(dir, speakerEmotion.name))) {
      if (entry.isFile && entry.name.endsWith(".wav")) {
        clips.push(join(dir, speakerEmotion.name, entry.name));
      }
    }
  }
  if (clips.length === 0) throw new Error(`${dir}: no demo clip (.wav) after the pipeline ran`);
  return clips.sort()[0];
}
