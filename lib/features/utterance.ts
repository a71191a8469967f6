/**
 * One clip -> one fixed-length vector of utterance functionals (the input of the pooled
 * classifiers): spectral envelope (MFCC, their deltas, log-mel bands), timbre (spectral
 * contrast, centroid, bandwidth, roll-off, flatness, ZCR), loudness (RMS in dB), prosody (F0 in
 * semitones over voiced frames, voiced ratio), each summarised by mean, spread, percentiles and
 * slope over the frames that hold speech; voice quality (`vq_*`: alpha ratio, Hammarberg index,
 * spectral slopes, H1−H2, H1−H4, HNR, flux; `voice_quality.ts`) and the shape of the pitch,
 * loudness and voice-quality contours through the utterance (`contour_*`: thirds, the last
 * voiced segment, DCT shape coefficients; `contour.ts`). Every per-frame descriptor comes from
 * one shared STFT and one pYIN, like {@link extractFeatures}.
 *
 * Why these: the cues of emotional speech that carry across speakers are prosodic (pitch level,
 * range and contour; loudness and its dynamics; tempo) and spectral-balance cues (Juslin &
 * Laukka, 2003; Eyben et al., 2016, eGeMAPS). Per-speaker standardisation of these vectors
 * (see `lib/features/speaker_norm.ts`) removes most of what is the voice rather than the emotion.
 *
 * @example
 * ```ts
 * import { utteranceFeatures } from "./utterance.ts";
 * const samples = new Float32Array(22050).map((_, i) => Math.sin(i / 10) * 0.1);
 * const vector = utteranceFeatures(samples, { sampleRate: 22050 });
 * console.log(vector.values.length === vector.names.length); // true
 * ```
 * @module
 */
import { activeFrames, type FunctionalName, functionals } from "./functionals.ts";
import { chromaStft, melSpectrogram, mfcc, spectralContrast } from "./spectral.ts";
import { assertValidAudio, stft } from "./stft.ts";
import { rms, zeroCrossingRate } from "./temporal.ts";
import type { FrameSeries, Spectrogram } from "./types.ts";
import { delta } from "./delta.ts";
import {
  spectralBandwidth,
  spectralCentroid,
  spectralFlatness,
  spectralRolloff,
} from "./descriptors.ts";
import { pyin, type PyinOptions, type PyinResult } from "./pitch.ts";
import { voiceQuality } from "./voice_quality.ts";
import { contourFunctionals } from "./contour.ts";

/** Settings of {@link utteranceFeatures}; all but `sampleRate` have defaults. */
export interface UtteranceOptions {
  /** Sample rate of the samples, Hz. */
  sampleRate: number;
  /** FFT size in samples (default 1024: 46 ms at 22050 Hz, short enough to follow syllables). */
  nFft?: number;
  /** Hop between frames in samples (default 256: 11.6 ms at 22050 Hz). */
  hopLength?: number;
  /** Mel bands of the log-mel statistics and of the MFCC (default 64). */
  nMels?: number;
  /** MFCC coefficients (default 20). */
  nMfcc?: number;
  /** Frames within this many dB of the loudest one are "speech" (default 35). */
  activeRangeDb?: number;
  /** Lowest F0 searched, Hz (default 65: low male voices). */
  fmin?: number;
  /** Highest F0 searched, Hz (default 600: high-arousal female voices). */
  fmax?: number;
  /** Where the samples came from, for error messages. */
  source?: string;
}

/** A clip's functionals. */
export interface UtteranceVector {
  /** One value per name. */
  values: Float32Array;
  /** What each value is, e.g. `mfcc_3_mean`, `f0_semitones_p90`, `voiced_ratio`. */
  names: string[];
}

const SPREAD: FunctionalName[] = ["mean", "std"];
const CONTOUR: FunctionalName[] = ["mean", "std", "p10", "p50", "p90", "range", "slope", "skew"];

function toDb(series: FrameSeries, floor = 1e-10): FrameSeries {
  const data = new Float64Array(series.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 10 * Math.log10(Math.max(series.data[i], floor));
  return { frames: series.frames, width: series.width, data };
}

function column(values: ArrayLike<number>): FrameSeries {
  return { frames: values.length, width: 1, data: Float64Array.from(values as ArrayLike<number>) };
}

/**
 * The utterance functionals of one clip (any length of at least one frame).
 *
 * @param samples mono signal in [-1, 1] at `options.sampleRate` Hz; silence before and after the
 *   speech is fine (statistics use the active frames only)
 * @param options sample rate and analysis settings (see {@link UtteranceOptions})
 * @returns the vector and the name of each value; its length depends only on the options
 */
export function utteranceFeatures(
  samples: Float32Array,
  options: UtteranceOptions,
): UtteranceVector {
  const source = options.source ?? "audio";
  assertValidAudio(samples, source);
  const analysis = utteranceAnalysis(options);
  const spectrogram = stft(samples, analysis.stft);
  const pitch = pyin(samples, analysis.pyin);
  return utteranceFunctionals(samples, spectrogram, pitch, options);
}

/** The frame analyses of {@link utteranceFeatures}' options: its STFT and its pYIN. */
export function utteranceAnalysis(options: UtteranceOptions): {
  stft: { sampleRate: number; nFft: number; hopLength: number };
  pyin: PyinOptions & { frameLength: number; hopLength: number };
} {
  const sampleRate = options.sampleRate;
  const nFft = options.nFft ?? 1024;
  const hopLength = options.hopLength ?? 256;
  return {
    stft: { sampleRate, nFft, hopLength },
    pyin: {
      sampleRate,
      frameLength: nFft * 2,
      hopLength,
      fmin: options.fmin ?? 65,
      fmax: options.fmax ?? 600,
    },
  };
}

/**
 * The functionals of a clip from its frame analyses (the STFT and pYIN of
 * {@link utteranceAnalysis}): what {@link utteranceFeatures} computes after them. Overlapping
 * windows pass analyses put together from shared frames (`utterance_windows.ts`).
 */
export function utteranceFunctionals(
  samples: Float32Array,
  spectrogram: Spectrogram,
  pitch: PyinResult,
  options: UtteranceOptions,
): UtteranceVector {
  const { sampleRate, nFft, hopLength } = utteranceAnalysis(options).stft;
  const nMels = options.nMels ?? 64;
  const nMfcc = options.nMfcc ?? 20;
  const framing = { frameLength: nFft, hopLength };
  const level = rms(samples, framing);
  const mask = activeFrames(level.data, options.activeRangeDb ?? 35);

  const values: number[] = [];
  const names: string[] = [];
  const add = (
    prefix: string,
    series: FrameSeries,
    stats: readonly FunctionalName[],
    frameMask: Uint8Array = mask,
  ) => {
    const columns = series.width === 1
      ? [prefix]
      : Array.from({ length: series.width }, (_, c) => `${prefix}_${c}`);
    const result = functionals(series, stats, { mask: frameMask, columns });
    for (let i = 0; i < result.values.length; i++) values.push(result.values[i]);
    names.push(...result.names);
  };

  const melPower = melSpectrogram(spectrogram, nMels);
  const cepstrum = mfcc(melPower, nMfcc);
  add("mfcc", cepstrum, SPREAD);
  add("mfcc_delta", delta(cepstrum, { order: 1 }), ["std"]);
  add("mfcc_delta2", delta(cepstrum, { order: 2 }), ["std"]);
  add("logmel", toDb(melPower), SPREAD);
  add("chroma", chromaStft(spectrogram), SPREAD);
  add("contrast", spectralContrast(spectrogram), SPREAD);
  const centroid = spectralCentroid(spectrogram);
  add("centroid", centroid, CONTOUR);
  // The same centroid spectralBandwidth would compute again.
  add("bandwidth", spectralBandwidth(spectrogram, { centroid }), CONTOUR);
  add("rolloff", spectralRolloff(spectrogram), CONTOUR);
  const flatness = spectralFlatness(spectrogram);
  add("flatness_db", toDb(flatness), CONTOUR);
  add("zcr", zeroCrossingRate(samples, framing), CONTOUR);
  const levelDb = toDb({ ...level, data: level.data.map((v) => v * v) });
  add("rms_db", levelDb, CONTOUR);
  add("rms_db_delta", delta(levelDb, { order: 1 }), ["std", "p10", "p90"]);

  // Prosody: F0 on a semitone scale (relative to 27.5 Hz), voiced frames only.
  const frames = Math.min(pitch.f0.length, mask.length);
  const { voicedMask, semitones } = voicedSemitones(pitch, mask);
  let voiced = 0, active = 0;
  for (let t = 0; t < frames; t++) {
    if (mask[t]) active++;
    if (voicedMask[t]) voiced++;
  }
  const f0Series = { frames: mask.length, width: 1, data: semitones };
  add("f0_semitones", f0Series, CONTOUR, voicedMask);
  add("f0_semitones_delta", delta(f0Series, { order: 1 }), ["std", "p10", "p90"], voicedMask);
  add("voiced_prob", column(pitch.voicedProb.subarray(0, mask.length)), SPREAD);
  add("rms_db_voiced", levelDb, SPREAD, voicedMask);

  // Voice quality (eGeMAPS-style spectral balance, harmonic differences, HNR) and contour shape.
  const secondsPerFrame = hopLength / sampleRate;
  const voicedF0 = new Float32Array(mask.length).fill(Number.NaN);
  for (let t = 0; t < frames; t++) if (voicedMask[t]) voicedF0[t] = pitch.f0[t];
  const quality = voiceQuality(samples, spectrogram, voicedF0);
  add("vq_alpha_ratio_db", quality.alphaRatioDb, SPREAD);
  add("vq_hammarberg_db", quality.hammarbergDb, SPREAD);
  add("vq_slope_0_500", quality.slopeLowDbPerKhz, SPREAD);
  add("vq_slope_500_1500", quality.slopeMidDbPerKhz, SPREAD);
  add("vq_flux", quality.flux, SPREAD);
  add("vq_h1h2_db", quality.h1h2Db, SPREAD, voicedMask);
  add("vq_h1h4_db", quality.h1h4Db, SPREAD, voicedMask);
  add("vq_hnr_db", quality.hnrDb, SPREAD, voicedMask);
  const contour = contourFunctionals({
    f0Semitones: semitones,
    loudnessDb: levelDb.data,
    shapes: [
      { name: "hnr", values: quality.hnrDb.data },
      { name: "h1h2", values: quality.h1h2Db.data },
    ],
    active: mask,
    voiced: voicedMask,
    secondsPerFrame,
  });
  values.push(...contour.values);
  names.push(...contour.names);

  values.push(
    voiced / Math.max(active, 1),
    active * secondsPerFrame,
    countOnsets(voicedMask) /
      Math.max(active * secondsPerFrame, 1e-3),
  );
  names.push("voiced_ratio", "active_seconds", "voiced_segments_per_second");
  return { values: Float32Array.from(values), names };
}

/**
 * The frames that are speech (`mask`) and voiced with a finite F0, and their F0 on a semitone
 * scale relative to 27.5 Hz (NaN on every other frame); one value per `mask` frame.
 */
function voicedSemitones(
  pitch: PyinResult,
  mask: Uint8Array,
): { voicedMask: Uint8Array; semitones: Float64Array } {
  const voicedMask = new Uint8Array(mask.length);
  const semitones = new Float64Array(mask.length).fill(Number.NaN);
  const frames = Math.min(pitch.f0.length, mask.length);
  for (let t = 0; t < frames; t++) {
    const f0 = pitch.f0[t];
    if (mask[t] && pitch.voiced[t] && Number.isFinite(f0) && f0 > 0) {
      voicedMask[t] = 1;
      semitones[t] = 12 * Math.log2(f0 / 27.5);
    }
  }
  return { voicedMask, semitones };
}

/** Number of voiced stretches (a proxy of syllable rate: tempo is an arousal cue). */
function countOnsets(voicedMask: Uint8Array): number {
  let count = 0;
  for (let t = 0; t < voicedMask.length; t++) {
    if (voicedMask[t] && (t === 0 || !voicedMask[t - 1])) count++;
  }
  return count;
}

/** A clip's pitch contour as the contour functionals see it (for plots). */
export interface PitchContour {
  /** Time of each frame's centre from the first frame of speech, seconds. */
  seconds: number[];
  /** F0 in semitones relative to the clip's mean over its voiced speech frames; NaN elsewhere. */
  semitones: number[];
}

/**
 * The pitch contour of a clip over its speech (first to last active frame), relative to its
 * own mean: what `contour_*` functionals summarise, with the voice's pitch level removed.
 *
 * @param samples mono signal in [-1, 1] at `options.sampleRate` Hz
 * @param options sample rate and analysis settings (as {@link utteranceFeatures})
 */
export function pitchContour(samples: Float32Array, options: UtteranceOptions): PitchContour {
  assertValidAudio(samples, options.source ?? "audio");
  const analysis = utteranceAnalysis(options);
  const { nFft, hopLength, sampleRate } = analysis.stft;
  const pitch = pyin(samples, analysis.pyin);
  const mask = activeFrames(
    rms(samples, { frameLength: nFft, hopLength }).data,
    options.activeRangeDb ?? 35,
  );
  const first = mask.indexOf(1), last = mask.lastIndexOf(1);
  if (first < 0) return { seconds: [], semitones: [] };
  const { voicedMask, semitones } = voicedSemitones(pitch, mask);
  let sum = 0, count = 0;
  for (let t = first; t <= last; t++) {
    if (voicedMask[t]) {
      sum += semitones[t];
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  const speech = Array.from(semitones.subarray(first, last + 1));
  return {
    seconds: speech.map((_, i) => (i * hopLength) / sampleRate),
    semitones: speech.map((value) => value - mean),
  };
}
