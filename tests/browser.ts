/**
 * Test helper: what a page looks like in headless Chromium after its scripts ran, to check that
 * figures are really drawn (not only that their HTML is present).
 */

/** A figure `<div>` that says plotly.js could not be loaded (see lib/visualizer/html.ts). */
export const FAILED_FIGURE = /class="ser-plotly-figure"[^>]*>plotly\.js could not be loaded/;

/**
 * The DOM Chromium holds after loading `url` and running its scripts and timers (virtual time,
 * so a page that waits on nothing returns at once).
 *
 * @param chromium the Chromium executable (see `findChromium`)
 * @param url an http(s) or file URL
 */
export async function renderedDom(chromium: string, url: string): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "ser-dom-" });
  try {
    const { stdout } = await new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--virtual-time-budget=15000",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        url,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(stdout);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}
