// offload_rx: the pass over a batch's inputs before the role's process_batch, when the TUN
// hands up packets with a virtio-net header (vnet.ts) in front of each:
//   * a complete packet with a partial checksum (VNET_F_NEEDS_CSUM: the kernel left the sum
//     over the upper layer to the device) gets its checksum completed, as the kernel's
//     skb_checksum_help does (0 sent as 0xffff);
//   * a TCPv6 super-packet (gso_type TCPV6, up to 64 KB) is cut into segments of
//     min(gso_size, maxInner - 40 - TCP header) payload bytes, as the kernel's
//     tcp_gso_segment does: segment k has sequence number seq + k x MSS, FIN and PSH only on
//     the last, CWR only on the first, its own Payload Length and a full TCP checksum. Every
//     segment lands in a slot of its own, at slot + headroom, so the role encapsulates it in
//     place like any other packet (the outer header goes in the headroom);
//   * anything else with a GSO type (the host turns on no other) and headers that do not fit
//     the packet: the slot's length becomes 0 (the role drops it as malformed), counted
//     bad-vnet.
// Packets keep their order. Outputs are placed from the last input back to the first, so
// every move goes to a later address than where the bytes are (each slot holds more than one
// segment's payload) and nothing is overwritten before it was moved. A super-packet read into
// slot i runs on over the following slots (the host ends the batch after it), so its segments
// mostly land where its bytes already were. At most BATCH_MAX_SLOTS outputs a batch: the
// segments beyond are dropped and counted no-slot (a bounded cost for any gso_size).

import { BATCH_HEADROOM, BATCH_MAX_PACKET, BATCH_MAX_SLOTS, slot_at, desc_at, desc_len } from "../batch/slots";
import { IPV6_HEADER_LEN, NH_TCP, ipv6_check, next_header, set_payload_len, src_addr, dst_addr } from "../wire/ipv6";
import { store16_be } from "../wire/bytes";
import {
  VNET_HDR_LEN, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, VNET_GSO_TCPV6, VNET_GSO_ECN,
  vnet_flags, vnet_gso_type, vnet_gso_size, vnet_csum_start, vnet_csum_offset,
} from "./vnet";
import { TCP_MIN_HEADER, TCP_FIN, TCP_PSH, TCP_CWR, tcp_header_len, tcp_seq, tcp_set_seq, tcp_flags, tcp_set_flags, tcp_set_checksum } from "./tcp";
import { csum_add_span, csum_fold, tcp6_checksum } from "./csum";
import { octr_add, O_SUPER_IN, O_SEGMENTS_OUT, O_CSUM_COMPLETED, O_BAD_VNET, O_NO_SLOT } from "./counters";
import { vnetOn, maxInner } from "./config";

// Per input slot: how many outputs it makes, and the segment payload size (0: not segmented).
const outputs: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
const segMss: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);

/** Completes a partial checksum in place; false when csum_start/offset lie outside the packet. */
function complete_checksum(pkt: usize, len: u32, h: usize): bool {
  const start = vnet_csum_start(h);
  const field = start + vnet_csum_offset(h);
  if (start >= len || field + 2 > len) return false;
  const c = ~csum_fold(csum_add_span(0, pkt + start, len - start)) & 0xffff;
  store16_be(pkt + field, c == 0 ? 0xffff : c);
  return true;
}

/** The segment payload size for the super-packet at `pkt`, or 0 when it is not plain TCP over IPv6. */
function super_mss(pkt: usize, len: u32, h: usize): u32 {
  if (!ipv6_check(pkt, len) || next_header(pkt) != NH_TCP || len < IPV6_HEADER_LEN + TCP_MIN_HEADER) return 0;
  const thlen = tcp_header_len(pkt + IPV6_HEADER_LEN);
  if (thlen < TCP_MIN_HEADER || IPV6_HEADER_LEN + thlen >= len) return 0;
  const gso = vnet_gso_size(h);
  const room = maxInner - IPV6_HEADER_LEN - thlen;
  if (gso == 0) return 0;
  return gso < room ? gso : room;
}

/** Cuts the super-packet in slot `i` into `count` segments in slots base.. (of `total`). */
function segment(i: u32, base: u32, count: u32, total: u32, mss: u32): void {
  const src = slot_at(i) + BATCH_HEADROOM;
  const len = desc_len(desc_at(i));
  const thlen = tcp_header_len(src + IPV6_HEADER_LEN);
  const hl = IPV6_HEADER_LEN + thlen;
  const paylen = len - hl;
  const seq0 = tcp_seq(src + IPV6_HEADER_LEN);
  const flags0 = tcp_flags(src + IPV6_HEADER_LEN);
  // Last segment first: segment 0 is rewritten over the super-packet's own header last.
  for (let k = count; k-- > 0;) {
    const dst = slot_at(base + k) + BATCH_HEADROOM;
    const at = k * mss;
    const chunk = paylen - at < mss ? paylen - at : mss;
    if (dst + hl != src + hl + at) memory.copy(dst + hl, src + hl + at, chunk);
    if (dst != src) memory.copy(dst, src, hl);
    set_payload_len(dst, thlen + chunk);
    const t = dst + IPV6_HEADER_LEN;
    tcp_set_seq(t, seq0 + at);
    let f = flags0;
    if (k != total - 1) f &= ~(TCP_FIN | TCP_PSH);
    if (k != 0) f &= ~TCP_CWR;
    tcp_set_flags(t, f);
    tcp_set_checksum(t, 0);
    tcp_set_checksum(t, tcp6_checksum(src_addr(dst), dst_addr(dst), t, thlen + chunk));
    store<u32>(desc_at(base + k), hl + chunk);
  }
}

/** The pass described above over slots 0..n-1; returns the batch's new length. */
export function offload_rx(n: u32): u32 {
  if (!vnetOn) return n;
  if (n > BATCH_MAX_SLOTS) n = BATCH_MAX_SLOTS;
  let total: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const d = desc_at(i);
    const len = desc_len(d);
    const pkt = slot_at(i) + BATCH_HEADROOM;
    const h = pkt - VNET_HDR_LEN;
    const type = vnet_gso_type(h) & ~VNET_GSO_ECN;
    let outs: u32 = 1;
    let mss: u32 = 0;
    if (type == VNET_GSO_NONE) {
      if (len <= BATCH_MAX_PACKET && (vnet_flags(h) & VNET_F_NEEDS_CSUM) != 0) {
        if (complete_checksum(pkt, len, h)) octr_add(O_CSUM_COMPLETED, 1);
        else { octr_add(O_BAD_VNET, 1); store<u32>(d, 0); }
      }
    } else if (type == VNET_GSO_TCPV6 && (mss = super_mss(pkt, len, h)) != 0) {
      const paylen = len - IPV6_HEADER_LEN - tcp_header_len(pkt + IPV6_HEADER_LEN);
      outs = (paylen + mss - 1) / mss;
      octr_add(O_SUPER_IN, 1);
    } else {
      octr_add(O_BAD_VNET, 1);
      store<u32>(d, 0);
    }
    store<u32>(outputs + (<usize>i << 2), outs);
    store<u32>(segMss + (<usize>i << 2), mss);
    total += outs;
  }
  let end = total;
  for (let i = n; i-- > 0;) {
    const outs = load<u32>(outputs + (<usize>i << 2));
    const base = end - outs;
    end = base;
    const fit: u32 = base >= BATCH_MAX_SLOTS ? 0 : (BATCH_MAX_SLOTS - base < outs ? BATCH_MAX_SLOTS - base : outs);
    if (fit < outs) octr_add(O_NO_SLOT, outs - fit);
    if (fit == 0) continue;
    const mss = load<u32>(segMss + (<usize>i << 2));
    if (mss != 0) {
      segment(i, base, fit, outs, mss);
      octr_add(O_SEGMENTS_OUT, fit);
    } else if (base != i) {
      const len = desc_len(desc_at(i));
      // longer than a slot: never copied, the role drops it as malformed
      if (len <= BATCH_MAX_PACKET) memory.copy(slot_at(base) + BATCH_HEADROOM, slot_at(i) + BATCH_HEADROOM, len);
      store<u32>(desc_at(base), len);
    }
  }
  return total < BATCH_MAX_SLOTS ? total : BATCH_MAX_SLOTS;
}
