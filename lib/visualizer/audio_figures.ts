/**
 * Figures of one clip: its waveform and a spectrogram-like feature matrix (mel, MFCC, ...).
 * @module
 */
import type { FeatureMatrixLike, Figure } from "./types.ts";
// Deep import: lib/visualizer loads without the project's import map (a notebook anywhere can import it by URL), and features/mod.ts pulls in npm packages.
import { melFrequencies } from "../features/filters.ts";

/** Most points a waveform trace carries; longer signals are reduced to a min/max envelope. */
export const MAX_WAVEFORM_POINTS = 4000;

/**
 * Line plot of a mono signal against time in seconds.
 *
 * Signals longer than {@link MAX_WAVEFORM_POINTS} samples are drawn as their min/max envelope
 * (each bucket keeps its smallest and largest sample, in time order) so peaks stay visible while
 * the figure JSON stays small.
 *
 * @param samples mono samples, nominally in [-1, 1]
 * @param sampleRate samples per second (Hz)
 * @param title figure title
 * @example
 * ```ts
 * const tone = Float32Array.from({ length: 22050 }, (_, i) => Math.sin(i / 10));
 * const figure = waveformFigure(tone, 22050, "1 s tone");
 * ```
 */
export function waveformFigure(
  samples: ArrayLike<number>,
  sampleRate: number,
  title = "Waveform",
): Figure {
  if (!(sampleRate > 0)) {
    throw new Error(`waveformFigure: sampleRate must be > 0, got ${sampleRate}`);
  }
  const { x, y } = envelope(samples, sampleRate, MAX_WAVEFORM_POINTS);
  return {
    data: [{
      type: "scatter",
      mode: "lines",
      name: "amplitude",
      x,
      y,
      line: { color: "#1f77b4", width: 1 },
      showlegend: false,
    }],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "Time (s)" }, range: [0, samples.length / sampleRate] },
      yaxis: { title: { text: "Amplitude" } },
      autosize: true,
      height: 350,
    },
  };
}

function envelope(
  samples: ArrayLike<number>,
  sampleRate: number,
  maxPoints: number,
): { x: number[]; y: number[] } {
  const n = samples.length;
  const x: number[] = [];
  const y: number[] = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) {
      x.push(i / sampleRate);
      y.push(samples[i]);
    }
    return { x, y };
  }
  const buckets = Math.floor(maxPoints / 2);
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let minIndex = start;
    let maxIndex = start;
    for (let i = start + 1; i < end; i++) {
      if (samples[i] < samples[minIndex]) minIndex = i;
      if (samples[i] > samples[maxIndex]) maxIndex = i;
    }
    // Keep both extremes in time order so the line does not zig-zag backwards.
    const [first, second] = minIndex <= maxIndex ? [minIndex, maxIndex] : [maxIndex, minIndex];
    x.push(first / sampleRate, second / sampleRate);
    y.push(samples[first], samples[second]);
  }
  return { x, y };
}

/** Options of {@link spectrogramFigure}. */
export interface SpectrogramOptions {
  /** Sample rate of the clip the matrix came from (Hz), for the time axis. */
  sampleRate: number;
  /** Hop between frames (samples), for the time axis. */
  hopLength: number;
  /** Figure title. */
  title?: string;
  /** Label of the coefficient axis, e.g. `"Mel band"` or `"MFCC"`. */
  yLabel?: string;
  /**
   * What the rows are, which sets the y axis and the colour scale:
   * - `"mel"`: mel bands; the y axis reads in Hz (ticks at 500 Hz, 1k, 2k, ... placed by the
   *   bands' centre frequencies: Slaney mel scale from `fMin` to `fMax`, as librosa's
   *   `mel_frequencies`), bands evenly spaced as in `librosa.display.specshow(y_axis="mel")`;
   *   the hover label gives each band's centre in Hz.
   * - `"mfcc"`: cepstral coefficients; each coefficient is standardised over time (zero mean,
   *   unit variance: `sklearn.preprocessing.scale` as in librosa's MFCC example), because MFCC 0
   *   (overall loudness, often -300..-100) would otherwise set the colour range alone and leave
   *   the others one flat colour. The title says so.
   * - `"other"`: row index, values as given.
   *
   * Default: `"mel"` when `yLabel` mentions "mel", `"mfcc"` when it mentions "MFCC", else
   * `"other"`.
   */
  rows?: "mel" | "mfcc" | "other";
  /** Lowest mel band edge in Hz (default 0, librosa's `fmin`). */
  fMin?: number;
  /** Highest mel band edge in Hz (default `sampleRate / 2`, librosa's `fmax`). */
  fMax?: number;
  /**
   * Convert power values to decibels relative to the maximum (`10 log10(x / max)`, floored at
   * -80 dB), as `librosa.power_to_db(S, ref=np.max)` does for mel spectrograms. Leave off for
   * MFCCs, which are already logarithmic.
   */
  toDb?: boolean;
  /** Plotly colour scale name. */
  colorscale?: string;
}

/**
 * Heatmap of a frame-major feature matrix: time (s) across, coefficient index up.
 *
 * @param matrix `{ frames, width, data }` with `data[frame * width + coefficient]`
 * @param options sample rate and hop (for seconds), title, axis label, dB conversion
 * @example
 * ```ts
 * const mel = { frames: 130, width: 128, data: new Float32Array(130 * 128) };
 * const figure = spectrogramFigure(mel, { sampleRate: 22050, hopLength: 512, toDb: true });
 * ```
 */
export function spectrogramFigure(matrix: FeatureMatrixLike, options: SpectrogramOptions): Figure {
  const { frames, width, data } = matrix;
  if (!Number.isInteger(frames) || !Number.isInteger(width) || frames < 1 || width < 1) {
    throw new Error(`spectrogramFigure: frames and width must be positive, got ${frames}x${width}`);
  }
  if (data.length !== frames * width) {
    throw new Error(
      `spectrogramFigure: data has ${data.length} values, expected frames*width = ${
        frames * width
      }`,
    );
  }
  if (!(options.sampleRate > 0) || !(options.hopLength > 0)) {
    throw new Error("spectrogramFigure: sampleRate and hopLength must be > 0");
  }
  const rows = options.rows ??
    (/mfcc/i.test(options.yLabel ?? "")
      ? "mfcc"
      : /mel/i.test(options.yLabel ?? "")
      ? "mel"
      : "other");
  let peak = -Infinity;
  if (options.toDb) { for (const value of data) peak = Math.max(peak, value); }
  const reference = peak > 0 ? peak : 1;
  const value = options.toDb
    ? (v: number) => Math.max(-80, 10 * Math.log10(Math.max(v, 1e-10) / reference))
    : (v: number) => v;
  // Plotly wants z[row][column] = z[coefficient][frame]: transpose the frame-major data.
  const z: number[][] = Array.from({ length: width }, (_, coefficient) => {
    const row = new Array<number>(frames);
    for (let frame = 0; frame < frames; frame++) {
      row[frame] = value(data[frame * width + coefficient]);
    }
    // Three significant digits are more than a colour shows, and keep the message small.
    return (rows === "mfcc" ? standardise(row) : row).map((v) => Number(v.toPrecision(4)));
  });
  const seconds = Array.from(
    { length: frames },
    (_, frame) => Math.round((frame * options.hopLength / options.sampleRate) * 1e5) / 1e5,
  );
  const unit = options.toDb ? "dB" : rows === "mfcc" ? "z-score" : "value";
  let title = options.title ?? "Spectrogram";
  let yaxis: Record<string, unknown> = { title: { text: options.yLabel ?? "Coefficient" } };
  let hover = `%{x:.2f} s<br>row %{y}<br>%{z:.3g} ${unit}<extra></extra>`;
  if (rows === "mfcc") {
    title += " (each coefficient standardised over time)";
    yaxis = { title: { text: options.yLabel ?? "MFCC" }, dtick: width > 20 ? 5 : 1 };
    hover = `%{x:.2f} s<br>MFCC %{y}<br>%{z:.2f} (z-score)<extra></extra>`;
  }
  let customdata: number[][] | undefined;
  if (rows === "mel") {
    const fMin = options.fMin ?? 0;
    const fMax = options.fMax ?? options.sampleRate / 2;
    if (!(fMin >= 0 && fMax > fMin)) {
      throw new Error(`spectrogramFigure: need 0 <= fMin < fMax, got fMin=${fMin} fMax=${fMax}`);
    }
    // Band k's centre is the (k+1)-th of nMels+2 points evenly spaced in mel (its edges are
    // its neighbours), as in librosa's mel filter bank.
    const centres = Array.from(melFrequencies(width + 2, fMin, fMax).subarray(1, width + 1));
    yaxis = {
      title: { text: "Frequency (Hz, mel scale)" },
      ...melTicks(centres),
    };
    // One column of per-row Hz values is enough for the hover label.
    customdata = centres.map((hz) => new Array<number>(frames).fill(Math.round(hz)));
    hover = `%{x:.2f} s<br>%{customdata} Hz<br>%{z:.1f} ${unit}<extra></extra>`;
  }
  return {
    data: [{
      type: "heatmap",
      z,
      x: seconds,
      y: Array.from({ length: width }, (_, i) => i),
      colorscale: options.colorscale ?? (rows === "mfcc" ? "RdBu" : "Viridis"),
      ...(rows === "mfcc" ? { reversescale: true, zmid: 0 } : {}),
      colorbar: { title: { text: unit } },
      ...(customdata ? { customdata } : {}),
      hovertemplate: hover,
    }],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "Time (s)" } },
      yaxis,
      autosize: true,
      height: 400,
    },
  };
}

/** Zero mean, unit variance (a constant row becomes zeros). */
function standardise(row: number[]): number[] {
  const mean = row.reduce((sum, v) => sum + v, 0) / row.length;
  const variance = row.reduce((sum, v) => sum + (v - mean) ** 2, 0) / row.length;
  const std = Math.sqrt(variance);
  return row.map((v) => (std > 0 ? (v - mean) / std : 0));
}

/**
 * Frequencies worth a tick label, in Hz: octaves from 500 Hz (below, the mel scale is linear and
 * lower labels would crowd into the bottom few bands).
 */
const NICE_HZ = [500, 1000, 2000, 4000, 8000, 16000];

/**
 * Ticks of a mel-band axis: at the (fractional) band positions of round frequencies, labelled in
 * Hz, so the image keeps librosa's even mel spacing while the axis reads in Hz.
 */
function melTicks(centres: number[]): { tickvals: number[]; ticktext: string[] } {
  const tickvals: number[] = [];
  const ticktext: string[] = [];
  for (const hz of NICE_HZ) {
    if (hz < centres[0] || hz > centres[centres.length - 1]) continue;
    let k = 0;
    while (k < centres.length - 2 && centres[k + 1] < hz) k++;
    const span = centres[k + 1] - centres[k];
    const position = span > 0 ? k + (hz - centres[k]) / span : k;
    tickvals.push(Math.round(position * 100) / 100);
    ticktext.push(hz >= 1000 ? `${hz / 1000}k` : String(hz));
  }
  return { tickvals, ticktext };
}
