// The DAR's counters (docs/ARCHITECTURE.md): one u64 per index, in a static array whose
// address `dar_counters_base()` returns. The names below are the ABI:
// `host/core/dar.ts` mirrors them by name, in this order. Append new names at the end
// (never reorder) and add them to COUNTER_NAMES in host/core/dar.ts.
//
// A drop is counted under exactly one "reason" counter, and that index is what the
// descriptor's `reason` field reports. Informational counters (rx, tx, encap, ...)
// are never a reason.

export const C_RX: u32 = 0; //               packets handed to process_batch
export const C_TX: u32 = 1; //               outputs with verdict send
export const C_ENCAP: u32 = 2; //            packets tunnelled to a CoA
export const C_DECAP: u32 = 3; //            packets decapsulated from a CoA and forwarded
export const C_ECHO_REPLY: u32 = 4; //       echo replies sent for the anchor address
export const C_TIME_EXCEEDED_SENT: u32 = 5; // ICMPv6 Time Exceeded sent
export const C_TOO_BIG_SENT: u32 = 6; //     ICMPv6 Packet Too Big sent
export const C_MALFORMED: u32 = 7; //        not IPv6, truncated, length fields disagree, bad ICMPv6 checksum
export const C_UNBOUND: u32 = 8; //          destination inside a prefix but not a bound HoA
export const C_SPOOFED: u32 = 9; //          tunnel packet whose outer source is not the inner HoA's CoA
export const C_TUNNEL_UNBOUND: u32 = 10; //  tunnel packet whose inner source is not a bound HoA
export const C_HOP_LIMIT: u32 = 11; //       hop limit would reach 0 (a Time Exceeded may have been sent)
export const C_TOO_BIG: u32 = 12; //         larger than the tunnel MTU (a Packet Too Big may have been sent)
export const C_RATE_LIMITED: u32 = 13; //    ICMPv6 error not sent: token bucket empty
export const C_NOT_FOR_US: u32 = 14; //      destination neither the anchor nor inside a prefix
export const C_MOBILITY_CONTROL: u32 = 15; // Mobility Headers handed to the control plane
export const C_ICMP_SUPPRESSED: u32 = 16; //  ICMPv6 error not sent: RFC 4443 §2.4 (e) forbids it
export const C_EVENTS_LOST: u32 = 17; //      events dropped because the queue was full
export const C_BINDINGS_EXPIRED: u32 = 18; // bindings removed at the end of their lifetime
export const C_CACHE_FULL: u32 = 19; //       binding creations refused: cache at capacity
export const C_ANCHOR_OTHER: u32 = 20; //     to the anchor, but not tunnel/echo request/MH
export const C_NOT_CONFIGURED: u32 = 21; //   packets before dar_configure succeeded
export const C_CONTROL_DROP: u32 = 22; //     control plane returned a drop without a reason of its own
export const C_MH_MALFORMED: u32 = 23; //     Mobility Header failing PROTOCOL.md §2.2 step 1 (format, checksum)
export const C_MH_UNEXPECTED: u32 = 24; //    well-formed Mobility Header of a type a DAR does not take
export const C_BU_ACCEPTED: u32 = 25; //      Binding Updates accepted (registrations and deregistrations)
export const C_BU_REJECTED: u32 = 26; //      Binding Acknowledgements with a rejection status sent
export const C_BU_NO_ACK: u32 = 27; //        accepted Binding Updates without the A flag: no BA to send
export const C_BAD_AUTH_FAILED: u32 = 28; //  Binding Updates whose authenticator did not verify (silent drop)
export const C_NO_RANDOM: u32 = 29; //        the random source failed (no PHKT, nonce or ciphertext)
export const C_COT_SENT: u32 = 30; //         Care-of Test messages sent
export const C_BE_SENT: u32 = 31; //          Binding Error messages sent
export const C_WITHHELD: u32 = 32; //         BAs withheld: the host could not make their binding changes durable

export const C_CGA_DEFERRED: u32 = 33; //     cga-mode BUs queued for dar_process_deferred (cga-queue.ts)
export const C_CGA_OVER_BUDGET: u32 = 34; //  cga-mode BUs refused: deferral queue full (BA 130, or dropped when rate-limited)
export const C_CGA_STALE: u32 = 35; //        queued cga-mode BUs dropped unprocessed, older than 1 s
export const C_ADMISSION_UNSIGHTED: u32 = 36; // creations refused: HoA not sighted on the access link (admission.ts)
export const C_ADMISSION_PROBATION_FULL: u32 = 37; // creations refused: probationMax bindings in probation
export const C_CGA_VERIFIED: u32 = 38; //     RSA signature verifications run (cga mode, step 4)
export const C_SIGHTINGS_EVICTED: u32 = 39; // live sightings pushed out of a full probe window (sightings.ts)

export const COUNTERS_LEN: u32 = 40;

const countersBase: usize = memory.data(<i32>(COUNTERS_LEN * 8), 16);

@inline export function ctr_inc(idx: u32): void {
  const p = countersBase + (<usize>idx << 3);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function ctr_add(idx: u32, v: u64): void {
  const p = countersBase + (<usize>idx << 3);
  store<u64>(p, load<u64>(p) + v);
}

@inline export function ctr_get(idx: u32): u64 {
  return idx < COUNTERS_LEN ? load<u64>(countersBase + (<usize>idx << 3)) : 0;
}

export function counters_base(): usize {
  return countersBase;
}

export function counters_len(): u32 {
  return COUNTERS_LEN;
}

/** Zeroes every counter (tests; the host never needs it). */
export function counters_reset(): void {
  memory.fill(countersBase, 0, <usize>COUNTERS_LEN * 8);
}
