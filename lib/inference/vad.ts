/**
 * A simple voice-activity detector: short frames are "speech" when they are loud enough and
 * their zero-crossing rate is low enough, and a stretch of audio holds speech when enough of
 * its frames do (Rabiner & Sambur 1975, "An algorithm for determining the endpoints of isolated
 * utterances", Bell Syst. Tech. J. 54(2): energy + zero crossings).
 *
 * Why these two cues: silence and room tone fail the energy floor; broadband noise (a fan, the
 * fake microphone's hiss) is loud enough but crosses zero about `sampleRate / 2` times a second,
 * far above voiced speech, whose crossings follow the first formant (a few hundred to ~2000 per
 * second). The decision depends only on the samples it is given (no state, no global level), so
 * the browser page, which sees one window at a time, decides exactly as `lib/inference` does
 * on a whole file. Pure TypeScript, no Deno APIs: it runs in the browser bundle.
 *
 * @example
 * ```ts
 * import { voiceActivity } from "./vad.ts";
 * const samples = new Float32Array(22050); // 1 s of silence
 * const vad = voiceActivity(samples, 22050);
 * console.log(vad.voiced, vad.speechSeconds); // false 0
 * ```
 * @module
 */

/** Settings of {@link voiceActivity}; every field has a default. */
export interface VadOptions {
  /** Frame length in seconds (default 0.025: a few pitch periods). Range (0, 1]. */
  frameSeconds?: number;
  /** Hop between frames in seconds (default 0.010). Range (0, frameSeconds]. */
  hopSeconds?: number;
  /**
   * Energy floor in dB relative to full scale (RMS of a frame, 0 dBFS = a full-scale square
   * wave; a full-scale sine is -3 dBFS). Default -50: room tone and dithered silence sit below
   * -60, speech at a normal microphone distance between -40 and -10.
   */
  floorDb?: number;
  /**
   * Highest zero-crossing rate of a speech frame, in crossings per second (default 7000).
   * White noise crosses ~`sampleRate / 2` times a second (11025 at the models' 22050 Hz);
   * vowels 300-2500, sibilants up to ~6000. (At 16 kHz and below, lower it: white noise there
   * crosses 8000 times a second or fewer.)
   */
  maxCrossingsPerSecond?: number;
  /**
   * Speech needed for the samples to count as voiced, in seconds of speech frames (default
   * 0.25, about one stressed syllable): a click or a 50 ms blip is not an utterance.
   */
  minSpeechSeconds?: number;
}

/** What {@link voiceActivity} decides. */
export interface VoiceActivity {
  /** True when at least `minSpeechSeconds` of frames are speech. */
  voiced: boolean;
  /** Seconds covered by speech frames (frames x hop). */
  speechSeconds: number;
  /** Fraction of frames that are speech, in [0, 1] (0 when there are no frames). */
  speechFraction: number;
  /** RMS level of all the samples in dBFS (-Infinity for digital silence). */
  levelDb: number;
  /** Level of the loudest frame in dBFS (for a level meter). */
  peakFrameDb: number;
  /** Per frame: 1 for speech, 0 otherwise. */
  frames: Uint8Array;
}

/** The defaults of {@link VadOptions}, in one place for documentation and the live page. */
export const VAD_DEFAULTS: Readonly<Required<VadOptions>> = Object.freeze({
  frameSeconds: 0.025,
  hopSeconds: 0.010,
  floorDb: -50,
  maxCrossingsPerSecond: 7000,
  minSpeechSeconds: 0.25,
});

/** Decibels of an RMS value relative to full scale; -Infinity for 0. */
function toDb(rms: number): number {
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

/**
 * Finds speech in mono samples by frame energy and zero-crossing rate.
 *
 * Frames start every `hopSeconds` from sample 0 and must fit entirely (no padding); samples
 * shorter than one frame make one frame of what there is.
 *
 * @param samples mono samples in [-1, 1]
 * @param sampleRate Hz, positive
 * @param options thresholds (see {@link VadOptions})
 * @throws RangeError on a non-positive sample rate or an invalid option
 * @example
 * ```ts
 * const { voiced, frames } = voiceActivity(new Float32Array(22050), 22050, { floorDb: -60 });
 * ```
 */
export function voiceActivity(
  samples: Float32Array,
  sampleRate: number,
  options: VadOptions = {},
): VoiceActivity {
  const o = { ...VAD_DEFAULTS, ...options };
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new RangeError(`voiceActivity: sample rate must be positive, got ${sampleRate}`);
  }
  if (!(o.frameSeconds > 0 && o.frameSeconds <= 1)) {
    throw new RangeError(`voiceActivity: frameSeconds must be in (0, 1], got ${o.frameSeconds}`);
  }
  if (!(o.hopSeconds > 0 && o.hopSeconds <= o.frameSeconds)) {
    throw new RangeError(
      `voiceActivity: hopSeconds must be in (0, frameSeconds], got ${o.hopSeconds}`,
    );
  }
  const frameLength = Math.max(1, Math.round(o.frameSeconds * sampleRate));
  const hop = Math.max(1, Math.round(o.hopSeconds * sampleRate));
  const count = samples.length === 0
    ? 0
    : samples.length <= frameLength
    ? 1
    : 1 + Math.floor((samples.length - frameLength) / hop);
  const frames = new Uint8Array(count);
  const floor = Math.pow(10, o.floorDb / 20);
  let peak = 0;
  let speechFrames = 0;
  for (let f = 0; f < count; f++) {
    const start = f * hop;
    const end = Math.min(samples.length, start + frameLength);
    let energy = 0;
    let crossings = 0;
    let previous = samples[start];
    for (let i = start; i < end; i++) {
      const x = samples[i];
      energy += x * x;
      // librosa's convention: a sign change counts, zero counts as positive.
      if ((x >= 0) !== (previous >= 0)) crossings++;
      previous = x;
    }
    const length = end - start;
    const rms = Math.sqrt(energy / length);
    if (rms > peak) peak = rms;
    const crossingsPerSecond = crossings * sampleRate / length;
    if (rms >= floor && crossingsPerSecond <= o.maxCrossingsPerSecond) {
      frames[f] = 1;
      speechFrames++;
    }
  }
  let total = 0;
  for (let i = 0; i < samples.length; i++) total += samples[i] * samples[i];
  const speechSeconds = speechFrames * hop / sampleRate;
  return {
    voiced: speechSeconds >= o.minSpeechSeconds - 1e-9,
    speechSeconds,
    speechFraction: count ? speechFrames / count : 0,
    levelDb: samples.length ? toDb(Math.sqrt(total / samples.length)) : -Infinity,
    peakFrameDb: toDb(peak),
    frames,
  };
}
