/**
 * Worker side of {@link extractUtteranceSet} (through `file_jobs.ts`): `{ type: "init", ... }`
 * once, then `{ type: "job", id, path }` jobs answered with `{ id, values, names }` or
 * `{ id, problem }` (the error message names the file).
 * @module
 */
/// <reference lib="deno.worker" />
import {
  type UtteranceAugmentation,
  utteranceForFile,
  type UtteranceSettings,
} from "./utterance_set.ts";

let init:
  | {
    settings: UtteranceSettings;
    cacheDir?: string;
    key: string;
    augmentation?: UtteranceAugmentation;
  }
  | undefined;

self.onmessage = async (event: MessageEvent) => {
  const message = event.data;
  if (message.type === "init") {
    init = message;
    return;
  }
  if (!init) throw new Error("utterance worker: job before init");
  try {
    const vector = await utteranceForFile(
      message.path,
      init.settings,
      init.cacheDir,
      init.key,
      init.augmentation,
    );
    self.postMessage({ id: message.id, values: vector.values, names: vector.names }, [
      vector.values.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    self.postMessage({ id: message.id, problem });
  }
};
