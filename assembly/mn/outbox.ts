// Packets the MN core originates on its own (BUs, CoTIs, retransmissions, refreshes): they
// have no input slot, so they wait here until the host writes them to the TUN (the kernel
// routes them: source CoA, destination an anchor). The host drains the outbox after every
// call that can fill it (mn_process_batch, mn_tick, mn_attach, mn_release, answers).
//
// Entry i at mn_outbox_base() + i * MN_OUTBOX_STRIDE, native little-endian:
//   [0] u32 packet length   [4] u32 site index   [8] u32 MH type (5 BU, 2 CoTI)   [12] u32 0
//   [16] the IPv6 packet (at most MN_OUTBOX_PACKET bytes)
// A full outbox drops the new packet and counts it (outbox-full); the retransmission timer
// sends it again later.

import { mctr_inc, M_OUTBOX_FULL } from "./counters";

export const MN_OUTBOX_MAX: u32 = 64;
export const MN_OUTBOX_STRIDE: u32 = 2048;
export const MN_OUTBOX_HEADER: u32 = 16;
export const MN_OUTBOX_PACKET: u32 = MN_OUTBOX_STRIDE - MN_OUTBOX_HEADER;

const outboxBase: usize = memory.data(<i32>(MN_OUTBOX_MAX * MN_OUTBOX_STRIDE), 16);
let count: u32 = 0;

/** Where the next packet is to be built (MN_OUTBOX_PACKET bytes), or 0 when full (counted). */
export function outbox_reserve(): usize {
  if (count >= MN_OUTBOX_MAX) {
    mctr_inc(M_OUTBOX_FULL);
    return 0;
  }
  return outboxBase + <usize>count * MN_OUTBOX_STRIDE + MN_OUTBOX_HEADER;
}

/** Queues the packet built at the last outbox_reserve(). */
export function outbox_commit(len: u32, site: u32, type: u32): void {
  const e = outboxBase + <usize>count * MN_OUTBOX_STRIDE;
  store<u32>(e, len);
  store<u32>(e, site, 4);
  store<u32>(e, type, 8);
  store<u32>(e, 0, 12);
  count++;
}

export function mn_outbox_base(): usize { return outboxBase; }
export function mn_outbox_count(): u32 { return count; }
export function mn_outbox_stride(): u32 { return MN_OUTBOX_STRIDE; }
export function mn_outbox_clear(): void { count = 0; }
