// The MN's per-packet dispatch over the batch slots (docs/ARCHITECTURE.md batch ABI,
// PROTOCOL.md §2.5). The TUN carries two kinds of input:
//   * from the local stack, routed in by the policy rule `from H_k lookup T`: a packet whose
//     source is a kept H_k other than the CoA is encapsulated to A_k (outer source the CoA,
//     hop limit 64, traffic class copied, flow label from the inner flow); output at
//     offset 88 (headroom - 40);
//   * from the access link, redirected by the tc ingress filter (source an anchor, first Next
//     Header one of divert.ts's list), with destination the CoA: Next Header 41 ->
//     decapsulated when the inner destination is a kept H_k whose site's anchor is the outer
//     source (written back to the TUN: the kernel delivers it to the local H_k; output at
//     offset 168); Mobility Header (directly or after a Type 2 Routing Header) -> control
//     plane (BA, CoT), no output; anything else from an anchor -> dropped (anchor-other).
// Anything else is dropped and counted (not-ours). No input ever traps; nothing allocates.

import { addr_eq } from "../wire/bytes";
import { NH_IPV6, ipv6_check, next_header, src_addr, dst_addr } from "../wire/ipv6";
import {
  BATCH_HEADROOM, BATCH_MAX_PACKET, BATCH_MAX_SLOTS, slot_at, desc_at, desc_len, desc_send, desc_drop,
} from "../batch/slots";
import { tunnel_encapsulate, TUNNEL_HEADER_LEN } from "../batch/tunnel";
import { mh_decode_packet, dec, DEC_PRESENT, DEC_MH_TYPE, P_MH } from "../mh/decode";
import { MH_BA, MH_COT } from "../mh/header";
import {
  mctr_inc, M_RX, M_TX, M_ENCAP, M_DECAP, M_MALFORMED, M_NOT_CONFIGURED, M_NOT_OURS, M_TUNNEL_UNKNOWN,
  M_SPOOFED, M_TOO_BIG, M_ANCHOR_OTHER, M_CONTROL, M_MH_MALFORMED, M_MH_UNEXPECTED,
} from "./counters";
import { mcfg_configured, mcfg_tunnel_mtu } from "./config";
import { site_at, site_by_hoa, is_anchor, S_ANCHOR, S_PKTS_ENC, S_BYTES_ENC, S_PKTS_DEC, S_BYTES_DEC, S_LAST_ACT } from "./sites";
import { ba_process, cot_process, bul_tick, mn_coa_ptr, mn_current_index } from "./bul";
import { diverted } from "./divert";

@inline function drop(d: usize, reason: u32): void {
  mctr_inc(reason);
  desc_drop(d, reason);
}

@inline function activity(s: usize, pktsField: u32, bytesField: u32, len: u32, now: f64): void {
  store<u64>(s + <usize>pktsField, load<u64>(s + <usize>pktsField) + 1);
  store<u64>(s + <usize>bytesField, load<u64>(s + <usize>bytesField) + <u64>len);
  store<f64>(s + <usize>S_LAST_ACT, now);
}

function decapsulate(d: usize, pkt: usize, len: u32, now: f64): void {
  const inner = pkt + TUNNEL_HEADER_LEN;
  const ilen = len - TUNNEL_HEADER_LEN;
  if (!ipv6_check(inner, ilen)) {
    drop(d, M_MALFORMED);
    return;
  }
  const t = site_by_hoa(dst_addr(inner));
  if (t < 0) {
    drop(d, M_TUNNEL_UNKNOWN);
    return;
  }
  const s = site_at(<u32>t);
  if (!addr_eq(s + S_ANCHOR, src_addr(pkt))) {
    drop(d, M_SPOOFED);
    return;
  }
  activity(s, S_PKTS_DEC, S_BYTES_DEC, ilen, now);
  mctr_inc(M_DECAP);
  desc_send(d, BATCH_HEADROOM + TUNNEL_HEADER_LEN, ilen);
}

function control(d: usize, pkt: usize, len: u32, now: f64): void {
  const r = mh_decode_packet(pkt, len);
  if (r != 0 || (dec(DEC_PRESENT) & P_MH) == 0) {
    drop(d, M_MH_MALFORMED);
    return;
  }
  const type = dec(DEC_MH_TYPE);
  if (type == MH_BA) ba_process(pkt, now);
  else if (type == MH_COT) cot_process(pkt, now);
  else {
    drop(d, M_MH_UNEXPECTED);
    return;
  }
  drop(d, M_CONTROL);
}

export function mn_dispatch(i: u32, now: f64): void {
  const slot = slot_at(i);
  const d = desc_at(i);
  const len = desc_len(d);
  const pkt = slot + BATCH_HEADROOM;
  if (len > BATCH_MAX_PACKET || !ipv6_check(pkt, len)) {
    drop(d, M_MALFORMED);
    return;
  }
  const coa = mn_coa_ptr();
  const src = src_addr(pkt);
  if (addr_eq(dst_addr(pkt), coa) && is_anchor(src)) {
    const nh = next_header(pkt);
    if (!diverted(nh)) drop(d, M_ANCHOR_OTHER);
    else if (nh == NH_IPV6) decapsulate(d, pkt, len, now);
    else control(d, pkt, len, now);
    return;
  }
  const h = site_by_hoa(src);
  if (h < 0 || h == mn_current_index()) {
    drop(d, M_NOT_OURS);
    return;
  }
  if (len > mcfg_tunnel_mtu()) {
    drop(d, M_TOO_BIG);
    return;
  }
  const s = site_at(<u32>h);
  const outLen = tunnel_encapsulate(pkt, len, coa, s + S_ANCHOR);
  activity(s, S_PKTS_ENC, S_BYTES_ENC, len, now);
  mctr_inc(M_ENCAP);
  desc_send(d, BATCH_HEADROOM - TUNNEL_HEADER_LEN, outLen);
}

/** mn_process_batch: slots 0..n-1 in order; returns how many have verdict send. */
export function mn_batch(n: u32, now: f64): u32 {
  if (n > BATCH_MAX_SLOTS) n = BATCH_MAX_SLOTS;
  let sent: u32 = 0;
  const ready = mcfg_configured() && mn_current_index() >= 0;
  for (let i: u32 = 0; i < n; i++) {
    mctr_inc(M_RX);
    if (!ready) {
      drop(desc_at(i), M_NOT_CONFIGURED);
      continue;
    }
    mn_dispatch(i, now);
    sent += load<u32>(desc_at(i), 8);
  }
  for (let i: u32 = 0; i < sent; i++) mctr_inc(M_TX);
  return sent;
}

export function mn_timers(now: f64): void {
  bul_tick(now);
}
