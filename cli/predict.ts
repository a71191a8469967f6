/**
 * Classifies audio files with a trained model, over the whole recording.
 *
 * Usage: `deno task predict <file-or-folder>... [--model NAME] [--models-dir DIR]
 * [--hop SECONDS] [--no-vad] [--workers N] [--enrol FILE-OR-FOLDER] [--adapt]
 * [--out results.csv|results.json] [--plot timeline.html] [--quiet]`
 *
 * Every file goes through `predictTimeline`: windows of the model's clip length every `--hop`
 * seconds (default 1), windows without speech skipped by the voice-activity detector. A file
 * longer than one window prints one row per window and a summary line (the dominant emotion
 * over the windows with speech); a shorter one prints one row. A file shorter than a window is
 * flagged `SHORT`, one without speech `NO SPEECH` (and gets no label), in every output.
 * `--workers N` featurises windows in N Web Workers (default: all cores on machines with 4+).
 *
 * Pooled models (`ensemble`, `svm`, `logistic`) normalise a voice with what they have seen of it:
 * `--enrol F` adds unlabelled clips of the speaker (a file or a folder) to the speaker statistics
 * before anything is classified (ten or more help: see the README's enrolment table) — a model
 * trained with voice adaptation (`pooledVoiceAdaptation` in the config) is then also self-trained
 * on them once there are enough (20 by default) — and
 * `--adapt` treats each file as one speaker and adapts on its voiced windows in time order, as
 * the live page does. Both are errors with a sequence model.
 *
 * `--out F.csv` writes one row per file (`path, emotion, confidence, prob_<class>..., status,
 * duration, voiced_windows, windows`) and, when some file is longer than one window,
 * `F.windows.csv` with one row per window; `--out F.json` writes the full timelines. `--plot
 * F.html` writes the Plotly timeline (offline HTML; with several files, one page per file,
 * `F.<name>.html`). A folder is searched recursively for audio files (`.wav`, `.flac`, `.aiff`/`.aif`/`.aifc`). Exits 1 when the
 * models are missing or damaged (NaN/Inf weights or outputs), or nothing could be classified;
 * 2 for a bad command line (unknown flags are errors).
 * @module
 */
import { basename, extname } from "node:path";
import { loadConfig, projectPath } from "../config.ts";
import { initBackend } from "../lib/models/mod.ts";
import { AUDIO_EXTENSIONS, listAudioFiles } from "../lib/data_loader/mod.ts";
import {
  DEFAULT_HOP_SECONDS,
  loadPredictor,
  ModelOutputError,
  type Timeline,
  timelineCsv,
  timelineHop,
} from "../lib/inference/mod.ts";
import { parseCliArgs, UsageError, writeTextAtomic } from "../lib/util/mod.ts";
import { problemText } from "../lib/audio/mod.ts";
import { saveFigureHtml, timelineFigure } from "../lib/visualizer/mod.ts";
import { join } from "node:path";

const USAGE = "Usage: deno task predict <file-or-folder>... [--model NAME] [--models-dir DIR] " +
  "[--hop SECONDS] [--no-vad] [--workers N] [--enrol FILE-OR-FOLDER] [--adapt] " +
  "[--out results.csv|results.json] [--plot timeline.html] [--quiet]";

type FileTimeline = Timeline & { path: string };

const STATUS_FLAG: Record<string, string> = { ok: "", short: "SHORT", "no-speech": "NO SPEECH" };

/** Rows padded to their widest cell (first column left-aligned, the rest as given). */
function formatRows(rows: string[][], rightAligned: number[] = []): string {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from(
    { length: columns },
    (_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)),
  );
  return rows.map((row) =>
    row.map((cell, c) =>
      rightAligned.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])
    ).join("  ").trimEnd()
  ).join("\n");
}

const percent = (x: number | null) => x === null ? "-" : `${(x * 100).toFixed(1)}%`;

/** The per-window rows of one long file. */
function windowRows(timeline: FileTimeline): string {
  const rows = [["  window (s)", "emotion", "confidence", "speech (s)"]];
  for (const w of timeline.windows) {
    rows.push([
      `  ${w.start.toFixed(2)}-${w.end.toFixed(2)}`,
      w.emotion ?? "no speech",
      percent(w.confidence),
      w.speechSeconds.toFixed(2),
    ]);
  }
  return formatRows(rows, [2, 3]);
}

/** One line per file: the summary. */
function summaryRows(timelines: readonly FileTimeline[]): string {
  const rows = [["file", "emotion", "confidence", "flag"]];
  for (const t of timelines) {
    rows.push([
      t.path,
      t.summary.emotion ?? "-",
      percent(t.summary.confidence),
      STATUS_FLAG[t.summary.status],
    ]);
  }
  return formatRows(rows, [2]);
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per file, the old table's columns first. */
function summaryCsv(timelines: readonly FileTimeline[], classes: readonly string[]): string {
  const header = [
    "path",
    "emotion",
    "confidence",
    ...classes.map((c) => `prob_${c}`),
    "status",
    "duration",
    "voiced_windows",
    "windows",
  ];
  const rows = timelines.map((t) => {
    const s = t.summary;
    return [
      csvCell(t.path),
      s.emotion ?? "",
      s.confidence === null ? "" : String(s.confidence),
      ...classes.map((c) => s.probabilities ? String(s.probabilities[c]) : ""),
      s.status,
      t.duration.toFixed(4),
      String(s.voicedWindows),
      String(s.windows),
    ].join(",");
  });
  return [header.join(","), ...rows].join("\n") + "\n";
}

/** Every file's windows in one CSV (one header, the per-file summaries as `#` lines). */
function windowsCsv(timelines: readonly FileTimeline[]): string {
  return timelines.map((t, i) => {
    const lines = timelineCsv(t, t.path).trimEnd().split("\n");
    return (i === 0 ? lines : lines.slice(1)).join("\n");
  }).join("\n") + "\n";
}

async function resolveFiles(input: string): Promise<string[]> {
  const info = await Deno.stat(input).catch((error) => {
    throw new Error(
      error instanceof Deno.errors.NotFound
        ? `${input}: no such file or folder`
        : `${input}: cannot read (${error.message})`,
    );
  });
  if (!info.isDirectory) return [input];
  const files = await listAudioFiles(input);
  if (files.length === 0) {
    throw new Error(`${input}: no audio files (${AUDIO_EXTENSIONS.join(", ")}) in this folder`);
  }
  return files.map((file) => join(input, file));
}

function plotPath(plot: string, file: string, count: number): string {
  if (count === 1) return plot;
  const extension = extname(plot) || ".html";
  const stem = plot.slice(0, plot.length - extname(plot).length);
  return `${stem}.${basename(file).replace(/\.[^.]*$/, "")}${extension}`;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCliArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      "models-dir": { type: "string" },
      hop: { type: "string" },
      workers: { type: "string" },
      "no-vad": { type: "boolean", default: false },
      enrol: { type: "string" },
      adapt: { type: "boolean", default: false },
      out: { type: "string" },
      plot: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`predict: give at least one audio file or folder\n${USAGE}`);
    return 1;
  }
  const hopSeconds = values.hop === undefined ? undefined : Number(values.hop);
  if (hopSeconds !== undefined && !(hopSeconds > 0)) {
    console.error(`predict: --hop must be a positive number of seconds, got ${values.hop}`);
    return 1;
  }
  const modelsDir = projectPath(values["models-dir"] ?? loadConfig().modelsDir);
  const backend = await initBackend({ quiet: true });
  console.log(`backend: ${backend.name} (blas ${backend.blas}, tfjs ${backend.tfjsVersion})`);
  const featureWorkers = values.workers === undefined ? undefined : Number(values.workers);
  if (featureWorkers !== undefined && !(Number.isInteger(featureWorkers) && featureWorkers >= 0)) {
    console.error(`predict: --workers must be a whole number >= 0, got ${values.workers}`);
    return 1;
  }
  const predictor = await loadPredictor(modelsDir, { model: values.model, featureWorkers });
  try {
    const window = predictor.windowClassifier.windowSeconds;
    const rate = predictor.settings.sampleRate;
    const hop = timelineHop(
      hopSeconds ?? Math.min(DEFAULT_HOP_SECONDS, window),
      rate,
      Math.round(window * rate),
      {
        explicit: hopSeconds !== undefined,
        frameHop: predictor.windowClassifier.frameHop,
      },
    ) / rate;
    console.log(
      `model: ${predictor.modelName} from ${modelsDir} (window ${window} s, hop ${
        Number(hop.toFixed(4))
      } s${values["no-vad"] ? ", no voice-activity detection" : ""})`,
    );
    if ((values.enrol !== undefined || values.adapt) && !predictor.pooled) {
      console.error(
        `predict: --enrol and --adapt adapt a pooled model's speaker normalisation; ` +
          `${predictor.modelName} is a sequence model (choose one with --model ensemble)`,
      );
      return 1;
    }
    if (values.enrol !== undefined) {
      const clips = await resolveFiles(values.enrol);
      const seen = await predictor.pooled!.enrol(clips);
      console.log(
        `speaker: ${seen} unlabelled clip(s) of ${values.enrol} enrolled (the normalisation ` +
          `blends them with the training speakers' average, worth 10 clips)`,
      );
      const adaptation = predictor.pooled!.voiceAdaptation();
      const wanted = predictor.pooled!.artifact.model.spec.voiceAdaptation;
      if (adaptation) {
        console.log(
          `voice adaptation: the model self-trained on the enrolled clips (kept with its own ` +
            `label in each round: ${adaptation.pseudoLabelled.join(" / ")} of ${seen}; refit: ` +
            `the ${adaptation.adaptedCorpora.join(" and ")} classifier)`,
        );
      } else if (wanted && seen < wanted.minClips) {
        console.log(
          `voice adaptation: not yet (${seen} clips enrolled, it needs ${wanted.minClips})`,
        );
      }
    }
    const timelines: FileTimeline[] = [];
    const failures: { path: string; problem: string }[] = [];
    for (const input of positionals) {
      let files: string[];
      try {
        files = await resolveFiles(input);
      } catch (error) {
        failures.push({ path: input, problem: (error as Error).message });
        continue;
      }
      for (const file of files) {
        try {
          const started = performance.now();
          const timeline = await predictor.predictTimeline(file, {
            hopSeconds,
            adaptSpeaker: values.adapt,
            ...(values["no-vad"] ? { vad: false as const } : {}),
          });
          timelines.push(timeline);
          if (timeline.windows.length > 1 && !values.quiet) {
            const seconds = (performance.now() - started) / 1000;
            console.log(
              `${file}: ${timeline.duration.toFixed(1)} s, ${timeline.windows.length} windows ` +
                `(${timeline.summary.voicedWindows} with speech) in ${seconds.toFixed(2)} s`,
            );
            console.log(windowRows(timeline));
            console.log(`  summary: ${timeline.summary.message}`);
          }
        } catch (error) {
          // A model that answers NaN is wrong for every file: stop (exit 1), print no row.
          if (error instanceof ModelOutputError) throw error;
          failures.push({ path: file, problem: problemText(error, file) });
        }
      }
    }
    if (timelines.length > 0) console.log(summaryRows(timelines));
    for (const t of timelines) {
      if (t.summary.status !== "ok") {
        console.log(`${STATUS_FLAG[t.summary.status]}: ${t.path}: ${t.summary.message}`);
      }
    }
    for (const { path, problem } of failures) {
      console.error(`failed: ${path}: ${problem}`);
    }
    if (values.out && timelines.length > 0) {
      if (values.out.toLowerCase().endsWith(".json")) {
        await writeTextAtomic(
          values.out,
          JSON.stringify({ model: predictor.modelName, files: timelines }, null, 1) + "\n",
        );
        console.log(`wrote ${timelines.length} timelines to ${values.out}`);
      } else {
        await writeTextAtomic(values.out, summaryCsv(timelines, predictor.classes));
        console.log(`wrote ${timelines.length} rows to ${values.out}`);
        if (timelines.some((t) => t.windows.length > 1)) {
          const path = values.out.replace(/(\.csv)?$/i, ".windows.csv");
          await writeTextAtomic(path, windowsCsv(timelines));
          const rows = timelines.reduce((n, t) => n + t.windows.length, 0);
          console.log(`wrote ${rows} window rows to ${path}`);
        }
      }
    }
    if (values.plot) {
      for (const t of timelines) {
        const path = plotPath(values.plot, t.path, timelines.length);
        await saveFigureHtml(
          timelineFigure(t, `${basename(t.path)} — ${predictor.modelName}`),
          path,
        );
        console.log(`wrote timeline chart to ${path}`);
      }
    }
    if (timelines.length === 0) {
      console.error("predict: no file could be classified");
      return 1;
    }
    return 0;
  } finally {
    predictor.dispose();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`predict: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
