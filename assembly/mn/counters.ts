// The MN's counters: one u64 per index in a static array (mn_counters_base()). The names are
// the ABI: host/core/mn.ts mirrors them by name, in this order. Append new names at the end.
// A dropped input is counted under exactly one "reason" counter, which the descriptor's
// `reason` field reports; control messages the core consumed (BA, CoT) are "dropped" under
// `control` (they produce no output in their slot; what they cause goes to the outbox).

export const M_RX: u32 = 0; //              packets handed to mn_process_batch
export const M_TX: u32 = 1; //              outputs with verdict send
export const M_ENCAP: u32 = 2; //           packets from a kept HoA tunnelled to its anchor
export const M_DECAP: u32 = 3; //           tunnel packets from an anchor delivered
export const M_MALFORMED: u32 = 4; //       not IPv6, truncated, length fields disagree
export const M_NOT_CONFIGURED: u32 = 5; //  before mn_configure + mn_attach
export const M_NOT_OURS: u32 = 6; //        neither from a kept HoA nor from an anchor to the CoA
export const M_TUNNEL_UNKNOWN: u32 = 7; //  tunnel packet whose inner destination is not a kept HoA
export const M_SPOOFED: u32 = 8; //         tunnel packet from an anchor other than the inner HoA's
export const M_TOO_BIG: u32 = 9; //         packet from a kept HoA larger than the tunnel MTU
export const M_ANCHOR_OTHER: u32 = 10; //   from an anchor to the CoA, neither tunnel nor MH
export const M_CONTROL: u32 = 11; //        Mobility Headers consumed by the control plane
export const M_MH_MALFORMED: u32 = 12; //   Mobility Header failing the decoder (format, checksum)
export const M_MH_UNEXPECTED: u32 = 13; //  well-formed MH of a type an MN does not take
export const M_BA_RECEIVED: u32 = 14; //    Binding Acknowledgements matched to an outstanding BU
export const M_BA_UNMATCHED: u32 = 15; //   BAs with no outstanding BU (HoA, DAR, sequence number)
export const M_BA_BAD_AUTH: u32 = 16; //    BAs discarded: BAD missing or authenticator wrong
export const M_BA_ACCEPTED: u32 = 17; //    registrations and deregistrations confirmed
export const M_BA_REJECTED: u32 = 18; //    BAs with a status >= 128
export const M_COT_RECEIVED: u32 = 19; //   Care-of Tests matched to a CoTI
export const M_COT_UNMATCHED: u32 = 20; //  Care-of Tests with no outstanding CoTI (cookie, DAR)
export const M_BU_SENT: u32 = 21; //        Binding Updates queued (first transmissions and retransmissions)
export const M_COTI_SENT: u32 = 22; //      Care-of Test Inits queued
export const M_RETRANSMISSIONS: u32 = 23; // BUs/CoTIs sent because a timer ran out
export const M_OUTBOX_FULL: u32 = 24; //    originated packets dropped: outbox full
export const M_EVENTS_LOST: u32 = 25; //    events dropped: queue full
export const M_SIGN_REQUESTS: u32 = 26; //  signatures asked of the host
export const M_DECRYPT_REQUESTS: u32 = 27; // PHKT decryptions asked of the host
export const M_DECRYPT_FAILED: u32 = 28; // the host could not decrypt the PHKT (BA discarded)
export const M_BUILD_FAILED: u32 = 29; //   a message did not fit (builder error)
export const M_NO_RANDOM: u32 = 30; //      the random source failed
export const M_BINDINGS_LOST: u32 = 31; //  bindings that expired before a refresh was acknowledged
export const M_STALE_ANSWERS: u32 = 32; //  sign/decrypt answers for a BU no longer outstanding

export const M_COUNTERS_LEN: u32 = 33;

const base: usize = memory.data(<i32>(M_COUNTERS_LEN * 8), 16);

@inline export function mctr_inc(i: u32): void {
  const p = base + (<usize>i << 3);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function mctr_get(i: u32): u64 {
  return i < M_COUNTERS_LEN ? load<u64>(base + (<usize>i << 3)) : 0;
}

export function mn_counters_base(): usize { return base; }
export function mn_counters_len(): u32 { return M_COUNTERS_LEN; }
export function mn_counters_reset(): void { memory.fill(base, 0, <usize>M_COUNTERS_LEN * 8); }
