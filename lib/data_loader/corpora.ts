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
 * Speaker ids are corpus-local: group by corpus and speaker when mixing corpora.
 *
 * @example
 * ```ts
 * import { parseCorpusPath } from "./corpora.ts";
 * parseCorpusPath("tess", "YAF_pleasant_surprised/YAF_bite_ps.wav");
 * // { speaker: "YAF", utterance: "bite", label: "ps" }
 * ```
 * @module
 */
import { CORPORA, type Corpus } from "./emotions.ts";

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
 * Guesses the corpus from file names: the scheme that most paths follow wins.
 *
 * @param relativePaths audio file paths relative to the corpus folder
 * @returns the best-matching corpus and how many paths it matched, or `null` when none matches
 * @example
 * ```ts
 * detectCorpus(["03a01Fa.wav", "03a01Wa.wav"]); // { corpus: "emodb", matched: 2 }
 * ```
 */
export function detectCorpus(
  relativePaths: readonly string[],
): { corpus: Corpus; matched: number } | null {
  let best: { corpus: Corpus; matched: number } | null = null;
  for (const corpus of CORPORA) {
    let matched = 0;
    for (const path of relativePaths) if (parseCorpusPath(corpus, path)) matched++;
    if (matched > 0 && (best === null || matched > best.matched)) best = { corpus, matched };
  }
  return best;
}
