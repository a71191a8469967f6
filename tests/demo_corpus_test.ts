/**
 * Demo corpus: espeak-ng clips in TESS layout, decodable, labelled by name, idempotent.
 * The synthesis tests are skipped where espeak-ng is not installed.
 */
import assert from "node:assert/strict";
import { basename, dirname, join, relative } from "node:path";
import {
  DEMO_EMOTIONS,
  DEMO_README,
  DEMO_SPEAKERS,
  DEMO_WORDS,
  demoClipPath,
  espeakArgs,
  findEspeak,
  generateDemoCorpus,
} from "../lib/data_loader/demo_corpus.ts";
import { decodeWav } from "../lib/audio/wav.ts";
import { parseCorpusPath } from "../lib/data_loader/corpora.ts";
import { skipped } from "./shared_data.ts";

const hasEspeak = findEspeak() !== undefined;
if (!hasEspeak) skipped("demo_corpus_test: synthesis tests", "espeak-ng not found");

Deno.test("demo corpus: word list, speakers and paths follow TESS conventions", () => {
  assert.equal(DEMO_WORDS.length, 200);
  assert.equal(new Set(DEMO_WORDS).size, 200);
  assert.deepEqual([...DEMO_EMOTIONS].sort(), [
    "angry",
    "disgust",
    "fear",
    "happy",
    "neutral",
    "ps",
    "sad",
  ]);
  assert.equal(demoClipPath("d", "SYF", "dog", "ps"), join("d", "SYF_ps", "SYF_dog_ps.wav"));
  for (const speaker of DEMO_SPEAKERS) assert.match(speaker.id, /^[A-Za-z]+$/);
});

Deno.test("demo corpus: espeak arguments are deterministic and differ between styles", () => {
  const speaker = DEMO_SPEAKERS[0];
  const sad = espeakArgs(speaker, "sad", "dog", "/tmp/x.wav");
  assert.deepEqual(sad, espeakArgs(speaker, "sad", "dog", "/tmp/x.wav"));
  const angry = espeakArgs(speaker, "angry", "dog", "/tmp/x.wav");
  const value = (args: string[], flag: string) => Number(args[args.indexOf(flag) + 1]);
  assert.ok(value(sad, "-s") < value(angry, "-s"), "sad is slower than angry");
  assert.ok(value(sad, "-a") < value(angry, "-a"), "sad is quieter than angry");
  assert.match(sad[sad.length - 1], /Say the word dog\./);
  assert.throws(() => espeakArgs(speaker, "sad", "dog</speak>", "/tmp/x.wav"), /letters only/);
});

Deno.test("demo corpus: rejects a bad word count before doing anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(generateDemoCorpus({ outDir: dir, words: 0, silent: true }), /1\.\.200/);
    await assert.rejects(generateDemoCorpus({ outDir: dir, words: 201, silent: true }), /1\.\.200/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "demo corpus: one word gives 14 decodable TESS-named clips, and a rerun skips them",
  ignore: !hasEspeak,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const first = await generateDemoCorpus({ outDir: dir, words: 1, silent: true });
      assert.equal(first.files.length, 14);
      assert.equal(first.written, 14);
      assert.equal(first.skipped, 0);
      const readme = await Deno.readTextFile(join(dir, "README.txt"));
      assert.equal(readme, DEMO_README);
      assert.match(readme, /NOT EMOTIONAL SPEECH/);

      const durations = new Map<string, number>();
      const labels = new Set<string>();
      for (const file of first.files) {
        const rel = relative(dir, file);
        const parsed = parseCorpusPath("tess", rel);
        assert.ok(parsed, `${rel} follows the TESS scheme`);
        assert.equal(parsed.utterance, DEMO_WORDS[0]);
        assert.equal(basename(dirname(file)), `${parsed.speaker}_${parsed.label}`);
        labels.add(parsed.label);
        const audio = decodeWav(await Deno.readFile(file), file);
        assert.equal(audio.sampleRate, 22050);
        assert.equal(audio.channels.length, 1);
        const seconds = audio.channels[0].length / audio.sampleRate;
        assert.ok(seconds > 0.5 && seconds < 4, `${rel}: ${seconds} s`);
        let peak = 0;
        for (const sample of audio.channels[0]) peak = Math.max(peak, Math.abs(sample));
        assert.ok(peak > 0.01, `${rel} is not silent`);
        durations.set(rel, seconds);
      }
      assert.equal(labels.size, 7);
      // The slow "sad" style must give a longer clip than the fast "angry" one.
      const speaker = DEMO_SPEAKERS[0].id;
      const word = DEMO_WORDS[0];
      const duration = (emotion: string) =>
        durations.get(relative(dir, demoClipPath(dir, speaker, word, emotion)))!;
      assert.ok(duration("sad") > duration("angry") * 1.2);

      // No temporary files are left next to the clips.
      for (const emotion of DEMO_EMOTIONS) {
        for await (const entry of Deno.readDir(join(dir, `${speaker}_${emotion}`))) {
          assert.match(entry.name, /^[A-Z]+_[a-z]+_[a-z]+\.wav$/);
        }
      }

      const before = await Deno.stat(first.files[0]);
      const second = await generateDemoCorpus({ outDir: dir, words: 1, silent: true });
      assert.equal(second.written, 0);
      assert.equal(second.skipped, 14);
      assert.equal((await Deno.stat(first.files[0])).mtime?.getTime(), before.mtime?.getTime());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "demo corpus: a missing espeak-ng executable gives a clear error",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await assert.rejects(
        generateDemoCorpus({
          outDir: dir,
          words: 1,
          silent: true,
          espeakPath: "/nonexistent/espeak",
        }),
        /espeak-ng not found at \/nonexistent\/espeak/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
