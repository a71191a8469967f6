/**
 * Reading audio files: a fast header-only probe and the full load used for feature extraction
 * (decode, mix to mono, resample, fix the length).
 *
 * @module
 */
import { AudioError } from "./errors.ts";
import { fileSource } from "./bytes.ts";
import { decodeAudio, sniffFormat, unsupportedProblem } from "./decode.ts";
import { parseWavLayout } from "./wav.ts";
import { parseAiffLayout } from "./aiff.ts";
import { decodeFlac, parseFlacStreamInfo } from "./flac.ts";
import { fitToLength, mixToMono } from "./signal.ts";
import { resample, type ResampleQuality } from "./resample.ts";
import type { AudioClip, AudioInfo } from "./types.ts";

/** Turns a file-system error into an {@link AudioError} that names the file. */
function fileError(path: string, error: unknown): AudioError {
  if (error instanceof AudioError) return error;
  if (error instanceof Deno.errors.NotFound) return new AudioError(path, "file not found");
  if (error instanceof Deno.errors.IsADirectory) {
    return new AudioError(path, "is a directory, not an audio file");
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new AudioError(path, "permission denied");
  }
  return new AudioError(path, `cannot read file: ${(error as Error).message}`, { cause: error });
}

/**
 * The bytes of an audio file; a missing file, a folder or a permission problem is an
 * {@link AudioError} naming the file.
 *
 * @param path the file
 */
export async function readAudioFile(path: string): Promise<Uint8Array> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new Deno.errors.IsADirectory(path);
    return await Deno.readFile(path);
  } catch (error) {
    throw fileError(path, error);
  }
}

/**
 * Reads only a file's header (usually its first 64 KiB) to get its sample rate, channel count,
 * length and duration: fast enough to scan a whole corpus. A FLAC whose STREAMINFO leaves the
 * length unknown is decoded to count its samples.
 *
 * @param path a WAV, AIFF/AIFC or FLAC file
 * @returns `{ sampleRate (Hz), channels, frames (samples per channel), duration (s) }`
 * @throws {AudioError} naming the file when it is missing, not audio, or damaged
 * @example
 * ```ts
 * const { sampleRate, duration } = await probeAudio("data/TESS/OAF_back_angry.wav");
 * ```
 */
export async function probeAudio(path: string): Promise<AudioInfo> {
  let file: Deno.FsFile | undefined;
  try {
    const stat = await Deno.stat(path);
    if (stat.isDirectory) throw new Deno.errors.IsADirectory(path);
    file = await Deno.open(path, { read: true });
    const source = fileSource(file, stat.size);
    if (source.size === 0) throw new AudioError(path, "empty file");
    const head = source.read(0, 4096);
    const format = sniffFormat(head);
    if (format === "wav" || format === "aiff") {
      const parse = format === "wav" ? parseWavLayout : parseAiffLayout;
      const { sampleRate, channels, frames, duration } = parse(source, path);
      return { sampleRate, channels, frames, duration };
    }
    if (format === "flac") {
      const info = parseFlacStreamInfo(source, path);
      if (!info.framesUnknown) {
        const { sampleRate, channels, frames, duration } = info;
        return { sampleRate, channels, frames, duration };
      }
      const audio = await decodeFlac(await Deno.readFile(path), path);
      const frames = audio.channels[0]?.length ?? 0;
      return {
        sampleRate: audio.sampleRate,
        channels: audio.channels.length,
        frames,
        duration: frames / audio.sampleRate,
      };
    }
    throw new AudioError(path, unsupportedProblem(head));
  } catch (error) {
    throw fileError(path, error);
  } finally {
    file?.close();
  }
}

/** Options of {@link loadAudio}. */
export interface LoadAudioOptions {
  /** Target sample rate in Hz (default: the file's own rate, no resampling). */
  sampleRate?: number;
  /** If given, trim or zero-pad the result to `round(duration * sampleRate)` samples (s). */
  duration?: number;
  /** Average the channels into one (default true, like librosa). */
  mono?: boolean;
  /** Resampler (default `"kaiser_best"`, librosa 0.9.2's default). */
  quality?: ResampleQuality;
}

/**
 * Loads a file for analysis, like `librosa.load(path, sr=sampleRate, mono=True,
 * duration=duration)` followed by padding to a fixed length: read, decode, mix to mono,
 * resample, then (if `duration` is given) trim/zero-pad to `round(duration * sampleRate)`.
 *
 * As in librosa, a `duration` limit is applied first at the file's own rate
 * (`floor(duration * originalRate)` samples), so long files are not resampled in full.
 *
 * @param path a WAV, AIFF/AIFC or FLAC file
 * @param options `sampleRate` (Hz), `duration` (s), `mono`, `quality`
 * @throws {AudioError} naming the file ("file not found", "unsupported or non-audio file", ...)
 * @example
 * ```ts
 * const clip = await loadAudio("clip.flac", { sampleRate: 22050, duration: 3 });
 * clip.samples.length; // 66150
 * ```
 */
export async function loadAudio(path: string, options: LoadAudioOptions = {}): Promise<AudioClip> {
  const { duration, mono = true, quality } = options;
  if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0)) {
    throw new RangeError(
      `loadAudio: duration must be a positive number of seconds, got ${duration}`,
    );
  }
  const bytes = await readAudioFile(path);
  const audio = await decodeAudio(bytes, path);
  const originalRate = audio.sampleRate;
  const sampleRate = options.sampleRate ?? originalRate;
  const originalFrames = audio.channels[0]?.length ?? 0;
  let channels = audio.channels;
  if (duration !== undefined) {
    const limit = Math.trunc(duration * originalRate);
    if (limit < originalFrames) channels = channels.map((c) => c.subarray(0, limit));
  }
  const targetLength = duration === undefined ? undefined : Math.round(duration * sampleRate);
  const convert = async (samples: Float32Array) => {
    const resampled = await resample(samples, originalRate, sampleRate, { quality });
    return targetLength === undefined ? resampled : fitToLength(resampled, targetLength);
  };
  const clip: AudioClip = {
    path,
    samples: new Float32Array(0),
    sampleRate,
    originalSampleRate: originalRate,
    originalDuration: originalFrames / originalRate,
    channels: audio.channels.length,
  };
  if (mono) {
    clip.samples = await convert(mixToMono(channels));
  } else {
    clip.channelData = [];
    for (const channel of channels) clip.channelData.push(await convert(channel));
    clip.samples = clip.channelData[0];
  }
  return clip;
}
