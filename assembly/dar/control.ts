// The DAR control plane: every Mobility Header addressed to the anchor comes here
// from the per-packet dispatch (engine.ts). It runs step 1 of PROTOCOL.md §2.2 (the
// decoder's well-formedness and checksum gate), then hands a BU to binding-update.ts
// and answers a CoTI with a CoT (§2.4). A well-formed MH of an unknown type gets a
// Binding Error (status 2, RFC 6275 §9.2); other types are not for a DAR.
//
// Contract of dar_control (engine.ts calls it):
//   slot   start of the packet's batch slot; the reply may use BATCH_SLOT_STRIDE bytes
//   pkt    the received packet's IPv6 header (slot + BATCH_HEADROOM), len its length;
//          the dispatch checked version, lengths and that the destination is the anchor
//   mhOff  offset of the Mobility Header from pkt (unused: the decoder walks the chain again)
//   now    the host's wall clock, ms
//   out    two u32: [0] the reply's start as an offset from `slot`, [1] its length
// Returns 0 to send the reply in `out`, or the index of the counter the drop was counted under.

import { copy_addr } from "../wire/bytes";
import { mh_decode_packet, dec, DEC_PRESENT, DEC_MH_TYPE, DEC_SRC, DEC_HOA, DEC_COOKIE, P_MH, P_HOA } from "../mh/decode";
import { ERR_UNKNOWN_TYPE } from "../mh/errors";
import { MH_BU, MH_COTI } from "../mh/header";
import { tok_careof_keygen } from "../cga/tokens";
import {
  ctr_inc, C_MH_MALFORMED, C_MH_UNEXPECTED, C_BE_SENT, C_COT_SENT, C_NO_RANDOM, C_RATE_LIMITED, C_CONTROL_DROP,
} from "./counters";
import { icmp_rate_take } from "./icmp";
import { cfg_anchor } from "./config";
import { bu_process, bu_reply_len } from "./binding-update";
import { build_be, build_cot, REPLY } from "./replies";
import {
  nonce_current, nonce_entry_index, nonce_entry_value, nonce_kdar, nonce_tick,
  nonce_blob_size, nonce_blob_write, nonce_blob_check, nonce_blob_apply,
} from "./nonces";

/** Binding Error status: unrecognized MH Type value. */
const BE_UNKNOWN_TYPE: u32 = 2;
const token: usize = memory.data(8, 8);
const coa: usize = memory.data(16, 16);

/** Copies `len` bytes of REPLY to the slot's start and reports it in `out`. */
function reply(slot: usize, len: i32, out: usize): u32 {
  if (len <= 0) {
    ctr_inc(C_CONTROL_DROP);
    return C_CONTROL_DROP;
  }
  memory.copy(slot, REPLY, <usize>len);
  store<u32>(out, 0);
  store<u32>(out, <u32>len, 4);
  return 0;
}

function answer_coti(slot: usize, pkt: usize, now: f64, out: usize): u32 {
  const e = nonce_current(now);
  if (e == 0) {
    ctr_inc(C_NO_RANDOM);
    return C_NO_RANDOM;
  }
  copy_addr(coa, pkt + dec(DEC_SRC));
  tok_careof_keygen(nonce_kdar(), coa, nonce_entry_value(e), token);
  const len = build_cot(cfg_anchor(), coa, nonce_entry_index(e), pkt + dec(DEC_COOKIE), token);
  if (len > 0) ctr_inc(C_COT_SENT);
  return reply(slot, len, out);
}

function binding_error(slot: usize, pkt: usize, now: f64, out: usize): u32 {
  // Binding Errors are rate limited like ICMPv6 errors (RFC 6275 §9.3.1).
  if (!icmp_rate_take(now)) {
    ctr_inc(C_RATE_LIMITED);
    return C_RATE_LIMITED;
  }
  const hoa = (dec(DEC_PRESENT) & P_HOA) ? pkt + dec(DEC_HOA) : 0;
  const len = build_be(cfg_anchor(), pkt + dec(DEC_SRC), BE_UNKNOWN_TYPE, hoa);
  if (len > 0) ctr_inc(C_BE_SENT);
  return reply(slot, len, out);
}

export function dar_control(slot: usize, pkt: usize, len: u32, mhOff: u32, now: f64, out: usize): u32 {
  const r = mh_decode_packet(pkt, len);
  if (r == ERR_UNKNOWN_TYPE) return binding_error(slot, pkt, now, out);
  if (r != 0 || (dec(DEC_PRESENT) & P_MH) == 0) {
    ctr_inc(C_MH_MALFORMED);
    return C_MH_MALFORMED;
  }
  const type = dec(DEC_MH_TYPE);
  if (type == MH_BU) {
    const drop = bu_process(pkt, len, now);
    return drop != 0 ? drop : reply(slot, <i32>bu_reply_len(), out);
  }
  if (type == MH_COTI) return answer_coti(slot, pkt, now, out);
  ctr_inc(C_MH_UNEXPECTED);
  return C_MH_UNEXPECTED;
}

/** Called from tick(now): keeps a fresh care-of nonce (PROTOCOL.md §2.4). */
export function control_tick(now: f64): void {
  nonce_tick(now);
}

// Control-plane secrets in the snapshot: Kdar and the nonce ring (nonces.ts).
export function control_snapshot_size(): u32 { return nonce_blob_size(); }
export function control_snapshot_write(ptr: usize): void { nonce_blob_write(ptr); }
export function control_snapshot_check(ptr: usize, len: u32): bool { return nonce_blob_check(ptr, len); }
export function control_snapshot_apply(ptr: usize, len: u32): void { nonce_blob_apply(ptr, len); }
