// The libwasmtime C API calls fama uses, declared for koffi (no headers ship with the library;
// the signatures follow wasmtime 49's crates/c-api/include/*.h).
//
// Every pointer is passed as a plain address (`intptr_t`): koffi's fastest path, and what the
// per-call hot path (`wasmtime_func_call_unchecked`) needs. Out-parameters point into one
// off-heap scratch block (host/runtime/wasmtime.ts). The only `void *` result is the linear
// memory base, because koffi.view() needs a pointer object to make an ArrayBuffer over it.
import { createRequire } from "node:module";
import type Koffi from "koffi";

// koffi is loaded on first use, not on import: host/wasm.ts (and so every command that loads
// the core) imports this module, and under node:wasi nothing here is needed.
let koffiModule: typeof Koffi | null = null;
function koffi(): typeof Koffi {
  koffiModule ??= createRequire(import.meta.url)("koffi") as typeof Koffi;
  return koffiModule;
}

type Addr = number;

export interface WasmtimeApi {
  wasm_config_new(): Addr;
  wasmtime_config_consume_fuel_set(config: Addr, on: boolean): void;
  wasmtime_config_memory_may_move_set(config: Addr, on: boolean): void;
  /** Takes ownership of the config. */
  wasm_engine_new_with_config(config: Addr): Addr;

  wasmtime_store_new(engine: Addr, data: Addr, finalizer: Addr): Addr;
  wasmtime_store_context(store: Addr): Addr;
  wasmtime_store_delete(store: Addr): void;
  wasmtime_context_set_fuel(ctx: Addr, fuel: bigint): Addr;
  wasmtime_context_get_fuel(ctx: Addr, out: Addr): Addr;

  wasi_config_new(): Addr;
  wasi_config_inherit_stdout(wasi: Addr): void;
  wasi_config_inherit_stderr(wasi: Addr): void;
  /** Takes ownership of the WASI config. */
  wasmtime_context_set_wasi(ctx: Addr, wasi: Addr): Addr;

  wasmtime_linker_new(engine: Addr): Addr;
  wasmtime_linker_define_wasi(linker: Addr): Addr;
  wasmtime_linker_delete(linker: Addr): void;
  wasmtime_linker_clone(linker: Addr): Addr;
  wasmtime_linker_allow_shadowing(linker: Addr, on: boolean): void;
  wasmtime_linker_define_func_unchecked(linker: Addr, module: Uint8Array, moduleLen: number, name: Uint8Array, nameLen: number,
    type: Addr, callback: unknown, env: Addr, finalizer: Addr): Addr;
  wasm_valtype_new(kind: number): Addr;
  wasm_valtype_vec_new(out: Addr, size: number, data: Addr): void;
  wasm_functype_new(params: Addr, results: Addr): Addr;
  wasmtime_linker_instantiate(linker: Addr, ctx: Addr, module: Addr, instanceOut: Addr, trapOut: Addr): Addr;

  wasmtime_module_new(engine: Addr, wasm: Uint8Array, len: number, out: Addr): Addr;
  wasmtime_module_serialize(module: Addr, vecOut: Addr): Addr;
  wasmtime_module_deserialize(engine: Addr, bytes: Uint8Array, len: number, out: Addr): Addr;
  wasmtime_module_delete(module: Addr): void;
  wasmtime_wat2wasm(wat: Uint8Array, len: number, vecOut: Addr): Addr;

  wasmtime_instance_export_nth(ctx: Addr, instance: Addr, index: number, nameOut: Addr, lenOut: Addr, externOut: Addr): boolean;
  wasmtime_func_type(ctx: Addr, func: Addr): Addr;
  wasm_functype_params(type: Addr): Addr;
  wasm_functype_results(type: Addr): Addr;
  wasm_functype_delete(type: Addr): void;
  wasm_valtype_kind(type: Addr): number;

  wasmtime_func_call(ctx: Addr, func: Addr, args: Addr, nargs: number, results: Addr, nresults: number, trapOut: Addr): Addr;
  wasmtime_func_call_unchecked(ctx: Addr, func: Addr, frame: Addr, frameLen: number, trapOut: Addr): Addr;

  wasmtime_memory_data(ctx: Addr, memory: Addr): unknown;
  wasmtime_memory_data_size(ctx: Addr, memory: Addr): number;
  wasmtime_memory_grow(ctx: Addr, memory: Addr, delta: bigint, prevOut: Addr): Addr;

  wasmtime_error_message(error: Addr, vecOut: Addr): void;
  wasmtime_error_exit_status(error: Addr, statusOut: Addr): boolean;
  wasmtime_error_delete(error: Addr): void;
  wasm_trap_message(trap: Addr, vecOut: Addr): void;
  wasm_trap_delete(trap: Addr): void;
  wasm_byte_vec_delete(vec: Addr): void;
}

const SIGNATURES: Record<keyof WasmtimeApi, string> = {
  wasm_config_new: "intptr_t wasm_config_new()",
  wasmtime_config_consume_fuel_set: "void wasmtime_config_consume_fuel_set(intptr_t config, bool on)",
  wasmtime_config_memory_may_move_set: "void wasmtime_config_memory_may_move_set(intptr_t config, bool on)",
  wasm_engine_new_with_config: "intptr_t wasm_engine_new_with_config(intptr_t config)",
  wasmtime_store_new: "intptr_t wasmtime_store_new(intptr_t engine, intptr_t data, intptr_t finalizer)",
  wasmtime_store_context: "intptr_t wasmtime_store_context(intptr_t store)",
  wasmtime_store_delete: "void wasmtime_store_delete(intptr_t store)",
  wasmtime_context_set_fuel: "intptr_t wasmtime_context_set_fuel(intptr_t ctx, uint64_t fuel)",
  wasmtime_context_get_fuel: "intptr_t wasmtime_context_get_fuel(intptr_t ctx, intptr_t out)",
  wasi_config_new: "intptr_t wasi_config_new()",
  wasi_config_inherit_stdout: "void wasi_config_inherit_stdout(intptr_t wasi)",
  wasi_config_inherit_stderr: "void wasi_config_inherit_stderr(intptr_t wasi)",
  wasmtime_context_set_wasi: "intptr_t wasmtime_context_set_wasi(intptr_t ctx, intptr_t wasi)",
  wasmtime_linker_new: "intptr_t wasmtime_linker_new(intptr_t engine)",
  wasmtime_linker_define_wasi: "intptr_t wasmtime_linker_define_wasi(intptr_t linker)",
  wasmtime_linker_delete: "void wasmtime_linker_delete(intptr_t linker)",
  wasmtime_linker_clone: "intptr_t wasmtime_linker_clone(intptr_t linker)",
  wasmtime_linker_allow_shadowing: "void wasmtime_linker_allow_shadowing(intptr_t linker, bool on)",
  wasmtime_linker_define_func_unchecked: "intptr_t wasmtime_linker_define_func_unchecked(intptr_t linker, const uint8_t *module, size_t module_len, " +
    "const uint8_t *name, size_t name_len, intptr_t type, HostCallback *callback, intptr_t env, intptr_t finalizer)",
  wasm_valtype_new: "intptr_t wasm_valtype_new(uint8_t kind)",
  wasm_valtype_vec_new: "void wasm_valtype_vec_new(intptr_t out, size_t size, intptr_t data)",
  wasm_functype_new: "intptr_t wasm_functype_new(intptr_t params, intptr_t results)",
  wasmtime_linker_instantiate: "intptr_t wasmtime_linker_instantiate(intptr_t linker, intptr_t ctx, intptr_t module, intptr_t instance_out, intptr_t trap_out)",
  wasmtime_module_new: "intptr_t wasmtime_module_new(intptr_t engine, const uint8_t *wasm, size_t len, intptr_t out)",
  wasmtime_module_serialize: "intptr_t wasmtime_module_serialize(intptr_t module, intptr_t vec_out)",
  wasmtime_module_deserialize: "intptr_t wasmtime_module_deserialize(intptr_t engine, const uint8_t *bytes, size_t len, intptr_t out)",
  wasmtime_module_delete: "void wasmtime_module_delete(intptr_t module)",
  wasmtime_wat2wasm: "intptr_t wasmtime_wat2wasm(const uint8_t *wat, size_t len, intptr_t vec_out)",
  wasmtime_instance_export_nth: "bool wasmtime_instance_export_nth(intptr_t ctx, intptr_t instance, size_t index, intptr_t name_out, intptr_t len_out, intptr_t extern_out)",
  wasmtime_func_type: "intptr_t wasmtime_func_type(intptr_t ctx, intptr_t func)",
  wasm_functype_params: "intptr_t wasm_functype_params(intptr_t type)",
  wasm_functype_results: "intptr_t wasm_functype_results(intptr_t type)",
  wasm_functype_delete: "void wasm_functype_delete(intptr_t type)",
  wasm_valtype_kind: "uint8_t wasm_valtype_kind(intptr_t type)",
  wasmtime_func_call: "intptr_t wasmtime_func_call(intptr_t ctx, intptr_t func, intptr_t args, size_t nargs, intptr_t results, size_t nresults, intptr_t trap_out)",
  wasmtime_func_call_unchecked: "intptr_t wasmtime_func_call_unchecked(intptr_t ctx, intptr_t func, intptr_t frame, size_t frame_len, intptr_t trap_out)",
  wasmtime_memory_data: "void *wasmtime_memory_data(intptr_t ctx, intptr_t memory)",
  wasmtime_memory_data_size: "size_t wasmtime_memory_data_size(intptr_t ctx, intptr_t memory)",
  wasmtime_memory_grow: "intptr_t wasmtime_memory_grow(intptr_t ctx, intptr_t memory, uint64_t delta, intptr_t prev_out)",
  wasmtime_error_message: "void wasmtime_error_message(intptr_t error, intptr_t vec_out)",
  wasmtime_error_exit_status: "bool wasmtime_error_exit_status(intptr_t error, intptr_t status_out)",
  wasmtime_error_delete: "void wasmtime_error_delete(intptr_t error)",
  wasm_trap_message: "void wasm_trap_message(intptr_t trap, intptr_t vec_out)",
  wasm_trap_delete: "void wasm_trap_delete(intptr_t trap)",
  wasm_byte_vec_delete: "void wasm_byte_vec_delete(intptr_t vec)",
};

// wasmtime_extern_t: a u8 kind, then (8-aligned) the union; funcs and memories are 16 bytes.
export const EXTERN_SIZE = 24;
export const EXTERN_OF = 8;
export const EXTERN_FUNC = 0;
export const EXTERN_MEMORY = 3;
// wasmtime_val_raw_t: a 16-byte union (v128 is its largest member).
export const RAW_VALUE_SIZE = 16;
// wasm_valkind_t
export const KIND_I32 = 0, KIND_I64 = 1, KIND_F32 = 2, KIND_F64 = 3;

/** wasmtime_func_unchecked_callback_t: returns a wasm_trap_t* (0: no trap). */
let hostCallback: ReturnType<typeof Koffi.proto> | null = null;
function hostCallbackType(): ReturnType<typeof Koffi.proto> {
  hostCallback ??= koffi().proto("intptr_t HostCallback(intptr_t env, intptr_t caller, intptr_t args_and_results, size_t len)");
  return hostCallback;
}

/** Makes a native function pointer that calls `fn` (koffi keeps it for the process's life). */
export function registerHost(fn: (env: number, caller: number, frame: number, len: number) => number): unknown {
  return koffi().register(fn, koffi().pointer(hostCallbackType()));
}

export function bindWasmtime(path: string): WasmtimeApi {
  hostCallbackType(); // the signature below names it
  const lib = koffi().load(path);
  const api = {} as Record<string, unknown>;
  for (const [name, signature] of Object.entries(SIGNATURES)) api[name] = lib.func(signature);
  return api as unknown as WasmtimeApi;
}

/**
 * Fresh zeroed off-heap memory (calloc) that never moves: its address and a byte view of it.
 * It lives as long as the process (koffi.alloc memory is not collected): stores, instances and
 * their call frames are made once per core, and cores are kept for the process's life.
 */
export function offHeap(bytes: number): { addr: number; buf: ArrayBuffer } {
  const pointer = koffi().alloc("uint8_t", bytes);
  return { addr: Number(koffi().address(pointer)), buf: koffi().view(pointer, bytes) };
}

/** An ArrayBuffer over `len` bytes at a pointer the library returned. */
export function viewOf(pointer: unknown, len: number): ArrayBuffer {
  return koffi().view(pointer, len);
}

// memmove from and to raw addresses, bound on first use: importing this module (every CLI
// command does, through host/wasm.ts) must not load anything.
type Copies = { from: (dst: Uint8Array, src: number, n: number) => number; to: (dst: number, src: Uint8Array, n: number) => number };
let copies: Copies | null = null;
function memmove(): Copies {
  if (!copies) {
    const libc = koffi().load("libc.so.6");
    copies = {
      from: libc.func("intptr_t memmove(void *dst, intptr_t src, size_t n)") as Copies["from"],
      to: libc.func("intptr_t memmove(intptr_t dst, void *src, size_t n)") as Copies["to"],
    };
  }
  return copies;
}

/** Copies `data` to address `addr` (memory the library owns). */
export function copyToAddress(addr: number, data: Uint8Array): void {
  if (data.length > 0) memmove().to(addr, data, data.length);
}

/** Copies `len` bytes at address `addr` (memory the library owns) into a new array. */
export function copyFromAddress(addr: number, len: number): Uint8Array {
  const out = new Uint8Array(Math.max(len, 1));
  if (len > 0) memmove().from(out, addr, len);
  return out.subarray(0, len);
}
