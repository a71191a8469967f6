/**
 * Models from small declarative specs in Keras vocabulary, and the seed's architectures.
 *
 * The seed's recurrent model (see {@link lstmSpec}): RNN(128, sequences) -> BatchNorm ->
 * Dropout(0.3) -> RNN(64) -> BatchNorm -> Dropout -> Dense(64, relu) -> Dropout ->
 * Dense(32, relu) -> Dense(classes, softmax). Recurrent, BatchNorm and Dropout layers are the
 * fast JS/OpenBLAS {@link FastLSTM} / {@link FastGRU}, {@link FastBatchNormalization} and
 * {@link FastDropout} by default; `implementation: "stock"` picks tfjs's own (for benchmarks;
 * tfjs's GRU is the older `reset_after=False` variant).
 *
 * Beside them, {@link cnnSpec}: a Conv1D stack over log-mel frames with statistics pooling
 * ({@link StatsPooling1D}: mean and std over time) and a small dense head.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const model = buildModel(lstmSpec(loadConfig()), { frames: 130, features: 188, classes: 7 });
 * compileModel(model, { learningRate: 1e-3 });
 * console.log(formatSummary(modelSummary(model)));
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
/** The settings the model specs read (a project `Config` has them all). */
export interface ModelSettings {
  /** Units of the two stacked LSTM layers. */
  lstmUnits: number[];
  /** Units of the two stacked GRU layers. */
  gruUnits: number[];
  /** Units of the dense head. */
  denseUnits: number[];
  /** Dropout rate after each recurrent and dense layer, in [0, 1). */
  dropout: number;
}
import { FastBatchNormalization } from "./fast_batchnorm.ts";
import { FastConv1D } from "./fast_conv1d.ts";
import { FastDropout } from "./fast_dropout.ts";
import { FastGRU, FastLSTM } from "./fast_recurrent.ts";
import { StatsPooling1D } from "./stats_pool.ts";

/** Activation functions a dense or conv layer may use. */
export type Activation = "linear" | "relu" | "sigmoid" | "tanh" | "softmax";

/** One layer of a {@link ModelSpec}. */
export type LayerSpec =
  | {
    type: "lstm" | "gru";
    units: number;
    returnSequences: boolean;
    /** `"fast"` (default): JS/OpenBLAS kernels; `"stock"`: tfjs's layers. */
    implementation?: "fast" | "stock";
  }
  | {
    type: "batchNorm";
    /** Weight of the old moving statistics per training batch (Keras default 0.99). */
    momentum?: number;
    /** `"fast"` (default): {@link FastBatchNormalization}; `"stock"`: tfjs's layer. */
    implementation?: "fast" | "stock";
  }
  | {
    type: "dropout";
    rate: number;
    /** `"fast"` (default): {@link FastDropout}; `"stock"`: tfjs's layer. */
    implementation?: "fast" | "stock";
  }
  | {
    type: "dense";
    /** Output width; `"classes"` takes the number of classes given to {@link buildModel}. */
    units: number | "classes";
    activation: Activation;
  }
  | {
    type: "conv1d";
    filters: number;
    /** Kernel width in frames. */
    kernelSize: number;
    activation?: Activation;
    /** `"same"` (default) keeps the frame count; `"valid"` shrinks it by kernelSize - 1. */
    padding?: "same" | "valid";
  }
  | { type: "maxPool1d"; poolSize: number; strides?: number }
  | { type: "globalAveragePool1d" }
  | {
    /** Mean and std over time per channel ({@link StatsPooling1D}): `[b, t, c]` -> `[b, 2c]`. */
    type: "statsPool1d";
    /** Added to the variance before the square root (default 1e-5). */
    epsilon?: number;
  };

/** A model: a name and its layers, first to last. */
export interface ModelSpec {
  /** Model name (also the default folder name when saved). */
  name: string;
  /** Layers, input to output. */
  layers: LayerSpec[];
}

/** Input and output sizes for {@link buildModel}. */
export interface BuildOptions {
  /** Time steps per clip. */
  frames: number;
  /** Features per time step. */
  features: number;
  /** Number of output classes. */
  classes: number;
  /** Seed of every initialiser and dropout mask (default: random). */
  seed?: number;
}

type RecurrentKind = "lstm" | "gru";

/** The seed's recurrent stack and dense head, for either cell type. */
function recurrentSpec(
  kind: RecurrentKind,
  units: number[],
  config: Pick<ModelSettings, "dropout" | "denseUnits">,
  implementation: "fast" | "stock",
): LayerSpec[] {
  const layers: LayerSpec[] = [];
  // Stock models name their implementation on every layer; fast ones keep the specs short.
  const choice = implementation === "stock" ? { implementation } : {};
  units.forEach((width, index) => {
    const returnSequences = index < units.length - 1;
    layers.push({ type: kind, units: width, returnSequences, implementation });
    layers.push({ type: "batchNorm", ...choice }, {
      type: "dropout",
      rate: config.dropout,
      ...choice,
    });
  });
  config.denseUnits.forEach((width, index) => {
    layers.push({ type: "dense", units: width, activation: "relu" });
    // The seed has dropout after every dense layer but the last hidden one.
    if (index < config.denseUnits.length - 1) {
      layers.push({ type: "dropout", rate: config.dropout, ...choice });
    }
  });
  layers.push({ type: "dense", units: "classes", activation: "softmax" });
  return layers;
}

/**
 * The seed's LSTM model from a config (`lstmUnits`, `dropout`, `denseUnits`).
 *
 * @param config project config (only the model fields are read)
 * @param implementation `"fast"` (default) or `"stock"` tfjs LSTM layers
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const spec = lstmSpec(loadConfig()); // LSTM(128) -> ... -> Dense(classes, softmax)
 * ```
 */
export function lstmSpec(
  config: Pick<ModelSettings, "lstmUnits" | "dropout" | "denseUnits">,
  implementation: "fast" | "stock" = "fast",
): ModelSpec {
  return { name: "lstm", layers: recurrentSpec("lstm", config.lstmUnits, config, implementation) };
}

/**
 * The seed's GRU model from a config (`gruUnits`, `dropout`, `denseUnits`).
 *
 * @param config project config (only the model fields are read)
 * @param implementation `"fast"` (default: `reset_after=True`, as Keras 2 and PyTorch) or
 *   `"stock"` (tfjs's `reset_after=False` GRU)
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const spec = gruSpec(loadConfig());
 * ```
 */
export function gruSpec(
  config: Pick<ModelSettings, "gruUnits" | "dropout" | "denseUnits">,
  implementation: "fast" | "stock" = "fast",
): ModelSpec {
  return { name: "gru", layers: recurrentSpec("gru", config.gruUnits, config, implementation) };
}

/**
 * A CNN-RNN hybrid: a Conv1D front end (64 filters of 5 frames, ReLU, BatchNorm, max-pool 2,
 * dropout) that halves the sequence before the seed's recurrent stack and head.
 *
 * @param config project config (model fields)
 * @param cell recurrent cell type (default `"lstm"`)
 * @param filters Conv1D filters (default 64)
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const spec = hybridSpec(loadConfig(), "gru");
 * ```
 */
export function hybridSpec(
  config: Pick<ModelSettings, "lstmUnits" | "gruUnits" | "dropout" | "denseUnits">,
  cell: RecurrentKind = "lstm",
  filters = 64,
): ModelSpec {
  const units = cell === "lstm" ? config.lstmUnits : config.gruUnits;
  return {
    name: `hybrid_${cell}`,
    layers: [
      { type: "conv1d", filters, kernelSize: 5, activation: "relu", padding: "same" },
      { type: "batchNorm" },
      { type: "maxPool1d", poolSize: 2 },
      { type: "dropout", rate: config.dropout },
      ...recurrentSpec(cell, units, config, "fast"),
    ],
  };
}

/** Options of {@link cnnSpec}. */
export interface CnnOptions {
  /** Filters of each Conv1D block (default `[64, 128]`). */
  filters?: number[];
  /** Kernel width in frames of each block (default `[5, 3]`; the last one repeats). */
  kernelSizes?: number[];
  /** Width of the dense layer after pooling (default 64). */
  denseUnits?: number;
}

/**
 * A CNN over frame features with statistics pooling: per block Conv1D(filters, kernel, ReLU) ->
 * BatchNorm -> MaxPool(2) -> Dropout, then {@link StatsPooling1D} (mean and std over time per
 * channel) -> Dense(64, ReLU) -> Dropout -> Dense(classes, softmax). With the defaults on 64
 * log-mel bands: 64 filters of 5 frames, 128 of 3, about 55 k parameters.
 *
 * Pooling whole-utterance statistics makes the decision depend on how the learned patterns are
 * distributed over the clip, not on where they occur, which suits clips of one word or sentence
 * (Snyder et al., 2018, x-vectors; the pooling most speech-emotion CNNs use).
 *
 * @param config project config (`dropout`)
 * @param options filters, kernel widths and dense width
 * @example
 * ```ts
 * const spec = cnnSpec({ dropout: 0.3 }); // feed it logmel frames: features: ["logmel"]
 * ```
 */
export function cnnSpec(
  config: Pick<ModelSettings, "dropout">,
  options: CnnOptions = {},
): ModelSpec {
  const filters = options.filters ?? [64, 128];
  const kernels = options.kernelSizes ?? [5, 3];
  if (filters.length === 0) throw new Error("cnnSpec: filters must list at least one block");
  const layers: LayerSpec[] = [];
  filters.forEach((width, index) => {
    const kernelSize = kernels[Math.min(index, kernels.length - 1)];
    layers.push(
      { type: "conv1d", filters: width, kernelSize, activation: "relu", padding: "same" },
      { type: "batchNorm" },
      { type: "maxPool1d", poolSize: 2 },
      { type: "dropout", rate: config.dropout },
    );
  });
  layers.push(
    { type: "statsPool1d" },
    { type: "dense", units: options.denseUnits ?? 64, activation: "relu" },
    { type: "dropout", rate: config.dropout },
    { type: "dense", units: "classes", activation: "softmax" },
  );
  return { name: "cnn", layers };
}

function checkPositiveInteger(where: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${field} must be a positive integer, got ${value}`);
  }
}

/**
 * Builds an (uncompiled) `tf.LayersModel` from a spec; call {@link compileModel} before
 * training. Every initialiser and dropout layer gets its own seed derived from `options.seed`.
 *
 * @param spec the layers
 * @param options input size (`frames` x `features`), `classes`, `seed`
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const config = loadConfig();
 * const model = buildModel(gruSpec(config), { frames: 130, features: 188, classes: 7, seed: 42 });
 * ```
 */
export function buildModel(spec: ModelSpec, options: BuildOptions): tf.LayersModel {
  checkPositiveInteger(`buildModel(${spec.name})`, "frames", options.frames);
  checkPositiveInteger(`buildModel(${spec.name})`, "features", options.features);
  checkPositiveInteger(`buildModel(${spec.name})`, "classes", options.classes);
  if (spec.layers.length === 0) throw new Error(`buildModel(${spec.name}): no layers`);
  const baseSeed = options.seed ?? Math.floor(Math.random() * 2 ** 30);
  const model = tf.sequential({ name: spec.name });
  const perType = new Map<string, number>();
  spec.layers.forEach((layerSpec, index) => {
    const where = `buildModel(${spec.name}): layer ${index} (${layerSpec.type})`;
    const seed = baseSeed + 1000 * (index + 1);
    const inputShape = index === 0 ? [options.frames, options.features] : undefined;
    const layer = makeLayer(layerSpec, { where, seed, inputShape, classes: options.classes });
    // Keras-like readable names ("lstm_1", "batchNorm_2") instead of tfjs's class-based ones.
    const ordinal = (perType.get(layerSpec.type) ?? 0) + 1;
    perType.set(layerSpec.type, ordinal);
    layer.name = `${layerSpec.type}_${ordinal}`;
    model.add(layer);
  });
  return model;
}

function makeLayer(
  spec: LayerSpec,
  context: { where: string; seed: number; inputShape?: number[]; classes: number },
): tf.layers.Layer {
  const { where, seed, inputShape } = context;
  switch (spec.type) {
    case "lstm":
    case "gru": {
      checkPositiveInteger(where, "units", spec.units);
      const args = { units: spec.units, returnSequences: spec.returnSequences, inputShape };
      if ((spec.implementation ?? "fast") === "fast") {
        return spec.type === "lstm"
          ? new FastLSTM({ ...args, seed })
          : new FastGRU({ ...args, seed });
      }
      // tfjs's orthogonal initialiser runs a QR in tf ops (seconds for 128 x 512); Glorot keeps
      // stock models quick to build, and benchmarks do not depend on the initial values.
      const stockArgs = {
        ...args,
        recurrentActivation: "sigmoid" as const,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      };
      return spec.type === "lstm" ? tf.layers.lstm(stockArgs) : tf.layers.gru(stockArgs);
    }
    case "batchNorm":
      return (spec.implementation ?? "fast") === "fast"
        ? new FastBatchNormalization({ inputShape, momentum: spec.momentum })
        : tf.layers.batchNormalization({ inputShape, momentum: spec.momentum });
    case "dropout":
      if (!(spec.rate >= 0 && spec.rate < 1)) {
        throw new Error(`${where}: rate must be in [0, 1), got ${spec.rate}`);
      }
      // tfjs's seeded dropout repeats one mask every batch; FastDropout's stream moves on.
      return (spec.implementation ?? "fast") === "fast"
        ? new FastDropout({ rate: spec.rate, seed, inputShape })
        : tf.layers.dropout({ rate: spec.rate, seed, inputShape });
    case "dense": {
      const units = spec.units === "classes" ? context.classes : spec.units;
      checkPositiveInteger(where, "units", units);
      return tf.layers.dense({
        units,
        activation: spec.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        inputShape,
      });
    }
    case "conv1d":
      checkPositiveInteger(where, "filters", spec.filters);
      checkPositiveInteger(where, "kernelSize", spec.kernelSize);
      return new FastConv1D({
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        activation: spec.activation ?? "linear",
        padding: spec.padding ?? "same",
        seed,
        inputShape,
      });
    case "maxPool1d":
      checkPositiveInteger(where, "poolSize", spec.poolSize);
      return tf.layers.maxPooling1d({
        poolSize: spec.poolSize,
        strides: spec.strides ?? spec.poolSize,
        inputShape,
      });
    case "globalAveragePool1d":
      return tf.layers.globalAveragePooling1d({ inputShape });
    case "statsPool1d":
      return new StatsPooling1D({ epsilon: spec.epsilon, inputShape });
    default: {
      const unknown: never = spec;
      throw new Error(`buildModel: unknown layer type ${JSON.stringify(unknown)}`);
    }
  }
}

/** Options of {@link compileModel}. */
export interface CompileOptions {
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Loss: one-hot labels (default) or integer labels. */
  loss?: "categoricalCrossentropy" | "sparseCategoricalCrossentropy";
}

/**
 * Compiles a model the seed's way: Adam, cross-entropy, accuracy metric.
 *
 * @param model the model to compile (in place)
 * @param options learning rate and loss
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const model = buildModel(lstmSpec(loadConfig()), { frames: 130, features: 188, classes: 7 });
 * compileModel(model, { learningRate: 0.001 });
 * ```
 */
export function compileModel(model: tf.LayersModel, options: CompileOptions = {}): tf.LayersModel {
  model.compile({
    optimizer: tf.train.adam(options.learningRate ?? 1e-3),
    loss: options.loss ?? "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** One row of {@link modelSummary}. */
export interface SummaryRow {
  /** Layer name. */
  layer: string;
  /** Layer class, e.g. `FastLSTM`, `Dense`. */
  type: string;
  /** Output shape; `null` is the batch axis. */
  outputShape: (number | null)[];
  /** Parameters (trainable and not). */
  params: number;
}

/** Layer table and parameter totals of a model. */
export interface ModelSummary {
  /** Model name. */
  name: string;
  /** One row per layer. */
  rows: SummaryRow[];
  /** All parameters. */
  total: number;
  /** Trainable parameters. */
  trainable: number;
  /** Non-trainable parameters (BatchNorm moving statistics). */
  nonTrainable: number;
}

/**
 * Keras-style summary as data: per layer its output shape and parameter count, plus totals.
 *
 * @param model a built model
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const model = buildModel(lstmSpec(loadConfig()), { frames: 130, features: 188, classes: 7 });
 * const { total } = modelSummary(model); // 218,951 for the seed LSTM on 188 features
 * ```
 */
export function modelSummary(model: tf.LayersModel): ModelSummary {
  const count = (weights: tf.LayerVariable[]) =>
    weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1)!, 0);
  const rows = model.layers.map((layer) => ({
    layer: layer.name,
    type: layer.getClassName(),
    outputShape:
      (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as (
        | number
        | null
      )[],
    params: count(layer.weights),
  }));
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  return { name: model.name, rows, total: trainable + nonTrainable, trainable, nonTrainable };
}

/**
 * Renders a {@link ModelSummary} as a fixed-width text table.
 *
 * @param summary from {@link modelSummary}
 * @example
 * ```ts
 * import { loadConfig } from "../../config.ts";
 * const model = buildModel(lstmSpec(loadConfig()), { frames: 130, features: 188, classes: 7 });
 * console.log(formatSummary(modelSummary(model)));
 * ```
 */
export function formatSummary(summary: ModelSummary): string {
  const shape = (s: (number | null)[]) => `(${s.map((d) => d ?? "None").join(", ")})`;
  const lines = [
    `Model: ${summary.name}`,
    `${"Layer (type)".padEnd(40)}${"Output shape".padEnd(20)}Params`,
  ];
  for (const row of summary.rows) {
    lines.push(
      `${`${row.layer} (${row.type})`.padEnd(40)}${shape(row.outputShape).padEnd(20)}` +
        row.params.toLocaleString("en-US"),
    );
  }
  lines.push(
    `Total params: ${summary.total.toLocaleString("en-US")} ` +
      `(trainable ${summary.trainable.toLocaleString("en-US")}, ` +
      `non-trainable ${summary.nonTrainable.toLocaleString("en-US")})`,
  );
  return lines.join("\n");
}
