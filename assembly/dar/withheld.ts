// Outputs of the current batch that acknowledge a binding change (the BA of an accepted BU).
// The DAR daemon makes a batch's changes durable (its journal, written from the events) before
// it writes the batch's outputs; when that write fails it calls dar_withhold_acks(), which
// turns exactly these outputs into drops counted under `withheld`: no BA leaves for a change
// a crash would lose (the bindings stay in memory; the MN retransmits its BU).

import { BATCH_MAX_SLOTS, desc_at, desc_drop, VERDICT_SEND } from "../batch/slots";
import { ctr_inc, ctr_add, C_TX, C_WITHHELD } from "./counters";

const acks: usize = memory.data(<i32>BATCH_MAX_SLOTS, 16);
let batchLen: u32 = 0;
let current: u32 = BATCH_MAX_SLOTS;

/** A batch of `n` slots starts: nothing acknowledged yet. */
export function acks_begin(n: u32): void {
  memory.fill(acks, 0, <usize>n);
  batchLen = n;
  current = BATCH_MAX_SLOTS;
}

/** Slot `i` is being dispatched (BATCH_MAX_SLOTS: none, e.g. in a tick). */
@inline export function acks_at(i: u32): void { current = i; }

/** The slot being dispatched acknowledges a binding change (binding-update.ts). */
export function acks_mark(): void {
  if (current < batchLen) store<u8>(acks + current, 1);
}

/** Drops every output of the last batch that acknowledges a binding change; returns how many. */
export function acks_withhold(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < batchLen; i++) {
    const d = desc_at(i);
    if (load<u8>(acks + i) == 0 || load<u32>(d, 8) != VERDICT_SEND) continue;
    desc_drop(d, C_WITHHELD);
    ctr_inc(C_WITHHELD);
    n++;
  }
  if (n > 0) ctr_add(C_TX, <u64>(-<i64>n));
  return n;
}
