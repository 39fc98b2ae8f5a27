// The DAR's care-of test secrets (PROTOCOL.md §2.4): a 20-byte Kdar and a ring of
// nonces. A new nonce is drawn at least every NONCE_ROTATE_MS; each is accepted for at
// most MAX_NONCE_LIFETIME_MS (RFC 6275). Indices count up from a random start and skip
// 0, which on the wire means "no care-of test".
//
// Snapshot blob (control-plane secrets, NONCE_BLOB_LEN bytes, little-endian):
//   [0] u32 magic 'NCE1'  [4] u32 next index  [8] u32 newest ring slot  [12] u32 0
//   [16] u8[20] Kdar      [36] u32 0
//   [40] NONCE_RING x 24-byte entries: [0] u32 index (0 = empty) [4] u32 0 [8] u8[8] nonce [16] f64 created

import { random_fill } from "../random";

export const KDAR_LEN: u32 = 20;
export const NONCE_LEN: u32 = 8;
export const NONCE_ROTATE_MS: f64 = 30_000;
export const MAX_NONCE_LIFETIME_MS: f64 = 240_000;
// 240 s / 30 s = 8 nonces can be alive at once; one more slot for the newest.
const NONCE_RING: u32 = 9;
const ENTRY: u32 = 24;
const MAGIC: u32 = 0x3145434e; // "NCE1"
export const NONCE_BLOB_LEN: u32 = 40 + NONCE_RING * ENTRY;

const kdar: usize = memory.data(<i32>KDAR_LEN, 16);
const ring: usize = memory.data(<i32>(NONCE_RING * ENTRY), 16);
const startIndex: usize = memory.data(4, 4);
let haveKdar: bool = false;
let nextIndex: u32 = 0;
let newest: u32 = 0;

@inline function slot(i: u32): usize { return ring + <usize>(i * ENTRY); }

/** Draws Kdar on first use. False when the random source failed. */
function ensure_kdar(): bool {
  if (haveKdar) return true;
  if (!random_fill(kdar, KDAR_LEN) || !random_fill(startIndex, 4)) return false;
  nextIndex = (load<u32>(startIndex) & 0xffff) | 1;
  memory.fill(ring, 0, NONCE_RING * ENTRY);
  haveKdar = true;
  return true;
}

/** Kdar (valid once nonce_current succeeded). */
@inline export function nonce_kdar(): usize { return kdar; }

/**
 * The ring slot of the nonce to hand out now, drawing a new one when the newest is
 * NONCE_ROTATE_MS old. Returns 0 when the random source failed.
 */
export function nonce_current(now: f64): usize {
  if (!ensure_kdar()) return 0;
  const cur = slot(newest);
  if (load<u32>(cur) != 0 && now - load<f64>(cur, 16) < NONCE_ROTATE_MS && now >= load<f64>(cur, 16)) return cur;
  const nextSlot = load<u32>(cur) == 0 ? newest : (newest + 1) % NONCE_RING;
  const e = slot(nextSlot);
  if (!random_fill(e + 8, NONCE_LEN)) return 0;
  store<u32>(e, nextIndex);
  store<f64>(e, now, 16);
  nextIndex = (nextIndex + 1) & 0xffff;
  if (nextIndex == 0) nextIndex = 1;
  newest = nextSlot;
  return e;
}

@inline export function nonce_entry_index(e: usize): u32 { return load<u32>(e); }
@inline export function nonce_entry_value(e: usize): usize { return e + 8; }

/** The 8-byte nonce for `index` if it is known and younger than MAX_NONCE_LIFETIME_MS, else 0. */
export function nonce_lookup(index: u32, now: f64): usize {
  if (index == 0 || !haveKdar) return 0;
  for (let i: u32 = 0; i < NONCE_RING; i++) {
    const e = slot(i);
    if (load<u32>(e) != index) continue;
    const age = now - load<f64>(e, 16);
    return age >= 0 && age <= MAX_NONCE_LIFETIME_MS ? e + 8 : 0;
  }
  return 0;
}

/** Keeps a fresh nonce ready (called from tick). */
export function nonce_tick(now: f64): void {
  if (haveKdar) nonce_current(now);
}

export function nonce_blob_size(): u32 { return haveKdar ? NONCE_BLOB_LEN : 0; }

export function nonce_blob_write(p: usize): void {
  if (!haveKdar) return;
  memory.fill(p, 0, NONCE_BLOB_LEN);
  store<u32>(p, MAGIC);
  store<u32>(p, nextIndex, 4);
  store<u32>(p, newest, 8);
  memory.copy(p + 16, kdar, KDAR_LEN);
  memory.copy(p + 40, ring, NONCE_RING * ENTRY);
}

/** Whether `len` bytes at p are a blob nonce_blob_write could have written (or empty). */
export function nonce_blob_check(p: usize, len: u32): bool {
  if (len == 0) return true;
  if (len != NONCE_BLOB_LEN || load<u32>(p) != MAGIC) return false;
  const next = load<u32>(p, 4);
  if (next == 0 || next > 0xffff || load<u32>(p, 8) >= NONCE_RING) return false;
  for (let i: u32 = 0; i < NONCE_RING; i++) {
    const e = p + 40 + <usize>(i * ENTRY);
    const created = load<f64>(e, 16);
    if (load<u32>(e) > 0xffff || created != created) return false; // index range, NaN
  }
  return true;
}

/** Applies a blob nonce_blob_check accepted (an empty blob forgets the secrets). */
export function nonce_blob_apply(p: usize, len: u32): void {
  if (len == 0) {
    haveKdar = false;
    return;
  }
  nextIndex = load<u32>(p, 4);
  newest = load<u32>(p, 8);
  memory.copy(kdar, p + 16, KDAR_LEN);
  memory.copy(ring, p + 40, NONCE_RING * ENTRY);
  haveKdar = true;
}
