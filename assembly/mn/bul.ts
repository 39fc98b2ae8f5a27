// The MN's Binding Update List state machine (PROTOCOL.md §2.1, §2.3 "MN processing of a
// BA", §2.4, §2.6). One exchange at a time per site; the host only answers the two
// private-key steps (sign a digest, decrypt a PHKT) and moves addresses.
//
// A site's `goal` says what its exchanges are for: REGISTER (keep H_k reachable through
// DAR k while attached elsewhere), DEREGISTER (released by the host, or back home at DAR
// k), NONE (the current site with nothing registered). A *series* is the run of
// transmissions for one goal; it starts at a handover (first BA timeout =
// initialTimeoutMs), a refresh or a release (1 s), and each timeout doubles up to 32 s.
// Every transmission is a new BU with the next sequence number (§2.1), so a cga-mode
// retransmission asks the host for a new signature.
//
// Transmission (send_next): care-of test first when the site needs one (configured
// coaTest, or the DAR answered 137) and holds no token fresh for this CoA (< 180 s, the
// DAR accepts a nonce for 240 s and rotates every 30 s); then mode phkt when a PHKT is
// held and fewer than PHKT_SEQ_BUDGET BUs were sent under it, else cga. The budget is the
// wrap rule of §2.1: the DAR compares sequence numbers modulo 2^16, so after 2^15 BUs
// under one PHKT old BUs would look new again; a cga-mode BU renews the PHKT before that.
//
// BA (ba_process): it must come from A_k with the Type 2 Routing Header H_k and carry the
// outstanding BU's sequence number (135 carries the DAR's last accepted one). Accepted:
// cga mode -> keep the BA's MH, ask the host to decrypt the PHKT, check the BAD with the
// Kbm it gives, and only then store the PHKT (a BA whose BAD fails is discarded: the
// retransmission timer runs on); phkt mode -> check the BAD in place. 135 -> resend with
// a larger sequence number (after checking the BAD when it has one); 147 -> forget the
// PHKT and resend in cga mode; 137 -> care-of test then resend; 148/132 -> drop the site
// and report it (EV_REJECTED); 133 to a deregistration -> done; others -> retransmit on
// the timer.
//
// Bound: expiry = send time of the acknowledged BU + granted lifetime (RFC 6275 §11.7.1),
// refresh at 80% of it or at the Binding Refresh Advice, whichever is sooner; a binding
// that expires before a refresh is acknowledged is reported lost (EV_LOST) and the series
// goes on. A deregistration that gets no answer after the 32 s timeout is given up.

import { addr_eq, copy_addr, load16_be } from "../wire/bytes";
import {
  dec, DEC_PRESENT, DEC_SRC, DEC_RH2, DEC_UPPER_OFF, DEC_MH_LEN, DEC_SEQ, DEC_STATUS, DEC_LIFETIME, DEC_BRA,
  DEC_BAD_AUTH, DEC_PHKT_PTR, DEC_PHKT_LEN, DEC_COOKIE, DEC_TOKEN, DEC_NONCE_INDEX,
  P_RH2, P_BAD, P_PHKT, P_BRA,
} from "../mh/decode";
import { bres, BRES_MH_OFF, BRES_BAD_AUTH, BRES_CGA_END, mh_finish_checksum } from "../mh/build";
import {
  MH_BU, MH_COTI, BA_NOT_HOME_SUBNET, BA_NOT_HOME_AGENT, BA_SEQ_OUT_OF_WINDOW, BA_EXPIRED_CAREOF_NONCE,
  BA_PHKT_UNAVAILABLE, BA_CGA_FAILED,
} from "../mh/header";
import { tok_kbm, tok_kbm_dereg, tok_authenticator, tok_authenticator_check, tok_sign_digest, KBM_LEN } from "../cga/tokens";
import { cga_params_build, cga_address_of } from "../cga/cga";
import { random_fill } from "../random";
import {
  mctr_inc, M_BA_RECEIVED, M_BA_UNMATCHED, M_BA_BAD_AUTH, M_BA_ACCEPTED, M_BA_REJECTED, M_COT_RECEIVED,
  M_COT_UNMATCHED, M_BU_SENT, M_COTI_SENT, M_RETRANSMISSIONS, M_SIGN_REQUESTS, M_DECRYPT_REQUESTS,
  M_DECRYPT_FAILED, M_BUILD_FAILED, M_NO_RANDOM, M_BINDINGS_LOST, M_STALE_ANSWERS,
} from "./counters";
import {
  mn_event, EV_SIGN_REQUEST, EV_DECRYPT_REQUEST, EV_BU_SENT, EV_BA_RECEIVED, EV_BOUND, EV_REJECTED,
  EV_RELEASED, EV_LOST, EV_COTI_SENT, EV_COT_RECEIVED, EV_HOME, EV_GAVE_UP, MODE_RETRANSMISSION, MODE_DEREGISTRATION,
} from "./events";
import { outbox_reserve, outbox_commit, MN_OUTBOX_PACKET } from "./outbox";
import {
  mcfg_configured, mcfg_key, mcfg_key_len, mcfg_modifier, mcfg_sec, mcfg_mod_bytes, mcfg_initial_timeout, mcfg_lifetime,
} from "./config";
import {
  MN_MAX_SITES, PARAMS_CAP, HOLD_CAP, CIPHER_CAP, site_at, site_params, site_hold, site_cipher, site_used,
  site_alloc, site_free, site_find, site_by_anchor_hoa, site_set_prefix, site_set_anchor,
  sget, sset, sgetf, ssetf, shas, sflag,
  S_USED, S_FLAGS, S_PHASE, S_GOAL, S_ANCHOR, S_HOA, S_SEQ, S_PHKT_SEQ, S_GRANTED, S_TRIES, S_BOUND_SENT,
  S_EXPIRY, S_REFRESH, S_DEADLINE, S_TIMEOUT, S_LAST_STATUS, S_MODE, S_CONI, S_PHKT, S_TOKEN, S_COOKIE,
  S_TOKEN_AT, S_SERIES_AT, S_PARAMS_LEN, S_PEND_LIFE, S_PEND_SENT, S_PEND_COA, S_DIGEST, S_TOKEN_COA,
  S_BA_LEN, S_BA_AUTH, S_BA_LIFE, S_BA_BRA, S_CIPHER_LEN, S_TOKEN_INDEX, S_HANDOVER_AT,
  SF_CURRENT, SF_COA_TEST, SF_BOUND, SF_HAS_PHKT, SF_RELEASING, SF_LOST, SF_TOKEN, SF_HANDOVER,
  PH_IDLE, PH_SIGN, PH_BA, PH_DECRYPT, PH_COT, GOAL_NONE, GOAL_REGISTER, GOAL_DEREGISTER,
} from "./sites";
import { build_bu, build_coti, bu_has_bad, MODE_CGA, MODE_PHKT } from "./messages";


export const INITIAL_BINDACK_TIMEOUT_MS: u32 = 1000;
export const MAX_BINDACK_TIMEOUT_MS: u32 = 32000;
export const TOKEN_FRESH_MS: f64 = 180_000;
export const PHKT_SEQ_BUDGET: u32 = 0x7f00;

// mn_attach / mn_release / answer error codes.
export const MN_ERR_NOT_CONFIGURED: i32 = -1;
export const MN_ERR_FULL: i32 = -2;
export const MN_ERR_BAD_SITE: i32 = -3;
export const MN_ERR_CURRENT: i32 = -4;
export const MN_ERR_STALE: i32 = -5;
export const MN_ERR_LENGTH: i32 = -6;
export const MN_ERR_PARAMS: i32 = -7;

const coaBuf: usize = memory.data(16, 16);
let cur: i32 = -1;
const SCRATCH_CAP: u32 = 2304;
const scratch: usize = memory.data(<i32>SCRATCH_CAP, 16);
const kbm: usize = memory.data(<i32>KBM_LEN, 16);

@inline export function mn_coa_ptr(): usize { return coaBuf; }
@inline export function mn_current_index(): i32 { return cur; }

@inline function anchor_of(s: usize): usize { return s + S_ANCHOR; }

/** The care-of part of Kbm for the outstanding BU: the token when it used one. */
@inline function care_of_part(s: usize): usize { return sget(s, S_CONI) != 0 ? s + S_TOKEN : 0; }

function token_fresh(s: usize, now: f64): bool {
  if (!shas(s, SF_TOKEN) || !addr_eq(s + S_TOKEN_COA, coaBuf)) return false;
  const age = now - sgetf(s, S_TOKEN_AT);
  return age >= 0 && age < TOKEN_FRESH_MS;
}

@inline function arm(s: usize, now: f64): void {
  ssetf(s, S_DEADLINE, now + <f64>sget(s, S_TIMEOUT));
}

// ---------------------------------------------------------------------------------------
// Transmissions

/** Starts a series of transmissions for the site's goal. */
function start_series(i: u32, now: f64, handover: bool): void {
  const s = site_at(i);
  ssetf(s, S_SERIES_AT, now);
  sset(s, S_TRIES, 0);
  sset(s, S_TIMEOUT, handover ? mcfg_initial_timeout() : INITIAL_BINDACK_TIMEOUT_MS);
  sflag(s, SF_HANDOVER, handover);
  if (handover) ssetf(s, S_HANDOVER_AT, now);
  send_next(i, now);
}

/** One new transmission of the series: a CoTI, or a BU (phkt now, or cga via the host). */
function send_next(i: u32, now: f64): void {
  const s = site_at(i);
  const goal = sget(s, S_GOAL);
  if (goal == GOAL_NONE) {
    sset(s, S_PHASE, PH_IDLE);
    ssetf(s, S_DEADLINE, 0);
    return;
  }
  if (shas(s, SF_COA_TEST) && !token_fresh(s, now)) {
    send_coti(i, now);
    return;
  }
  const dereg = goal == GOAL_DEREGISTER;
  const seq = (sget(s, S_SEQ) + 1) & 0xffff;
  const underPhkt = (seq - sget(s, S_PHKT_SEQ)) & 0xffff;
  const mode = shas(s, SF_HAS_PHKT) && underPhkt < PHKT_SEQ_BUDGET ? MODE_PHKT : MODE_CGA;
  sset(s, S_SEQ, seq);
  sset(s, S_MODE, mode);
  sset(s, S_CONI, shas(s, SF_COA_TEST) && token_fresh(s, now) ? sget(s, S_TOKEN_INDEX) : 0);
  let units = mcfg_lifetime() >> 2;
  if (units > 0xffff) units = 0xffff;
  sset(s, S_PEND_LIFE, dereg ? 0 : units);
  copy_addr(s + S_PEND_COA, coaBuf);
  if (mode == MODE_PHKT) {
    emit_bu(i, 0, now);
    return;
  }
  // cga mode: lay out with a zero signature, hand the digest to the host.
  const len = build_bu(scratch, SCRATCH_CAP, i, 0);
  if (len < 0) {
    mctr_inc(M_BUILD_FAILED);
    sset(s, S_PHASE, PH_SIGN);
    arm(s, now);
    return;
  }
  const mhOff = bres(BRES_MH_OFF);
  tok_sign_digest(s + S_PEND_COA, anchor_of(s), scratch + <usize>mhOff, <usize>(bres(BRES_CGA_END) - mhOff), s + S_DIGEST);
  sset(s, S_PHASE, PH_SIGN);
  arm(s, now);
  mctr_inc(M_SIGN_REQUESTS);
  mn_event(EV_SIGN_REQUEST, i, 0, seq, 0, s + S_DIGEST, 20, MODE_CGA, s + S_HOA, s + S_PEND_COA);
}

/** Lays out the outstanding BU with `sig` (cga mode), adds the BAD, queues it. */
function emit_bu(i: u32, sig: usize, now: f64): void {
  const s = site_at(i);
  const tries = sget(s, S_TRIES);
  sset(s, S_TRIES, tries + 1);
  sset(s, S_PHASE, PH_BA);
  ssetf(s, S_PEND_SENT, now);
  arm(s, now);
  const out = outbox_reserve();
  if (out == 0) return; // counted; the timer sends another
  const len = build_bu(out, MN_OUTBOX_PACKET, i, sig);
  if (len < 0) {
    mctr_inc(M_BUILD_FAILED);
    return;
  }
  const dereg = sget(s, S_PEND_LIFE) == 0;
  const mode = sget(s, S_MODE);
  if (bu_has_bad(s)) {
    if (mode == MODE_CGA) tok_kbm(0, care_of_part(s), kbm);
    else if (dereg) tok_kbm_dereg(s + S_PHKT, kbm);
    else tok_kbm(s + S_PHKT, care_of_part(s), kbm);
    const mh = out + <usize>bres(BRES_MH_OFF);
    const authOff = <usize>(bres(BRES_BAD_AUTH) - bres(BRES_MH_OFF));
    tok_authenticator(kbm, s + S_PEND_COA, anchor_of(s), mh, authOff, mh + authOff);
  }
  mh_finish_checksum(out);
  outbox_commit(<u32>len, i, MH_BU);
  mctr_inc(M_BU_SENT);
  const flags = mode | (tries > 0 ? MODE_RETRANSMISSION : 0) | (dereg ? MODE_DEREGISTRATION : 0);
  mn_event(EV_BU_SENT, i, 0, sget(s, S_SEQ), sget(s, S_PEND_LIFE) << 2, 0, 0, flags, s + S_HOA, s + S_PEND_COA);
}

function send_coti(i: u32, now: f64): void {
  const s = site_at(i);
  const tries = sget(s, S_TRIES);
  sset(s, S_TRIES, tries + 1);
  sset(s, S_PHASE, PH_COT);
  arm(s, now);
  if (!random_fill(s + S_COOKIE, 8)) {
    mctr_inc(M_NO_RANDOM);
    return;
  }
  const out = outbox_reserve();
  if (out == 0) return;
  const len = build_coti(out, MN_OUTBOX_PACKET, coaBuf, anchor_of(s), s + S_COOKIE);
  if (len < 0) {
    mctr_inc(M_BUILD_FAILED);
    return;
  }
  outbox_commit(<u32>len, i, MH_COTI);
  mctr_inc(M_COTI_SENT);
  mn_event(EV_COTI_SENT, i, 0, 0, 0, 0, 0, tries > 0 ? MODE_RETRANSMISSION : 0, s + S_HOA, coaBuf);
}

// ---------------------------------------------------------------------------------------
// Outcomes

function registered(i: u32, lifeUnits: u32, braUnits: u32, now: f64): void {
  const s = site_at(i);
  const granted = lifeUnits << 2;
  const sent = sgetf(s, S_PEND_SENT);
  let interval = <f64>granted * 800.0; // 80% of the granted lifetime, in ms
  if (braUnits != 0 && <f64>braUnits * 4000.0 < interval) interval = <f64>braUnits * 4000.0;
  let refresh = sent + interval;
  if (refresh < now + 100) refresh = now + 100;
  sset(s, S_GRANTED, granted);
  ssetf(s, S_BOUND_SENT, sent);
  ssetf(s, S_EXPIRY, sent + <f64>granted * 1000.0);
  ssetf(s, S_REFRESH, refresh);
  sflag(s, SF_BOUND, true);
  sflag(s, SF_LOST, false);
  sflag(s, SF_HANDOVER, false);
  sset(s, S_PHASE, PH_IDLE);
  ssetf(s, S_DEADLINE, refresh);
  mctr_inc(M_BA_ACCEPTED);
  mn_event(EV_BOUND, i, 0, sget(s, S_SEQ), granted, 0, 0, sget(s, S_MODE), s + S_HOA, s + S_PEND_COA);
}

function finish_dereg(i: u32, now: f64, answered: bool): void {
  const s = site_at(i);
  if (answered) mctr_inc(M_BA_ACCEPTED);
  else mn_event(EV_GAVE_UP, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
  if (shas(s, SF_CURRENT)) {
    // Back home: the DAR dropped the binding and its PHKT; H_k is the CoA and goes direct.
    sflag(s, SF_BOUND | SF_HAS_PHKT | SF_LOST | SF_HANDOVER | SF_RELEASING, false);
    sset(s, S_GOAL, GOAL_NONE);
    sset(s, S_PHASE, PH_IDLE);
    ssetf(s, S_DEADLINE, 0);
    ssetf(s, S_EXPIRY, 0);
    mn_event(EV_HOME, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
    return;
  }
  mn_event(EV_RELEASED, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
  site_free(i);
}

/** 148 / 132: the DAR will not keep this address; stop using it. */
function rejected(i: u32, status: u32): void {
  const s = site_at(i);
  mn_event(EV_REJECTED, i, status, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
  if (shas(s, SF_CURRENT)) {
    sflag(s, SF_BOUND | SF_HAS_PHKT, false);
    sset(s, S_GOAL, GOAL_NONE);
    sset(s, S_PHASE, PH_IDLE);
    ssetf(s, S_DEADLINE, 0);
    return;
  }
  site_free(i);
}

function on_timeout(i: u32, now: f64): void {
  const s = site_at(i);
  const t = sget(s, S_TIMEOUT);
  if (sget(s, S_GOAL) == GOAL_DEREGISTER && t >= MAX_BINDACK_TIMEOUT_MS) {
    finish_dereg(i, now, false);
    return;
  }
  sset(s, S_TIMEOUT, t * 2 < MAX_BINDACK_TIMEOUT_MS ? t * 2 : MAX_BINDACK_TIMEOUT_MS);
  mctr_inc(M_RETRANSMISSIONS);
  send_next(i, now);
}

// ---------------------------------------------------------------------------------------
// Received control messages (decoded by mh_decode_packet into DEC; dispatch checked that
// the source is an anchor and the destination the CoA)

export function ba_process(pkt: usize, now: f64): void {
  const present = dec(DEC_PRESENT);
  if ((present & P_RH2) == 0) {
    mctr_inc(M_BA_UNMATCHED);
    return;
  }
  const found = site_by_anchor_hoa(pkt + dec(DEC_SRC), pkt + dec(DEC_RH2));
  if (found < 0) {
    mctr_inc(M_BA_UNMATCHED);
    return;
  }
  const i = <u32>found;
  const s = site_at(i);
  const status = dec(DEC_STATUS);
  const seq = dec(DEC_SEQ);
  if (sget(s, S_PHASE) != PH_BA || (status != BA_SEQ_OUT_OF_WINDOW && seq != sget(s, S_SEQ))) {
    mctr_inc(M_BA_UNMATCHED);
    return;
  }
  const mh = pkt + dec(DEC_UPPER_OFF);
  const authOff = <usize>(dec(DEC_BAD_AUTH) - dec(DEC_UPPER_OFF));
  const dereg = sget(s, S_GOAL) == GOAL_DEREGISTER;
  const mode = sget(s, S_MODE);
  if (status < 128) {
    if (mode == MODE_CGA) {
      if (dereg) {
        note_ba(i, status, seq);
        finish_dereg(i, now, true);
        return;
      }
      const mhLen = dec(DEC_MH_LEN);
      const cipherLen = dec(DEC_PHKT_LEN);
      if ((present & (P_PHKT | P_BAD)) != (P_PHKT | P_BAD) || mhLen > HOLD_CAP
          || cipherLen != mcfg_mod_bytes() || cipherLen > CIPHER_CAP) {
        mctr_inc(M_BA_BAD_AUTH);
        return;
      }
      note_ba(i, status, seq);
      memory.copy(site_hold(i), mh, mhLen);
      memory.copy(site_cipher(i), <usize>dec(DEC_PHKT_PTR), cipherLen);
      sset(s, S_BA_LEN, mhLen);
      sset(s, S_BA_AUTH, <u32>authOff);
      sset(s, S_BA_LIFE, dec(DEC_LIFETIME));
      sset(s, S_BA_BRA, (present & P_BRA) ? dec(DEC_BRA) : 0);
      sset(s, S_CIPHER_LEN, cipherLen);
      sset(s, S_PHASE, PH_DECRYPT);
      mctr_inc(M_DECRYPT_REQUESTS);
      mn_event(EV_DECRYPT_REQUEST, i, 0, seq, 0, site_cipher(i), cipherLen, MODE_CGA, s + S_HOA, s + S_PEND_COA);
      return;
    }
    if ((present & P_BAD) == 0) {
      mctr_inc(M_BA_BAD_AUTH);
      return;
    }
    if (dereg) tok_kbm_dereg(s + S_PHKT, kbm);
    else tok_kbm(s + S_PHKT, care_of_part(s), kbm);
    if (!tok_authenticator_check(kbm, s + S_PEND_COA, anchor_of(s), mh, authOff)) {
      mctr_inc(M_BA_BAD_AUTH);
      return;
    }
    note_ba(i, status, seq);
    if (dereg) finish_dereg(i, now, true);
    else registered(i, dec(DEC_LIFETIME), (present & P_BRA) ? dec(DEC_BRA) : 0, now);
    return;
  }
  // Rejections.
  if (status == BA_SEQ_OUT_OF_WINDOW && (present & P_BAD) != 0) {
    // Authenticated with the held PHKT (PROTOCOL.md §2.3): check it when we can.
    if (!shas(s, SF_HAS_PHKT)) {
      mctr_inc(M_BA_BAD_AUTH);
      return;
    }
    tok_kbm(s + S_PHKT, care_of_part(s), kbm);
    if (!tok_authenticator_check(kbm, s + S_PEND_COA, anchor_of(s), mh, authOff)) {
      mctr_inc(M_BA_BAD_AUTH);
      return;
    }
  }
  note_ba(i, status, seq);
  mctr_inc(M_BA_REJECTED);
  if (status == BA_SEQ_OUT_OF_WINDOW) {
    sset(s, S_SEQ, seq); // the DAR's last accepted one: the next BU goes past it
    send_next(i, now);
  } else if (status == BA_PHKT_UNAVAILABLE) {
    sflag(s, SF_HAS_PHKT, false);
    // A deregistration answered 147: the DAR holds no binding with a PHKT for H_k (it was
    // removed, e.g. by an earlier BU of this series whose BA was lost): nothing to remove.
    if (dereg) finish_dereg(i, now, true);
    else send_next(i, now);
  } else if (status == BA_EXPIRED_CAREOF_NONCE) {
    sflag(s, SF_TOKEN, false);
    sflag(s, SF_COA_TEST, true);
    send_next(i, now);
  } else if (status == BA_CGA_FAILED || status == BA_NOT_HOME_SUBNET) {
    if (dereg) finish_dereg(i, now, true);
    else rejected(i, status);
  } else if (status == BA_NOT_HOME_AGENT && dereg) {
    finish_dereg(i, now, true);
  }
  // other statuses (130 ...): the retransmission timer runs on, with back-off
}

function note_ba(i: u32, status: u32, seq: u32): void {
  const s = site_at(i);
  sset(s, S_LAST_STATUS, status);
  mctr_inc(M_BA_RECEIVED);
  mn_event(EV_BA_RECEIVED, i, status, seq, dec(DEC_LIFETIME) << 2, 0, 0, sget(s, S_MODE), s + S_HOA, s + S_PEND_COA);
}

export function cot_process(pkt: usize, now: f64): void {
  const anchor = pkt + dec(DEC_SRC);
  const cookie = pkt + dec(DEC_COOKIE);
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (sget(s, S_USED) == 0 || sget(s, S_PHASE) != PH_COT) continue;
    if (!addr_eq(s + S_ANCHOR, anchor) || load<u64>(s + S_COOKIE) != load<u64>(cookie)) continue;
    store<u64>(s + S_TOKEN, load<u64>(pkt + dec(DEC_TOKEN)));
    sset(s, S_TOKEN_INDEX, dec(DEC_NONCE_INDEX));
    ssetf(s, S_TOKEN_AT, now);
    copy_addr(s + S_TOKEN_COA, coaBuf);
    sflag(s, SF_TOKEN, dec(DEC_NONCE_INDEX) != 0);
    mctr_inc(M_COT_RECEIVED);
    mn_event(EV_COT_RECEIVED, i, 0, 0, 0, 0, 0, 0, s + S_HOA, coaBuf);
    send_next(i, now);
    return;
  }
  mctr_inc(M_COT_UNMATCHED);
}

// ---------------------------------------------------------------------------------------
// Host answers

/** The host's RSASSA-PKCS1-v1_5 signature of site i's digest for BU `seq`. */
export function sign_answer(i: u32, seq: u32, sig: usize, sigLen: u32, now: f64): i32 {
  if (!site_used(i)) return MN_ERR_BAD_SITE;
  const s = site_at(i);
  if (sget(s, S_PHASE) != PH_SIGN || sget(s, S_SEQ) != seq) {
    mctr_inc(M_STALE_ANSWERS);
    return MN_ERR_STALE;
  }
  if (sigLen != mcfg_mod_bytes()) return MN_ERR_LENGTH;
  emit_bu(i, sig, now);
  return 0;
}

/** The host's decryption of site i's held PHKT ciphertext for BU `seq` (phkt 0: it failed). */
export function decrypt_answer(i: u32, seq: u32, phkt: usize, now: f64): i32 {
  if (!site_used(i)) return MN_ERR_BAD_SITE;
  const s = site_at(i);
  if (sget(s, S_PHASE) != PH_DECRYPT || sget(s, S_SEQ) != seq) {
    mctr_inc(M_STALE_ANSWERS);
    return MN_ERR_STALE;
  }
  // Until the BAD checks out, the BA does not count: back to waiting, timer running.
  sset(s, S_PHASE, PH_BA);
  if (phkt == 0) {
    mctr_inc(M_DECRYPT_FAILED);
    return 1;
  }
  tok_kbm(phkt, care_of_part(s), kbm);
  if (!tok_authenticator_check(kbm, s + S_PEND_COA, anchor_of(s), site_hold(i), <usize>sget(s, S_BA_AUTH))) {
    mctr_inc(M_BA_BAD_AUTH);
    return 2;
  }
  store<u64>(s + S_PHKT, load<u64>(phkt));
  sflag(s, SF_HAS_PHKT, true);
  sset(s, S_PHKT_SEQ, seq);
  registered(i, sget(s, S_BA_LIFE), sget(s, S_BA_BRA), now);
  return 0;
}

// ---------------------------------------------------------------------------------------
// Sites: attach, release, restore

function site_new(prefix: usize, anchor: usize): i32 {
  const r = site_alloc();
  if (r < 0) return MN_ERR_FULL;
  const i = <u32>r;
  const s = site_at(i);
  site_set_prefix(s, prefix);
  site_set_anchor(s, anchor);
  const n = cga_params_build(site_params(i), PARAMS_CAP, mcfg_modifier(), prefix, 0, mcfg_key(), mcfg_key_len(), 0, 0);
  if (n < 0) {
    site_free(i);
    return MN_ERR_PARAMS;
  }
  sset(s, S_PARAMS_LEN, <u32>n);
  cga_address_of(site_params(i), <usize>n, mcfg_sec(), s + S_HOA);
  // A random first sequence number: a restarted MN without state is unlikely to collide.
  if (!random_fill(s + S_SEQ, 2)) mctr_inc(M_NO_RANDOM);
  sset(s, S_SEQ, sget(s, S_SEQ) & 0xffff);
  return r;
}

/** A site attached through a router that is not a DAR: its anchor is the unspecified address. */
@inline function is_plain(s: usize): bool {
  return load<u64>(s + S_ANCHOR) == 0 && load<u64>(s + S_ANCHOR, 8) == 0;
}

/**
 * The MN attached to DAR k (prefix: 16 bytes, first 64 bits used; anchor A_k; :: for a plain
 * router, whose site is released as soon as the MN attaches elsewhere). H_k becomes
 * the CoA; every other kept site gets a BU with it (in parallel, short first timeout); the
 * site itself, if it still has a binding at DAR k, is deregistered (back home). Returns the
 * site index or a negative MN_ERR_*.
 */
export function attach(prefix: usize, anchor: usize, coaTest: bool, now: f64): i32 {
  if (!mcfg_configured()) return MN_ERR_NOT_CONFIGURED;
  let r = site_find(prefix, anchor);
  if (r < 0) r = site_new(prefix, anchor);
  if (r < 0) return r;
  const k = <u32>r;
  const sk = site_at(k);
  if (coaTest) sflag(sk, SF_COA_TEST, true);
  const moved = cur != r;
  if (cur >= 0 && moved) sflag(site_at(<u32>cur), SF_CURRENT, false);
  cur = r;
  sflag(sk, SF_CURRENT, true);
  copy_addr(coaBuf, sk + S_HOA);
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (sget(s, S_USED) == 0) continue;
    if (i == k) {
      const registeredThere = shas(s, SF_BOUND) || sget(s, S_PHASE) != PH_IDLE || sget(s, S_GOAL) == GOAL_REGISTER;
      if (moved && registeredThere) {
        sset(s, S_GOAL, GOAL_DEREGISTER);
        start_series(i, now, true);
      } else if (!registeredThere) {
        sset(s, S_GOAL, GOAL_NONE);
        sset(s, S_PHASE, PH_IDLE);
        ssetf(s, S_DEADLINE, 0);
      }
      continue;
    }
    if (is_plain(s)) {
      // A plain router's site (anchor ::, PROTOCOL.md §2.7): its address was used, never kept.
      mn_event(EV_RELEASED, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
      site_free(i);
      continue;
    }
    if (!moved && sget(s, S_PHASE) != PH_IDLE) continue; // same link again: exchanges go on
    if (!moved && shas(s, SF_BOUND)) continue;
    if (!shas(s, SF_RELEASING)) sset(s, S_GOAL, GOAL_REGISTER);
    start_series(i, now, true);
  }
  return r;
}

/** The host no longer needs H_i: deregister it (then EV_RELEASED), or forget it at once. */
export function release(i: u32, now: f64): i32 {
  if (!site_used(i)) return MN_ERR_BAD_SITE;
  if (<i32>i == cur) return MN_ERR_CURRENT;
  const s = site_at(i);
  if (shas(s, SF_RELEASING)) return 0;
  const registeredThere = shas(s, SF_BOUND) || sget(s, S_PHASE) != PH_IDLE;
  if (!registeredThere) {
    mn_event(EV_RELEASED, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
    site_free(i);
    return 0;
  }
  sflag(s, SF_RELEASING, true);
  sset(s, S_GOAL, GOAL_DEREGISTER);
  start_series(i, now, false);
  return 0;
}

/**
 * Recreates a site from the host's state file (a restarted agent): not current, with its
 * last sequence number and, when phkt != 0, the PHKT (and the seq it was issued at).
 * mn_attach then sends its BUs. Returns the site index or a negative MN_ERR_*.
 */
export function restore(prefix: usize, anchor: usize, coaTest: bool, seq: u32, phkt: usize, phktSeq: u32): i32 {
  if (!mcfg_configured()) return MN_ERR_NOT_CONFIGURED;
  let r = site_find(prefix, anchor);
  if (r < 0) r = site_new(prefix, anchor);
  if (r < 0) return r;
  const s = site_at(<u32>r);
  sset(s, S_SEQ, seq & 0xffff);
  if (coaTest) sflag(s, SF_COA_TEST, true);
  if (phkt != 0) {
    store<u64>(s + S_PHKT, load<u64>(phkt));
    sset(s, S_PHKT_SEQ, phktSeq & 0xffff);
    sflag(s, SF_HAS_PHKT, true);
  }
  sset(s, S_GOAL, GOAL_REGISTER);
  return r;
}

// ---------------------------------------------------------------------------------------
// Timers

export function bul_tick(now: f64): void {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (sget(s, S_USED) == 0) continue;
    if (shas(s, SF_BOUND) && sgetf(s, S_EXPIRY) > 0 && now >= sgetf(s, S_EXPIRY)) {
      sflag(s, SF_BOUND, false);
      sflag(s, SF_LOST, true);
      mctr_inc(M_BINDINGS_LOST);
      mn_event(EV_LOST, i, 0, sget(s, S_SEQ), 0, 0, 0, 0, s + S_HOA, coaBuf);
    }
    const dl = sgetf(s, S_DEADLINE);
    if (dl <= 0 || now < dl) continue;
    if (sget(s, S_PHASE) == PH_IDLE) {
      if (sget(s, S_GOAL) == GOAL_REGISTER && !shas(s, SF_CURRENT)) start_series(i, now, false);
      else ssetf(s, S_DEADLINE, 0);
    } else {
      on_timeout(i, now);
    }
  }
}

/** The earliest time (ms) at which mn_tick has something to do; -1 when nothing is due. */
export function next_timer(): f64 {
  let t: f64 = -1;
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (sget(s, S_USED) == 0) continue;
    const dl = sgetf(s, S_DEADLINE);
    if (dl > 0 && (t < 0 || dl < t)) t = dl;
    if (shas(s, SF_BOUND)) {
      const e = sgetf(s, S_EXPIRY);
      if (e > 0 && (t < 0 || e < t)) t = e;
    }
  }
  return t;
}
