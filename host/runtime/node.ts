// The core under node:wasi (V8): the default runtime.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";

const compiled: Map<string, WebAssembly.Module> = new Map();

/** Compiles a .wasm file once per process. */
export function compileNodeModule(path: string): WebAssembly.Module {
  let module = compiled.get(path);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(path));
    compiled.set(path, module);
  }
  return module;
}

/**
 * Instantiates under node:wasi (no preopens, no arguments) and runs `_initialize`. `random`
 * is the test seam of host/runtime/wasmtime.ts InstanceOptions: it replaces random_get.
 */
export function instantiateNode(path: string, random?: (out: Uint8Array) => void): WebAssembly.Instance {
  // The core reads no environment; one variable keeps AS's process.env happy.
  const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" }, returnOnExit: true });
  const imports: Record<string, unknown> = { ...wasi.wasiImport };
  let memory: WebAssembly.Memory | null = null;
  if (random) imports.random_get = (ptr: number, len: number) => { random(new Uint8Array(memory!.buffer, ptr, len)); return 0; };
  const instance = new WebAssembly.Instance(compileNodeModule(path), {
    wasi_snapshot_preview1: imports,
  } as WebAssembly.Imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  wasi.initialize(instance);
  return instance;
}
