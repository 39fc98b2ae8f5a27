// The DAR role's ABI (numbers only). Record layouts are documented in the files they come
// from and mirrored in host/core/ (host/core/records.ts has the binding record):
//   configuration record   config.ts      binding record   binding-record.ts
//   event records          events.ts      counters         counters.ts
//   snapshot               snapshot.ts
// The packet batch memory (batch_slots, batch_desc, ...) is batch/exports.ts, shared with the
// MN role: an instance plays one role.
//
// Call order: dar_configure (dar_snapshot_restore, then dar_binding_put / dar_binding_forget
// to replay the journal), then dar_process_batch per batch and dar_tick at least once a
// second. After each call drain dar_events; if the batch's changes could not be made durable,
// dar_withhold_acks before writing the outputs.

import { dar_batch, dar_timers, dar_last_now } from "./engine";
import { bc_count, bc_capacity, bc_entry_at, bc_bytes, bc_max_probe, bc_table_slots } from "./binding-cache";
import { ENTRY_SIZE } from "./binding-record";
import { snapshot_write_at, snapshot_size, snapshot_restore } from "./snapshot";
import { events_base, events_count, events_clear } from "./events";
import { counters_base, counters_len } from "./counters";
import { acks_withhold } from "./withheld";

export { dar_config_record, dar_config_size, dar_configure } from "./config";
// Binding records from outside, for the daemon's journal replay (records.ts).
export { dar_records_scratch, dar_binding_put, dar_binding_forget } from "./records";

/** Processes slots 0..n-1; returns how many outputs have verdict send. */
export function dar_process_batch(n: u32, now_ms: f64): u32 { return dar_batch(n, now_ms); }

/** Expires bindings (bounded sweep) and runs control-plane timers. */
export function dar_tick(now_ms: f64): void { dar_timers(now_ms); }

/** After dar_process_batch: drops the outputs that acknowledge a binding change; how many. */
export function dar_withhold_acks(): u32 { return acks_withhold(); }

export function dar_events_base(): usize { return events_base(); }
export function dar_events_count(): u32 { return events_count(); }
export function dar_events_clear(): void { events_clear(); }

export function dar_counters_base(): usize { return counters_base(); }
export function dar_counters_len(): u32 { return counters_len(); }

export function dar_snapshot_size(): u32 { return snapshot_size(); }
/** Writes dar_snapshot_size() bytes at ptr; returns the length written. */
export function dar_snapshot_write(ptr: usize): u32 { return snapshot_write_at(ptr, dar_last_now()); }
export function dar_snapshot_restore(ptr: usize, len: u32): i32 { return snapshot_restore(ptr, len); }

/** The binding record's length (96): the one export for it. */
export function dar_binding_record_len(): u32 { return ENTRY_SIZE; }
/** Bindings held (some may have expired and wait for the sweep). */
export function dar_bindings_count(): u32 { return bc_count(); }
export function dar_bindings_capacity(): u32 { return bc_capacity(); }
/** Binding record i, 0 <= i < dar_bindings_count(); 0 otherwise. */
export function dar_binding_record(i: u32): usize { return i < bc_count() ? bc_entry_at(i) : 0; }
/** Bytes of linear memory the binding cache holds (table + records). */
export function dar_bindings_memory(): f64 { return bc_bytes(); }
export function dar_bindings_table_slots(): u32 { return bc_table_slots(); }
/** Longest Robin Hood probe distance (diagnostics, bench). */
export function dar_bindings_max_probe(): u32 { return bc_max_probe(); }
