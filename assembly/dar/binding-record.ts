// The binding record: one binding of the cache (binding-cache.ts keeps them in a dense
// array), the snapshot's record (snapshot.ts), the journal's record and the record every
// binding event carries (events.ts). 96 bytes, little-endian; mirrored in host/core/records.ts.
//
//   [0]  u8[16] hoa
//   [16] u8[16] coa
//   [32] u8[8]  phkt              valid when flags bit 0 is set
//   [40] f64    expiry            absolute, ms of the host's wall clock
//   [48] u64    pktsToMn          packets encapsulated towards the CoA
//   [56] u64    bytesToMn         their inner bytes
//   [64] u64    pktsFromMn        packets decapsulated from the CoA
//   [72] u64    bytesFromMn       their inner bytes
//   [80] u32    lifetime          seconds granted by the last accepted BU
//   [84] u16    seq               last accepted sequence number
//   [86] u8     flags             bit 0: has PHKT; bit 1: in probation (admission.ts); other bits 0
//   [87] u8     state             1 = bound (the only state for now)
//   [88] f64    updated           ms of the host clock when the last BU was accepted

export const ENTRY_SIZE: u32 = 96;
@inline export const E_HOA: usize = 0;
@inline export const E_COA: usize = 16;
@inline export const E_PHKT: usize = 32;
@inline export const E_EXPIRY: usize = 40;
@inline export const E_PKTS_TO: usize = 48;
@inline export const E_BYTES_TO: usize = 56;
@inline export const E_PKTS_FROM: usize = 64;
@inline export const E_BYTES_FROM: usize = 72;
@inline export const E_LIFETIME: usize = 80;
@inline export const E_SEQ: usize = 84;
@inline export const E_FLAGS: usize = 86;
@inline export const E_STATE: usize = 87;
@inline export const E_UPDATED: usize = 88;

export const FLAG_HAS_PHKT: u32 = 1;
/** Created under the on-link admission policy and not yet refreshed in phkt mode. */
export const FLAG_PROBATION: u32 = 2;
export const STATE_BOUND: u32 = 1;

/** Whether a record from outside (a snapshot, the daemon's journal) is one the cache could hold. */
export function bc_record_valid(r: usize): bool {
  if ((load<u8>(r + E_FLAGS) & ~<u8>(FLAG_HAS_PHKT | FLAG_PROBATION)) != 0) return false;
  if (<u32>load<u8>(r + E_STATE) != STATE_BOUND) return false;
  if (load<u32>(r + E_LIFETIME) == 0) return false;
  const exp = load<f64>(r + E_EXPIRY);
  return exp == exp && exp != Infinity && exp != -Infinity;
}

