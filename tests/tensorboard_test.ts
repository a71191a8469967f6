import assert from "node:assert/strict";
import { join } from "node:path";
import {
  crc32c,
  decodeEvent,
  encodeEvent,
  EventFileWriter,
  frameRecord,
  maskCrc32c,
  parseRecords,
  readEventFile,
  RecordError,
} from "../lib/trainer/tensorboard.ts";
import { TensorBoardLogger } from "../lib/trainer/callbacks.ts";
import { skipped } from "./shared_data.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A Python that can import tensorboard (Debian's or the user's), if any. */
function pythonWithTensorboard(): string | undefined {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const check = new Deno.Command(python, { args: ["-c", "import tensorboard"] }).outputSync();
      if (check.success) return python;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}
const TENSORBOARD_PYTHON = pythonWithTensorboard();
if (TENSORBOARD_PYTHON === undefined) {
  skipped("tensorboard_test: python tensorboard reading our file", "no python3 with tensorboard");
}

Deno.test("crc32c known answers", () => {
  assert.equal(crc32c(text("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // RFC 3720 (iSCSI) test vectors: 32 bytes of zeros and 32 bytes of 0xff.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
});

Deno.test("masked crc follows ((crc >>> 15) | (crc << 17)) + 0xa282ead8 mod 2^32", () => {
  for (const crc of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) {
    const rotated = BigInt(((crc >>> 15) | (crc << 17)) >>> 0);
    const expected = Number((rotated + 0xa282ead8n) % 2n ** 32n);
    assert.equal(maskCrc32c(crc), expected);
  }
  // Worked by hand: rotate 0xE3069283 right by 15 -> 0x2507C60D; + 0xA282EAD8 -> 0xC78AB0E5.
  assert.equal(maskCrc32c(0xe3069283), 0xc78ab0e5);
});

Deno.test("frameRecord lays out length, crc(length), data, crc(data)", () => {
  const data = text("hello");
  const framed = frameRecord(data);
  assert.equal(framed.length, 5 + 16);
  const view = new DataView(framed.buffer);
  assert.equal(view.getBigUint64(0, true), 5n);
  assert.equal(view.getUint32(8, true), maskCrc32c(crc32c(framed.subarray(0, 8))));
  assert.deepEqual(framed.subarray(12, 17), data);
  assert.equal(view.getUint32(17, true), maskCrc32c(crc32c(data)));
});

Deno.test("event protobuf bytes match a hand encoding", () => {
  const bytes = encodeEvent({
    wallTime: 1.5,
    step: 3,
    scalars: [{ tag: "a", value: 0.5 }],
  });
  // deno-fmt-ignore
  const expected = [
    0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // field 1 (wall_time) double 1.5
    0x10, 0x03, //                         field 2 (step) varint 3
    0x2a, 0x0a, //                         field 5 (summary), 10 bytes
    0x0a, 0x08, //                         Summary.value (field 1), 8 bytes
    0x0a, 0x01, 0x61, //                   Value.tag "a"
    0x15, 0, 0, 0, 0x3f, //                Value.simple_value float 0.5
  ];
  assert.deepEqual([...bytes], expected);
  const version = encodeEvent({ wallTime: 0, step: 0, fileVersion: "brain.Event:2" });
  assert.deepEqual([...version.subarray(9, 13)], [0x10, 0x00, 0x1a, 13]);
  assert.equal(new TextDecoder().decode(version.subarray(13)), "brain.Event:2");
});

Deno.test("event file round trip through the reader", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await EventFileWriter.create(dir, { wallTime: 1700000000.25 });
    assert.match(writer.path, /events\.out\.tfevents\.1700000000\./);
    await writer.addScalars({ epoch_loss: 0.75, epoch_accuracy: 0.5 }, 0);
    await writer.addScalar("epoch_loss", 0.25, 1);
    await writer.writeEvent({ wallTime: 5, step: 2 ** 40, scalars: [{ tag: "big", value: -3 }] });
    writer.close();
    await assert.rejects(() => writer.addScalar("x", 1, 0), /closed/);

    const events = await readEventFile(writer.path);
    assert.equal(events.length, 4);
    assert.equal(events[0].fileVersion, "brain.Event:2");
    assert.equal(events[0].wallTime, 1700000000.25);
    assert.deepEqual(events[1].scalars, [
      { tag: "epoch_loss", value: 0.75 },
      { tag: "epoch_accuracy", value: 0.5 },
    ]);
    assert.equal(events[1].step, 0);
    assert.deepEqual(events[2].scalars, [{ tag: "epoch_loss", value: 0.25 }]);
    assert.equal(events[2].step, 1);
    assert.equal(events[3].step, 2 ** 40);
    assert.equal(events[3].wallTime, 5);
    assert.equal(decodeEvent(encodeEvent({ wallTime: 1, step: -1 })).step, -1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupted or truncated file is detected", () => {
  const good = new Uint8Array([
    ...frameRecord(encodeEvent({ wallTime: 1, step: 0, fileVersion: "brain.Event:2" })),
    ...frameRecord(encodeEvent({ wallTime: 2, step: 1, scalars: [{ tag: "l", value: 1 }] })),
  ]);
  assert.equal(parseRecords(good).length, 2);

  const dataFlip = good.slice();
  dataFlip[good.length - 6] ^= 0x01; // inside the second record's payload
  assert.throws(() => parseRecords(dataFlip, "run.tfevents"), (error: Error) => {
    assert.ok(error instanceof RecordError);
    assert.match(error.message, /run\.tfevents: record 1 has a bad data checksum/);
    return true;
  });

  const lengthFlip = good.slice();
  lengthFlip[0] ^= 0x04;
  assert.throws(() => parseRecords(lengthFlip), /record 0 has a bad length checksum/);

  assert.throws(() => parseRecords(good.subarray(0, good.length - 3)), /record 1 is truncated/);
});

Deno.test("TensorBoardLogger writes Keras-style train/ and validation/ runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new TensorBoardLogger({ logDir: dir });
    await logger.onTrainBegin();
    await logger.onEpochEnd(0, {
      loss: 1,
      accuracy: 0.25,
      val_loss: 2,
      val_accuracy: 0.5,
      lr: 1e-3,
    });
    await logger.onEpochEnd(1, {
      loss: 0.5,
      accuracy: 0.75,
      val_loss: 1,
      val_accuracy: 1,
      lr: 1e-3,
    });
    logger.onTrainEnd();
    const [trainFile, validationFile] = logger.files;
    assert.ok(trainFile.includes(join(dir, "train")));
    assert.ok(validationFile.includes(join(dir, "validation")));
    const train = await readEventFile(trainFile);
    const validation = await readEventFile(validationFile);
    assert.equal(train.length, 3);
    assert.equal(validation.length, 3);
    const lossAt = (events: typeof train, step: number) =>
      events.find((e) => e.step === step && e.scalars)!.scalars!.find((s) =>
        s.tag === "epoch_loss"
      )!.value;
    assert.equal(lossAt(train, 1), 0.5);
    assert.equal(lossAt(validation, 1), 1);
    assert.ok(train[1].scalars!.some((s) => s.tag === "epoch_lr"));
    assert.ok(Math.abs(train[1].scalars!.find((s) => s.tag === "epoch_lr")!.value - 1e-3) < 1e-9);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "python tensorboard reads our event file (optional cross-check)",
  ignore: TENSORBOARD_PYTHON === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const writer = await EventFileWriter.create(dir);
      await writer.addScalar("epoch_loss", 0.5, 7);
      writer.close();
      const script = [
        "import sys",
        "from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader",
        "from tensorboard.compat.proto import event_pb2",
        "for raw in RawEventFileLoader(sys.argv[1]).Load():",
        "  e = event_pb2.Event.FromString(raw)",
        "  for v in e.summary.value: print(e.step, v.tag, v.simple_value)",
      ].join("\n");
      const out = await new Deno.Command(TENSORBOARD_PYTHON!, { args: ["-c", script, writer.path] })
        .output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "7 epoch_loss 0.5");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
