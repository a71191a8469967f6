/**
 * Utterance functionals of many overlapping windows of one recording (a timeline), with the
 * frame analyses of their overlap computed once: each value bit-identical to
 * {@link utteranceFeatures} of the window on its own.
 *
 * Why it is exact: the STFT's and pYIN's frames are centred, so a window's frame t sees the
 * samples `t * hop - frameLength / 2 ..` of the window, padded with zeros only where that range
 * leaves the window. When windows start a whole number of hops apart, every frame of a window
 * that lies inside it (all but the first and last ~4 of a 3 s window's 259) is, sample for
 * sample, a frame of the stretch of recording the windows cover, analysed once for all of them
 * (the STFT's magnitudes, pYIN's observation probabilities: each row depends only on its frame).
 * The edge frames are analysed per window on short slices with the window's own padding. What
 * spans a whole window — pYIN's Viterbi path, the chroma tuning, deltas, the activity mask and
 * the functionals — is computed per window from its assembled frames, as before. At a 1 s hop
 * (86 frames of 256 samples) a 3 s window computes about a third of the STFT and pYIN frames it
 * would alone.
 *
 * @example
 * ```ts
 * import { utteranceFeaturesOfWindows } from "./utterance_windows.ts";
 * const signal = new Float32Array(10 * 22050).map((_, i) => Math.sin(i / 20) * 0.1);
 * const starts = [0, 86 * 256, 2 * 86 * 256]; // windows a whole number of hops apart
 * const rows = utteranceFeaturesOfWindows(signal, starts, 3 * 22050, { sampleRate: 22050 });
 * console.log(rows.length); // 3
 * ```
 * @module
 */
import { pyinDecode, pyinObservations } from "./pitch.ts";
import { scratch } from "./pitch_hmm.ts";
import { assertValidAudio, frameCount, stft } from "./stft.ts";
import type { Spectrogram } from "./types.ts";
import {
  utteranceAnalysis,
  utteranceFeatures,
  utteranceFunctionals,
  type UtteranceOptions,
} from "./utterance.ts";

/** At most this many windows share one stretch's analyses (bounds its memory: ~16 MB). */
const MAX_RUN = 16;

/** Frames `[first, end)` of a window of `length` samples that lie inside it (centred frames). */
function interiorFrames(length: number, frameLength: number, hop: number) {
  const pad = frameLength >> 1;
  const frames = frameCount(length, hop);
  const first = Math.ceil(pad / hop);
  const end = Math.min(frames, Math.floor((length - pad) / hop) + 1);
  return { frames, first, end, pad };
}

/**
 * The functionals of windows `signal[start .. start + windowLength)`, one row per start, in the
 * order given. Windows whose starts are a whole number of the options' hops (default 256
 * samples) after the previous window's, and that overlap it, share their frame analyses; any
 * other window is computed on its own. Same values as {@link utteranceFeatures} of each window,
 * to the bit.
 *
 * @param signal the recording, mono, at `options.sampleRate` Hz
 * @param starts first sample of each window (each window must fit in `signal`)
 * @param windowLength samples per window (> 0)
 * @param options the functionals' settings, as {@link utteranceFeatures}
 * @throws RangeError naming the window that does not fit in the signal; the errors of
 *   {@link utteranceFeatures} for bad samples
 */
export function utteranceFeaturesOfWindows(
  signal: Float32Array,
  starts: readonly number[],
  windowLength: number,
  options: UtteranceOptions,
): Float32Array[] {
  const source = options.source ?? "audio";
  if (!(Number.isInteger(windowLength) && windowLength > 0)) {
    throw new RangeError(`${source}: window length must be a positive whole number of samples`);
  }
  starts.forEach((start, i) => {
    if (!(Number.isInteger(start) && start >= 0 && start + windowLength <= signal.length)) {
      throw new RangeError(
        `${source}: window ${i} (samples ${start}..${start + windowLength}) is not inside the ` +
          `signal of ${signal.length} samples`,
      );
    }
  });
  const analysis = utteranceAnalysis(options);
  const hop = analysis.stft.hopLength;
  const rows: Float32Array[] = new Array(starts.length);
  let runFirst = 0;
  while (runFirst < starts.length) {
    let runEnd = runFirst + 1;
    while (
      runEnd < starts.length && runEnd - runFirst < MAX_RUN &&
      starts[runEnd] > starts[runEnd - 1] &&
      starts[runEnd] < starts[runEnd - 1] + windowLength &&
      (starts[runEnd] - starts[runFirst]) % hop === 0
    ) runEnd++;
    const run = starts.slice(runFirst, runEnd);
    const values = run.length > 1
      ? sharedRun(signal, run, windowLength, options, analysis)
      : undefined;
    run.forEach((start, j) => {
      rows[runFirst + j] = values?.[j] ??
        utteranceFeatures(signal.subarray(start, start + windowLength), options).values;
    });
    runFirst = runEnd;
  }
  return rows;
}

/** The windows of one run from a shared analysis of the stretch they cover; undefined when the
 * windows are too short to have inside frames. */
function sharedRun(
  signal: Float32Array,
  starts: readonly number[],
  windowLength: number,
  options: UtteranceOptions,
  analysis: ReturnType<typeof utteranceAnalysis>,
): Float32Array[] | undefined {
  const { nFft, hopLength: hop } = analysis.stft;
  const spectral = interiorFrames(windowLength, nFft, hop);
  const pitch = interiorFrames(windowLength, analysis.pyin.frameLength, hop);
  if (spectral.first >= spectral.end || pitch.first >= pitch.end) return undefined;

  const stretchStart = starts[0];
  const stretch = signal.subarray(stretchStart, starts[starts.length - 1] + windowLength);
  assertValidAudio(stretch, options.source ?? "audio");
  const stretchSpectrogram = stft(stretch, analysis.stft);
  // A copy: the edges' pyinObservations calls reuse the scratch rows.
  const observed = pyinObservations(stretch, analysis.pyin);
  const states = observed.states;
  const stretchObservations = {
    ...observed,
    logObs: observed.logObs.slice(0, observed.frames * states),
  };

  return starts.map((start) => {
    const window = signal.subarray(start, start + windowLength);
    const offset = (start - stretchStart) / hop;
    const spectrogram = windowSpectrogram(window, stretchSpectrogram, offset, spectral, analysis);
    // pYIN: the window's observation rows, its own edges computed on slices (scratch rows,
    // copied before the next call overwrites them).
    const frames = pitch.frames;
    // Every row is written below; the buffer is reused from window to window.
    const logObs = scratch("windowLogObs", "f64", frames * states);
    const voicedProb = new Float32Array(frames);
    const take = (
      from: { logObs: Float64Array; voicedProb: Float32Array },
      fromRow: number,
      toRow: number,
      count: number,
    ) => {
      logObs.set(
        from.logObs.subarray(fromRow * states, (fromRow + count) * states),
        toRow * states,
      );
      voicedProb.set(from.voicedProb.subarray(fromRow, fromRow + count), toRow);
    };
    const head = pyinObservations(
      window.subarray(0, Math.min(windowLength, pitch.first * hop + pitch.pad)),
      analysis.pyin,
    );
    take(head, 0, 0, pitch.first);
    take(stretchObservations, offset + pitch.first, pitch.first, pitch.end - pitch.first);
    if (pitch.end < frames) {
      const shift = pitch.end - pitch.first;
      const tail = pyinObservations(window.subarray(shift * hop), analysis.pyin);
      take(tail, pitch.end - shift, pitch.end, frames - pitch.end);
    }
    const decoded = pyinDecode(
      { frames, states, pitchBins: stretchObservations.pitchBins, logObs, voicedProb },
      analysis.pyin,
    );
    return utteranceFunctionals(window, spectrogram, decoded, options).values;
  });
}

/** The window's spectrogram: inside frames from the stretch's, edge frames from slices. */
function windowSpectrogram(
  window: Float32Array,
  stretch: Spectrogram,
  offset: number,
  interior: ReturnType<typeof interiorFrames>,
  analysis: ReturnType<typeof utteranceAnalysis>,
): Spectrogram {
  const settings = analysis.stft;
  const { bins } = stretch;
  const { frames, first, end, pad } = interior;
  const hop = settings.hopLength;
  // Every row is written below; the buffers are reused from window to window.
  const magnitude = scratch("windowMagnitude", "f32", frames * bins);
  const power = scratch("windowPower", "f32", frames * bins);
  const take = (from: Spectrogram, fromRow: number, toRow: number, count: number) => {
    magnitude.set(from.magnitude.subarray(fromRow * bins, (fromRow + count) * bins), toRow * bins);
    power.set(from.power.subarray(fromRow * bins, (fromRow + count) * bins), toRow * bins);
  };
  take(stft(window.subarray(0, Math.min(window.length, first * hop + pad)), settings), 0, 0, first);
  take(stretch, offset + first, first, end - first);
  if (end < frames) {
    const shift = end - first;
    take(stft(window.subarray(shift * hop), settings), end - shift, end, frames - end);
  }
  // stft's own rule for the trailing frames that see only zeros (their rows are zero here too).
  let last = window.length - 1;
  while (last >= 0 && window[last] === 0) last--;
  const silentFrom = last < 0 ? 0 : Math.min(frames, Math.floor((last + pad) / hop) + 1);
  return {
    frames,
    bins,
    nFft: settings.nFft,
    hopLength: hop,
    sampleRate: settings.sampleRate,
    magnitude,
    power,
    silentFrom,
  };
}
