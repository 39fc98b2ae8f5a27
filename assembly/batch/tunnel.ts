// IPv6-in-IPv6 tunnelling of the DAR (PROTOCOL.md §2.5, RFC 2473), in place in a batch
// slot: the outer header is written in the 40 bytes in front of the inner packet, and a
// decapsulated packet is sent from where it already lies inside the tunnel packet.
//
// Outer header of an encapsulation:
//   version 6, traffic class copied from the inner packet (RFC 2473 §6.5), flow label
//   derived from the inner flow (below), payload length = inner length, Next Header 41,
//   hop limit 64 (RFC 2473 §6.3 leaves the tunnel hop limit to configuration; PROTOCOL
//   fixes 64), source the anchor address, destination the binding's CoA.
//
// Flow label (RFC 6438 §3): a deterministic, unkeyed 64-bit mix of the inner source,
// destination, flow label and Next Header, cut to 20 bits, 0 replaced by 1. Unkeyed so that
// every DAR and every restart labels a flow the same way (ECMP paths stay put, and a
// restored DAR is byte-identical to the one that wrote the snapshot).

import { copy_addr, load32_be, store64_be } from "../wire/bytes";
import { NH_IPV6 } from "../wire/ipv6";

export const TUNNEL_HEADER_LEN: u32 = 40;
export const TUNNEL_HOP_LIMIT: u32 = 64;

/** The outer flow label for the inner packet at `pkt` (1..0xfffff). */
export function tunnel_flow_label(pkt: usize): u32 {
  return flow_label_of(pkt, load32_be(pkt));
}

/** tunnel_flow_label given the inner packet's first 32-bit word (version, class, label). */
@inline function flow_label_of(pkt: usize, first: u32): u32 {
  let x: u64 = load<u64>(pkt, 8) * 0x9e3779b97f4a7c15;
  x = (x ^ load<u64>(pkt, 16)) * 0xc2b2ae3d27d4eb4f;
  x = (x ^ load<u64>(pkt, 24)) * 0x165667b19e3779f9;
  x = (x ^ load<u64>(pkt, 32)) * 0x9e3779b97f4a7c15;
  x = (x ^ ((<u64>(first & 0xfffff) << 8) | <u64>load<u8>(pkt, 6))) * 0xbf58476d1ce4e5b9;
  x ^= x >> 31;
  x *= 0x94d049bb133111eb;
  x ^= x >> 29;
  const fl = <u32>x & 0xfffff;
  return fl == 0 ? 1 : fl;
}

/**
 * Writes the outer header for the inner packet at `pkt` (`len` bytes, at most 65535, hop
 * limit already decremented by the caller) at `pkt - 40`. Returns the tunnel packet's length.
 */
@inline export function tunnel_encapsulate(pkt: usize, len: u32, anchor: usize, coa: usize): u32 {
  const out = pkt - TUNNEL_HEADER_LEN;
  const first = load32_be(pkt);
  // Version 6, the inner traffic class, the flow label; payload length; Next Header; hop limit.
  const vtf = (6 << 28) | (first & 0x0ff00000) | flow_label_of(pkt, first);
  store64_be(out, (<u64>vtf << 32) | (<u64>(len & 0xffff) << 16) | (<u64>NH_IPV6 << 8) | <u64>TUNNEL_HOP_LIMIT);
  copy_addr(out + 8, anchor);
  copy_addr(out + 24, coa);
  return len + TUNNEL_HEADER_LEN;
}
