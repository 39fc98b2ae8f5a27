// IPv6 extension headers that sit between the fixed header and the Mobility Header:
// Hop-by-Hop and Destination Options (RFC 8200 §4.3, §4.6) with the Home Address
// option (RFC 6275 §6.3) and the Tunnel Encapsulation Limit option (RFC 2473 §5.1),
// the Type 2 Routing Header (RFC 6275 §6.4), and the Fragment header (RFC 8200 §4.5).
// Offsets are relative to the start of each header.

import { load8, load16_be, store8, store16_be, copy_addr } from "../wire/bytes";

// ---------------------------------------------------------------- options headers
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  .                            Options                            .
//  Hdr Ext Len: 8-octet units, not counting the first 8.

@inline export const EXT_NEXT_HEADER: u32 = 0;
@inline export const EXT_HDR_EXT_LEN: u32 = 1;
@inline export const EXT_OPTIONS: u32 = 2;

/** Length in bytes of an options header or routing header from its Hdr Ext Len field. */
@inline export function ext_len(hdrExtLen: u32): u32 { return (hdrExtLen + 1) << 3; }

// Option types inside Hop-by-Hop / Destination Options.
@inline export const IPOPT_PAD1: u32 = 0;
@inline export const IPOPT_PADN: u32 = 1;
@inline export const IPOPT_TUNNEL_ENCAP_LIMIT: u32 = 4;
@inline export const IPOPT_HOME_ADDRESS: u32 = 201;

// Home Address option (alignment 8n+6):
//  |  Option Type  | Option Length |  Home Address (16) ...
@inline export const HAO_LEN: u32 = 16;
// Tunnel Encapsulation Limit option: | 4 | 1 | limit |
@inline export const TEL_LEN: u32 = 1;

/** The Destination Options header the builder emits for a HoA: PadN(2), then the HAO at 8n+6. */
@inline export const DO_HAO_HEADER_LEN: u32 = 24;

/** Writes a 24-byte Destination Options header carrying the Home Address option. */
export function emit_dest_opts_hao(p: usize, nextHeader: u32, hoa: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, 2);
  store8(p + 2, IPOPT_PADN); store8(p + 3, 2); store16_be(p + 4, 0);
  store8(p + 6, IPOPT_HOME_ADDRESS); store8(p + 7, HAO_LEN);
  copy_addr(p + 8, hoa);
}

// ---------------------------------------------------------------- Type 2 Routing Header
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  | Hdr Ext Len=2 | Routing Type=2|Segments Left=1|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                            Reserved                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Home Address (16)                     |

@inline export const RH_ROUTING_TYPE: u32 = 2;
@inline export const RH_SEGMENTS_LEFT: u32 = 3;
@inline export const RH2_HOME_ADDRESS: u32 = 8;
@inline export const RH2_HDR_EXT_LEN: u32 = 2;
@inline export const RH2_LEN: u32 = 24;
@inline export const RH_MIN_LEN: u32 = 4;

export function emit_rh2(p: usize, nextHeader: u32, hoa: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, RH2_HDR_EXT_LEN);
  store8(p + RH_ROUTING_TYPE, 2);
  store8(p + RH_SEGMENTS_LEFT, 1);
  store<u32>(p + 4, 0);
  copy_addr(p + RH2_HOME_ADDRESS, hoa);
}

// ---------------------------------------------------------------- Fragment header
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Identification                        |

@inline export const FRAG_OFFSET_FLAGS: u32 = 2;
@inline export const FRAG_LEN: u32 = 8;
@inline export function frag_offset(p: usize): u32 { return load16_be(p + FRAG_OFFSET_FLAGS) >> 3; }
@inline export function frag_more(p: usize): bool { return (load16_be(p + FRAG_OFFSET_FLAGS) & 1) != 0; }

// Authentication Header (RFC 4302): skipped; its Payload Len is in 4-octet units minus 2.
@inline export function ah_len(payloadLen: u32): u32 { return (payloadLen + 2) << 2; }

/** Reads the byte at p (an accessor for callers that already passed a length gate). */
@inline export function ext_byte(p: usize, off: u32): u32 { return load8(p + off); }
