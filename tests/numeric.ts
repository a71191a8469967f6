/** Numeric comparisons shared by the tests. @module */
import assert from "node:assert/strict";

/**
 * Largest absolute element-wise difference of two equally long arrays (asserts the lengths).
 * NaN anywhere makes the result NaN, so `maxAbsDiff(a, b) < tol` fails on it.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
