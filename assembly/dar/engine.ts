// The DAR's per-packet dispatch over one batch slot (docs/ARCHITECTURE.md batch ABI,
// PROTOCOL.md §2.5). For each input:
//   not IPv6, shorter than 40 bytes, longer than BATCH_MAX_PACKET, or payload length + 40
//     != length                                              -> drop `malformed`
//   destination = anchor (checked first: the anchor is never tunnelled):
//     after Hop-by-Hop / Destination Options headers,
//     Next Header 41                      -> decapsulate (spoofing check) or drop
//     ICMPv6 Echo Request                 -> Echo Reply (bad checksum: `malformed`)
//     Mobility Header (135)               -> dar_control (control.ts)
//     anything else                       -> drop `anchor-other`
//   destination = a bound HoA              -> hop limit, tunnel MTU, encapsulate
//   destination inside a prefix           -> drop `unbound` (emit nothing, PROTOCOL vectors)
//   otherwise                              -> drop `not-for-us`
// dar_process_batch works in passes over the batch, so that the cache misses of different
// packets overlap instead of each packet waiting for its own (a 1M-binding cache is ~113 MB,
// two random accesses per lookup: table slot, then record):
//   1. classify: the checks above up to "destination = anchor", and the keyed hash of the
//      key the slot will look up (the destination; for a tunnel packet to the anchor with
//      Next Header 41 right after the fixed header, the inner source). Slot headers only.
//   2. (caches of PREFETCH_MIN_BINDINGS or more) load every such slot's home table slot.
//   3. candidates: walk each probe run over the now cached table, comparing the hash tags
//      only, to the first slot tagged with the hash (bc_candidate_slot); remember it, its
//      record and the cache's epoch.
//   4. (large caches) load the bytes of every candidate record the path will use.
//   5. dispatch each slot in order, as described above, the lookup starting from the
//      candidate: at an unchanged epoch a candidate holding the HoA is the binding and "no
//      candidate" means unbound; a BU, a deregistration or a lazy expiry earlier in the
//      batch changes the epoch and later lookups run the full probe again.
// Each lookup hashes its key once (pass 1).

import { addr_eq } from "../wire/bytes";
import {
  NH_IPV6, NH_ICMPV6, NH_MOBILITY, NH_HOP_BY_HOP, NH_DEST_OPTS, IPV6_HEADER_LEN, IPV6_MIN_MTU,
  ipv6_check, next_header, hop_limit, set_hop_limit, src_addr, dst_addr,
} from "../wire/ipv6";
import { Chain, chain_begin, chain_check, chain_next } from "../wire/ext-chain";
import { ICMP_TIME_EXCEEDED, ICMP_PACKET_TOO_BIG, ICMP_ECHO_REQUEST, icmpv6_check, icmp_type } from "../wire/icmpv6";
import {
  BATCH_HEADROOM, BATCH_MAX_PACKET, BATCH_MAX_SLOTS, BATCH_SLOT_STRIDE,
  slot_at, desc_at, desc_len, desc_send, desc_drop,
} from "../batch/slots";
import {
  ctr_inc, ctr_add, C_RX, C_TX, C_ENCAP, C_DECAP, C_ECHO_REPLY, C_TIME_EXCEEDED_SENT, C_TOO_BIG_SENT,
  C_MALFORMED, C_UNBOUND, C_SPOOFED, C_TUNNEL_UNBOUND, C_HOP_LIMIT, C_TOO_BIG, C_RATE_LIMITED,
  C_NOT_FOR_US, C_MOBILITY_CONTROL, C_ICMP_SUPPRESSED, C_ANCHOR_OTHER, C_NOT_CONFIGURED,
  C_CONTROL_DROP, COUNTERS_LEN,
} from "./counters";
import { bc_lookup_hashed, bc_lookup_candidate, bc_key_hash, bc_touch_slot, bc_candidate_slot, bc_slot_entry, bc_epoch, bc_count, bc_expire } from "./binding-cache";
import { E_COA, E_PKTS_TO, E_BYTES_TO, E_PKTS_FROM, E_BYTES_FROM } from "./binding-record";
import { tunnel_encapsulate, TUNNEL_HEADER_LEN } from "../batch/tunnel";
import { icmp_error_allowed, icmp_rate_take, icmp_build_error, icmp_echo_reply, ICMP_ERROR_HEADROOM } from "./icmp";
import { cfg_configured, cfg_anchor, cfg_tunnel_mtu, cfg_in_prefixes } from "./config";
import { dar_control, control_tick } from "./control";
import { acks_begin, acks_at } from "./withheld";
import { queue_take_into_slots } from "./cga-queue";
import { bu_deferred_pass } from "./binding-update";
import { budget_batch_begin } from "./cga-budget";

/** Records the expiry sweep visits per tick (a full pass over 1M bindings in ~16 s). */
export const SWEEP_BUDGET: u32 = 65536;

const ctrlOut: usize = memory.data(8, 8);
let sink: u32 = 0;
let lastNow: f64 = 0;
/** The last now_ms the host passed (dar_process_batch or dar_tick). */
export function dar_last_now(): f64 { return lastNow; }

/** Sends an ICMPv6 error about the packet at `pkt` or drops it; the input was counted under `reason`. */
function send_error(slot: usize, d: usize, pkt: usize, len: u32, type: u32, param: u32, reason: u32, sentCtr: u32, now: f64): void {
  ctr_inc(reason);
  if (!icmp_error_allowed(pkt, len, type)) {
    ctr_inc(C_ICMP_SUPPRESSED);
    desc_drop(d, reason);
    return;
  }
  if (!icmp_rate_take(now)) {
    ctr_inc(C_RATE_LIMITED);
    desc_drop(d, reason);
    return;
  }
  const outLen = icmp_build_error(pkt, len, type, 0, param, cfg_anchor());
  ctr_inc(sentCtr);
  desc_send(d, <u32>(pkt - ICMP_ERROR_HEADROOM - slot), outLen);
}

@inline function drop(d: usize, reason: u32): void {
  ctr_inc(reason);
  desc_drop(d, reason);
}

function to_mn(slot: usize, d: usize, pkt: usize, len: u32, e: usize, now: f64): void {
  const hop = hop_limit(pkt);
  if (hop <= 1) {
    send_error(slot, d, pkt, len, ICMP_TIME_EXCEEDED, 0, C_HOP_LIMIT, C_TIME_EXCEEDED_SENT, now);
    return;
  }
  const mtu = cfg_tunnel_mtu();
  if (len > mtu && len > IPV6_MIN_MTU) {
    send_error(slot, d, pkt, len, ICMP_PACKET_TOO_BIG, mtu, C_TOO_BIG, C_TOO_BIG_SENT, now);
    return;
  }
  set_hop_limit(pkt, hop - 1);
  const outLen = tunnel_encapsulate(pkt, len, cfg_anchor(), e + E_COA);
  store<u64>(e + E_PKTS_TO, load<u64>(e + E_PKTS_TO) + 1);
  store<u64>(e + E_BYTES_TO, load<u64>(e + E_BYTES_TO) + len);
  ctr_inc(C_ENCAP);
  desc_send(d, BATCH_HEADROOM - TUNNEL_HEADER_LEN, outLen);
}

/** `h` is the inner source's bc_key_hash when `hashed` (the batch computed it), else unused. */
function decapsulate(slot: usize, d: usize, pkt: usize, len: u32, off: u32, h: u32, cand: i32, rec: usize, hashed: bool, now: f64): void {
  const inner = pkt + off;
  const ilen = len - off;
  if (!ipv6_check(inner, ilen)) {
    drop(d, C_MALFORMED);
    return;
  }
  const innerSrc = src_addr(inner);
  const e = hashed ? bc_lookup_candidate(innerSrc, h, cand, rec, candEpoch, now) : bc_lookup_hashed(innerSrc, bc_key_hash(innerSrc), now);
  if (e == 0) {
    drop(d, C_TUNNEL_UNBOUND);
    return;
  }
  if (!addr_eq(e + E_COA, src_addr(pkt))) {
    drop(d, C_SPOOFED);
    return;
  }
  const hop = hop_limit(inner);
  if (hop <= 1) {
    send_error(slot, d, inner, ilen, ICMP_TIME_EXCEEDED, 0, C_HOP_LIMIT, C_TIME_EXCEEDED_SENT, now);
    return;
  }
  set_hop_limit(inner, hop - 1);
  store<u64>(e + E_PKTS_FROM, load<u64>(e + E_PKTS_FROM) + 1);
  store<u64>(e + E_BYTES_FROM, load<u64>(e + E_BYTES_FROM) + ilen);
  ctr_inc(C_DECAP);
  desc_send(d, <u32>(inner - slot), ilen);
}

/** A Mobility Header to the anchor: the control plane's reply, or its drop. */
function control(slot: usize, d: usize, pkt: usize, len: u32, off: u32, now: f64): void {
  store<u64>(ctrlOut, 0);
  const r = dar_control(slot, pkt, len, off, now, ctrlOut);
  if (r != 0) {
    // dar_control has counted the drop under `r` already: only the descriptor is left.
    if (r < COUNTERS_LEN) desc_drop(d, r);
    else drop(d, C_CONTROL_DROP);
    return;
  }
  const o = load<u32>(ctrlOut);
  const l = load<u32>(ctrlOut, 4);
  if (l < IPV6_HEADER_LEN || o > BATCH_SLOT_STRIDE || l > BATCH_SLOT_STRIDE - o) {
    drop(d, C_CONTROL_DROP);
    return;
  }
  desc_send(d, o, l);
}

/** Extension headers to_anchor steps over before giving up on finding the upper layer. */
const ANCHOR_WALK_MAX: u32 = 8;
const CHAIN = new Chain();

function to_anchor(slot: usize, d: usize, pkt: usize, len: u32, now: f64): void {
  // Hop-by-Hop (only first) and Destination Options headers before the upper layer.
  const c = CHAIN;
  chain_begin(c, pkt, len);
  while (c.count < ANCHOR_WALK_MAX && (c.nh == NH_DEST_OPTS || (c.nh == NH_HOP_BY_HOP && c.count == 0))) {
    if (!chain_check(c)) {
      drop(d, C_MALFORMED);
      return;
    }
    chain_next(c);
  }
  const nh = c.nh;
  const off = c.off;
  if (nh == NH_IPV6) {
    decapsulate(slot, d, pkt, len, off, 0, -1, 0, false, now);
  } else if (nh == NH_ICMPV6) {
    if (icmpv6_check(len - off) && icmp_type(pkt + off) == ICMP_ECHO_REQUEST) {
      const outLen = icmp_echo_reply(pkt, len, off, cfg_anchor());
      if (outLen == 0) {
        drop(d, C_MALFORMED);
        return;
      }
      ctr_inc(C_ECHO_REPLY);
      desc_send(d, BATCH_HEADROOM + off - IPV6_HEADER_LEN, outLen);
    } else {
      drop(d, C_ANCHOR_OTHER);
    }
  } else if (nh == NH_MOBILITY && off < len) {
    ctr_inc(C_MOBILITY_CONTROL);
    control(slot, d, pkt, len, off, now);
  } else if (nh == NH_MOBILITY) {
    drop(d, C_MALFORMED);
  } else {
    drop(d, C_ANCHOR_OTHER);
  }
}

// What the classification pass found in a slot (slotKind), and the hash of the key the
// slot will look up (slotHash; K_TO_MN: the destination, K_TUNNEL: the inner source).
@inline const K_MALFORMED: u32 = 0; // drop `malformed`
@inline const K_TO_MN: u32 = 1; //     destination not the anchor: look it up
@inline const K_ANCHOR: u32 = 2; //    to the anchor, no lookup known in advance
@inline const K_TUNNEL: u32 = 3; //    to the anchor, Next Header 41 right after the fixed header
const slotKind: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
const slotHash: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
// The candidate table slot of the slot's key (bc_candidate_slot) and its record, found at
// epoch candEpoch; and the last bytes of that record the path will use (to the MN: hoa to
// its counters, [0, 64); from it: [0, 80)): a 96-byte record may straddle two cache lines.
@inline const FAR_TO_MN: usize = E_BYTES_TO + 4; //     the last u32 of [0, 64)
@inline const FAR_FROM_MN: usize = E_BYTES_FROM + 4; // the last u32 of [0, 80)
const slotCand: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
const slotRec: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
const slotFar: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);
let candEpoch: u32 = 0;
/** Below this many bindings the cache stays in the CPU caches: no prefetch passes. */
const PREFETCH_MIN_BINDINGS: u32 = 4096;

/** Classifies slot `i` (the checks dar_dispatch makes first) and hashes its lookup key. */
@inline function classify(i: u32): u32 {
  const pkt = slot_at(i) + BATCH_HEADROOM;
  const len = desc_len(desc_at(i));
  if (len > BATCH_MAX_PACKET || !ipv6_check(pkt, len)) return K_MALFORMED;
  if (!addr_eq(dst_addr(pkt), cfg_anchor())) {
    store<u32>(slotHash + (<usize>i << 2), bc_key_hash(dst_addr(pkt)));
    return K_TO_MN;
  }
  if (next_header(pkt) == NH_IPV6 && len >= 2 * IPV6_HEADER_LEN) {
    store<u32>(slotHash + (<usize>i << 2), bc_key_hash(src_addr(pkt + IPV6_HEADER_LEN)));
    return K_TUNNEL;
  }
  return K_ANCHOR;
}

/** Processes a classified slot: writes its verdict. */
@inline function dispatch(i: u32, kind: u32, now: f64): void {
  const slot = slot_at(i);
  const d = desc_at(i);
  const pkt = slot + BATCH_HEADROOM;
  const len = desc_len(d);
  if (kind == K_TO_MN) {
    const dst = dst_addr(pkt);
    const e = bc_lookup_candidate(dst, load<u32>(slotHash + (<usize>i << 2)), load<i32>(slotCand + (<usize>i << 2)), <usize>load<u32>(slotRec + (<usize>i << 2)), candEpoch, now);
    if (e != 0) to_mn(slot, d, pkt, len, e, now);
    else drop(d, cfg_in_prefixes(dst) ? C_UNBOUND : C_NOT_FOR_US);
  } else if (kind == K_TUNNEL) {
    decapsulate(slot, d, pkt, len, IPV6_HEADER_LEN, load<u32>(slotHash + (<usize>i << 2)), load<i32>(slotCand + (<usize>i << 2)), <usize>load<u32>(slotRec + (<usize>i << 2)), true, now);
  } else if (kind == K_ANCHOR) {
    to_anchor(slot, d, pkt, len, now);
  } else {
    drop(d, C_MALFORMED);
  }
}

/**
 * Finds the candidate table slot of every slot that will look up a binding. With `touch`
 * (a cache too big for the CPU caches), first loads every home table slot, and after the
 * candidates, the bytes of every candidate record the path will use: tight loops of
 * independent loads (Wasm has no prefetch instruction), so that their misses overlap.
 */
function find_candidates(n: u32, touch: bool): void {
  let s: u32 = 0;
  if (touch) {
    for (let i: u32 = 0; i < n; i++) {
      if (load<u32>(slotKind + (<usize>i << 2)) & 1) s ^= bc_touch_slot(load<u32>(slotHash + (<usize>i << 2)));
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    const kind = load<u32>(slotKind + (<usize>i << 2));
    let a = slotRec; // a harmless cached address when there is nothing to touch
    let b = slotRec;
    if (kind & 1) {
      const c = bc_candidate_slot(load<u32>(slotHash + (<usize>i << 2)));
      store<i32>(slotCand + (<usize>i << 2), c);
      if (c >= 0) {
        a = bc_slot_entry(c);
        b = a + (kind == K_TO_MN ? FAR_TO_MN : FAR_FROM_MN);
      }
    }
    store<u32>(slotRec + (<usize>i << 2), <u32>a);
    store<u32>(slotFar + (<usize>i << 2), <u32>b);
  }
  if (touch) {
    for (let i: u32 = 0; i < n; i++) {
      s ^= load<u32>(<usize>load<u32>(slotRec + (<usize>i << 2))) ^ load<u32>(<usize>load<u32>(slotFar + (<usize>i << 2)));
    }
  }
  sink ^= s;
  candEpoch = bc_epoch();
}

/** The ABI's dar_process_batch: slots 0..n-1 in order; returns how many were given verdict send. */
export function dar_batch(n: u32, now: f64): u32 {
  lastNow = now;
  if (n > BATCH_MAX_SLOTS) n = BATCH_MAX_SLOTS;
  ctr_add(C_RX, n);
  acks_begin(n);
  budget_batch_begin();
  if (!cfg_configured()) {
    for (let i: u32 = 0; i < n; i++) drop(desc_at(i), C_NOT_CONFIGURED);
    return 0;
  }
  for (let i: u32 = 0; i < n; i++) store<u32>(slotKind + (<usize>i << 2), classify(i));
  find_candidates(n, bc_count() >= PREFETCH_MIN_BINDINGS);
  let sent: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    acks_at(i);
    dispatch(i, load<u32>(slotKind + (<usize>i << 2)), now);
    sent += load<u32>(desc_at(i), 8);
  }
  acks_at(BATCH_MAX_SLOTS);
  ctr_add(C_TX, sent);
  return sent;
}

/**
 * The ABI's dar_process_deferred: moves queued cga-mode BUs into slots 0..k-1 as the
 * budget allows (cga-queue.ts), runs each through the control plane with its RSA work, and
 * returns k. Outputs, events and dar_withhold_acks as after dar_process_batch. The BUs were
 * counted under `rx` and `mobility-control` when they arrived.
 */
export function dar_deferred(now: f64): u32 {
  lastNow = now;
  if (!cfg_configured()) return 0;
  const k = queue_take_into_slots(now);
  acks_begin(k);
  bu_deferred_pass(true);
  let sent: u32 = 0;
  for (let i: u32 = 0; i < k; i++) {
    acks_at(i);
    const slot = slot_at(i);
    const d = desc_at(i);
    control(slot, d, slot + BATCH_HEADROOM, desc_len(d), 0, now);
    sent += load<u32>(d, 8);
  }
  bu_deferred_pass(false);
  acks_at(BATCH_MAX_SLOTS);
  ctr_add(C_TX, sent);
  return k;
}

/** The ABI's dar_tick: expiry sweep (bounded), control-plane timers. */
export function dar_timers(now: f64): void {
  lastNow = now;
  bc_expire(now, SWEEP_BUDGET);
  control_tick(now);
}

/** Keeps the prefetch loads alive (never read by anyone). */
export function dar_prefetch_sink(): u32 { return sink; }
