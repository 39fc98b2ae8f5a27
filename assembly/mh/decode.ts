// Decoding an IPv6 packet up to and including its Mobility Header.
//
// mh_decode(ptr, len) walks the IPv6 header, the extension-header chain and the Mobility Header
// of the packet in [ptr, ptr+len), never reading outside it, and fills the static decode record
// DEC (and the option table OPTS). It returns 0 or a negative code from errors.ts. A packet whose
// chain ends in something other than an MH (or a fragment) decodes with result 0 and P_MH clear.
//
// Check order (the first failure wins):
//   IPv6: < 40 bytes, version, Payload Length past the capture; extension headers (truncation,
//   option overrun, HAO length, TEL length, RH2 format, duplicates); MH: no byte (empty), < 6 bytes
//   (truncated), Payload Proto, Header Len vs the IPv6 payload (exceeds / mismatch), then for an
//   unknown type the checksum and ERR_UNKNOWN_TYPE; for a known type the minimum Header Len, the
//   options in order (overrun, length, BAD not last, fragment rules), and last the checksum.
//   Bytes after the IPv6 payload (Ethernet trailer padding) are ignored.
//
// ---- AS-level API for the DAR / MN engines -------------------------------------------------
//   dec(DEC_x) reads a u32 field of the record below; offsets are relative to `ptr`, 0 = absent.
//   * Alternate CoA: ptr + dec(DEC_ALT_COA) (16 bytes) when P_ALT_COA.
//   * Nonce Indices: dec(DEC_HOME_NONCE_INDEX), dec(DEC_CAREOF_NONCE_INDEX) when P_NONCE_INDICES.
//   * BAD: ptr + dec(DEC_BAD_AUTH) is the 12-byte authenticator when P_BAD. The authenticated
//     MH bytes run from ptr + dec(DEC_UPPER_OFF) up to it (checksum taken as 0).
//   * Signed bytes (cga mode): from ptr + dec(DEC_UPPER_OFF) to ptr + dec(DEC_CGA_END), the end of
//     the last CGA Parameters option (checksum taken as 0). P_CGA_THEN_SIG says whether that
//     option is directly followed by a Signature option.
//   * Reassembled values, copied into static scratch buffers (valid until the next decode):
//     CGA Parameters dec(DEC_CGA_PTR)/dec(DEC_CGA_LEN), Signature DEC_SIG_PTR/DEC_SIG_LEN,
//     PHKT ciphertext DEC_PHKT_PTR/DEC_PHKT_LEN (length 0 when absent).
//   * Pseudo-header addresses used by the checksum: HoA (P_HOA) else IPv6 source; RH2 address
//     (P_RH2) else IPv6 destination.
//
// ---- Decode record DEC (native little-endian u32 fields; mirrored in host/core/mh.ts) -------
//   [0] result (i32)          [4] present bits (P_*)       [8] end of the IPv6 payload (40+PL)
//   [12] src offset           [16] dst offset              [20] HoA offset (Home Address option)
//   [24] RH2 address offset   [28] upper-layer protocol    [32] upper-layer (MH) offset
//   [36] MH length            [40] Tunnel Encap Limit      [44] hop limit
//   [48] MH type              [52] fields that apply (F_*) [56] sequence number
//   [60] flags (FLAG_A|H|L|K) [64] lifetime                [68] status
//   [72] nonce index (HoT/CoT)[76] cookie offset (8 bytes) [80] keygen token offset (8 bytes)
//   [84] BE home address off  [88] checksum field          [92] option count
//   [96] first option offset  [100] Alternate CoA offset   [104] home nonce index
//   [108] care-of nonce index [112] refresh advice         [116] Care-of Test token offset
//   [120] BAD authenticator off [124] end of last CGA Parameters option
//   [128] CGA ptr [132] CGA len [136] Signature ptr [140] len [144] PHKT ptr [148] len
//   [152] offset of the offending byte for an error (0 unknown)
// ---- Option table OPTS: DEC[92] entries of 12 bytes, in wire order ---------------------------
//   [0] type  [4] value length (0xffffffff for Pad1)  [8] value offset (Pad1: the option's offset)

import { load8, load16_be, load64_be } from "../wire/bytes";
import * as ip from "../wire/ipv6";
import { sum_bytes, pseudo_header_sum, fold_complement } from "../wire/checksum";
import * as E from "./errors";
import * as X from "../wire/ext";
import { Chain, chain_begin, chain_at_extension, chain_check, chain_next } from "../wire/ext-chain";
import * as H from "./header";
import * as O from "./options";

export const DEC_RESULT: u32 = 0;
export const DEC_PRESENT: u32 = 4;
export const DEC_END: u32 = 8;
export const DEC_SRC: u32 = 12;
export const DEC_DST: u32 = 16;
export const DEC_HOA: u32 = 20;
export const DEC_RH2: u32 = 24;
export const DEC_UPPER_PROTO: u32 = 28;
export const DEC_UPPER_OFF: u32 = 32;
export const DEC_MH_LEN: u32 = 36;
export const DEC_ENCAP_LIMIT: u32 = 40;
export const DEC_HOP_LIMIT: u32 = 44;
export const DEC_MH_TYPE: u32 = 48;
export const DEC_FIELDS: u32 = 52;
export const DEC_SEQ: u32 = 56;
export const DEC_FLAGS: u32 = 60;
export const DEC_LIFETIME: u32 = 64;
export const DEC_STATUS: u32 = 68;
export const DEC_NONCE_INDEX: u32 = 72;
export const DEC_COOKIE: u32 = 76;
export const DEC_TOKEN: u32 = 80;
export const DEC_HOME_ADDRESS: u32 = 84;
export const DEC_CHECKSUM: u32 = 88;
export const DEC_OPT_COUNT: u32 = 92;
export const DEC_OPT_START: u32 = 96;
export const DEC_ALT_COA: u32 = 100;
export const DEC_HOME_NONCE_INDEX: u32 = 104;
export const DEC_CAREOF_NONCE_INDEX: u32 = 108;
export const DEC_BRA: u32 = 112;
export const DEC_COT_TOKEN: u32 = 116;
export const DEC_BAD_AUTH: u32 = 120;
export const DEC_CGA_END: u32 = 124;
export const DEC_CGA_PTR: u32 = 128;
export const DEC_CGA_LEN: u32 = 132;
export const DEC_SIG_PTR: u32 = 136;
export const DEC_SIG_LEN: u32 = 140;
export const DEC_PHKT_PTR: u32 = 144;
export const DEC_PHKT_LEN: u32 = 148;
export const DEC_ERR_OFF: u32 = 152;
export const DEC_SIZE: u32 = 156;

// Present bits (DEC_PRESENT).
export const P_IPV6: u32 = 1 << 0;          // a complete IPv6 header: src/dst valid
export const P_HOA: u32 = 1 << 1;
export const P_RH2: u32 = 1 << 2;
export const P_MH: u32 = 1 << 3;            // an MH of a known type was parsed
export const P_CHECKSUM_OK: u32 = 1 << 4;
export const P_FRAG_FIRST: u32 = 1 << 5;    // first fragment of several: upper layer incomplete
export const P_FRAG_LATER: u32 = 1 << 6;    // non-first fragment: no upper-layer header
export const P_ALT_COA: u32 = 1 << 7;
export const P_NONCE_INDICES: u32 = 1 << 8;
export const P_BAD: u32 = 1 << 9;
export const P_BRA: u32 = 1 << 10;
export const P_COT: u32 = 1 << 11;
export const P_COT_INIT: u32 = 1 << 12;
export const P_CGA_REQUEST: u32 = 1 << 13;
export const P_CGA_PARAMS: u32 = 1 << 14;
export const P_SIGNATURE: u32 = 1 << 15;
export const P_PHKT: u32 = 1 << 16;
export const P_CGA_THEN_SIG: u32 = 1 << 17;
export const P_ENCAP_LIMIT: u32 = 1 << 18;
export const P_MH_HEADER: u32 = 1 << 19;    // MH common part read (type valid), also for unknown types

// Which MH fields apply to the type (DEC_FIELDS).
export const F_SEQ: u32 = 1 << 0;
export const F_FLAGS_AHL: u32 = 1 << 1;
export const F_FLAG_K: u32 = 1 << 2;
export const F_LIFETIME: u32 = 1 << 3;
export const F_STATUS: u32 = 1 << 4;
export const F_COOKIE: u32 = 1 << 5;
export const F_NONCE_INDEX: u32 = 1 << 6;
export const F_TOKEN: u32 = 1 << 7;
export const F_HOME_ADDRESS: u32 = 1 << 8;

export const OPT_ENTRY_SIZE: u32 = 12;
/** An MH is at most 2048 bytes, so it holds at most this many options. */
export const OPT_MAX: u32 = 2048;
/** Capacity of each reassembly buffer (no value can exceed an MH). */
export const VALUE_MAX: u32 = 2048;
export const PAD1_LEN: u32 = 0xffffffff;

export const DEC: usize = memory.data(160, 16);
export const OPTS: usize = memory.data(<i32>(OPT_MAX * OPT_ENTRY_SIZE), 16);
export const CGA_BUF: usize = memory.data(<i32>VALUE_MAX, 16);
export const SIG_BUF: usize = memory.data(<i32>VALUE_MAX, 16);
export const PHKT_BUF: usize = memory.data(<i32>VALUE_MAX, 16);

const CHAIN = new Chain();

@inline export function dec(field: u32): u32 { return load<u32>(DEC + <usize>field); }
@inline function set(field: u32, v: u32): void { store<u32>(DEC + <usize>field, v); }
@inline function mark(bits: u32): void { set(DEC_PRESENT, dec(DEC_PRESENT) | bits); }
@inline function fail(code: i32, off: u32): i32 {
  set(DEC_ERR_OFF, off);
  set(DEC_RESULT, <u32>code);
  return code;
}

/** Decodes the packet in [p, p+len). See the header of this file. */
export function mh_decode_packet(p: usize, len: u32): i32 {
  memory.fill(DEC, 0, DEC_SIZE);
  set(DEC_ENCAP_LIMIT, 0xffffffff);
  set(DEC_CGA_PTR, <u32>CGA_BUF);
  set(DEC_SIG_PTR, <u32>SIG_BUF);
  set(DEC_PHKT_PTR, <u32>PHKT_BUF);

  // ---- IPv6 fixed header
  if (len < ip.IPV6_HEADER_LEN) return fail(E.ERR_IPV6_TRUNCATED, len);
  if (ip.version(p) != 6) return fail(E.ERR_NOT_IPV6, 0);
  set(DEC_SRC, <u32>ip.OFF_SRC);
  set(DEC_DST, <u32>ip.OFF_DST);
  set(DEC_HOP_LIMIT, ip.hop_limit(p));
  mark(P_IPV6);
  const end: u32 = ip.IPV6_HEADER_LEN + ip.payload_len(p);
  set(DEC_END, end);
  if (end > len) return fail(E.ERR_PAYLOAD_TRUNCATED, len);

  // ---- extension headers (wire/ext-chain.ts); every read below is at an offset < end <= len
  const c = CHAIN;
  chain_begin(c, p, end);
  while (chain_at_extension(c)) {
    if (!chain_check(c)) return fail(E.ERR_EXT_TRUNCATED, c.off);
    const off = c.off;
    const nh = c.nh;
    if (nh == ip.NH_HOP_BY_HOP || nh == ip.NH_DEST_OPTS) {
      const r = walk_ip_options(p, off + X.EXT_OPTIONS, off + c.len, nh == ip.NH_DEST_OPTS);
      if (r < 0) return r;
    } else if (nh == ip.NH_ROUTING) {
      if (X.rh_type(p + off) == X.RH_TYPE_2) {
        if (!X.rh2_check(p + off)) return fail(E.ERR_RH2_FORMAT, off);
        if (dec(DEC_PRESENT) & P_RH2) return fail(E.ERR_DUPLICATE, off);
        set(DEC_RH2, off + X.RH2_HOME_ADDRESS);
        mark(P_RH2);
      }
    } else if (nh == ip.NH_FRAGMENT) {
      const later = X.frag_offset(p + off) != 0;
      const more = X.frag_more(p + off);
      chain_next(c);
      if (later) {
        // A later fragment carries no upper-layer header: stop here.
        mark(P_FRAG_LATER);
        set(DEC_UPPER_PROTO, c.nh);
        set(DEC_UPPER_OFF, c.off);
        return 0;
      }
      if (more) mark(P_FRAG_FIRST);
      continue;
    }
    // The Authentication Header (NH_AH) is stepped over unread.
    chain_next(c);
  }
  const nh = c.nh;
  const off = c.off;
  set(DEC_UPPER_PROTO, nh);
  set(DEC_UPPER_OFF, off);
  if (nh != ip.NH_MOBILITY) return 0;
  // The first of several fragments holds an incomplete MH: nothing to verify.
  if (dec(DEC_PRESENT) & P_FRAG_FIRST) return 0;
  return decode_mh(p, off, end);
}

/** Walks the options of a Hop-by-Hop / Destination Options header in [o, stop). */
function walk_ip_options(p: usize, o: u32, stop: u32, isDest: bool): i32 {
  while (o < stop) {
    const t = X.ipopt_type(p + o);
    if (t == X.IPOPT_PAD1) { o++; continue; }
    if (!X.ipopt_check(p + o, stop - o)) return fail(E.ERR_EXT_OPTION_OVERRUN, o);
    const l = X.ipopt_len(p + o);
    if (isDest && t == X.IPOPT_HOME_ADDRESS) {
      if (l != X.HAO_LEN) return fail(E.ERR_HAO_LENGTH, o);
      if (dec(DEC_PRESENT) & P_HOA) return fail(E.ERR_DUPLICATE, o);
      set(DEC_HOA, o + X.IPOPT_DATA);
      mark(P_HOA);
    } else if (isDest && t == X.IPOPT_TUNNEL_ENCAP_LIMIT) {
      if (l != X.TEL_LEN) return fail(E.ERR_TEL_LENGTH, o);
      set(DEC_ENCAP_LIMIT, load8(p + o + X.IPOPT_DATA));
      mark(P_ENCAP_LIMIT);
    }
    o += X.IPOPT_DATA + l;
  }
  return 0;
}

/** The checksum verifies over [mh, mh+mhLen) with the pseudo-header of the record. */
function checksum_ok(p: usize, mh: u32, mhLen: u32): bool {
  const src = p + <usize>(dec(DEC_PRESENT) & P_HOA ? dec(DEC_HOA) : dec(DEC_SRC));
  const dst = p + <usize>(dec(DEC_PRESENT) & P_RH2 ? dec(DEC_RH2) : dec(DEC_DST));
  const acc = sum_bytes(pseudo_header_sum(src, dst, mhLen, ip.NH_MOBILITY), p + mh, mhLen);
  return fold_complement(acc) == 0;
}

function decode_mh(p: usize, mh: u32, end: u32): i32 {
  const m = p + mh;
  const gate = H.mh_check(m, end - mh);
  if (gate == E.ERR_EMPTY || gate == E.ERR_MH_TRUNCATED) return fail(gate, mh);
  // The common part is readable: the record shows type and checksum even for a bad MH.
  const type = H.mh_type(m);
  set(DEC_MH_TYPE, type);
  set(DEC_CHECKSUM, H.mh_checksum(m));
  mark(P_MH_HEADER);
  if (gate != E.MH_OK) return fail(gate, mh + H.mh_check_offset(m, gate));
  const mhLen = H.mh_len(H.mh_header_len(m));
  set(DEC_MH_LEN, mhLen);
  if (type > H.MH_TYPE_MAX) {
    if (!checksum_ok(p, mh, mhLen)) return fail(E.ERR_CHECKSUM, mh + H.MH_CHECKSUM);
    mark(P_CHECKSUM_OK);
    return fail(E.ERR_UNKNOWN_TYPE, mh + H.MH_TYPE);
  }
  if (H.mh_header_len(m) < H.mh_min_header_len(type)) return fail(E.ERR_HEADER_LEN_MIN, mh + H.MH_HEADER_LEN);

  // ---- fixed fields; mhLen >= the fixed part, so these reads are inside the MH
  let fields: u32 = 0;
  switch (type) {
    case H.MH_HOTI: case H.MH_COTI: {
      fields = F_COOKIE;
      set(DEC_COOKIE, mh + H.TI_COOKIE);
      break;
    }
    case H.MH_HOT: case H.MH_COT: {
      fields = F_NONCE_INDEX | F_COOKIE | F_TOKEN;
      set(DEC_NONCE_INDEX, load16_be(m + H.T_NONCE_INDEX));
      set(DEC_COOKIE, mh + H.T_COOKIE);
      set(DEC_TOKEN, mh + H.T_TOKEN);
      break;
    }
    case H.MH_BU: {
      fields = F_SEQ | F_FLAGS_AHL | F_FLAG_K | F_LIFETIME;
      set(DEC_SEQ, load16_be(m + H.BU_SEQ));
      const b = load8(m + H.BU_FLAGS);
      set(DEC_FLAGS, (b & H.BU_A ? H.FLAG_A : 0) | (b & H.BU_H ? H.FLAG_H : 0)
        | (b & H.BU_L ? H.FLAG_L : 0) | (b & H.BU_K ? H.FLAG_K : 0));
      set(DEC_LIFETIME, load16_be(m + H.BU_LIFETIME));
      break;
    }
    case H.MH_BA: {
      fields = F_STATUS | F_FLAG_K | F_SEQ | F_LIFETIME;
      set(DEC_STATUS, load8(m + H.BA_STATUS));
      set(DEC_FLAGS, load8(m + H.BA_FLAGS) & H.BA_K ? H.FLAG_K : 0);
      set(DEC_SEQ, load16_be(m + H.BA_SEQ));
      set(DEC_LIFETIME, load16_be(m + H.BA_LIFETIME));
      break;
    }
    case H.MH_BE: {
      fields = F_STATUS | F_HOME_ADDRESS;
      set(DEC_STATUS, load8(m + H.BE_STATUS));
      set(DEC_HOME_ADDRESS, mh + H.BE_HOME_ADDRESS);
      break;
    }
  }
  set(DEC_FIELDS, fields);

  const r = walk_mh_options(p, mh, mh + H.mh_fixed_len(type), mh + mhLen);
  if (r < 0) return r;
  mark(P_MH);
  if (!checksum_ok(p, mh, mhLen)) return fail(E.ERR_CHECKSUM, mh + H.MH_CHECKSUM);
  mark(P_CHECKSUM_OK);
  return 0;
}

/** Appends `l` bytes to a reassembly buffer whose length is at record field `lenField`. */
@inline function append_value(buf: usize, lenField: u32, src: usize, l: u32): void {
  const have = dec(lenField);
  // have + l <= the MH length <= VALUE_MAX: every fragment lies inside one MH.
  memory.copy(buf + <usize>have, src, l);
  set(lenField, have + l);
}

function walk_mh_options(p: usize, mh: u32, o: u32, stop: u32): i32 {
  set(DEC_OPT_START, o);
  let count: u32 = 0;
  let badSeen = false;
  let prevType: i32 = -1;   // the option immediately before (Pad1 included), -1 none
  let prevLen: u32 = 0;
  let seen: u32 = 0;        // bit t: a value of fragmentable type t was started
  while (o < stop) {
    const t = load8(p + o);
    if (badSeen) return fail(E.ERR_BAD_NOT_LAST, o);
    const entry = OPTS + <usize>(count * OPT_ENTRY_SIZE);
    if (t == O.OPT_PAD1) {
      store<u32>(entry, 0); store<u32>(entry, PAD1_LEN, 4); store<u32>(entry, o, 8);
      count++; o++; prevType = 0; prevLen = 0;
      continue;
    }
    if (!O.opt_check(p + o, stop - o)) return fail(E.ERR_OPTION_OVERRUN, o);
    const l = O.opt_len(p + o);
    const v = o + O.OPT_DATA;
    const req = O.opt_required_len(t);
    if (req >= 0 ? l != <u32>req : req == -2 && l == 0) return fail(E.ERR_OPTION_LENGTH, o);
    store<u32>(entry, t); store<u32>(entry, l, 4); store<u32>(entry, v, 8);
    count++;
    switch (t) {
      case O.OPT_BRA: {
        set(DEC_BRA, load16_be(p + v)); mark(P_BRA); break;
      }
      case O.OPT_ALT_COA: {
        set(DEC_ALT_COA, v); mark(P_ALT_COA); break;
      }
      case O.OPT_NONCE_INDICES: {
        set(DEC_HOME_NONCE_INDEX, load16_be(p + v));
        set(DEC_CAREOF_NONCE_INDEX, load16_be(p + v + 2));
        mark(P_NONCE_INDICES);
        break;
      }
      case O.OPT_BAD: {
        set(DEC_BAD_AUTH, v); mark(P_BAD); badSeen = true; break;
      }
      case O.OPT_CGA_REQUEST: { mark(P_CGA_REQUEST); break; }
      case O.OPT_COT_INIT: { mark(P_COT_INIT); break; }
      case O.OPT_COT: { set(DEC_COT_TOKEN, v); mark(P_COT); break; }
      case O.OPT_CGA_PARAMS: case O.OPT_SIGNATURE: case O.OPT_PHKT: {
        if (prevType == <i32>t) {
          // continuation: the fragment before must have been full
          if (prevLen != O.OPT_FRAGMENT_MAX) return fail(E.ERR_OPTION_FRAGMENT, o);
        } else if (seen & (1 << t)) {
          return fail(E.ERR_OPTION_FRAGMENT, o);
        }
        seen |= 1 << t;
        if (t == O.OPT_CGA_PARAMS) {
          append_value(CGA_BUF, DEC_CGA_LEN, p + v, l);
          set(DEC_CGA_END, v + l);
          mark(P_CGA_PARAMS);
        } else if (t == O.OPT_SIGNATURE) {
          if (prevType == <i32>O.OPT_CGA_PARAMS) mark(P_CGA_THEN_SIG);
          append_value(SIG_BUF, DEC_SIG_LEN, p + v, l);
          mark(P_SIGNATURE);
        } else {
          append_value(PHKT_BUF, DEC_PHKT_LEN, p + v, l);
          mark(P_PHKT);
        }
        break;
      }
    }
    prevType = <i32>t;
    prevLen = l;
    o = v + l;
  }
  set(DEC_OPT_COUNT, count);
  return 0;
}

/** The 64-bit cookie (HoTI/CoTI/HoT/CoT) of the last decode of the packet at p. */
@inline export function dec_cookie(p: usize): u64 { return load64_be(p + <usize>dec(DEC_COOKIE)); }
