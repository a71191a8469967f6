/**
 * Per-frame voice-quality and spectral-balance descriptors in the spirit of eGeMAPS (Eyben et
 * al., 2016, "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for Voice Research and
 * Affective Computing", IEEE Trans. Affective Computing 7(2)): alpha ratio, Hammarberg index,
 * spectral slopes, harmonic differences H1−H2 and H1−H4, the harmonics-to-noise ratio and the
 * spectral flux. They describe how tense, breathy or pressed the voice is, which separates
 * emotions of similar pitch and loudness (joy from fear, surprise from anger) better than the
 * spectral envelope alone, and they are relative measures, so they carry over between voices.
 *
 * Everything but the HNR comes from the clip's shared power spectrogram; the HNR needs the
 * waveform around each frame's centre. Harmonic measures use the F0 of pYIN and are NaN on
 * unvoiced frames (functionals skip NaN).
 *
 * @example
 * ```ts
 * import { voiceQuality } from "./voice_quality.ts";
 * import { stft } from "./stft.ts";
 * const samples = new Float32Array(22050).map((_, i) => Math.sin(2 * Math.PI * 200 * i / 22050));
 * const spectrogram = stft(samples, { sampleRate: 22050, nFft: 1024, hopLength: 256 });
 * const f0 = new Float32Array(spectrogram.frames).fill(200);
 * const series = voiceQuality(samples, spectrogram, f0);
 * console.log(series.hnrDb.data[40] > 20); // a pure tone is all harmonic: true
 * ```
 * @module
 */
import type { FrameSeries, Spectrogram } from "./types.ts";

/** The descriptors of {@link voiceQuality}: one value per frame each (width 1). */
export interface VoiceQualitySeries {
  /** Energy 50–1000 Hz over energy 1–5 kHz, dB (eGeMAPS alpha ratio, sign flipped: low/high). */
  alphaRatioDb: FrameSeries;
  /** Strongest bin 0–2 kHz minus strongest bin 2–5 kHz, dB (Hammarberg et al., 1980). */
  hammarbergDb: FrameSeries;
  /** Least-squares slope of the log power spectrum 0–500 Hz, dB per kHz. */
  slopeLowDbPerKhz: FrameSeries;
  /** Least-squares slope of the log power spectrum 500–1500 Hz, dB per kHz. */
  slopeMidDbPerKhz: FrameSeries;
  /** First minus second harmonic's level, dB (uncorrected for formants); NaN if unvoiced. */
  h1h2Db: FrameSeries;
  /** First minus fourth harmonic's level, dB; NaN if unvoiced. */
  h1h4Db: FrameSeries;
  /**
   * Harmonics-to-noise ratio from the normalised autocorrelation `r` at the pitch period,
   * `10 log10(r / (1 - r))`, dB, clipped to [-40, 40] (Boersma, 1993); NaN if unvoiced.
   */
  hnrDb: FrameSeries;
  /** L2 distance between consecutive magnitude spectra over the frame's magnitude sum (0 first). */
  flux: FrameSeries;
}

/** Settings of {@link voiceQuality}. */
export interface VoiceQualityOptions {
  /**
   * Half-width of the stretch of waveform correlated for the HNR, samples (default 512: 23 ms at
   * 22050 Hz, at least one period of a 65 Hz voice on each side of the frame's centre).
   */
  hnrHalfWindow?: number;
}

const TINY = 1e-10;

function series(frames: number): FrameSeries {
  return { frames, width: 1, data: new Float64Array(frames) };
}

/**
 * Voice-quality descriptors of every frame of a clip.
 *
 * @param samples the clip at `spectrogram.sampleRate` Hz (frames are centred on
 *   `t * hopLength`, as in {@link Spectrogram})
 * @param spectrogram the clip's STFT (any FFT size; 1024 at 22050 Hz resolves harmonics of
 *   voices from about 100 Hz)
 * @param f0 F0 in Hz per frame, NaN or ≤ 0 where unvoiced (pYIN's `f0`); frames beyond its
 *   length count as unvoiced
 * @param options see {@link VoiceQualityOptions}
 */
export function voiceQuality(
  samples: Float32Array,
  spectrogram: Spectrogram,
  f0: ArrayLike<number>,
  options: VoiceQualityOptions = {},
): VoiceQualitySeries {
  const { frames, bins, nFft, sampleRate, hopLength, power, magnitude } = spectrogram;
  const halfWindow = options.hnrHalfWindow ?? 512;
  const hzPerBin = sampleRate / nFft;
  const bin = (hz: number) => Math.min(bins - 1, Math.round(hz / hzPerBin));
  const out: VoiceQualitySeries = {
    alphaRatioDb: series(frames),
    hammarbergDb: series(frames),
    slopeLowDbPerKhz: series(frames),
    slopeMidDbPerKhz: series(frames),
    h1h2Db: series(frames),
    h1h4Db: series(frames),
    hnrDb: series(frames),
    flux: series(frames),
  };
  const logPower = new Float64Array(bins);
  const slopeTop = bin(1500);
  const slope = (fromHz: number, toHz: number) => {
    let sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
    for (let k = bin(fromHz); k <= bin(toHz); k++) {
      const x = k * hzPerBin / 1000;
      sx += x;
      sy += logPower[k];
      sxx += x * x;
      sxy += x * logPower[k];
      n++;
    }
    const denominator = n * sxx - sx * sx;
    return denominator > 0 ? (n * sxy - sx * sy) / denominator : 0;
  };
  for (let t = 0; t < frames; t++) {
    const row = t * bins;
    // Only the slopes read the log spectrum, and only up to 1500 Hz.
    for (let k = 0; k <= slopeTop; k++) logPower[k] = 10 * Math.log10(power[row + k] + TINY);
    let low = 0, high = 0, peakLow = TINY, peakHigh = TINY;
    for (let k = bin(50); k < bin(1000); k++) low += power[row + k];
    for (let k = bin(1000); k < bin(5000); k++) high += power[row + k];
    for (let k = 0; k < bin(2000); k++) peakLow = Math.max(peakLow, power[row + k]);
    for (let k = bin(2000); k < bin(5000); k++) peakHigh = Math.max(peakHigh, power[row + k]);
    out.alphaRatioDb.data[t] = 10 * Math.log10((low + TINY) / (high + TINY));
    out.hammarbergDb.data[t] = 10 * Math.log10(peakLow / peakHigh);
    out.slopeLowDbPerKhz.data[t] = slope(0, 500);
    out.slopeMidDbPerKhz.data[t] = slope(500, 1500);

    let change = 0, total = 0;
    for (let k = 0; k < bins; k++) {
      if (t > 0) change += (magnitude[row + k] - magnitude[row - bins + k]) ** 2;
      total += magnitude[row + k];
    }
    out.flux.data[t] = t > 0 ? Math.sqrt(change) / (total + TINY) : 0;

    const pitch = t < f0.length ? f0[t] : Number.NaN;
    if (!(pitch > 0) || !Number.isFinite(pitch)) {
      out.h1h2Db.data[t] = out.h1h4Db.data[t] = out.hnrDb.data[t] = Number.NaN;
      continue;
    }
    // A harmonic's level: the strongest bin within 20 % of F0 (at least one bin) of h * F0.
    const harmonicDb = (h: number) => {
      const centre = h * pitch / hzPerBin, reach = Math.max(1, 0.2 * pitch / hzPerBin);
      let peak = TINY;
      const last = Math.min(bins - 1, Math.ceil(centre + reach));
      for (let k = Math.max(0, Math.floor(centre - reach)); k <= last; k++) {
        peak = Math.max(peak, power[row + k]);
      }
      return 10 * Math.log10(peak);
    };
    const h1 = harmonicDb(1);
    out.h1h2Db.data[t] = h1 - harmonicDb(2);
    out.h1h4Db.data[t] = h1 - harmonicDb(4);
    out.hnrDb.data[t] = harmonicsToNoise(samples, t * hopLength, halfWindow, sampleRate / pitch);
  }
  return out;
}

/**
 * HNR around `centre`: the best normalised autocorrelation at the whole-sample lags within one
 * sample of the period (pYIN's F0 is finer than that; samples outside the clip are zeros, like
 * the centred STFT's padding).
 */
function harmonicsToNoise(
  samples: Float32Array,
  centre: number,
  halfWindow: number,
  period: number,
): number {
  let best = -1;
  const start = centre - halfWindow;
  for (let lag = Math.max(1, Math.floor(period) - 1); lag <= Math.ceil(period) + 1; lag++) {
    let xy = 0, xx = 0, yy = 0;
    const from = Math.max(start, 0), to = Math.min(centre + halfWindow - lag, samples.length - lag);
    for (let n = from; n < to; n++) {
      const a = samples[n], b = samples[n + lag];
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const r = xy / Math.sqrt(xx * yy + 1e-20);
    if (r > best) best = r;
  }
  const r = Math.min(Math.max(best, 1e-4), 0.9999);
  return 10 * Math.log10(r / (1 - r));
}
