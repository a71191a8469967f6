import assert from "node:assert/strict";
import {
  classificationReportTable,
  classificationReportText,
  computeMetrics,
  confusionMatrixTable,
  crossValidate,
  crossValidationTable,
  formatFixed,
  formatMeanStd,
  meanStd,
  type MetricsResult,
  normalizeConfusionMatrix,
} from "../lib/evaluate/mod.ts";
import { skipped } from "./shared_data.ts";

const close = (actual: number, expected: number, what = "") =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

// Worked by hand: labels a, b, c
//   yTrue 0 0 0 1 1 2
//   yPred 0 0 1 1 2 2
// a: tp 2 fp 0 fn 1 -> P 1,   R 2/3, F1 0.8
// b: tp 1 fp 1 fn 1 -> P 1/2, R 1/2, F1 1/2
// c: tp 1 fp 1 fn 0 -> P 1/2, R 1,   F1 2/3
const Y_TRUE = [0, 0, 0, 1, 1, 2];
const Y_PRED = [0, 0, 1, 1, 2, 2];
const LABELS = ["a", "b", "c"];

/** A Python that can import sklearn (Debian's python3-sklearn lives under /usr/bin), if any. */
function pythonWithSklearn(): string | undefined {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const check = new Deno.Command(python, { args: ["-c", "import sklearn"] }).outputSync();
      if (check.success) return python;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}
const SKLEARN_PYTHON = pythonWithSklearn();
if (SKLEARN_PYTHON === undefined) {
  skipped("evaluate_test: text report vs scikit-learn's", "no python3 with sklearn");
}

Deno.test("metrics match a hand-computed example", () => {
  const m = computeMetrics(Y_TRUE, Y_PRED, LABELS);
  assert.equal(m.total, 6);
  close(m.accuracy, 4 / 6, "accuracy");
  assert.deepEqual(m.confusionMatrix, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  const expected = [
    { label: "a", precision: 1, recall: 2 / 3, f1: 0.8, support: 3 },
    { label: "b", precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
    { label: "c", precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
  ];
  m.perClass.forEach((got, i) => {
    assert.equal(got.label, expected[i].label);
    assert.equal(got.support, expected[i].support);
    for (const key of ["precision", "recall", "f1"] as const) {
      close(got[key], expected[i][key], `${got.label}.${key}`);
    }
  });
  close(m.macro.precision, 2 / 3, "macro P");
  close(m.macro.recall, (2 / 3 + 0.5 + 1) / 3, "macro R");
  close(m.macro.f1, (0.8 + 0.5 + 2 / 3) / 3, "macro F1");
  close(m.weighted.precision, (3 * 1 + 2 * 0.5 + 0.5) / 6, "weighted P");
  close(m.weighted.recall, 4 / 6, "weighted R = accuracy");
  close(m.weighted.f1, (3 * 0.8 + 2 * 0.5 + 2 / 3) / 6, "weighted F1");
  assert.equal(m.macro.support, 6);
});

Deno.test("zero division gives 0, like sklearn's zero_division=0", () => {
  // b is never predicted; c has no samples and is never predicted.
  const m = computeMetrics([0, 0, 1, 1], [0, 0, 0, 0], ["a", "b", "c"]);
  close(m.perClass[0].precision, 0.5);
  close(m.perClass[0].recall, 1);
  close(m.perClass[0].f1, 2 / 3);
  for (const i of [1, 2]) {
    assert.deepEqual(
      [m.perClass[i].precision, m.perClass[i].recall, m.perClass[i].f1],
      [0, 0, 0],
    );
  }
  assert.equal(m.perClass[2].support, 0);
  // Macro averages count the classes present in yTrue (a and b), not c, which has no samples:
  // UA is the mean recall of a (1) and b (0).
  close(m.macro.precision, 0.5 / 2);
  close(m.macro.recall, 1 / 2);
  close(m.macro.f1, 2 / 6);
  close(m.unweightedAccuracy, 0.5);
  close(m.weighted.precision, 0.25);
  close(m.weighted.f1, 1 / 3);
  const empty = computeMetrics([], [], ["a"]);
  assert.equal(empty.accuracy, 0);
});

Deno.test("bad input names the array and position", () => {
  assert.throws(
    () => computeMetrics([0, 3], [0, 1], LABELS),
    /yTrue\[1\] = 3 is not a class index/,
  );
  assert.throws(() => computeMetrics([0, 1], [0, -1], LABELS), /yPred\[1\] = -1/);
  assert.throws(() => computeMetrics([0], [0, 1], LABELS), /yTrue has 1 samples but yPred has 2/);
  assert.throws(() => computeMetrics([0], [0], ["a", "a"]), /labels must be unique/);
});

// sklearn.metrics.classification_report(Y_TRUE, Y_PRED, target_names=LABELS), worked out from
// its format strings ("{:>{width}s} " + " {:>9.2f}" * 3 + " {:>9}\n", width 12).
const SKLEARN_REPORT = [
  "              precision    recall  f1-score   support",
  "",
  "           a       1.00      0.67      0.80         3",
  "           b       0.50      0.50      0.50         2",
  "           c       0.50      1.00      0.67         1",
  "",
  "    accuracy                           0.67         6",
  "   macro avg       0.67      0.72      0.66         6",
  "weighted avg       0.75      0.67      0.68         6",
  "",
].join("\n");

Deno.test("text report reproduces sklearn's classification_report", () => {
  const m = computeMetrics(Y_TRUE, Y_PRED, LABELS);
  assert.equal(classificationReportText(m), SKLEARN_REPORT);
  const long = computeMetrics([0, 1], [0, 1], ["pleasant_surprise", "b"]);
  const lines = classificationReportText(long, 3).split("\n");
  assert.equal(lines[2], "pleasant_surprise      1.000     1.000     1.000         1");
});

Deno.test("a label seen in neither yTrue nor yPred turns accuracy into micro avg, as sklearn", () => {
  const lines = classificationReportText(computeMetrics([0, 0, 1, 1], [0, 0, 0, 0], LABELS))
    .split("\n");
  assert.equal(lines[6], "   micro avg       0.50      0.50      0.50         4");
  // Unlike sklearn (0.17 0.33 0.22), the macro row leaves out "c", which has no samples.
  assert.equal(lines[7], "   macro avg       0.25      0.50      0.33         4");
  // precision of "a" is 1/8 = 0.125 exactly: Python prints 0.12
  const tie = computeMetrics([0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0], ["a", "b"]);
  assert.equal(
    classificationReportText(tie).split("\n")[2],
    "           a       0.12      1.00      0.22         1",
  );
});

Deno.test("formatFixed rounds exact ties to even, as Python's format does", () => {
  assert.equal(formatFixed(0.125, 2), "0.12"); // exact tie -> even
  assert.equal(formatFixed(0.375, 2), "0.38"); // exact tie -> even
  assert.equal(formatFixed(2.5, 0), "2");
  assert.equal(formatFixed(3.5, 0), "4");
  assert.equal(formatFixed(0.145, 2), "0.14"); // binary value is below the tie
  assert.equal(formatFixed(2 / 3, 2), "0.67");
  assert.equal(formatFixed(-0.125, 2), "-0.12");
});

Deno.test({
  name: "text report equals python sklearn's output (optional cross-check)",
  ignore: SKLEARN_PYTHON === undefined,
  fn: async () => {
    const script = "import sys, json\nfrom sklearn.metrics import classification_report\n" +
      "a = json.loads(sys.argv[1])\n" +
      "sys.stdout.write(classification_report(a[0], a[1], labels=list(range(len(a[2]))), " +
      "target_names=a[2], zero_division=0, digits=a[3]))";
    const cases: [number[], number[], string[], number][] = [
      [Y_TRUE, Y_PRED, LABELS, 2],
      [[0, 0, 1, 1, 2, 3, 3, 3], [0, 1, 1, 1, 0, 3, 3, 2], ["angry", "disgust", "fear", "ps"], 4],
      [[0, 0, 1, 1], [0, 0, 0, 0], ["a", "b"], 2],
      [[0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0], ["tie", "other"], 2],
      // Not compared: a class absent from the test set. Our macro averages count only the
      // classes present (issue 9), scikit-learn's every label; tested on their own above.
    ];
    for (const [yTrue, yPred, labels, digits] of cases) {
      const out = await new Deno.Command(SKLEARN_PYTHON!, {
        args: ["-c", script, JSON.stringify([yTrue, yPred, labels, digits])],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const expected = new TextDecoder().decode(out.stdout);
      const actual = classificationReportText(computeMetrics(yTrue, yPred, labels), digits);
      assert.equal(actual.trimEnd(), expected.trimEnd());
    }
  },
});

Deno.test("report and confusion matrix as polars tables", () => {
  const m = computeMetrics(Y_TRUE, Y_PRED, LABELS);
  const report = classificationReportTable(m);
  assert.deepEqual(report.columns, ["class", "precision", "recall", "f1-score", "support"]);
  assert.deepEqual(report.getColumn("class").toArray(), [
    "a",
    "b",
    "c",
    "accuracy",
    "macro avg",
    "weighted avg",
  ]);
  assert.deepEqual(report.getColumn("support").toArray().map(Number), [3, 2, 1, 6, 6, 6]);
  const accuracyRow = report.toRecords()[3];
  assert.equal(accuracyRow.precision, null);
  close(accuracyRow["f1-score"] as number, 4 / 6);

  const cm = confusionMatrixTable(m);
  assert.deepEqual(cm.columns, ["true", "a", "b", "c"]);
  assert.deepEqual(cm.toRecords().map((r) => [r.true, Number(r.a), Number(r.b), Number(r.c)]), [
    ["a", 2, 1, 0],
    ["b", 0, 1, 1],
    ["c", 0, 0, 1],
  ]);
  const normalized = confusionMatrixTable(m, { normalize: true });
  close(normalized.getColumn("a").toArray()[0] as number, 2 / 3);
  assert.deepEqual(normalizeConfusionMatrix([[0, 0], [1, 3]]), [[0, 0], [0.25, 0.75]]);
});

Deno.test("crossValidate summarises folds as mean ± population std", async () => {
  const folds = [
    { train: [2, 3], test: [0, 1] },
    { train: [0, 1], test: [2, 3] },
  ];
  // Each fold "predicts" a fixed answer: fold 0 all right, fold 1 half right.
  const yTrue = [0, 1, 0, 1];
  const yPred = [0, 1, 0, 0];
  const calls: number[] = [];
  const result = await crossValidate(folds, (fold, index) => {
    calls.push(index);
    return Promise.resolve(
      computeMetrics(fold.test.map((i) => yTrue[i]), fold.test.map((i) => yPred[i]), ["x", "y"]),
    );
  }, { progress: { silent: true } });
  assert.deepEqual(calls, [0, 1]);
  assert.deepEqual(result.summary.accuracy.values, [1, 0.5]);
  close(result.summary.accuracy.mean, 0.75);
  close(result.summary.accuracy.std, 0.25);
  // fold 1: x P 1/2 R 1 F1 2/3; y P 0 R 0 F1 0 -> macro F1 1/3
  close(result.summary.macroF1.mean, (1 + 1 / 3) / 2);
  assert.deepEqual(result.confusionMatrix, [[2, 0], [1, 1]]);

  const table = crossValidationTable(result);
  assert.deepEqual(table.getColumn("fold").toArray(), ["0", "1", "mean", "std"]);
  assert.deepEqual(table.getColumn("accuracy").toArray(), [1, 0.5, 0.75, 0.25]);
  assert.equal(formatMeanStd(result.summary.accuracy), "0.750 ± 0.250");
  close(meanStd([0.8, 0.9, 1.0]).std, Math.sqrt(0.02 / 3));
});

Deno.test("crossValidate rejects leaking or empty folds and mismatched labels", async () => {
  const score = (labels: string[]) => (): Promise<MetricsResult> =>
    Promise.resolve(computeMetrics([0], [0], labels));
  await assert.rejects(
    () => crossValidate([{ train: [0, 1], test: [1, 2] }], score(["a"])),
    /fold 0 has sample 1 in both train and test/,
  );
  await assert.rejects(() => crossValidate([], score(["a"])), /no folds/);
  await assert.rejects(
    () => crossValidate([{ train: [0], test: [] }], score(["a"])),
    /fold 0 has 1 training and 0 test samples/,
  );
  let call = 0;
  await assert.rejects(
    () =>
      crossValidate(
        [{ train: [0], test: [1] }, { train: [1], test: [0] }],
        () => Promise.resolve(computeMetrics([0], [0], call++ === 0 ? ["a"] : ["b"])),
        { progress: { silent: true } },
      ),
    /fold 1 scored labels \[b\] but fold 0 scored \[a\]/,
  );
});
