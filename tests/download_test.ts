/**
 * Download + extract against a loopback HTTP server (never an outside host): success with a
 * verified checksum, resume with a Range request, restart when ranges are ignored, checksum
 * mismatch and HTTP 404 leaving nothing behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  downloadAndExtract,
  downloadFile,
  hasUnzip,
  sha256File,
  TESS_SOURCE,
} from "../lib/data_loader/download.ts";
import { skipped } from "./shared_data.ts";

/** CRC-32 (IEEE), as zip needs it. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A minimal zip (stored, no compression) holding the given files. */
function buildZip(files: Record<string, Uint8Array>): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = encoder.encode(name);
    const crc = crc32(data);
    const local = new Uint8Array(30 + nameBytes.length + data.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    local.set(data, 30 + nameBytes.length);
    const central = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    central.set(nameBytes, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, centrals.length, true);
  ev.setUint16(10, centrals.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const CLIP_A = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
const CLIP_B = new TextEncoder().encode("second file\n".repeat(300));
const ZIP = buildZip({
  "TESS data/OAF_angry/OAF_back_angry.wav": CLIP_A,
  "TESS data/OAF_sad/OAF_back_sad.wav": CLIP_B,
});

/** Serves ZIP at /corpus.zip (with Range support) and /no-range.zip (ignores Range). */
function startServer() {
  const rangeRequests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const range = request.headers.get("range");
    if (path === "/corpus.zip" || path === "/no-range.zip") {
      if (range && path === "/corpus.zip") {
        rangeRequests.push(range);
        const start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
        if (start >= ZIP.length) return new Response(null, { status: 416 });
        return new Response(ZIP.slice(start), {
          status: 206,
          headers: {
            "content-range": `bytes ${start}-${ZIP.length - 1}/${ZIP.length}`,
            "content-length": String(ZIP.length - start),
          },
        });
      }
      return new Response(ZIP, { headers: { "content-length": String(ZIP.length) } });
    }
    return new Response("not here", { status: 404, statusText: "Not Found" });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { server, base, rangeRequests };
}

if (!hasUnzip()) skipped("download_test: extraction and the download-tess CLI", "unzip not found");

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("download: sha256File matches the standard test vector", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "abc"), "abc");
    assert.equal(
      await sha256File(join(dir, "abc")),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "download-tess CLI: no checksum enforced by default, --sha256 enforces one, --force",
  ignore: !hasUnzip(),
  fn: async () => {
    // README and the CLI say: Dataverse publishes no checksum of its zip, so none is pinned.
    assert.equal(TESS_SOURCE.sha256, null);
    const { server, base } = startServer();
    const dir = await Deno.makeTempDir();
    const cli = async (...args: string[]) => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("../cli/download_tess.ts", import.meta.url).pathname, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      return { code: output.code, text };
    };
    try {
      const out = join(dir, "TESS");
      const url = `${base}/corpus.zip`;
      const plain = await cli("--out", out, "--url", url);
      assert.equal(plain.code, 0, plain.text);
      assert.match(plain.text, new RegExp(`SHA-256 ${await sha256Hex(ZIP)} \\(not verified`));
      assert.match(plain.text, /2 files \(2 audio clips\)/);
      // A second run leaves the folder alone unless forced.
      const again = await cli("--out", out, "--url", url);
      assert.equal(again.code, 0, again.text);
      assert.match(again.text, /already has files; use --force/);
      const wrong = await cli("--out", out, "--url", url, "--force", "--sha256", "00".repeat(32));
      assert.equal(wrong.code, 1, wrong.text);
      assert.match(wrong.text, /checksum|SHA-256/i);
      const pinned = await cli(
        "--out",
        out,
        "--url",
        url,
        "--force",
        "--sha256",
        await sha256Hex(ZIP),
      );
      assert.equal(pinned.code, 0, pinned.text);
      assert.match(pinned.text, /\(verified\)/);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "download: verified download is extracted and the zip removed",
  ignore: !hasUnzip(),
  fn: async () => {
    const { server, base } = startServer();
    const dir = await Deno.makeTempDir();
    try {
      const outDir = join(dir, "TESS");
      const result = await downloadAndExtract({
        url: `${base}/corpus.zip`,
        outDir,
        sha256: (await sha256Hex(ZIP)).toUpperCase(),
        silent: true,
      });
      assert.equal(result.verified, true);
      assert.equal(result.bytes, ZIP.length);
      assert.equal(result.sha256, await sha256Hex(ZIP));
      assert.deepEqual(result.files, [
        "TESS data/OAF_angry/OAF_back_angry.wav",
        "TESS data/OAF_sad/OAF_back_sad.wav",
      ]);
      assert.deepEqual(
        await Deno.readFile(join(outDir, "TESS data/OAF_angry/OAF_back_angry.wav")),
        CLIP_A,
      );
      assert.deepEqual(
        await Deno.readFile(join(outDir, "TESS data/OAF_sad/OAF_back_sad.wav")),
        CLIP_B,
      );
      assert.deepEqual(await listNames(dir), ["TESS"], "no zip, .part or temp folder left");
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("download: checksum mismatch is a clear error and leaves no file", async () => {
  const { server, base } = startServer();
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      downloadAndExtract({
        url: `${base}/corpus.zip`,
        outDir: join(dir, "TESS"),
        sha256: "0".repeat(64),
        silent: true,
      }),
      (error: Error) => {
        assert.match(error.message, /checksum mismatch/);
        assert.match(error.message, /expected SHA-256 0{64}/);
        assert.ok(error.message.includes(`${base}/corpus.zip`));
        return true;
      },
    );
    assert.deepEqual(await listNames(dir), []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: HTTP 404 is a clear error and leaves no file", async () => {
  const { server, base } = startServer();
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      downloadAndExtract({ url: `${base}/missing.zip`, outDir: join(dir, "TESS"), silent: true }),
      /missing\.zip answered HTTP 404/,
    );
    assert.deepEqual(await listNames(dir), []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: an interrupted .part is resumed with a Range request", async () => {
  const { server, base, rangeRequests } = startServer();
  const dir = await Deno.makeTempDir();
  try {
    const dest = join(dir, "corpus.zip");
    const half = Math.floor(ZIP.length / 2);
    await Deno.writeFile(`${dest}.part`, ZIP.slice(0, half));
    const result = await downloadFile({
      url: `${base}/corpus.zip`,
      dest,
      sha256: await sha256Hex(ZIP),
      silent: true,
    });
    assert.equal(result.resumed, true);
    assert.deepEqual(rangeRequests, [`bytes=${half}-`]);
    assert.deepEqual(await Deno.readFile(dest), ZIP);
    assert.deepEqual(await listNames(dir), ["corpus.zip"]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a server that ignores Range makes the download restart cleanly", async () => {
  const { server, base } = startServer();
  const dir = await Deno.makeTempDir();
  try {
    const dest = join(dir, "corpus.zip");
    // Stale bytes that are not a prefix of the file: appending would corrupt it.
    await Deno.writeFile(`${dest}.part`, new Uint8Array(1234).fill(0xee));
    const result = await downloadFile({
      url: `${base}/no-range.zip`,
      dest,
      sha256: await sha256Hex(ZIP),
      silent: true,
    });
    assert.equal(result.resumed, false);
    assert.deepEqual(await Deno.readFile(dest), ZIP);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: without an expected checksum the hash is reported, not verified", async () => {
  const { server, base } = startServer();
  const dir = await Deno.makeTempDir();
  try {
    const result = await downloadFile({
      url: `${base}/corpus.zip`,
      dest: join(dir, "corpus.zip"),
      silent: true,
    });
    assert.equal(result.verified, false);
    assert.equal(result.sha256, await sha256Hex(ZIP));
    await assert.rejects(
      downloadFile({
        url: `${base}/corpus.zip`,
        dest: join(dir, "x.zip"),
        sha256: "abc",
        silent: true,
      }),
      /not 64 hex digits/,
    );
    assert.deepEqual(await listNames(dir), ["corpus.zip"]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
