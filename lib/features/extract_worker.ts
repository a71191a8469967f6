/**
 * Worker side of the batch extractor: receives `{ id, path }` jobs, answers with the clip's
 * features (transferring the buffer) or the error message that names the file.
 * @module
 */
/// <reference lib="deno.worker" />
import { featuresForFile } from "./clip_features.ts";
import type { FeatureSettings } from "./feature_set.ts";
import { problemText, type ResampleQuality } from "../audio/mod.ts";

interface InitMessage {
  type: "init";
  settings: FeatureSettings;
  cacheDir?: string;
  settingsKey: string;
  columns: string[];
  resampleQuality?: ResampleQuality;
}
interface JobMessage {
  type: "job";
  id: number;
  path: string;
}

let init: (InitMessage & { readSync: boolean }) | undefined;

self.onmessage = async (event: MessageEvent<InitMessage | JobMessage>) => {
  const message = event.data;
  if (message.type === "init") {
    // Blocking reads are cheapest here: this thread has nothing else to do meanwhile.
    init = { ...message, readSync: true };
    return;
  }
  if (!init) throw new Error("extract worker: job before init");
  try {
    const clip = await featuresForFile(message.path, init.settings, init);
    // Our clips own their buffer (never a SharedArrayBuffer), so it can be moved, not copied.
    // The column names (188 strings) stay here: the batch knows them, and cloning them for
    // every clip costs more than the move.
    self.postMessage({ type: "done", id: message.id, clip: { ...clip, columns: [] } }, [
      clip.data.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const problem = problemText(error, message.path);
    self.postMessage({ type: "failed", id: message.id, problem });
  }
};
