// Core instances for the simulator: the same build/fama.wasm as the daemons, under a WASI
// shim whose random_get draws from a seeded stream (the PHKTs, first sequence numbers,
// binding-cache key and nonces of a run are then reproducible too), and the MNs' key pool.
//
// Keys: RSA key generation takes 50-100 ms (2048 bits), so MNs share a small pool of keys;
// each MN has its own CGA modifier (Sec 0: any modifier satisfies Hash2), hence its own
// addresses. The private keys stay in node:crypto (host/keys.ts), as in the MN agent.
import { WASI } from "node:wasi";
import { writeSync } from "node:fs";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { compileCore, wrapInstance, type Core } from "../wasm.js";
import { spkiDer } from "../keys.js";
import { Rng } from "./rng.js";

const SHIMMED = new Set(["random_get", "proc_exit", "fd_write"]);

/**
 * A core whose random_get is the given stream. When the module imports only random_get,
 * proc_exit and fd_write (today's core), a small shim provides them: an instance then costs
 * about half of one under node:wasi (0.42 against 0.79 ms here, garbage collection
 * included), which matters with a fresh MN instance per handover. Any other import: node:wasi.
 */
export function seededCore(rng: Rng): Core {
  const module = compileCore();
  let memory: WebAssembly.Memory | null = null;
  const randomGet = (ptr: number, len: number): number => {
    if (!memory) return 8; // EBADF: no memory yet
    rng.fill(new Uint8Array(memory.buffer, ptr, len));
    return 0;
  };
  const shimmed = WebAssembly.Module.imports(module).every((i) => i.module === "wasi_snapshot_preview1" && SHIMMED.has(i.name));
  if (shimmed) {
    const imports = {
      random_get: randomGet,
      proc_exit(code: number): never { throw new Error(`the core exited (status ${code})`); },
      // the core writes only its abort message (fd 2): copied to stderr
      fd_write(fd: number, iovs: number, count: number, written: number): number {
        const v = new DataView(memory!.buffer);
        let n = 0;
        for (let i = 0; i < count; i++) {
          const base = v.getUint32(iovs + 8 * i, true), len = v.getUint32(iovs + 8 * i + 4, true);
          if (fd === 1 || fd === 2) writeSync(2, new Uint8Array(memory!.buffer, base, len));
          n += len;
        }
        v.setUint32(written, n, true);
        return 0;
      },
    };
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports } as WebAssembly.Imports);
    memory = instance.exports.memory as WebAssembly.Memory;
    (instance.exports._initialize as () => void)();
    return wrapInstance(instance);
  }
  const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" }, returnOnExit: true });
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: { ...wasi.wasiImport, random_get: randomGet } } as WebAssembly.Imports);
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
