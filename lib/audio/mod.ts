/**
 * Audio input: decode WAV, AIFF/AIFC and FLAC files, probe their headers, mix to mono, resample like
 * librosa, fix lengths, and synthesize test signals. Knows nothing of tensors or features.
 *
 * @example
 * ```ts
 * import { loadAudio } from "./mod.ts";
 * const clip = await loadAudio("clip.flac", { sampleRate: 22050, duration: 3 });
 * ```
 * @module
 */
export { AudioError, problemText } from "./errors.ts";
export type { AudioClip, AudioInfo, DecodedAudio, SampleEncoding } from "./types.ts";
export {
  decodeWav,
  encodeWav,
  type EncodeWavOptions,
  parseWavLayout,
  type WavLayout,
} from "./wav.ts";
export { type AiffLayout, decodeAiff, parseAiffLayout } from "./aiff.ts";
export { decodeFlac, type FlacStreamInfo, parseFlacStreamInfo } from "./flac.ts";
export { type AudioFormat, decodeAudio, sniffFormat } from "./decode.ts";
export { loadAudio, type LoadAudioOptions, probeAudio, readAudioFile } from "./load.ts";
export {
  resample,
  RESAMPLE_QUALITIES,
  resampledLength,
  type ResampleOptions,
  type ResampleQuality,
} from "./resample.ts";
export { type KaiserFilterSpec, RESAMPY_FILTERS, resampyResample } from "./resampy.ts";
export { fitToLength, mixToMono } from "./signal.ts";
export { chirp, silence, sine, whiteNoise } from "./synth.ts";
export { type ParallelResampleOptions, resampleParallel } from "./resample_parallel.ts";
