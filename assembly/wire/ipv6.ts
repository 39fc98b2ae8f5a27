// IPv6 fixed header (RFC 8200 §3): offsets, protocol numbers, the check gate, accessors and
// emitters shared by every area.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |           Flow Label                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 Source Address (16) | Destination Address (16) |

import { load8, load16_be, load32_be, store8, store16_be, store32_be } from "./bytes";

export const IPV6_HEADER_LEN: u32 = 40;
export const IPV6_MIN_MTU: u32 = 1280;

@inline export const OFF_VER_TC_FLOW: usize = 0;
@inline export const OFF_PAYLOAD_LEN: usize = 4;
@inline export const OFF_NEXT_HEADER: usize = 6;
@inline export const OFF_HOP_LIMIT: usize = 7;
@inline export const OFF_SRC: usize = 8;
@inline export const OFF_DST: usize = 24;

// Next Header values.
export const NH_HOP_BY_HOP: u32 = 0;
export const NH_TCP: u32 = 6;
export const NH_UDP: u32 = 17;
export const NH_IPV6: u32 = 41;
export const NH_ROUTING: u32 = 43;
export const NH_FRAGMENT: u32 = 44;
export const NH_AH: u32 = 51;
export const NH_ICMPV6: u32 = 58;
export const NH_NONE: u32 = 59;
export const NH_DEST_OPTS: u32 = 60;
export const NH_MOBILITY: u32 = 135;

/**
 * The check gate of a packet an engine forwards: at least the fixed header, version 6, and
 * Payload Length accounting for exactly the `len` bytes there are. After it, every fixed-header
 * accessor below reads inside the packet.
 */
@inline export function ipv6_check(p: usize, len: u32): bool {
  return len >= IPV6_HEADER_LEN && version(p) == 6 && payload_len(p) + IPV6_HEADER_LEN == len;
}

@inline export function version(p: usize): u32 { return load8(p) >> 4; }
@inline export function traffic_class(p: usize): u32 { return (load32_be(p) >> 20) & 0xff; }
@inline export function flow_label(p: usize): u32 { return load32_be(p) & 0xfffff; }
@inline export function payload_len(p: usize): u32 { return load16_be(p + OFF_PAYLOAD_LEN); }
@inline export function next_header(p: usize): u32 { return load8(p + OFF_NEXT_HEADER); }
@inline export function hop_limit(p: usize): u32 { return load8(p + OFF_HOP_LIMIT); }
@inline export function src_addr(p: usize): usize { return p + OFF_SRC; }
@inline export function dst_addr(p: usize): usize { return p + OFF_DST; }

/** Writes version 6, traffic class and flow label. */
@inline export function set_ver_tc_flow(p: usize, trafficClass: u32, flowLabel: u32): void {
  store32_be(p, (6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xfffff));
}
@inline export function set_payload_len(p: usize, v: u32): void { store16_be(p + OFF_PAYLOAD_LEN, v); }
@inline export function set_next_header(p: usize, v: u32): void { store8(p + OFF_NEXT_HEADER, v); }
@inline export function set_hop_limit(p: usize, v: u32): void { store8(p + OFF_HOP_LIMIT, v); }
