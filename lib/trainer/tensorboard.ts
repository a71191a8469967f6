/**
 * TensorBoard event files without TensorFlow: TFRecord framing, CRC32C and a hand-written
 * encoder for the few `Event` protobuf fields scalar summaries need, plus a small reader used
 * by the tests (and handy to inspect a run from a notebook).
 *
 * File layout (one TFRecord per event):
 * `uint64 length (LE) | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`.
 *
 * @example
 * ```ts
 * const writer = await EventFileWriter.create("logs/run1/train");
 * await writer.addScalar("epoch_loss", 0.42, 0);
 * writer.close();
 * ```
 * @module
 */
import { hostname } from "node:os";
import { join } from "node:path";

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli), the checksum TFRecord uses.

const CRC32C_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  const reversedPolynomial = 0x82f63b78;
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ reversedPolynomial : crc >>> 1;
    }
    table[n] = crc >>> 0;
  }
  return table;
})();

/**
 * CRC32C (Castagnoli polynomial) of a byte array.
 *
 * @param bytes the data
 * @returns the checksum as an unsigned 32-bit integer
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode("123456789")); // 0xE3069283
 * ```
 */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, modulo 2^32. Masking
 * keeps a CRC of data that itself contains CRCs from being degenerate.
 *
 * @param crc an unsigned 32-bit CRC32C
 * @returns the masked value, unsigned 32-bit
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode("record");
 * maskCrc32c(crc32c(bytes));
 * ```
 */
export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * Frames one record: length, masked CRC of the length, data, masked CRC of the data.
 *
 * @param data the record payload (here: an encoded `Event`)
 * @returns the framed bytes (`data.length + 16` bytes)
 * @example
 * ```ts
 * const framed = frameRecord(encodeEvent({ wallTime: 0, step: 0, fileVersion: "brain.Event:2" }));
 * ```
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc32c(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc32c(crc32c(data)), true);
  return out;
}

/** Raised when an event file is truncated or a checksum does not match. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

/**
 * Splits a TFRecord file into its payloads, verifying both CRCs of every record.
 *
 * @param bytes the whole file
 * @param source a name for error messages (e.g. the file path)
 * @returns the record payloads, in order
 * @throws RecordError naming the source, the record index and what is wrong
 * @example
 * ```ts
 * const path = "logs/run/events.out.tfevents.1.host";
 * const records = parseRecords(await Deno.readFile(path), path);
 * ```
 */
export function parseRecords(bytes: Uint8Array, source = "<bytes>"): Uint8Array[] {
  const records: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    const index = records.length;
    if (offset + 12 > bytes.length) {
      throw new RecordError(`${source}: record ${index} is truncated (header at byte ${offset})`);
    }
    const lengthCrc = view.getUint32(offset + 8, true);
    if (maskCrc32c(crc32c(bytes.subarray(offset, offset + 8))) !== lengthCrc) {
      throw new RecordError(`${source}: record ${index} has a bad length checksum`);
    }
    const length = Number(view.getBigUint64(offset, true));
    const end = offset + 12 + length + 4;
    if (end > bytes.length) {
      throw new RecordError(`${source}: record ${index} is truncated (needs ${length} bytes)`);
    }
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    if (maskCrc32c(crc32c(data)) !== view.getUint32(offset + 12 + length, true)) {
      throw new RecordError(`${source}: record ${index} has a bad data checksum`);
    }
    records.push(data);
    offset = end;
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Protobuf: just the wire format pieces `Event` and `Summary` need.

class ProtoWriter {
  #bytes: number[] = [];

  varint(value: bigint | number): this {
    // int64 fields are written as two's complement, 10 bytes for negatives.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#bytes.push(Number(v));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  double(field: number, value: number): this {
    const buffer = new DataView(new ArrayBuffer(8));
    buffer.setFloat64(0, value, true);
    this.tag(field, 1);
    for (let i = 0; i < 8; i++) this.#bytes.push(buffer.getUint8(i));
    return this;
  }

  float(field: number, value: number): this {
    const buffer = new DataView(new ArrayBuffer(4));
    buffer.setFloat32(0, value, true);
    this.tag(field, 5);
    for (let i = 0; i < 4; i++) this.#bytes.push(buffer.getUint8(i));
    return this;
  }

  int64(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    for (const byte of value) this.#bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** One scalar in a summary: `Summary.Value { tag = 1; simple_value = 2 }`. */
export interface ScalarValue {
  /** Chart name, e.g. `epoch_loss`. */
  tag: string;
  /** The value (stored as float32, as TensorBoard does). */
  value: number;
}

/** The `Event` fields this module reads and writes. */
export interface TensorBoardEvent {
  /** Seconds since the Unix epoch (may be fractional). */
  wallTime: number;
  /** Global step (here: the epoch). */
  step: number;
  /** Only in the first event of a file: `brain.Event:2`. */
  fileVersion?: string;
  /** Scalar summaries. */
  scalars?: ScalarValue[];
}

/**
 * Encodes an `Event` protobuf: wall_time (1, double), step (2, int64), file_version (3, string),
 * summary (5, `Summary { repeated Value value = 1 }`).
 *
 * @param event the event to encode
 * @returns the protobuf bytes
 * @example
 * ```ts
 * encodeEvent({ wallTime: Date.now() / 1000, step: 3, scalars: [{ tag: "epoch_loss", value: 0.5 }] });
 * ```
 */
export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const writer = new ProtoWriter().double(1, event.wallTime).int64(2, event.step);
  if (event.fileVersion !== undefined) writer.string(3, event.fileVersion);
  if (event.scalars && event.scalars.length > 0) {
    const summary = new ProtoWriter();
    for (const scalar of event.scalars) {
      const value = new ProtoWriter().string(1, scalar.tag).float(2, scalar.value).finish();
      summary.bytes(1, value);
    }
    writer.bytes(5, summary.finish());
  }
  return writer.finish();
}

/** One hyperparameter's value, as TensorBoard's HParams dashboard shows it. */
export type HparamValue = number | string | boolean;

/**
 * Encodes the `Event` that TensorBoard's HParams dashboard reads to list a run with its
 * hyperparameters, as `tensorboard.plugins.hparams.summary_v2.hparams` writes it: a summary
 * value tagged `_hparams_/session_start_info` whose metadata names the `hparams` plugin and
 * holds a serialized `HParamsPluginData { session_start_info { hparams, group_name,
 * start_time_secs } }` (each value a `google.protobuf.Value`), with a null float tensor. The
 * dashboard takes the run's scalars (in `train/`, `validation/`) as its metrics.
 *
 * @param hparams name -> value (numbers, strings, booleans)
 * @param options `wallTime` (seconds, default now), `groupName` (default: none)
 * @returns the `Event` protobuf bytes
 * @example
 * ```ts
 * encodeHparamsEvent({ model: "lstm", learning_rate: 0.001, batch_size: 64 });
 * ```
 */
export function encodeHparamsEvent(
  hparams: Record<string, HparamValue>,
  options: { wallTime?: number; groupName?: string } = {},
): Uint8Array {
  const wallTime = options.wallTime ?? Date.now() / 1000;
  const start = new ProtoWriter();
  for (const name of Object.keys(hparams).sort()) {
    const value = hparams[name];
    // google.protobuf.Value: number_value = 2 (double), string_value = 3, bool_value = 4.
    const protoValue = typeof value === "number"
      ? new ProtoWriter().double(2, value)
      : typeof value === "boolean"
      ? new ProtoWriter().int64(4, value ? 1 : 0)
      : new ProtoWriter().string(3, value);
    // map<string, Value> hparams = 1: entries { key = 1; value = 2 }.
    start.bytes(1, new ProtoWriter().string(1, name).bytes(2, protoValue.finish()).finish());
  }
  if (options.groupName) start.string(4, options.groupName);
  start.double(5, wallTime);
  // HParamsPluginData { int32 version = 1 (0: left out); SessionStartInfo session_start_info = 3 }
  const pluginContent = new ProtoWriter().bytes(3, start.finish()).finish();
  // SummaryMetadata { PluginData plugin_data = 1 { plugin_name = 1; content = 2 } }
  const metadata = new ProtoWriter().bytes(
    1,
    new ProtoWriter().string(1, "hparams").bytes(2, pluginContent).finish(),
  ).finish();
  // TensorProto { dtype = 1 (DT_FLOAT = 1); tensor_shape = 2 (scalar: empty); float_val = 5 }
  const nullTensor = new ProtoWriter().int64(1, 1).bytes(2, new Uint8Array()).float(5, 0)
    .finish();
  // Summary.Value { tag = 1; tensor = 8; metadata = 9 }
  const value = new ProtoWriter().string(1, "_hparams_/session_start_info").bytes(8, nullTensor)
    .bytes(9, metadata).finish();
  return new ProtoWriter().double(1, wallTime).int64(2, 0)
    .bytes(5, new ProtoWriter().bytes(1, value).finish()).finish();
}

class ProtoReader {
  offset = 0;
  readonly view: DataView;
  constructor(readonly buffer: Uint8Array, readonly source: string) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  #need(count: number): void {
    if (this.offset + count > this.buffer.length) {
      throw new RecordError(`${this.source}: protobuf message truncated at byte ${this.offset}`);
    }
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      this.#need(1);
      const byte = this.buffer[this.offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new RecordError(`${this.source}: varint too long`);
    }
  }

  double(): number {
    this.#need(8);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  float(): number {
    this.#need(4);
    const value = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return value;
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    this.#need(length);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.double();
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.float();
    else throw new RecordError(`${this.source}: unsupported wire type ${wireType}`);
  }
}

function decodeScalar(bytes: Uint8Array, source: string): ScalarValue | undefined {
  const reader = new ProtoReader(bytes, source);
  let tag = "";
  let value: number | undefined;
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === 2) tag = new TextDecoder().decode(reader.bytes());
    else if (field === 2 && wireType === 5) value = reader.float();
    else reader.skip(wireType);
  }
  return value === undefined ? undefined : { tag, value };
}

/**
 * Decodes the `Event` fields {@link encodeEvent} writes; other fields are skipped.
 *
 * @param bytes one record payload
 * @param source a name for error messages
 * @returns the decoded event
 * @example
 * ```ts
 * const bytes = await Deno.readFile("logs/run/events.out.tfevents.1.host");
 * const events = parseRecords(bytes).map((record) => decodeEvent(record));
 * ```
 */
export function decodeEvent(bytes: Uint8Array, source = "<event>"): TensorBoardEvent {
  const reader = new ProtoReader(bytes, source);
  const event: TensorBoardEvent = { wallTime: 0, step: 0 };
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === 1) event.wallTime = reader.double();
    else if (field === 2 && wireType === 0) event.step = Number(BigInt.asIntN(64, reader.varint()));
    else if (field === 3 && wireType === 2) {
      event.fileVersion = new TextDecoder().decode(reader.bytes());
    } else if (field === 5 && wireType === 2) {
      const summary = new ProtoReader(reader.bytes(), source);
      event.scalars ??= [];
      while (!summary.done) {
        const summaryKey = Number(summary.varint());
        if (summaryKey >>> 3 === 1 && (summaryKey & 7) === 2) {
          const scalar = decodeScalar(summary.bytes(), source);
          if (scalar) event.scalars.push(scalar);
        } else summary.skip(summaryKey & 7);
      }
    } else reader.skip(wireType);
  }
  return event;
}

/**
 * Reads a whole event file: verifies every record's CRCs and decodes the events.
 *
 * @param path an `events.out.tfevents.*` file
 * @returns its events, in order (the first one carries `fileVersion`)
 * @throws RecordError naming the file when it is truncated or corrupted
 * @example
 * ```ts
 * const events = await readEventFile("logs/run1/train/events.out.tfevents.1700000000.host");
 * ```
 */
export async function readEventFile(path: string): Promise<TensorBoardEvent[]> {
  const bytes = await Deno.readFile(path);
  return parseRecords(bytes, path).map((record) => decodeEvent(record, path));
}

/**
 * Appends scalar events to `<logDir>/events.out.tfevents.<secs>.<host>`, the file TensorBoard
 * watches. Each event is appended and flushed at once, so TensorBoard sees a run live and a
 * crash loses at most the event being written.
 */
export class EventFileWriter {
  #file: Deno.FsFile | undefined;

  private constructor(readonly path: string, file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Creates the log folder and a new event file whose first record is the file version.
   *
   * @param logDir folder for this run (TensorBoard shows each folder as a run)
   * @param options.wallTime seconds since the epoch to name the file (default: now)
   * @example
   * ```ts
   * const writer = await EventFileWriter.create("logs/lstm/train");
   * ```
   */
  static async create(
    logDir: string,
    options: { wallTime?: number } = {},
  ): Promise<EventFileWriter> {
    await Deno.mkdir(logDir, { recursive: true });
    const wallTime = options.wallTime ?? Date.now() / 1000;
    let host = "localhost";
    try {
      host = hostname();
    } catch {
      // Without --allow-sys the host name is unknown; the name only has to be unique-ish.
    }
    const path = join(logDir, `events.out.tfevents.${Math.floor(wallTime)}.${host}`);
    const file = await Deno.open(path, { write: true, create: true, append: true });
    const writer = new EventFileWriter(path, file);
    await writer.writeEvent({ wallTime, step: 0, fileVersion: "brain.Event:2" });
    return writer;
  }

  /**
   * Appends one framed event.
   *
   * @param event the event to write
   * @example
   * ```ts
   * const writer = await EventFileWriter.create("logs/lstm/train");
   * await writer.writeEvent({ wallTime: Date.now() / 1000, step: 1, scalars: [{ tag: "x", value: 1 }] });
   * ```
   */
  async writeEvent(event: TensorBoardEvent): Promise<void> {
    if (!this.#file) throw new Error(`${this.path}: event writer is closed`);
    const bytes = frameRecord(encodeEvent(event));
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
  }

  /**
   * Appends the run's hyperparameters for TensorBoard's HParams dashboard (see
   * {@link encodeHparamsEvent}).
   *
   * @param hparams name -> value
   * @param options `groupName`: runs of one group are shown together (default: none)
   * @example
   * ```ts
   * const writer = await EventFileWriter.create("logs/lstm/train");
   * await writer.addHparams({ model: "gru", learning_rate: 0.001 });
   * ```
   */
  async addHparams(
    hparams: Record<string, HparamValue>,
    options: { groupName?: string } = {},
  ): Promise<void> {
    if (!this.#file) throw new Error(`${this.path}: event writer is closed`);
    const bytes = frameRecord(encodeHparamsEvent(hparams, options));
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
  }

  /**
   * Appends one event holding the given scalars at `step`.
   *
   * @param scalars tag -> value, e.g. `{ epoch_loss: 0.4, epoch_accuracy: 0.9 }`
   * @param step the global step (epoch)
   * @example
   * ```ts
   * const writer = await EventFileWriter.create("logs/lstm/train");
   * await writer.addScalars({ epoch_loss: 0.4 }, 0);
   * ```
   */
  addScalars(scalars: Record<string, number>, step: number): Promise<void> {
    const values = Object.entries(scalars).map(([tag, value]) => ({ tag, value }));
    return this.writeEvent({ wallTime: Date.now() / 1000, step, scalars: values });
  }

  /**
   * Appends one scalar at `step`.
   *
   * @param tag chart name
   * @param value the value
   * @param step the global step (epoch)
   * @example
   * ```ts
   * const writer = await EventFileWriter.create("logs/lstm/train");
   * await writer.addScalar("epoch_loss", 0.4, 0);
   * ```
   */
  addScalar(tag: string, value: number, step: number): Promise<void> {
    return this.addScalars({ [tag]: value }, step);
  }

  /** Closes the file; further writes throw. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
