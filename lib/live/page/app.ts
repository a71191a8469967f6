/// <reference lib="dom" />
/**
 * The live page's script (bundled by the server with `deno bundle --platform browser`): loads a
 * saved model, records the microphone through an AudioWorklet, and every hop classifies the last
 * window with the project's own feature code and voice-activity detector; also draws the
 * timeline of a dropped WAV file with `predictTimelineWith`. Two model kinds:
 *
 * - `sequence` (LSTM/GRU/CNN-LSTM): TensorFlow.js on per-frame features
 *   (`sequenceWindowClassifier`, `lib/features`);
 * - `pooled` (SVM + softmax regression, `pooled.json`): utterance functionals incl. pYIN,
 *   normalised with a running speaker normaliser, into `pooledPredictProba`
 *   (`pooledWindowClassifier`; no TensorFlow.js involved). The microphone session is one
 *   speaker: every voiced window is added to the speaker statistics before it is classified,
 *   until "reset speaker". A dropped file is its own speaker (a fresh normaliser adapted on its
 *   voiced windows in time order), as `predictTimeline(file, { adaptSpeaker: true })`.
 *
 * Nothing is sent anywhere, except, in test mode (`?report=1`), a report posted back to the
 * page's own server.
 * @module
 */
import "./deno_shim.ts";
// Deep imports below: this page is bundled for the browser, and the modules' mod.ts files pull in Deno-only code (file I/O, workers, polars).
import * as tf from "@tensorflow/tfjs";
import Meyda from "meyda";
import "../../models/fast_recurrent.ts";
import "../../models/fast_conv1d.ts";
import "../../models/fast_batchnorm.ts";
import "../../models/fast_dropout.ts";
import { decodeWav } from "../../audio/wav.ts";
import { fitToLength, mixToMono } from "../../audio/signal.ts";
import { RESAMPY_FILTERS, resampyResample } from "../../audio/resampy.ts";
import { extractFeatures } from "../../features/extract.ts";
import type { FeatureSettings, StandardScaler } from "../../features/mod.ts";
import {
  predictTimelineWith,
  TIMELINE_RESAMPLE_QUALITY,
  type WindowClassifier,
} from "../../inference/timeline.ts";
import { voiceActivity } from "../../inference/vad.ts";
import {
  type CardEnrolmentCurve,
  cardEnrolmentCurves,
  enrolmentExpectation,
} from "./expectation.ts";
import { sequenceWindowClassifier } from "../../inference/window_classifier.ts";
import { pooledWindowClassifier } from "../../inference/pooled_window.ts";
import { RunningSpeakerNormalizer } from "../../features/speaker_norm.ts";
import type { PooledArtifact } from "../../models/mod.ts";
import { timelineFigure } from "../../visualizer/timeline.ts";
import { emotionColor } from "../../visualizer/style.ts";

// deno-lint-ignore no-explicit-any
declare const Plotly: any;

interface Manifest {
  features: FeatureSettings;
  scaler: StandardScaler;
  models: Record<string, { dir: string; testAccuracy?: number; kind?: "pooled" | "sequence" }>;
  bestModel: string;
}

/** One classified hop of the microphone stream (kept for the test report). */
interface LiveWindow {
  /** Seconds of audio received when the window ended. */
  end: number;
  voiced: boolean;
  levelDb: number;
  probabilities: number[] | null;
  /** ms from receiving the window's last sample to the updated chart. */
  latencyMs: number;
  /** ms of that spent on voice activity + features + model (the rest is drawing). */
  classifyMs: number;
  /** Pooled models: clips the speaker normalisation had seen after this window (0: prior). */
  speakerClips?: number;
  /** The window's samples (test mode only), base64 float32. */
  samples?: string;
}

const params = new URLSearchParams(location.search);
const report = params.get("report") === "1";
const reportWindows = Number(params.get("windows") ?? 20);
const hopSeconds = Number(params.get("hop") ?? document.body.dataset.hop ?? 0.5);
const $ = (id: string) => document.getElementById(id)!;

function showError(error: unknown) {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  $("error").textContent = text;
  if (report) postReport({ error: text });
}

function base64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

async function postReport(body: Record<string, unknown>) {
  const resources = performance.getEntriesByType("resource").map((e) => e.name);
  await fetch("/api/report", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, resources, page: location.href }),
  });
}

let classifier: WindowClassifier;
let manifest: Manifest;
let classes: string[];
let loadedModel: tf.LayersModel | undefined;
let modelLabel = "";
let modelKind: "pooled" | "sequence" = "sequence";
/** Pooled models: the artifact, and the microphone session's speaker statistics. */
let pooledArtifact: PooledArtifact | undefined;
let speaker: RunningSpeakerNormalizer | undefined;
/** The model card's enrolment curves (UA of new voices after k of their clips), if measured. */
let enrolmentCurves: CardEnrolmentCurve[] = [];

/** The promoted set's model card, when it has one (it is optional: older sets lack it). */
async function loadEnrolmentCurves(): Promise<CardEnrolmentCurve[]> {
  const response = await fetch("/models/model_card.json");
  if (!response.ok) return [];
  try {
    return cardEnrolmentCurves(await response.json());
  } catch {
    return []; // not JSON: the card is informative only, the page works without it
  }
}

/** The classifier of a dropped file: pooled models adapt a fresh speaker on the file. */
function fileClassifier(): WindowClassifier {
  if (!pooledArtifact) return classifier;
  return pooledWindowClassifier(pooledArtifact, {
    windowSeconds: manifest.features.duration,
    normalizer: new RunningSpeakerNormalizer(pooledArtifact.prior),
    adapt: true,
  });
}

function showSpeaker() {
  const info = $("speakerInfo");
  const reset = $("resetSpeaker") as HTMLButtonElement;
  if (!speaker) {
    info.textContent = "";
    reset.style.display = "none";
    return;
  }
  reset.style.display = "";
  // How far to trust the answers yet: what new voices scored with this many of their clips.
  // Windows overlap (a hop shorter than the window), so they count as the distinct clips they
  // span, not one clip each.
  const distinctClips = Math.floor(
    speaker.count * Math.min(1, hopSeconds / manifest.features.duration),
  );
  const expectation = pooledArtifact
    ? enrolmentExpectation(enrolmentCurves, pooledArtifact.model.spec.name, distinctClips)
    : undefined;
  info.textContent =
    `speaker normalisation: ${speaker.count} voiced window${
      speaker.count === 1 ? "" : "s"
    } of this session seen` +
    (speaker.count === 0
      ? ` (until then, the ${speaker.prior.speakers} training speakers' average)`
      : ` (blended with the training speakers' average, worth ${speaker.priorWeight})`) +
    (expectation ? `; ${expectation}` : "");
  document.body.dataset.speakerClips = String(speaker.count);
}

async function loadModel(name: string) {
  $("modelInfo").textContent = `loading ${name}…`;
  const entry = manifest.models[name];
  const accuracy = entry.testAccuracy === undefined
    ? ""
    : `, test accuracy ${(entry.testAccuracy * 100).toFixed(1)}%`;
  const window = `${manifest.features.duration} s window, ${hopSeconds} s hop, ` +
    `${manifest.features.sampleRate} Hz`;
  if (entry.kind === "pooled") {
    const response = await fetch(`/models/${entry.dir}/pooled.json`);
    if (!response.ok) throw new Error(`/models/${entry.dir}/pooled.json: ${response.status}`);
    const artifact = await response.json();
    if (artifact.format !== "ser-pooled-v1" || artifact.model?.kind !== "pooled") {
      throw new Error(`/models/${entry.dir}/pooled.json: not a pooled model`);
    }
    loadedModel?.dispose();
    loadedModel = undefined;
    pooledArtifact = artifact as PooledArtifact;
    speaker = new RunningSpeakerNormalizer(pooledArtifact.prior);
    classifier = pooledWindowClassifier(pooledArtifact, {
      windowSeconds: manifest.features.duration,
      normalizer: speaker,
      adapt: true,
    });
    modelKind = "pooled";
    modelLabel = `${name} (models/${entry.dir}${accuracy})`;
    $("modelInfo").textContent = `loaded ${modelLabel}: pooled model ` +
      `(${pooledArtifact.model.spec.name}: ${pooledArtifact.names.length} utterance functionals ` +
      `incl. pYIN pitch, ${pooledArtifact.model.spec.normalization}-normalised); ${window}; ` +
      `no TensorFlow.js`;
  } else {
    const model = await tf.loadLayersModel(`/models/${entry.dir}/model.json`);
    loadedModel?.dispose();
    loadedModel = model;
    pooledArtifact = undefined;
    speaker = undefined;
    classifier = sequenceWindowClassifier({
      model,
      settings: manifest.features,
      scaler: manifest.scaler,
      classes,
    });
    modelKind = "sequence";
    modelLabel = `${name} (models/${entry.dir}${accuracy})`;
    $("modelInfo").textContent = `loaded ${modelLabel}: sequence model ` +
      `(${manifest.features.features.join("+")} per frame); ${window}; TensorFlow.js ` +
      `${tf.version.tfjs} (${tf.getBackend()})`;
  }
  showSpeaker();
  document.body.dataset.model = name;
  document.body.dataset.modelKind = modelKind;
}

function drawBars(probabilities: number[] | null) {
  const y = probabilities ?? classes.map(() => 0);
  Plotly.react("bars", [{
    type: "bar",
    x: classes,
    y,
    marker: { color: classes.map((c, i) => emotionColor(c, i)) },
    text: probabilities ? y.map((p) => `${(p * 100).toFixed(0)}%`) : [],
    textposition: "outside",
  }], {
    title: { text: probabilities ? "Last window" : "Last window: no speech" },
    yaxis: { range: [0, 1.1], title: { text: "probability" } },
    margin: { t: 40, b: 40 },
  }, { displaylogo: false, responsive: true });
}

const TIMELINE_SECONDS = 30;
/** The scrolling timeline's points (kept to its visible span) and no-speech bands. */
const timelinePoints: { t: number; probabilities: number[] | null }[] = [];

function timelineLayout(t: number) {
  const shapes = [];
  for (const point of timelinePoints) {
    if (point.probabilities) continue;
    shapes.push({
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: point.t - hopSeconds,
      x1: point.t,
      y0: 0,
      y1: 1,
      fillcolor: "rgba(128,128,128,0.2)",
      line: { width: 0 },
    });
  }
  return {
    title: { text: "Timeline (grey: no speech)" },
    xaxis: {
      title: { text: "time (s)" },
      range: [Math.max(0, t - TIMELINE_SECONDS), Math.max(TIMELINE_SECONDS, t)],
    },
    yaxis: { range: [0, 1.02], title: { text: "probability" } },
    shapes,
    margin: { t: 40 },
    legend: { orientation: "h", y: -0.25 },
  };
}

function drawTimeline(t: number) {
  // One Plotly.react per hop (data and layout together: one redraw, not two).
  Plotly.react(
    "timeline",
    classes.map((c, i) => ({
      type: "scatter",
      mode: "lines",
      name: c,
      x: timelinePoints.map((p) => p.t),
      y: timelinePoints.map((p) => p.probabilities ? p.probabilities[i] : NaN),
      line: { color: emotionColor(c, i) },
      connectgaps: false,
    })),
    timelineLayout(t),
    { displaylogo: false, responsive: true },
  );
}

function initTimeline() {
  drawTimeline(0);
}

function extendTimeline(window: LiveWindow) {
  timelinePoints.push({ t: window.end, probabilities: window.probabilities });
  while (timelinePoints.length && timelinePoints[0].t < window.end - TIMELINE_SECONDS - 1) {
    timelinePoints.shift();
  }
  drawTimeline(window.end);
}

function setSpeechState(voiced: boolean) {
  const state = $("state");
  state.textContent = voiced ? "speech" : "no speech";
  state.className = voiced ? "speech" : "nospeech";
}

function showLevel(samples: Float32Array) {
  // Meyda's RMS over the last 512 samples: the one feature here where Meyda's definition is
  // exactly what is wanted (a level meter needs no librosa parity).
  const frame = samples.length >= 512 ? samples.subarray(samples.length - 512) : samples;
  if (frame.length < 512) return;
  // (Meyda's typings describe its CommonJS default export as the module: cast to what it is.)
  const meyda = Meyda as unknown as { extract(feature: "rms", signal: Float32Array): number };
  const rms = meyda.extract("rms", frame);
  const db = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  $("level").textContent = `${Number.isFinite(db) ? db.toFixed(0) : "-∞"} dBFS`;
  ($("meterBar") as HTMLElement).style.width = `${
    Math.max(0, Math.min(100, (db + 70) / 70 * 100))
  }%`;
}

/** The microphone: AudioWorklet chunks -> ring buffer -> one window per hop. */
class Live {
  private context?: AudioContext;
  private stream?: MediaStream;
  private buffer = new Float32Array(0);
  private received = 0;
  private nextHopAt = 0;
  private busy = false;
  private pending?: { window: Float32Array; end: number; receivedAt: number };
  readonly windows: LiveWindow[] = [];
  private reported = false;
  /** Sample rate of the recording (the model's, unless the browser refused it). */
  captureRate = 0;
  private windowLength = 0;
  private hopLength = 0;

  constructor(
    private rate: number,
    private windowSeconds: number,
    private hopSeconds: number,
  ) {}

  /** An AudioContext fed by the stream, at the model's rate when the browser allows it. */
  private async open(stream: MediaStream, native: boolean) {
    // At the model's rate the browser resamples the microphone once and the window samples
    // are exactly what the model's features expect. Firefox cannot connect a microphone to a
    // context of another rate than the device's: then record at the device's rate and resample
    // each window with the project's resampy port.
    if (!native) {
      const context = new AudioContext({ sampleRate: this.rate });
      try {
        return { context, source: context.createMediaStreamSource(stream) };
      } catch {
        await context.close();
      }
    }
    const context = new AudioContext();
    return { context, source: context.createMediaStreamSource(stream) };
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const { context, source } = await this.open(
      this.stream,
      params.get("captureRate") === "native",
    );
    this.context = context;
    this.captureRate = context.sampleRate;
    this.windowLength = Math.round(this.windowSeconds * this.captureRate);
    this.hopLength = Math.round(this.hopSeconds * this.captureRate);
    // Room for a window plus a few seconds of lag.
    this.buffer = new Float32Array(this.windowLength + this.captureRate * 10);
    this.received = 0;
    this.offset = 0;
    this.nextHopAt = this.windowLength;
    await context.audioWorklet.addModule("/recorder_worklet.js");
    const node = new AudioWorkletNode(context, "ser-recorder");
    node.port.onmessage = (event) => this.onChunk(event.data.samples as Float32Array);
    source.connect(node);
    // Not connected to the speakers: nothing is played back.
    document.body.dataset.live = "recording";
    document.body.dataset.captureRate = String(this.captureRate);
  }

  async stop() {
    this.stream?.getTracks().forEach((t) => t.stop());
    await this.context?.close();
    document.body.dataset.live = "stopped";
  }

  private onChunk(chunk: Float32Array) {
    const receivedAt = performance.now();
    if (this.received + chunk.length > this.buffer.length) {
      // Keep the last window's worth of samples (plus what the next hop needs).
      const keep = this.windowLength;
      const start = this.received - keep;
      this.buffer.copyWithin(0, start, this.received);
      this.received = keep;
      this.nextHopAt -= start;
      this.offset += start;
    }
    this.buffer.set(chunk, this.received);
    this.received += chunk.length;
    // The meter at ~20 Hz: redrawing it for every 5.8 ms chunk only costs main-thread time.
    if (receivedAt - this.meterAt > 50) {
      this.meterAt = receivedAt;
      showLevel(this.buffer.subarray(0, this.received));
    }
    while (this.received >= this.nextHopAt) {
      const end = this.nextHopAt;
      this.pending = {
        window: this.buffer.slice(end - this.windowLength, end),
        end: (this.offset + end) / this.captureRate,
        receivedAt,
      };
      this.nextHopAt += this.hopLength;
    }
    this.drain();
  }
  private offset = 0;
  private meterAt = 0;

  /** Classifies the newest pending window; older ones are dropped when the page lags. */
  private async drain() {
    if (this.busy || !this.pending) return;
    this.busy = true;
    const { end, receivedAt } = this.pending;
    let window = this.pending.window;
    this.pending = undefined;
    try {
      if (this.captureRate !== this.rate) {
        window = fitToLength(
          resampyResample(window, this.captureRate, this.rate),
          Math.round(this.windowSeconds * this.rate),
        );
      }
      const vad = voiceActivity(window, this.rate);
      // Pooled models adapt the session's speaker on voiced windows only (inside `predict`).
      const probabilities = vad.voiced
        ? Array.from(await classifier.predict(window, this.rate))
        : null;
      showSpeaker();
      const classifyMs = performance.now() - receivedAt;
      setSpeechState(vad.voiced);
      drawBars(probabilities);
      const entry: LiveWindow = {
        end,
        voiced: vad.voiced,
        levelDb: vad.levelDb,
        probabilities,
        latencyMs: 0,
        classifyMs,
        ...(speaker ? { speakerClips: speaker.count } : {}),
      };
      extendTimeline(entry);
      entry.latencyMs = performance.now() - receivedAt;
      $("latency").textContent = `updated ${
        entry.latencyMs.toFixed(0)
      } ms after the window's last sample`;
      if (report) entry.samples = base64(window);
      this.windows.push(entry);
      document.body.dataset.windows = String(this.windows.length);
      if (report && !this.reported && this.windows.length >= reportWindows) {
        this.reported = true;
        await postReport({
          kind: "live",
          model: modelLabel,
          modelKind,
          modelInfo: $("modelInfo").textContent,
          speakerInfo: $("speakerInfo").textContent,
          classes,
          captureRate: this.captureRate,
          windows: this.windows,
        });
        if (speaker) {
          // The "reset speaker" button, as a user would press it.
          ($("resetSpeaker") as HTMLButtonElement).click();
          await postReport({
            kind: "reset",
            speakerClips: speaker.count,
            speakerInfo: $("speakerInfo").textContent,
          });
        }
      }
    } catch (error) {
      showError(error);
    } finally {
      this.busy = false;
    }
    if (this.pending) this.drain();
  }
}

/**
 * Samples of a WAV file at the model's rate, as `predictTimeline` reads files: the whole
 * recording resampled once with resampy's filter for the model's kind
 * (`TIMELINE_RESAMPLE_QUALITY`), to `ceil(n * rate / fileRate)` samples.
 */
async function fileSamples(file: Blob, rate: number): Promise<Float32Array> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const decoded = decodeWav(bytes, (file as File).name ?? "file");
    const mono = mixToMono(decoded.channels);
    if (decoded.sampleRate === rate) return mono;
    return fitToLength(
      resampyResample(
        mono,
        decoded.sampleRate,
        rate,
        RESAMPY_FILTERS[TIMELINE_RESAMPLE_QUALITY[modelKind]],
      ),
      Math.ceil(mono.length * rate / decoded.sampleRate),
    );
  } catch (wavError) {
    // Not a WAV the project decodes: let the browser decode (its resampler is not resampy, so
    // the numbers may differ slightly from `deno task predict`).
    const context = new OfflineAudioContext(1, 1, rate);
    try {
      const audio = await context.decodeAudioData(bytes.buffer.slice(0) as ArrayBuffer);
      const channels = Array.from(
        { length: audio.numberOfChannels },
        (_, i) => audio.getChannelData(i),
      );
      return mixToMono(channels);
    } catch {
      throw wavError;
    }
  }
}

async function showFile(file: File) {
  $("fileSummary").textContent = `analysing ${file.name}…`;
  const rate = manifest.features.sampleRate;
  const samples = await fileSamples(file, rate);
  const started = performance.now();
  const timeline = await predictTimelineWith(samples, rate, fileClassifier(), { hopSeconds });
  const seconds = (performance.now() - started) / 1000;
  const player = $("player") as HTMLAudioElement;
  player.src = URL.createObjectURL(file);
  player.style.display = "block";
  const figure = timelineFigure(timeline, `${file.name} — ${modelLabel}`);
  await Plotly.newPlot("fileTimeline", figure.data, figure.layout, figure.config);
  $("fileSummary").textContent = `${file.name}: ${timeline.duration.toFixed(1)} s, ` +
    `${timeline.windows.length} windows in ${seconds.toFixed(1)} s. ${timeline.summary.message}`;
  document.body.dataset.file = timeline.summary.status;
  return timeline;
}

/** Test mode: features of WAV files computed here, for comparison with Deno's. */
async function featureSelfTest(urls: string[]) {
  const override = params.get("featureSettings");
  const settings: FeatureSettings = override ? JSON.parse(override) : manifest.features;
  const results = [];
  for (const url of urls) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const decoded = decodeWav(bytes, url);
    const mono = mixToMono(decoded.channels);
    // librosa.load(duration=...): cut at the original rate, then resample; no padding.
    const cut = mono.subarray(0, Math.floor(settings.duration * decoded.sampleRate));
    const samples = decoded.sampleRate === settings.sampleRate
      ? cut
      : resampyResample(cut, decoded.sampleRate, settings.sampleRate);
    const matrix = extractFeatures(samples, settings);
    results.push({ url, frames: matrix.frames, width: matrix.width, data: base64(matrix.data) });
  }
  await postReport({ kind: "features", results });
}

async function main() {
  // The 'cpu' backend: deterministic float32 on any machine (WebGL/WASM may be absent headless),
  // and the recurrent layers run their own JS kernels anyway.
  await tf.setBackend("cpu");
  manifest = await (await fetch("/models/config.json")).json();
  classes = (await (await fetch("/models/label_encoder.json")).json()).classes;
  enrolmentCurves = await loadEnrolmentCurves();
  const select = $("modelSelect") as HTMLSelectElement;
  const chosen = params.get("model") ?? manifest.bestModel;
  for (const name of Object.keys(manifest.models)) {
    const option = new Option(name === manifest.bestModel ? `${name} (best)` : name, name);
    option.selected = name === chosen;
    select.add(option);
  }
  await loadModel(chosen);
  select.onchange = () => loadModel(select.value).catch(showError);
  $("resetSpeaker").onclick = () => {
    speaker?.reset();
    showSpeaker();
  };
  drawBars(null);
  initTimeline();
  const rate = manifest.features.sampleRate;
  const live = new Live(rate, manifest.features.duration, hopSeconds);
  const start = $("start") as HTMLButtonElement;
  const stop = $("stop") as HTMLButtonElement;
  start.disabled = false;
  start.onclick = async () => {
    start.disabled = true;
    try {
      await live.start();
      stop.disabled = false;
    } catch (error) {
      start.disabled = false;
      showError(error);
    }
  };
  stop.onclick = async () => {
    stop.disabled = true;
    await live.stop();
    start.disabled = false;
  };
  const fileInput = $("file") as HTMLInputElement;
  fileInput.onchange = () => fileInput.files?.[0] && showFile(fileInput.files[0]).catch(showError);
  const drop = $("drop");
  drop.ondragover = (event) => {
    event.preventDefault();
    drop.classList.add("over");
  };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file) showFile(file).catch(showError);
  };
  document.body.dataset.ready = "1";
  const features = params.get("features");
  if (features) await featureSelfTest(features.split(","));
  const fileUrl = params.get("file");
  if (fileUrl) {
    const blob = await (await fetch(fileUrl)).blob();
    const timeline = await showFile(new File([blob], fileUrl.split("/").pop()!));
    if (report) await postReport({ kind: "file", model: modelLabel, modelKind, timeline });
  }
  if (params.get("autostart") === "1") start.click();
}

main().catch(showError);
