/**
 * What the live page says a user can expect of a pooled model after the speaker normaliser has
 * seen `k` windows of their voice: the model card's enrolment curve (notebook 04 measured UA on
 * new voices after k of their unlabelled clips), read at the largest measured `k` not above the
 * windows seen. Pure (no DOM), so that tests run it in Deno.
 * @module
 */

// A type-only import: erased from the browser bundle, so the card's shape is declared once.
import type { ModelCardEnrolment } from "../../pipeline/model_card.ts";

/** An enrolment curve as `model_card.json` holds it. */
export type CardEnrolmentCurve = ModelCardEnrolment;

/**
 * The enrolment curves of a parsed `model_card.json`; `[]` for a card without them (older cards,
 * no speaker-independent protocol) or anything that is not a card.
 */
export function cardEnrolmentCurves(card: unknown): CardEnrolmentCurve[] {
  const curves = (card as { enrolment?: unknown } | null)?.enrolment;
  if (!Array.isArray(curves)) return [];
  return curves.filter((curve): curve is CardEnrolmentCurve =>
    typeof curve?.protocol === "string" && typeof curve?.model === "string" &&
    Array.isArray(curve?.points) &&
    curve.points.every((p: { clips: unknown; ua: unknown }) =>
      (p?.clips === "all" || typeof p?.clips === "number") && typeof p?.ua === "number"
    )
  );
}

/**
 * One sentence on what new voices scored with as many clips as the normaliser has seen, e.g.
 * `"new voices (RAVDESS 6x4 actors): UA 0.686 after 10 of their clips, 0.743 with all of them"`;
 * undefined when the card has no curve for `model`.
 *
 * @param curves from {@link cardEnrolmentCurves}
 * @param model the loaded model's name (a curve measures one recipe)
 * @param seen clips (voiced windows) of the current speaker the normaliser has seen
 */
export function enrolmentExpectation(
  curves: readonly CardEnrolmentCurve[],
  model: string,
  seen: number,
): string | undefined {
  const curve = curves.find((c) => c.model === model);
  if (!curve) return undefined;
  let at: { clips: number; ua: number } | undefined;
  for (const point of curve.points) {
    if (typeof point.clips === "number" && point.clips <= seen && (!at || point.clips > at.clips)) {
      at = { clips: point.clips, ua: point.ua };
    }
  }
  const all = curve.points.find((p) => p.clips === "all");
  if (!at) return undefined;
  const now = at.clips === 0
    ? `UA ${at.ua.toFixed(3)} before any of their clips`
    : `UA ${at.ua.toFixed(3)} after ${at.clips} of their clips`;
  return `new voices (${curve.protocol}): ${now}` +
    (all ? `, ${all.ua.toFixed(3)} with all of them` : "");
}
