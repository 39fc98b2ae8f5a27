// Binding records coming from outside the binding cache: the DAR daemon's journal replay
// (host/dar/journal.ts). The journal is written from the binding events (events.ts: each
// carries the binding's 96-byte record); after a restart the host restores the snapshot and
// replays the journal on top with dar_binding_put / dar_binding_forget.
//
// ABI (numbers only; records in linear memory):
//   dar_records_scratch(): usize      RECORDS_SCRATCH_LEN (112) bytes the host may fill with a
//                                     HoA (16) or a record (96) before dar_binding_put/forget
//   dar_binding_put(rec): i32         inserts the record at `rec`, or overwrites the binding with the
//                                     same HoA, without an event. RECORD_OK 0, RECORD_BAD 1 (same
//                                     checks as a snapshot record), RECORD_FULL 2, RECORD_NOT_CONFIGURED 3
//   dar_binding_forget(hoa): u32      deletes the binding for the HoA; 1 if there was one. It emits
//                                     the cache's `removed` event (the host discards events
//                                     produced while replaying, before it installs routes)
// The record carries the PHKT: it is secret, and the host treats the 96 bytes as opaque.

import { bc_capacity, bc_peek, bc_remove, bc_restore_record, bc_overwrite, BC_ADDED, BC_FULL } from "./binding-cache";
import { bc_record_valid } from "./binding-record";

export const RECORDS_SCRATCH_LEN: u32 = 112;
export const RECORD_OK: i32 = 0;
export const RECORD_BAD: i32 = 1;
export const RECORD_FULL: i32 = 2;
export const RECORD_NOT_CONFIGURED: i32 = 3;

const scratch: usize = memory.data(<i32>RECORDS_SCRATCH_LEN, 16);

export function dar_records_scratch(): usize { return scratch; }

export function dar_binding_put(rec: usize): i32 {
  if (bc_capacity() == 0) return RECORD_NOT_CONFIGURED;
  if (!bc_record_valid(rec)) return RECORD_BAD;
  const e = bc_peek(rec);
  if (e != 0) {
    bc_overwrite(e, rec);
    return RECORD_OK;
  }
  const r = bc_restore_record(rec);
  if (r == BC_ADDED) return RECORD_OK;
  return r == BC_FULL ? RECORD_FULL : RECORD_BAD;
}

export function dar_binding_forget(hoa: usize): u32 { return bc_remove(hoa) ? 1 : 0; }
