// The MN role's ABI (numbers only). Record layouts are documented in the files they come
// from and mirrored in host/core/mn.ts:
//   configuration record   config.ts      site record (BUL)   sites.ts
//   event records          events.ts      outbox entries      outbox.ts
//   counters               counters.ts
// The packet batch memory (batch_slots, batch_desc, ...) is shared with the DAR role: an
// instance plays one role. Inputs the host passes by pointer (prefix, anchor, signature,
// PHKT) may be laid out in mn_scratch().
//
// Call order: mn_configure, then mn_attach at every link-up (and mn_restore for sites from
// the state file, before the first mn_attach), mn_process_batch per batch, mn_tick at
// mn_next_timer() (and at least once a second). After each call drain mn_events (answer
// sign/decrypt requests with mn_sign_answer / mn_decrypt_answer at once) and the outbox.

import { mn_apply_config } from "./config";
import { sites_in_use, site_at, site_used, MN_MAX_SITES, MN_SITE_SIZE, site_params, sget, S_PARAMS_LEN } from "./sites";
import {
  attach, release, restore, sign_answer, decrypt_answer, next_timer, mn_coa_ptr, mn_current_index,
} from "./bul";
import { mn_batch, mn_timers } from "./engine";

export { mn_config_record, mn_config_size } from "./config";
export { mn_events_base, mn_events_count, mn_events_clear } from "./events";
export { mn_outbox_base, mn_outbox_count, mn_outbox_stride, mn_outbox_clear } from "./outbox";
export { mn_counters_base, mn_counters_len, mn_counters_reset } from "./counters";
export { mn_divert_base, mn_divert_count } from "./divert";

const SCRATCH_SIZE: u32 = 4096;
const scratch: usize = memory.data(<i32>SCRATCH_SIZE, 16);

export function mn_scratch(): usize { return scratch; }
export function mn_scratch_size(): u32 { return SCRATCH_SIZE; }

/** Applies the configuration record at ptr: 0 or an MCFG_* error (config.ts). */
export function mn_configure(ptr: usize): i32 { return mn_apply_config(ptr, sites_in_use() > 0); }

/** Link-up at DAR k: returns the site index of (prefix, anchor) or a negative error. */
export function mn_attach(prefix: usize, anchor: usize, coaTest: u32, now_ms: f64): i32 {
  return attach(prefix, anchor, coaTest != 0, now_ms);
}

/** The host no longer needs site i's HoA: deregister, then EV_RELEASED. */
export function mn_release(site: u32, now_ms: f64): i32 { return release(site, now_ms); }

/** Recreates a site from saved state (phkt 0: none). */
export function mn_restore(prefix: usize, anchor: usize, coaTest: u32, seq: u32, phkt: usize, phktSeq: u32): i32 {
  return restore(prefix, anchor, coaTest != 0, seq, phkt, phktSeq);
}

/** Answers EV_SIGN_REQUEST (site, seq) with the signature at sig (modulus length). */
export function mn_sign_answer(site: u32, seq: u32, sig: usize, sigLen: u32, now_ms: f64): i32 {
  return sign_answer(site, seq, sig, sigLen, now_ms);
}

/** Answers EV_DECRYPT_REQUEST (site, seq) with the 8-byte PHKT at phkt (0: decryption failed).
 *  0 stored; 1 decryption failed; 2 the BA's BAD did not verify (discarded); < 0 stale. */
export function mn_decrypt_answer(site: u32, seq: u32, phkt: usize, now_ms: f64): i32 {
  return decrypt_answer(site, seq, phkt, now_ms);
}

export function mn_process_batch(n: u32, now_ms: f64): u32 { return mn_batch(n, now_ms); }
export function mn_tick(now_ms: f64): void { mn_timers(now_ms); }
/** When mn_tick next has work (ms), or -1. */
export function mn_next_timer(): f64 { return next_timer(); }

export function mn_sites_max(): u32 { return MN_MAX_SITES; }
export function mn_site_size(): u32 { return MN_SITE_SIZE; }
/** Site record i (sites.ts layout) when in use, else 0. */
export function mn_site(i: u32): usize { return site_used(i) ? site_at(i) : 0; }
/** Site i's CGA Parameters (length: record field [208]), or 0. */
export function mn_site_params(i: u32): usize { return site_used(i) ? site_params(i) : 0; }
export function mn_site_params_len(i: u32): u32 { return site_used(i) ? sget(site_at(i), S_PARAMS_LEN) : 0; }
/** The current site (the CoA's), or -1 before the first attach. */
export function mn_current(): i32 { return mn_current_index(); }
/** The CoA (16 bytes). */
export function mn_coa(): usize { return mn_coa_ptr(); }
