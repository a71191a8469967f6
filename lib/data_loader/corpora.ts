/**
 * File-name schemes of the supported corpora: each parser reads speaker, label and utterance
 * from a file's path relative to the corpus folder, or returns `null` when the path does not
 * follow that corpus's scheme (which is how {@link detectCorpus} tells corpora apart).
 *
 * | Corpus  | Path (relative to the corpus folder)        | speaker | utterance | label |
 * | ------- | ------------------------------------------- | ------- | --------- | ----- |
 * | TESS    | `any/OAF_back_fear.wav` (or `.flac`)        | OAF     | back      | fear  |
 * | RAVDESS | `Actor_01/03-01-05-01-02-01-01.wav`         | 01      | 02        | 05    |
 * | CREMA-D | `1001_DFA_ANG_XX.wav`                       | 1001    | DFA       | ANG   |
 * | SAVEE   | `DC_a01.wav` or `DC/a01.wav`                | DC      | a01       | a     |
 * | EMO-DB  | `03a01Fa.wav`                               | 03      | a01       | F     |
 *
 * RAVDESS fields are modality-channel-emotion-intensity-statement-repetition-actor; the
 * utterance is the statement code (`01` "Kids are talking by the door", `02` "Dogs are sitting
 * by the door"). SAVEE sentences differ per emotion, so its utterance keeps the emotion prefix.
 * TESS speakers are upper-cased and words lower-cased, because the download mixes case.
 * Parsed speaker ids are corpus-local (RAVDESS `01` and EMO-DB `03` are unrelated people); the
 * scan table qualifies them with the corpus ({@link speakerId}: `ravdess:01`) so speakers from
 * different corpora never collide.
 *
 * Detection ({@link detectCorpus}) needs most files ({@link MIN_MATCH_FRACTION}, 80 %) to follow
 * one scheme with a label that corpus defines: in a folder of arbitrary recordings, one name
 * that happens to look like TESS (`my_voice_note.wav`) does not make it a TESS folder.
 *
 * @example
 * ```ts
 * import { parseCorpusPath } from "./corpora.ts";
 * parseCorpusPath("tess", "YAF_pleasant_surprised/YAF_bite_ps.wav");
 * // { speaker: "YAF", utterance: "bite", label: "ps" }
 * ```
 * @module
 */
import { CORPORA, type Corpus, CORPUS_LABELS } from "./emotions.ts";

/** What a file name says about a clip. */
export interface ParsedName {
  /** Speaker id as the corpus writes it (corpus-local). */
  speaker: string;
  /** Word or sentence id. */
  utterance: string;
  /** The corpus's own emotion label, before mapping (see `mapCorpusLabel`). */
  label: string;
}

/** Audio file extensions the scanners pick up (lower case, with the dot). */
export const AUDIO_EXTENSIONS = [".wav", ".flac", ".aiff", ".aif", ".aifc"] as const;

/** A short description of each scheme, for error messages. */
export const CORPUS_SCHEMES: Readonly<Record<Corpus, string>> = Object.freeze({
  tess: "<SPEAKER>_<word>_<emotion>.wav",
  ravdess: "MM-VV-EE-II-SS-RR-AA.wav (seven 2-digit fields)",
  cremad: "<4-digit actor>_<SENTENCE>_<EMOTION>_<LEVEL>.wav",
  savee: "<SPEAKER>_<emotion><nn>.wav or <SPEAKER>/<emotion><nn>.wav",
  emodb: "<2-digit speaker><text a01..b10><EMOTION letter><version letter>.wav",
});

const EXT = String.raw`\.(?:wav|flac|aiff?|aifc)$`;
const TESS = new RegExp(String.raw`^([A-Za-z]+)_(.+)_([A-Za-z]+)` + EXT, "i");
const RAVDESS = new RegExp(
  String.raw`^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)` + EXT,
  "i",
);
const CREMAD = new RegExp(String.raw`^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{1,2})` + EXT, "i");
const SAVEE_FLAT = new RegExp(String.raw`^([A-Z]{2})_([a-z]{1,2})(\d{2})` + EXT, "i");
const SAVEE_NESTED_FILE = new RegExp(String.raw`^([a-z]{1,2})(\d{2})` + EXT, "i");
const SAVEE_SPEAKER_DIR = /^[A-Z]{2}$/;
const EMODB = new RegExp(String.raw`^(\d{2})([a-b]\d{2})([A-Z])([a-z])` + EXT);

function splitPath(relativePath: string): { folder: string; name: string } {
  const parts = relativePath.split(/[\\/]/);
  return { name: parts[parts.length - 1], folder: parts.length > 1 ? parts[parts.length - 2] : "" };
}

/**
 * Reads speaker, utterance and label from a path in a corpus's scheme.
 *
 * @param corpus which scheme to apply
 * @param relativePath the file's path relative to the corpus folder (`/` or `\` separators)
 * @returns the parsed fields, or `null` when the path does not follow the scheme
 * @example
 * ```ts
 * parseCorpusPath("cremad", "1001_DFA_ANG_XX.wav"); // { speaker: "1001", utterance: "DFA", label: "ANG" }
 * parseCorpusPath("cremad", "notes.wav"); // null
 * ```
 */
export function parseCorpusPath(corpus: Corpus, relativePath: string): ParsedName | null {
  const { folder, name } = splitPath(relativePath);
  switch (corpus) {
    case "tess": {
      const match = TESS.exec(name);
      if (!match) return null;
      return {
        speaker: match[1].toUpperCase(),
        utterance: match[2].toLowerCase(),
        label: match[3],
      };
    }
    case "ravdess": {
      const match = RAVDESS.exec(name);
      if (!match) return null;
      return { speaker: match[7], utterance: match[5], label: match[3] };
    }
    case "cremad": {
      const match = CREMAD.exec(name);
      if (!match) return null;
      return { speaker: match[1], utterance: match[2], label: match[3] };
    }
    case "savee": {
      const flat = SAVEE_FLAT.exec(name);
      if (flat) return { speaker: flat[1], utterance: flat[2] + flat[3], label: flat[2] };
      const nested = SAVEE_NESTED_FILE.exec(name);
      if (nested && SAVEE_SPEAKER_DIR.test(folder)) {
        return { speaker: folder, utterance: nested[1] + nested[2], label: nested[1] };
      }
      return null;
    }
    case "emodb": {
      const match = EMODB.exec(name);
      if (!match) return null;
      return { speaker: match[1], utterance: match[2], label: match[3] };
    }
  }
}

/**
 * The speaker id the scan table uses: the corpus-local id qualified by its corpus, so that
 * speakers from different corpora never collide (RAVDESS actor `01` vs EMO-DB speaker `03`).
 *
 * @param corpus the corpus (or `"unlabelled"`)
 * @param speaker the corpus-local id from {@link parseCorpusPath}
 * @example
 * ```ts
 * speakerId("tess", "OAF"); // "tess:OAF"
 * ```
 */
export function speakerId(corpus: string, speaker: string): string {
  return `${corpus}:${speaker}`;
}

/** Share of a folder's audio files that must follow one scheme for it to be detected. */
export const MIN_MATCH_FRACTION = 0.8;

/** How well one corpus scheme fits a folder's file names. */
export interface CorpusDetection {
  /** The corpus. */
  corpus: Corpus;
  /** Paths that follow its scheme with a label the corpus defines. */
  matched: number;
  /** `matched` / number of paths, in [0, 1]. */
  fraction: number;
}

function hasKnownLabel(corpus: Corpus, label: string): boolean {
  const key = corpus === "tess" ? label.toLowerCase() : label;
  return Object.hasOwn(CORPUS_LABELS[corpus], key);
}

/**
 * How many paths follow each scheme with a label that corpus defines, best first (ties keep
 * {@link CORPORA} order).
 *
 * @param relativePaths audio file paths relative to the corpus folder
 * @example
 * ```ts
 * schemeMatches(["03a01Fa.wav", "notes.wav"])[0]; // { corpus: "emodb", matched: 1, fraction: 0.5 }
 * ```
 */
export function schemeMatches(relativePaths: readonly string[]): CorpusDetection[] {
  const total = relativePaths.length;
  return CORPORA.map((corpus) => {
    let matched = 0;
    for (const path of relativePaths) {
      const parsed = parseCorpusPath(corpus, path);
      if (parsed && hasKnownLabel(corpus, parsed.label)) matched++;
    }
    return { corpus, matched, fraction: total === 0 ? 0 : matched / total };
  }).sort((a, b) => b.matched - a.matched);
}

/**
 * Detects the corpus from file names: the scheme that most paths follow, provided at least
 * `minFraction` of them do (a path counts when it parses and its label is one the corpus
 * defines).
 *
 * @param relativePaths audio file paths relative to the corpus folder
 * @param minFraction share of paths that must match, in (0, 1] (default 0.8)
 * @returns the detected corpus with its counts, or `null` when no scheme reaches `minFraction`
 * @example
 * ```ts
 * detectCorpus(["03a01Fa.wav", "03a01Wa.wav"]); // { corpus: "emodb", matched: 2, fraction: 1 }
 * detectCorpus(["my_voice_note.wav", "hello.wav"]); // null
 * ```
 */
export function detectCorpus(
  relativePaths: readonly string[],
  minFraction: number = MIN_MATCH_FRACTION,
): CorpusDetection | null {
  if (!(minFraction > 0 && minFraction <= 1)) {
    throw new RangeError(`minFraction must be in (0, 1], got ${minFraction}`);
  }
  const best = schemeMatches(relativePaths)[0];
  return best.matched > 0 && best.fraction >= minFraction ? best : null;
}
