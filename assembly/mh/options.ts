// Mobility options (RFC 6275 §6.2, RFC 4866 §5, PROTOCOL.md §2).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
//  |  Option Type  | Option Length |   Option Data...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
//  Pad1 is a single zero byte. Option Length excludes the 2-byte type/length.
//  Alignment "xn+y" is counted from the start of the Mobility Header.
// Per option: the check gate, accessors, the length rule of the profile, and the parse/emit
// pair over MhOption (a view of the value: parse copies no bytes). Walking the options of an
// MH with the profile's rules across options (BAD last, fragments) is decode-options.ts.

import { load8, store8 } from "../wire/bytes";
import { pad_emit } from "../wire/ext-options";
import { MH_OK, ERR_OPTION_OVERRUN, ERR_OPTION_LENGTH, ERR_BUILD_CAPACITY, ERR_BUILD_OPTION } from "./errors";

@inline export const OPT_TYPE: u32 = 0;
@inline export const OPT_LEN: u32 = 1;
@inline export const OPT_DATA: u32 = 2;

/**
 * The check gate of a (non-Pad1) option at `opt` with `avail` bytes left in the MH: type,
 * length and the whole value are inside. After it, opt_type, opt_len and the value bytes
 * [opt + OPT_DATA, + opt_len) are in bounds.
 */
@inline export function opt_check(opt: usize, avail: u32): bool {
  return avail >= OPT_DATA && OPT_DATA + load8(opt + OPT_LEN) <= avail;
}
@inline export function opt_type(opt: usize): u32 { return load8(opt + OPT_TYPE); }
@inline export function opt_len(opt: usize): u32 { return load8(opt + OPT_LEN); }

@inline export const OPT_PAD1: u32 = 0;
@inline export const OPT_PADN: u32 = 1;
@inline export const OPT_BRA: u32 = 2;            // Binding Refresh Advice
@inline export const OPT_ALT_COA: u32 = 3;        // Alternate Care-of Address
@inline export const OPT_NONCE_INDICES: u32 = 4;
@inline export const OPT_BAD: u32 = 5;            // Binding Authorization Data
@inline export const OPT_MNP: u32 = 6;            // Mobile Network Prefix (RFC 3963): length not checked here
@inline export const OPT_CGA_REQUEST: u32 = 11;
@inline export const OPT_CGA_PARAMS: u32 = 12;
@inline export const OPT_SIGNATURE: u32 = 13;
@inline export const OPT_PHKT: u32 = 14;
@inline export const OPT_COT_INIT: u32 = 15;
@inline export const OPT_COT: u32 = 16;

/** One option carries at most this many value bytes; longer 12/13/14 values are fragmented. */
@inline export const OPT_FRAGMENT_MAX: u32 = 255;
/** Nonce Indices option value (RFC 6275 §6.2.6): | Home Nonce Index | Care-of Nonce Index | */
@inline export const NI_HOME_INDEX: u32 = 0;
@inline export const NI_CAREOF_INDEX: u32 = 2;
/** Authenticator length in the BAD option. */
@inline export const BAD_AUTH_LEN: u32 = 12;

/**
 * The length the profile requires for a known option, -1 for "any" (Pad1/PadN, unknown
 * types), -2 for "1..255" (fragments of 12/13/14).
 */
export function opt_required_len(type: u32): i32 {
  switch (type) {
    case OPT_BRA: return 2;
    case OPT_ALT_COA: return 16;
    case OPT_NONCE_INDICES: return 4;
    case OPT_BAD: return 12;
    case OPT_CGA_REQUEST: return 0;
    case OPT_CGA_PARAMS: case OPT_SIGNATURE: case OPT_PHKT: return -2;
    case OPT_COT_INIT: return 0;
    case OPT_COT: return 8;
  }
  return -1;
}

/** Whether a value of this type may be fragmented over adjacent options. */
@inline export function opt_fragmentable(type: u32): bool {
  return type == OPT_CGA_PARAMS || type == OPT_SIGNATURE || type == OPT_PHKT;
}

/** Alignment x of "xn+y" (1 = none). */
export function opt_align_x(type: u32): u32 {
  switch (type) {
    case OPT_BRA: case OPT_NONCE_INDICES: return 2;
    case OPT_ALT_COA: case OPT_BAD: return 8;
  }
  return 1;
}

/** Alignment y of "xn+y". */
export function opt_align_y(type: u32): u32 {
  switch (type) {
    case OPT_ALT_COA: return 6;
    case OPT_BAD: return 2;
  }
  return 0;
}

/** Padding bytes needed so that an option of `type` at MH offset `off` is aligned. */
export function opt_pad_before(type: u32, off: u32): u32 {
  const x = opt_align_x(type);
  const y = opt_align_y(type);
  return (y + x - (off % x)) % x;
}

/** One option: its type, value length and a view of its value (Pad1: length 0, size 1). */
@unmanaged export class MhOption {
  type: u32 = 0;
  len: u32 = 0;
  value: usize = 0;
}

/** Bytes the option of `r` takes on the wire. */
@inline export function opt_size(r: MhOption): u32 { return r.type == OPT_PAD1 ? 1 : OPT_DATA + r.len; }

/**
 * The option at `opt` (`avail` bytes left in the MH) is readable and obeys the profile: a Pad1
 * is one byte; any other passes opt_check (ERR_OPTION_OVERRUN) and the length rule of its type
 * (ERR_OPTION_LENGTH). After MH_OK, opt_type, and for a non-Pad1 opt_len and the value, are in bounds.
 */
@inline export function opt_verify(opt: usize, avail: u32): i32 {
  if (avail == 0) return ERR_OPTION_OVERRUN;
  const t = opt_type(opt);
  return t == OPT_PAD1 ? MH_OK : opt_verify_value(opt, avail, t);
}

/** opt_verify for an option of type `t` other than Pad1, whose type byte was read. */
@inline export function opt_verify_value(opt: usize, avail: u32, t: u32): i32 {
  if (!opt_check(opt, avail)) return ERR_OPTION_OVERRUN;
  const l = opt_len(opt);
  const req = opt_required_len(t);
  if (req >= 0 ? l != <u32>req : req == -2 && l == 0) return ERR_OPTION_LENGTH;
  return MH_OK;
}

/** Reads the option at `opt` into `r` after opt_verify: MH_OK, or opt_verify's code. */
export function opt_parse(opt: usize, avail: u32, r: MhOption): i32 {
  const code = opt_verify(opt, avail);
  if (code != MH_OK) return code;
  const t = opt_type(opt);
  r.type = t;
  r.len = t == OPT_PAD1 ? 0 : opt_len(opt);
  r.value = opt + (t == OPT_PAD1 ? 1 : OPT_DATA);
  return MH_OK;
}

/**
 * Writes one option (`len` value bytes from `data`) into [opt, opt+cap): its size, or
 * ERR_BUILD_OPTION (a type or a length that does not fit a byte; a Pad1 with a value) or
 * ERR_BUILD_CAPACITY. A Pad1 writes its one byte.
 */
export function opt_emit(opt: usize, cap: u32, type: u32, data: usize, len: u32): i32 {
  if (type > 255 || len > OPT_FRAGMENT_MAX || (type == OPT_PAD1 && len != 0)) return ERR_BUILD_OPTION;
  const size: u32 = type == OPT_PAD1 ? 1 : OPT_DATA + len;
  if (size > cap) return ERR_BUILD_CAPACITY;
  if (type == OPT_PAD1) store8(opt + OPT_TYPE, OPT_PAD1);
  else opt_write(opt, type, data, len);
  return <i32>size;
}

/**
 * opt_emit's writes for an option other than Pad1, for a builder that has checked once that the
 * type and `len` fit a byte and the OPT_DATA + len bytes at `opt` are its.
 */
@inline export function opt_write(opt: usize, type: u32, data: usize, len: u32): void {
  store8(opt + OPT_TYPE, type);
  store8(opt + OPT_LEN, len);
  memory.copy(opt + OPT_DATA, data, len);
}

/** Writes k bytes of padding (Pad1, or PadN with zero value) into [p, p+cap): k, or ERR_BUILD_CAPACITY (ERR_BUILD_OPTION past one PadN). */
export function opt_pad_emit(p: usize, cap: u32, k: u32): i32 {
  if (k > OPT_DATA + OPT_FRAGMENT_MAX) return ERR_BUILD_OPTION;
  if (k > cap) return ERR_BUILD_CAPACITY;
  pad_emit(p, k);
  return <i32>k;
}
