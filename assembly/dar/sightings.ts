// The sightings table: addresses inside the DAR's prefixes that its access link has seen
// (the host feeds the kernel's neighbour table, host/dar/sightings.ts), with when each was
// last seen. admission.ts asks it before a cga-mode BU may create a binding.
//
// An open-addressing table of 2^k slots, 2^k >= 2 * capacity (at capacity at most half the
// slots are live), allocated when the capacity is configured; slot (SIGHTING_SIZE = 32 bytes):
// [0] u8[16] address, [16] f64 lastSeen (host ms; 0 = never used), [24] u64 reserved. The slot
// is chosen by a keyed hash of the address (key from random_get), and every operation visits
// at most SIGHTING_PROBE slots from it: an insertion takes the first never-used slot of that
// window, or the address's own slot, or else the slot seen longest ago in the window (counted
// under `sightings-evicted` when that one was still live). Slots are never emptied, so a lookup
// may stop at the first never-used slot. Cost per operation: SIGHTING_PROBE (16) address
// compares, whatever the input; state: 32 * 2^k bytes (16384: 32768 slots, 1 MiB). At most half
// full, a window of 16 is rarely all live: of random addresses in the default table, 10,000 evict
// none and 16,384 (capacity) evict 7 (tests/assembly/dar-policy.spec.ts; with 2^k >= capacity
// and 8 slots, 10,000 evicted 121). Someone who can make the access link see many addresses can
// only push out the oldest sightings of one probe window at a time.

import { addr_eq, copy_addr } from "../wire/bytes";
import { random_fill } from "../random";
import { ctr_inc, C_SIGHTINGS_EVICTED } from "./counters";

export const SIGHTING_SIZE: u32 = 32;
export const SIGHTING_PROBE: u32 = 16;
/** A sighting as sightings_write lays it out: address and lastSeen. */
export const SIGHTING_RECORD: u32 = 24;
export const SIGHTINGS_MAX: u32 = 4194304;
@inline const S_LAST: usize = 16;

let region: usize = 0;
let capacity: u32 = 0;
let mask: u32 = 0;
let used: u32 = 0;
let lifetimeMs: f64 = 3600000;
let k0: u64 = 0;
let k1: u64 = 0;
const seed: usize = memory.data(16, 16);
// Slots the last add or lookup visited (specs check the bound).
let lastProbes: u32 = 0;

function slots_for(cap: u32): u32 {
  let s: u32 = 16;
  while (s < cap * 2) s <<= 1; // cap <= SIGHTINGS_MAX: no overflow
  return s;
}

/** A table for `cap` sightings with a given hash key (specs: their host has no random_get). */
export function sightings_init_keyed(cap: u32, key0: u64, key1: u64): bool {
  if (cap == 0 || cap > SIGHTINGS_MAX) return false;
  const slots = slots_for(cap);
  if (region != 0) heap.free(region);
  region = heap.alloc(<usize>slots * SIGHTING_SIZE);
  memory.fill(region, 0, <usize>slots * SIGHTING_SIZE);
  capacity = cap;
  mask = slots - 1;
  used = 0;
  k0 = key0;
  k1 = key1;
  return true;
}

/** (Re)creates the table when `cap` changes (an empty table, a new key); sets the lifetime. */
export function sightings_configure(cap: u32, lifetimeS: u32): bool {
  lifetimeMs = <f64>lifetimeS * 1000;
  if (cap == capacity) return true;
  if (!random_fill(seed, 16)) return false;
  return sightings_init_keyed(cap, load<u64>(seed), load<u64>(seed, 8));
}

@inline function hash(a: usize): u32 {
  let x = (load<u64>(a) ^ k0) * 0x9e3779b97f4a7c15;
  x ^= x >> 29;
  x += (load<u64>(a, 8) ^ k1) * 0xbf58476d1ce4e5b9;
  x ^= x >> 32;
  x *= 0x94d049bb133111eb;
  return <u32>(x >> 32);
}

@inline function slot(i: u32): usize { return region + <usize>(i & mask) * SIGHTING_SIZE; }

/** Records that `a` was seen at `now`. */
export function sightings_add(a: usize, now: f64): void {
  if (capacity == 0) return;
  const h = hash(a);
  let victim: usize = 0;
  let oldest: f64 = Infinity;
  for (let p: u32 = 0; p < SIGHTING_PROBE; p++) {
    lastProbes = p + 1;
    const s = slot(h + p);
    const last = load<f64>(s + S_LAST);
    if (last == 0) {
      copy_addr(s, a);
      store<f64>(s + S_LAST, now > 0 ? now : 1);
      used++;
      return;
    }
    if (addr_eq(s, a)) {
      if (now > last) store<f64>(s + S_LAST, now);
      return;
    }
    if (last < oldest) {
      oldest = last;
      victim = s;
    }
  }
  if (now - oldest <= lifetimeMs) ctr_inc(C_SIGHTINGS_EVICTED);
  copy_addr(victim, a);
  store<f64>(victim + S_LAST, now > 0 ? now : 1);
}

/** Whether `a` was seen at most `sightingLifetime` before `now`. */
export function sightings_seen(a: usize, now: f64): bool {
  if (capacity == 0) return false;
  const h = hash(a);
  for (let p: u32 = 0; p < SIGHTING_PROBE; p++) {
    lastProbes = p + 1;
    const s = slot(h + p);
    const last = load<f64>(s + S_LAST);
    if (last == 0) return false;
    if (addr_eq(s, a)) return now - last <= lifetimeMs;
  }
  return false;
}

/**
 * Writes the live sightings (at most `max`) at `ptr` as SIGHTING_RECORD-byte records
 * ([0] u8[16] address, [16] f64 lastSeen); returns how many. One pass over the table.
 */
export function sightings_write(ptr: usize, max: u32, now: f64): u32 {
  if (capacity == 0) return 0;
  let n: u32 = 0;
  for (let i: u32 = 0; i <= mask && n < max; i++) {
    const s = slot(i);
    const last = load<f64>(s + S_LAST);
    if (last == 0 || now - last > lifetimeMs) continue;
    memory.copy(ptr + <usize>n * SIGHTING_RECORD, s, SIGHTING_RECORD);
    n++;
  }
  return n;
}

/** Slots the last sightings_add / sightings_seen visited. */
export function sightings_last_probes(): u32 { return lastProbes; }
/** Slots in use (live or expired sightings). */
export function sightings_used(): u32 { return used; }
export function sightings_capacity(): u32 { return capacity; }
/** Bytes the table holds. */
export function sightings_bytes(): f64 { return capacity == 0 ? 0 : <f64>(mask + 1) * SIGHTING_SIZE; }
