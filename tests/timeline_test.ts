/**
 * Long recordings: voice-activity detection on speech-like signals with silent gaps, window
 * layout, timelines under a generic classifier (flags for short and speechless input), and a
 * tiny trained model whose timeline must follow a synthesized 20 s recording and equal
 * `predict` on each window's samples; then `deno task predict` on a long file.
 */
import assert from "node:assert/strict";
import { promotedSet } from "./tiny_pooled.ts";
import { join } from "node:path";
import { encodeWav, whiteNoise } from "../lib/audio/mod.ts";
import { initBackend } from "../lib/models/mod.ts";
import {
  createPredictor,
  loadPredictor,
  predictTimelineWith,
  timelineCsv,
  voiceActivity,
  type WindowClassifier,
  windowStarts,
} from "../lib/inference/mod.ts";
import { timelineFigure } from "../lib/visualizer/mod.ts";
import { quiet, recording, speechLike } from "./speech_like.ts";
import { CLASSES, F0, saveTiny, SETTINGS, trainTiny } from "./tiny_model.ts";

await initBackend({ prefer: "cpu", quiet: true });

const RATE = 22050;

Deno.test("vad: speech-like utterances are voiced, faint noise, white noise and clicks are not", () => {
  for (const f0 of [110, 220, 440]) {
    const vad = voiceActivity(speechLike(f0, 1, RATE), RATE);
    assert.ok(vad.voiced, `f0 ${f0}`);
    // Measured: every frame is speech (fraction 1.000, level -20 to -23 dBFS).
    assert.ok(vad.speechFraction > 0.9, `f0 ${f0}: ${vad.speechFraction}`);
  }
  const gap = voiceActivity(quiet(1, RATE), RATE);
  assert.equal(gap.voiced, false);
  assert.equal(gap.speechSeconds, 0);
  assert.ok(gap.levelDb < -60 && gap.levelDb > -72, `${gap.levelDb}`); // measured -66.2
  // Loud broadband noise passes the energy floor but not the zero-crossing test.
  const hiss = voiceActivity(whiteNoise(1, RATE, 4, 0.3), RATE);
  assert.equal(hiss.voiced, false);
  assert.ok(hiss.levelDb > -20);
  // A 50 ms blip is loud but shorter than the minimum utterance (0.25 s).
  const blip = new Float32Array(RATE);
  blip.set(speechLike(220, 0.05, RATE), RATE / 2);
  assert.equal(voiceActivity(blip, RATE).voiced, false);
  assert.equal(voiceActivity(new Float32Array(0), RATE).voiced, false);
  assert.throws(() => voiceActivity(blip, 0), /sample rate must be positive/);
});

Deno.test("vad: frames follow the gaps of a recording to within one frame", () => {
  const { samples, spans } = recording([
    { f0: null, seconds: 0.5 },
    { f0: 220, seconds: 1 },
    { f0: null, seconds: 0.7 },
    { f0: 110, seconds: 0.8 },
    { f0: null, seconds: 0.5 },
  ], RATE);
  const vad = voiceActivity(samples, RATE);
  const hop = 0.01;
  let wrong = 0;
  vad.frames.forEach((flag, f) => {
    const centre = f * hop + 0.0125;
    const span = spans.find((s) => centre >= s.start && centre < s.end)!;
    // Frames straddling a boundary may go either way.
    const nearEdge = spans.some((s) => Math.abs(centre - s.start) < 0.015);
    if (!nearEdge && flag !== (span.f0 === null ? 0 : 1)) wrong++;
  });
  assert.equal(wrong, 0);
  assert.ok(Math.abs(vad.speechSeconds - 1.8) < 0.03, `${vad.speechSeconds}`);
});

Deno.test("windowStarts: hops, the last window aligned to the end, one window for short input", () => {
  assert.deepEqual(windowStarts(10, 3, 1), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(windowStarts(10, 4, 3), [0, 3, 6]);
  assert.deepEqual(windowStarts(11, 4, 3), [0, 3, 6, 7]);
  assert.deepEqual(windowStarts(2, 4, 1), [0]);
  assert.deepEqual(windowStarts(4, 4, 1), [0]);
  assert.throws(() => windowStarts(10, 0, 1), /must be positive/);
});

/** A fake classifier: probability of "high" = fraction of the window's samples above 0.2. */
function fakeClassifier(batch: boolean, calls: number[]): WindowClassifier {
  const one = (samples: Float32Array) => {
    let high = 0;
    for (const x of samples) if (Math.abs(x) > 0.2) high++;
    const p = high / samples.length;
    return [1 - p, p];
  };
  return {
    classes: ["low", "high"],
    windowSeconds: 1,
    predict: (samples) => {
      calls.push(1);
      return one(samples);
    },
    ...(batch
      ? {
        predictBatch: (windows: readonly Float32Array[]) => {
          calls.push(windows.length);
          return Promise.resolve(windows.map(one));
        },
      }
      : {}),
  };
}

Deno.test("timeline: generic classifier, silence skipped, batched == one by one, flags", async () => {
  const { samples } = recording([
    { f0: 220, seconds: 2 },
    { f0: null, seconds: 3 },
    { f0: 440, seconds: 2.5 },
  ], RATE);
  const batchedCalls: number[] = [];
  const singleCalls: number[] = [];
  const batched = await predictTimelineWith(samples, RATE, fakeClassifier(true, batchedCalls), {
    hopSeconds: 0.5,
    batchSize: 4,
  });
  const single = await predictTimelineWith(samples, RATE, fakeClassifier(false, singleCalls), {
    hopSeconds: 0.5,
  });
  assert.deepEqual(batched.windows, single.windows);
  // 7.5 s, window 1 s, hop 0.5 s: starts 0, 0.5, ..., 6.5 = 14 windows.
  assert.equal(batched.windows.length, 14);
  const silent = batched.windows.filter((w) => !w.voiced);
  // Windows wholly inside the 2-5 s gap: starts 2.0 .. 4.0 (5 windows); windows reaching 0.25 s
  // of speech into it are voiced.
  assert.deepEqual(silent.map((w) => w.start), [2, 2.5, 3, 3.5, 4]);
  for (const w of silent) {
    assert.equal(w.probabilities, null);
    assert.equal(w.emotion, null);
  }
  assert.equal(singleCalls.length, 9);
  assert.deepEqual(batchedCalls, [4, 4, 1]);
  assert.equal(batched.summary.status, "ok");
  assert.equal(batched.summary.voicedWindows, 9);
  assert.equal(batched.flags.noSpeech, false);
  const csv = timelineCsv(batched, "talk.wav").trim().split("\n");
  assert.equal(
    csv[0],
    "file,start,end,voiced,speech_seconds,level_db,emotion,confidence,prob_low,prob_high",
  );
  assert.equal(csv.length, 16);
  assert.match(csv[5], /^talk\.wav,2,3,false,0,-6\d\.\d+,,,,$/);
  assert.match(csv[15], /^# summary talk\.wav: status=ok emotion=\w+ /);

  // No speech: no label anywhere, flagged.
  const none = await predictTimelineWith(quiet(4, RATE), RATE, fakeClassifier(true, []));
  assert.equal(none.summary.status, "no-speech");
  assert.equal(none.summary.emotion, null);
  assert.equal(none.summary.confidence, null);
  assert.ok(none.flags.noSpeech);
  assert.match(none.summary.message, /no speech found in 4\.00 s/);
  assert.match(timelineCsv(none), /status=no-speech emotion=none confidence=none/);

  // Shorter than a window: one (padded) window, labelled but flagged.
  const short = await predictTimelineWith(
    speechLike(220, 0.6, RATE),
    RATE,
    fakeClassifier(true, []),
  );
  assert.equal(short.windows.length, 1);
  assert.equal(short.summary.status, "short");
  assert.ok(short.flags.shorterThanWindow);
  assert.match(short.summary.message, /SHORT recording: 0\.60 s is less than the model's 1 s/);
  // 50 ms: short AND no speech; no speech wins (no label).
  const blip = await predictTimelineWith(
    speechLike(220, 0.05, RATE),
    RATE,
    fakeClassifier(true, []),
  );
  assert.equal(blip.summary.status, "no-speech");
  assert.ok(blip.flags.shorterThanWindow && blip.flags.noSpeech);

  // The chart: one line per class with gaps where there is no speech, one grey band.
  const figure = timelineFigure(batched, "talk");
  assert.equal(figure.data.length, 3);
  assert.ok(Number.isNaN((figure.data[0].y as number[])[5]));
  assert.equal((figure.layout.shapes as unknown[]).length, 1);
  assert.match(figure.layout.title!.text, /dominant emotion/);
  assert.match(timelineFigure(none).layout.title!.text, /\[no-speech\]/);

  await assert.rejects(
    predictTimelineWith(samples, RATE, fakeClassifier(true, []), { hopSeconds: 2 }),
    /hop must be in \(0, 1\] s/,
  );
  const wrong: WindowClassifier = { ...fakeClassifier(false, []), predict: () => [1] };
  await assert.rejects(
    predictTimelineWith(samples, RATE, wrong),
    /returned 1 probabilities for the window at 0\.00 s, expected 2 \(low, high\)/,
  );
});

Deno.test("predictTimeline: a 20 s recording with gaps, equal to predict on each window", async () => {
  const { model, scaler } = await trainTiny();
  const predictor = createPredictor({
    model,
    modelName: "gru",
    classes: CLASSES,
    settings: SETTINGS,
    scaler,
  });
  const dir = await Deno.makeTempDir({ prefix: "ser_timeline_" });
  try {
    const { samples, spans } = recording([
      { f0: 110, seconds: 3 },
      { f0: null, seconds: 2 },
      { f0: 440, seconds: 3.5 },
      { f0: null, seconds: 2.5 },
      { f0: 220, seconds: 3 },
      { f0: null, seconds: 2 },
      { f0: 110, seconds: 4 },
    ], RATE);
    assert.equal(samples.length, 20 * RATE);
    // The same recording as a 44.1 kHz stereo file: decoded, mixed, resampled once.
    const timeline = await predictor.predictTimeline(
      { samples, sampleRate: RATE, name: "talk" },
      { hopSeconds: 0.5 },
    );
    assert.equal(timeline.path, "talk");
    assert.equal(timeline.windows.length, 39);
    let inside = 0;
    for (const w of timeline.windows) {
      const span = spans.find((s) => w.start >= s.start - 1e-9 && w.end <= s.end + 1e-9);
      if (!span) continue; // straddles a boundary
      inside++;
      if (span.f0 === null) {
        assert.equal(w.voiced, false, `${w.start}`);
        assert.equal(w.probabilities, null);
      } else {
        assert.equal(w.voiced, true, `${w.start}`);
        assert.equal(w.emotion, CLASSES[F0.indexOf(span.f0)], `window at ${w.start} s`);
      }
    }
    assert.equal(inside, 33); // 5 + 3 + 6 + 4 + 5 + 3 + 7 windows within one segment
    assert.equal(timeline.summary.status, "ok");
    assert.equal(timeline.summary.emotion, "sad"); // 7 s of 110 Hz vs 3.5 and 3
    // Each window's probabilities equal predict() on the same samples: measured max |diff| 0
    // (batch of 64 vs batch of 1 through the same features and model on the cpu backend); the
    // bound leaves room for backends whose batched matmuls round differently.
    let maxDiff = 0;
    for (const w of timeline.windows.filter((w) => w.voiced)) {
      const window = samples.subarray(Math.round(w.start * RATE), Math.round(w.end * RATE));
      const single = await predictor.predict({ samples: window, sampleRate: RATE });
      for (const c of CLASSES) {
        maxDiff = Math.max(maxDiff, Math.abs(single.probabilities[c] - w.probabilities![c]));
      }
    }
    assert.ok(maxDiff < 1e-5, `max difference ${maxDiff}`);

    // Files: saved artifacts, the recording as a 16-bit WAV, and the CLI.
    await promotedSet(dir, (run) => saveTiny(run, { model, scaler }));
    const wav = join(dir, "talk.wav");
    await Deno.writeFile(wav, encodeWav(samples, RATE, { bitsPerSample: 16 }));
    // From the file, featurised by 2 workers and inline: the same timeline, to the bit.
    const pooled = await loadPredictor(dir, { featureWorkers: 2 });
    const inline = await loadPredictor(dir, { featureWorkers: 0 });
    try {
      const fromFile = await pooled.predictTimeline(wav, { hopSeconds: 0.5 });
      assert.deepEqual(
        fromFile.windows.map((w) => w.emotion),
        timeline.windows.map((w) => w.emotion),
      );
      assert.deepEqual(
        (await inline.predictTimeline(wav, { hopSeconds: 0.5 })).windows,
        fromFile.windows,
      );
    } finally {
      pooled.dispose();
      inline.dispose();
    }
    const gap = join(dir, "gap.wav");
    await Deno.writeFile(gap, encodeWav(quiet(2, RATE), RATE));
    const out = join(dir, "out.csv");
    const plot = join(dir, "plot.html");
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../cli/predict.ts", import.meta.url).pathname,
        wav,
        gap,
        "--models-dir",
        dir,
        "--hop",
        "0.5",
        "--out",
        out,
        "--plot",
        plot,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(cli.stdout);
    assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
    assert.match(stdout, /talk\.wav: 20\.0 s, 39 windows \(\d+ with speech\)/);
    assert.match(stdout, /\n\s+0\.00-1\.00\s+sad\s+\d+\.\d%/);
    assert.match(stdout, /\n\s+4\.00-5\.00\s+no speech\s+-/);
    assert.match(stdout, /summary: dominant emotion sad/);
    assert.match(stdout, /gap\.wav\s+-\s+-\s+NO SPEECH/);
    assert.match(stdout, /NO SPEECH: .*gap\.wav: no speech found in 2\.00 s/);
    const summary = (await Deno.readTextFile(out)).trim().split("\n");
    assert.equal(summary.length, 3);
    assert.match(summary[1], /talk\.wav,sad,0\.\d+,.*,ok,20\.0000,\d+,39$/);
    assert.match(summary[2], /gap\.wav,,,,,,no-speech,2\.0000,0,3$/);
    const windows = (await Deno.readTextFile(join(dir, "out.windows.csv"))).trim().split("\n");
    assert.equal(windows.filter((line) => !line.startsWith("#")).length, 1 + 39 + 3);
    for (const name of ["plot.talk.html", "plot.gap.html"]) {
      const html = await Deno.readTextFile(join(dir, name));
      assert.match(html, /Emotion timeline|talk|gap/);
      // Offline: the page loads the one plotly.js copy written beside it (not a CDN).
      const src = html.match(/<script[^>]* src="(plotly-[^"]+\.min\.js)"/)?.[1];
      assert.ok(src, `${name} loads a local plotly.js`);
      assert.ok((await Deno.stat(join(dir, src))).size > 1_000_000, `${src} is plotly.js`);
    }
  } finally {
    predictor.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
