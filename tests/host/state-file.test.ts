// The DAR's state file (host/state-file.ts): the snapshot's base64 is written and read slice by
// slice, so the file must stay exactly the JSON it always was, and files written by anything
// else (whitespace, escaped slashes) must still read back the same bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { readStateFile, writeStateFile } from "../../host/state-file.js";
import { InputError } from "../../host/errors.js";

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "fama-state-file-"));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

// sizes around the 196,608-byte slice, with each base64 padding (0, 1, 2 "=")
const SIZES = [0, 1, 2, 3, 196_607, 196_608, 196_609, 3 * 196_608 + 2];

test("state file: what is written is the plain JSON wrapper and reads back byte for byte", () => {
  withDir((dir) => {
    for (const n of SIZES) {
      const path = join(dir, `s${n}.json`);
      const snap = new Uint8Array(randomBytes(n));
      writeStateFile(path, snap);
      const text = readFileSync(path, "utf8");
      assert.ok(text.endsWith("\"}\n"), `size ${n}: one line`);
      const json = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), ["format", "version", "savedAt", "snapshot"]);
      assert.equal(json.format, "fama-dar-state");
      assert.equal(json.snapshot, Buffer.from(snap).toString("base64"), `size ${n}: one base64 string`);
      assert.deepEqual(readStateFile(path), snap, `size ${n}: read back`);
    }
  });
});

test("state file: a view into a larger buffer writes only the view's bytes", () => {
  withDir((dir) => {
    const big = new Uint8Array(randomBytes(1000));
    const view = big.subarray(17, 17 + 500);
    const path = join(dir, "v.json");
    writeStateFile(path, view);
    assert.deepEqual(readStateFile(path), new Uint8Array(view));
  });
});

test("state file: hand-written JSON (spaces, escaped slashes, other key order) reads the same bytes", () => {
  withDir((dir) => {
    const snap = new Uint8Array(randomBytes(4096));
    const b64 = Buffer.from(snap).toString("base64");
    assert.ok(b64.includes("/"), "the sample must hold a slash to escape");
    const path = join(dir, "h.json");
    writeFileSync(path, `{\n  "snapshot" : "${b64.replaceAll("/", "\\/")}",\n  "version": 1, "format": "fama-dar-state", "savedAt": "x"\n}\n`);
    assert.deepEqual(readStateFile(path), snap);
    writeFileSync(path, `{"format":"fama-dar-state","version":1,"savedAt":"x","snapshot":"${b64.replaceAll("/", "\\/")}"}`);
    assert.deepEqual(readStateFile(path), snap);
  });
});

test("state file: not JSON, or not ours: InputError naming the file", () => {
  withDir((dir) => {
    const path = join(dir, "bad.json");
    writeFileSync(path, `{"format":"fama-dar-state","version":1,"snapshot":"AAAA"`);
    assert.throws(() => readStateFile(path), (e: unknown) => e instanceof InputError && /not valid JSON/.test((e as Error).message) && (e as Error).message.includes(path));
    writeFileSync(path, `{"format":"other","version":1,"snapshot":"AAAA"}`);
    assert.throws(() => readStateFile(path), (e: unknown) => e instanceof InputError && /not a fama-dar-state version 1 file/.test((e as Error).message));
    assert.equal(readStateFile(join(dir, "absent.json")), null);
  });
});
