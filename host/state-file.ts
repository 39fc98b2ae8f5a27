// The DAR's saved state on disk: a JSON wrapper around the core's binding-cache
// snapshot (versioned and checksummed by the core itself). Written with
// write-then-rename so a crash leaves either the old file or the new one.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { InputError } from "./errors.js";

const FORMAT = "fama-dar-state";
const VERSION = 1;

interface StateFileJson { format: string; version: number; savedAt: string; snapshot: string }

/** The snapshot in `path`, or null when the file does not exist. */
export function readStateFile(path: string): Uint8Array | null {
  if (!existsSync(path)) return null;
  let json: StateFileJson;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as StateFileJson;
  } catch (err) {
    throw new InputError(`state file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (json?.format !== FORMAT || json.version !== VERSION || typeof json.snapshot !== "string") {
    throw new InputError(`state file ${path} is not a ${FORMAT} version ${VERSION} file`);
  }
  return new Uint8Array(Buffer.from(json.snapshot, "base64"));
}

/** Writes bytes to `path` durably: a temporary file, fsync, rename over the old one, fsync the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
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

export function writeStateFile(path: string, snapshot: Uint8Array): void {
  const json: StateFileJson = {
    format: FORMAT,
    version: VERSION,
    savedAt: new Date().toISOString(),
    snapshot: Buffer.from(snapshot).toString("base64"),
  };
  writeFileAtomic(path, JSON.stringify(json) + "\n");
}
