// The admission policy: what a cga-mode BU needs, beyond a valid CGA and signature, to
// CREATE a binding (docs/OPERATIONS.md "Threat model", PROTOCOL.md §2.8). Refreshes, moves
// and deregistrations of existing bindings never meet it.
//
// Mode "on-link" (ADMISSION_ON_LINK, the daemon's default):
//   * sighted: a FAMA DAR anchors only addresses MNs formed while attached to it, so its
//     access link has seen the HoA (sightings.ts) within `sightingLifetime`; else refused
//     `admission-unsighted`, before any crypto.
//   * probation: a new binding is granted at most `probationLifetime` seconds and carries
//     FLAG_PROBATION; each accepted phkt-mode BU (proof that the MN holds the PHKT, which
//     reached it only at its CoA) clears the flag and may double the grant, up to
//     maxLifetime. At most `probationMax` bindings are in probation; over that a creation
//     is refused `admission-probation-full`.
//   A refusal is a BA 130 (§2.2 step 8) when the reply limiter (REPLY_BURST, one back every
//   REPLY_REFILL_MS: the ICMPv6 error rate of icmp.ts, but its own bucket so a BU storm
//   cannot silence Packet Too Big) has a token, else a silent drop; counted either way.
// Mode "open" (ADMISSION_OPEN): no policy, the grant is min(requested, maxLifetime).

import { TokenBucket } from "./token-bucket";
import { sightings_seen } from "./sightings";
import { bc_probation_count } from "./binding-cache";
import { E_LIFETIME } from "./binding-record";
import { C_ADMISSION_UNSIGHTED, C_ADMISSION_PROBATION_FULL } from "./counters";

export const ADMISSION_OPEN: u32 = 0;
export const ADMISSION_ON_LINK: u32 = 1;
export const REPLY_BURST: f64 = 10;
export const REPLY_REFILL_MS: f64 = 100;

let mode: u32 = ADMISSION_OPEN;
let probationLifetime: u32 = 60;
let probationMax: u32 = 16384;
const replies = new TokenBucket();
replies.setup(1000 / REPLY_REFILL_MS, REPLY_BURST);

export function admission_configure(m: u32, probationS: u32, probationCap: u32): void {
  mode = m;
  probationLifetime = probationS;
  probationMax = probationCap;
  replies.setup(1000 / REPLY_REFILL_MS, REPLY_BURST);
}

@inline export function admission_on_link(): bool { return mode == ADMISSION_ON_LINK; }

/** 0 when a new binding for `hoa` may be created, else the counter of the refusal. */
export function admission_new_binding(hoa: usize, now: f64): u32 {
  if (mode != ADMISSION_ON_LINK) return 0;
  if (!sightings_seen(hoa, now)) return C_ADMISSION_UNSIGHTED;
  if (bc_probation_count() >= probationMax) return C_ADMISSION_PROBATION_FULL;
  return 0;
}

/**
 * The longest lifetime (seconds) a registration may be granted, before maxLifetime:
 * `binding` is the existing binding (0: a creation); `phkt` whether the BU is phkt mode.
 */
export function admission_grant_cap(binding: usize, phkt: bool): u32 {
  if (mode != ADMISSION_ON_LINK) return 0xffffffff;
  if (binding == 0) return probationLifetime;
  const last = load<u32>(binding + E_LIFETIME);
  // phkt mode: proof of liveness, the grant may double; cga mode: no more than before.
  const grown = phkt ? (last > 0x7fffffff ? 0xffffffff : last << 1) : last;
  return grown > probationLifetime ? grown : probationLifetime;
}

/** Whether a refusal may be answered now (BA 130), or must be a silent drop. */
export function admission_reply_allowed(now: f64): bool { return replies.take(1, now); }
