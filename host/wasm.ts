// Loads the fama core (build/fama.wasm) under a WASI preview1 host and gives the
// typed wrappers in host/core/ raw access to its exports and linear memory.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";
import { fileURLToPath } from "node:url";

export const RELEASE_WASM = fileURLToPath(new URL("../../fama.wasm", import.meta.url));
export const DEBUG_WASM = fileURLToPath(new URL("../../fama.debug.wasm", import.meta.url));

/** The raw exports; each area's wrapper in host/core/ narrows the ones it uses. */
export type CoreExports = Record<string, WebAssembly.ExportValue> & {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number): void;
};

export interface Core {
  exports: CoreExports;
  /** A fresh view of linear memory (memory.grow detaches older views). */
  bytes(): Uint8Array;
  /** Copies `data` into a new allocation in the module and returns its address. */
  copyIn(data: Uint8Array): number;
  /** Copies `len` bytes out of linear memory. */
  copyOut(ptr: number, len: number): Uint8Array;
}

const compiled: Map<string, WebAssembly.Module> = new Map();

export function compileCore(path = RELEASE_WASM): WebAssembly.Module {
  let module = compiled.get(path);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(path));
    compiled.set(path, module);
  }
  return module;
}

/** Wraps an instance that some WASI host has already initialised. */
export function wrapInstance(instance: WebAssembly.Instance): Core {
  const exports = instance.exports as CoreExports;
  const bytes = () => new Uint8Array(exports.memory.buffer);
  return {
    exports,
    bytes,
    copyIn(data) {
      const ptr = exports.alloc(Math.max(1, data.length));
      bytes().set(data, ptr);
      return ptr;
    },
    copyOut(ptr, len) {
      return bytes().slice(ptr, ptr + len);
    },
  };
}

/** Instantiates the core under node:wasi (the production host). */
export function loadCore(path = RELEASE_WASM): Core {
  // The core reads no environment; one variable keeps AS's process.env happy.
  const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" }, returnOnExit: true });
  const instance = new WebAssembly.Instance(compileCore(path), {
    wasi_snapshot_preview1: wasi.wasiImport,
  } as WebAssembly.Imports);
  wasi.initialize(instance);
  return wrapInstance(instance);
}
