// Loads the fama core (build/fama.wasm) under a WASI preview1 runtime and gives the typed
// wrappers in host/core/ raw access to its exports and linear memory. Two runtimes stand behind
// the one `Core` interface (docs/RUNTIMES.md): node:wasi in V8 (the default) and wasmtime
// through its C API (host/runtime/wasmtime.ts); host/runtime/select.ts says which.
import { fileURLToPath } from "node:url";
import { compileNodeModule, instantiateNode } from "./runtime/node.js";
import { wasmtimeEngine, wasmtimeModule, type LinearMemory } from "./runtime/wasmtime.js";
import { UsageError } from "./errors.js";
import { currentRuntime, type RuntimeName } from "./runtime/select.js";

export { RUNTIMES, currentRuntime, parseRuntime, selectRuntime, type RuntimeName } from "./runtime/select.js";

export const RELEASE_WASM = fileURLToPath(new URL("../../fama.wasm", import.meta.url));
export const DEBUG_WASM = fileURLToPath(new URL("../../fama.debug.wasm", import.meta.url));

/** The raw exports; each area's wrapper in host/core/ narrows the ones it uses. */
export type CoreExports = Record<string, unknown> & {
  /** A WebAssembly.Memory under node; the same shape (buffer, grow) under wasmtime. */
  memory: LinearMemory;
  alloc(size: number): number;
  free(ptr: number): void;
};

export interface Core {
  exports: CoreExports;
  readonly runtime: RuntimeName;
  /** A view of linear memory (valid until the memory grows). */
  bytes(): Uint8Array;
  /** Copies `data` into a new allocation in the module and returns its address. */
  copyIn(data: Uint8Array): number;
  /** Copies `len` bytes out of linear memory. */
  copyOut(ptr: number, len: number): Uint8Array;
  /** Fuel consumed so far: only for a wasmtime core loaded with `fuel: true`. */
  fuelUsed?(): number;
}

export interface LoadOptions {
  runtime?: RuntimeName;
  /** wasmtime only: meter every call's work in fuel (a separately compiled module). */
  fuel?: boolean;
  /** Test seam (differential tests across runtimes): replaces WASI random_get. */
  random?: (out: Uint8Array) => void;
}

export function compileCore(path = RELEASE_WASM): WebAssembly.Module {
  return compileNodeModule(path);
}

/** Wraps exports that some runtime has instantiated and initialised. */
export function coreFromExports(exports: CoreExports, runtime: RuntimeName, fuelUsed?: () => number): Core {
  let buffer: ArrayBuffer | null = null;
  let view = new Uint8Array(0);
  const bytes = (): Uint8Array => {
    const now = exports.memory.buffer;
    if (now !== buffer) {
      buffer = now;
      view = new Uint8Array(now);
    }
    return view;
  };
  return {
    exports,
    runtime,
    bytes,
    copyIn(data) {
      const ptr = exports.alloc(Math.max(1, data.length));
      bytes().set(data, ptr);
      return ptr;
    },
    copyOut(ptr, len) {
      return bytes().slice(ptr, ptr + len);
    },
    ...(fuelUsed ? { fuelUsed } : {}),
  };
}

/** Wraps a WebAssembly instance that some WASI host has already initialised. */
export function wrapInstance(instance: WebAssembly.Instance): Core {
  return coreFromExports(instance.exports as unknown as CoreExports, "node");
}

/** Instantiates the core under the selected runtime and runs its `_initialize`. */
export function loadCore(path = RELEASE_WASM, opts: LoadOptions = {}): Core {
  const runtime = opts.runtime ?? currentRuntime();
  if (runtime === "node") {
    if (opts.fuel) throw new UsageError("fuel metering needs the wasmtime runtime (--runtime wasmtime)");
    return wrapInstance(instantiateNode(path, opts.random));
  }
  const fuel = opts.fuel ?? false;
  const instance = wasmtimeEngine(fuel).instantiate(wasmtimeModule(path, fuel), { random: opts.random });
  const exports = instance.exports as CoreExports;
  // Instantiation does not run a WASI reactor's initializer: the host does, as node:wasi does.
  if (typeof exports._initialize === "function") (exports._initialize as () => void)();
  return coreFromExports(exports, "wasmtime", fuel ? () => instance.fuelUsed() : undefined);
}
