/**
 * Tests of lib/pipeline/model_card.ts: the card of a model set from the training step's values, its
 * completion by the evaluation step, Markdown rendering and the files.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  buildModelCard,
  completeModelCard,
  type ModelCardInput,
  readModelCard,
  renderModelCard,
  writeModelCard,
} from "../lib/pipeline/model_card.ts";
import type { ModelTestScores, ProjectReport } from "../lib/pipeline/report.ts";

/** 2 demo voices x 3 emotions x 4 clips. */
function demoInput(): ModelCardInput {
  const rows = [];
  for (const speaker of ["demo:en-us", "demo:en-gb"]) {
    for (const emotion of ["angry", "neutral", "sad"]) {
      for (let i = 0; i < 4; i++) {
        rows.push({
          path: `data/demo/${speaker}_${emotion}_${i}.wav`,
          corpus: "demo",
          speaker,
          emotion,
        });
      }
    }
  }
  return {
    runId: "20261130T091500123Z",
    models: {
      ensemble: { kind: "pooled", validationAccuracy: 0.5 },
      lstm: { kind: "sequence", validationAccuracy: 0.25 },
    },
    bestModel: "ensemble",
    classes: ["angry", "neutral", "sad"],
    dataset: {
      corpus: "demo",
      corpora: ["demo"],
      source: { demo: true },
      table: pl.DataFrame(rows),
      labels: { policy: "merge", merged: 0, dropped: 0, kept: 0, changes: [] },
    },
    split: { train: [...Array(16).keys()], val: [16, 17, 18, 19], test: [20, 21, 22, 23] },
    duration: 3,
    createdAt: "2026-11-30T09:15:00.000Z",
  };
}

/** A model's test scores as the evaluation step writes them (only these three are read). */
function scores(accuracy: number, macroF1: number, f1: number): ModelTestScores {
  return {
    accuracy,
    precision: 0,
    recall: 0,
    f1,
    macroF1,
    labels: [],
    confusionMatrix: [],
    perClass: {},
  };
}

function report(clips: number): ProjectReport {
  const protocol = (name: string, independent: boolean, accuracy: number) => ({
    protocol: name,
    model: "ensemble",
    speakerIndependent: independent,
    accuracy: { mean: accuracy, std: 0, values: [accuracy] },
    ua: { mean: accuracy - 0.01, std: 0, values: [accuracy - 0.01] },
    folds: ["f1", "f2"].map((name) => ({ name, accuracy, ua: accuracy, confusionMatrix: [] })),
  });
  return {
    project: "ser",
    updatedAt: "2026-11-30T10:00:00.000Z",
    evaluation: {
      testClips: 4,
      speakerIndependent: [],
      models: {
        ensemble: scores(0.75, 0.7, 0.72),
        lstm: scores(0.5, 0.4, 0.45),
      },
      generalisation: {
        clips,
        speakers: 2,
        corpora: ["demo"],
        protocols: [
          protocol("random split", false, 0.9),
          protocol("speaker groups", true, 0.4),
          protocol("leave one speaker out", true, 0.35),
        ],
        enrolment: [{
          protocol: "speaker groups",
          model: "ensemble",
          priorWeight: 10,
          points: ([[0, 0.31], [3, 0.33], [10, 0.38], ["all", 0.39]] as const).map((
            [clips, ua],
          ) => ({
            clips,
            ua: { mean: ua, std: 0, values: [ua] },
            accuracy: { mean: ua, std: 0, values: [ua] },
          })),
        }],
      },
    },
  };
}

Deno.test("model card of a demo-corpus set: data, intended use and the limits it must state", () => {
  const card = buildModelCard(demoInput());
  assert.equal(card.run, "20261130T091500123Z");
  assert.equal(card.data.clips, 24);
  assert.deepEqual(card.data.speakers, ["demo:en-gb", "demo:en-us"]);
  assert.deepEqual(card.data.clipsPerClass, { angry: 8, neutral: 8, sad: 8 });
  assert.deepEqual(card.data.split, {
    train: 16,
    val: 4,
    test: 4,
    how: "random, stratified by emotion (speakers on both sides)",
  });
  assert.deepEqual(card.protocols, []); // no report: nothing measured yet
  const limits = card.limits.join("\n");
  assert.match(limits, /synthetic demo corpus .* NOT emotional speech/);
  assert.match(limits, /No speaker-independent measurement on this data yet/);
  assert.match(limits, /Only 2 speaker\(s\)/);
  assert.doesNotMatch(limits, /Acted emotions read by actors/); // the demo corpus is not acted
  assert.match(card.intendedUse.join("\n"), /Not for decisions about people/);
  assert.match(card.intendedUse[0], /\(angry, neutral, sad\) in 3 s windows/);
});

Deno.test("model card: protocols from a report on the same clips; completed by the evaluation", () => {
  // A report measured on other clips is not this data: left out.
  assert.deepEqual(buildModelCard({ ...demoInput(), report: report(99) }).protocols, []);
  const card = buildModelCard({
    ...demoInput(),
    report: report(24),
    trainingStopped: "stop file models/STOP found",
  });
  assert.equal(card.protocols.length, 3);
  assert.match(card.evaluationSource!, /evaluation of 2026-11-30T10:00:00.000Z/);
  const limits = card.limits.join("\n");
  // The speaker-independent range: worst 0.350 to best 0.400, chance 1/3.
  assert.match(
    limits,
    /accuracy 0\.350 \(leave one speaker out\) to 0\.400 \(speaker groups\), chance 0\.333/,
  );
  assert.match(limits, /stopped early \(stop file models\/STOP found\)/);
  // The enrolment curve: what a new voice gets before and after a few of its clips.
  assert.match(
    limits,
    /UA 0\.310 with none of its clips, 0\.380 after 10, 0\.390 with all \(speaker groups\)/,
  );
  assert.deepEqual(card.enrolment?.[0].points.map((p) => p.clips), [0, 3, 10, "all"]);

  // One speaker-independent protocol: one number, not a range.
  const one = report(24);
  const section = one.evaluation!.generalisation!;
  section.protocols = section.protocols.slice(0, 2);
  assert.match(
    buildModelCard({ ...demoInput(), report: one }).limits.join("\n"),
    /give accuracy 0\.400 \(speaker groups\), chance 0\.333/,
  );
  const real = demoInput();
  real.dataset = { ...real.dataset, corpora: ["tess"], source: { demo: false } };
  assert.match(buildModelCard(real).limits.join("\n"), /Acted emotions read by actors/);

  const complete = completeModelCard(buildModelCard(demoInput()), report(24), 3);
  assert.deepEqual(complete.models.map((m) => m.test?.accuracy), [0.75, 0.5]);
  assert.equal(complete.protocols.length, 3);
  assert.doesNotMatch(complete.limits.join("\n"), /No speaker-independent measurement/);

  const markdown = renderModelCard(complete);
  assert.match(markdown, /^# Model card: run 20261130T091500123Z/);
  assert.match(markdown, /\| ensemble \(best\) \| pooled \| 0\.5000 \| 0\.7500 \| 0\.7000 \|/);
  assert.match(
    markdown,
    /\| leave one speaker out \| ensemble \| yes \| 2 \| 0\.350 \| 0\.340 \| {2}\|/,
  );
  assert.doesNotMatch(complete.limits.join("\n"), /voice adaptation/, "none in this report");
  // A model that adapted to each test voice: the card says so and quotes the UA before.
  const adapted = report(24);
  const leave = adapted.evaluation!.generalisation!.protocols[2];
  leave.beforeAdaptation = {
    accuracy: { mean: 0.3, std: 0, values: [0.3] },
    ua: { mean: 0.29, std: 0, values: [0.29] },
  };
  const adaptedCard = completeModelCard(buildModelCard(demoInput()), adapted, 3);
  assert.equal(adaptedCard.protocols[2].uaBeforeAdaptation, 0.29);
  assert.match(adaptedCard.limits.join("\n"), /live page never: there, expect the UA before/);
  assert.match(
    renderModelCard(adaptedCard),
    /\| leave one speaker out \| ensemble \| yes \| 2 \| 0\.350 \| 0\.340 \| 0\.290 \|/,
  );
  assert.match(
    markdown,
    /\| k \| 0 \| 3 \| 10 \| all \|\n\| --- (\| --- ){4}\|\n\| UA \| 0\.310 \| 0\.330 \|/,
  );
  assert.match(markdown, /## Intended use\n\n- Research/);
  assert.match(markdown, /## Limits\n\n- Trained on the synthetic demo corpus/);
});

Deno.test("model card files: written atomically, read back; a missing card names the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ser_card_" });
  try {
    const card = buildModelCard(demoInput());
    const files = await writeModelCard(dir, card);
    assert.deepEqual(await readModelCard(dir), card);
    assert.equal(await Deno.readTextFile(files.markdown), renderModelCard(card));
    await assert.rejects(readModelCard(`${dir}/none`), /none\/model_card\.json: no model card/);
    await Deno.writeTextFile(files.json, "{");
    await assert.rejects(readModelCard(dir), /model_card\.json: not a valid model card/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
