// The Fragment header (RFC 8200 §4.5): offsets, check gate, accessors, parse/emit.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Identification                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { load8, load16_be, load32_be, store8, store16_be, store32_be } from "./bytes";
import { WIRE_OK, ERR_EXT_TRUNCATED, ERR_BUILD_CAPACITY } from "./errors";

@inline export const FRAG_NEXT_HEADER: u32 = 0;
@inline export const FRAG_RESERVED: u32 = 1;
@inline export const FRAG_OFFSET_FLAGS: u32 = 2;
@inline export const FRAG_IDENT: u32 = 4;
@inline export const FRAG_LEN: u32 = 8;

/** The check gate: the `avail` bytes at `p` hold the whole 8-byte header; after it every accessor is in bounds. */
@inline export function frag_check(p: usize, avail: u32): bool { return avail >= FRAG_LEN; }

@inline export function frag_next_header(p: usize): u32 { return load8(p + FRAG_NEXT_HEADER); }
/** Fragment Offset in 8-octet units (0: the first fragment, which shows the upper layer). */
@inline export function frag_offset(p: usize): u32 { return load16_be(p + FRAG_OFFSET_FLAGS) >> 3; }
@inline export function frag_more(p: usize): bool { return (load16_be(p + FRAG_OFFSET_FLAGS) & 1) != 0; }
@inline export function frag_ident(p: usize): u32 { return load32_be(p + FRAG_IDENT); }

@unmanaged export class FragRepr {
  nextHeader: u32 = 0;
  /** in 8-octet units */
  offset: u32 = 0;
  more: bool = false;
  ident: u32 = 0;
}

/** Reads the Fragment header at `p` (`avail` bytes from it) into `r`: WIRE_OK or ERR_EXT_TRUNCATED. */
export function frag_parse(p: usize, avail: u32, r: FragRepr): i32 {
  if (!frag_check(p, avail)) return ERR_EXT_TRUNCATED;
  r.nextHeader = frag_next_header(p);
  r.offset = frag_offset(p);
  r.more = frag_more(p);
  r.ident = frag_ident(p);
  return WIRE_OK;
}

/** Writes `r` into [p, p+cap) (reserved bits zero): 8, or ERR_BUILD_CAPACITY. */
export function frag_emit(p: usize, cap: u32, r: FragRepr): i32 {
  if (cap < FRAG_LEN) return ERR_BUILD_CAPACITY;
  store8(p + FRAG_NEXT_HEADER, r.nextHeader);
  store8(p + FRAG_RESERVED, 0);
  store16_be(p + FRAG_OFFSET_FLAGS, ((r.offset & 0x1fff) << 3) | (r.more ? 1 : 0));
  store32_be(p + FRAG_IDENT, r.ident);
  return <i32>FRAG_LEN;
}
