// Binding-cache snapshot: a versioned byte blob a restarted DAR restores, so that it keeps
// its bindings and PHKTs (and the control plane its secrets, through control.ts hooks).
//
// Format, version 1 (all integers little-endian):
//   header, SNAP_HEADER_LEN = 64 bytes
//     [0]  u8[8]  magic "FAMASNAP"
//     [8]  u32    version 1
//     [12] u32    headerLen 64
//     [16] u32    recordLen 96
//     [20] u32    count         binding records
//     [24] u32    secretsLen    bytes of control-plane secrets after the records
//     [28] u32    totalLen      64 + count * 96 + secretsLen + 20
//     [32] f64    savedAt       host ms when written (informational)
//     [40] u32    capacity      of the writer (informational)
//     [44] u8[20] reserved 0
//   count binding records, 96 bytes each: exactly the entry record of
//     binding-cache.ts (hoa, coa, phkt, expiry as absolute host wall-clock ms, counters,
//     lifetime, seq, flags, state, updated). Reserved bits 0; state 1; expiry not NaN.
//   secretsLen bytes: opaque, from control_snapshot_write
//   u8[20] SHA-1 of every byte before it
// Expiry times are absolute wall-clock ms, so bindings expire at the right time after a
// restart whatever the downtime was (already-expired records are restored and removed by
// the next lookup or sweep, with `removed` events).
//
// Restore needs a configured, empty cache with capacity >= count. It checks everything
// (length, magic, version, checksum, records, duplicates, control-plane blob) before the
// state changes; on any error the cache is left as it was (empty). It emits no events:
// after a restore the host installs routes from the bindings listing.

import { sha1 } from "../cga/sha1";
import { bc_capacity, bc_count, bc_entry_at, bc_restore_record, bc_clear, BC_ADDED } from "./binding-cache";
import { bc_record_valid, ENTRY_SIZE } from "./binding-record";
import {
  control_snapshot_size, control_snapshot_write, control_snapshot_check, control_snapshot_apply,
} from "./control";

export const SNAP_HEADER_LEN: u32 = 64;
export const SNAP_VERSION: u32 = 1;
export const SNAP_DIGEST_LEN: u32 = 20;
const MAGIC: u64 = 0x50414e53414d4146; // "FAMASNAP" read as a little-endian u64

export const SNAP_OK: i32 = 0;
export const SNAP_BAD_LENGTH: i32 = 1;
export const SNAP_BAD_MAGIC: i32 = 2;
export const SNAP_BAD_VERSION: i32 = 3;
export const SNAP_BAD_CHECKSUM: i32 = 4;
export const SNAP_BAD_RECORD: i32 = 5;
export const SNAP_TOO_MANY: i32 = 6;
export const SNAP_NOT_EMPTY: i32 = 7;
export const SNAP_NOT_CONFIGURED: i32 = 8;
export const SNAP_BAD_SECRETS: i32 = 9;
export const SNAP_DUPLICATE: i32 = 10;

const digest: usize = memory.data(20, 16);

/** Bytes snapshot_write will write. */
export function snapshot_size(): u32 {
  return SNAP_HEADER_LEN + bc_count() * ENTRY_SIZE + control_snapshot_size() + SNAP_DIGEST_LEN;
}

/** Writes the snapshot (snapshot_size() bytes) at `ptr`; returns its length. */
export function snapshot_write_at(ptr: usize, savedAt: f64): u32 {
  const count = bc_count();
  const secrets = control_snapshot_size();
  const total = snapshot_size();
  memory.fill(ptr, 0, SNAP_HEADER_LEN);
  store<u64>(ptr, MAGIC);
  store<u32>(ptr, SNAP_VERSION, 8);
  store<u32>(ptr, SNAP_HEADER_LEN, 12);
  store<u32>(ptr, ENTRY_SIZE, 16);
  store<u32>(ptr, count, 20);
  store<u32>(ptr, secrets, 24);
  store<u32>(ptr, total, 28);
  store<f64>(ptr, savedAt, 32);
  store<u32>(ptr, bc_capacity(), 40);
  if (count > 0) memory.copy(ptr + SNAP_HEADER_LEN, bc_entry_at(0), <usize>count * ENTRY_SIZE);
  const sec = ptr + SNAP_HEADER_LEN + <usize>count * ENTRY_SIZE;
  control_snapshot_write(sec);
  const body = total - SNAP_DIGEST_LEN;
  sha1(ptr, body, ptr + body);
  return total;
}

/** Restores a snapshot of `len` bytes at `ptr`; SNAP_OK or an error code (state untouched). */
export function snapshot_restore(ptr: usize, len: u32): i32 {
  if (len < SNAP_HEADER_LEN + SNAP_DIGEST_LEN) return SNAP_BAD_LENGTH;
  if (load<u64>(ptr) != MAGIC) return SNAP_BAD_MAGIC;
  if (load<u32>(ptr, 8) != SNAP_VERSION) return SNAP_BAD_VERSION;
  if (load<u32>(ptr, 12) != SNAP_HEADER_LEN || load<u32>(ptr, 16) != ENTRY_SIZE) return SNAP_BAD_LENGTH;
  const count = load<u32>(ptr, 20);
  const secrets = load<u32>(ptr, 24);
  const expect: u64 = <u64>SNAP_HEADER_LEN + <u64>count * ENTRY_SIZE + <u64>secrets + SNAP_DIGEST_LEN;
  if (<u64>load<u32>(ptr, 28) != expect || <u64>len != expect) return SNAP_BAD_LENGTH;
  const body = len - SNAP_DIGEST_LEN;
  sha1(ptr, body, digest);
  // Not secret: a plain comparison is fine.
  if (memory.compare(digest, ptr + body, SNAP_DIGEST_LEN) != 0) return SNAP_BAD_CHECKSUM;
  if (bc_capacity() == 0) return SNAP_NOT_CONFIGURED;
  if (bc_count() != 0) return SNAP_NOT_EMPTY;
  if (count > bc_capacity()) return SNAP_TOO_MANY;
  const recs = ptr + SNAP_HEADER_LEN;
  for (let i: u32 = 0; i < count; i++) {
    if (!bc_record_valid(recs + <usize>i * ENTRY_SIZE)) return SNAP_BAD_RECORD;
  }
  const sec = recs + <usize>count * ENTRY_SIZE;
  if (!control_snapshot_check(sec, secrets)) return SNAP_BAD_SECRETS;
  for (let i: u32 = 0; i < count; i++) {
    if (bc_restore_record(recs + <usize>i * ENTRY_SIZE) != BC_ADDED) {
      bc_clear();
      return SNAP_DUPLICATE;
    }
  }
  control_snapshot_apply(sec, secrets);
  return SNAP_OK;
}
