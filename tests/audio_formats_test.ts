/**
 * Tests of the WAV/AIFF variants libsndfile reads beyond plain PCM: G.711 μ-law and A-law WAVs,
 * AIFF (big-endian PCM) and AIFF-C (NONE, twos, sowt, raw, in24, fl32, fl64, ulaw, alaw).
 * Hand-built files cover the header corners; files made by sox from a synthesized WAV check the
 * decoders against an independent writer (skipped, with a printed note, when sox is absent).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  chirp,
  decodeAiff,
  decodeAudio,
  decodeWav,
  encodeWav,
  loadAudio,
  probeAudio,
  whiteNoise,
} from "../lib/audio/mod.ts";
import { ALAW_TO_FLOAT, ULAW_TO_FLOAT } from "../lib/audio/g711.ts";
import { columnValues, scanCorpus } from "../lib/data_loader/mod.ts";
import { assertAudioError } from "./audio_assertions.ts";
import { maxAbsDiff } from "./numeric.ts";
import { skipped } from "./shared_data.ts";

const SOX = (() => {
  try {
    return new Deno.Command("sox", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
if (!SOX) {
  skipped(
    "audio_formats_test: decoding sox-made files",
    "sox not found (apt-get install sox; tools/setup.sh installs it)",
  );
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ser_formats_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ascii = (text: string) => new TextEncoder().encode(text);

/** An IFF chunk: id, big-endian size, body, pad byte when odd. */
function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(ascii(id), 0);
  new DataView(out.buffer).setUint32(4, body.length);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}

/** An integer sample rate as an 80-bit extended float (exponent, mantissa with integer bit). */
function extended(rate: number): Uint8Array {
  const out = new Uint8Array(10);
  const view = new DataView(out.buffer);
  const exponent = Math.floor(Math.log2(rate));
  view.setUint16(0, 16383 + exponent);
  view.setUint32(2, rate * 2 ** (31 - exponent));
  return out;
}

interface AiffSpec {
  compression?: string; // present: AIFC
  channels: number;
  frames: number;
  bits: number;
  rate: number;
  samples: Uint8Array;
  commAfterSsnd?: boolean;
  ssndOffset?: number;
}

/** Builds an AIFF (or AIFC when `compression` is given) around raw sample bytes. */
function buildAiff(spec: AiffSpec): Uint8Array {
  const aifc = spec.compression !== undefined;
  const comm = new Uint8Array(aifc ? 18 + 4 + 2 : 18);
  const view = new DataView(comm.buffer);
  view.setInt16(0, spec.channels);
  view.setUint32(2, spec.frames);
  view.setInt16(6, spec.bits);
  comm.set(extended(spec.rate), 8);
  if (aifc) comm.set(ascii(spec.compression!), 18); // then an empty Pascal string + pad
  const offset = spec.ssndOffset ?? 0;
  const ssnd = new Uint8Array(8 + offset + spec.samples.length);
  new DataView(ssnd.buffer).setUint32(0, offset);
  ssnd.set(spec.samples, 8 + offset);
  // An odd-sized annotation chunk exercises the pad byte.
  const chunks = [chunk("ANNO", ascii("odd")), chunk("COMM", comm), chunk("SSND", ssnd)];
  if (spec.commAfterSsnd) chunks.reverse();
  const body = concat([ascii(aifc ? "AIFC" : "AIFF"), ...chunks]);
  const out = concat([ascii("FORM"), new Uint8Array(4), body]);
  new DataView(out.buffer).setUint32(4, body.length);
  return out;
}

/** A WAV whose fmt chunk has format code `format` (6 A-law, 7 μ-law) around raw codes. */
function buildG711Wav(format: number, channels: number, codes: Uint8Array): Uint8Array {
  const fmt = new Uint8Array(18);
  const view = new DataView(fmt.buffer);
  view.setUint16(0, format, true);
  view.setUint16(2, channels, true);
  view.setUint32(4, 8000, true);
  view.setUint32(8, 8000 * channels, true);
  view.setUint16(12, channels, true);
  view.setUint16(14, 8, true);
  const le = (id: string, body: Uint8Array) => {
    const out = chunk(id, body);
    new DataView(out.buffer).setUint32(4, body.length, true);
    return out;
  };
  const body = concat([ascii("WAVE"), le("fmt ", fmt), le("data", codes)]);
  const out = concat([ascii("RIFF"), new Uint8Array(4), body]);
  new DataView(out.buffer).setUint32(4, body.length, true);
  return out;
}

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("G.711 tables are libsndfile's (spot values, monotone halves, symmetric)", () => {
  // Values of libsndfile's ulaw_decode[] / alaw_decode[] (ulaw.c, alaw.c), over 32768.
  const u = (code: number) => ULAW_TO_FLOAT[code] * 32768;
  const a = (code: number) => ALAW_TO_FLOAT[code] * 32768;
  assert.deepEqual([u(0x00), u(0x01), u(0x7f), u(0x80), u(0xfe), u(0xff)], [
    -32124,
    -31100,
    0,
    32124,
    8,
    0,
  ]);
  assert.deepEqual([a(0x00), a(0x01), a(0x2a), a(0x55), a(0x80), a(0xaa), a(0xd5)], [
    -5504,
    -5248,
    -32256,
    -8,
    5504,
    32256,
    8,
  ]);
  for (let code = 1; code < 128; code++) {
    assert.ok(u(code) > u(code - 1), `mu-law not increasing at ${code}`);
    assert.equal(u(code + 128) + u(code), 0, `mu-law not symmetric at ${code}`);
    assert.equal(a(code + 128) + a(code), 0, `A-law not symmetric at ${code}`);
  }
});

Deno.test("WAV mu-law (7) and A-law (6): every code decodes to its table value; probe agrees", async () => {
  for (
    const [format, table, name] of [[7, ULAW_TO_FLOAT, "mu"], [6, ALAW_TO_FLOAT, "A"]] as const
  ) {
    // Stereo: the left channel gets the even positions of the code sweep, the right the odd.
    const audio = decodeWav(buildG711Wav(format, 2, ALL_CODES), `${name}.wav`);
    assert.equal(audio.encoding, format === 7 ? "ulaw" : "alaw");
    assert.equal(audio.bitsPerSample, 8);
    assert.equal(audio.channels.length, 2);
    assert.equal(audio.channels[0].length, 128);
    for (let i = 0; i < 128; i++) {
      assert.equal(audio.channels[0][i], table[2 * i]);
      assert.equal(audio.channels[1][i], table[2 * i + 1]);
    }
    // The same codes behind WAVE_FORMAT_EXTENSIBLE (sub-format GUID with code 6/7).
    const extensible = encodeWav(new Float32Array(256), 8000, {
      extensible: true,
      bitsPerSample: 8,
    });
    const view = new DataView(extensible.buffer);
    view.setUint16(44, format, true); // sub-format code, first 2 bytes of the GUID
    extensible.set(ALL_CODES, extensible.length - 256);
    assert.deepEqual(decodeWav(extensible).channels[0], table);
    await withTempDir(async (dir) => {
      const path = join(dir, `${name}.wav`);
      await Deno.writeFile(path, buildG711Wav(format, 1, ALL_CODES));
      assert.deepEqual(await probeAudio(path), {
        sampleRate: 8000,
        channels: 1,
        frames: 256,
        duration: 256 / 8000,
      });
    });
  }
});

Deno.test("AIFF/AIFC variants built by hand: byte orders, containers, chunk order, SSND offset", () => {
  // Four 16-bit values and what each layout stores for them.
  const values = [0, 1, -1, 32767, -32768, 1234];
  const be16 = new Uint8Array(values.length * 2);
  const le16 = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    new DataView(be16.buffer).setInt16(2 * i, v);
    new DataView(le16.buffer).setInt16(2 * i, v, true);
  });
  const expected = Float32Array.from(values, (v) => v / 32768);
  const base = { channels: 1, frames: values.length, bits: 16, rate: 44100 };
  const variants: [string, Uint8Array][] = [
    ["AIFF", buildAiff({ ...base, samples: be16 })],
    ["AIFC NONE", buildAiff({ ...base, compression: "NONE", samples: be16 })],
    ["AIFC twos", buildAiff({ ...base, compression: "twos", samples: be16 })],
    ["AIFC sowt", buildAiff({ ...base, compression: "sowt", samples: le16 })],
    ["COMM after SSND", buildAiff({ ...base, samples: be16, commAfterSsnd: true })],
    ["SSND offset 3", buildAiff({ ...base, samples: be16, ssndOffset: 3 })],
  ];
  for (const [label, bytes] of variants) {
    const audio = decodeAiff(bytes, label);
    assert.equal(audio.codec, "aiff", label);
    assert.equal(audio.sampleRate, 44100, label);
    assert.deepEqual(audio.channels[0], expected, label);
  }
  // 8-bit: AIFF is signed (int8 / 128), AIFC "raw " is offset binary ((u - 128) / 128).
  const signed8 = decodeAiff(
    buildAiff({
      channels: 1,
      frames: 3,
      bits: 8,
      rate: 8000,
      samples: Int8Array.of(-128, 0, 127) as never,
    }),
  );
  assert.deepEqual(signed8.channels[0], Float32Array.of(-1, 0, 127 / 128));
  const raw8 = decodeAiff(
    buildAiff({
      compression: "raw ",
      channels: 1,
      frames: 3,
      bits: 8,
      rate: 8000,
      samples: Uint8Array.of(0, 128, 255),
    }),
  );
  assert.deepEqual(raw8.channels[0], Float32Array.of(-1, 0, 127 / 128));
  // 24-bit big-endian (AIFF and AIFC in24), stereo interleaved.
  const s24 = Uint8Array.of(0x80, 0, 0, 0x7f, 0xff, 0xff, 0, 0, 1, 0xff, 0xff, 0xff);
  for (const compression of [undefined, "in24"]) {
    const audio = decodeAiff(
      buildAiff({ compression, channels: 2, frames: 2, bits: 24, rate: 8000, samples: s24 }),
    );
    assert.deepEqual(audio.channels[0], Float32Array.of(-1, 1 / 8388608));
    assert.deepEqual(audio.channels[1], Float32Array.of(8388607 / 8388608, -1 / 8388608));
  }
  // AIFC G.711: COMM says 16 bits (Apple's convention) but each sample is one byte.
  for (const [compression, table] of [["ulaw", ULAW_TO_FLOAT], ["alaw", ALAW_TO_FLOAT]] as const) {
    const audio = decodeAiff(
      buildAiff({
        compression,
        channels: 1,
        frames: 256,
        bits: 16,
        rate: 8000,
        samples: ALL_CODES,
      }),
    );
    assert.equal(audio.encoding, compression);
    assert.deepEqual(audio.channels[0], table);
  }
});

Deno.test("damaged or unsupported AIFF files give an AudioError naming the file once", async () => {
  const good = buildAiff({
    channels: 1,
    frames: 100,
    bits: 16,
    rate: 8000,
    samples: new Uint8Array(200),
  });
  const path = "bad.aiff";
  const cases: [string, Uint8Array, string | RegExp][] = [
    [
      "8SVX",
      concat([ascii("FORM"), new Uint8Array(4), ascii("8SVX")]),
      'not an AIFF file (FORM type is "8SVX")',
    ],
    [
      "truncated",
      good.subarray(0, good.length - 50),
      /truncated AIFF: SSND chunk declares 200 bytes but only 150 remain/,
    ],
    [
      "ima4",
      buildAiff({
        compression: "ima4",
        channels: 1,
        frames: 4,
        bits: 16,
        rate: 8000,
        samples: new Uint8Array(8),
      }),
      /unsupported AIFC compression type "ima4"/,
    ],
    [
      "no COMM",
      concat([ascii("FORM"), Uint8Array.of(0, 0, 0, 4), ascii("AIFF")]),
      "missing COMM chunk",
    ],
    [
      "no SSND",
      buildAiff({ channels: 1, frames: 100, bits: 16, rate: 8000, samples: new Uint8Array(200) })
        .subarray(0, 12 + 12 + 26),
      "missing SSND chunk",
    ],
  ];
  for (const [label, bytes, text] of cases) {
    await assertAudioError(() => decodeAiff(bytes, path), path, text);
    await assertAudioError(() => decodeAudio(bytes, path), path, text);
    await withTempDir(async (dir) => {
      const file = join(dir, `${label}.aiff`);
      await Deno.writeFile(file, bytes);
      await assertAudioError(() => probeAudio(file), file, text);
      // The message names the file exactly once.
      const message = await probeAudio(file).then(() => "", (error) => (error as Error).message);
      assert.equal(message.split(file).length - 1, 1, message);
    });
  }
});

/** Runs sox; throws with its stderr on failure. */
async function sox(args: string[]): Promise<void> {
  const result = await new Deno.Command("sox", { args, stdout: "null", stderr: "piped" }).output();
  if (!result.success) {
    throw new Error(`sox ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
}

Deno.test({
  name: "sox-made AIFF/AIFC/WAV variants decode to the original samples (G.711 within its step)",
  ignore: !SOX,
  async fn() {
    const rate = 16000;
    // Left: a loud chirp (G.711's top segments); right: quiet noise (its finest steps).
    const left = chirp(100, 7000, 0.5, rate, 0.9);
    const right = whiteNoise(0.5, rate, 7, 0.05);
    await withTempDir(async (dir) => {
      const source = join(dir, "in.wav");
      await Deno.writeFile(source, encodeWav([left, right], rate, { bitsPerSample: 16 }));
      const original = decodeWav(await Deno.readFile(source));
      const make = async (name: string, options: string[]) => {
        const path = join(dir, name);
        await sox([source, ...options, path]);
        const audio = await decodeAudio(await Deno.readFile(path), path);
        assert.equal(audio.sampleRate, rate, name);
        assert.equal(audio.channels.length, 2, name);
        assert.deepEqual(await probeAudio(path), {
          sampleRate: rate,
          channels: 2,
          frames: original.channels[0].length,
          duration: original.channels[0].length / rate,
        });
        return audio;
      };
      // Lossless: 16-bit values survive 16/24/32-bit integers and 32/64-bit floats exactly.
      for (
        const [name, options, compression] of [
          ["s16.aiff", ["-b", "16"], "NONE"],
          ["s24.aiff", ["-b", "24"], "NONE"],
          ["s32.aiff", ["-b", "32"], "NONE"],
          ["s16.aifc", ["-b", "16"], "NONE"],
          ["f32.aifc", ["-e", "floating-point", "-b", "32"], "fl32"],
          ["f64.aifc", ["-e", "floating-point", "-b", "64"], "fl64"],
        ] as const
      ) {
        const audio = await make(name, [...options]);
        assert.equal(audio.codec, "aiff", name);
        assert.equal(audio.encoding, compression.startsWith("fl") ? "float" : "pcm", name);
        for (let c = 0; c < 2; c++) {
          assert.equal(maxAbsDiff(audio.channels[c], original.channels[c]), 0, `${name} ch${c}`);
        }
      }
      // 8-bit AIFF without dither: measured max |error| 0.00391 = 1/256, half an 8-bit step
      // (sox rounds); bound 2/256.
      const s8 = await make("s8.aiff", ["-b", "8", "-D"]);
      for (let c = 0; c < 2; c++) {
        const error = maxAbsDiff(s8.channels[c], original.channels[c]);
        console.log(`s8.aiff ch${c}: max |error| ${error.toFixed(5)}`);
        assert.ok(error <= 2 / 256, `8-bit ch${c}: ${error}`);
      }
      // G.711 WAVs: every sample is a table level, and the error stays within the code's step.
      for (
        const [name, encoding, table] of [["mu.wav", "u-law", ULAW_TO_FLOAT], [
          "a.wav",
          "a-law",
          ALAW_TO_FLOAT,
        ]] as const
      ) {
        const audio = await make(name, ["-e", encoding, "-D"]); // -D: no (random) dither
        assert.equal(audio.codec, "wav");
        assert.equal(audio.encoding, encoding === "u-law" ? "ulaw" : "alaw");
        const levels = new Set(table);
        assert.ok(levels.size >= 255); // 256 codes, +0 and -0 (or two zeros) aside
        let worstRatio = 0;
        let worstAbs = 0;
        for (let c = 0; c < 2; c++) {
          const got = audio.channels[c];
          const want = original.channels[c];
          for (let i = 0; i < got.length; i++) {
            assert.ok(levels.has(got[i]), `${name}: ${got[i]} is not a G.711 level`);
            const error = Math.abs(got[i] - want[i]);
            worstAbs = Math.max(worstAbs, error);
            // A G.711 step is at most 1/8 of the level it sits at (4 mantissa bits, the top
            // one implicit), so rounding errs by about |x| / 16 at most, above A-law's 16/32768 floor.
            worstRatio = Math.max(worstRatio, error / (Math.abs(want[i]) / 16 + 16 / 32768));
          }
        }
        // Measured (sox 14.4.2, no dither, rounds to the nearest level): max |error| 0.01569 for
        // mu-law, 0.01575 for A-law (half the top step of 1024/32768, plus the 16-bit input's
        // rounding); the worst error over (|x| / 16 + 16/32768) is 0.490 (mu-law) and 0.739
        // (A-law, whose 13-bit floor is coarser). Bounds are about 2x those.
        assert.ok(worstAbs <= 0.032, `${name}: max error ${worstAbs}`);
        const ratioBound = encoding === "u-law" ? 1.0 : 1.5;
        assert.ok(worstRatio <= ratioBound, `${name}: error over the step bound ${worstRatio}`);
        console.log(
          `${name}: max |error| ${worstAbs.toFixed(5)}, relative ${worstRatio.toFixed(4)}`,
        );
      }
      // And through the loader used for features: mono mix, same length.
      const clip = await loadAudio(join(dir, "s16.aiff"));
      assert.equal(clip.samples.length, original.channels[0].length);
      assert.equal(clip.originalSampleRate, rate);
    });
  },
});

Deno.test("corpus scans pick up .aiff/.aif/.aifc files and probe their headers", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "OAF_angry"));
    const frames = 4410;
    const samples = new Uint8Array(frames * 2); // 16-bit silence
    await Deno.writeFile(
      join(dir, "OAF_angry", "OAF_back_angry.aiff"),
      buildAiff({ channels: 1, frames, bits: 16, rate: 22050, samples }),
    );
    await Deno.writeFile(
      join(dir, "OAF_angry", "OAF_bar_angry.aifc"),
      buildAiff({ compression: "sowt", channels: 1, frames, bits: 16, rate: 22050, samples }),
    );
    await Deno.writeFile(
      join(dir, "OAF_angry", "OAF_base_angry.wav"),
      encodeWav(new Float32Array(frames), 22050),
    );
    const { table, badFiles } = await scanCorpus(dir, { silent: true });
    assert.deepEqual(badFiles, []);
    assert.deepEqual(columnValues(table, "utterance").sort(), ["back", "bar", "base"]);
    assert.deepEqual(table.getColumn("duration").toArray(), [0.2, 0.2, 0.2]);
  });
});
