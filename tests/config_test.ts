import assert from "node:assert/strict";
import {
  ConfigError,
  configFromArgs,
  configFromEnv,
  configToEnv,
  dataDirs,
  DEFAULT_CONFIG,
  featureWidth,
  framesPerClip,
  loadConfig,
} from "../config.ts";

Deno.test("config: defaults are the seed's", () => {
  const config = loadConfig({}, { env: {} });
  assert.equal(config.sampleRate, 22050);
  assert.equal(config.duration, 3);
  assert.equal(config.nMfcc, 40);
  assert.equal(config.nFft, 2048);
  assert.equal(config.hopLength, 512);
  assert.equal(config.batchSize, 64);
  assert.equal(config.epochs, 100);
  assert.equal(config.learningRate, 0.001);
  assert.deepEqual(config.lstmUnits, [128, 64]);
  assert.deepEqual(config.gruUnits, [128, 64]);
  assert.equal(config.dropout, 0.3);
  // The seed's 188 features per frame and 130 frames per 3 s clip.
  assert.equal(featureWidth(config), 188);
  assert.equal(framesPerClip(config), 130);
});

Deno.test("config: overrides do not mutate the defaults", () => {
  const config = loadConfig({ epochs: 5, lstmUnits: [32, 16] }, { env: {} });
  config.gruUnits.push(8);
  assert.equal(config.epochs, 5);
  assert.deepEqual(config.lstmUnits, [32, 16]);
  assert.deepEqual(DEFAULT_CONFIG.gruUnits, [128, 64]);
});

Deno.test("config: environment variables override defaults", () => {
  const env = { SER_EPOCHS: "7", SER_LSTM_UNITS: "64,32", SER_DATA_DIR: "/data/tess" };
  assert.deepEqual(configFromEnv(env), { epochs: 7, lstmUnits: [64, 32], dataDir: "/data/tess" });
  const config = loadConfig({ batchSize: 16 }, { env });
  assert.equal(config.epochs, 7);
  assert.equal(config.batchSize, 16);
  assert.throws(() => configFromEnv({ SER_EPOCHS: "many" }), /config\.epochs: expected a number/);
});

Deno.test("config: command-line flags in kebab and camel case", () => {
  const { overrides, positional, flags } = configFromArgs([
    "data/tess",
    "--batch-size",
    "32",
    "--learningRate=0.01",
    "--features",
    "mfcc,zcr",
    "--out",
    "features.bin",
  ], { out: "value" });
  assert.deepEqual(overrides, { batchSize: 32, learningRate: 0.01, features: ["mfcc", "zcr"] });
  assert.deepEqual(positional, ["data/tess"]);
  assert.deepEqual(flags, { out: "features.bin" });
});

Deno.test("config: invalid values are rejected naming the field", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ sampleRate: -22050 }, /config\.sampleRate: must be a positive number/],
    [{ learningRate: 0 }, /config\.learningRate/],
    [{ epochs: 2.5 }, /config\.epochs: must be a whole number/],
    [{ dropout: 1 }, /config\.dropout: must be in \[0, 1\)/],
    [{ features: ["mfcc", "pitch"] }, /config\.features: unknown feature "pitch"/],
    [{ features: [] }, /config\.features/],
    [{ lstmUnits: [128, 0] }, /config\.lstmUnits/],
    [{ testSize: 0.6, valSize: 0.5 }, /config\.valSize/],
    [{ hopLength: 4096 }, /config\.hopLength: must not exceed nFft/],
    [{ sampelRate: 16000 }, /config\.sampelRate: unknown field/],
    [{ dataDir: "/a,,/b" }, /config\.dataDir: empty folder in the comma-separated list/],
    [{ dataDir: "/a," }, /config\.dataDir: empty folder/],
    [{ dataDir: ["/a", "/b,c"] }, /config\.dataDir: list entries must be folder names/],
    [{ dataDir: 3 }, /config\.dataDir: must be a string/],
    [{ trainingWorkers: 0 }, /config\.trainingWorkers: must be a positive number/],
    [{ trainingWorkers: 1.5 }, /config\.trainingWorkers: must be a whole number/],
    [
      { labelPolicy: "squash" },
      /config\.labelPolicy: unknown policy "squash" \(known: merge, drop, keep\)/,
    ],
  ];
  for (const [overrides, pattern] of cases) {
    assert.throws(() => loadConfig(overrides as never, { env: {} }), (error: unknown) => {
      assert.ok(
        error instanceof ConfigError,
        `expected ConfigError for ${JSON.stringify(overrides)}`,
      );
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("config: configToEnv round-trips through configFromEnv", () => {
  const overrides = { epochs: 3, lstmUnits: [16, 8], dataDir: "/tmp/x", models: ["gru" as const] };
  assert.deepEqual(configFromEnv(configToEnv(overrides)), overrides);
});

Deno.test("config: several data folders from env, flags and lists; the label policy", () => {
  const defaults = loadConfig({}, { env: {} });
  assert.equal(defaults.dataDir, "");
  assert.deepEqual(dataDirs(defaults), [], "no folder: the demo corpus");
  assert.equal(defaults.labelPolicy, "merge");

  const env = { SER_DATA_DIR: "/data/TESS, /data/RAVDESS-22k", SER_LABEL_POLICY: "keep" };
  assert.deepEqual(configFromEnv(env), {
    dataDir: "/data/TESS,/data/RAVDESS-22k",
    labelPolicy: "keep",
  });
  const fromEnv = loadConfig({}, { env });
  assert.deepEqual(dataDirs(fromEnv), ["/data/TESS", "/data/RAVDESS-22k"]);
  assert.equal(fromEnv.labelPolicy, "keep");

  const { overrides } = configFromArgs(["--data-dir", "a,b", "--label-policy=drop"]);
  assert.deepEqual(overrides, { dataDir: "a,b", labelPolicy: "drop" });
  assert.deepEqual(dataDirs(loadConfig(overrides, { env: {} })), ["a", "b"]);

  // A list in a notebook cell, or a comma-separated string: the same config.
  const listed = loadConfig({ dataDir: ["/x/TESS", " /y/EMO-DB "] }, { env });
  assert.equal(listed.dataDir, "/x/TESS,/y/EMO-DB", "explicit overrides beat the environment");
  assert.deepEqual(dataDirs(listed), ["/x/TESS", "/y/EMO-DB"]);
  assert.deepEqual(dataDirs(loadConfig({ dataDir: "/x/TESS" }, { env: {} })), ["/x/TESS"]);
  assert.deepEqual(configFromEnv(configToEnv({ dataDir: listed.dataDir })), {
    dataDir: "/x/TESS,/y/EMO-DB",
  });
  assert.throws(
    () => loadConfig({}, { env: { SER_LABEL_POLICY: "nope" } }),
    /config\.labelPolicy: unknown policy "nope"/,
  );
});

Deno.test("resume is a boolean flag: --resume alone, SER_RESUME=true, bad values named", () => {
  assert.equal(loadConfig({}, { env: {} }).resume, false);
  const { overrides, positional } = configFromArgs(["--resume", "data"]);
  assert.equal(overrides.resume, true);
  assert.deepEqual(positional, ["data"], "--resume does not swallow the next argument");
  assert.equal(configFromArgs(["--resume=false"]).overrides.resume, false);
  assert.equal(loadConfig({}, { env: { SER_RESUME: "true" } }).resume, true);
  assert.throws(
    () => loadConfig({}, { env: { SER_RESUME: "maybe" } }),
    /config.resume: expected true/,
  );
});

Deno.test("demo profile: applies only the fields the user did not set", async () => {
  const { DEMO_PROFILE, demoProfileOverrides } = await import("../lib/pipeline/steps.ts");
  assert.deepEqual(demoProfileOverrides({}, {}), DEMO_PROFILE);
  const chosen = demoProfileOverrides({ epochs: 40 }, { SER_CV_FOLDS: "5" });
  assert.equal(chosen.epochs, undefined, "a command-line flag wins");
  assert.equal(chosen.cvFolds, undefined, "an SER_* variable wins");
  assert.deepEqual(chosen.models, ["ensemble", "gru"]);
  // The profile is a valid config.
  assert.doesNotThrow(() => loadConfig({ ...DEMO_PROFILE }, { env: {} }));
});
