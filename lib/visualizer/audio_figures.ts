/**
 * Figures of one clip: its waveform and a spectrogram-like feature matrix (mel, MFCC, ...).
 * @module
 */
import type { FeatureMatrixLike, Figure } from "./types.ts";

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
      width: 900,
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
    return row;
  });
  const seconds = Array.from(
    { length: frames },
    (_, frame) => Math.round((frame * options.hopLength / options.sampleRate) * 1e5) / 1e5,
  );
  return {
    data: [{
      type: "heatmap",
      z,
      x: seconds,
      y: Array.from({ length: width }, (_, i) => i),
      colorscale: options.colorscale ?? "Viridis",
      colorbar: { title: { text: options.toDb ? "dB" : "value" } },
    }],
    layout: {
      title: { text: options.title ?? "Spectrogram" },
      xaxis: { title: { text: "Time (s)" } },
      yaxis: { title: { text: options.yLabel ?? "Coefficient" } },
      width: 900,
      height: 400,
    },
  };
}
