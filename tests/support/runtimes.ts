// The three WASI runtimes the core is tested under (node:wasi in V8, @wasmer/wasi, wasmtime
// through its C API), each fed the same seeded random stream instead of the host's random_get
// (the `random` test seam of host/wasm.ts), so their outputs can be compared byte for byte;
// and a reproducible packet corpus for the cross-runtime and fuel tests.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { init, WASI as WasmerWASI } from "@wasmer/wasi";
import { compileCore, loadCore, wrapInstance, type Core } from "../../host/wasm.js";
import { locateLibwasmtime } from "../../host/runtime/locate.js";
import { readPcap } from "../../host/pcap.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { rng } from "./rng.js";
import { fixMhChecksum, upperLayer, NH_MH } from "./packets.js";

/** A skip reason for the tests that need libwasmtime, when it is not installed (CI installs it). */
export const noWasmtime: string | false = (() => {
  try { locateLibwasmtime(); return false; } catch (e) { return `needs libwasmtime: ${(e as Error).message}`; }
})();

export const RUNTIME_NAMES = ["node:wasi", "@wasmer/wasi", "wasmtime"] as const;
export type TestRuntime = (typeof RUNTIME_NAMES)[number];

/** A deterministic byte stream (xorshift32) standing in for random_get. */
export function seededRandom(seed: number): (out: Uint8Array) => void {
  const r = rng(seed);
  return (out) => { for (let i = 0; i < out.length; i++) out[i] = r.next() & 0xff; };
}

let wasmerReady: Promise<void> | null = null;
export const initWasmer = (): Promise<void> => (wasmerReady ??= init().then(() => undefined));

/** Instantiates under @wasmer/wasi (call initWasmer first); `random` replaces its random_get. */
export function loadUnderWasmer(random?: (out: Uint8Array) => void): { core: Core; wasi: WasmerWASI } {
  const wasi = new WasmerWASI({ args: [], env: { FAMA: "1" } });
  const module = compileCore();
  const imports = wasi.getImports(module) as Record<string, Record<string, unknown>>;
  let memory: WebAssembly.Memory | null = null;
  if (random) imports.wasi_snapshot_preview1!.random_get = (ptr: number, len: number) => { random(new Uint8Array(memory!.buffer, ptr, len)); return 0; };
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  wasi.instantiate(instance, {});
  (instance.exports._initialize as () => void)();
  return { core: wrapInstance(instance), wasi };
}

/** The core under `runtime`, on the random stream `seed` (await initWasmer() before using wasmer). */
export function loadUnder(runtime: TestRuntime, seed: number): Core {
  const random = seededRandom(seed);
  switch (runtime) {
    case "node:wasi": return loadCore(undefined, { runtime: "node", random });
    case "@wasmer/wasi": return loadUnderWasmer(random).core;
    case "wasmtime": return loadCore(undefined, { runtime: "wasmtime", random });
  }
}

/** Every packet of the vector set: DAR scenario inputs, then the MH valid and invalid sets. */
export function vectorPackets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dir = join(VECTORS_DIR, "dar");
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".in.pcap")).sort()) for (const p of readPcap(join(dir, f)).packets) out.push(p.data);
  for (const f of ["valid.pcap", "invalid.pcap"]) for (const p of readPcap(join(VECTORS_DIR, "mh", f)).packets) out.push(p.data);
  return out;
}

const PLEN = 4;

/**
 * `count` mutants of `seeds` (bit flips, byte sets, truncation, extension, 1-3 deep), most with
 * a consistent IPv6 Payload Length and half with a correct MH checksum, so they get past the
 * first gates; reproducible from `seed`.
 */
export function mutants(seeds: Uint8Array[], count: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    let p: Uint8Array = seeds[r.below(seeds.length)]!.slice();
    for (let depth = 1 + r.below(3); depth > 0; depth--) {
      switch (r.below(4)) {
        case 0: if (p.length) p[r.below(p.length)]! ^= 1 << r.below(8); break;
        case 1: if (p.length) p[r.below(p.length)] = r.next() & 0xff; break;
        case 2: p = p.slice(0, r.below(p.length + 1)); break;
        case 3: { const q = new Uint8Array(p.length + 1 + r.below(64)); q.set(p); for (let i = p.length; i < q.length; i++) q[i] = r.next() & 0xff; p = q; break; }
      }
    }
    if (p.length >= 40 && r.chance(0.8)) { p[PLEN] = (p.length - 40) >> 8; p[PLEN + 1] = (p.length - 40) & 0xff; }
    if (p.length >= 48 && r.chance(0.5)) {
      try { if (upperLayer(p).nh === NH_MH) fixMhChecksum(p, null, null); } catch { /* no header chain to walk */ }
    }
    out.push(p);
  }
  return out;
}
