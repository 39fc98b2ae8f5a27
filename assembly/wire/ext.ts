// IPv6 extension headers (RFC 8200 §4): Hop-by-Hop and Destination Options (§4.3, §4.6) with
// the Home Address option (RFC 6275 §6.3) and the Tunnel Encapsulation Limit option (RFC 2473
// §5.1), the Type 2 Routing Header (RFC 6275 §6.4), the Fragment header (RFC 8200 §4.5), and the
// Authentication Header's length rule (RFC 4302 §2.2). Per header: the diagram, its field
// offsets (relative to the start of the header), its check gate, accessors, the emitter.
// Walking a chain of them is wire/ext-chain.ts; its chain_check is the gate for every header's
// length, and the per-header checks below are the format rules on top.

import { load8, load16_be, store8, store16_be, copy_addr } from "./bytes";

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

// Option types inside Hop-by-Hop / Destination Options; each option is
//  |  Option Type  |  Opt Data Len |  Option Data ...   (Pad1: the type byte alone)
@inline export const IPOPT_PAD1: u32 = 0;
@inline export const IPOPT_PADN: u32 = 1;
@inline export const IPOPT_TUNNEL_ENCAP_LIMIT: u32 = 4;
@inline export const IPOPT_HOME_ADDRESS: u32 = 201;
@inline export const IPOPT_TYPE: u32 = 0;
@inline export const IPOPT_LEN: u32 = 1;
@inline export const IPOPT_DATA: u32 = 2;

/** The check gate of a (non-Pad1) option at `opt` with `avail` bytes left in its header. */
@inline export function ipopt_check(opt: usize, avail: u32): bool {
  return avail >= IPOPT_DATA && IPOPT_DATA + load8(opt + IPOPT_LEN) <= avail;
}
@inline export function ipopt_type(opt: usize): u32 { return load8(opt + IPOPT_TYPE); }
@inline export function ipopt_len(opt: usize): u32 { return load8(opt + IPOPT_LEN); }

// Home Address option (alignment 8n+6):
//  |  Option Type  | Option Length |  Home Address (16) ...
@inline export const HAO_LEN: u32 = 16;
// Tunnel Encapsulation Limit option: | 4 | 1 | limit |
@inline export const TEL_LEN: u32 = 1;

/** The Destination Options header the builder emits for a HoA: PadN(2), then the HAO at 8n+6. */
@inline export const DO_HAO_HEADER_LEN: u32 = 24;
/** Where that header's Home Address starts. */
@inline export const DO_HAO_ADDRESS: u32 = 8;

/** Writes a 24-byte Destination Options header carrying the Home Address option. */
export function emit_dest_opts_hao(p: usize, nextHeader: u32, hoa: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, (DO_HAO_HEADER_LEN >> 3) - 1);
  store8(p + 2, IPOPT_PADN); store8(p + 3, 2); store16_be(p + 4, 0);
  store8(p + DO_HAO_ADDRESS - 2 + IPOPT_TYPE, IPOPT_HOME_ADDRESS);
  store8(p + DO_HAO_ADDRESS - 2 + IPOPT_LEN, HAO_LEN);
  copy_addr(p + DO_HAO_ADDRESS, hoa);
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
@inline export const RH2_RESERVED: u32 = 4;
@inline export const RH2_HOME_ADDRESS: u32 = 8;
@inline export const RH2_HDR_EXT_LEN: u32 = 2;
@inline export const RH2_LEN: u32 = 24;
/** Bytes of any Routing Header the walker reads before its length. */
@inline export const RH_MIN_LEN: u32 = 4;
@inline export const RH_TYPE_2: u32 = 2;

/** Routing Type of the Routing Header at p (after chain_check). */
@inline export function rh_type(p: usize): u32 { return load8(p + RH_ROUTING_TYPE); }

/** The format rule of a Type 2 Routing Header (after chain_check): Hdr Ext Len 2, Segments Left 1. */
@inline export function rh2_check(p: usize): bool {
  return load8(p + EXT_HDR_EXT_LEN) == RH2_HDR_EXT_LEN && load8(p + RH_SEGMENTS_LEFT) == 1;
}

export function emit_rh2(p: usize, nextHeader: u32, hoa: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, RH2_HDR_EXT_LEN);
  store8(p + RH_ROUTING_TYPE, RH_TYPE_2);
  store8(p + RH_SEGMENTS_LEFT, 1);
  store<u32>(p + RH2_RESERVED, 0);
  copy_addr(p + RH2_HOME_ADDRESS, hoa);
}

// ---------------------------------------------------------------- Fragment header
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Identification                        |

@inline export const FRAG_OFFSET_FLAGS: u32 = 2;
@inline export const FRAG_LEN: u32 = 8;
/** Fragment Offset in 8-octet units (0: the first fragment, which shows the upper layer). */
@inline export function frag_offset(p: usize): u32 { return load16_be(p + FRAG_OFFSET_FLAGS) >> 3; }
@inline export function frag_more(p: usize): bool { return (load16_be(p + FRAG_OFFSET_FLAGS) & 1) != 0; }

// ---------------------------------------------------------------- Authentication Header
//  |  Next Header  |  Payload Len  |          Reserved             |  ... (stepped over)
//  Payload Len: 4-octet units minus 2.
@inline export function ah_len(payloadLen: u32): u32 { return (payloadLen + 2) << 2; }
