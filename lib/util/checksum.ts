/**
 * SHA-256 checksums of files and buffers (Web Crypto), as lower-case hex, for manifests that
 * detect a changed, truncated or swapped file before it is used.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./checksum.ts";
 * await sha256Hex(new TextEncoder().encode("abc")); // "ba7816bf8f01cfea…"
 * ```
 * @module
 */

/**
 * Lower-case hex SHA-256 of some bytes.
 *
 * @param bytes the data
 * @returns 64 hex digits
 * @example
 * ```ts
 * await sha256Hex(new Uint8Array([1, 2, 3]));
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
