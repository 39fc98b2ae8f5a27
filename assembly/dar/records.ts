// Binding records for the DAR daemon's journal (host/dar/journal.ts): what a crash-safe host
// needs beyond the snapshot, without knowing the record layout itself.
//
// Why: every accepted binding change must reach disk before its BA leaves (issue 5). The event
// queue reports `added` / `moved` / `removed`, but a refresh (same CoA: a new sequence number, a
// new lifetime, and in cga mode a new PHKT) emits no event. A refresh lost in a crash would
// leave the MN holding a PHKT the DAR no longer knows (its phkt BUs then fail the BAD silently).
// So after process_batch the host asks, per slot, "is this output an accepted BA, and for which
// HoA?" (`batch_accepted_hoa`), fetches the binding's current 96-byte record by HoA
// (`binding_find`), and appends it to the journal. After a restart it restores the snapshot and
// replays the journal on top with `binding_put` / `binding_forget`.
//
// ABI (numbers only; records in linear memory):
//   records_scratch(): usize          RECORDS_SCRATCH_LEN (112) bytes the host may fill with a
//                                     HoA (16) or a record (96) before binding_find/put/forget
//   batch_accepted_hoa(i): usize      after process_batch: when slot i's verdict is send and its
//                                     output is a Binding Acknowledgement with status < 128, the
//                                     address of the BA's Type 2 Routing Header address (the
//                                     HoA, 16 bytes, inside the slot); 0 otherwise
//   binding_find(hoa): usize          the binding record for the 16-byte HoA at `hoa` (expired or
//                                     not: no event, no removal), or 0
//   binding_record_len(): u32         96 (ENTRY_SIZE, the layout of assembly/forward/binding-cache.ts)
//   binding_put(rec): i32             inserts the record at `rec`, or overwrites the binding with the
//                                     same HoA, without an event. RECORD_OK 0, RECORD_BAD 1 (same
//                                     checks as a snapshot record), RECORD_FULL 2, RECORD_NOT_CONFIGURED 3
//   binding_forget(hoa): u32          deletes the binding for the HoA; 1 if there was one. It emits
//                                     the cache's `removed` event (the host discards events
//                                     produced while replaying, before it installs routes)
// The record carries the PHKT: it is secret, and the host treats the 96 bytes as opaque.

import {
  bc_capacity, bc_peek, bc_remove, bc_restore_record, BC_ADDED, BC_FULL,
  bc_record_valid, ENTRY_SIZE,
} from "../forward/binding-cache";
import { slot_at, desc_at, BATCH_SLOT_STRIDE, VERDICT_SEND } from "../forward/batch";
import { mh_decode_packet, dec, DEC_PRESENT, DEC_MH_TYPE, DEC_STATUS, DEC_RH2, P_MH, P_RH2 } from "../mh/decode";
import { MH_BA } from "../mh/header";

export const RECORDS_SCRATCH_LEN: u32 = 112;
export const RECORD_OK: i32 = 0;
export const RECORD_BAD: i32 = 1;
export const RECORD_FULL: i32 = 2;
export const RECORD_NOT_CONFIGURED: i32 = 3;

const scratch: usize = memory.data(<i32>RECORDS_SCRATCH_LEN, 16);

export function records_scratch(): usize { return scratch; }
export function binding_record_len(): u32 { return ENTRY_SIZE; }

export function batch_accepted_hoa(i: u32): usize {
  const d = desc_at(i);
  if (load<u32>(d, 8) != VERDICT_SEND) return 0;
  const len = load<u32>(d);
  const off = load<u32>(d, 4);
  if (len == 0 || off >= BATCH_SLOT_STRIDE || len > BATCH_SLOT_STRIDE - off) return 0;
  const p = slot_at(i) + <usize>off;
  // A BA is at least 40 (IPv6) + 24 (RH2) + 12 (MH) bytes; skip data packets cheaply.
  if (len < 76) return 0;
  if (mh_decode_packet(p, len) != 0) return 0;
  const present = dec(DEC_PRESENT);
  if ((present & P_MH) == 0 || (present & P_RH2) == 0) return 0;
  if (dec(DEC_MH_TYPE) != MH_BA || dec(DEC_STATUS) >= 128) return 0;
  return p + <usize>dec(DEC_RH2);
}

export function binding_find(hoa: usize): usize { return bc_peek(hoa); }

export function binding_put(rec: usize): i32 {
  if (bc_capacity() == 0) return RECORD_NOT_CONFIGURED;
  if (!bc_record_valid(rec)) return RECORD_BAD;
  const e = bc_peek(rec);
  if (e != 0) {
    // Same HoA (the hash key), so overwriting the whole record in place keeps the index valid.
    if (e != rec) memory.copy(e, rec, ENTRY_SIZE);
    return RECORD_OK;
  }
  const r = bc_restore_record(rec);
  if (r == BC_ADDED) return RECORD_OK;
  return r == BC_FULL ? RECORD_FULL : RECORD_BAD;
}

export function binding_forget(hoa: usize): u32 { return bc_remove(hoa) ? 1 : 0; }
