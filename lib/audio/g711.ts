/**
 * ITU-T G.711 μ-law and A-law expansion (the telephone codecs of WAV format codes 7 and 6 and
 * AIFC `ulaw`/`alaw`), as libsndfile does it: each 8-bit code maps to a 16-bit linear value
 * (μ-law: ±32124 at most, A-law: ±32256), which is then scaled by 1/32768 like 16-bit PCM.
 *
 * Reference: ITU-T Recommendation G.711 (1988), "Pulse code modulation (PCM) of voice
 * frequencies"; the expansion formulas are those of the Sun/CCITT reference code (g711.c) that
 * libsndfile's ulaw.c/alaw.c tables were generated from.
 *
 * @module
 */

/** μ-law code -> 16-bit linear value (G.711 expansion, bits inverted on the line). */
function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law code -> 16-bit linear value (G.711 expansion, even bits inverted on the line). */
function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function table(expand: (code: number) => number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, code) => expand(code) / 32768);
}

/** The 256 μ-law codes as floats in [-1, 1) (libsndfile's `ulaw_decode[code] / 32768`). */
export const ULAW_TO_FLOAT: Float32Array = table(ulawToLinear);

/** The 256 A-law codes as floats in [-1, 1) (libsndfile's `alaw_decode[code] / 32768`). */
export const ALAW_TO_FLOAT: Float32Array = table(alawToLinear);
