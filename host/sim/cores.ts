// Core instances for the simulator: the same build/fama.wasm as the daemons, under a WASI
// shim whose random_get draws from a seeded stream (the PHKTs, first sequence numbers,
// binding-cache key and nonces of a run are then reproducible too), and the MNs' key pool.
//
// Keys: RSA key generation takes 50-100 ms (2048 bits), so MNs share a small pool of keys;
// each MN has its own CGA modifier (Sec 0: any modifier satisfies Hash2), hence its own
// addresses. The private keys stay in node:crypto (host/keys.ts), as in the MN agent.
import { WASI } from "node:wasi";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { compileCore, wrapInstance, type Core } from "../wasm.js";
import { spkiDer } from "../keys.js";
import { Rng } from "./rng.js";

/** A core whose random_get is the given stream. */
export function seededCore(rng: Rng): Core {
  const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" }, returnOnExit: true });
  let memory: WebAssembly.Memory | null = null;
  const imports = {
    ...wasi.wasiImport,
    random_get(ptr: number, len: number): number {
      if (!memory) return 8; // EBADF: no memory yet
      rng.fill(new Uint8Array(memory.buffer, ptr, len));
      return 0;
    },
  };
  const instance = new WebAssembly.Instance(compileCore(), { wasi_snapshot_preview1: imports } as WebAssembly.Imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  wasi.initialize(instance);
  return wrapInstance(instance);
}

export interface PoolKey { key: KeyObject; spki: Uint8Array; bits: number }

export function keyPool(count: number, bits: number): PoolKey[] {
  const out: PoolKey[] = [];
  for (let i = 0; i < count; i++) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 65537 });
    out.push({ key: privateKey, spki: spkiDer(privateKey), bits });
  }
  return out;
}
