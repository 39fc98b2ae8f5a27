// The WASI sandbox: the core asks its host for nothing but the WASI preview1 functions listed
// below, and behaves the same under two independent WASI hosts (node:wasi, which production
// uses, and @wasmer/wasi).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { init, WASI as WasmerWASI } from "@wasmer/wasi";
import { compileCore, loadCore, wrapInstance, type Core } from "../../host/wasm.js";
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

async function loadUnderWasmer(): Promise<{ core: Core; wasi: WasmerWASI }> {
  await init();
  const wasi = new WasmerWASI({ args: [], env: { FAMA: "1" } });
  const module = compileCore();
  // wasmer must be able to satisfy every import the module has.
  const provided = wasi.getImports(module) as Record<string, Record<string, unknown>>;
  for (const i of EXPECTED_IMPORTS) assert.equal(typeof provided[i.module]?.[i.name], "function", `@wasmer/wasi provides ${i.name}`);
  const instance = wasi.instantiate(module, {});
  (instance.exports._initialize as () => void)();
  return { core: wrapInstance(instance), wasi };
}

test("decoding the vector set gives identical output under node:wasi and @wasmer/wasi", async () => {
  const packets = ["valid.pcap", "invalid.pcap"].flatMap((f) => readPcap(join(VECTORS_DIR, "mh", f)).packets.map((p) => p.data));
  const nodeCore = loadCore();
  const { core: wasmerCore, wasi } = await loadUnderWasmer();
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
