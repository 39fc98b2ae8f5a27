// Finding libwasmtime and refusing the wrong one (host/runtime/locate.ts): an explicit
// FAMA_LIBWASMTIME that does not exist, or that is not wasmtime 49, is a clear error and exit 1
// from any command that runs the core under wasmtime; the installed Python package is found
// without it; FAMA_RUNTIME picks the runtime, and a bad value is a usage error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../host/paths.js";
import { locateLibwasmtime, WASMTIME_VERSION } from "../../host/runtime/locate.js";
import { noWasmtime } from "../support/runtimes.js";

const CLI = join(REPO_ROOT, "build/js/host/cli.js");
const decode = (env: Record<string, string>, ...extra: string[]) =>
  spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "decode", ...extra, "--hex", "6000"], { encoding: "utf8", env: { ...process.env, ...env } });

test("the wasmtime Python package is found and is wasmtime 49", { skip: noWasmtime }, () => {
  const found = locateLibwasmtime({});
  assert.equal(found.source, "python package");
  assert.match(found.path, /wasmtime\/linux-(x86_64|aarch64)\/_libwasmtime\.so$/);
  assert.equal(found.version, WASMTIME_VERSION);
});

test("FAMA_LIBWASMTIME naming no file is a clear error", () => {
  const r = decode({ FAMA_LIBWASMTIME: "/nonexistent/libwasmtime.so" }, "--runtime", "wasmtime");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /FAMA_LIBWASMTIME=\/nonexistent\/libwasmtime\.so: no such file/);
});

test("a library that is not wasmtime 49 is refused before it is bound", () => {
  const r = decode({ FAMA_LIBWASMTIME: "/lib/x86_64-linux-gnu/libc.so.6", FAMA_RUNTIME: "wasmtime" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is wasmtime of an unknown version; fama needs 49\.0\.0 \(pip install wasmtime==49\.0\.0\)/);
});

test("FAMA_RUNTIME selects the runtime; --runtime overrides it; a bad value is a usage error", () => {
  assert.equal(decode({ FAMA_RUNTIME: "wasmtime", FAMA_LIBWASMTIME: "/nonexistent" }).status, 1, "FAMA_RUNTIME=wasmtime loads wasmtime");
  assert.equal(decode({ FAMA_RUNTIME: "wasmtime", FAMA_LIBWASMTIME: "/nonexistent" }, "--runtime", "node").status, 0, "--runtime node wins");
  const bad = decode({ FAMA_RUNTIME: "v8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /FAMA_RUNTIME must be one of node, wasmtime, not 'v8'/);
  const badFlag = decode({}, "--runtime", "v8");
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /--runtime must be one of node, wasmtime, not 'v8'/);
});
