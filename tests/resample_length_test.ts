/** `resample(..., { length })` against fitting the default output to that length afterwards. @module */
import assert from "node:assert/strict";
import { fitToLength, resample, resampledLength, whiteNoise } from "../lib/audio/mod.ts";

Deno.test("resample with a length equals fitToLength of the default output", async () => {
  const x = whiteNoise(0.4, 24414, 2);
  const natural = resampledLength(x.length, 24414, 22050);
  for (const quality of ["kaiser_fast", "kaiser_best", "sinc_fastest"] as const) {
    const full = await resample(x, 24414, 22050, { quality });
    for (const length of [0, 1, natural - 7, natural - 1, natural, natural + 1, 3 * natural]) {
      const direct = await resample(x, 24414, 22050, { quality, length });
      assert.deepEqual(direct, fitToLength(full, length), `${quality}, length ${length}`);
    }
  }
  // Equal rates: the input, fitted.
  assert.equal(await resample(x, 22050, 22050), x);
  assert.deepEqual(await resample(x, 22050, 22050, { length: 5 }), x.slice(0, 5));
  assert.deepEqual((await resample(new Float32Array(0), 16000, 22050, { length: 3 })).length, 3);
  await assert.rejects(() => resample(x, 24414, 22050, { length: -1 }), /length must be/);
  await assert.rejects(() => resample(x, 24414, 22050, { length: 2.5 }), /length must be/);
});
