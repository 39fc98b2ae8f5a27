// The MN's attachment decision from Router Advertisements (PROTOCOL.md §2.7, RFC 6275 §11.5.1).
//
// The MN lists no DARs: every RA it receives (parsed into RA_REC by assembly/nd/router-advert.ts)
// is matched against the routers it has learned, keyed by the /64 it forms its CGA in. The
// decision says what the host must do:
//   ATT_UNCHANGED  the current router again (no link change since): lifetimes refreshed, nothing to do
//   ATT_NEW_DAR    a DAR (H flag, an R-flag PIO whose address lies in an A-flag /64) never seen:
//                  form the CGA in the prefix, make it the CoA, mn_attach(prefix, anchor)
//   ATT_KNOWN_DAR  a DAR attached to before (its site and PHKT are reused by mn_attach; back at
//                  the DAR of a kept H_k, mn_attach deregisters it: the return home)
//   ATT_PLAIN      a router that is not a DAR (no H flag, or no usable anchor): use the address for
//                  new flows, never keep it, never send it a BU
//   ATT_IGNORED    nothing usable: no A-flag /64 PIO, or router lifetime 0 from another router
//   ATT_LOST       the current attachment ended (router lifetime 0, or from mn_attachment_tick:
//                  the prefix's valid lifetime or the router lifetime ran out)
// A link change (mn_link_changed: carrier lost and back) forgets the current router, so the first
// RA after it is an attachment even from the same router. Lifetimes follow RFC 4862 §5.5.3 e):
// an RA cannot shorten a known prefix's remaining valid lifetime below two hours.
//
// Router record (ROUTER_SIZE bytes, native little-endian; mirrored in host/core/nd.ts):
//   [0]  u32 in use          [4]  u32 flags (RT_DAR, RT_H)   [8]  u32 attachments to it
//   [12] u32 router lifetime of the last RA, s
//   [16] u8[16] router (the RA's link-local source)   [32] u8[16] prefix (first 64 bits, rest 0)
//   [48] u8[16] anchor A_k (0 for a plain router)
//   [64] f64 valid until (ms; +inf)   [72] f64 preferred until   [80] f64 router lifetime until
//   [88] f64 last RA (ms)             [96] u32 valid lifetime s  [100] u32 preferred lifetime s
//   [104] u32 0                       [108] u32 0
// Decision record ATT_REC (native little-endian):
//   [0] u32 decision (ATT_*)   [4] i32 router index (-1 none)   [8] u32 flags (RT_* | AF_VISITED)
//   [12] u32 router lifetime, s   [16] u8[16] router   [32] u8[16] prefix   [48] u8[16] anchor
//   [64] u32 valid lifetime, s    [68] u32 preferred lifetime, s   [72] u32 attachments   [76] u32 0

import { addr_eq, copy_addr, load8 } from "../wire/bytes";
import {
  RA_REC, ra_get, ra_pio, is_link_local, R_FLAGS, R_ROUTER_LIFETIME, R_PRESENT, R_PIO_COUNT,
  R_SOURCE, R_ANCHOR, RP_ANCHOR, RA_H, PIO_A, P_PREFIX_LEN, P_FLAGS, P_VALID, P_PREFERRED,
  P_PREFIX, LIFETIME_INFINITE,
} from "../nd/router-advert";

export const ATT_UNCHANGED: u32 = 0;
export const ATT_NEW_DAR: u32 = 1;
export const ATT_KNOWN_DAR: u32 = 2;
export const ATT_PLAIN: u32 = 3;
export const ATT_IGNORED: u32 = 4;
export const ATT_LOST: u32 = 5;

export const RT_DAR: u32 = 1;
export const RT_H: u32 = 2;
export const AF_VISITED: u32 = 4;

export const ROUTER_MAX: u32 = 16;
export const ROUTER_SIZE: u32 = 112;
const ROUTERS: usize = memory.data(<i32>(ROUTER_MAX * ROUTER_SIZE), 16);

export const T_USED: u32 = 0;
export const T_FLAGS: u32 = 4;
export const T_VISITS: u32 = 8;
export const T_ROUTER_LIFETIME: u32 = 12;
export const T_ROUTER: u32 = 16;
export const T_PREFIX: u32 = 32;
export const T_ANCHOR: u32 = 48;
export const T_VALID_UNTIL: u32 = 64;
export const T_PREFERRED_UNTIL: u32 = 72;
export const T_ROUTER_UNTIL: u32 = 80;
export const T_LAST_RA: u32 = 88;
export const T_VALID: u32 = 96;
export const T_PREFERRED: u32 = 100;

export const ATT_REC_SIZE: u32 = 80;
export const ATT_REC: usize = memory.data(<i32>ATT_REC_SIZE, 16);
export const A_DECISION: u32 = 0;
export const A_ROUTER_INDEX: u32 = 4;
export const A_FLAGS: u32 = 8;
export const A_ROUTER_LIFETIME: u32 = 12;
export const A_ROUTER: u32 = 16;
export const A_PREFIX: u32 = 32;
export const A_ANCHOR: u32 = 48;
export const A_VALID: u32 = 64;
export const A_PREFERRED: u32 = 68;
export const A_VISITS: u32 = 72;

/** RFC 4862 §5.5.3 e): two hours, in ms. */
const TWO_HOURS_MS: f64 = 7200_000;

let current: i32 = -1;

@inline export function router_at(i: u32): usize { return ROUTERS + i * ROUTER_SIZE; }
export function router_used(i: u32): bool { return i < ROUTER_MAX && load<u32>(router_at(i) + T_USED) != 0; }
export function current_router(): i32 { return current; }

/** Forgets the current router: the access link changed, the next RA is an attachment. */
export function link_changed(): void { current = -1; }

@inline function same64(a: usize, b: usize): bool { return load<u64>(a) == load<u64>(b); }

@inline function lifetime_until(now: f64, s: u32): f64 {
  return s == LIFETIME_INFINITE ? Infinity : now + <f64>s * 1000;
}

/** A PIO the MN can form its address in: A flag, a /64, valid > 0, preferred <= valid, not
 *  link-local or multicast (RFC 4862 §5.5.3 a-c). */
function usable_pio(e: usize): bool {
  if ((load<u32>(e + P_FLAGS) & PIO_A) == 0 || load<u32>(e + P_PREFIX_LEN) != 64) return false;
  const valid = load<u32>(e + P_VALID);
  if (valid == 0 || load<u32>(e + P_PREFERRED) > valid) return false;
  const p = e + P_PREFIX;
  return !is_link_local(p) && load8(p) != 0xff;
}

/** An anchor the MN can send BUs to: a global unicast address (not ::, link-local, multicast). */
function usable_anchor(a: usize): bool {
  if (load<u64>(a) == 0 && load<u64>(a, 8) == 0) return false;
  return !is_link_local(a) && load8(a) != 0xff;
}

/** Whether choose_pio picked the DAR's own prefix (the one holding its anchor). */
let chosenIsDar = false;

/** The PIO entry to attach with: the A-flag /64 holding the anchor when the RA marks a DAR,
 *  else the first usable one; 0 when none. */
function choose_pio(): usize {
  chosenIsDar = false;
  const n = ra_get(R_PIO_COUNT);
  const darRa = (ra_get(R_FLAGS) & RA_H) != 0 && (ra_get(R_PRESENT) & RP_ANCHOR) != 0 &&
    usable_anchor(RA_REC + R_ANCHOR);
  let first: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = ra_pio(i);
    if (!usable_pio(e)) continue;
    if (darRa && same64(e + P_PREFIX, RA_REC + R_ANCHOR)) { chosenIsDar = true; return e; }
    if (first == 0) first = e;
  }
  return first;
}

function find_router(prefix: usize): i32 {
  for (let i: u32 = 0; i < ROUTER_MAX; i++) {
    if (router_used(i) && same64(router_at(i) + T_PREFIX, prefix)) return <i32>i;
  }
  return -1;
}

/** A free entry, or the one heard from longest ago that is not the current one. */
function take_slot(): u32 {
  let oldest: u32 = 0;
  let oldestAt: f64 = Infinity;
  for (let i: u32 = 0; i < ROUTER_MAX; i++) {
    if (!router_used(i)) return i;
    const at = load<f64>(router_at(i) + T_LAST_RA);
    if (<i32>i != current && at < oldestAt) { oldest = i; oldestAt = at; }
  }
  return oldest;
}

function set_valid(r: usize, fresh: bool, valid: u32, now: f64): void {
  const received = lifetime_until(now, valid);
  const remaining = load<f64>(r + T_VALID_UNTIL);
  let until = received;
  if (!fresh && received < remaining && received - now <= TWO_HOURS_MS) {
    // RFC 4862 §5.5.3 e): an unauthenticated RA shortens the lifetime only down to two hours.
    until = remaining - now <= TWO_HOURS_MS ? remaining : now + TWO_HOURS_MS;
  }
  store<f64>(r + T_VALID_UNTIL, until);
  store<u32>(r + T_VALID, valid);
}

function fill_decision(decision: u32, index: i32, extraFlags: u32): u32 {
  memory.fill(ATT_REC, 0, ATT_REC_SIZE);
  store<u32>(ATT_REC + A_DECISION, decision);
  store<i32>(ATT_REC + A_ROUTER_INDEX, index);
  if (index >= 0) {
    const r = router_at(<u32>index);
    store<u32>(ATT_REC + A_FLAGS, load<u32>(r + T_FLAGS) | extraFlags);
    store<u32>(ATT_REC + A_ROUTER_LIFETIME, load<u32>(r + T_ROUTER_LIFETIME));
    copy_addr(ATT_REC + A_ROUTER, r + T_ROUTER);
    copy_addr(ATT_REC + A_PREFIX, r + T_PREFIX);
    copy_addr(ATT_REC + A_ANCHOR, r + T_ANCHOR);
    store<u32>(ATT_REC + A_VALID, load<u32>(r + T_VALID));
    store<u32>(ATT_REC + A_PREFERRED, load<u32>(r + T_PREFERRED));
    store<u32>(ATT_REC + A_VISITS, load<u32>(r + T_VISITS));
  } else {
    store<u32>(ATT_REC + A_FLAGS, extraFlags);
  }
  return decision;
}

/** Decides on the RA in RA_REC (parse_ra returned 0) received at `now` (ms). */
export function decide_ra(now: f64): u32 {
  const src = RA_REC + R_SOURCE;
  const routerLifetime = ra_get(R_ROUTER_LIFETIME);
  const e = choose_pio();
  const hFlag = (ra_get(R_FLAGS) & RA_H) != 0 ? RT_H : 0;
  if (e == 0) return fill_decision(ATT_IGNORED, -1, hFlag);
  const prefix = e + P_PREFIX;
  let index = find_router(prefix);
  if (routerLifetime == 0) {
    // Not a default router (RFC 4861 §6.3.4); from the current one: it is going away.
    if (index >= 0 && index == current && addr_eq(router_at(<u32>index) + T_ROUTER, src)) {
      current = -1;
      return fill_decision(ATT_LOST, index, 0);
    }
    return fill_decision(ATT_IGNORED, -1, hFlag);
  }
  const fresh = index < 0;
  if (fresh) {
    index = <i32>take_slot();
    memory.fill(router_at(<u32>index), 0, ROUTER_SIZE);
  }
  const r = router_at(<u32>index);
  const visited = load<u32>(r + T_VISITS) != 0;
  const wasDar = (load<u32>(r + T_FLAGS) & RT_DAR) != 0;
  const sameRouter = addr_eq(r + T_ROUTER, src) && wasDar == chosenIsDar &&
    (!chosenIsDar || addr_eq(r + T_ANCHOR, RA_REC + R_ANCHOR));
  store<u32>(r + T_USED, 1);
  store<u32>(r + T_FLAGS, (chosenIsDar ? RT_DAR : 0) | hFlag);
  store<u32>(r + T_ROUTER_LIFETIME, routerLifetime);
  copy_addr(r + T_ROUTER, src);
  memory.fill(r + T_PREFIX, 0, 16);
  memory.copy(r + T_PREFIX, prefix, 8);
  if (chosenIsDar) copy_addr(r + T_ANCHOR, RA_REC + R_ANCHOR);
  else memory.fill(r + T_ANCHOR, 0, 16);
  set_valid(r, fresh, load<u32>(e + P_VALID), now);
  store<u32>(r + T_PREFERRED, load<u32>(e + P_PREFERRED));
  store<f64>(r + T_PREFERRED_UNTIL, lifetime_until(now, load<u32>(e + P_PREFERRED)));
  store<f64>(r + T_ROUTER_UNTIL, now + <f64>routerLifetime * 1000);
  store<f64>(r + T_LAST_RA, now);
  if (index == current && sameRouter) return fill_decision(ATT_UNCHANGED, index, visited ? AF_VISITED : 0);
  current = index;
  store<u32>(r + T_VISITS, load<u32>(r + T_VISITS) + 1);
  const decision = !chosenIsDar ? ATT_PLAIN : visited && wasDar ? ATT_KNOWN_DAR : ATT_NEW_DAR;
  return fill_decision(decision, index, visited ? AF_VISITED : 0);
}

/** ATT_LOST when the current attachment's prefix or router lifetime ran out by `now`, else
 *  ATT_UNCHANGED. */
export function attachment_tick(now: f64): u32 {
  if (current < 0) return fill_decision(ATT_UNCHANGED, -1, 0);
  const r = router_at(<u32>current);
  if (now < load<f64>(r + T_VALID_UNTIL) && now < load<f64>(r + T_ROUTER_UNTIL)) {
    return fill_decision(ATT_UNCHANGED, current, 0);
  }
  const index = current;
  current = -1;
  return fill_decision(ATT_LOST, index, 0);
}
