// Decoding an IPv6 packet up to and including its Mobility Header: a composition of the wire
// views that fills the decode record (decode-record.ts, re-exported here for the engines).
//
// mh_decode_packet(ptr, len) reads the packet in [ptr, ptr+len), never outside it, and returns
// 0 or a negative code from errors.ts. A packet whose chain ends in something other than an MH
// (or a fragment) decodes with result 0 and P_MH clear. The parts, in check order (the first
// failure wins):
//   1. decode-ext.ts: the IPv6 header and the extension headers;
//   2. here: the MH gate (header.ts mh_check: no byte (empty), < 6 bytes (truncated), Payload
//      Proto, Header Len vs the IPv6 payload (exceeds / mismatch)); an unknown type gets its
//      checksum checked, then ERR_UNKNOWN_TYPE; a known type the minimum Header Len and its
//      fixed fields (message.ts mh_message_read, into the record in place);
//   3. decode-options.ts: the options in order (overrun, length, BAD not last, fragment rules);
//   4. last, the checksum.
//   Bytes after the IPv6 payload (Ethernet trailer padding) are ignored.
//
// ---- AS-level API for the DAR / MN engines -------------------------------------------------
//   dec(DEC_x) reads a u32 field of the record; offsets are relative to `ptr`, 0 = absent.
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

import { NH_MOBILITY } from "../wire/ipv6";
import { sum_bytes, pseudo_header_sum, fold_complement } from "../wire/checksum";
import * as E from "./errors";
import * as H from "./header";
import { MhMessage, mh_message_read, mh_fixed_len } from "./message";
import { decode_ipv6_chain } from "./decode-ext";
import { decode_mh_options } from "./decode-options";
import {
  DEC, dec, dec_set, dec_mark, dec_has, dec_fail, dec_reset, DEC_END, DEC_UPPER_PROTO, DEC_UPPER_OFF, DEC_SRC, DEC_DST,
  DEC_HOA, DEC_RH2, DEC_MH_TYPE, DEC_CHECKSUM, DEC_MH_LEN,
  P_HOA, P_RH2, P_MH, P_MH_HEADER, P_CHECKSUM_OK, P_FRAG_FIRST, P_FRAG_LATER,
} from "./decode-record";

export * from "./decode-record";
export { F_SEQ, F_FLAGS_AHL, F_FLAG_K, F_LIFETIME, F_STATUS, F_COOKIE, F_NONCE_INDEX, F_TOKEN, F_HOME_ADDRESS } from "./message";

/** The record's [48, 92): the MH's type, fixed fields and checksum, parsed in place. */
const MSG = changetype<MhMessage>(DEC + <usize>DEC_MH_TYPE);

/** Decodes the packet in [p, p+len). See the header of this file. */
export function mh_decode_packet(p: usize, len: u32): i32 {
  dec_reset();
  const r = decode_ipv6_chain(p, len);
  if (r < 0) return r;
  if (dec(DEC_UPPER_PROTO) != NH_MOBILITY) return 0;
  // A later fragment has no MH; the first of several holds an incomplete one: nothing to verify.
  if (dec_has(P_FRAG_FIRST | P_FRAG_LATER)) return 0;
  return decode_mh(p, dec(DEC_UPPER_OFF), dec(DEC_END));
}

/** The checksum verifies over [mh, mh+mhLen) with the pseudo-header of the record. */
function checksum_ok(p: usize, mh: u32, mhLen: u32): bool {
  const src = p + <usize>(dec_has(P_HOA) ? dec(DEC_HOA) : dec(DEC_SRC));
  const dst = p + <usize>(dec_has(P_RH2) ? dec(DEC_RH2) : dec(DEC_DST));
  const acc = sum_bytes(pseudo_header_sum(src, dst, mhLen, NH_MOBILITY), p + mh, mhLen);
  return fold_complement(acc) == 0;
}

@inline function decode_mh(p: usize, mh: u32, end: u32): i32 {
  const m = p + mh;
  const gate = H.mh_check(m, end - mh);
  if (gate == E.ERR_EMPTY || gate == E.ERR_MH_TRUNCATED) return dec_fail(gate, mh);
  // The common part is readable: the record shows type and checksum even for a bad MH.
  dec_set(DEC_MH_TYPE, H.mh_type(m));
  dec_set(DEC_CHECKSUM, H.mh_checksum(m));
  dec_mark(P_MH_HEADER);
  if (gate != E.MH_OK) return dec_fail(gate, mh + H.mh_check_offset(m, gate));
  const mhLen = H.mh_len(H.mh_header_len(m));
  dec_set(DEC_MH_LEN, mhLen);
  const parsed = mh_message_read(m, p, MSG);
  if (parsed == E.ERR_UNKNOWN_TYPE) {
    if (!checksum_ok(p, mh, mhLen)) return dec_fail(E.ERR_CHECKSUM, mh + H.MH_CHECKSUM);
    dec_mark(P_CHECKSUM_OK);
    return dec_fail(E.ERR_UNKNOWN_TYPE, mh + H.MH_TYPE);
  }
  if (parsed != E.MH_OK) return dec_fail(parsed, mh + H.MH_HEADER_LEN);

  const r = decode_mh_options(p, mh + mh_fixed_len(MSG.type), mh + mhLen);
  if (r < 0) return r;
  dec_mark(P_MH);
  if (!checksum_ok(p, mh, mhLen)) return dec_fail(E.ERR_CHECKSUM, mh + H.MH_CHECKSUM);
  dec_mark(P_CHECKSUM_OK);
  return 0;
}
