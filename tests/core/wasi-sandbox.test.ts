// The WASI sandbox: the core asks its host for nothing but the WASI preview1 functions listed
// below, and behaves the same under three independent WASI hosts (node:wasi, the default;
// @wasmer/wasi; wasmtime through its C API, the second production runtime). Under wasmtime, a
// probe module given the core's own sandbox (no preopens, no arguments, no environment) shows
// that opening a file or reading the environment fails cleanly, and traps and exits come back
// as errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileCore, loadCore } from "../../host/wasm.js";
import { CoreTrap, wasmtimeEngine, wat2wasm } from "../../host/runtime/wasmtime.js";
import { initWasmer, loadUnderWasmer, noWasmtime } from "../support/runtimes.js";
import { decodePacket } from "../../host/core/mh.js";
import { readPcap } from "../../host/pcap.js";
import { VECTORS_DIR } from "../../host/paths.js";

/**
 * Every import of build/fama.wasm. A change here must be deliberate: a new import is a new
 * capability the core asks of its host.
 */
const EXPECTED_IMPORTS = [
  // DESIGN.md: randomness only from WASI. The DAR draws each 64-bit PHKT and its nonce secret
  // Kdar here, the MN its CGA modifier (assembly/random.ts).
  { module: "wasi_snapshot_preview1", name: "random_get", kind: "function" },
  // The two below come from @assemblyscript/wasi-shim's abort handler: an AssemblyScript runtime
  // abort (out of memory in `alloc` at configuration time, a failed internal assertion) writes
  // its message to stderr (fd 2) and exits. Packet input never reaches it (the fuzz test).
  { module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" },
  { module: "wasi_snapshot_preview1", name: "proc_exit", kind: "function" },
].sort((a, b) => a.name.localeCompare(b.name));

test("the module imports exactly the WASI functions it needs, and nothing from env", () => {
  const imports = WebAssembly.Module.imports(compileCore()).map(({ module, name, kind }) => ({ module, name, kind }));
  assert.deepEqual(imports.filter((i) => i.module !== "wasi_snapshot_preview1"), [], "only wasi_snapshot_preview1 imports");
  assert.ok(!imports.some((i) => i.module === "env"), "no env imports (env.abort, env.seed, env.trace)");
  assert.deepEqual([...imports].sort((a, b) => a.name.localeCompare(b.name)), EXPECTED_IMPORTS);
});

test("the module is a library: _initialize and memory exported, no _start", () => {
  const exports = WebAssembly.Module.exports(compileCore());
  const names = new Set(exports.map((e) => e.name));
  assert.ok(names.has("_initialize"), "_initialize");
  assert.ok(names.has("memory"), "memory");
  assert.ok(!names.has("_start"), "no _start");
});

test("@wasmer/wasi provides every import the module has", async () => {
  await initWasmer();
  const { WASI } = await import("@wasmer/wasi");
  const provided = new WASI({ args: [], env: {} }).getImports(compileCore()) as Record<string, Record<string, unknown>>;
  for (const i of EXPECTED_IMPORTS) assert.equal(typeof provided[i.module]?.[i.name], "function", `@wasmer/wasi provides ${i.name}`);
});

test("decoding the vector set gives identical output under node:wasi and @wasmer/wasi, and wasmer saw no output", async () => {
  const packets = ["valid.pcap", "invalid.pcap"].flatMap((f) => readPcap(join(VECTORS_DIR, "mh", f)).packets.map((p) => p.data));
  const nodeCore = loadCore(undefined, { runtime: "node" });
  await initWasmer();
  const { core: wasmerCore, wasi } = loadUnderWasmer();
  const viaNode = packets.map((p) => JSON.stringify(decodePacket(nodeCore, p)));
  const viaWasmer = packets.map((p) => JSON.stringify(decodePacket(wasmerCore, p)));
  assert.ok(packets.length >= 60, `${packets.length} vector packets`);
  assert.deepEqual(viaWasmer, viaNode);
  // Not a vacuous equality: both decoded the valid packets and refused the invalid ones.
  const ok = viaNode.filter((s) => (JSON.parse(s) as { ok: boolean }).ok).length;
  assert.ok(ok >= 40 && ok < packets.length, `${ok} of ${packets.length} decoded`);
  // And the core wrote nothing to stdout or stderr under wasmer.
  assert.equal(wasi.getStdoutString(), "");
  assert.equal(wasi.getStderrString(), "");
});

// A module that asks its WASI host for what the core must never get: a preopened directory, a
// file, the environment, the arguments. It runs in exactly the sandbox the core runs in.
const PROBE = `(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "/etc/passwd")
  (func (export "prestat") (param $fd i32) (result i32) (call $prestat (local.get $fd) (i32.const 0)))
  (func (export "open") (param $dirfd i32) (result i32)
    (call $open (local.get $dirfd) (i32.const 0) (i32.const 64) (i32.const 11) (i32.const 0) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 16)))
  (func (export "env_count") (result i32) (drop (call $env (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
  (func (export "env_bytes") (result i32) (drop (call $env (i32.const 0) (i32.const 4))) (i32.load (i32.const 4)))
  (func (export "args_count") (result i32) (drop (call $args (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
  (func (export "trap") unreachable)
  (func (export "exit") (param $status i32) (call $exit (local.get $status))))`;

const ERRNO_BADF = 8, ERRNO_NOTDIR = 54, ERRNO_NOTCAPABLE = 76;

test("wasmtime: no preopened directory, no file can be opened, the environment and arguments are empty", { skip: noWasmtime }, () => {
  const engine = wasmtimeEngine();
  const probe = engine.instantiate(engine.compile(wat2wasm(PROBE))).exports as Record<string, (...a: number[]) => number>;
  for (const fd of [3, 4, 5]) assert.equal(probe.prestat!(fd), ERRNO_BADF, `fd ${fd} is not a preopened directory`);
  for (const fd of [0, 1, 2, 3]) {
    const rc = probe.open!(fd);
    assert.ok([ERRNO_BADF, ERRNO_NOTDIR, ERRNO_NOTCAPABLE].includes(rc), `path_open("/etc/passwd") relative to fd ${fd}: errno ${rc}`);
  }
  assert.equal(probe.env_count!(), 0, "no environment variables");
  assert.equal(probe.env_bytes!(), 0, "no environment bytes");
  assert.equal(probe.args_count!(), 0, "no arguments");
});

test("wasmtime: a trap and a WASI exit come back as errors with wasmtime's message, and the instance goes on", { skip: noWasmtime }, () => {
  const engine = wasmtimeEngine();
  const probe = engine.instantiate(engine.compile(wat2wasm(PROBE))).exports as Record<string, (...a: number[]) => number>;
  assert.throws(() => probe.trap!(), (e: unknown) => e instanceof CoreTrap && e instanceof WebAssembly.RuntimeError &&
    /^trap\(\): .*unreachable/s.test(e.message) && e.exitStatus === undefined && !e.aborted);
  assert.throws(() => probe.exit!(3), (e: unknown) => e instanceof CoreTrap && e.exitStatus === 3 && /exited with status 3/.test(e.message));
  assert.throws(() => probe.exit!(255), (e: unknown) => e instanceof CoreTrap && e.aborted && /aborted/.test(e.message));
  assert.equal(probe.prestat!(3), ERRNO_BADF, "still callable after the trap");
});

test("wasmtime: an AssemblyScript abort in the core (an impossible allocation) is an error, not a crash", { skip: noWasmtime }, () => {
  const core = loadCore(undefined, { runtime: "wasmtime" });
  assert.throws(() => core.exports.alloc(0xffff_fff0), (e: unknown) => e instanceof CoreTrap && e.aborted && /^alloc\(\): the core aborted/.test(e.message));
  // The process is alive and a fresh core works.
  const fresh = loadCore(undefined, { runtime: "wasmtime" });
  const packets = readPcap(join(VECTORS_DIR, "mh", "valid.pcap")).packets.map((p) => p.data);
  assert.ok(decodePacket(fresh, packets[0]!).ok);
});
