// The Type 2 Routing Header (RFC 6275 §6.4): offsets, check gate, accessors, parse/emit.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  | Hdr Ext Len=2 | Routing Type=2|Segments Left=1|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                            Reserved                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                         Home Address (16)                     +
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { load8, store8, copy_addr } from "./bytes";
import { WIRE_OK, ERR_EXT_TRUNCATED, ERR_RH2_FORMAT, ERR_BUILD_CAPACITY } from "./errors";
import { EXT_NEXT_HEADER, EXT_HDR_EXT_LEN, RH_ROUTING_TYPE, RH_SEGMENTS_LEFT, RH_MIN_LEN, ext_len, rh_segments_left } from "./ext";

@inline export const RH2_RESERVED: u32 = 4;
@inline export const RH2_HOME_ADDRESS: u32 = 8;
@inline export const RH2_HDR_EXT_LEN: u32 = 2;
@inline export const RH2_LEN: u32 = 24;
@inline export const RH_TYPE_2: u32 = 2;

/**
 * The check gate of a Routing Header of type 2 at `p` with `avail` bytes from it: its 4 fixed
 * bytes and its whole Hdr Ext Len inside (else ERR_EXT_TRUNCATED, as for any extension
 * header), then Hdr Ext Len 2 and Segments Left 1 (else ERR_RH2_FORMAT). After WIRE_OK the
 * 24 bytes are in bounds. The Routing Type is the caller's to have read (rh_type).
 */
@inline export function rh2_check(p: usize, avail: u32): i32 {
  if (avail < RH_MIN_LEN || ext_len(load8(p + EXT_HDR_EXT_LEN)) > avail) return ERR_EXT_TRUNCATED;
  return rh2_format_check(p);
}

/**
 * The second half of rh2_check, for a walker whose own gate (ext-chain.ts chain_check) has
 * already found the 4 fixed bytes and the whole Hdr Ext Len inside: ERR_RH2_FORMAT or WIRE_OK.
 */
@inline export function rh2_format_check(p: usize): i32 {
  if (load8(p + EXT_HDR_EXT_LEN) != RH2_HDR_EXT_LEN || rh_segments_left(p) != 1) return ERR_RH2_FORMAT;
  return WIRE_OK;
}

@inline export function rh2_home_address(p: usize): usize { return p + RH2_HOME_ADDRESS; }

@unmanaged export class Rh2Repr {
  nextHeader: u32 = 0;
  /** view of the 16-byte Home Address */
  homeAddress: usize = 0;
}

/** Reads the Type 2 Routing Header at `p` into `r` after rh2_check: WIRE_OK or its code. */
export function rh2_parse(p: usize, avail: u32, r: Rh2Repr): i32 {
  const gate = rh2_check(p, avail);
  if (gate != WIRE_OK) return gate;
  r.nextHeader = load8(p + EXT_NEXT_HEADER);
  r.homeAddress = rh2_home_address(p);
  return WIRE_OK;
}

/** Writes `r` into [p, p+cap): 24, or ERR_BUILD_CAPACITY. */
export function rh2_emit(p: usize, cap: u32, r: Rh2Repr): i32 {
  if (cap < RH2_LEN) return ERR_BUILD_CAPACITY;
  rh2_write(p, r.nextHeader, r.homeAddress);
  return <i32>RH2_LEN;
}

/** rh2_emit's writes, from the values themselves, for a builder that has checked once that RH2_LEN bytes at `p` are its. */
@inline export function rh2_write(p: usize, nextHeader: u32, homeAddress: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, RH2_HDR_EXT_LEN);
  store8(p + RH_ROUTING_TYPE, RH_TYPE_2);
  store8(p + RH_SEGMENTS_LEFT, 1);
  store<u32>(p + RH2_RESERVED, 0);
  copy_addr(p + RH2_HOME_ADDRESS, homeAddress);
}
