// The Mobility Header (RFC 6275 §6.1): the common part, the MH Types, the check gate. The
// fixed part of each type and its parse/emit pair are message.ts; the options, options.ts.
// Offsets relative to the start of the MH.
//
//  +---------------+---------------+---------------+---------------+
//  | Payload Proto |  Header Len   |   MH Type     |   Reserved    |
//  +---------------+---------------+---------------+---------------+
//  |           Checksum            |                               |
//  +---------------+---------------+                               |
//  .                       Message Data                            .
//  Header Len: 8-octet units, not counting the first 8.

import { load8, load16_be, store16_be } from "../wire/bytes";
import { NH_NONE } from "../wire/ipv6";
import { MH_OK, ERR_EMPTY, ERR_MH_TRUNCATED, ERR_PAYLOAD_PROTO, ERR_HEADER_LEN_EXCEEDS, ERR_LENGTH_MISMATCH } from "./errors";

@inline export const MH_PAYLOAD_PROTO: u32 = 0;
@inline export const MH_HEADER_LEN: u32 = 1;
@inline export const MH_TYPE: u32 = 2;
@inline export const MH_RESERVED: u32 = 3;
@inline export const MH_CHECKSUM: u32 = 4;
@inline export const MH_DATA: u32 = 6;
/** Bytes needed to read the Checksum field. */
@inline export const MH_MIN_READ: u32 = 6;

/** Bytes covered by a Header Len value. */
@inline export function mh_len(headerLen: u32): u32 { return (headerLen + 1) << 3; }

// MH Types (RFC 6275 §6.1.2 - §6.1.9).
@inline export const MH_BRR: u32 = 0;
@inline export const MH_HOTI: u32 = 1;
@inline export const MH_COTI: u32 = 2;
@inline export const MH_HOT: u32 = 3;
@inline export const MH_COT: u32 = 4;
@inline export const MH_BU: u32 = 5;
@inline export const MH_BA: u32 = 6;
@inline export const MH_BE: u32 = 7;
@inline export const MH_TYPE_MAX: u32 = 7;

// Binding Acknowledgement statuses the FAMA profile uses (RFC 6275 §6.1.8, RFC 4866 §5.5).
export const BA_ACCEPTED: u32 = 0;
export const BA_INSUFFICIENT_RESOURCES: u32 = 130;
export const BA_NOT_HOME_SUBNET: u32 = 132;
export const BA_NOT_HOME_AGENT: u32 = 133;
export const BA_SEQ_OUT_OF_WINDOW: u32 = 135;
export const BA_EXPIRED_CAREOF_NONCE: u32 = 137;
export const BA_PHKT_UNAVAILABLE: u32 = 147;
export const BA_CGA_FAILED: u32 = 148;

// Type-independent flag bits used in the decode record and the build request
// (the wire positions differ between BU and BA; only this file knows them).
@inline export const FLAG_A: u32 = 1;
@inline export const FLAG_H: u32 = 2;
@inline export const FLAG_L: u32 = 4;
@inline export const FLAG_K: u32 = 8;

/**
 * The check gate of an MH at `mh` with `avail` bytes of IPv6 payload from it: the common part
 * is there (ERR_EMPTY, ERR_MH_TRUNCATED: nothing may be read), then Payload Proto is 59 and
 * Header Len covers exactly `avail` (the common part is readable, the rest is not trusted).
 * After MH_OK no read inside mh_len(mh_header_len(mh)) is out of bounds.
 */
export function mh_check(mh: usize, avail: u32): i32 {
  if (avail == 0) return ERR_EMPTY;
  if (avail < MH_MIN_READ) return ERR_MH_TRUNCATED;
  if (mh_payload_proto(mh) != NH_NONE) return ERR_PAYLOAD_PROTO;
  const len = mh_len(mh_header_len(mh));
  if (len > avail) return ERR_HEADER_LEN_EXCEEDS;
  if (len < avail) return ERR_LENGTH_MISMATCH;
  return MH_OK;
}

/** Offset from the MH of the byte a mh_check failure is about. */
export function mh_check_offset(mh: usize, code: i32): u32 {
  if (code == ERR_PAYLOAD_PROTO) return MH_PAYLOAD_PROTO;
  if (code == ERR_HEADER_LEN_EXCEEDS) return MH_HEADER_LEN;
  if (code == ERR_LENGTH_MISMATCH) return mh_len(mh_header_len(mh));
  return 0;
}

@inline export function mh_payload_proto(mh: usize): u32 { return load8(mh + MH_PAYLOAD_PROTO); }
@inline export function mh_header_len(mh: usize): u32 { return load8(mh + MH_HEADER_LEN); }
@inline export function mh_type(mh: usize): u32 { return load8(mh + MH_TYPE); }
@inline export function mh_checksum(mh: usize): u32 { return load16_be(mh + MH_CHECKSUM); }
@inline export function mh_set_checksum(mh: usize, v: u32): void { store16_be(mh + MH_CHECKSUM, v); }
