// IPv6 extension headers (RFC 8200 §4): the part every extension header shares, the Routing
// Header's fixed part (§4.4) and the Authentication Header's length rule (RFC 4302 §2.2).
// One file per header the profile reads holds its view (diagram, offsets, check gate,
// accessors, parse/emit): ext-options.ts (Hop-by-Hop and Destination Options, with the Home
// Address and Tunnel Encapsulation Limit options), rh2.ts (Type 2 Routing Header),
// fragment.ts (Fragment header). Walking a chain of them is ext-chain.ts.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |   header-specific data ...    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Hdr Ext Len: 8-octet units, not counting the first 8 (options headers, routing headers).

import { load8 } from "./bytes";

@inline export const EXT_NEXT_HEADER: u32 = 0;
@inline export const EXT_HDR_EXT_LEN: u32 = 1;
/** Bytes an extension header needs before its length can be read. */
@inline export const EXT_HEAD_LEN: u32 = 2;

/** Length in bytes of an options header or routing header from its Hdr Ext Len field. */
@inline export function ext_len(hdrExtLen: u32): u32 { return (hdrExtLen + 1) << 3; }
/** The Hdr Ext Len that says `len` bytes (a multiple of 8, at least 8). */
@inline export function ext_hdr_ext_len(len: u32): u32 { return (len >> 3) - 1; }

/**
 * The length gate of an options or routing header at `p` with `avail` bytes from it: the two
 * head bytes, then the whole ext_len(Hdr Ext Len). After it, reads in [p, p+ext_len) are in bounds.
 */
@inline export function ext_check(p: usize, avail: u32): bool {
  return avail >= EXT_HEAD_LEN && ext_len(load8(p + EXT_HDR_EXT_LEN)) <= avail;
}
@inline export function ext_next_header(p: usize): u32 { return load8(p + EXT_NEXT_HEADER); }
@inline export function ext_hdr_len(p: usize): u32 { return ext_len(load8(p + EXT_HDR_EXT_LEN)); }

// ---------------------------------------------------------------- Routing Header (any type)
//  |  Next Header  |  Hdr Ext Len  | Routing Type  | Segments Left |  type-specific data ...
@inline export const RH_ROUTING_TYPE: u32 = 2;
@inline export const RH_SEGMENTS_LEFT: u32 = 3;
/** Bytes of any Routing Header the chain walker reads before its length. */
@inline export const RH_MIN_LEN: u32 = 4;

/** Routing Type of the Routing Header at p (after its length gate). */
@inline export function rh_type(p: usize): u32 { return load8(p + RH_ROUTING_TYPE); }
@inline export function rh_segments_left(p: usize): u32 { return load8(p + RH_SEGMENTS_LEFT); }

// ---------------------------------------------------------------- Authentication Header
//  |  Next Header  |  Payload Len  |          Reserved             |  ... (stepped over unread)
//  Payload Len: 4-octet units minus 2.
@inline export function ah_len(payloadLen: u32): u32 { return (payloadLen + 2) << 2; }
