/**
 * Dataset-level augmentation: which augmented copies a training split gets, each keeping its
 * source clip's label and speaker (augmentation never changes a label).
 * @module
 */
import {
  type AugmentationPolicy,
  augmentClip,
  type AugmentedClip,
  validatePolicy,
} from "./policy.ts";

const FILE = "lib/augment/dataset.ts";

/** The clips to augment: the training split's indices into per-clip columns. */
export interface AugmentationSources<L> {
  /** Dataset indices of the training clips (never validation or test clips). */
  indices: readonly number[];
  /** Label of every dataset clip, indexed like the dataset. */
  labels: readonly L[];
  /** Speaker of every dataset clip, indexed like the dataset (optional). */
  speakers?: readonly string[];
  /**
   * Stable id of every dataset clip (e.g. its path relative to the corpus), indexed like the
   * dataset; seeds then survive reordering or growing the dataset. Default: the index.
   */
  clipIds?: readonly (string | number)[];
  /**
   * Validation and test indices, as a guard: planning throws when one of them is also in
   * `indices` (augmented copies of held-out clips would leak into training).
   */
  heldOut?: readonly number[];
}

/** One augmented copy to make: its source and the label and speaker it keeps. */
export interface AugmentedEntry<L> {
  /** Dataset index of the source clip. */
  sourceIndex: number;
  /** Which copy of that source, in [0, policy.copies). */
  copyIndex: number;
  /** The source's label, unchanged. */
  label: L;
  /** The source's speaker, unchanged (undefined when no speakers were given). */
  speaker: string | undefined;
  /** The id the copy's seed is derived from. */
  clipId: string | number;
}

/**
 * Lists the augmented copies of a training split: `policy.copies` entries per source index,
 * in index order, each with its source's label and speaker.
 *
 * @param sources training indices and per-clip labels (and speakers, ids)
 * @param policy how many copies (the transforms are drawn later, by {@link augmentEntry})
 * @example
 * ```ts
 * const plan = planAugmentation(
 *   { indices: [0, 2], labels: ["angry", "sad", "happy"], speakers: ["a", "b", "a"] },
 *   { copies: 2, gain: { db: [-6, 6] } },
 * ); // 4 entries: clip 0 (angry, a) twice, clip 2 (happy, a) twice
 * ```
 */
export function planAugmentation<L>(
  sources: AugmentationSources<L>,
  policy: AugmentationPolicy,
): AugmentedEntry<L>[] {
  validatePolicy(policy);
  const { indices, labels, speakers, clipIds } = sources;
  for (const [name, column] of [["speakers", speakers], ["clipIds", clipIds]] as const) {
    if (column !== undefined && column.length !== labels.length) {
      throw new RangeError(
        `${FILE}: ${name} has ${column.length} entries but labels has ${labels.length}`,
      );
    }
  }
  const heldOut = new Set(sources.heldOut ?? []);
  const entries: AugmentedEntry<L>[] = [];
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= labels.length) {
      throw new RangeError(`${FILE}: clip index ${index} is outside [0, ${labels.length})`);
    }
    if (heldOut.has(index)) {
      throw new RangeError(
        `${FILE}: clip ${index} is held out (validation/test): never augment it`,
      );
    }
    for (let copy = 0; copy < policy.copies; copy++) {
      entries.push({
        sourceIndex: index,
        copyIndex: copy,
        label: labels[index],
        speaker: speakers?.[index],
        clipId: clipIds?.[index] ?? index,
      });
    }
  }
  return entries;
}

/**
 * Makes one planned copy from its source samples ({@link augmentClip} with the entry's clip
 * id and copy index).
 *
 * @param entry a planned copy
 * @param samples the source clip's samples
 * @param sampleRate their rate in Hz
 * @param policy the policy the plan was made with
 * @param seed run seed
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const policy = { copies: 1, gain: { db: [-6, 6] as const } };
 * const [entry] = planAugmentation({ indices: [0], labels: ["sad"] }, policy);
 * const { samples, label } = augmentEntry(entry, sine(200, 1, 16000), 16000, policy, 42);
 * ```
 */
export function augmentEntry<L>(
  entry: AugmentedEntry<L>,
  samples: Float32Array,
  sampleRate: number,
  policy: AugmentationPolicy,
  seed: number,
): AugmentedEntry<L> & AugmentedClip {
  const clip = augmentClip(samples, sampleRate, policy, seed, entry.copyIndex, entry.clipId);
  return { ...entry, ...clip };
}

/**
 * Makes every augmented copy of a training split, loading each source once: yields the
 * entries of {@link planAugmentation} with their samples, in plan order.
 *
 * @param sources training indices and per-clip labels (and speakers, ids)
 * @param load returns a source clip's samples and rate (e.g. through `loadAudio`)
 * @param policy the augmentation policy
 * @param seed run seed
 * @example
 * ```ts
 * import { sine } from "../audio/synth.ts";
 * const sources = { indices: [0, 1], labels: ["sad", "angry"] };
 * const load = () => ({ samples: sine(200, 1, 16000), sampleRate: 16000 });
 * for await (const copy of augmentDataset(sources, load, { copies: 1, gain: { db: 3 } }, 7)) {
 *   console.log(copy.sourceIndex, copy.label, copy.name);
 * }
 * ```
 */
export async function* augmentDataset<L>(
  sources: AugmentationSources<L>,
  load: (
    index: number,
  ) =>
    | { samples: Float32Array; sampleRate: number }
    | Promise<{ samples: Float32Array; sampleRate: number }>,
  policy: AugmentationPolicy,
  seed: number,
): AsyncGenerator<AugmentedEntry<L> & AugmentedClip> {
  const plan = planAugmentation(sources, policy);
  let loadedIndex = -1;
  let loaded: { samples: Float32Array; sampleRate: number } | undefined;
  for (const entry of plan) {
    if (entry.sourceIndex !== loadedIndex || loaded === undefined) {
      loaded = await load(entry.sourceIndex);
      loadedIndex = entry.sourceIndex;
    }
    yield augmentEntry(entry, loaded.samples, loaded.sampleRate, policy, seed);
  }
}
