/**
 * Generates the synthetic TESS-style demo corpus with espeak-ng.
 *
 * Usage: `deno task demo-corpus [--out data/demo] [--words 20]`
 *
 * The clips are NOT emotional speech (see lib/data_loader/demo_corpus.ts and the README.txt it writes).
 * @module
 */
import { parseCliArgs, UsageError } from "../lib/util/mod.ts";
import { DEMO_EMOTIONS, DEMO_SPEAKERS, generateDemoCorpus } from "../lib/data_loader/mod.ts";

const USAGE = "Usage: deno task demo-corpus [--out data/demo] [--words 20]";

function parse() {
  try {
    return parseCliArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "data/demo" },
        words: { type: "string", default: "20" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`demo-corpus: ${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const values = parse();
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const words = Number(values.words);
  try {
    const result = await generateDemoCorpus({ outDir: values.out, words });
    console.log(
      `demo corpus: ${result.files.length} clips in ${result.dir} ` +
        `(${DEMO_SPEAKERS.length} speakers x ${DEMO_EMOTIONS.length} styles x ${words} words; ` +
        `${result.written} written, ${result.skipped} kept) in ${result.seconds.toFixed(1)} s. ` +
        `Synthetic prosody styles, NOT emotional speech.`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
