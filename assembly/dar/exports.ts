// The DAR's data-plane ABI (docs/ARCHITECTURE.md "Packet batch ABI"); the record layouts
// are documented in the files these come from and mirrored in host/core/dar.ts.
//
// Binding cache API for the control plane (AS level, assembly/forward/binding-cache.ts):
//   bc_lookup(hoa, now): usize            live entry record or 0 (expired = absent)
//   bc_update(hoa, coa, seq, lifetime, phkt, now): i32
//                                         BC_ADDED | BC_MOVED | BC_REFRESHED | BC_FULL (-> BA 130)
//   bc_remove(hoa): bool                  deregistration (deletes binding and PHKT)
//   entry fields: E_COA, E_PHKT (+ flags & FLAG_HAS_PHKT), E_SEQ (u16), E_EXPIRY, ...
// Configuration for the control plane (assembly/dar/config.ts): cfg_anchor(),
// cfg_in_prefixes(addr), cfg_min_sec(), cfg_max_lifetime(), cfg_coa_test().

import { dar_process_batch, dar_tick, dar_last_now } from "./engine";
import { bc_count, bc_capacity, bc_entry_at, bc_bytes, bc_max_probe, bc_table_slots, ENTRY_SIZE } from "../forward/binding-cache";
import { snapshot_write_at } from "../forward/snapshot";

export {
  batch_slots, batch_desc, batch_max_slots, batch_slot_stride, batch_headroom, batch_max_packet,
} from "../forward/batch";
export { events_base, events_count, events_clear } from "../forward/events";
export { counters_base, counters_len } from "../forward/counters";
export { dar_config_record, dar_config_size, dar_configure } from "./config";
export { snapshot_size, snapshot_restore } from "../forward/snapshot";
// Binding records for the daemon's journal (records.ts).
export {
  records_scratch, batch_accepted_hoa, binding_find, binding_record_len, binding_put, binding_forget,
} from "./records";

/** Processes slots 0..n-1; returns how many outputs have verdict send. */
export function process_batch(n: u32, now_ms: f64): u32 {
  return dar_process_batch(n, now_ms);
}

/** Expires bindings (bounded sweep) and runs control-plane timers. */
export function tick(now_ms: f64): void {
  dar_tick(now_ms);
}

/** Writes snapshot_size() bytes at ptr; returns the length written. */
export function snapshot_write(ptr: usize): u32 {
  return snapshot_write_at(ptr, dar_last_now());
}

/** Bindings held (some may have expired and wait for the sweep). */
export function bindings_count(): u32 { return bc_count(); }
export function bindings_capacity(): u32 { return bc_capacity(); }
/** Entry record i (binding-cache.ts layout), 0 <= i < bindings_count(); 0 otherwise. */
export function binding_record(i: u32): usize { return i < bc_count() ? bc_entry_at(i) : 0; }
export function binding_record_size(): u32 { return ENTRY_SIZE; }
/** Bytes of linear memory the binding cache holds (table + records). */
export function bindings_memory(): f64 { return bc_bytes(); }
export function bindings_table_slots(): u32 { return bc_table_slots(); }
/** Longest Robin Hood probe distance (diagnostics, bench). */
export function bindings_max_probe(): u32 { return bc_max_probe(); }
