/**
 * Downloads and extracts TESS (Toronto emotional speech set) from its official source, the
 * University of Toronto Dataverse on Borealis (doi:10.5683/SP2/E8H2MF, CC BY-NC-ND 4.0).
 *
 * Usage: `deno task download-tess [--out data/TESS] [--url URL] [--sha256 HEX] [--keep-zip]
 * [--force]`
 *
 * An interrupted download resumes on the next run (`<out>.zip.part`). Dataverse builds the zip
 * on request and publishes no checksum for it, so none is enforced by default: the hash is
 * printed, and `--sha256` enforces one.
 * @module
 */
import { parseCliArgs, UsageError } from "../lib/util/mod.ts";
import { downloadAndExtract, TESS_SOURCE } from "../lib/data_loader/mod.ts";

const USAGE = "Usage: deno task download-tess [--out data/TESS] [--url URL] [--sha256 HEX] " +
  "[--keep-zip] [--force]";

async function hasFiles(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch {
    // Missing folder: nothing there yet.
  }
  return false;
}

function parse() {
  try {
    return parseCliArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "data/TESS" },
        url: { type: "string", default: TESS_SOURCE.url },
        sha256: { type: "string" },
        "keep-zip": { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`download-tess: ${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}

if (import.meta.main) {
  const values = parse();
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (!values.force && await hasFiles(values.out)) {
    console.log(`${values.out} already has files; use --force to download again`);
    Deno.exit(0);
  }
  const sha256 = values.sha256 ?? (values.url === TESS_SOURCE.url ? TESS_SOURCE.sha256 : null);
  console.log(`downloading ${values.url}\n  into ${values.out} (licence ${TESS_SOURCE.licence})`);
  try {
    const result = await downloadAndExtract({
      url: values.url,
      outDir: values.out,
      sha256,
      keepZip: values["keep-zip"],
    });
    const clips = result.files.filter((file) => /\.(wav|flac)$/i.test(file)).length;
    console.log(
      `done: ${(result.bytes / 1e6).toFixed(1)} MB, SHA-256 ${result.sha256} ` +
        `(${result.verified ? "verified" : "not verified: pin it with --sha256"}), ` +
        `${result.files.length} files (${clips} audio clips) in ${values.out}`,
    );
    if (values.url === TESS_SOURCE.url && clips !== TESS_SOURCE.expectedClips) {
      console.warn(
        `warning: expected ${TESS_SOURCE.expectedClips} clips, found ${clips}; Dataverse may ` +
          `have limited the zip's size (see MANIFEST.TXT in ${values.out})`,
      );
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
