/**
 * The data-augmentation figure: an original clip's mel spectrogram beside its augmented
 * versions (players for them: `audioPlayerHtml` in `audio_player.ts`).
 * @module
 */
// Deep import: lib/visualizer loads without the project's import map (a notebook anywhere can import it by URL), and features/mod.ts pulls in npm packages.
import { melSpectrogram } from "../features/spectral.ts";
import { stft } from "../features/stft.ts";
import { axisSuffix, columnDomains, subplotTitle } from "./style.ts";
import type { Figure, HeatmapTrace } from "./types.ts";

const FILE = "lib/visualizer/augmentation.ts";

/** Options of {@link augmentationFigure}. */
export interface AugmentationFigureOptions {
  /** Sample rate of every clip, in Hz. */
  sampleRate: number;
  /** STFT size in samples (default 2048, the project's). */
  nFft?: number;
  /** Hop in samples (default 512, the project's). */
  hopLength?: number;
  /** Mel bands (default 128). */
  nMels?: number;
  /** Panels per row (default 3). */
  columns?: number;
  /** Figure title. */
  title?: string;
  /** Plotly colour scale (default `"Viridis"`, as the other spectrograms). */
  colorscale?: string;
}

/** One panel of {@link augmentationFigure}: a title and mono samples. */
export interface AugmentationPanel {
  /** Panel title, e.g. `"original"` or an augmented copy's name. */
  name: string;
  /** Mono samples at the figure's sample rate. */
  samples: Float32Array;
}

/**
 * Mel spectrograms (dB) of an original clip and its augmented versions in a grid, all on one
 * colour scale: dB relative to the ORIGINAL's loudest mel bin, floored at -80 dB, so gain and
 * noise show as level changes and speed as a longer or shorter time axis.
 *
 * @param original the source clip, drawn first
 * @param augmented its augmented versions, e.g. `augmentClip(...)` results (name + samples)
 * @param options sample rate, STFT and mel settings, layout
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const clip = sine(220, 1, 16000);
 * const figure = augmentationFigure(
 *   { name: "original", samples: clip },
 *   [{ name: "quieter", samples: clip.map((v) => v / 2) }],
 *   { sampleRate: 16000 },
 * );
 * ```
 */
export function augmentationFigure(
  original: AugmentationPanel,
  augmented: readonly AugmentationPanel[],
  options: AugmentationFigureOptions,
): Figure {
  const { sampleRate } = options;
  const nFft = options.nFft ?? 2048;
  const hopLength = options.hopLength ?? 512;
  const nMels = options.nMels ?? 128;
  if (!(sampleRate > 0)) throw new RangeError(`${FILE}: sampleRate must be > 0, got ${sampleRate}`);
  const panels = [original, ...augmented];
  const mels = panels.map((panel) => {
    if (!(panel.samples instanceof Float32Array) || panel.samples.length === 0) {
      throw new RangeError(`${FILE}: panel "${panel.name}" has no samples`);
    }
    return melSpectrogram(stft(panel.samples, { sampleRate, nFft, hopLength }), nMels);
  });
  let reference = 0;
  for (const value of mels[0].data) reference = Math.max(reference, value);
  if (!(reference > 0)) reference = 1;

  const columns = Math.min(panels.length, options.columns ?? 3);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`${FILE}: columns must be a positive whole number, got ${columns}`);
  }
  const rows = Math.ceil(panels.length / columns);
  const xDomains = columnDomains(columns, 0.06);
  const rowGap = rows > 1 ? 0.12 : 0;
  const rowHeight = (1 - rowGap * (rows - 1)) / rows;
  const yDomain = (row: number): [number, number] => {
    const top = 1 - row * (rowHeight + rowGap);
    return [Math.max(0, Math.round((top - rowHeight) * 1e6) / 1e6), Math.round(top * 1e6) / 1e6];
  };

  const data: HeatmapTrace[] = [];
  const layout: Figure["layout"] = {
    title: { text: options.title ?? "Original and augmented clips (mel spectrogram, dB)" },
    width: Math.max(500, 380 * columns + 120),
    height: 300 * rows + 120,
    annotations: [],
    margin: { t: 90 },
  };
  mels.forEach((mel, i) => {
    const suffix = axisSuffix(i);
    const row = Math.floor(i / columns);
    const column = i % columns;
    // Plotly wants z[band][frame]; rounding to 0.1 dB keeps the figure JSON small.
    const z = Array.from({ length: mel.width }, (_, band) => {
      const line = new Array<number>(mel.frames);
      for (let t = 0; t < mel.frames; t++) {
        const db = 10 * Math.log10(Math.max(mel.data[t * mel.width + band], 1e-10) / reference);
        line[t] = Math.round(Math.max(-80, db) * 10) / 10;
      }
      return line;
    });
    data.push({
      type: "heatmap",
      name: panels[i].name,
      z,
      x: Array.from(
        { length: mel.frames },
        (_, t) => Math.round((t * hopLength / sampleRate) * 1e4) / 1e4,
      ),
      y: Array.from({ length: mel.width }, (_, band) => band),
      colorscale: options.colorscale ?? "Viridis",
      zmin: -80,
      zmax: 0,
      showscale: i === 0,
      colorbar: { title: { text: "dB" } },
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
    });
    const yDom = yDomain(row);
    layout[`xaxis${suffix}`] = {
      domain: xDomains[column],
      anchor: `y${suffix}`,
      title: { text: row === rows - 1 ? "Time (s)" : "" },
    };
    layout[`yaxis${suffix}`] = {
      domain: yDom,
      anchor: `x${suffix}`,
      title: { text: column === 0 ? "Mel band" : "" },
    };
    const lines = wrapTitle(panels[i].name, 34);
    const annotation = subplotTitle(lines.join("<br>"), xDomains[column]);
    annotation.y = yDom[1];
    if (lines.length > 1) annotation.font = { size: 11 };
    layout.annotations!.push(annotation);
  });
  return { data, layout };
}

/** Splits a chained copy name (`a + b + c`) at its ` + `s into `width`-character lines. */
function wrapTitle(name: string, width: number): string[] {
  if (name.length <= width) return [name];
  const lines: string[] = [];
  let line = "";
  for (const [i, part] of name.split(" + ").entries()) {
    const piece = i === 0 ? part : ` + ${part}`;
    if (line.length > 0 && line.length + piece.length > width) {
      lines.push(line);
      line = piece.trimStart();
    } else line += piece;
  }
  lines.push(line);
  return lines;
}
