/**
 * Training curves of one or more models (the seed's `training_history.png`).
 * @module
 */
import type { Figure, ScatterTrace, TrainingHistoryLike } from "./types.ts";
import { axisSuffix, columnDomains, SERIES_COLORS, subplotTitle } from "./style.ts";

/** The two panels and the history keys each one reads (first key found wins). */
const PANELS = [
  { title: "Loss", train: ["loss"], val: ["val_loss"] },
  { title: "Accuracy", train: ["accuracy", "acc"], val: ["val_accuracy", "val_acc"] },
] as const;

/**
 * Loss and accuracy per epoch, train (solid) vs validation (dashed), one colour per model,
 * as two side-by-side subplots.
 *
 * @param histories model name -> `{ epoch, history }` where `history` holds Keras-style keys
 *   (`loss`, `val_loss`, `accuracy` or `acc`, `val_accuracy` or `val_acc`), one value per epoch
 * @param title figure title
 * @example
 * ```ts
 * const figure = trainingHistoryFigure({
 *   LSTM: { epoch: [1, 2], history: { loss: [1.2, 0.8], val_loss: [1.3, 0.9] } },
 * });
 * ```
 */
export function trainingHistoryFigure(
  histories: Record<string, TrainingHistoryLike>,
  title = "Training history",
): Figure {
  const models = Object.keys(histories);
  if (models.length === 0) throw new Error("trainingHistoryFigure: no histories given");
  const domains = columnDomains(PANELS.length, 0.1);
  const data: ScatterTrace[] = [];
  models.forEach((model, modelIndex) => {
    const { epoch, history } = histories[model];
    for (const [key, values] of Object.entries(history)) {
      if (values.length !== epoch.length) {
        throw new Error(
          `trainingHistoryFigure: ${model}.history.${key} has ${values.length} values ` +
            `but there are ${epoch.length} epochs`,
        );
      }
    }
    const color = SERIES_COLORS[modelIndex % SERIES_COLORS.length];
    PANELS.forEach((panel, panelIndex) => {
      const suffix = axisSuffix(panelIndex);
      const series = [
        { keys: panel.train, split: "train", dash: "solid" as const },
        { keys: panel.val, split: "val", dash: "dash" as const },
      ];
      for (const { keys, split, dash } of series) {
        const key = keys.find((candidate) => candidate in history);
        if (!key) continue;
        data.push({
          type: "scatter",
          mode: "lines",
          name: `${model} ${split}`,
          legendgroup: `${model} ${split}`,
          // Keras histories count epochs from 0; people count them from 1.
          x: epoch.map((e) => e + 1),
          y: history[key],
          xaxis: `x${suffix}`,
          yaxis: `y${suffix}`,
          line: { color, dash, width: 2 },
        });
      }
    });
  });
  // One legend entry per model and split, though each appears in both panels.
  dedupeLegend(data);
  const epochs = Math.max(0, ...models.map((model) => histories[model].epoch.length));
  const layout: Figure["layout"] = {
    title: { text: title },
    autosize: true,
    height: 450,
    legend: { orientation: "h", y: -0.2 },
    annotations: PANELS.map((panel, i) => subplotTitle(panel.title, domains[i])),
    margin: { t: 90 },
  };
  PANELS.forEach((panel, i) => {
    const suffix = axisSuffix(i);
    layout[`xaxis${suffix}`] = {
      domain: domains[i],
      anchor: `y${suffix}`,
      title: { text: "Epoch" },
      // Whole epochs only: one tick each for short runs, Plotly's whole steps otherwise.
      tickformat: "d",
      ...(epochs <= 15 ? { tick0: 1, dtick: 1 } : {}),
    };
    layout[`yaxis${suffix}`] = { anchor: `x${suffix}`, title: { text: panel.title } };
  });
  return { data, layout };
}

/** Shows each legend group once (the first trace of the group keeps its entry). */
function dedupeLegend(traces: ScatterTrace[]): void {
  const seen = new Set<string>();
  for (const trace of traces) {
    const group = trace.legendgroup ?? trace.name ?? "";
    trace.showlegend = !seen.has(group);
    seen.add(group);
  }
}
