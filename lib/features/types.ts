/**
 * Value types shared by the feature functions: a spectrogram and a per-frame feature series.
 * Both are frame-major (`frames x width`, row-major) so one frame's values are contiguous.
 * @module
 */

/** Short-time spectrum of one clip: one row of `bins` values per frame. */
export interface Spectrogram {
  /** Number of frames (`1 + floor(samples / hopLength)` with centring). */
  frames: number;
  /** Frequency bins per frame, `nFft / 2 + 1`; bin `k` is at `k * sampleRate / nFft` Hz. */
  bins: number;
  /** FFT size in samples. */
  nFft: number;
  /** Hop between frames in samples. */
  hopLength: number;
  /** Sample rate of the analysed signal in Hz. */
  sampleRate: number;
  /**
   * `|STFT|`, frames x bins. Rounded to float32 like librosa's complex64 STFT, which keeps
   * threshold decisions (tuning, contrast sorting) identical to librosa's.
   */
  magnitude: Float32Array;
  /** `|STFT|^2`, frames x bins (power spectrum, float32 like librosa's). */
  power: Float32Array;
  /**
   * Frames from this one on are exactly zero (they see only the signal's trailing zeros, e.g.
   * padding to a fixed duration), so features may skip them; absent: `frames`.
   */
  silentFrom?: number;
}

/** A per-frame feature: `frames x width` values, row-major. */
export interface FrameSeries {
  /** Number of frames. */
  frames: number;
  /** Values per frame (e.g. 128 mel bands). */
  width: number;
  /** `frames x width`, row-major. */
  data: Float64Array;
}
