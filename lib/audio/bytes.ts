/**
 * Random access to the bytes of a file or buffer, so header parsers can read a few bytes at a
 * time from a large file without loading it whole.
 *
 * @module
 */

/** A readable run of bytes of known total size. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Up to `length` bytes starting at `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Wraps an in-memory buffer as a {@link ByteSource}.
 *
 * @param bytes the whole file
 * @example
 * ```ts
 * const source = bufferSource(new Uint8Array([82, 73, 70, 70]));
 * source.read(0, 2); // Uint8Array [82, 73]
 * ```
 */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/**
 * Wraps an open file as a {@link ByteSource} that reads with positioned, synchronous reads and
 * caches its first `headSize` bytes (where headers almost always live).
 *
 * @param file an open file; the caller closes it
 * @param size the file's size in bytes
 * @param headSize bytes to read up front (default 64 KiB)
 * @example
 * ```ts
 * using file = Deno.openSync("clip.wav");
 * const source = fileSource(file, file.statSync().size);
 * ```
 */
export function fileSource(file: Deno.FsFile, size: number, headSize = 65536): ByteSource {
  const head = readAt(file, 0, Math.min(size, headSize));
  return {
    size,
    read(offset, length) {
      const end = Math.min(size, offset + length);
      if (end <= head.length) return head.subarray(offset, end);
      return readAt(file, offset, Math.max(0, end - offset));
    },
  };
}

function readAt(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < length) {
    const got = file.readSync(out.subarray(filled));
    if (got === null || got === 0) break;
    filled += got;
  }
  return out.subarray(0, filled);
}

/** Reads a 4-character ASCII tag (chunk ids, magic numbers). */
export function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(
    bytes[offset] ?? 0,
    bytes[offset + 1] ?? 0,
    bytes[offset + 2] ?? 0,
    bytes[offset + 3] ?? 0,
  );
}
