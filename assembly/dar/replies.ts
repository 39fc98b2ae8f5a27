// What a DAR sends back: Binding Acknowledgement (PROTOCOL.md §2.3), Care-of Test
// (§2.4) and Binding Error (RFC 6275 §6.1.9), laid out by the MH builder into a static
// buffer; the caller copies the result into the packet's slot.

import { copy_addr } from "../wire/bytes";
import {
  BREQ, BRES_MH_OFF, BRES_BAD_AUTH, REQ_BITS, REQ_RH2, REQ_SEQ, REQ_LIFETIME, REQ_STATUS, REQ_NONCE_INDEX,
  REQ_COOKIE, REQ_TOKEN, REQ_HOME_ADDRESS, REQ_BIT_RH2, REQ_BIT_NO_CHECKSUM,
  breq_begin, breq_add_option, mh_build_packet, mh_finish_checksum, bres,
} from "../mh/build";
import { MH_BA, MH_BE, MH_COT } from "../mh/header";
import { OPT_BAD, OPT_PHKT } from "../mh/options";
import { tok_authenticator, AUTHENTICATOR_LEN } from "../cga/tokens";

/** Room for the largest reply: a BA with a 4096-bit PHKT ciphertext is about 650 bytes. */
export const REPLY_MAX: u32 = 1024;
export const REPLY: usize = memory.data(<i32>REPLY_MAX, 16);
const ZERO_AUTH: usize = memory.data(16, 16);
const HOP_LIMIT: u32 = 64;


/**
 * Builds a BA into REPLY: from `anchor` to `dst` with the Type 2 Routing Header `hoa`.
 * With `kbm` != 0 a BAD is appended and its authenticator computed over
 * `coa | anchor | BA MH`; with `phktCipher` != 0 the encrypted PHKT goes before it.
 * Returns the length, or a negative builder code.
 */
export function build_ba(
  anchor: usize, dst: usize, hoa: usize, status: u32, seq: u32, lifetimeUnits: u32,
  phktCipher: usize, phktLen: u32, kbm: usize, coa: usize,
): i32 {
  breq_begin(MH_BA, anchor, dst, HOP_LIMIT);
  store<u32>(BREQ + REQ_BITS, REQ_BIT_RH2 | (kbm != 0 ? REQ_BIT_NO_CHECKSUM : 0));
  copy_addr(BREQ + REQ_RH2, hoa);
  store<u32>(BREQ + REQ_STATUS, status);
  store<u32>(BREQ + REQ_SEQ, seq);
  store<u32>(BREQ + REQ_LIFETIME, lifetimeUnits);
  if (phktCipher != 0) breq_add_option(OPT_PHKT, phktCipher, phktLen);
  if (kbm != 0) breq_add_option(OPT_BAD, ZERO_AUTH, AUTHENTICATOR_LEN);
  const len = mh_build_packet(BREQ, REPLY, REPLY_MAX);
  if (len < 0 || kbm == 0) return len;
  // The authenticator covers the MH up to its own bytes, with the checksum still 0.
  const mh = REPLY + <usize>bres(BRES_MH_OFF);
  const authOff = <usize>(bres(BRES_BAD_AUTH) - bres(BRES_MH_OFF));
  tok_authenticator(kbm, coa, anchor, mh, authOff, mh + authOff);
  mh_finish_checksum(REPLY);
  return len;
}

/** Builds a CoT into REPLY (PROTOCOL.md §2.4). Returns the length or a negative code. */
export function build_cot(anchor: usize, coa: usize, nonceIndex: u32, cookie: usize, token: usize): i32 {
  breq_begin(MH_COT, anchor, coa, HOP_LIMIT);
  store<u32>(BREQ + REQ_NONCE_INDEX, nonceIndex);
  store<u64>(BREQ + REQ_COOKIE, load<u64>(cookie));
  store<u64>(BREQ + REQ_TOKEN, load<u64>(token));
  return mh_build_packet(BREQ, REPLY, REPLY_MAX);
}

/** Builds a Binding Error into REPLY; `homeAddress` 0 leaves the field unspecified (::). */
export function build_be(anchor: usize, dst: usize, status: u32, homeAddress: usize): i32 {
  breq_begin(MH_BE, anchor, dst, HOP_LIMIT);
  store<u32>(BREQ + REQ_STATUS, status);
  if (homeAddress != 0) copy_addr(BREQ + REQ_HOME_ADDRESS, homeAddress);
  return mh_build_packet(BREQ, REPLY, REPLY_MAX);
}
