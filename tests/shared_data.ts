/**
 * Where the optional shared data lives for tests: `../shared` beside the project (as on the
 * developers' machines and in CI), or `SER_SHARED_DIR`. Tests that need it skip when absent, and
 * say so: {@linkcode haveShared} prints which check was skipped and why. With
 * `SER_REQUIRE_SHARED=1` (set by `.ci/run` when `../shared` exists) a skipped shared-data check
 * becomes a failing test, so CI cannot pass while silently not running them.
 * @module
 */
import { PROJECT_ROOT } from "../config.ts";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // No env permission: treat as unset.
    return undefined;
  }
}

/** The shared folder (`reference/`, `data/`, `anchors/`). */
export const SHARED_DIR: string = env("SER_SHARED_DIR") ??
  `${PROJECT_ROOT.replace(/\/[^/]+$/, "")}/shared`;

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Names a check that will not run and why (a missing tool, browser, library or data), so that a
 * passing run still shows what it did not check: it registers an ignored test called
 * `SKIPPED <check>: <reason>`, which `deno test` lists (and counts as ignored) even with
 * `--quiet`, where output printed while a test file loads is not shown.
 *
 * @param check What is skipped, prefixed by the test file, e.g. `"live_test: Chromium page"`.
 * @param reason Why, e.g. `"no Chromium found"`.
 */
export function skipped(check: string, reason: string): void {
  Deno.test({ name: `SKIPPED ${check}: ${reason}`, ignore: true, fn() {} });
}

/**
 * True when every one of `paths` (absolute, usually under {@linkcode SHARED_DIR}) exists.
 * Otherwise prints `SKIPPED <check>: <missing paths> not found`, and when the environment has
 * `SER_REQUIRE_SHARED=1` also registers a test named after the check that fails, so the run
 * fails instead of quietly skipping.
 *
 * @param check What needs the data, prefixed by the test file, e.g. `"audio_test: TESS FLAC"`.
 * @param paths Files or folders the check reads.
 */
export function haveShared(check: string, ...paths: string[]): boolean {
  const missing = paths.filter((path) => !exists(path));
  if (missing.length === 0) return true;
  const reason = `${missing.join(", ")} not found`;
  skipped(check, reason);
  if (env("SER_REQUIRE_SHARED") === "1") {
    Deno.test(`shared data required (SER_REQUIRE_SHARED=1): ${check}`, () => {
      throw new Error(`${check} needs ${reason} (SER_SHARED_DIR=${SHARED_DIR})`);
    });
  }
  return false;
}
