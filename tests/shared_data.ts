/**
 * Where the optional shared data lives for tests: `../shared` beside the project (as on the
 * developers' machines and in CI), or `SER_SHARED_DIR`. Tests that need it skip when absent.
 * @module
 */
import { PROJECT_ROOT } from "../config.ts";

function resolveShared(): string {
  try {
    const fromEnv = Deno.env.get("SER_SHARED_DIR");
    if (fromEnv) return fromEnv;
  } catch {
    // No env permission: use the default.
  }
  return `${PROJECT_ROOT.replace(/\/[^/]+$/, "")}/shared`;
}

/** The shared folder (`reference/`, `data/`, `anchors/`). */
export const SHARED_DIR: string = resolveShared();

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
