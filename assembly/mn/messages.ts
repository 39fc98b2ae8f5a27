// What the MN sends: Binding Updates (PROTOCOL.md §2.1) and Care-of Test Inits (§2.4), laid
// out by the MH builder from the site's outstanding-BU fields (sites.ts): S_SEQ, S_MODE,
// S_CONI, S_PEND_LIFE, S_PEND_COA. The same inputs give the same bytes, so a cga-mode BU is
// laid out twice: once with a zero Signature to take the digest for the host, once with the
// host's signature (the signed bytes end before the Signature option, PROTOCOL.md §2.1).
//
//   cga mode:  CGA Parameters+ Signature [Nonce Indices(0, coni) BAD]   (NI + BAD iff coni != 0)
//   phkt mode: Nonce Indices(0, coni) BAD
// IPv6 src = the CoA, dst = A_k, Destination Options with the Home Address option H_k, flags
// A and H, hop limit 64. The checksum is left zero: the caller adds the authenticator, then
// calls mh_finish_checksum.

import { copy_addr, store16_be } from "../wire/bytes";
import {
  BREQ, REQ_BITS, REQ_HOA, REQ_SEQ, REQ_FLAGS, REQ_LIFETIME, REQ_COOKIE, REQ_BIT_HOA, REQ_BIT_NO_CHECKSUM,
  breq_begin, breq_add_option, mh_build_packet,
} from "../mh/build";
import { MH_BU, MH_COTI, FLAG_A, FLAG_H } from "../mh/header";
import { OPT_CGA_PARAMS, OPT_SIGNATURE, OPT_NONCE_INDICES, OPT_BAD } from "../mh/options";
import { mcfg_mod_bytes } from "./config";
import {
  site_at, site_params, sget, S_ANCHOR, S_HOA, S_SEQ, S_MODE, S_CONI, S_PEND_LIFE, S_PEND_COA, S_PARAMS_LEN,
} from "./sites";

export const MODE_CGA: u32 = 0;
export const MODE_PHKT: u32 = 1;
const HOP_LIMIT: u32 = 64;

const ZERO_SIG: usize = memory.data(512, 16);
const ZERO_AUTH: usize = memory.data(16, 16);
const NI: usize = memory.data(8, 8);


/** Whether the outstanding BU of the site carries Nonce Indices and a BAD. */
export function bu_has_bad(s: usize): bool {
  return sget(s, S_MODE) == MODE_PHKT || sget(s, S_CONI) != 0;
}

/**
 * Builds site i's outstanding BU into [out, out+cap) with the signature at `sig` (cga mode;
 * 0: zeros). Returns the length or a negative builder code; BRES says where things are.
 */
export function build_bu(out: usize, cap: u32, i: u32, sig: usize): i32 {
  const s = site_at(i);
  breq_begin(MH_BU, s + S_PEND_COA, s + S_ANCHOR, HOP_LIMIT);
  store<u32>(BREQ + REQ_BITS, REQ_BIT_HOA | REQ_BIT_NO_CHECKSUM);
  copy_addr(BREQ + REQ_HOA, s + S_HOA);
  store<u32>(BREQ + REQ_SEQ, sget(s, S_SEQ));
  store<u32>(BREQ + REQ_FLAGS, FLAG_A | FLAG_H);
  store<u32>(BREQ + REQ_LIFETIME, sget(s, S_PEND_LIFE));
  if (sget(s, S_MODE) == MODE_CGA) {
    breq_add_option(OPT_CGA_PARAMS, site_params(i), sget(s, S_PARAMS_LEN));
    breq_add_option(OPT_SIGNATURE, sig != 0 ? sig : ZERO_SIG, mcfg_mod_bytes());
  }
  if (bu_has_bad(s)) {
    store16_be(NI, 0);
    store16_be(NI + 2, sget(s, S_CONI));
    breq_add_option(OPT_NONCE_INDICES, NI, 4);
    breq_add_option(OPT_BAD, ZERO_AUTH, 12);
  }
  return mh_build_packet(BREQ, out, cap);
}

/** Builds a CoTI from `coa` to `anchor` with the 8-byte cookie (checksum filled). */
export function build_coti(out: usize, cap: u32, coa: usize, anchor: usize, cookie: usize): i32 {
  breq_begin(MH_COTI, coa, anchor, HOP_LIMIT);
  store<u64>(BREQ + REQ_COOKIE, load<u64>(cookie));
  return mh_build_packet(BREQ, out, cap);
}
