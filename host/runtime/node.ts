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

/** Instantiates under node:wasi (no preopens, no arguments) and runs `_initialize`. */
export function instantiateNode(path: string): WebAssembly.Instance {
  // The core reads no environment; one variable keeps AS's process.env happy.
  const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" }, returnOnExit: true });
  const instance = new WebAssembly.Instance(compileNodeModule(path), {
    wasi_snapshot_preview1: wasi.wasiImport,
  } as WebAssembly.Imports);
  wasi.initialize(instance);
  return instance;
}
