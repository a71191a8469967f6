/**
 * Serves the live emotion page on 127.0.0.1: microphone (or a dropped WAV file) -> features
 * and model in the browser -> bar chart, timeline, level meter, "no speech" state.
 *
 * Usage: `deno task live [--port 8765] [--models-dir DIR] [--hop 0.5]`
 *
 * Everything the page loads comes from this server (bundled `lib/` code, TensorFlow.js and
 * plotly.js from `node_modules`, the models folder's promoted set); audio never leaves the
 * browser. Sequence models run in TensorFlow.js; pooled models (the default `ensemble`) compute
 * utterance functionals in the page, normalised to the session's speaker as it talks ("reset
 * speaker" starts over). Exits 1 when no model has been trained, 2 for a bad command line
 * (unknown flags are errors naming the closest known one).
 * @module
 */
import { join } from "node:path";
import { loadConfig, projectPath } from "../config.ts";
import { startLiveServer } from "../lib/live/mod.ts";
import { parseCliArgs, UsageError } from "../lib/util/mod.ts";

const USAGE = "Usage: deno task live [--port 8765] [--models-dir DIR] [--hop SECONDS]";

async function main(args: string[]): Promise<number> {
  const { values } = parseCliArgs({
    args,
    options: {
      port: { type: "string", default: "8765" },
      "models-dir": { type: "string" },
      hop: { type: "string", default: "0.5" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`live: --port must be a whole number in 0..65535, got ${values.port}`);
    return 1;
  }
  const hopSeconds = Number(values.hop);
  if (!(hopSeconds > 0)) {
    console.error(`live: --hop must be a positive number of seconds, got ${values.hop}`);
    return 1;
  }
  const config = loadConfig();
  const modelsDir = projectPath(values["models-dir"] ?? config.modelsDir);
  const server = await startLiveServer({
    modelsDir,
    port,
    hopSeconds,
    // Notebook 04's completed card (with the enrolment curve) when it is of the promoted set.
    modelCard: join(projectPath(config.outputsDir), "model_card.json"),
  });
  console.log("open it in a browser (Ctrl-C stops the server)");
  await server.finished;
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`live: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
