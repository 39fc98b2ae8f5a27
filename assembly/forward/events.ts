// The event queue of the packet batch ABI (docs/ARCHITECTURE.md). The host drains it
// after every process_batch and tick and acts on it (kernel routes for bound HoAs).
//
// Record, 48 bytes, native little-endian integers:
//   [0]  u32     kind      1 binding added, 2 binding moved (CoA changed), 3 binding removed
//   [4]  u32     lifetime  seconds granted (0 for removed)
//   [8]  u8[16]  hoa
//   [24] u8[16]  coa       (removed: the CoA the binding had)
//   [40] u32     seq       last accepted sequence number
//   [44] u32     reserved  0
// When the queue is full, the oldest records are kept, the new one is dropped and
// counted under `events-lost`. Producers that can wait (the expiry sweep) check
// `events_room()` first so that they never lose one.

import { copy_addr } from "../wire/bytes";
import { ctr_inc, C_EVENTS_LOST } from "./counters";

export const EVENT_SIZE: u32 = 48;
export const EVENTS_MAX: u32 = 4096;

export const EV_ADDED: u32 = 1;
export const EV_MOVED: u32 = 2;
export const EV_REMOVED: u32 = 3;

const eventsBase: usize = memory.data(<i32>(EVENTS_MAX * EVENT_SIZE), 16);
let eventsCount: u32 = 0;

export function event_push(kind: u32, lifetime: u32, hoa: usize, coa: usize, seq: u32): void {
  if (eventsCount >= EVENTS_MAX) {
    ctr_inc(C_EVENTS_LOST);
    return;
  }
  const p = eventsBase + <usize>eventsCount * EVENT_SIZE;
  store<u32>(p, kind);
  store<u32>(p, lifetime, 4);
  copy_addr(p + 8, hoa);
  copy_addr(p + 24, coa);
  store<u32>(p, seq, 40);
  store<u32>(p, 0, 44);
  eventsCount++;
}

/** Free records left in the queue. */
@inline export function events_room(): u32 {
  return EVENTS_MAX - eventsCount;
}

export function events_base(): usize {
  return eventsBase;
}

export function events_count(): u32 {
  return eventsCount;
}

export function events_clear(): void {
  eventsCount = 0;
}
