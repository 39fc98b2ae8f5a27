// offload_tx: the pass over a batch's outputs after the role's process_batch (and the host's
// afterBatch hook), before the host writes them, when the TUN takes a virtio-net header in
// front of every packet (vnet.ts). Every output gets its header, written in the 10 bytes in
// front of it (a control reply at offset 0 is moved up first, counted reframed).
//
// With coalescing on (GRO), consecutive outputs that are segments of one TCP flow become one
// super-packet with a GSO header (gso_type TCPV6, gso_size the first segment's payload,
// checksum partial: the field holds the pseudo-header sum), so the kernel takes one write for
// the whole run and delivers it whole (or segments it again on a forwarding path). The rules
// are the kernel's tcp_gro_receive / ipv6_gro_receive:
//   * only plain TCP over IPv6 (Next Header 6 in the fixed header) with a payload;
//   * same addresses, traffic class, flow label, hop limit, ports, acknowledgment number,
//     TCP header length and option bytes; flags equal apart from CWR, FIN and PSH;
//   * sequence number = the previous segment's + its payload (no gap, no reordering);
//   * every payload the first one's size (the MSS), the last one at most that;
//   * a segment with CWR starts a new super-packet; one with PSH or FIN, or shorter than
//     the MSS, ends it; SYN, RST or URG are never coalesced; at most 65535 bytes of IPv6
//     payload;
//   * every segment's TCP checksum verified first (the kernel will trust the partial one).
// A merged segment's payload is moved behind the previous one (toward lower addresses, over
// the slots already consumed); its descriptor becomes VERDICT_MERGED (nothing to write).
// Anything that does not qualify passes unchanged, with a plain header. Only outputs next to
// each other in the batch (drops between do not count) are coalesced: a role's outputs of one
// flow come in runs, since offload_rx expands a super-packet into consecutive slots.

import { BATCH_SLOT_STRIDE, VERDICT_SEND, VERDICT_MERGED, VERDICT_DROP, slot_at, desc_at, desc_len } from "../batch/slots";
import { IPV6_HEADER_LEN, NH_TCP, ipv6_check, next_header, hop_limit, set_payload_len, src_addr, dst_addr } from "../wire/ipv6";
import { addr_eq } from "../wire/bytes";
import { pseudo_header_sum } from "../wire/checksum";
import { VNET_HDR_LEN, vnet_emit_plain, vnet_emit_tcp6 } from "./vnet";
import {
  TCP_MIN_HEADER, TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_URG, TCP_CWR,
  tcp_header_len, tcp_seq, tcp_ack, tcp_flags, tcp_set_flags, tcp_set_checksum,
} from "./tcp";
import { csum_add_span, csum_fold } from "./csum";
import { octr_add, O_COALESCED_IN, O_COALESCED_OUT, O_NO_SLOT, O_REFRAMED } from "./counters";
import { vnetOn, coalesceOn } from "./config";

const MAX_IP_PAYLOAD: u32 = 65535;

// The open super-packet: its head output (slot, packet address), TCP header length, MSS,
// payload so far, the sequence number expected next, the flags to add, where the next
// payload goes, how many segments, whether it takes more, whether the head's checksum held.
let gSlot: i32 = -1;
let gPkt: usize = 0;
let gThlen: u32 = 0;
let gMss: u32 = 0;
let gPayload: u32 = 0;
let gNextSeq: u32 = 0;
let gAddFlags: u32 = 0;
let gEnd: usize = 0;
let gCount: u32 = 0;
let gOpen: bool = false;
let gHeadOk: i32 = -1; // -1 not checked yet, 0 bad, 1 good

/** The TCP payload length of a plain TCP/IPv6 packet with a payload, else 0. */
function tcp_payload(p: usize, len: u32): u32 {
  if (len < IPV6_HEADER_LEN + TCP_MIN_HEADER || !ipv6_check(p, len) || next_header(p) != NH_TCP) return 0;
  const thlen = tcp_header_len(p + IPV6_HEADER_LEN);
  if (thlen < TCP_MIN_HEADER || IPV6_HEADER_LEN + thlen >= len) return 0;
  return len - IPV6_HEADER_LEN - thlen;
}

/** The segment's TCP checksum is right (the sum over pseudo-header and segment folds to 0xffff). */
@inline function checksum_ok(p: usize, len: u32): bool {
  const tl = len - IPV6_HEADER_LEN;
  return csum_fold(csum_add_span(pseudo_header_sum(src_addr(p), dst_addr(p), tl, NH_TCP), p + IPV6_HEADER_LEN, tl)) == 0xffff;
}

/** Gives output `i` (at `off`, `len` bytes) its plain header; an output with no room for one is dropped (no-slot). */
function frame_plain(i: u32, d: usize, off: u32, len: u32): void {
  const slot = slot_at(i);
  if (off < VNET_HDR_LEN) {
    if (len + VNET_HDR_LEN > BATCH_SLOT_STRIDE) {
      octr_add(O_NO_SLOT, 1);
      store<u32>(d, 0);
      store<u32>(d, VERDICT_DROP, 8);
      return;
    }
    memory.copy(slot + VNET_HDR_LEN, slot + off, len);
    off = VNET_HDR_LEN;
    octr_add(O_REFRAMED, 1);
  }
  vnet_emit_plain(slot + off - VNET_HDR_LEN);
  store<u32>(d, len + VNET_HDR_LEN);
  store<u32>(d, off - VNET_HDR_LEN, 4);
}

function open_group(i: u32, p: usize, payload: u32): void {
  const t = p + IPV6_HEADER_LEN;
  gSlot = <i32>i;
  gPkt = p;
  gThlen = tcp_header_len(t);
  gMss = payload;
  gPayload = payload;
  gNextSeq = tcp_seq(t) + payload;
  gAddFlags = 0;
  gEnd = p + IPV6_HEADER_LEN + gThlen + payload;
  gCount = 1;
  gOpen = (tcp_flags(t) & (TCP_FIN | TCP_PSH | TCP_SYN | TCP_RST | TCP_URG)) == 0;
  gHeadOk = -1;
}

/** Merges the output at `p` (`len` bytes, `payload` of them TCP payload) if the rules allow. */
function try_merge(p: usize, len: u32, payload: u32): bool {
  if (!gOpen || payload > gMss) return false;
  const h = gPkt, ht = gPkt + IPV6_HEADER_LEN, t = p + IPV6_HEADER_LEN;
  if (tcp_header_len(t) != gThlen || gThlen + gPayload + payload > MAX_IP_PAYLOAD) return false;
  if (load<u32>(p) != load<u32>(h) || hop_limit(p) != hop_limit(h)) return false;
  if (!addr_eq(src_addr(p), src_addr(h)) || !addr_eq(dst_addr(p), dst_addr(h))) return false;
  if (load<u32>(t) != load<u32>(ht) || tcp_seq(t) != gNextSeq || tcp_ack(t) != tcp_ack(ht)) return false;
  const f = tcp_flags(t);
  if ((f & TCP_CWR) != 0 || ((f ^ tcp_flags(ht)) & ~(TCP_CWR | TCP_FIN | TCP_PSH)) != 0) return false;
  if (gThlen > TCP_MIN_HEADER && memory.compare(t + TCP_MIN_HEADER, ht + TCP_MIN_HEADER, gThlen - TCP_MIN_HEADER) != 0) return false;
  if (gHeadOk < 0) gHeadOk = checksum_ok(h, IPV6_HEADER_LEN + gThlen + gPayload) ? 1 : 0;
  if (gHeadOk == 0 || !checksum_ok(p, len)) return false;
  memory.copy(gEnd, t + gThlen, payload);
  gEnd += payload;
  gPayload += payload;
  gNextSeq += payload;
  gCount++;
  gAddFlags |= f & (TCP_FIN | TCP_PSH);
  if (payload < gMss || (f & (TCP_FIN | TCP_PSH)) != 0) gOpen = false;
  return true;
}

/** Writes the open super-packet's headers (or a plain header for a single segment). */
function close_group(): void {
  if (gSlot < 0) return;
  const i = <u32>gSlot;
  const d = desc_at(i);
  const off = load<u32>(d, 4);
  gSlot = -1;
  if (gCount == 1) {
    frame_plain(i, d, off, desc_len(d));
    return;
  }
  const h = gPkt, t = gPkt + IPV6_HEADER_LEN;
  const tl = gThlen + gPayload;
  set_payload_len(h, tl);
  const flags = tcp_flags(t);
  tcp_set_flags(t, flags | gAddFlags);
  tcp_set_checksum(t, csum_fold(pseudo_header_sum(src_addr(h), dst_addr(h), tl, NH_TCP)));
  vnet_emit_tcp6(h - VNET_HDR_LEN, IPV6_HEADER_LEN + gThlen, gMss, IPV6_HEADER_LEN, (flags & TCP_CWR) != 0);
  store<u32>(d, IPV6_HEADER_LEN + tl + VNET_HDR_LEN);
  store<u32>(d, off - VNET_HDR_LEN, 4);
  octr_add(O_COALESCED_OUT, 1);
  octr_add(O_COALESCED_IN, gCount - 1);
}

/** The pass described above over the outputs of slots 0..n-1. */
export function offload_tx(n: u32): void {
  if (!vnetOn) return;
  gSlot = -1;
  for (let i: u32 = 0; i < n; i++) {
    const d = desc_at(i);
    if (load<u32>(d, 8) != VERDICT_SEND) continue;
    const off = load<u32>(d, 4);
    const len = desc_len(d);
    const p = slot_at(i) + off;
    const payload = coalesceOn && off >= VNET_HDR_LEN ? tcp_payload(p, len) : 0;
    if (payload != 0 && gSlot >= 0 && try_merge(p, len, payload)) {
      store<u32>(d, 0);
      store<u32>(d, VERDICT_MERGED, 8);
      continue;
    }
    close_group();
    if (payload != 0) open_group(i, p, payload);
    else frame_plain(i, d, off, len);
  }
  close_group();
}
