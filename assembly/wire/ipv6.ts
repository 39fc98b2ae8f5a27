// IPv6 fixed header (RFC 8200 §3): offsets, protocol numbers, the check gates, accessors, and
// the parse/emit pair over Ipv6Repr, shared by every area.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |           Flow Label                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 Source Address (16) | Destination Address (16) |

import { load8, load16_be, load32_be, store8, store16_be, store32_be, copy_addr } from "./bytes";
import { WIRE_OK, ERR_IPV6_TRUNCATED, ERR_NOT_IPV6, ERR_BUILD_CAPACITY } from "./errors";

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

/**
 * The check gate of a fixed header: the `len` bytes at `p` hold all 40 bytes (else
 * ERR_IPV6_TRUNCATED) and Version is 6 (else ERR_NOT_IPV6). After WIRE_OK every accessor below
 * reads inside them; Payload Length is not trusted yet (ipv6_end says where it ends).
 */
@inline export function ipv6_header_check(p: usize, len: u32): i32 {
  if (len < IPV6_HEADER_LEN) return ERR_IPV6_TRUNCATED;
  if (version(p) != 6) return ERR_NOT_IPV6;
  return WIRE_OK;
}

/** Where the IPv6 payload ends, counted from the start of the packet (40 + Payload Length). */
@inline export function ipv6_end(p: usize): u32 { return IPV6_HEADER_LEN + payload_len(p); }

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

/** The fixed header as values; addresses are views (pointers), parse copies no bytes. */
@unmanaged export class Ipv6Repr {
  trafficClass: u32 = 0;
  flowLabel: u32 = 0;
  payloadLen: u32 = 0;
  nextHeader: u32 = 0;
  hopLimit: u32 = 0;
  src: usize = 0;
  dst: usize = 0;
}

/** Reads the fixed header of the `len` bytes at `p` into `r` after ipv6_header_check. */
export function ipv6_parse(p: usize, len: u32, r: Ipv6Repr): i32 {
  const gate = ipv6_header_check(p, len);
  if (gate != WIRE_OK) return gate;
  r.trafficClass = traffic_class(p);
  r.flowLabel = flow_label(p);
  r.payloadLen = payload_len(p);
  r.nextHeader = next_header(p);
  r.hopLimit = hop_limit(p);
  r.src = src_addr(p);
  r.dst = dst_addr(p);
  return WIRE_OK;
}

/** Writes the fixed header of `r` into [p, p+cap): 40, or ERR_BUILD_CAPACITY when it does not fit. */
export function ipv6_emit(p: usize, cap: u32, r: Ipv6Repr): i32 {
  if (cap < IPV6_HEADER_LEN) return ERR_BUILD_CAPACITY;
  ipv6_write(p, r.trafficClass, r.flowLabel, r.payloadLen, r.nextHeader, r.hopLimit, r.src, r.dst);
  return <i32>IPV6_HEADER_LEN;
}

/**
 * ipv6_emit's writes, from the values themselves, for a builder that has checked once that
 * IPV6_HEADER_LEN bytes at `p` are its to write and writes straight from its request.
 */
@inline export function ipv6_write(
  p: usize, trafficClass: u32, flowLabel: u32, payloadLen: u32, nextHeader: u32, hopLimit: u32, src: usize, dst: usize,
): void {
  set_ver_tc_flow(p, trafficClass, flowLabel);
  set_payload_len(p, payloadLen);
  set_next_header(p, nextHeader);
  set_hop_limit(p, hopLimit);
  copy_addr(p + OFF_SRC, src);
  copy_addr(p + OFF_DST, dst);
}
