/**
 * Emotion timelines of recordings of any length: the samples are cut into windows of the
 * model's clip length every `hopSeconds`, windows without speech (see {@link voiceActivity})
 * are skipped, the others are classified in batches by any window classifier, and the result is
 * a typed timeline plus a summary (the dominant emotion over the voiced windows).
 *
 * Honest by construction: a recording shorter than one window (zero-padded, as in training) or
 * one without speech is flagged in `summary.status` and `flags`, and a window without speech
 * carries `probabilities: null`, never a confident label.
 *
 * Pure TypeScript over a classifier function, with no Deno or tfjs import: `lib/inference`'s
 * predictor and the live browser page both build their timelines with it.
 *
 * @example
 * ```ts
 * import { predictTimelineWith } from "./timeline.ts";
 * const classes = ["calm", "loud"];
 * const timeline = await predictTimelineWith(new Float32Array(22050 * 10), 22050, {
 *   classes,
 *   windowSeconds: 3,
 *   // any (samples, sampleRate) => probabilities function
 *   predict: (samples) => samples.some((x) => Math.abs(x) > 0.5) ? [0.1, 0.9] : [0.9, 0.1],
 * });
 * console.log(timeline.summary.status); // "no-speech": 10 s of digital silence
 * ```
 * @module
 */
// Deep import: this file is bundled for the browser (lib/live/page), where lib/data_loader/mod.ts would pull in Deno-only code.
import { EMOTION_DISPLAY_NAMES } from "../data_loader/emotions.ts";
import { type VadOptions, voiceActivity } from "./vad.ts";

/**
 * Anything that turns one window of samples into class probabilities.
 *
 * `predict` is the generic per-window function; `predictBatch`, when present, is used instead
 * for many windows at once (one forward pass per batch is what makes long files fast).
 */
export interface WindowClassifier {
  /** Class names in the order of the probabilities. */
  readonly classes: readonly string[];
  /** The model's clip length in seconds: the window length. */
  readonly windowSeconds: number;
  /**
   * Probabilities of one window (`round(windowSeconds * sampleRate)` samples, or fewer for a
   * recording shorter than a window), in `classes` order.
   */
  predict(
    samples: Float32Array,
    sampleRate: number,
  ): ArrayLike<number> | Promise<ArrayLike<number>>;
  /**
   * Samples between the frames of the classifier's features (optional). The default hop is
   * then rounded to a whole number of them (e.g. 86 x 256 = 22016 samples, 0.9985 s at
   * 22.05 kHz, instead of 22050), so that overlapping windows see the same frames and a
   * classifier can analyse those once (pooled models do). An explicit `hopSeconds` is kept.
   */
  readonly frameHop?: number;
  /** Probabilities of many windows at once, in order (optional, faster). */
  predictBatch?(
    windows: readonly Float32Array[],
    sampleRate: number,
  ): Promise<ArrayLike<number>[]>;
}

/** Options of {@link predictTimelineWith}. */
export interface TimelineOptions {
  /**
   * Seconds between window starts (default {@link DEFAULT_HOP_SECONDS}, or the window when it
   * is shorter, rounded to whole frames of a classifier with a `frameHop`: see
   * {@link timelineHop}), in (0, window]. The last window is aligned to the end of the
   * recording when the hops do not reach it.
   */
  hopSeconds?: number;
  /** Voice-activity settings; `false` classifies every window (all counted as voiced). */
  vad?: VadOptions | false;
  /** Windows per `predictBatch` call (default 64). */
  batchSize?: number;
}

/** One window of a {@link Timeline}. */
export interface TimelineWindow {
  /** Position in the timeline, from 0. */
  index: number;
  /** Start in seconds from the beginning of the recording. */
  start: number;
  /** End in seconds (the recording's end for a recording shorter than a window). */
  end: number;
  /** Whether the voice-activity detector found speech in the window. */
  voiced: boolean;
  /** Seconds of speech frames in the window. */
  speechSeconds: number;
  /** RMS level of the window in dBFS (-Infinity for digital silence). */
  levelDb: number;
  /** Class probabilities (label-encoder order as keys); null when the window has no speech. */
  probabilities: Record<string, number> | null;
  /** Most probable class; null without speech. */
  emotion: string | null;
  /** Probability of `emotion`; null without speech. */
  confidence: number | null;
}

/**
 * What the whole recording amounts to.
 *
 * - `ok`: speech in at least one window of a recording at least one window long;
 * - `short`: shorter than one window (zero-padded, as in training, so the label is usable, but
 *   it rests on less audio than the model expects);
 * - `no-speech`: no window holds speech, so there is no label.
 */
export type TimelineStatus = "ok" | "short" | "no-speech";

/** Summary of a {@link Timeline}. */
export interface TimelineSummary {
  status: TimelineStatus;
  /** Dominant emotion: argmax of the mean probabilities over voiced windows; null if none. */
  emotion: string | null;
  /** Human-readable name of `emotion` (e.g. `Pleasant surprise`); null if none. */
  displayName: string | null;
  /** Mean probability of `emotion` over the voiced windows; null if none. */
  confidence: number | null;
  /** Mean probabilities over the voiced windows; null if none. */
  probabilities: Record<string, number> | null;
  /** Voiced windows / all windows. */
  voicedWindows: number;
  windows: number;
  /** One sentence for people, naming the flag when there is one. */
  message: string;
}

/** An emotion timeline: windows in time order plus a summary. */
export interface Timeline {
  /** Length of the recording in seconds. */
  duration: number;
  /** Sample rate of the samples the windows were cut from, in Hz. */
  sampleRate: number;
  windowSeconds: number;
  hopSeconds: number;
  classes: string[];
  windows: TimelineWindow[];
  summary: TimelineSummary;
  /** The two conditions that make a label unreliable, flagged wherever the timeline goes. */
  flags: { shorterThanWindow: boolean; noSpeech: boolean };
}

/**
 * Default hop: 1 s. The model sees 3 s clips, so a finer hop mostly repeats what neighbouring
 * windows said (each second of audio is already in three windows) while costing one feature
 * extraction + forward pass per window: at 1 s a 10-minute file is 600 windows (~6 s on this
 * machine's one core), at 0.5 s twice that. The live page uses 0.5 s: there one window per hop
 * costs ~15 ms and responsiveness matters more.
 */
export const DEFAULT_HOP_SECONDS = 1;

/**
 * How timelines resample a whole recording to the model's rate, by model kind (also the live
 * page's file mode). Sequence models: resampy's `kaiser_best`, as their training clips (librosa's
 * default): `kaiser_fast` would about halve the resampling (at 44.1 kHz, 1.8 -> 1.0 ms of one
 * core per second of audio) but moved the tiny test GRU's window probabilities by up to 0.17
 * (tests/long_recording_test.ts), so parity does not allow it. Pooled models: `kaiser_fast`
 * (their functionals were computed from `kaiser_fast` audio in training).
 */
export const TIMELINE_RESAMPLE_QUALITY = {
  sequence: "kaiser_best",
  pooled: "kaiser_fast",
} as const;

/**
 * The hop in samples: `hopSeconds` rounded to samples; when it was not given explicitly and the
 * classifier names its `frameHop`, rounded to a whole number of frames (at least one, at most
 * the window).
 */
export function timelineHop(
  hopSeconds: number,
  sampleRate: number,
  windowLength: number,
  options: { explicit: boolean; frameHop?: number },
): number {
  const hop = Math.max(1, Math.round(hopSeconds * sampleRate));
  const frame = options.frameHop;
  if (options.explicit || !frame || !Number.isInteger(frame) || frame <= 0) return hop;
  const frames = Math.max(1, Math.round(hop / frame));
  return frames * frame <= windowLength ? frames * frame : hop;
}

/** Start sample of every window; see {@link TimelineOptions.hopSeconds} for the rule. */
export function windowStarts(length: number, windowLength: number, hopLength: number): number[] {
  if (!(windowLength > 0 && hopLength > 0)) {
    throw new RangeError(
      `windowStarts: window (${windowLength}) and hop (${hopLength}) must be positive samples`,
    );
  }
  if (length <= windowLength) return [0];
  const starts: number[] = [];
  let start = 0;
  for (; start + windowLength <= length; start += hopLength) starts.push(start);
  const last = starts[starts.length - 1];
  if (last + windowLength < length) starts.push(length - windowLength);
  return starts;
}

function displayNameOf(emotion: string): string {
  return (EMOTION_DISPLAY_NAMES as Readonly<Record<string, string>>)[emotion] ?? emotion;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function record(classes: readonly string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  classes.forEach((name, i) => (out[name] = values[i]));
  return out;
}

/**
 * The timeline of mono samples under any window classifier.
 *
 * @param samples mono samples in [-1, 1] at `sampleRate` (the rate the classifier expects)
 * @param sampleRate Hz
 * @param classifier the per-window classifier (batched when it has `predictBatch`)
 * @param options hop, voice-activity settings, batch size
 * @throws RangeError on a bad hop or window; an error when the classifier returns the wrong
 *   number of probabilities
 * @example
 * ```ts
 * import type { WindowClassifier } from "./timeline.ts";
 * async function example(classifier: WindowClassifier) {
 *   const samples = new Float32Array(10 * 22050);
 *   const timeline = await predictTimelineWith(samples, 22050, classifier, { hopSeconds: 0.5 });
 *   for (const w of timeline.windows) console.log(w.start, w.emotion ?? "no speech");
 *   console.log(timeline.summary.message);
 * }
 * ```
 */
export async function predictTimelineWith(
  samples: Float32Array,
  sampleRate: number,
  classifier: WindowClassifier,
  options: TimelineOptions = {},
): Promise<Timeline> {
  const { windowSeconds, classes } = classifier;
  // A model with clips shorter than the default hop hops by its own clip length.
  const hopSeconds = options.hopSeconds ?? Math.min(DEFAULT_HOP_SECONDS, windowSeconds);
  if (!(windowSeconds > 0)) {
    throw new RangeError(`timeline: window must be positive seconds, got ${windowSeconds}`);
  }
  if (!(hopSeconds > 0 && hopSeconds <= windowSeconds)) {
    throw new RangeError(
      `timeline: hop must be in (0, ${windowSeconds}] s (the window), got ${hopSeconds}`,
    );
  }
  const windowLength = Math.round(windowSeconds * sampleRate);
  const hopLength = timelineHop(hopSeconds, sampleRate, windowLength, {
    explicit: options.hopSeconds !== undefined,
    frameHop: classifier.frameHop,
  });
  const duration = samples.length / sampleRate;
  const shorterThanWindow = samples.length < windowLength;
  const starts = windowStarts(samples.length, windowLength, hopLength);
  const windows: TimelineWindow[] = starts.map((start, index) => {
    const slice = samples.subarray(start, start + windowLength);
    const vad = options.vad === false ? undefined : voiceActivity(slice, sampleRate, options.vad);
    return {
      index,
      start: start / sampleRate,
      end: (start + slice.length) / sampleRate,
      voiced: vad ? vad.voiced : true,
      speechSeconds: vad ? vad.speechSeconds : slice.length / sampleRate,
      levelDb: vad ? vad.levelDb : levelOf(slice),
      probabilities: null,
      emotion: null,
      confidence: null,
    };
  });
  const voiced = windows.filter((w) => w.voiced);
  const sliceOf = (w: TimelineWindow) =>
    samples.subarray(Math.round(w.start * sampleRate), Math.round(w.end * sampleRate));
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const step = classifier.predictBatch ? batchSize : 1;
  const classify = async (chunk: TimelineWindow[]) => {
    const rows = classifier.predictBatch
      ? await classifier.predictBatch(chunk.map(sliceOf), sampleRate)
      : [await classifier.predict(sliceOf(chunk[0]), sampleRate)];
    chunk.forEach((w, j) => {
      const row = rows[j];
      if (!row || row.length !== classes.length) {
        throw new Error(
          `timeline: the classifier returned ${row?.length ?? "no"} probabilities for the window ` +
            `at ${w.start.toFixed(2)} s, expected ${classes.length} (${classes.join(", ")})`,
        );
      }
      const best = argmax(row);
      w.probabilities = record(classes, row);
      w.emotion = classes[best];
      w.confidence = row[best];
    });
  };
  // Two batches in flight: a classifier that featurises off the main thread (worker pool)
  // prepares the next batch while the model runs on this one. Results land in their windows,
  // so the order of completion does not matter.
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < voiced.length; i += step) {
    const batch = classify(voiced.slice(i, i + step));
    // Awaited below; this only keeps a failing second batch from being an unhandled rejection
    // when the first one's error is already on its way to the caller.
    batch.catch(() => {});
    inFlight.push(batch);
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const summary = summarize(windows, classes, shorterThanWindow, duration, windowSeconds);
  return {
    duration,
    sampleRate,
    windowSeconds,
    hopSeconds: hopLength / sampleRate,
    classes: [...classes],
    windows,
    summary,
    flags: { shorterThanWindow, noSpeech: voiced.length === 0 },
  };
}

function levelOf(samples: Float32Array): number {
  let total = 0;
  for (const x of samples) total += x * x;
  return samples.length && total > 0 ? 10 * Math.log10(total / samples.length) : -Infinity;
}

function summarize(
  windows: readonly TimelineWindow[],
  classes: readonly string[],
  shorterThanWindow: boolean,
  duration: number,
  windowSeconds: number,
): TimelineSummary {
  const voiced = windows.filter((w) => w.probabilities);
  const base = { voicedWindows: voiced.length, windows: windows.length };
  if (voiced.length === 0) {
    return {
      ...base,
      status: "no-speech",
      emotion: null,
      displayName: null,
      confidence: null,
      probabilities: null,
      message: `no speech found in ${duration.toFixed(2)} s: no emotion predicted`,
    };
  }
  const mean = new Float64Array(classes.length);
  for (const w of voiced) classes.forEach((name, i) => (mean[i] += w.probabilities![name]));
  for (let i = 0; i < mean.length; i++) mean[i] /= voiced.length;
  const best = argmax(mean);
  const emotion = classes[best];
  const status: TimelineStatus = shorterThanWindow ? "short" : "ok";
  const percent = `${(mean[best] * 100).toFixed(1)}%`;
  return {
    ...base,
    status,
    emotion,
    displayName: displayNameOf(emotion),
    confidence: mean[best],
    probabilities: record(classes, mean),
    message: status === "short"
      ? `SHORT recording: ${duration.toFixed(2)} s is less than the model's ${windowSeconds} s ` +
        `window (zero-padded, as in training); ${emotion} ${percent} rests on little audio`
      : `dominant emotion ${emotion} (${percent} mean over ${voiced.length} of ${windows.length} ` +
        `windows with speech)`,
  };
}

/**
 * The timeline as CSV: one row per window (`start,end,voiced,speech_seconds,level_db,emotion,
 * confidence,prob_<class>...`), empty cells where a window has no speech, then a `# summary`
 * comment line with the status and dominant emotion.
 *
 * @example
 * ```ts
 * async function example(timeline: Timeline) { // from predictTimeline
 *   await Deno.writeTextFile("timeline.csv", timelineCsv(timeline));
 * }
 * ```
 */
export function timelineCsv(timeline: Timeline, name = ""): string {
  const header = [
    ...(name ? ["file"] : []),
    "start",
    "end",
    "voiced",
    "speech_seconds",
    "level_db",
    "emotion",
    "confidence",
    ...timeline.classes.map((c) => `prob_${c}`),
  ];
  const number = (x: number | null, digits = 6) =>
    x === null || !Number.isFinite(x) ? "" : String(Number(x.toFixed(digits)));
  const rows = timeline.windows.map((w) =>
    [
      ...(name ? [csvCell(name)] : []),
      number(w.start, 4),
      number(w.end, 4),
      String(w.voiced),
      number(w.speechSeconds, 3),
      number(w.levelDb, 2),
      w.emotion ?? "",
      number(w.confidence),
      ...timeline.classes.map((c) => number(w.probabilities ? w.probabilities[c] : null)),
    ].join(",")
  );
  const s = timeline.summary;
  const summary = `# summary${name ? ` ${name}` : ""}: status=${s.status} emotion=${
    s.emotion ?? "none"
  } confidence=${number(s.confidence, 4) || "none"} voiced_windows=${s.voicedWindows}/${s.windows}`;
  return [header.join(","), ...rows, summary].join("\n") + "\n";
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
