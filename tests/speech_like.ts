/**
 * Test helper: speech-like signals without a corpus. A "voice" is a glottal-pulse-like
 * harmonic series (harmonic k at amplitude 1/k up to 5 kHz) at a fundamental with a slow
 * vibrato, shaped into syllables (~4 per second, raised-cosine envelope): loud, low
 * zero-crossing rate, like voiced speech. Recordings alternate such utterances with silent gaps
 * (faint noise at about -66 dBFS).
 */
import { mulberry32 } from "../lib/util/random.ts";

/** One utterance at fundamental `f0` Hz, `seconds` long, peak `amplitude`. */
export function speechLike(
  f0: number,
  seconds: number,
  sampleRate: number,
  amplitude = 0.5,
  seed = 1,
): Float32Array {
  const random = mulberry32(seed);
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const harmonics = Math.max(1, Math.floor(5000 / f0));
  const syllable = 0.22 + 0.06 * random();
  let phase = 0;
  let norm = 0;
  for (let k = 1; k <= harmonics; k++) norm += 1 / k;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    phase += 2 * Math.PI * f0 * (1 + 0.03 * Math.sin(2 * Math.PI * 5 * t)) / sampleRate;
    let x = 0;
    for (let k = 1; k <= harmonics; k++) x += Math.sin(k * phase) / k;
    // Syllables: raised cosine per syllable, never fully closed (0.15 floor), like running speech.
    const envelope = 0.15 + 0.85 * 0.5 * (1 - Math.cos(2 * Math.PI * t / syllable));
    out[i] = amplitude * envelope * x / norm;
  }
  return out;
}

/** Faint noise standing for silence (RMS about -66 dBFS, far under the VAD's -50 dBFS). */
export function quiet(seconds: number, sampleRate: number, seed = 2): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = 0.0017 * (random() - 0.5);
  return out;
}

/** A segment of a synthesized recording. */
export interface Segment {
  /** Fundamental of the voice in Hz, or null for a silent gap. */
  f0: number | null;
  seconds: number;
}

/** Concatenates segments; returns the samples and each segment's [start, end) in seconds. */
export function recording(
  segments: readonly Segment[],
  sampleRate: number,
  seed = 3,
): { samples: Float32Array; spans: { f0: number | null; start: number; end: number }[] } {
  const parts = segments.map((s, i) =>
    s.f0 === null
      ? quiet(s.seconds, sampleRate, seed + i)
      : speechLike(s.f0, s.seconds, sampleRate, 0.5, seed + i)
  );
  const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  const spans: { f0: number | null; start: number; end: number }[] = [];
  let offset = 0;
  parts.forEach((part, i) => {
    samples.set(part, offset);
    spans.push({
      f0: segments[i].f0,
      start: offset / sampleRate,
      end: (offset + part.length) / sampleRate,
    });
    offset += part.length;
  });
  return { samples, spans };
}
