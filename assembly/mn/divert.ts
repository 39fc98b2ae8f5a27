// Which packets from an anchor the MN's TUN gets: the first Next Header of what a DAR sends to
// the CoA (PROTOCOL.md §2.3-2.5).
//   41   IPv6-in-IPv6, the tunnel (§2.5)
//   43   Routing Header: a BA, whose Type 2 Routing Header comes first (§2.3)
//   135  Mobility Header: a CoT (§2.4) (or a Binding Error: counted and dropped)
// The host's tc ingress filters divert exactly these (host/mn/addresses.ts reads the list through
// mn_divert_base / mn_divert_count) and the engine handles exactly these, so the two cannot
// disagree. Everything else from an anchor (neighbour discovery, echo replies, a Destination
// Options header, which no DAR message starts with) stays the kernel's.
import { load8 } from "../wire/bytes";
import { NH_IPV6, NH_ROUTING, NH_MOBILITY } from "../wire/ipv6";

const DIVERTED: usize = memory.data<u8>([<u8>NH_IPV6, <u8>NH_ROUTING, <u8>NH_MOBILITY]);
const DIVERTED_COUNT: u32 = 3;

/** The list: DIVERTED_COUNT protocol numbers, one byte each. */
export function mn_divert_base(): usize { return DIVERTED; }
export function mn_divert_count(): u32 { return DIVERTED_COUNT; }

/** True if packets from an anchor with first Next Header `nh` are the MN core's. */
export function diverted(nh: u32): bool {
  for (let i: u32 = 0; i < DIVERTED_COUNT; i++) if (load8(DIVERTED + <usize>i) == nh) return true;
  return false;
}
