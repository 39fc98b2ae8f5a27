// The DAR's saved state on disk: a JSON wrapper around the core's binding-cache
// snapshot (versioned and checksummed by the core itself). Written with
// write-then-rename so a crash leaves either the old file or the new one.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { InputError } from "./errors.js";

const FORMAT = "fama-dar-state";
const VERSION = 1;

interface StateFileJson { format: string; version: number; savedAt: string; snapshot: string }

/** Base64 is decoded and encoded in slices of this many bytes (a multiple of 3 and of 4), so a
 *  snapshot of a million bindings never becomes one 128 MB string. */
const SLICE = 3 * 4 * 16384;
const SNAPSHOT_KEY = Buffer.from('"snapshot":"');

/** The snapshot in `path`, or null when the file does not exist. */
export function readStateFile(path: string): Uint8Array | null {
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  // The base64 payload is cut out of the bytes and decoded slice by slice; the rest (small) is
  // parsed as JSON with an empty snapshot string in its place.
  const at = buf.indexOf(SNAPSHOT_KEY);
  const start = at < 0 ? -1 : at + SNAPSHOT_KEY.length;
  const end = start < 0 ? -1 : buf.indexOf(0x22, start);
  let json: StateFileJson;
  try {
    const rest = end < 0 ? buf : Buffer.concat([buf.subarray(0, start), buf.subarray(end)]);
    json = JSON.parse(rest.toString("utf8")) as StateFileJson;
  } catch (err) {
    throw new InputError(`state file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (json?.format !== FORMAT || json.version !== VERSION || typeof json.snapshot !== "string") {
    throw new InputError(`state file ${path} is not a ${FORMAT} version ${VERSION} file`);
  }
  // JSON.parse kept the key when it found it, so json.snapshot is "" exactly when it was cut out.
  if (end >= 0 && json.snapshot === "") {
    const fast = decodeBase64(buf.subarray(start, end));
    if (fast) return fast;
    // not plain base64 (escapes, whitespace): read it the slow way
    json = JSON.parse(buf.toString("utf8")) as StateFileJson;
  }
  return new Uint8Array(Buffer.from(json.snapshot, "base64"));
}

/** Plain base64 (only the alphabet, padded) decoded slice by slice; null for anything else. */
function decodeBase64(text: Buffer): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.length === 0 ? 0 : (text[text.length - 1] === 0x3d ? 1 : 0) + (text[text.length - 2] === 0x3d ? 1 : 0);
  const slice = (SLICE / 3) * 4;
  const parts: Buffer[] = [];
  let total = 0;
  for (let o = 0; o < text.length; o += slice) {
    const part = Buffer.from(text.subarray(o, Math.min(text.length, o + slice)).toString("latin1"), "base64");
    parts.push(part);
    total += part.length;
  }
  // Buffer's decoder skips characters outside the alphabet: a short result means there were some.
  if (total !== (text.length / 4) * 3 - padding) return null;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

type Sink = (chunk: string | Uint8Array) => void;

/** Writes bytes to `path` durably: a temporary file, fsync, rename over the old one, fsync the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array | ((write: Sink) => void)): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    const write: Sink = (chunk) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      let done = 0;
      while (done < b.length) done += writeSync(fd, b, done, b.length - done);
    };
    if (typeof data === "function") data(write);
    else write(data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Writes the state file around `snapshot` (which may be a view of the core's memory: it is
 *  read, never kept), base64-encoding it slice by slice. */
export function writeStateFile(path: string, snapshot: Uint8Array): void {
  const head = JSON.stringify({ format: FORMAT, version: VERSION, savedAt: new Date().toISOString(), snapshot: "" });
  writeFileAtomic(path, (write) => {
    write(head.slice(0, -2)); // up to and including the snapshot's opening quote
    for (let o = 0; o < snapshot.length; o += SLICE) {
      const part = snapshot.subarray(o, Math.min(snapshot.length, o + SLICE));
      write(Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString("base64"));
    }
    write("\"}\n");
  });
}
