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

import { dar_batch, dar_deferred, dar_timers, dar_last_now } from "./engine";
import { queue_len, queue_wait_ms } from "./cga-queue";
import { sightings_add, sightings_seen, sightings_used, sightings_capacity, sightings_bytes, sightings_write, SIGHTING_RECORD } from "./sightings";
import { cfg_configured, cfg_in_prefixes } from "./config";
import { bc_probation_count } from "./binding-cache";
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

/**
 * Processes queued cga-mode BUs (at most cgaBudget.perBatch, as the CPU budget allows) in
 * slots 0..k-1; returns k. The host writes their outputs like a batch's.
 */
export function dar_process_deferred(now_ms: f64): u32 { return dar_deferred(now_ms); }
/** cga-mode BUs waiting in the deferral queue. */
export function dar_deferred_pending(): u32 { return queue_len(); }
/** Milliseconds until dar_process_deferred can make progress; -1 when nothing waits. */
export function dar_deferred_wait_ms(now_ms: f64): f64 { return queue_wait_ms(now_ms); }

/** Scratch for dar_sightings_add / dar_sightings_restore: SIGHTINGS_BATCH entries. */
const SIGHTINGS_BATCH: u32 = 256;
// Room for SIGHTINGS_BATCH addresses (16 bytes) or restore records (24 bytes).
const sightingsScratch: usize = memory.data(<i32>(SIGHTINGS_BATCH * 24), 16);
export function dar_sightings_scratch(): usize { return sightingsScratch; }
export function dar_sightings_batch(): u32 { return SIGHTINGS_BATCH; }
/**
 * Records `count` addresses (16 bytes each, from `ptr`) as seen on the access link at
 * `now_ms`; those outside the DAR's prefixes are skipped. Returns how many were recorded.
 * At most SIGHTINGS_BATCH per call (the rest are ignored): the cost per call is bounded.
 */
export function dar_sightings_add(ptr: usize, count: u32, now_ms: f64): u32 {
  if (!cfg_configured()) return 0;
  const n = count < SIGHTINGS_BATCH ? count : SIGHTINGS_BATCH;
  let added: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const a = ptr + <usize>i * 16;
    if (!cfg_in_prefixes(a)) continue;
    sightings_add(a, now_ms);
    added++;
  }
  return added;
}
/**
 * Saving and restoring sightings (the daemon's sightings file): dar_sightings_write copies
 * at most `max` live sightings to `ptr` as 24-byte records (u8[16] address, f64 lastSeen ms);
 * dar_sightings_restore takes at most SIGHTINGS_BATCH such records back, each with its own
 * lastSeen (those outside the prefixes skipped). Both return how many records.
 */
export function dar_sightings_write(ptr: usize, max: u32, now_ms: f64): u32 { return sightings_write(ptr, max, now_ms); }
export function dar_sightings_record_len(): u32 { return SIGHTING_RECORD; }
export function dar_sightings_restore(ptr: usize, count: u32): u32 {
  if (!cfg_configured()) return 0;
  const n = count < SIGHTINGS_BATCH ? count : SIGHTINGS_BATCH;
  let added: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const r = ptr + <usize>i * SIGHTING_RECORD;
    const seen = load<f64>(r, 16);
    if (!cfg_in_prefixes(r) || !(seen > 0) || seen == Infinity) continue;
    sightings_add(r, seen);
    added++;
  }
  return added;
}
/** Whether the address (16 bytes at ptr) counts as sighted at now_ms (status, tests). */
export function dar_sighted(ptr: usize, now_ms: f64): u32 { return sightings_seen(ptr, now_ms) ? 1 : 0; }
export function dar_sightings_count(): u32 { return sightings_used(); }
export function dar_sightings_capacity(): u32 { return sightings_capacity(); }
export function dar_sightings_memory(): f64 { return sightings_bytes(); }
/** Bindings in probation (admission.ts). */
export function dar_bindings_probation(): u32 { return bc_probation_count(); }

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
