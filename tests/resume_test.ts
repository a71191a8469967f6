/**
 * Resuming a killed training run (`fit`'s `resume` option): a run interrupted mid-epoch and
 * resumed from its last epoch backup, with a freshly built model and optimizer, ends with the
 * same weights as an uninterrupted run with the same seed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildModel, compileModel, gruSpec, loadModel, saveModel } from "../lib/models/mod.ts";
import {
  Callback,
  EarlyStopping,
  fit,
  type History,
  JsonlLogger,
  ModelCheckpoint,
  ReduceLROnPlateau,
} from "../lib/trainer/mod.ts";
import { mulberry32 } from "../lib/util/random.ts";
import { readBackup } from "../lib/trainer/backup.ts";
import { Interrupt } from "./interrupt.ts";

await tf.setBackend("cpu");

const FRAMES = 6;
const WIDTH = 4;
const CLASSES = 3;

/** 3 classes of noisy sequences with class-dependent means; 10 % of labels flipped (noise). */
function syntheticData(n: number, seed: number) {
  const random = mulberry32(seed);
  const x = new Float32Array(n * FRAMES * WIDTH);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % CLASSES;
    y[i] = random() < 0.1 ? (label + 1) % CLASSES : label;
    for (let j = 0; j < FRAMES * WIDTH; j++) {
      x[i * FRAMES * WIDTH + j] = (j % WIDTH === label ? 1 : 0) + 0.8 * (random() - 0.5);
    }
  }
  return { x: { values: x, shape: [n, FRAMES, WIDTH] }, y: { values: y, shape: [n] } };
}

const train = syntheticData(48, 1);
const val = syntheticData(18, 2);

interface RunResult {
  weights: Float32Array[];
  history: History;
  earlyStopping: EarlyStopping;
  checkpointWeights: Float32Array[];
}

/**
 * One training run as the project trains (dropout, EMA, class weights, clipping, early stopping
 * with best-weight restore, LR schedule, checkpoint, JSONL log). `modelSeed` changes the initial
 * weights: a resumed run must take everything from the backup.
 */
async function run(
  dir: string,
  options: { modelSeed: number; resume: boolean; interrupt?: [number, number]; epochs?: number },
): Promise<RunResult> {
  const model = compileModel(
    buildModel(gruSpec({ gruUnits: [8], dropout: 0.3, denseUnits: [6] }), {
      frames: FRAMES,
      features: WIDTH,
      classes: CLASSES,
      seed: options.modelSeed,
    }),
    { learningRate: 0.01 },
  );
  const earlyStopping = new EarlyStopping({ patience: 3, restoreBestWeights: true });
  const checkpointDir = join(dir, "best");
  const callbacks: Callback[] = [
    earlyStopping,
    // A large minDelta and patience 1: the LR changes within these few epochs (val_loss falls
    // by 0.06-0.1 per epoch), so the schedule's state matters.
    new ReduceLROnPlateau({ patience: 1, factor: 0.5, minDelta: 0.085, verbose: false }),
    new ModelCheckpoint({ saveBest: (m: tf.LayersModel) => saveModel(m, checkpointDir).then() }),
    new JsonlLogger({ path: join(dir, "history.jsonl") }),
    new Interrupt(options.interrupt?.[0] ?? -1, options.interrupt?.[1] ?? -1),
  ];
  try {
    const history = await fit(
      model,
      { xTrain: train.x, yTrain: train.y, xVal: val.x, yVal: val.y },
      {
        epochs: options.epochs ?? 8,
        batchSize: 8,
        seed: 42,
        classWeight: "balanced",
        globalClipNorm: 1,
        emaMomentum: 0.9,
        callbacks,
        resume: options.resume ? { dir: join(dir, "resume") } : undefined,
      },
    );
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const best = await loadModel(checkpointDir);
    const checkpointWeights = best.getWeights().map((w) => w.dataSync() as Float32Array);
    best.dispose();
    return { weights, history, earlyStopping, checkpointWeights };
  } finally {
    model.dispose();
  }
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((values, i) => {
    assert.equal(values.length, b[i].length);
    for (let j = 0; j < values.length; j++) max = Math.max(max, Math.abs(values[j] - b[i][j]));
  });
  return max;
}

Deno.test("fit resume: an interrupted run resumed from its backup ends with the same weights", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_resume_" });
  try {
    const reference = await run(join(dir, "reference"), { modelSeed: 3, resume: false });
    // The uninterrupted run must actually move: LR reduced, several checkpoints.
    assert.ok(reference.history.history.lr.some((lr) => lr < 0.01), "the LR schedule acted");

    // Interrupted in the middle of epoch 4 (0-based 3), after 3 epoch backups.
    const resumedDir = join(dir, "resumed");
    await assert.rejects(
      run(resumedDir, { modelSeed: 3, resume: true, interrupt: [3, 2] }),
      /interrupted/,
    );
    const backup = await readBackup(join(resumedDir, "resume"));
    assert.equal(backup?.nextEpoch, 3);
    // A differently initialised model: nothing may come from the initialisation.
    const resumed = await run(resumedDir, { modelSeed: 99, resume: true });

    assert.deepEqual(resumed.history.epoch, reference.history.epoch);
    for (const [name, values] of Object.entries(reference.history.history)) {
      if (name === "seconds") continue;
      assert.deepEqual(resumed.history.history[name], values, `history ${name}`);
    }
    assert.equal(resumed.earlyStopping.bestEpoch, reference.earlyStopping.bestEpoch);
    // Measured: 0 (bit-identical on the cpu backend); the issue asks for 1e-6.
    const difference = maxDifference(resumed.weights, reference.weights);
    console.log(`resumed vs uninterrupted: max weight difference ${difference}`);
    assert.ok(difference <= 1e-6, `final weights differ by ${difference}`);
    const checkpoint = maxDifference(resumed.checkpointWeights, reference.checkpointWeights);
    assert.ok(checkpoint <= 1e-6, `checkpointed weights differ by ${checkpoint}`);
    // One JSONL line per epoch, none twice (the interrupted epoch's line is not written twice).
    const lines = (await Deno.readTextFile(join(resumedDir, "history.jsonl"))).trim().split("\n");
    assert.deepEqual(lines.map((line) => JSON.parse(line).epoch), reference.history.epoch);

    // Running again once complete returns at once with the same final model.
    const again = await run(resumedDir, { modelSeed: 7, resume: true });
    assert.equal(maxDifference(again.weights, reference.weights), 0);

    // Without the backup the weights would differ: the test can tell runs apart.
    const fresh = await run(join(dir, "other"), { modelSeed: 99, resume: false });
    assert.ok(maxDifference(fresh.weights, reference.weights) > 1e-3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit resume: a backup of another model or a corrupt backup is an error naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_resume_bad_" });
  try {
    await run(dir, { modelSeed: 3, resume: true, epochs: 1 });
    const tensors = join(dir, "resume", "tensors.bin");
    const bytes = await Deno.readFile(tensors);
    bytes[10] ^= 0xff;
    await Deno.writeFile(tensors, bytes);
    await assert.rejects(
      run(dir, { modelSeed: 3, resume: true, epochs: 2 }),
      /resume\/tensors\.bin: checksum mismatch/,
    );
    bytes[10] ^= 0xff;
    await Deno.writeFile(tensors, bytes);
    const other = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [FRAMES, WIDTH] }),
        tf.layers.dense({ units: CLASSES, activation: "softmax" }),
      ],
    });
    await assert.rejects(
      fit(other, { xTrain: train.x, yTrain: train.y }, {
        epochs: 2,
        batchSize: 8,
        resume: { dir: join(dir, "resume") },
      }),
      /resume: the training backup has \d+ model weights, the model 2/,
    );
    other.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
