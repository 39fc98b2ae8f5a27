// The core under wasmtime (Cranelift), through libwasmtime's C API and koffi.
//
// One engine per process (two when fuel metering is asked for: fuel changes the compiled code),
// one store + WASI context + instance per core. The WASI context has nothing preopened, no
// arguments and no environment; stdout and stderr are the process's (an AssemblyScript abort
// writes its message there, as under node:wasi).
//
// Calls: every export becomes a JS function over `wasmtime_func_call_unchecked` with one
// preallocated raw-value frame per instance (the prototype measured about 4.6 µs a call
// when koffi marshals `wasmtime_val_t` objects instead, 115 ns this way). Memory: the engine is configured so linear memory never moves; the view
// over it is rebuilt only when its size changed (growth), so `exports.memory.buffer` behaves
// like a WebAssembly.Memory's: the same ArrayBuffer until the memory grows.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readArtifact, writeArtifact } from "./artifact-cache.js";
import {
  bindWasmtime, copyFromAddress, copyToAddress, offHeap, registerHost, viewOf, type WasmtimeApi,
  EXTERN_FUNC, EXTERN_MEMORY, EXTERN_OF, EXTERN_SIZE, KIND_F32, KIND_F64, KIND_I32, KIND_I64, RAW_VALUE_SIZE,
} from "./wasmtime-ffi.js";
import { locateLibwasmtime, WASMTIME_VERSION } from "./locate.js";

/**
 * A trap or a WASI exit inside a call, with wasmtime's own message. A WebAssembly.RuntimeError,
 * as a trap is under V8, so code that tells traps from other errors works under both.
 */
export class CoreTrap extends WebAssembly.RuntimeError {
  /** Set when the module called proc_exit with a status wasmtime accepts (0..125). */
  readonly exitStatus?: number;
  /**
   * The module called proc_exit with a status outside 0..125, which wasmtime reports as an
   * error rather than an exit: an AssemblyScript abort (it exits with 255).
   */
  readonly aborted: boolean;
  constructor(message: string, opts: { exitStatus?: number; aborted?: boolean } = {}) {
    super(message);
    this.name = "CoreTrap";
    if (opts.exitStatus !== undefined) this.exitStatus = opts.exitStatus;
    this.aborted = opts.aborted ?? false;
  }
}

const ABORT_EXIT = /exit with invalid exit status/;

/** What a WebAssembly.Memory gives the host: the byte buffer and grow. */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmtimeInstance {
  /** Functions by export name (numbers in and out; i64 as BigInt, as V8 does) and `memory`. */
  exports: Record<string, unknown>;
  /** Fuel consumed since instantiation (only with `fuel: true`). */
  fuelUsed(): number;
  /** Calls a no-argument, no-result export through the checked `wasmtime_func_call` (benches). */
  callChecked(name: string): void;
}

// Scratch out-parameters (one block per library; JS is single-threaded and no call re-enters).
const S_TRAP = 0, S_VEC = 8, S_U64 = 24, S_NAME = 32, S_NAME_LEN = 40, S_EXTERN = 48, S_INSTANCE = 80, SCRATCH = 128;
const FUEL_START = 1n << 62n;

class Library {
  readonly scratch = offHeap(SCRATCH);
  private readonly words = new Uint32Array(this.scratch.buf);
  private readonly dv = new DataView(this.scratch.buf);
  constructor(readonly api: WasmtimeApi, readonly path: string) {}

  u64(offset: number): bigint { return this.dv.getBigUint64(offset, true); }
  addr(offset: number): number { return Number(this.u64(offset)); }
  setU64(offset: number, v: bigint): void { this.dv.setBigUint64(offset, v, true); }
  at(offset: number): number { return this.scratch.addr + offset; }
  trapPending(): boolean { return this.words[S_TRAP / 4] !== 0 || this.words[S_TRAP / 4 + 1] !== 0; }

  /** Takes the byte vector the last call wrote to S_VEC, and frees it. */
  takeVec(): Uint8Array {
    const bytes = copyFromAddress(this.addr(S_VEC + 8), this.addr(S_VEC));
    this.api.wasm_byte_vec_delete(this.at(S_VEC));
    return bytes;
  }

  private text(bytes: Uint8Array): string {
    const end = bytes.indexOf(0);
    return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString("utf8");
  }

  /** Turns a failed call (an error, or a trap in S_TRAP) into a CoreTrap, freeing both. */
  failure(error: number, what: string): CoreTrap {
    const { api } = this;
    if (error !== 0) {
      const exited = api.wasmtime_error_exit_status(error, this.at(S_U64));
      const status = this.dv.getInt32(S_U64, true);
      api.wasmtime_error_message(error, this.at(S_VEC));
      const message = this.text(this.takeVec());
      api.wasmtime_error_delete(error);
      this.clearTrap();
      if (exited) return new CoreTrap(`${what}: the module exited with status ${status}`, { exitStatus: status });
      if (ABORT_EXIT.test(message)) return new CoreTrap(`${what}: the core aborted (an AssemblyScript abort exits with 255; its message is on stderr): ${message}`, { aborted: true });
      return new CoreTrap(`${what}: ${message}`);
    }
    const trap = this.addr(S_TRAP);
    api.wasm_trap_message(trap, this.at(S_VEC));
    const message = this.text(this.takeVec());
    api.wasm_trap_delete(trap);
    this.clearTrap();
    return new CoreTrap(`${what}: ${message}`);
  }

  check(error: number, what: string): void {
    if (error !== 0) throw this.failure(error, what);
  }

  private clearTrap(): void { this.setU64(S_TRAP, 0n); }
}

let library: Library | null = null;

function loadLibrary(): Library {
  if (library) return library;
  const found = locateLibwasmtime();
  // Another version may differ in the ABI declared in wasmtime-ffi.ts: refuse it before binding.
  if (found.version !== WASMTIME_VERSION) {
    throw new Error(`${found.path} (from ${found.source}) is wasmtime ${found.version ?? "of an unknown version"}; ` +
      `fama needs ${WASMTIME_VERSION} (pip install wasmtime==${WASMTIME_VERSION})`);
  }
  library = new Library(bindWasmtime(found.path), found.path);
  return library;
}

export class WasmtimeEngine {
  readonly engine: number;
  readonly linker: number;
  constructor(readonly lib: Library, readonly fuel: boolean) {
    const { api } = lib;
    const config = api.wasm_config_new();
    api.wasmtime_config_consume_fuel_set(config, fuel);
    api.wasmtime_config_memory_may_move_set(config, false);
    this.engine = api.wasm_engine_new_with_config(config);
    this.linker = api.wasmtime_linker_new(this.engine);
    lib.check(api.wasmtime_linker_define_wasi(this.linker), "defining WASI");
  }

  /** Compiles a module with Cranelift; returns the module handle. */
  compile(wasm: Uint8Array): number {
    this.lib.check(this.lib.api.wasmtime_module_new(this.engine, wasm, wasm.length, this.lib.at(S_U64)), "compiling");
    return this.lib.addr(S_U64);
  }

  serialize(module: number): Uint8Array {
    this.lib.check(this.lib.api.wasmtime_module_serialize(module, this.lib.at(S_VEC)), "serializing");
    return this.lib.takeVec();
  }

  /** Loads an artifact `serialize` wrote (only ever from a file this user's fama wrote). */
  deserialize(artifact: Uint8Array): number {
    this.lib.check(this.lib.api.wasmtime_module_deserialize(this.engine, artifact, artifact.length, this.lib.at(S_U64)), "loading the compiled artifact");
    return this.lib.addr(S_U64);
  }

  instantiate(module: number, opts: InstanceOptions = {}): WasmtimeInstance {
    return instantiate(this, module, opts);
  }
}

const engines = new Map<boolean, WasmtimeEngine>();

export function wasmtimeEngine(fuel = false): WasmtimeEngine {
  let engine = engines.get(fuel);
  if (!engine) {
    engine = new WasmtimeEngine(loadLibrary(), fuel);
    engines.set(fuel, engine);
  }
  return engine;
}

const modules = new Map<string, number>();

/**
 * The compiled module for a .wasm file: compiled once per process, and its serialized artifact
 * cached under the hash of the wasm bytes (host/runtime/artifact-cache.ts), so a daemon's next
 * start skips Cranelift.
 */
export function wasmtimeModule(path: string, fuel = false): number {
  const key = `${fuel}:${path}`;
  const known = modules.get(key);
  if (known !== undefined) return known;
  const engine = wasmtimeEngine(fuel);
  const wasm = readFileSync(path);
  const hash = createHash("sha256").update(wasm).digest("hex").slice(0, 32);
  const name = `${hash}-wasmtime-${WASMTIME_VERSION}${fuel ? "-fuel" : ""}.cwasm`;
  const artifact = readArtifact(name);
  let module: number | null = null;
  if (artifact) {
    try { module = engine.deserialize(artifact); } catch { module = null; }
  }
  if (module === null) {
    module = engine.compile(wasm);
    writeArtifact(name, engine.serialize(module));
  }
  modules.set(key, module);
  return module;
}

function valueKinds(api: WasmtimeApi, vec: number): number[] {
  const info = copyFromAddress(vec, 16);
  const dv = new DataView(info.buffer, info.byteOffset, 16);
  const size = Number(dv.getBigUint64(0, true)), data = Number(dv.getBigUint64(8, true));
  if (size === 0) return [];
  const ptrs = copyFromAddress(data, size * 8);
  const pv = new DataView(ptrs.buffer, ptrs.byteOffset, size * 8);
  return Array.from({ length: size }, (_, i) => api.wasm_valtype_kind(Number(pv.getBigUint64(i * 8, true))));
}

export interface InstanceOptions {
  /**
   * Test seam: replaces WASI random_get with this source, so that differential tests can run
   * the three runtimes on the same random stream. Production never sets it.
   */
  random?: (out: Uint8Array) => void;
}

/** A linker whose wasi_snapshot_preview1.random_get calls `random` on the instance's memory. */
function linkerWithRandom(engine: WasmtimeEngine, random: (out: Uint8Array) => void, memory: () => LinearMemory | null): number {
  const { lib } = engine;
  const { api } = lib;
  const linker = api.wasmtime_linker_clone(engine.linker);
  api.wasmtime_linker_allow_shadowing(linker, true);
  const vecs = offHeap(64);
  const types = new BigUint64Array(vecs.buf, 32, 2);
  types[0] = BigInt(api.wasm_valtype_new(KIND_I32));
  types[1] = BigInt(api.wasm_valtype_new(KIND_I32));
  api.wasm_valtype_vec_new(vecs.addr, 2, vecs.addr + 32);
  const resultType = offHeap(8);
  new BigUint64Array(resultType.buf)[0] = BigInt(api.wasm_valtype_new(KIND_I32));
  api.wasm_valtype_vec_new(vecs.addr + 16, 1, resultType.addr);
  const type = api.wasm_functype_new(vecs.addr, vecs.addr + 16);
  const zero = new Uint8Array(RAW_VALUE_SIZE);
  const callback = registerHost((_env, _caller, frame) => {
    const args = copyFromAddress(frame, 2 * RAW_VALUE_SIZE);
    const dv = new DataView(args.buffer, args.byteOffset, args.length);
    const ptr = dv.getUint32(0, true), len = dv.getUint32(RAW_VALUE_SIZE, true);
    const mem = memory();
    if (mem) random(new Uint8Array(mem.buffer, ptr, len));
    copyToAddress(frame, zero);
    return 0;
  });
  const module = Buffer.from("wasi_snapshot_preview1"), name = Buffer.from("random_get");
  lib.check(api.wasmtime_linker_define_func_unchecked(linker, module, module.length, name, name.length, type, callback, 0, 0), "defining random_get");
  api.wasm_functype_delete(type);
  return linker;
}

interface FuncExport { name: string; params: number[]; results: number[]; offset: number }

function instantiate(engine: WasmtimeEngine, module: number, opts: InstanceOptions): WasmtimeInstance {
  const { lib } = engine;
  const { api } = lib;
  const store = api.wasmtime_store_new(engine.engine, 0, 0);
  const ctx = api.wasmtime_store_context(store);
  const wasi = api.wasi_config_new();
  api.wasi_config_inherit_stdout(wasi);
  api.wasi_config_inherit_stderr(wasi);
  lib.check(api.wasmtime_context_set_wasi(ctx, wasi), "configuring WASI");
  if (engine.fuel) lib.check(api.wasmtime_context_set_fuel(ctx, FUEL_START), "setting fuel");
  let memory: LinearMemory | null = null;
  const linker = opts.random ? linkerWithRandom(engine, opts.random, () => memory) : engine.linker;
  const err = api.wasmtime_linker_instantiate(linker, ctx, module, lib.at(S_INSTANCE), lib.at(S_TRAP));
  if (err !== 0 || lib.trapPending()) throw lib.failure(err, "instantiating");
  const instance = offHeap(16);
  new Uint8Array(instance.buf).set(new Uint8Array(lib.scratch.buf, S_INSTANCE, 16));
  const { found, funcsAddr, memAddr } = walkExports(lib, ctx, instance.addr);

  const slots = Math.max(1, ...found.map((f) => Math.max(f.params.length, f.results.length)));
  const frame = offHeap(slots * RAW_VALUE_SIZE);
  const exports: Record<string, unknown> = {};
  for (const f of found) exports[f.name] = exportFunction(lib, ctx, funcsAddr + f.offset, frame, f);

  memory = memAddr === null ? null : linearMemory(lib, ctx, memAddr);
  if (memory) exports.memory = memory;
  return {
    exports,
    fuelUsed() {
      if (!engine.fuel) throw new Error("this core was instantiated without fuel metering");
      lib.check(api.wasmtime_context_get_fuel(ctx, lib.at(S_U64)), "reading fuel");
      return Number(FUEL_START - lib.u64(S_U64));
    },
    callChecked(name) {
      const f = found.find((x) => x.name === name);
      if (!f || f.params.length || f.results.length) throw new Error(`${name} is not a no-argument, no-result export`);
      const error = api.wasmtime_func_call(ctx, funcsAddr + f.offset, 0, 0, 0, 0, lib.at(S_TRAP));
      if (error !== 0 || lib.trapPending()) throw lib.failure(error, `${name}()`);
    },
  };
}

/**
 * The instance's exports: each function's name, signature and handle, and the `memory`
 * handle, copied into one off-heap block (handles are 16 bytes; calls pass their address).
 */
function walkExports(lib: Library, ctx: number, instanceAddr: number): { found: FuncExport[]; funcsAddr: number; memAddr: number | null } {
  const { api } = lib;
  const found: FuncExport[] = [];
  const handles: Uint8Array[] = [];
  let memoryHandle: Uint8Array | null = null;
  for (let i = 0; api.wasmtime_instance_export_nth(ctx, instanceAddr, i, lib.at(S_NAME), lib.at(S_NAME_LEN), lib.at(S_EXTERN)); i++) {
    const name = Buffer.from(copyFromAddress(lib.addr(S_NAME), lib.addr(S_NAME_LEN))).toString("utf8");
    const ext = new Uint8Array(lib.scratch.buf, S_EXTERN, EXTERN_SIZE);
    const handle = ext.slice(EXTERN_OF, EXTERN_OF + 16);
    if (ext[0] === EXTERN_MEMORY && name === "memory") memoryHandle = handle;
    if (ext[0] !== EXTERN_FUNC) continue;
    const type = api.wasmtime_func_type(ctx, lib.at(S_EXTERN + EXTERN_OF));
    found.push({ name, params: valueKinds(api, api.wasm_functype_params(type)), results: valueKinds(api, api.wasm_functype_results(type)), offset: handles.length * 16 });
    api.wasm_functype_delete(type);
    handles.push(handle);
  }
  const block = offHeap((handles.length + 1) * 16);
  const bytes = new Uint8Array(block.buf);
  handles.forEach((h, i) => bytes.set(h, i * 16));
  if (memoryHandle) bytes.set(memoryHandle, handles.length * 16);
  return { found, funcsAddr: block.addr, memAddr: memoryHandle ? block.addr + handles.length * 16 : null };
}

function linearMemory(lib: Library, ctx: number, memAddr: number): LinearMemory {
  const { api } = lib;
  let size = -1;
  let buffer = new ArrayBuffer(0);
  return {
    get buffer() {
      const now = api.wasmtime_memory_data_size(ctx, memAddr);
      if (now !== size) {
        size = now;
        buffer = viewOf(api.wasmtime_memory_data(ctx, memAddr), now);
      }
      return buffer;
    },
    grow(deltaPages: number) {
      lib.check(api.wasmtime_memory_grow(ctx, memAddr, BigInt(deltaPages), lib.at(S_U64)), "memory.grow");
      return Number(lib.u64(S_U64));
    },
  };
}

type Writer = (v: unknown) => void;
type Reader = () => unknown;

function exportFunction(lib: Library, ctx: number, funcAddr: number, frame: { addr: number; buf: ArrayBuffer }, f: FuncExport): (...args: unknown[]) => unknown {
  const { api } = lib;
  const i32 = new Int32Array(frame.buf), f32 = new Float32Array(frame.buf);
  const f64 = new Float64Array(frame.buf), i64 = new BigInt64Array(frame.buf);
  const word = RAW_VALUE_SIZE / 4, dword = RAW_VALUE_SIZE / 8;
  const writer = (kind: number, slot: number): Writer => {
    switch (kind) {
      case KIND_I32: return (v) => { i32[slot * word] = v as number; };
      case KIND_I64: return (v) => { i64[slot * dword] = v as bigint; };
      case KIND_F32: return (v) => { f32[slot * word] = v as number; };
      case KIND_F64: return (v) => { f64[slot * dword] = v as number; };
      default: throw new Error(`export ${f.name}: parameter kind ${kind} is not supported`);
    }
  };
  if (f.results.length > 1) throw new Error(`export ${f.name}: multiple results are not supported`);
  const reader: Reader = (() => {
    switch (f.results[0]) {
      case undefined: return () => undefined;
      case KIND_I32: return () => i32[0];
      case KIND_I64: return () => i64[0];
      case KIND_F32: return () => f32[0];
      case KIND_F64: return () => f64[0];
      default: throw new Error(`export ${f.name}: result kind ${f.results[0]} is not supported`);
    }
  })();
  const frameLen = Math.max(f.params.length, f.results.length);
  const trapAt = lib.at(S_TRAP);
  const what = `${f.name}()`;
  const invoke = (): unknown => {
    const error = api.wasmtime_func_call_unchecked(ctx, funcAddr, frame.addr, frameLen, trapAt);
    if (error !== 0 || lib.trapPending()) throw lib.failure(error, what);
    return reader();
  };
  const w = f.params.map((kind, slot) => writer(kind, slot));
  switch (w.length) {
    case 0: return invoke;
    case 1: { const [w0] = w as [Writer]; return (a) => { w0(a); return invoke(); }; }
    case 2: { const [w0, w1] = w as [Writer, Writer]; return (a, b) => { w0(a); w1(b); return invoke(); }; }
    case 3: { const [w0, w1, w2] = w as [Writer, Writer, Writer]; return (a, b, c) => { w0(a); w1(b); w2(c); return invoke(); }; }
    default: return (...args) => { for (let i = 0; i < w.length; i++) w[i]!(args[i]); return invoke(); };
  }
}

/** Compiles WebAssembly text with the library's own parser (the sandbox probes in tests). */
export function wat2wasm(text: string): Uint8Array {
  const lib = loadLibrary();
  const src = Buffer.from(text, "utf8");
  lib.check(lib.api.wasmtime_wat2wasm(src, src.length, lib.at(S_VEC)), "wat2wasm");
  return lib.takeVec();
}
