/**
 * The project's emotion vocabulary (the seed's 7 classes), how each corpus's labels map onto
 * it, and the label policy for the two labels that have no exact counterpart.
 *
 * | Emotion   | TESS (file name) | RAVDESS (3rd field) | CREMA-D | SAVEE | EMO-DB (letter)          |
 * | --------- | ---------------- | ------------------- | ------- | ----- | ------------------------ |
 * | angry     | angry            | 05 angry            | ANG     | a     | W (Wut)                  |
 * | disgust   | disgust          | 07 disgust          | DIS     | d     | E (Ekel)                 |
 * | fear      | fear             | 06 fearful          | FEA     | f     | A (Angst)                |
 * | happy     | happy            | 03 happy            | HAP     | h     | F (Freude)               |
 * | neutral   | neutral          | 01 neutral          | NEU     | n     | N (neutral)              |
 * | ps        | ps               | 08 surprised        | —       | su    | —                        |
 * | sad       | sad              | 04 sad              | SAD     | sa    | T (Trauer)               |
 * | *calm*    | —                | 02 calm             | —       | —     | —                        |
 * | *boredom* | —                | —                   | —       | —     | L (Langeweile)           |
 *
 * - `ps` is "pleasant surprise" (TESS's label). RAVDESS and SAVEE record plain "surprised";
 *   it is mapped to `ps` because it is the only surprise class in the vocabulary.
 * - *calm* and *boredom* ({@link EXTRA_CLASSES}) have no counterpart among the 7 classes. The
 *   {@link LabelPolicy} decides their fate:
 *   - `"merge"` (default): calm becomes `neutral`, boredom is dropped. Calm and neutral are both
 *     unmarked, low-arousal speech (RAVDESS includes calm as a second baseline next to neutral,
 *     Livingstone & Russo 2018), so merging them is the usual 7-class treatment of RAVDESS.
 *     Boredom is low-arousal *and* negative; it is neither neutral nor sad, and forcing it into
 *     either adds label noise, so cross-corpus work on a shared vocabulary leaves it out.
 *   - `"drop"`: both are left out (only clips whose label has an exact counterpart remain).
 *   - `"keep"`: both stay as their own classes (`calm`, `boredom`); the class list then grows
 *     beyond the 7 (see `scanClasses`).
 * - A label the corpus does not define at all (e.g. TESS `bored`) is a {@link DatasetError}
 *   naming the file; the scanner lists such files as unusable (or stops, in strict mode).
 * - TESS labels are read case-insensitively; the other corpora's codes are fixed-case
 *   (CREMA-D upper case, SAVEE lower case, EMO-DB upper case) and are matched as such.
 *
 * @example
 * ```ts
 * import { EMOTIONS, mapCorpusLabel } from "./emotions.ts";
 * EMOTIONS.length; // 7
 * mapCorpusLabel("ravdess", "08", "03-01-08-01-01-01-01.wav").emotion; // "ps"
 * mapCorpusLabel("ravdess", "02", "03-01-02-01-01-01-01.wav").emotion; // "neutral" (merged)
 * ```
 * @module
 */
import { DatasetError } from "./errors.ts";

/** The 7 emotion classes, in the seed's (alphabetical, label-encoder) order. */
export const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"] as const;

/** One of the 7 emotion classes. */
export type Emotion = typeof EMOTIONS[number];

/** Corpus labels with no counterpart among {@link EMOTIONS}, as class names (alphabetical). */
export const EXTRA_CLASSES = ["boredom", "calm"] as const;

/** One of {@link EXTRA_CLASSES}. */
export type ExtraClass = typeof EXTRA_CLASSES[number];

/** Any class a scan can produce: one of the 7 emotions, or an extra class under `"keep"`. */
export type EmotionClass = Emotion | ExtraClass;

/** Human-readable names for plots and reports. */
export const EMOTION_DISPLAY_NAMES: Readonly<Record<EmotionClass, string>> = Object.freeze({
  angry: "Angry",
  boredom: "Boredom",
  calm: "Calm",
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

/** Each corpus's label codes and the class they name (an emotion or an extra class). */
export const CORPUS_LABELS: Readonly<Record<Corpus, Readonly<Record<string, EmotionClass>>>> =
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
      "02": "calm",
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
    emodb: {
      W: "angry",
      L: "boredom",
      E: "disgust",
      A: "fear",
      F: "happy",
      T: "sad",
      N: "neutral",
    },
  });

/** What the `"merge"` policy does with each extra class: the emotion it joins, or null (drop). */
export const MERGE_TARGETS: Readonly<Record<ExtraClass, Emotion | null>> = Object.freeze({
  boredom: null,
  calm: "neutral",
});

/** The label policies, default first. */
export const LABEL_POLICIES = ["merge", "drop", "keep"] as const;

/**
 * What to do with labels that have no counterpart among the 7 emotions (RAVDESS calm, EMO-DB
 * boredom): `"merge"` (default) calm into neutral and drop boredom, `"drop"` both, `"keep"`
 * both as their own classes. See the module doc for why.
 */
export type LabelPolicy = typeof LABEL_POLICIES[number];

/** The default {@link LabelPolicy}. */
export const DEFAULT_LABEL_POLICY: LabelPolicy = "merge";

/** How one file's label was treated. */
export interface LabelMapping {
  /** The class the clip gets, or `null` when the policy drops it. */
  emotion: EmotionClass | null;
  /** The class the corpus label names before the policy (e.g. `calm`). */
  own: EmotionClass;
  /**
   * `mapped`: the label has a counterpart; `merged`: moved into another class; `dropped`: left
   * out; `kept`: kept as its own, extra class.
   */
  action: "mapped" | "merged" | "dropped" | "kept";
}

/** True when `value` is one of {@link EMOTIONS}. */
export function isEmotion(value: string): value is Emotion {
  return (EMOTIONS as readonly string[]).includes(value);
}

/** True when `value` is one of {@link EMOTIONS} or {@link EXTRA_CLASSES}. */
export function isEmotionClass(value: string): value is EmotionClass {
  return isEmotion(value) || (EXTRA_CLASSES as readonly string[]).includes(value);
}

/** True when `value` is one of {@link LABEL_POLICIES}. */
export function isLabelPolicy(value: string): value is LabelPolicy {
  return (LABEL_POLICIES as readonly string[]).includes(value);
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
 * Maps one corpus label onto the vocabulary under a label policy.
 *
 * @param corpus the corpus the label comes from
 * @param label the label as written in the file name (e.g. `"08"`, `"ANG"`, `"Fear"`)
 * @param path the file the label was read from, named in errors
 * @param policy what to do with calm and boredom (default `"merge"`)
 * @returns the class the clip gets (null when dropped), the label's own class, and the action
 * @throws DatasetError for a label the corpus does not define, or an unknown policy
 * @example
 * ```ts
 * mapCorpusLabel("tess", "PS", "OAF_back_PS.wav").emotion; // "ps"
 * mapCorpusLabel("emodb", "L", "03a01La.wav"); // { emotion: null, own: "boredom", action: "dropped" }
 * mapCorpusLabel("emodb", "L", "03a01La.wav", "keep").emotion; // "boredom"
 * ```
 */
export function mapCorpusLabel(
  corpus: Corpus,
  label: string,
  path: string,
  policy: LabelPolicy = DEFAULT_LABEL_POLICY,
): LabelMapping {
  if (!isLabelPolicy(policy)) {
    throw new DatasetError(`unknown label policy "${policy}" (known: ${LABEL_POLICIES})`);
  }
  const table = CORPUS_LABELS[corpus];
  const key = corpus === "tess" ? label.toLowerCase() : label;
  if (!Object.hasOwn(table, key)) {
    throw new DatasetError(
      `unknown ${corpus} emotion label "${label}" (known: ${Object.keys(table).join(", ")})`,
      path,
    );
  }
  const own = table[key];
  if (isEmotion(own)) return { emotion: own, own, action: "mapped" };
  if (policy === "keep") return { emotion: own, own, action: "kept" };
  const target = policy === "merge" ? MERGE_TARGETS[own] : null;
  return target === null
    ? { emotion: null, own, action: "dropped" }
    : { emotion: target, own, action: "merged" };
}
