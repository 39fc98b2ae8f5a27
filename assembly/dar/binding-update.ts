// DAR processing of a Binding Update, PROTOCOL.md §2.2, steps 2-9 (step 1, the
// well-formedness and checksum gate, is mh_decode_packet's, run by control.ts).
// The steps run in the profile's order and stop at the first failure: a BA with a
// rejection status, or a silent drop that is counted.
//
// The BU was decoded by mh_decode_packet into DEC (offsets relative to `pkt`); the
// reassembled CGA Parameters / Signature live in the decoder's scratch buffers.

import {
  dec, DEC_PRESENT, DEC_SRC, DEC_HOA, DEC_UPPER_OFF, DEC_SEQ, DEC_FLAGS, DEC_LIFETIME, DEC_ALT_COA,
  DEC_CAREOF_NONCE_INDEX, DEC_BAD_AUTH, DEC_CGA_END, DEC_CGA_PTR, DEC_CGA_LEN, DEC_SIG_PTR, DEC_SIG_LEN,
  P_HOA, P_ALT_COA, P_NONCE_INDICES, P_BAD, P_CGA_PARAMS, P_CGA_THEN_SIG,
} from "../mh/decode";
import {
  FLAG_A, BA_ACCEPTED, BA_INSUFFICIENT_RESOURCES, BA_NOT_HOME_SUBNET, BA_NOT_HOME_AGENT, BA_SEQ_OUT_OF_WINDOW,
  BA_EXPIRED_CAREOF_NONCE, BA_PHKT_UNAVAILABLE, BA_CGA_FAILED,
} from "../mh/header";
import { cga_verify, cga_mod_offset, cga_mod_len, cga_mod_bits, cga_exp_offset, cga_exp_len, CGA_OK } from "../cga/cga";
import { tok_signature_verify, tok_authenticator_check, tok_careof_keygen, tok_kbm, tok_kbm_dereg, KBM_LEN } from "../cga/tokens";
import { rsa_encrypt_pkcs1 } from "../cga/rsa";
import { random_fill } from "../random";
import { bc_lookup, bc_update, bc_remove, BC_FULL, BC_ADDED, BC_MOVED, BC_REFRESHED } from "./binding-cache";
import { E_SEQ, E_PHKT, E_FLAGS, FLAG_HAS_PHKT } from "./binding-record";
import {
  ctr_inc, C_MALFORMED, C_BAD_AUTH_FAILED, C_BU_ACCEPTED, C_BU_REJECTED, C_BU_NO_ACK, C_NO_RANDOM, C_CONTROL_DROP,
} from "./counters";
import { acks_mark } from "./withheld";
import { cfg_anchor, cfg_in_prefixes, cfg_min_sec, cfg_max_lifetime, cfg_coa_test } from "./config";
import { nonce_lookup, nonce_kdar } from "./nonces";
import { build_ba } from "./replies";


const PHKT_LEN: u32 = 8;
const ZEROS: usize = memory.data(8, 8);
const careOfToken: usize = memory.data(8, 8);
const newPhkt: usize = memory.data(8, 8);
const heldPhkt: usize = memory.data(8, 8);
const kbm: usize = memory.data(<i32>KBM_LEN, 16);
// RSAES-PKCS1-v1_5 ciphertext of the PHKT: one block of a 4096-bit key at most.
const PHKT_CIPHER_MAX: u32 = 512;
const phktCipher: usize = memory.data(<i32>PHKT_CIPHER_MAX, 16);

let replyLen: u32 = 0;
/** Length of the reply the last successful bu_process left in REPLY. */
export function bu_reply_len(): u32 { return replyLen; }

/** RFC 6275 §9.5.1: `seq` is newer than `last` modulo 2^16. */
@inline function seq_newer(seq: u32, last: u32): bool {
  const d = (seq - last) & 0xffff;
  return d != 0 && d < 0x8000;
}

/** Finishes with a reply built by build_ba (a negative length means it did not fit). */
function send(len: i32): u32 {
  if (len <= 0) {
    ctr_inc(C_CONTROL_DROP);
    return C_CONTROL_DROP;
  }
  replyLen = <u32>len;
  return 0;
}

function reject(pkt: usize, hoa: usize, status: u32, seq: u32): u32 {
  ctr_inc(C_BU_REJECTED);
  return send(build_ba(cfg_anchor(), pkt + dec(DEC_SRC), hoa, status, seq, 0, 0, 0, 0, 0));
}

/** An accepted BU without the A flag gets no BA (RFC 6275 §9.5.4). */
function no_ack(): u32 {
  ctr_inc(C_BU_NO_ACK);
  return C_BU_NO_ACK;
}

/**
 * Processes the decoded BU in [pkt, pkt+len). Returns 0 with a BA in REPLY
 * (bu_reply_len() bytes), or the index of the counter the silent drop was counted under.
 */
export function bu_process(pkt: usize, now: f64): u32 {
  const present = dec(DEC_PRESENT);
  // §2.1: a BU to a DAR carries the HoA in a Home Address option, and either CGA
  // Parameters (cga mode) or a BAD (phkt mode); anything else is malformed (step 1).
  if ((present & P_HOA) == 0 || (present & (P_CGA_PARAMS | P_BAD)) == 0) {
    ctr_inc(C_MALFORMED);
    return C_MALFORMED;
  }
  const hoa = pkt + dec(DEC_HOA);
  const coa = (present & P_ALT_COA) ? pkt + dec(DEC_ALT_COA) : pkt + dec(DEC_SRC);
  const anchor = cfg_anchor();
  const mh = pkt + dec(DEC_UPPER_OFF);
  const seq = dec(DEC_SEQ);
  const lifetimeUnits = dec(DEC_LIFETIME);
  const cgaMode = (present & P_CGA_PARAMS) != 0;
  const coni = (present & P_NONCE_INDICES) ? dec(DEC_CAREOF_NONCE_INDEX) : 0;

  // Step 2: the HoA is one of ours.
  if (!cfg_in_prefixes(hoa)) return reject(pkt, hoa, BA_NOT_HOME_SUBNET, seq);

  // The care-of keygen token, when the BU names a live nonce (checked in step 6).
  let nonce: usize = 0;
  if (coni != 0) {
    nonce = nonce_lookup(coni, now);
    if (nonce != 0) tok_careof_keygen(nonce_kdar(), coa, nonce, careOfToken);
  }
  const careOfPart = nonce != 0 ? careOfToken : ZEROS;

  // Step 3: the sequence number moves forward.
  const binding = bc_lookup(hoa, now);
  const holdsPhkt = binding != 0 && (<u32>load<u8>(binding + E_FLAGS) & FLAG_HAS_PHKT) != 0;
  if (holdsPhkt) store<u64>(heldPhkt, load<u64>(binding + E_PHKT));
  if (binding != 0) {
    const last = <u32>load<u16>(binding + E_SEQ);
    if (!seq_newer(seq, last)) {
      // In phkt mode the 135 is authenticated with the held PHKT so the MN can trust it.
      if (!cgaMode && holdsPhkt) {
        tok_kbm(heldPhkt, careOfPart, kbm);
        ctr_inc(C_BU_REJECTED);
        return send(build_ba(anchor, pkt + dec(DEC_SRC), hoa, BA_SEQ_OUT_OF_WINDOW, last, 0, 0, 0, kbm, coa));
      }
      return reject(pkt, hoa, BA_SEQ_OUT_OF_WINDOW, last);
    }
  }

  if (cgaMode) {
    // Step 4: the HoA is a CGA of the key in the parameters, and the key signed the BU.
    if ((present & P_CGA_THEN_SIG) == 0) return reject(pkt, hoa, BA_CGA_FAILED, seq);
    const params = <usize>dec(DEC_CGA_PTR);
    if (cga_verify(hoa, params, dec(DEC_CGA_LEN), cfg_min_sec()) != CGA_OK) return reject(pkt, hoa, BA_CGA_FAILED, seq);
    const signedLen = <usize>(dec(DEC_CGA_END) - dec(DEC_UPPER_OFF));
    const sig = tok_signature_verify(coa, anchor, mh, signedLen,
      params + cga_mod_offset(), cga_mod_len(), params + cga_exp_offset(), cga_exp_len(),
      <usize>dec(DEC_SIG_PTR), dec(DEC_SIG_LEN));
    if (sig != 0) return reject(pkt, hoa, BA_CGA_FAILED, seq);
  } else if (!holdsPhkt) {
    // Step 5: phkt mode needs the PHKT we issued.
    return reject(pkt, hoa, BA_PHKT_UNAVAILABLE, seq);
  }

  // Step 6: the care-of test, required by policy or used by the MN.
  if ((cfg_coa_test() && coni == 0) || (coni != 0 && nonce == 0)) {
    return reject(pkt, hoa, BA_EXPIRED_CAREOF_NONCE, seq);
  }

  // Step 7: the authenticator, whenever a BAD is present.
  const dereg = lifetimeUnits == 0;
  if (present & P_BAD) {
    if (!cgaMode && dereg) tok_kbm_dereg(heldPhkt, kbm);
    else tok_kbm(cgaMode ? ZEROS : heldPhkt, careOfPart, kbm);
    const authOff = <usize>(dec(DEC_BAD_AUTH) - dec(DEC_UPPER_OFF));
    if (!tok_authenticator_check(kbm, coa, anchor, mh, authOff)) {
      ctr_inc(C_BAD_AUTH_FAILED);
      return C_BAD_AUTH_FAILED;
    }
  }

  const ack = (dec(DEC_FLAGS) & FLAG_A) != 0;
  const dst = pkt + dec(DEC_SRC);

  // Step 9 (deregistration): delete the binding and its PHKT.
  if (dereg) {
    if (binding == 0) return reject(pkt, hoa, BA_NOT_HOME_AGENT, seq);
    bc_remove(hoa);
    ctr_inc(C_BU_ACCEPTED);
  acks_mark();
    if (!ack) return no_ack();
    // A phkt-mode BA is authenticated with the Kbm the BU used.
    return send(build_ba(anchor, dst, hoa, BA_ACCEPTED, seq, 0, 0, 0, cgaMode ? 0 : kbm, coa));
  }

  // Step 9 (registration): the granted lifetime, a new PHKT in cga mode.
  let grantedUnits = min(lifetimeUnits, cfg_max_lifetime() / 4);
  if (grantedUnits == 0) grantedUnits = 1;
  let cipherLen: u32 = 0;
  if (cgaMode) {
    if (!random_fill(newPhkt, PHKT_LEN)) {
      ctr_inc(C_NO_RANDOM);
      return C_NO_RANDOM;
    }
    const params = <usize>dec(DEC_CGA_PTR);
    cipherLen = (cga_mod_bits() + 7) >> 3;
    if (rsa_encrypt_pkcs1(params + cga_mod_offset(), cga_mod_len(), params + cga_exp_offset(), cga_exp_len(),
      newPhkt, PHKT_LEN, phktCipher) != 0) {
      ctr_inc(C_NO_RANDOM);
      return C_NO_RANDOM;
    }
  }
  // Step 8: room in the cache.
  const r = bc_update(hoa, coa, seq, grantedUnits * 4, cgaMode ? newPhkt : 0, now);
  if (r == BC_FULL) return reject(pkt, hoa, BA_INSUFFICIENT_RESOURCES, seq);
  if (r != BC_ADDED && r != BC_MOVED && r != BC_REFRESHED) {
    ctr_inc(C_CONTROL_DROP);
    return C_CONTROL_DROP;
  }
  ctr_inc(C_BU_ACCEPTED);
  acks_mark();
  if (!ack) return no_ack();
  // A phkt-mode BA uses the Kbm that step 7 checked the BU with; cga mode keys it with the new PHKT.
  if (cgaMode) tok_kbm(newPhkt, careOfPart, kbm);
  return send(build_ba(anchor, dst, hoa, BA_ACCEPTED, seq, grantedUnits,
    cgaMode ? phktCipher : 0, cipherLen, kbm, coa));
}
