/**
 * A saved pooled model names the functionals it was trained on; this checks that the running
 * code computes the same ones in the same order before any clip is classified. A model trained
 * on another version of the functionals would otherwise fail on every clip (different count) or,
 * worse, answer with every value in the wrong place (same count, different order).
 * @module
 */
// Deep import: bundled for the live page, where lib/features/mod.ts would pull in Deno-only code.
import { utteranceFeatures } from "../features/utterance.ts";
// Deep import, for the same reason.
import type { PooledArtifact } from "../models/pooled_store.ts";

/** Artifacts whose layout matched (loaded artifacts are not changed afterwards). */
const verified = new WeakSet<PooledArtifact>();

/**
 * Throws unless `artifact.names` are exactly the functionals this version computes with
 * `artifact.settings`.
 *
 * @param artifact the loaded pooled model
 * @param modelName the model's name, for the message
 * @throws Error naming the model, both counts and the first name that differs, and the remedy
 */
export function assertFunctionalLayout(artifact: PooledArtifact, modelName: string): void {
  // Each constructor that wraps the artifact asks (a predictor, then every timeline's window
  // classifier): the 5–15 ms probe runs once per loaded artifact.
  if (verified.has(artifact)) return;
  const settings = artifact.settings;
  // Names do not depend on the signal: a few frames of silence give them.
  const probe = new Float32Array(2 * (settings.nFft ?? 1024));
  const current = utteranceFeatures(probe, { ...settings, source: modelName }).names;
  const saved = artifact.names;
  if (current.length === saved.length && current.every((name, i) => name === saved[i])) {
    verified.add(artifact);
    return;
  }
  let first = 0;
  while (first < current.length && current[first] === saved[first]) first++;
  throw new Error(
    `model "${modelName}" was trained on ${saved.length} functionals, this version computes ` +
      `${current.length} (first difference at value ${first}: "${saved[first] ?? "(none)"}" ` +
      `saved, "${current[first] ?? "(none)"}" now): train it again (notebook 03 or ` +
      "`deno task pipeline`)",
  );
}
