// The deferral queue of cga-mode Binding Updates. dar_process_batch verifies no signature:
// a cga-mode BU that passed the cheap steps (binding-update.ts) is copied here and its slot
// dropped under `cga-deferred`, so the data packets of its batch leave at once. The host then
// calls dar_process_deferred, which moves up to `perBatch` queued BUs (as the CPU budget,
// cga-budget.ts, allows) into batch slots 0..k-1 to be processed like any batch.
//
// A FIFO ring of `capacity` entries (the config's cgaBudget.queue), allocated when the
// capacity is configured, never per packet. Entry, QUEUE_ENTRY_SIZE = 1936 bytes:
//   [0]  u32  len       bytes of the packet
//   [4]  u32  cost      budget units (budget_cost of its modulus)
//   [8]  f64  queuedAt  host ms when it was queued
//   [16] u8[BATCH_MAX_PACKET] the packet, from its IPv6 header
// A BU older than QUEUE_STALE_MS when its turn comes is dropped under `cga-stale`: the MN
// has retransmitted it by then (its first timeout is 1 s), so answering it would spend
// budget on a copy the MN no longer waits for. State: capacity * 1936 bytes (256: 484 KiB).

import { BATCH_HEADROOM, BATCH_MAX_PACKET, BATCH_MAX_SLOTS, slot_at, desc_at } from "../batch/slots";
import { budget_take, budget_wait_ms, budget_per_batch, budget_batch_begin } from "./cga-budget";
import { ctr_inc, C_CGA_STALE } from "./counters";

export const QUEUE_ENTRY_SIZE: u32 = 16 + BATCH_MAX_PACKET;
export const QUEUE_MAX: u32 = 65536;
export const QUEUE_STALE_MS: f64 = 1000;
@inline const Q_LEN: usize = 0;
@inline const Q_COST: usize = 4;
@inline const Q_AT: usize = 8;
@inline const Q_PACKET: usize = 16;

let region: usize = 0;
let capacity: u32 = 0;
let head: u32 = 0;
let size: u32 = 0;

/** Sets the capacity (0: no queue, BUs are verified inline). A new capacity empties the queue. */
export function queue_configure(n: u32): void {
  if (n == capacity) return;
  if (region != 0) heap.free(region);
  region = n == 0 ? 0 : heap.alloc(<usize>n * QUEUE_ENTRY_SIZE);
  capacity = n;
  head = 0;
  size = 0;
}

@inline export function queue_enabled(): bool { return capacity != 0; }
@inline export function queue_len(): u32 { return size; }
@inline export function queue_capacity(): u32 { return capacity; }

@inline function entry(i: u32): usize {
  const j = head + i;
  return region + <usize>(j >= capacity ? j - capacity : j) * QUEUE_ENTRY_SIZE;
}

/** Copies the packet [pkt, pkt+len) to the tail; false when the queue is full. */
export function queue_push(pkt: usize, len: u32, cost: u32, now: f64): bool {
  if (size >= capacity || len > BATCH_MAX_PACKET) return false;
  const e = entry(size);
  store<u32>(e + Q_LEN, len);
  store<u32>(e + Q_COST, cost);
  store<f64>(e + Q_AT, now);
  memory.copy(e + Q_PACKET, pkt, len);
  size++;
  return true;
}

function pop(): void {
  head = head + 1 >= capacity ? 0 : head + 1;
  size--;
}

@inline function stale(e: usize, now: f64): bool { return now - load<f64>(e + Q_AT) > QUEUE_STALE_MS; }

/**
 * Moves queued BUs into batch slots 0..k-1 (packet at the headroom, descriptor length set)
 * while the per-call cap and the budget allow; drops the stale ones met on the way.
 * Returns k. Cost: at most perBatch copies and one visit per stale entry.
 */
export function queue_take_into_slots(now: f64): u32 {
  budget_batch_begin();
  let max = budget_per_batch();
  if (max > BATCH_MAX_SLOTS) max = BATCH_MAX_SLOTS;
  let k: u32 = 0;
  while (k < max && size > 0) {
    const e = entry(0);
    if (stale(e, now)) {
      ctr_inc(C_CGA_STALE);
      pop();
      continue;
    }
    if (!budget_take(load<u32>(e + Q_COST), now)) break;
    const len = load<u32>(e + Q_LEN);
    memory.copy(slot_at(k) + BATCH_HEADROOM, e + Q_PACKET, len);
    const d = desc_at(k);
    store<u32>(d, len);
    store<u32>(d, 0, 4);
    store<u32>(d, 0, 8);
    store<u32>(d, 0, 12);
    k++;
    pop();
  }
  return k;
}

/** Milliseconds until the head of the queue may be processed; -1 when the queue is empty. */
export function queue_wait_ms(now: f64): f64 {
  if (size == 0) return -1;
  const e = entry(0);
  if (stale(e, now)) return 0;
  const w = budget_wait_ms(load<u32>(e + Q_COST), now);
  // Never later than the moment the head turns stale (then it is dropped, the next one waits).
  const untilStale = load<f64>(e + Q_AT) + QUEUE_STALE_MS + 1 - now;
  return w < untilStale ? w : (untilStale > 0 ? untilStale : 0);
}

/** Empties the queue (tests, reconfiguration). */
export function queue_clear(): void {
  head = 0;
  size = 0;
}
