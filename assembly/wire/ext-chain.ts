// The one walker of the IPv6 extension-header chain (RFC 8200 §4), used by the Mobility
// Header decoder (mh/decode.ts), the ICMPv6 error rules (dar/icmp.ts) and the DAR engine
// (dar/engine.ts). Each caller decides which headers it steps over and what a header means to
// it; the walker owns the cursor, the per-kind length rule and the bounds gate.
//
// Every extension header starts with its Next Header byte (wire/ext.ts and the per-header
// files it names have the layouts):
//   Hop-by-Hop (0), Routing (43), Destination Options (60): 8 * (Hdr Ext Len + 1) bytes
//   Fragment (44): 8 bytes                 Authentication Header (51): 4 * (Payload Len + 2)
//
// Use:
//   chain_begin(c, pkt, end)                  cursor on the header the fixed header names
//   while (chain_at_extension(c)) {           (or the caller's own subset of kinds)
//     if (!chain_check(c)) ...truncated       the gate: the header lies in [pkt, pkt+end)
//     ... read the header at pkt + c.off (c.len bytes) through its view ...
//     chain_next(c);
//   }
//   c.nh, c.off: the upper layer and where it starts.
// A cursor is a record each caller allocates once, when the module starts (`const C = new
// Chain()` at its top level), never per packet.

import { load8 } from "./bytes";
import { next_header, IPV6_HEADER_LEN, NH_HOP_BY_HOP, NH_ROUTING, NH_DEST_OPTS, NH_FRAGMENT, NH_AH } from "./ipv6";
import { EXT_NEXT_HEADER, EXT_HDR_EXT_LEN, EXT_HEAD_LEN, RH_MIN_LEN, ext_len, ah_len } from "./ext";
import { FRAG_LEN } from "./fragment";

@unmanaged export class Chain {
  /** the packet's first byte */
  pkt: usize = 0;
  /** bytes of the packet the walk may read (the end of the IPv6 payload) */
  end: u32 = 0;
  /** protocol number of the current header (the Next Header of the one before) */
  nh: u32 = 0;
  /** offset of the current header from pkt */
  off: u32 = 0;
  /** length of the current header, set by chain_check */
  len: u32 = 0;
  /** extension headers stepped over so far */
  count: u32 = 0;
}

/** Puts the cursor on the header the fixed header of the packet at `pkt` names. */
@inline export function chain_begin(c: Chain, pkt: usize, end: u32): void {
  c.pkt = pkt;
  c.end = end;
  c.nh = next_header(pkt);
  c.off = IPV6_HEADER_LEN;
  c.len = 0;
  c.count = 0;
}

/** Whether the current header is an extension header the walker knows the length of. */
@inline export function chain_at_extension(c: Chain): bool {
  const nh = c.nh;
  return nh == NH_HOP_BY_HOP || nh == NH_DEST_OPTS || nh == NH_ROUTING || nh == NH_FRAGMENT || nh == NH_AH;
}

/** Whether the current header's first two bytes (Next Header, length) lie inside the packet. */
@inline export function chain_head_fits(c: Chain): bool {
  return c.off + EXT_HEAD_LEN <= c.end;
}

/**
 * The gate: whether the current extension header lies whole inside the packet (for a Routing
 * Header, at least its 4 fixed bytes first). Sets c.len. After it, no read of the header's
 * c.len bytes is out of bounds.
 */
export function chain_check(c: Chain): bool {
  const off = c.off;
  const end = c.end;
  const p = c.pkt + <usize>off;
  let len: u32;
  if (c.nh == NH_FRAGMENT) {
    len = FRAG_LEN;
  } else {
    if (off + (c.nh == NH_ROUTING ? RH_MIN_LEN : EXT_HEAD_LEN) > end) return false;
    const l = load8(p + EXT_HDR_EXT_LEN);
    len = c.nh == NH_AH ? ah_len(l) : ext_len(l);
  }
  if (off + len > end) return false;
  c.len = len;
  return true;
}

/** The Next Header field of the current header (after chain_check, or chain_head_fits). */
@inline export function chain_next_header(c: Chain): u32 {
  return load8(c.pkt + <usize>c.off + EXT_NEXT_HEADER);
}

/** Moves the cursor past the current, checked header. */
@inline export function chain_next(c: Chain): void {
  c.nh = chain_next_header(c);
  c.off += c.len;
  c.count++;
}
