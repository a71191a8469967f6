/**
 * Unknown flags are errors in every CLI: a typo such as `--epoch` exits 2 with a message naming
 * the flag and the closest known one, before anything runs (the programs run as subprocesses,
 * as `deno task` runs them).
 */
import assert from "node:assert/strict";
import { ConfigError, configFromArgs } from "../config.ts";
import { closestFlag, parseCliArgs, UsageError } from "../lib/util/cli_args.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function runCli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `cli/${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    // An empty data folder setting must not matter: the flags fail before any data is read.
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

Deno.test("closestFlag: typos, case and dash variants; nothing far-fetched", () => {
  const known = ["epochs", "batch-size", "lstm-units", "models", "out", "quiet"];
  assert.equal(closestFlag("--epoch", known), "epochs");
  assert.equal(closestFlag("btach-size", known), "batch-size"); // a swap is one edit
  assert.equal(closestFlag("batchSize", known), "batch-size");
  assert.equal(closestFlag("lstm_units", known), "lstm-units");
  assert.equal(closestFlag("modles", known), "models");
  assert.equal(closestFlag("ot", known), "out");
  assert.equal(closestFlag("verbose", known), undefined);
  assert.equal(closestFlag("x", known), undefined);
});

Deno.test("configFromArgs: unknown flags throw naming the flag; program flags and booleans", () => {
  assert.throws(
    () => configFromArgs(["--epoch", "5"]),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message === "unknown flag --epoch; did you mean --epochs?",
  );
  assert.throws(() => configFromArgs(["--out", "x"]), /unknown flag --out/);
  assert.throws(() => configFromArgs(["-q"]), /unknown flag -q/);
  // Suggestions include the program's own flags.
  assert.throws(() => configFromArgs(["--quite"], { quiet: "boolean" }), /did you mean --quiet\?/);
  // A boolean flag takes no value, so the folder after it stays positional.
  const parsed = configFromArgs(["--quiet", "data/x", "--out", "f.bin", "--epochs=3"], {
    quiet: "boolean",
    out: "value",
  });
  assert.deepEqual(parsed, {
    overrides: { epochs: 3 },
    positional: ["data/x"],
    flags: { quiet: "true", out: "f.bin" },
  });
  assert.throws(() => configFromArgs(["--out"], { out: "value" }), /--out needs a value/);
  assert.deepEqual(configFromArgs(["-h"]).flags, { help: "true" });
  assert.deepEqual(configFromArgs(["--", "--not-a-flag"]).positional, ["--not-a-flag"]);
  // Values still go through the config's own checks.
  assert.throws(() => configFromArgs(["--epochs", "many"]), ConfigError);
});

Deno.test("parseCliArgs: node's parseArgs errors become UsageErrors with a suggestion", () => {
  const options = { model: { type: "string" }, quiet: { type: "boolean" } } as const;
  assert.throws(
    () => parseCliArgs({ args: ["--modle", "lstm"], options }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message === "unknown flag --modle; did you mean --model?",
  );
  assert.throws(() => parseCliArgs({ args: ["--model"], options }), UsageError);
  assert.deepEqual({ ...parseCliArgs({ args: ["--quiet"], options }).values }, { quiet: true });
});

Deno.test("CLIs as subprocesses: a mistyped flag exits 2 naming it and the closest flag", async () => {
  const cases: [string, string[], RegExp][] = [
    ["pipeline.ts", ["--epoch", "5"], /pipeline: unknown flag --epoch; did you mean --epochs\?/],
    [
      "extract.ts",
      ["data", "--wrkers", "2"],
      /extract: unknown flag --wrkers; did you mean --workers\?/,
    ],
    [
      "predict.ts",
      ["a.wav", "--modle", "gru"],
      /predict: unknown flag --modle; did you mean --model\?/,
    ],
    ["demo_corpus.ts", ["--word", "3"], /demo-corpus: unknown flag --word; did you mean --words\?/],
    ["live.ts", ["--prot", "9"], /live: unknown flag --prot; did you mean --port\?/],
    [
      "generalise.ts",
      ["--augmnet", "2"],
      /generalise: unknown flag --augmnet; did you mean --augment\?/,
    ],
    ["bench.ts", ["--limt", "3"], /bench: unknown flag --limt; did you mean --limit\?/],
    // Flags bench passes on to the training benchmark are checked up front too.
    ["bench.ts", ["--epoch", "3"], /bench: unknown flag --epoch; did you mean --epochs\?/],
  ];
  for (const [script, args, pattern] of cases) {
    const { code, stdout, stderr } = await runCli(script, args);
    assert.equal(code, 2, `${script} ${args.join(" ")}: exit ${code}\n${stdout}\n${stderr}`);
    assert.match(stderr, pattern, `${script}: ${stderr}`);
    // Nothing ran: no pipeline/extraction output on stdout.
    assert.equal(stdout.trim(), "", `${script} printed: ${stdout}`);
  }
});
