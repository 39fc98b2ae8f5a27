// Hop-by-Hop and Destination Options headers (RFC 8200 §4.3, §4.6) with the two options the
// profile reads: the Home Address option (RFC 6275 §6.3, Destination Options only) and the
// Tunnel Encapsulation Limit option (RFC 2473 §5.1). Offsets are relative to the header.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  .                            Options                            .
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Each option:  |  Option Type  |  Opt Data Len |  Option Data ...   (Pad1: the type byte alone)
//  Home Address (alignment 8n+6):  | 201 | 16 | Home Address (16) |
//  Tunnel Encapsulation Limit:     |  4  |  1 | limit |
//
// opts_parse reads one header into an OptsRepr that gathers the options over all the headers
// of a packet (a second Home Address option anywhere is a duplicate); opts_emit writes one
// header from it in the canonical layout: [TEL], padding, [HAO at 8n+6], padding to 8n. For a
// header in that layout (every one the builder writes) emit(parse(x)) == x; other options
// (PadN content, unknown types) are stepped over and not kept.

import { load8, store8, copy_addr } from "./bytes";
import {
  WIRE_OK, ERR_EXT_TRUNCATED, ERR_EXT_OPTION_OVERRUN, ERR_HAO_LENGTH, ERR_TEL_LENGTH, ERR_DUPLICATE, ERR_BUILD_CAPACITY,
} from "./errors";
import { EXT_NEXT_HEADER, EXT_HDR_EXT_LEN, EXT_HEAD_LEN, ext_check, ext_hdr_len, ext_next_header, ext_hdr_ext_len } from "./ext";

@inline export const EXT_OPTIONS: u32 = 2;

@inline export const IPOPT_PAD1: u32 = 0;
@inline export const IPOPT_PADN: u32 = 1;
@inline export const IPOPT_TUNNEL_ENCAP_LIMIT: u32 = 4;
@inline export const IPOPT_HOME_ADDRESS: u32 = 201;
@inline export const IPOPT_TYPE: u32 = 0;
@inline export const IPOPT_LEN: u32 = 1;
@inline export const IPOPT_DATA: u32 = 2;
@inline export const HAO_LEN: u32 = 16;
@inline export const TEL_LEN: u32 = 1;
/** Where the canonical layout puts the HAO's type byte (8n+6) and the Home Address. */
@inline export const HAO_OPTION_AT: u32 = 6;
@inline export const DO_HAO_ADDRESS: u32 = 8;
/** Length of a Destination Options header holding the HAO alone. */
@inline export const DO_HAO_LEN: u32 = 24;
/** OptsRepr.encapLimit when no Tunnel Encapsulation Limit option was seen. */
@inline export const NO_ENCAP_LIMIT: i32 = -1;

/** The check gate of a (non-Pad1) option at `opt` with `avail` bytes left in its header. */
@inline export function ipopt_check(opt: usize, avail: u32): bool {
  return avail >= IPOPT_DATA && IPOPT_DATA + load8(opt + IPOPT_LEN) <= avail;
}
@inline export function ipopt_type(opt: usize): u32 { return load8(opt + IPOPT_TYPE); }
@inline export function ipopt_len(opt: usize): u32 { return load8(opt + IPOPT_LEN); }

/**
 * Writes k bytes of padding at p: Pad1 for 1, PadN with k-2 zero bytes otherwise (k <= 257).
 * Mobility options pad with the same two encodings (RFC 6275 §6.2.2, §6.2.3).
 */
@inline export function pad_emit(p: usize, k: u32): void {
  if (k == 0) return;
  if (k == 1) { store8(p, IPOPT_PAD1); return; }
  store8(p + IPOPT_TYPE, IPOPT_PADN);
  store8(p + IPOPT_LEN, k - IPOPT_DATA);
  memory.fill(p + IPOPT_DATA, 0, k - IPOPT_DATA);
}

/** The options the profile reads, gathered over the options headers of one packet. */
@unmanaged export class OptsRepr {
  /** Next Header and length of the header parsed last */
  nextHeader: u32 = 0;
  len: u32 = 0;
  /** view of the Home Address (0: none) */
  hoa: usize = 0;
  /** Tunnel Encapsulation Limit (the last one seen), NO_ENCAP_LIMIT none */
  encapLimit: i32 = NO_ENCAP_LIMIT;
  /** offset in the header of the option a parse failure is about */
  errAt: u32 = 0;
}

/** Clears what a packet's previous headers gathered. */
@inline export function opts_reset(r: OptsRepr): void {
  r.hoa = 0;
  r.encapLimit = NO_ENCAP_LIMIT;
  r.errAt = 0;
}

@inline function opts_fail(r: OptsRepr, code: i32, at: u32): i32 {
  r.errAt = at;
  return code;
}

/**
 * Reads the options header at `p` (`avail` bytes from it) into `r`. The gate is ext_check
 * (ERR_EXT_TRUNCATED); then each option lies inside the header (ERR_EXT_OPTION_OVERRUN) and, in
 * a Destination Options header (`isDest`), a HAO is 16 bytes (ERR_HAO_LENGTH) and the packet's
 * only one (ERR_DUPLICATE), a TEL is 1 byte (ERR_TEL_LENGTH). The walk is bounded by the
 * header's length: at most 2048 steps.
 */
@inline export function opts_parse(p: usize, avail: u32, isDest: bool, r: OptsRepr): i32 {
  if (!ext_check(p, avail)) return opts_fail(r, ERR_EXT_TRUNCATED, 0);
  r.nextHeader = ext_next_header(p);
  r.len = ext_hdr_len(p);
  return opts_read(p, isDest, r);
}

/**
 * opts_parse's options walk after its gate, for a walker whose own gate (ext-chain.ts
 * chain_check) has already found the whole header inside and which keeps Next Header and the
 * length itself (r.nextHeader, r.len untouched): the options' codes, or WIRE_OK.
 */
@inline export function opts_read(p: usize, isDest: bool, r: OptsRepr): i32 {
  const stop = ext_hdr_len(p);
  let o = EXT_OPTIONS;
  while (o < stop) {
    const t = ipopt_type(p + o);
    if (t == IPOPT_PAD1) { o++; continue; }
    if (!ipopt_check(p + o, stop - o)) return opts_fail(r, ERR_EXT_OPTION_OVERRUN, o);
    const l = ipopt_len(p + o);
    if (isDest && t == IPOPT_HOME_ADDRESS) {
      if (l != HAO_LEN) return opts_fail(r, ERR_HAO_LENGTH, o);
      if (r.hoa != 0) return opts_fail(r, ERR_DUPLICATE, o);
      r.hoa = p + o + IPOPT_DATA;
    } else if (isDest && t == IPOPT_TUNNEL_ENCAP_LIMIT) {
      if (l != TEL_LEN) return opts_fail(r, ERR_TEL_LENGTH, o);
      r.encapLimit = <i32>load8(p + o + IPOPT_DATA);
    }
    o += IPOPT_DATA + l;
  }
  return WIRE_OK;
}

/** Bytes before the HAO's type byte in the canonical layout: the head, then the TEL if any. */
@inline function hao_pad_before(r: OptsRepr): u32 {
  return HAO_OPTION_AT - (r.encapLimit >= 0 ? EXT_HEAD_LEN + IPOPT_DATA + TEL_LEN : EXT_HEAD_LEN);
}

/** The length opts_emit writes for `r`. */
export function opts_emit_len(r: OptsRepr): u32 {
  let o: u32 = EXT_HEAD_LEN;
  if (r.encapLimit >= 0) o += IPOPT_DATA + TEL_LEN;
  if (r.hoa != 0) o = HAO_OPTION_AT + IPOPT_DATA + HAO_LEN;
  return (o + 7) & ~7;
}

/** Writes an options header of `r` (canonical layout) into [p, p+cap): its length, or ERR_BUILD_CAPACITY. */
export function opts_emit(p: usize, cap: u32, r: OptsRepr): i32 {
  const len = opts_emit_len(r);
  if (cap < len) return ERR_BUILD_CAPACITY;
  store8(p + EXT_NEXT_HEADER, r.nextHeader);
  store8(p + EXT_HDR_EXT_LEN, ext_hdr_ext_len(len));
  let o: u32 = EXT_OPTIONS;
  if (r.encapLimit >= 0) {
    store8(p + o + IPOPT_TYPE, IPOPT_TUNNEL_ENCAP_LIMIT);
    store8(p + o + IPOPT_LEN, TEL_LEN);
    store8(p + o + IPOPT_DATA, <u32>r.encapLimit);
    o += IPOPT_DATA + TEL_LEN;
  }
  if (r.hoa != 0) {
    pad_emit(p + o, hao_pad_before(r));
    hao_emit(p, r.hoa);
    o = HAO_OPTION_AT + IPOPT_DATA + HAO_LEN;
  }
  pad_emit(p + o, len - o);
  return <i32>len;
}

/**
 * The writes of opts_emit for a Destination Options header holding only the HAO at `hoa`
 * (DO_HAO_LEN bytes, the same layout), from the values themselves: for a builder that has
 * checked once that DO_HAO_LEN bytes at `p` are its and writes straight from its request.
 */
@inline export function dest_opts_hao_write(p: usize, nextHeader: u32, hoa: usize): void {
  store8(p + EXT_NEXT_HEADER, nextHeader);
  store8(p + EXT_HDR_EXT_LEN, ext_hdr_ext_len(DO_HAO_LEN));
  pad_emit(p + EXT_OPTIONS, HAO_OPTION_AT - EXT_OPTIONS);
  hao_emit(p, hoa);
}

/** Writes the HAO (type, length, the address at `hoa`) at its canonical place in the header at `p`. */
@inline function hao_emit(p: usize, hoa: usize): void {
  store8(p + HAO_OPTION_AT + IPOPT_TYPE, IPOPT_HOME_ADDRESS);
  store8(p + HAO_OPTION_AT + IPOPT_LEN, HAO_LEN);
  copy_addr(p + HAO_OPTION_AT + IPOPT_DATA, hoa);
}
