// The fixed part of each MH Type (RFC 6275 §6.1.2 - §6.1.9) after the 6-byte common part
// (header.ts): offsets relative to the start of the MH, the MhMessage record, parse/emit.
//
// --- Binding Refresh Request (0):    | Reserved (16) |                           options at 8
// --- Home / Care-of Test Init (1, 2): | Reserved (16) | Init Cookie (64) |       options at 16
// --- Home / Care-of Test (3, 4):  | Nonce Index (16) | Init Cookie (64) | Keygen Token (64) | options at 24
// --- Binding Update (5):
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          (common part: Checksum)  |          Sequence #           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |A|H|L|K|        Reserved       |           Lifetime            |   options at 12
// --- Binding Acknowledgement (6):
//  |    Status     |K|  Reserved   |          Sequence #           |
//  |           Lifetime            |                                   options at 12
// --- Binding Error (7):  | Status | Reserved | Home Address (128) |   options at 24

import { load8, load16_be, store8, store16_be, copy_addr } from "../wire/bytes";
import { NH_NONE } from "../wire/ipv6";
import { MH_OK, ERR_UNKNOWN_TYPE, ERR_HEADER_LEN_MIN, ERR_BUILD_CAPACITY } from "./errors";
import {
  MH_PAYLOAD_PROTO, MH_HEADER_LEN, MH_TYPE, MH_CHECKSUM, MH_DATA, MH_TYPE_MAX,
  MH_BRR, MH_HOTI, MH_COTI, MH_HOT, MH_COT, MH_BU, MH_BA, MH_BE, FLAG_A, FLAG_H, FLAG_L, FLAG_K,
  mh_check, mh_type, mh_header_len, mh_checksum,
} from "./header";

@inline export const TI_COOKIE: u32 = 8;
@inline export const T_NONCE_INDEX: u32 = 6;
@inline export const T_COOKIE: u32 = 8;
@inline export const T_TOKEN: u32 = 16;
@inline export const BU_SEQ: u32 = 6;
@inline export const BU_FLAGS: u32 = 8;
@inline export const BU_LIFETIME: u32 = 10;
@inline export const BU_A: u32 = 0x80;
@inline export const BU_H: u32 = 0x40;
@inline export const BU_L: u32 = 0x20;
@inline export const BU_K: u32 = 0x10;
@inline export const BA_STATUS: u32 = 6;
@inline export const BA_FLAGS: u32 = 7;
@inline export const BA_SEQ: u32 = 8;
@inline export const BA_LIFETIME: u32 = 10;
@inline export const BA_K: u32 = 0x80;
@inline export const BE_STATUS: u32 = 6;
@inline export const BE_HOME_ADDRESS: u32 = 8;
@inline const COOKIE_LEN: u32 = 8;

/** Where the mobility options start for a type (the fixed part's length; the common part for an unknown type). */
export function mh_fixed_len(type: u32): u32 {
  switch (type) {
    case MH_BRR: return 8;
    case MH_HOTI: case MH_COTI: return 16;
    case MH_HOT: case MH_COT: return 24;
    case MH_BU: case MH_BA: return 12;
    case MH_BE: return 24;
  }
  return MH_DATA;
}

/** Minimum Header Len for a known type: the fixed part rounded up to 8 bytes. */
export function mh_min_header_len(type: u32): u32 {
  return ((mh_fixed_len(type) + 7) >> 3) - 1;
}

// Which fields of MhMessage apply to its type (mirrored in the decode record's DEC_FIELDS).
export const F_SEQ: u32 = 1 << 0;
export const F_FLAGS_AHL: u32 = 1 << 1;
export const F_FLAG_K: u32 = 1 << 2;
export const F_LIFETIME: u32 = 1 << 3;
export const F_STATUS: u32 = 1 << 4;
export const F_COOKIE: u32 = 1 << 5;
export const F_NONCE_INDEX: u32 = 1 << 6;
export const F_TOKEN: u32 = 1 << 7;
export const F_HOME_ADDRESS: u32 = 1 << 8;

/**
 * The type, the fixed part and the checksum of one MH. Views of byte fields are offsets from the
 * `base` given to parse (base 0: addresses), 0 when not this type's. The field order is the one
 * of the decode record's [48, 92) (decode-record.ts), which the decoder parses into in place.
 */
@unmanaged export class MhMessage {
  type: u32 = 0;
  /** F_* bits: the fields below that apply to the type */
  fields: u32 = 0;
  seq: u32 = 0;
  /** FLAG_A | FLAG_H | FLAG_L | FLAG_K, whatever their wire position in the type */
  flags: u32 = 0;
  lifetime: u32 = 0;
  status: u32 = 0;
  nonceIndex: u32 = 0;
  cookie: u32 = 0;
  token: u32 = 0;
  homeAddress: u32 = 0;
  checksum: u32 = 0;
}

/**
 * Reads the MH at `m` (`avail` bytes of IPv6 payload from it) into `r`, views relative to
 * `base`. Gates: mh_check (its codes), then mh_message_read's.
 */
export function mh_message_parse(m: usize, avail: u32, base: usize, r: MhMessage): i32 {
  const gate = mh_check(m, avail);
  if (gate != MH_OK) return gate;
  r.type = mh_type(m);
  r.checksum = mh_checksum(m);
  r.fields = 0; r.seq = 0; r.flags = 0; r.lifetime = 0; r.status = 0; r.nonceIndex = 0;
  r.cookie = 0; r.token = 0; r.homeAddress = 0;
  return mh_message_read(m, base, r);
}

/**
 * mh_message_parse after mh_check(m) == MH_OK, into a record whose type and checksum are
 * filled and whose other fields are zero (the decoder's is): a known type (else
 * ERR_UNKNOWN_TYPE), Header Len at least the type's minimum (ERR_HEADER_LEN_MIN). After MH_OK
 * the fields of the type are written; the fixed part is in bounds.
 */
@inline export function mh_message_read(m: usize, base: usize, r: MhMessage): i32 {
  const type = r.type;
  if (type > MH_TYPE_MAX) return ERR_UNKNOWN_TYPE;
  if (mh_header_len(m) < mh_min_header_len(type)) return ERR_HEADER_LEN_MIN;
  const at = <u32>(m - base);
  switch (type) {
    case MH_HOTI: case MH_COTI: {
      r.fields = F_COOKIE;
      r.cookie = at + TI_COOKIE;
      break;
    }
    case MH_HOT: case MH_COT: {
      r.fields = F_NONCE_INDEX | F_COOKIE | F_TOKEN;
      r.nonceIndex = load16_be(m + T_NONCE_INDEX);
      r.cookie = at + T_COOKIE;
      r.token = at + T_TOKEN;
      break;
    }
    case MH_BU: {
      r.fields = F_SEQ | F_FLAGS_AHL | F_FLAG_K | F_LIFETIME;
      r.seq = load16_be(m + BU_SEQ);
      const b = load8(m + BU_FLAGS);
      r.flags = (b & BU_A ? FLAG_A : 0) | (b & BU_H ? FLAG_H : 0) | (b & BU_L ? FLAG_L : 0) | (b & BU_K ? FLAG_K : 0);
      r.lifetime = load16_be(m + BU_LIFETIME);
      break;
    }
    case MH_BA: {
      r.fields = F_STATUS | F_FLAG_K | F_SEQ | F_LIFETIME;
      r.status = load8(m + BA_STATUS);
      r.flags = load8(m + BA_FLAGS) & BA_K ? FLAG_K : 0;
      r.seq = load16_be(m + BA_SEQ);
      r.lifetime = load16_be(m + BA_LIFETIME);
      break;
    }
    case MH_BE: {
      r.fields = F_STATUS | F_HOME_ADDRESS;
      r.status = load8(m + BE_STATUS);
      r.homeAddress = at + BE_HOME_ADDRESS;
      break;
    }
  }
  return MH_OK;
}

/**
 * Writes the common part and the fixed part of `r` into [m, m+cap), views relative to `base`,
 * reserved bytes zero, Header Len `headerLen`, Checksum as `r` says (the builder fills both
 * last): the fixed part's length, or ERR_BUILD_CAPACITY. The fields of r.type are written,
 * whatever r.fields says.
 */
export function mh_message_emit(m: usize, cap: u32, headerLen: u32, base: usize, r: MhMessage): i32 {
  const fixed = mh_fixed_len(r.type);
  if (cap < fixed) return ERR_BUILD_CAPACITY;
  mh_message_write(m, fixed, headerLen, r.type, r.checksum, r.seq, r.flags, r.lifetime, r.status,
    r.nonceIndex, base + r.cookie, base + r.token, base + r.homeAddress);
  return <i32>fixed;
}

/**
 * mh_message_emit's writes, from the values themselves (cookie, token, home address: pointers
 * to their bytes), for a builder that has checked once that the `fixed` = mh_fixed_len(type)
 * bytes at `m` are its and writes straight from its request.
 */
@inline export function mh_message_write(
  m: usize, fixed: u32, headerLen: u32, type: u32, checksum: u32, seq: u32, flags: u32, lifetime: u32,
  status: u32, nonceIndex: u32, cookie: usize, token: usize, homeAddress: usize,
): void {
  memory.fill(m, 0, fixed);
  store8(m + MH_PAYLOAD_PROTO, NH_NONE);
  store8(m + MH_HEADER_LEN, headerLen);
  store8(m + MH_TYPE, type);
  store16_be(m + MH_CHECKSUM, checksum);
  switch (type) {
    case MH_HOTI: case MH_COTI: {
      memory.copy(m + TI_COOKIE, cookie, COOKIE_LEN);
      break;
    }
    case MH_HOT: case MH_COT: {
      store16_be(m + T_NONCE_INDEX, nonceIndex);
      memory.copy(m + T_COOKIE, cookie, COOKIE_LEN);
      memory.copy(m + T_TOKEN, token, COOKIE_LEN);
      break;
    }
    case MH_BU: {
      store16_be(m + BU_SEQ, seq);
      store8(m + BU_FLAGS, (flags & FLAG_A ? BU_A : 0) | (flags & FLAG_H ? BU_H : 0) | (flags & FLAG_L ? BU_L : 0) | (flags & FLAG_K ? BU_K : 0));
      store16_be(m + BU_LIFETIME, lifetime);
      break;
    }
    case MH_BA: {
      store8(m + BA_STATUS, status);
      store8(m + BA_FLAGS, flags & FLAG_K ? BA_K : 0);
      store16_be(m + BA_SEQ, seq);
      store16_be(m + BA_LIFETIME, lifetime);
      break;
    }
    case MH_BE: {
      store8(m + BE_STATUS, status);
      copy_addr(m + BE_HOME_ADDRESS, homeAddress);
      break;
    }
  }
}
