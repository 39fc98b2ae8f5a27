// The DAR's event queue: every binding change, with everything the host acts on. The host
// drains it after every dar_process_batch and dar_tick: kernel routes for bound HoAs
// (added / moved / removed) and the daemon's journal (every kind: the journal is written
// from events alone, so a refresh, which changes no route, has an event too).
//
// Record, EVENT_SIZE = 112 bytes, native little-endian integers:
//   [0]  u32      kind      EV_ADDED 1, EV_MOVED 2 (CoA changed), EV_REMOVED 3,
//                           EV_REFRESHED 4 (same CoA: new sequence number, lifetime, PHKT)
//   [4]  u32      lifetime  seconds granted (0 for removed)
//   [8]  u32      seq       last accepted sequence number
//   [12] u32      reserved  0
//   [16] u8[96]   record    the binding record after the change (binding-record.ts layout;
//                           removed: as it was). It holds the PHKT: the host treats it as
//                           opaque outside host/core/records.ts.
// When the queue is full, the oldest records are kept, the new one is dropped and counted
// under `events-lost`. Producers that can wait (the expiry sweep) check `events_room()` first
// so that they never lose one. A batch makes at most two changes per slot (a lazy expiry and
// the slot's BU), 2 * BATCH_MAX_SLOTS < EVENTS_MAX, so a host that drains after every batch
// and tick loses none of a batch's changes.

import { E_LIFETIME, E_SEQ, ENTRY_SIZE } from "./binding-record";
import { ctr_inc, C_EVENTS_LOST } from "./counters";

export const EVENT_SIZE: u32 = 112;
@inline export const EVENT_KIND: usize = 0;
@inline export const EVENT_LIFETIME: usize = 4;
@inline export const EVENT_SEQ: usize = 8;
@inline export const EVENT_RECORD: usize = 16;
export const EVENTS_MAX: u32 = 4096;

export const EV_ADDED: u32 = 1;
export const EV_MOVED: u32 = 2;
export const EV_REMOVED: u32 = 3;
export const EV_REFRESHED: u32 = 4;

const eventsBase: usize = memory.data(<i32>(EVENTS_MAX * EVENT_SIZE), 16);
let eventsCount: u32 = 0;

/** Queues an event of `kind` for the binding record at `rec` (its state after the change). */
export function event_push(kind: u32, rec: usize): void {
  if (eventsCount >= EVENTS_MAX) {
    ctr_inc(C_EVENTS_LOST);
    return;
  }
  const p = eventsBase + <usize>eventsCount * EVENT_SIZE;
  store<u32>(p + EVENT_KIND, kind);
  store<u32>(p + EVENT_LIFETIME, kind == EV_REMOVED ? 0 : load<u32>(rec + E_LIFETIME));
  store<u32>(p + EVENT_SEQ, <u32>load<u16>(rec + E_SEQ));
  store<u32>(p, 0, 12);
  memory.copy(p + EVENT_RECORD, rec, ENTRY_SIZE);
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
