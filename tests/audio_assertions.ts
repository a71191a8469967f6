/** Assertions shared by the audio and FLAC tests. @module */
import assert from "node:assert/strict";
import { AudioError } from "../lib/audio/mod.ts";

/** Asserts that `action` rejects (or throws) an AudioError for `path` whose problem matches. */
export async function assertAudioError(
  action: () => unknown,
  path: string,
  text: string | RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AudioError, `expected AudioError, got ${caught}`);
  assert.equal(caught.path, path);
  assert.ok(caught.message.startsWith(`${path}: `), caught.message);
  if (typeof text === "string") assert.ok(caught.problem.includes(text), caught.problem);
  else assert.match(caught.problem, text);
}
