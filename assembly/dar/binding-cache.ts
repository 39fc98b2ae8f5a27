// The binding cache: HoA -> binding, for up to BC_MAX_CAPACITY bindings, in one
// linear-memory region allocated when the capacity is set (no allocation per binding).
//
// Structure
//   * `entries`: a dense array of `capacity` 96-byte records (layout below). Bindings
//     occupy indices 0..count-1; removing one moves the last record into its place, so
//     the expiry sweep, the snapshot and the host's listing walk a dense array.
//   * `table`: an open-addressing index of 2^k 8-byte slots, 2^k >= capacity * 4/3
//     (load <= 0.75 at capacity): [0] u32 hash of the HoA, [4] u32 entry index + 1
//     (0 = empty). Robin Hood linear probing: an insertion takes the slot of any
//     resident that is closer to its home slot, so probe lengths stay short and even,
//     and an unsuccessful lookup stops as soon as it meets a resident closer to home
//     than the probe. Deletion shifts the following run back by one slot (backward-shift
//     deletion): no tombstones, so lookup cost does not decay with churn.
//   * The 32-bit hash of the 128-bit HoA mixes both halves with a 128-bit key drawn
//     from WASI random_get when the cache is created, so that nobody who does not know
//     the key can choose HoAs that collide into one probe run. (It is a keyed
//     multiply-xorshift mixer, not a PRF; Robin Hood keeps even a bad run bounded by
//     the load factor, and HoAs only enter the cache through authenticated BUs.)
//   * Lookups from a packet batch (assembly/dar/engine.ts) come in two steps so that the
//     batch can overlap the cache misses of its packets: bc_candidate_slot(h) probes the
//     table by hash tag alone (no record read) and bc_lookup_candidate finishes the lookup
//     from that candidate, valid while `epoch` is unchanged (every insertion, deletion or
//     record move bumps it). bc_key_hash lets the caller hash a key once for both steps.
//   * Memory per binding at capacity C: 96 + 8 * 2^k / C bytes; between 106.7 and
//     117.3 bytes whatever C is (1,000,000 -> 112.8).
//
// Entry records: the 96-byte layout of binding-record.ts.
//
// Expiry: a binding is dead once `now >= expiry`. Lookups treat a dead binding as absent
// and remove it (lazy expiry); `bc_expire(now, budget)` walks the dense array with a
// cursor, a bounded number of records per call, so a tick never scans a million entries.
// Both emit a `removed` event; neither removes a binding when the event queue is full
// (the sweep stops, the lookup just reports "absent"), so no route is ever leaked.

import { addr_eq, copy_addr } from "../wire/bytes";
import { event_push, events_room, EV_ADDED, EV_MOVED, EV_REMOVED, EV_REFRESHED } from "./events";
import {
  ENTRY_SIZE, E_HOA, E_COA, E_PHKT, E_EXPIRY, E_LIFETIME, E_SEQ, E_FLAGS, E_STATE, E_UPDATED, FLAG_HAS_PHKT, FLAG_PROBATION, STATE_BOUND,
} from "./binding-record";

import { ctr_inc, C_BINDINGS_EXPIRED, C_CACHE_FULL } from "./counters";
import { random_fill } from "../random";

export const BC_MAX_CAPACITY: u32 = 4194304;

// Status codes.
export const BC_OK: i32 = 0;
export const BC_ADDED: i32 = 1;
export const BC_MOVED: i32 = 2;
export const BC_REFRESHED: i32 = 3;
export const BC_FULL: i32 = -1;
export const BC_ERR_CAPACITY: i32 = -2;
export const BC_ERR_RANDOM: i32 = -3;
export const BC_ERR_LIFETIME: i32 = -4;

let region: usize = 0;
let table: usize = 0;
let entries: usize = 0;
let capacity: u32 = 0;
let count: u32 = 0;
let mask: u32 = 0;
let k0: u64 = 0;
let k1: u64 = 0;
let sweepCursor: u32 = 0;
// Records carrying FLAG_PROBATION (admission.ts caps them): kept by every insertion,
// removal and overwrite below.
let probation: u32 = 0;
@inline function probation_of(e: usize): u32 { return (<u32>load<u8>(e + E_FLAGS) & FLAG_PROBATION) != 0 ? 1 : 0; }
// Bumped by every change of the table or of the records' positions (insert, delete, clear,
// new cache, hash hook): a probe result taken at one epoch is still exact at the same epoch.
let epoch: u32 = 0;

const seedBuf: usize = memory.data(16, 16);

/** Number of table slots for a capacity: the smallest power of two >= capacity * 4/3. */
export function bc_slots_for(cap: u32): u32 {
  const need = (<u64>cap * 4 + 2) / 3;
  let s: u64 = 16;
  while (s < need) s <<= 1;
  return <u32>s;
}

/**
 * Creates an empty cache for `cap` bindings (1..BC_MAX_CAPACITY), dropping any previous
 * one without events, and draws a new hash key. Returns BC_OK or a negative error.
 */
export function bc_init(cap: u32): i32 {
  if (cap == 0 || cap > BC_MAX_CAPACITY) return BC_ERR_CAPACITY;
  if (!random_fill(seedBuf, 16)) return BC_ERR_RANDOM;
  return bc_init_keyed(cap, load<u64>(seedBuf), load<u64>(seedBuf, 8));
}

/** bc_init with a given hash key (as-pect specs, whose host has no random_get). */
export function bc_init_keyed(cap: u32, key0: u64, key1: u64): i32 {
  if (cap == 0 || cap > BC_MAX_CAPACITY) return BC_ERR_CAPACITY;
  const slots = bc_slots_for(cap);
  const tableBytes = <usize>slots << 3;
  const bytes = tableBytes + <usize>cap * ENTRY_SIZE + 64;
  if (region != 0) heap.free(region);
  region = heap.alloc(bytes);
  table = (region + 63) & ~<usize>63;
  entries = table + tableBytes;
  memory.fill(table, 0, tableBytes);
  capacity = cap;
  count = 0;
  probation = 0;
  mask = slots - 1;
  sweepCursor = 0;
  epoch++;
  k0 = key0;
  k1 = key1;
  return BC_OK;
}

/** Removes every binding without events (restore failure, tests). */
export function bc_clear(): void {
  if (capacity == 0) return;
  memory.fill(table, 0, (<usize>mask + 1) << 3);
  count = 0;
  probation = 0;
  sweepCursor = 0;
  epoch++;
}

/** Bindings in probation (FLAG_PROBATION). */
@inline export function bc_probation_count(): u32 { return probation; }

@inline export function bc_capacity(): u32 { return capacity; }
@inline export function bc_count(): u32 { return count; }
@inline export function bc_table_slots(): u32 { return capacity == 0 ? 0 : mask + 1; }
/** Bytes of linear memory the cache holds (table + entries). */
export function bc_bytes(): f64 {
  return capacity == 0 ? 0 : <f64>((<u64>mask + 1) * 8 + <u64>capacity * ENTRY_SIZE);
}
/** Entry record `i` of the dense array (0 <= i < bc_count()). */
@inline export function bc_entry_at(i: u32): usize { return entries + <usize>i * ENTRY_SIZE; }
@inline export function bc_table(): usize { return table; }
@inline export function bc_mask(): u32 { return mask; }
@inline export function bc_entries(): usize { return entries; }

/** The keyed 32-bit hash of the HoA at `p`. */
@inline export function bc_hash(p: usize): u32 {
  let x = (load<u64>(p) ^ k0) * 0x9e3779b97f4a7c15;
  x ^= x >> 32;
  x = (x ^ load<u64>(p, 8) ^ k1) * 0xbf58476d1ce4e5b9;
  x ^= x >> 29;
  x *= 0x94d049bb133111eb;
  x ^= x >> 32;
  return <u32>x;
}

// Test hook: when set, every HoA hashes to this value (collision tests).
let forcedHash: u32 = 0;
let forceHash: bool = false;
export function bc_test_force_hash(on: bool, h: u32): void { forceHash = on; forcedHash = h; epoch++; }
@inline function hash_of(p: usize): u32 { return forceHash ? forcedHash : bc_hash(p); }

/** Slot index holding the HoA, or -1. */
function find_slot(hoa: usize, h: u32): i32 {
  if (capacity == 0) return -1;
  let i = h & mask;
  let dist: u32 = 0;
  while (true) {
    const v = load<u64>(table + (<usize>i << 3));
    const idx1 = <u32>(v >> 32);
    if (idx1 == 0) return -1;
    const sh = <u32>v;
    if (sh == h && addr_eq(entries + <usize>(idx1 - 1) * ENTRY_SIZE, hoa)) return <i32>i;
    if (((i - (sh & mask)) & mask) < dist) return -1;
    i = (i + 1) & mask;
    dist++;
  }
  return -1;
}

function table_insert(h: u32, idx1: u32): void {
  epoch++;
  let cur: u64 = (<u64>idx1 << 32) | <u64>h;
  let i = h & mask;
  let dist: u32 = 0;
  while (true) {
    const s = table + (<usize>i << 3);
    const v = load<u64>(s);
    if ((v >> 32) == 0) {
      store<u64>(s, cur);
      return;
    }
    const d = (i - (<u32>v & mask)) & mask;
    if (d < dist) {
      store<u64>(s, cur);
      cur = v;
      dist = d;
    }
    i = (i + 1) & mask;
    dist++;
  }
}

/** Empties slot `i` and shifts the run after it back by one (no tombstones). */
function table_delete(i: u32): void {
  epoch++;
  let j = (i + 1) & mask;
  while (true) {
    const v = load<u64>(table + (<usize>j << 3));
    if ((v >> 32) == 0 || ((j - (<u32>v & mask)) & mask) == 0) break;
    store<u64>(table + (<usize>i << 3), v);
    i = j;
    j = (j + 1) & mask;
  }
  store<u64>(table + (<usize>i << 3), 0);
}

/** Removes the binding in slot `s` (no event): table slot, then the dense record. */
function remove_slot(s: u32): void {
  const idx = <u32>(load<u64>(table + (<usize>s << 3)) >> 32) - 1;
  probation -= probation_of(entries + <usize>idx * ENTRY_SIZE);
  table_delete(s);
  const last = count - 1;
  if (idx != last) {
    const from = entries + <usize>last * ENTRY_SIZE;
    memory.copy(entries + <usize>idx * ENTRY_SIZE, from, ENTRY_SIZE);
    // Repoint the moved record's table slot.
    const h = hash_of(from);
    let i = h & mask;
    while (true) {
      const p = table + (<usize>i << 3);
      if (<u32>(load<u64>(p) >> 32) == last + 1) {
        store<u32>(p, idx + 1, 4);
        break;
      }
      i = (i + 1) & mask;
    }
  }
  count = last;
}

function emit_removed(e: usize): void {
  event_push(EV_REMOVED, e);
}

/** The hash `hoa` is filed under (bc_hash, or the test hook's forced value). */
@inline export function bc_key_hash(hoa: usize): u32 { return hash_of(hoa); }

/**
 * The live binding for `hoa`, or 0. A binding whose expiry has passed is absent; it is
 * removed (with a `removed` event) when the event queue has room.
 */
export function bc_lookup(hoa: usize, now: f64): usize {
  return bc_lookup_hashed(hoa, hash_of(hoa), now);
}

/** bc_lookup for a HoA whose bc_key_hash `h` the caller already has (the batch hashes once). */
export function bc_lookup_hashed(hoa: usize, h: u32, now: f64): usize {
  return live_at(find_slot(hoa, h), now);
}

/**
 * bc_lookup_hashed given `cand` = bc_candidate_slot(h) and its record `rec` =
 * bc_slot_entry(cand), as found while bc_epoch() was `ep`. At the same epoch the candidate
 * is exact: -1 means absent, and a candidate holding `hoa` is its binding; otherwise (a tag
 * collision, or the table changed since) the full probe runs.
 */
@inline export function bc_lookup_candidate(hoa: usize, h: u32, cand: i32, rec: usize, ep: u32, now: f64): usize {
  if (ep == epoch) {
    if (cand < 0) return 0;
    if (addr_eq(rec, hoa) && now < load<f64>(rec + E_EXPIRY)) return rec;
  }
  return bc_lookup_hashed(hoa, h, now);
}

/** The live binding in slot `s` (-1: none), with lazy expiry as bc_lookup. */
@inline function live_at(s: i32, now: f64): usize {
  if (s < 0) return 0;
  const e = entries + <usize>((<u32>(load<u64>(table + (<usize>s << 3)) >> 32)) - 1) * ENTRY_SIZE;
  if (now >= load<f64>(e + E_EXPIRY)) {
    if (events_room() > 0) {
      emit_removed(e);
      ctr_inc(C_BINDINGS_EXPIRED);
      remove_slot(<u32>s);
    }
    return 0;
  }
  return e;
}

// Prefetch helpers for a batch (assembly/dar/engine.ts). Wasm has no prefetch instruction,
// so the batch issues plain loads in tight loops over all its packets before processing any:
// first every packet's home table slot, then (table lines now cached) every candidate record.
// The loads are independent, so the CPU overlaps their cache and TLB misses.

/** Loads the home table slot of hash `h` (the value only keeps the load alive). */
@inline export function bc_touch_slot(h: u32): u32 {
  return load<u32>(table + (<usize>(h & mask) << 3), 4);
}

/** The current epoch (see bc_lookup_candidate). */
@inline export function bc_epoch(): u32 { return epoch; }

/**
 * The first slot on the probe run of hash `h` whose tag is `h`, found without reading any
 * record, or -1 (then no binding has hash `h`). A candidate only: its HoA is not compared.
 */
export function bc_candidate_slot(h: u32): i32 {
  if (capacity == 0) return -1;
  let i = h & mask;
  let dist: u32 = 0;
  while (true) {
    const v = load<u64>(table + (<usize>i << 3));
    const idx1 = <u32>(v >> 32);
    if (idx1 == 0) return -1;
    const sh = <u32>v;
    if (sh == h) return <i32>i;
    if (((i - (sh & mask)) & mask) < dist) return -1;
    i = (i + 1) & mask;
    dist++;
  }
  return -1;
}

/** The record of occupied slot `s`. */
@inline export function bc_slot_entry(s: i32): usize {
  return entries + <usize>((<u32>(load<u64>(table + (<usize>s << 3)) >> 32)) - 1) * ENTRY_SIZE;
}

/** The record for `hoa` whether or not it has expired (tests, snapshot), or 0. */
export function bc_peek(hoa: usize): usize {
  const s = find_slot(hoa, hash_of(hoa));
  if (s < 0) return 0;
  return entries + <usize>((<u32>(load<u64>(table + (<usize>s << 3)) >> 32)) - 1) * ENTRY_SIZE;
}

/**
 * Creates or updates the binding for `hoa`: CoA, last accepted sequence number, lifetime
 * (seconds, 1..2^32-1; expiry = now + lifetime * 1000), and the PHKT when `phkt` != 0
 * (8 bytes; 0 keeps the stored PHKT, or none for a new binding).
 * Returns BC_ADDED (event `added`), BC_MOVED (CoA changed, event `moved`), BC_REFRESHED
 * (same CoA, event `refreshed`), BC_FULL (no room: the control plane answers BA 130) or
 * BC_ERR_CAPACITY (no cache configured) / BC_ERR_LIFETIME (lifetime 0: use bc_remove).
 */
export function bc_update(hoa: usize, coa: usize, seq: u32, lifetime: u32, phkt: usize, now: f64, setFlags: u32 = 0, clearFlags: u32 = 0): i32 {
  if (capacity == 0) return BC_ERR_CAPACITY;
  if (lifetime == 0) return BC_ERR_LIFETIME;
  const h = hash_of(hoa);
  const s = find_slot(hoa, h);
  const expiry = now + <f64>lifetime * 1000;
  if (s < 0) {
    if (count >= capacity) {
      ctr_inc(C_CACHE_FULL);
      return BC_FULL;
    }
    const idx = count;
    const e = entries + <usize>idx * ENTRY_SIZE;
    memory.fill(e, 0, ENTRY_SIZE);
    copy_addr(e + E_HOA, hoa);
    copy_addr(e + E_COA, coa);
    if (phkt != 0) {
      store<u64>(e + E_PHKT, load<u64>(phkt));
      store<u8>(e + E_FLAGS, <u8>FLAG_HAS_PHKT);
    }
    store<u8>(e + E_FLAGS, load<u8>(e + E_FLAGS) | <u8>(setFlags & FLAG_PROBATION));
    probation += probation_of(e);
    store<f64>(e + E_EXPIRY, expiry);
    store<u32>(e + E_LIFETIME, lifetime);
    store<u16>(e + E_SEQ, <u16>seq);
    store<u8>(e + E_STATE, <u8>STATE_BOUND);
    store<f64>(e + E_UPDATED, now);
    count = idx + 1;
    table_insert(h, idx + 1);
    event_push(EV_ADDED, e);
    return BC_ADDED;
  }
  const e = entries + <usize>((<u32>(load<u64>(table + (<usize>s << 3)) >> 32)) - 1) * ENTRY_SIZE;
  const moved = !addr_eq(e + E_COA, coa);
  copy_addr(e + E_COA, coa);
  probation -= probation_of(e);
  store<u8>(e + E_FLAGS, (load<u8>(e + E_FLAGS) & ~<u8>(clearFlags & FLAG_PROBATION)) | <u8>(setFlags & FLAG_PROBATION));
  probation += probation_of(e);
  if (phkt != 0) {
    store<u64>(e + E_PHKT, load<u64>(phkt));
    store<u8>(e + E_FLAGS, load<u8>(e + E_FLAGS) | <u8>FLAG_HAS_PHKT);
  }
  store<f64>(e + E_EXPIRY, expiry);
  store<u32>(e + E_LIFETIME, lifetime);
  store<u16>(e + E_SEQ, <u16>seq);
  store<f64>(e + E_UPDATED, now);
  event_push(moved ? EV_MOVED : EV_REFRESHED, e);
  return moved ? BC_MOVED : BC_REFRESHED;
}

/** Deletes the binding (and its PHKT) for `hoa` with a `removed` event; false if none. */
export function bc_remove(hoa: usize): bool {
  const s = find_slot(hoa, hash_of(hoa));
  if (s < 0) return false;
  const e = entries + <usize>((<u32>(load<u64>(table + (<usize>s << 3)) >> 32)) - 1) * ENTRY_SIZE;
  emit_removed(e);
  remove_slot(<u32>s);
  return true;
}

/**
 * Inserts a record restored from a snapshot (96 bytes at `rec`) without an event.
 * Returns BC_ADDED, BC_FULL, or BC_REFRESHED when the HoA is already present (a duplicate:
 * the caller rejects the snapshot).
 */
export function bc_restore_record(rec: usize): i32 {
  if (capacity == 0) return BC_ERR_CAPACITY;
  const h = hash_of(rec);
  if (find_slot(rec, h) >= 0) return BC_REFRESHED;
  if (count >= capacity) return BC_FULL;
  const idx = count;
  memory.copy(entries + <usize>idx * ENTRY_SIZE, rec, ENTRY_SIZE);
  probation += probation_of(rec);
  count = idx + 1;
  table_insert(h, idx + 1);
  return BC_ADDED;
}

/** Overwrites the live record `e` with `rec` (same HoA: the index stays valid), without an event. */
export function bc_overwrite(e: usize, rec: usize): void {
  probation -= probation_of(e);
  if (e != rec) memory.copy(e, rec, ENTRY_SIZE);
  probation += probation_of(e);
}

/**
 * Visits at most `budget` records from the sweep cursor and removes those whose expiry
 * has passed (with `removed` events). Stops early when the event queue is full.
 * Returns how many were removed.
 */
export function bc_expire(now: f64, budget: u32): u32 {
  let removed: u32 = 0;
  let visited: u32 = 0;
  while (visited < budget && count > 0) {
    if (sweepCursor >= count) sweepCursor = 0;
    const e = entries + <usize>sweepCursor * ENTRY_SIZE;
    if (now >= load<f64>(e + E_EXPIRY)) {
      if (events_room() == 0) break;
      emit_removed(e);
      ctr_inc(C_BINDINGS_EXPIRED);
      const s = find_slot(e + E_HOA, hash_of(e + E_HOA));
      if (s >= 0) remove_slot(<u32>s); // the last record now sits at the cursor
      else sweepCursor++; // cannot happen; never loop on a broken record
      removed++;
    } else {
      sweepCursor++;
    }
    visited++;
  }
  return removed;
}

/** Longest probe distance in the table (tests and the bench report). */
export function bc_max_probe(): u32 {
  let m: u32 = 0;
  for (let i: u32 = 0; i <= mask && capacity != 0; i++) {
    const v = load<u64>(table + (<usize>i << 3));
    if ((v >> 32) == 0) continue;
    const d = (i - (<u32>v & mask)) & mask;
    if (d > m) m = d;
  }
  return m;
}
