// The compiled-artifact cache of the wasmtime runtime (host/runtime/artifact-cache.ts), through
// `fama decode --runtime wasmtime` in fresh processes: the first start writes the artifact
// (0600 in a 0700 directory), the next loads it instead of compiling, a corrupt artifact is
// replaced, and one that others could have written is never loaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../host/paths.js";
import { noWasmtime } from "../support/runtimes.js";

const CLI = join(REPO_ROOT, "build/js/host/cli.js");
// A Binding Error-sized packet is enough: the point is that the core ran.
const HEX = "6000000000083b40" + "20010db8000000000000000000000001".repeat(2) + "3b00070000000000";

function decode(cache: string): string {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "decode", "--runtime", "wasmtime", "--hex", HEX],
    { encoding: "utf8", env: { ...process.env, FAMA_WASMTIME_CACHE: cache } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("wasmtime artifacts: written private, loaded when trusted, replaced when corrupt, ignored when others could write them", { skip: noWasmtime }, () => {
  const root = mkdtempSync(join(tmpdir(), "fama-cwasm-"));
  const cache = join(root, "cache");
  try {
    const expected = decode(cache);
    assert.match(expected, /^\{"ok":/);
    const [name, ...more] = readdirSync(cache);
    assert.ok(name?.endsWith(".cwasm") && more.length === 0, `one artifact: ${readdirSync(cache).join(", ")}`);
    const file = join(cache, name);
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const first = statSync(file);

    // Trusted: loaded, not rewritten.
    assert.equal(decode(cache), expected);
    assert.equal(statSync(file).ino, first.ino, "a trusted artifact is loaded, not replaced");

    // Group-writable: never loaded; a fresh one replaces it.
    chmodSync(file, 0o620);
    assert.equal(decode(cache), expected);
    assert.notEqual(statSync(file).ino, first.ino, "an artifact others could write is compiled anew");
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // Corrupt: wasmtime refuses it; compiled again and replaced.
    writeFileSync(file, Buffer.from("not an artifact"), { mode: 0o600 });
    assert.equal(decode(cache), expected);
    assert.ok(statSync(file).size > 100_000, "a real artifact again");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
