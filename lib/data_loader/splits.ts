/**
 * Seeded, deterministic train/validation/test splits and cross-validation folds.
 *
 * Every function takes plain arrays (labels or groups, one per row of the scan table) and
 * returns **row indices**, sorted ascending, never rows: the caller picks rows from whatever it
 * holds (the table via `takeRows`, a feature matrix, a tensor). The same inputs and seed always
 * give the same indices.
 *
 * Protocols (see the data README):
 * - {@link stratifiedSplit}: the seed's random split, class proportions kept in every part;
 * - {@link kFold}: (stratified) k-fold cross-validation;
 * - {@link leaveOneGroupOut}: speaker-independent evaluation, each speaker the test set once;
 * - {@link groupSplit}: word-independent (or speaker-independent) hold-out, no group on both
 *   sides.
 *
 * @example
 * ```ts
 * import type pl from "nodejs-polars";
 * import { stratifiedSplit } from "./splits.ts";
 * async function example(table: pl.DataFrame) { // from scanDataset
 *   const labels = table.getColumn("emotion").toArray() as string[];
 *   const { train, val, test } = stratifiedSplit(labels, { testSize: 0.2, valSize: 0.1, seed: 42 });
 * }
 * ```
 * @module
 */
import { mulberry32, type RandomSource, shuffled, shuffleInPlace } from "../util/mod.ts";

/** Row indices of a hold-out split, each list sorted ascending; `val` is empty without one. */
export interface SplitIndices {
  train: number[];
  val: number[];
  test: number[];
}

/** Row indices of one cross-validation fold, sorted ascending. */
export interface Fold {
  train: number[];
  test: number[];
}

/** A leave-one-group-out fold: `group` is the held-out group. */
export interface GroupFold extends Fold {
  group: string;
}

/** A group split: the indices plus which groups landed where (each list sorted). */
export interface GroupSplitIndices extends SplitIndices {
  trainGroups: string[];
  valGroups: string[];
  testGroups: string[];
}

/** Options of {@link stratifiedSplit} and {@link groupSplit}. */
export interface HoldOutOptions {
  /** Fraction of rows (stratifiedSplit) or groups (groupSplit) for testing, in (0, 1). */
  testSize: number;
  /** Fraction for validation, in [0, 1) (default 0); testSize + valSize < 1. */
  valSize?: number;
  /** PRNG seed (mulberry32). */
  seed: number;
}

function checkFractions(testSize: number, valSize: number): void {
  if (!(testSize > 0 && testSize < 1)) {
    throw new RangeError(`testSize must be in (0, 1), got ${testSize}`);
  }
  if (!(valSize >= 0 && valSize < 1)) {
    throw new RangeError(`valSize must be in [0, 1), got ${valSize}`);
  }
  if (testSize + valSize >= 1) {
    throw new RangeError(`testSize + valSize must be below 1, got ${testSize + valSize}`);
  }
}

function sortedNumbers(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

/** Row indices per class, classes in sorted order so the result ignores input order. */
function indicesByClass(labels: readonly (string | number)[]): number[][] {
  const byClass = new Map<string, number[]>();
  labels.forEach((label, index) => {
    const key = String(label);
    const members = byClass.get(key);
    if (members) members.push(index);
    else byClass.set(key, [index]);
  });
  return [...byClass.keys()].sort().map((key) => byClass.get(key)!);
}

/**
 * Splits `total` items among classes in proportion to `sizes` (largest remainder; ties broken
 * at random), never giving a class more than it has.
 */
function allocate(sizes: readonly number[], total: number, random: RandomSource): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return sizes.map(() => 0);
  const quotas = sizes.map((size) => (total * size) / sum);
  const counts = quotas.map((quota, c) => Math.min(sizes[c], Math.floor(quota)));
  let left = total - counts.reduce((a, b) => a + b, 0);
  // Shuffle first, then a stable sort by remainder: equal remainders end up in random order.
  const order = shuffled(sizes.map((_, c) => c), random)
    .sort((a, b) => (quotas[b] - counts[b]) - (quotas[a] - counts[a]));
  while (left > 0) {
    let gave = false;
    for (const c of order) {
      if (left === 0) break;
      if (counts[c] < sizes[c]) {
        counts[c]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return counts;
}

/**
 * A random train/val/test split that keeps each label's share in every part.
 *
 * Part sizes are `round(n * testSize)` and `round(n * valSize)` rows; each class contributes in
 * proportion to its size (largest-remainder rounding), so class counts differ from the exact
 * share by less than one row.
 *
 * @param labels one label per row (e.g. the table's `emotion` column)
 * @param options `testSize`, `valSize` (fractions of all rows) and `seed`
 * @returns row indices of each part, sorted ascending; together they cover every row once
 * @example
 * ```ts
 * const split = stratifiedSplit(["a", "a", "b", "b", "a", "b"], { testSize: 0.34, seed: 1 });
 * split.test.length; // 2 (one "a", one "b")
 * ```
 */
export function stratifiedSplit(
  labels: readonly (string | number)[],
  options: HoldOutOptions,
): SplitIndices {
  const valSize = options.valSize ?? 0;
  checkFractions(options.testSize, valSize);
  const n = labels.length;
  const testTotal = Math.round(n * options.testSize);
  const valTotal = Math.round(n * valSize);
  if (testTotal < 1 || n - testTotal - valTotal < 1 || (valSize > 0 && valTotal < 1)) {
    throw new RangeError(
      `cannot split ${n} rows with testSize ${options.testSize} and valSize ${valSize}: ` +
        "every part needs at least one row",
    );
  }
  const random = mulberry32(options.seed);
  const classes = indicesByClass(labels).map((members) => shuffleInPlace([...members], random));
  const sizes = classes.map((members) => members.length);
  const testCounts = allocate(sizes, testTotal, random);
  const valCounts = allocate(sizes.map((size, c) => size - testCounts[c]), valTotal, random);
  const split: SplitIndices = { train: [], val: [], test: [] };
  classes.forEach((members, c) => {
    split.test.push(...members.slice(0, testCounts[c]));
    split.val.push(...members.slice(testCounts[c], testCounts[c] + valCounts[c]));
    split.train.push(...members.slice(testCounts[c] + valCounts[c]));
  });
  return {
    train: sortedNumbers(split.train),
    val: sortedNumbers(split.val),
    test: sortedNumbers(split.test),
  };
}

/** Options of {@link kFold}. */
export interface KFoldOptions {
  /** PRNG seed (mulberry32). */
  seed: number;
  /** Keep each label's share in every fold (default true). */
  stratified?: boolean;
}

/**
 * K-fold cross-validation: every row is in exactly one fold's test part.
 *
 * Fold sizes differ by at most one row; stratified, each class's rows are dealt round-robin so
 * every fold holds `floor` or `ceil` of its share of each class.
 *
 * @param labels one label per row (used for stratification; its length sets the row count)
 * @param k number of folds, an integer in [2, rows]
 * @param options `seed` and `stratified`
 * @returns `k` folds, each with sorted `train` and `test` row indices
 * @example
 * ```ts
 * const labels = ["angry", "sad", "angry", "sad", "angry", "sad", "angry", "sad", "angry", "sad"];
 * const trainAndScore = (train: number[], test: number[]) => console.log(train.length, test.length);
 * const folds = kFold(labels, 5, { seed: 42 });
 * for (const { train, test } of folds) trainAndScore(train, test);
 * ```
 */
export function kFold(
  labels: readonly (string | number)[],
  k: number,
  options: KFoldOptions,
): Fold[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new RangeError(`k must be an integer in [2, ${n}] for ${n} rows, got ${k}`);
  }
  const random = mulberry32(options.seed);
  const order = options.stratified === false
    ? shuffled(labels.map((_, index) => index), random)
    : indicesByClass(labels).flatMap((members) => shuffleInPlace([...members], random));
  const foldOf = new Array<number>(n);
  order.forEach((row, position) => (foldOf[row] = position % k));
  return Array.from({ length: k }, (_, fold) => {
    const result: Fold = { train: [], test: [] };
    for (let row = 0; row < n; row++) (foldOf[row] === fold ? result.test : result.train).push(row);
    return result;
  });
}

function uniqueSorted(groups: readonly (string | number)[]): string[] {
  return [...new Set(groups.map(String))].sort();
}

/**
 * Leave-one-group-out: one fold per group, that group's rows as the test part. With speakers
 * as groups this is speaker-independent evaluation (TESS: train on OAF, test on YAF, and back).
 *
 * @param groups one group id per row (e.g. the table's `speaker` column)
 * @returns one fold per distinct group, in sorted group order
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const folds = leaveOneGroupOut(table.getColumn("speaker").toArray() as string[]);
 * folds.map((fold) => fold.group); // ["OAF", "YAF"]
 * ```
 */
export function leaveOneGroupOut(groups: readonly (string | number)[]): GroupFold[] {
  const names = uniqueSorted(groups);
  if (names.length < 2) {
    throw new RangeError(`leave-one-group-out needs at least 2 groups, got ${names.length}`);
  }
  const keys = groups.map(String);
  return names.map((group) => {
    const fold: GroupFold = { group, train: [], test: [] };
    keys.forEach((key, row) => (key === group ? fold.test : fold.train).push(row));
    return fold;
  });
}

/**
 * A random hold-out split by group: every group's rows land on one side only (e.g. words, for
 * word-independent evaluation). `testSize` and `valSize` are fractions of the **groups**
 * (`round(groups * size)`, at least one group each when asked for), so row shares follow only
 * when groups are of similar size.
 *
 * @param groups one group id per row (e.g. the table's `utterance` column)
 * @param options `testSize`, `valSize` (fractions of groups) and `seed`
 * @returns sorted row indices per part and the groups in each part
 * @example
 * ```ts
 * import { scanCorpus } from "./scan.ts";
 * const { table } = await scanCorpus("data/TESS");
 * const words = table.getColumn("utterance").toArray() as string[];
 * const { train, test, testGroups } = groupSplit(words, { testSize: 0.2, seed: 42 });
 * ```
 */
export function groupSplit(
  groups: readonly (string | number)[],
  options: HoldOutOptions,
): GroupSplitIndices {
  const valSize = options.valSize ?? 0;
  checkFractions(options.testSize, valSize);
  const names = shuffled(uniqueSorted(groups), mulberry32(options.seed));
  const testCount = Math.max(1, Math.round(names.length * options.testSize));
  const valCount = valSize > 0 ? Math.max(1, Math.round(names.length * valSize)) : 0;
  if (names.length - testCount - valCount < 1) {
    throw new RangeError(
      `cannot split ${names.length} groups with testSize ${options.testSize} and valSize ` +
        `${valSize}: every part needs at least one group`,
    );
  }
  const testGroups = names.slice(0, testCount).sort();
  const valGroups = names.slice(testCount, testCount + valCount).sort();
  const trainGroups = names.slice(testCount + valCount).sort();
  const part = new Map<string, "train" | "val" | "test">();
  for (const name of testGroups) part.set(name, "test");
  for (const name of valGroups) part.set(name, "val");
  for (const name of trainGroups) part.set(name, "train");
  const split: GroupSplitIndices = {
    train: [],
    val: [],
    test: [],
    trainGroups,
    valGroups,
    testGroups,
  };
  groups.forEach((group, row) => split[part.get(String(group))!].push(row));
  return split;
}
