/**
 * Timed runs of this project's Deno scripts in a child process (a cold start each time), for
 * the benchmarks that measure what a user's command costs.
 *
 * @example
 * ```ts
 * import { runDeno } from "./process.ts";
 * const { seconds } = await runDeno(["eval", "console.log(1)"]);
 * ```
 * @module
 */
import { PROJECT_ROOT } from "../../config.ts";

/** What {@link runDeno} measured and printed. */
export interface TimedRun {
  /** Wall-clock seconds from spawn to exit. */
  seconds: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno <args>` in the project root and times it.
 *
 * @param args arguments after the Deno executable, e.g. `["run", "-A", "cli/predict.ts", clip]`
 * @param options `env`: variables added to the child's environment
 * @throws Error naming the command, its exit code and the last 15 lines of its output
 */
export async function runDeno(
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<TimedRun> {
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    env: options.env,
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) {
    const tail = (out + err).trim().split("\n").slice(-15).join("\n");
    throw new Error(`${args.slice(2).join(" ")} exited ${code}:\n${tail}`);
  }
  return { seconds, stdout: out, stderr: err };
}
