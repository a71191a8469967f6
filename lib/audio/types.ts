/**
 * Typed values that flow out of `lib/audio`: decoded audio, header facts, and a loaded clip.
 *
 * @module
 */

/** Audio as decoded from a file, before any mixing or resampling. */
export interface DecodedAudio {
  /** Samples per second per channel, in Hz. */
  sampleRate: number;
  /** One array per channel, all the same length, samples scaled to [-1, 1) like libsndfile. */
  channels: Float32Array[];
  /** Bits per sample as stored in the file (e.g. 16 or 24). */
  bitsPerSample: number;
  /** Integer PCM, IEEE floating point, or G.711 μ-law/A-law samples. */
  encoding: SampleEncoding;
  /** Container/codec the samples came from. */
  codec: "wav" | "flac" | "aiff";
}

/** How samples are stored: integer PCM, IEEE float, or 8-bit G.711 μ-law/A-law codes. */
export type SampleEncoding = "pcm" | "float" | "ulaw" | "alaw";

/** What a file header says about its audio, read without decoding the samples. */
export interface AudioInfo {
  /** Samples per second per channel, in Hz. */
  sampleRate: number;
  /** Number of channels. */
  channels: number;
  /** Samples per channel. */
  frames: number;
  /** Length in seconds (`frames / sampleRate`). */
  duration: number;
}

/** A file loaded for feature extraction: mono (by default), resampled, optionally fixed length. */
export interface AudioClip {
  /** The file it came from. */
  path: string;
  /** The samples at `sampleRate` (the mean of all channels unless loaded with `mono: false`). */
  samples: Float32Array;
  /** Every channel at `sampleRate`; present only when loaded with `mono: false`. */
  channelData?: Float32Array[];
  /** Sample rate of `samples`, in Hz. */
  sampleRate: number;
  /** Sample rate of the file, in Hz. */
  originalSampleRate: number;
  /** Length of the whole file in seconds, before any trimming or padding. */
  originalDuration: number;
  /** Number of channels in the file. */
  channels: number;
}
