/**
 * The project's one emotion vocabulary (the seed's 7 classes) and how each corpus's labels map
 * onto it.
 *
 * | Emotion   | TESS (file name) | RAVDESS (3rd field) | CREMA-D | SAVEE | EMO-DB (letter)  |
 * | --------- | ---------------- | ------------------- | ------- | ----- | ---------------- |
 * | angry     | angry            | 05 angry            | ANG     | a     | W (Wut)          |
 * | disgust   | disgust          | 07 disgust          | DIS     | d     | E (Ekel)         |
 * | fear      | fear             | 06 fearful          | FEA     | f     | A (Angst)        |
 * | happy     | happy            | 03 happy            | HAP     | h     | F (Freude)       |
 * | neutral   | neutral          | 01 neutral, 02 calm*| NEU     | n     | N (neutral)      |
 * | ps        | ps               | 08 surprised        | —       | su    | —                |
 * | sad       | sad              | 04 sad              | SAD     | sa    | T (Trauer)       |
 * | (none)    | —                | —                   | —       | —     | L (Langeweile, boredom) |
 *
 * Policies:
 * - `ps` is "pleasant surprise" (TESS's label). RAVDESS and SAVEE record plain "surprised";
 *   it is mapped to `ps` because it is the only surprise class in the vocabulary.
 * - *RAVDESS `02` calm is merged into `neutral` by default (both are low-arousal, unmarked
 *   speech; this is the usual 7-class treatment of RAVDESS). Pass `calmAsNeutral: false` to
 *   treat calm as a label without counterpart instead (see next point).
 * - A label that the corpus defines but that has no counterpart (EMO-DB boredom, and calm when
 *   `calmAsNeutral` is false) is an error by default; with the opt-in `dropUnmapped: true` the
 *   file is left out and listed in the scan result's `dropped`.
 * - A label the corpus does not define at all is always a {@link DatasetError} naming the file.
 * - TESS labels are read case-insensitively; the other corpora's codes are fixed-case
 *   (CREMA-D upper case, SAVEE lower case, EMO-DB upper case) and are matched as such.
 *
 * @example
 * ```ts
 * import { EMOTIONS, mapCorpusLabel } from "./emotions.ts";
 * EMOTIONS.length; // 7
 * mapCorpusLabel("ravdess", "08", "03-01-08-01-01-01-01.wav"); // "ps"
 * ```
 * @module
 */
import { DatasetError } from "./errors.ts";

/** The 7 emotion classes, in the seed's (alphabetical, label-encoder) order. */
export const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"] as const;

/** One of the 7 emotion classes. */
export type Emotion = typeof EMOTIONS[number];

/** Human-readable names for plots and reports. */
export const EMOTION_DISPLAY_NAMES: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: "Angry",
  disgust: "Disgust",
  fear: "Fear",
  happy: "Happy",
  neutral: "Neutral",
  ps: "Pleasant surprise",
  sad: "Sad",
});

/** The corpora the scanners understand. */
export const CORPORA = ["tess", "ravdess", "cremad", "savee", "emodb"] as const;

/** One supported corpus. */
export type Corpus = typeof CORPORA[number];

/**
 * Each corpus's label codes and the emotion they map to; `null` marks a label the corpus
 * defines that has no counterpart in {@link EMOTIONS}.
 */
export const CORPUS_LABELS: Readonly<Record<Corpus, Readonly<Record<string, Emotion | null>>>> =
  Object.freeze({
    tess: {
      angry: "angry",
      disgust: "disgust",
      fear: "fear",
      happy: "happy",
      neutral: "neutral",
      ps: "ps",
      sad: "sad",
    },
    ravdess: {
      "01": "neutral",
      "02": "neutral", // calm; see calmAsNeutral
      "03": "happy",
      "04": "sad",
      "05": "angry",
      "06": "fear",
      "07": "disgust",
      "08": "ps",
    },
    cremad: {
      ANG: "angry",
      DIS: "disgust",
      FEA: "fear",
      HAP: "happy",
      NEU: "neutral",
      SAD: "sad",
    },
    savee: { a: "angry", d: "disgust", f: "fear", h: "happy", n: "neutral", sa: "sad", su: "ps" },
    emodb: { W: "angry", L: null, E: "disgust", A: "fear", F: "happy", T: "sad", N: "neutral" },
  });

/** How to treat labels with no counterpart in the vocabulary. */
export interface LabelPolicy {
  /** Merge RAVDESS calm (`02`) into neutral (default true); false makes calm unmapped. */
  calmAsNeutral?: boolean;
  /** Leave out files whose label has no counterpart instead of throwing (default false). */
  dropUnmapped?: boolean;
}

/** True when `value` is one of {@link EMOTIONS}. */
export function isEmotion(value: string): value is Emotion {
  return (EMOTIONS as readonly string[]).includes(value);
}

/**
 * The class index of an emotion (its position in {@link EMOTIONS}).
 *
 * @param emotion one of the 7 classes
 * @example
 * ```ts
 * emotionIndex("ps"); // 5
 * ```
 */
export function emotionIndex(emotion: Emotion): number {
  const index = EMOTIONS.indexOf(emotion);
  if (index < 0) throw new DatasetError(`unknown emotion "${emotion}" (known: ${EMOTIONS})`);
  return index;
}

/**
 * Maps one corpus label onto the vocabulary.
 *
 * @param corpus the corpus the label comes from
 * @param label the label as written in the file name (e.g. `"08"`, `"ANG"`, `"Fear"`)
 * @param path the file the label was read from, named in errors
 * @param policy what to do with labels that have no counterpart
 * @returns the emotion, or `null` when the label has no counterpart and `dropUnmapped` is set
 * @throws DatasetError for a label the corpus does not define, or an unmapped one without
 *   `dropUnmapped`
 * @example
 * ```ts
 * mapCorpusLabel("tess", "PS", "OAF_back_PS.wav"); // "ps"
 * mapCorpusLabel("emodb", "L", "03a01La.wav", { dropUnmapped: true }); // null
 * ```
 */
export function mapCorpusLabel(
  corpus: Corpus,
  label: string,
  path: string,
  policy: LabelPolicy = {},
): Emotion | null {
  const table = CORPUS_LABELS[corpus];
  const key = corpus === "tess" ? label.toLowerCase() : label;
  if (!Object.hasOwn(table, key)) {
    throw new DatasetError(
      `unknown ${corpus} emotion label "${label}" (known: ${Object.keys(table).join(", ")})`,
      path,
    );
  }
  const calmUnmapped = corpus === "ravdess" && key === "02" && policy.calmAsNeutral === false;
  const emotion = calmUnmapped ? null : table[key];
  if (emotion !== null) return emotion;
  if (policy.dropUnmapped) return null;
  throw new DatasetError(
    `${corpus} label "${label}" has no counterpart among ${EMOTIONS.join(", ")}; ` +
      "pass { dropUnmapped: true } to leave such files out",
    path,
  );
}
