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
// Before the per-slot pass, process_batch runs two prefetch passes over the batch that
// touch the table slot and then the entry each packet will look up: these loads are
// independent, so the CPU overlaps their cache misses (a 1M-binding cache is ~112 MB).

import { addr_eq, load8, load16_be } from "../wire/bytes";
import { NH_IPV6, NH_ICMPV6, NH_MOBILITY, NH_HOP_BY_HOP, NH_DEST_OPTS, IPV6_MIN_MTU } from "../wire/ipv6";
import {
  BATCH_HEADROOM, BATCH_MAX_PACKET, BATCH_MAX_SLOTS, BATCH_SLOT_STRIDE,
  slot_at, desc_at, desc_len, desc_send, desc_drop,
} from "../forward/batch";
import {
  ctr_inc, ctr_add, C_RX, C_TX, C_ENCAP, C_DECAP, C_ECHO_REPLY, C_TIME_EXCEEDED_SENT, C_TOO_BIG_SENT,
  C_MALFORMED, C_UNBOUND, C_SPOOFED, C_TUNNEL_UNBOUND, C_HOP_LIMIT, C_TOO_BIG, C_RATE_LIMITED,
  C_NOT_FOR_US, C_MOBILITY_CONTROL, C_ICMP_SUPPRESSED, C_ANCHOR_OTHER, C_NOT_CONFIGURED,
  C_CONTROL_DROP, COUNTERS_LEN,
} from "../forward/counters";
import {
  bc_lookup, bc_count, bc_hash, bc_table, bc_mask, bc_entries, bc_expire,
  E_COA, E_PKTS_TO, E_BYTES_TO, E_PKTS_FROM, E_BYTES_FROM, ENTRY_SIZE,
} from "../forward/binding-cache";
import { tunnel_encapsulate, TUNNEL_HEADER_LEN } from "../forward/tunnel";
import {
  icmp_error_allowed, icmp_rate_take, icmp_build_error, icmp_echo_reply,
  ICMP_ERROR_HEADROOM, ICMP_TIME_EXCEEDED, ICMP_PACKET_TOO_BIG, ICMP_ECHO_REQUEST,
} from "../forward/icmp";
import { cfg_configured, cfg_anchor, cfg_tunnel_mtu, cfg_in_prefixes } from "./config";
import { dar_control, control_tick } from "./control";

/** Records the expiry sweep visits per tick (a full pass over 1M bindings in ~16 s). */
export const SWEEP_BUDGET: u32 = 65536;

const ctrlOut: usize = memory.data(8, 8);
let sink: u32 = 0;
let lastNow: f64 = 0;
/** The last now_ms the host passed (process_batch or tick). */
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

/** Checks the fixed header of the packet at `p` (`len` bytes available). */
@inline function ipv6_ok(p: usize, len: u32): bool {
  return len >= 40 && (load8(p) >> 4) == 6 && load16_be(p + 4) + 40 == len;
}

function to_mn(slot: usize, d: usize, pkt: usize, len: u32, e: usize, now: f64): void {
  const hop = load8(pkt + 7);
  if (hop <= 1) {
    send_error(slot, d, pkt, len, ICMP_TIME_EXCEEDED, 0, C_HOP_LIMIT, C_TIME_EXCEEDED_SENT, now);
    return;
  }
  const mtu = cfg_tunnel_mtu();
  if (len > mtu && len > IPV6_MIN_MTU) {
    send_error(slot, d, pkt, len, ICMP_PACKET_TOO_BIG, mtu, C_TOO_BIG, C_TOO_BIG_SENT, now);
    return;
  }
  store<u8>(pkt + 7, <u8>(hop - 1));
  const outLen = tunnel_encapsulate(pkt, len, cfg_anchor(), e + E_COA);
  store<u64>(e + E_PKTS_TO, load<u64>(e + E_PKTS_TO) + 1);
  store<u64>(e + E_BYTES_TO, load<u64>(e + E_BYTES_TO) + len);
  ctr_inc(C_ENCAP);
  desc_send(d, BATCH_HEADROOM - TUNNEL_HEADER_LEN, outLen);
}

function decapsulate(slot: usize, d: usize, pkt: usize, len: u32, off: u32, now: f64): void {
  const inner = pkt + off;
  const ilen = len - off;
  if (!ipv6_ok(inner, ilen)) {
    drop(d, C_MALFORMED);
    return;
  }
  const e = bc_lookup(inner + 8, now);
  if (e == 0) {
    drop(d, C_TUNNEL_UNBOUND);
    return;
  }
  if (!addr_eq(e + E_COA, pkt + 8)) {
    drop(d, C_SPOOFED);
    return;
  }
  const hop = load8(inner + 7);
  if (hop <= 1) {
    send_error(slot, d, inner, ilen, ICMP_TIME_EXCEEDED, 0, C_HOP_LIMIT, C_TIME_EXCEEDED_SENT, now);
    return;
  }
  store<u8>(inner + 7, <u8>(hop - 1));
  store<u64>(e + E_PKTS_FROM, load<u64>(e + E_PKTS_FROM) + 1);
  store<u64>(e + E_BYTES_FROM, load<u64>(e + E_BYTES_FROM) + ilen);
  ctr_inc(C_DECAP);
  desc_send(d, <u32>(inner - slot), ilen);
}

function to_anchor(slot: usize, d: usize, pkt: usize, len: u32, now: f64): void {
  let nh = load8(pkt + 6);
  let off: u32 = 40;
  // Hop-by-Hop (only first) and Destination Options headers before the upper layer.
  for (let n = 0; n < 8 && (nh == NH_DEST_OPTS || (nh == NH_HOP_BY_HOP && off == 40)); n++) {
    if (off + 2 > len) {
      drop(d, C_MALFORMED);
      return;
    }
    const next = load8(pkt + off);
    const hlen = (load8(pkt + off + 1) + 1) << 3;
    if (off + hlen > len) {
      drop(d, C_MALFORMED);
      return;
    }
    off += hlen;
    nh = next;
  }
  if (nh == NH_IPV6) {
    decapsulate(slot, d, pkt, len, off, now);
  } else if (nh == NH_ICMPV6) {
    if (off + 8 <= len && load8(pkt + off) == ICMP_ECHO_REQUEST) {
      const outLen = icmp_echo_reply(pkt, len, off, cfg_anchor());
      if (outLen == 0) {
        drop(d, C_MALFORMED);
        return;
      }
      ctr_inc(C_ECHO_REPLY);
      desc_send(d, BATCH_HEADROOM + off - 40, outLen);
    } else {
      drop(d, C_ANCHOR_OTHER);
    }
  } else if (nh == NH_MOBILITY && off < len) {
    ctr_inc(C_MOBILITY_CONTROL);
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
    if (l < 40 || o > BATCH_SLOT_STRIDE || l > BATCH_SLOT_STRIDE - o) {
      drop(d, C_CONTROL_DROP);
      return;
    }
    desc_send(d, o, l);
  } else if (nh == NH_MOBILITY) {
    drop(d, C_MALFORMED);
  } else {
    drop(d, C_ANCHOR_OTHER);
  }
}

/** Processes slot `i`: reads its descriptor's `len`, writes the verdict. */
export function dar_dispatch(i: u32, now: f64): void {
  const slot = slot_at(i);
  const d = desc_at(i);
  const len = desc_len(d);
  const pkt = slot + BATCH_HEADROOM;
  if (len > BATCH_MAX_PACKET || !ipv6_ok(pkt, len)) {
    drop(d, C_MALFORMED);
    return;
  }
  const dst = pkt + 24;
  if (addr_eq(dst, cfg_anchor())) {
    to_anchor(slot, d, pkt, len, now);
    return;
  }
  const e = bc_lookup(dst, now);
  if (e != 0) {
    to_mn(slot, d, pkt, len, e, now);
    return;
  }
  drop(d, cfg_in_prefixes(dst) ? C_UNBOUND : C_NOT_FOR_US);
}

/** Touches the table slots, then the entries, the batch's packets will look up. */
function prefetch(n: u32): void {
  const table = bc_table();
  const mask = bc_mask();
  const entries = bc_entries();
  const anchor = cfg_anchor();
  const keys = prefetchKeys;
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pkt = slot_at(i) + BATCH_HEADROOM;
    const len = desc_len(desc_at(i));
    let key: usize = pkt + 24;
    if (len < 40 || len > BATCH_MAX_PACKET) {
      store<u32>(keys + (<usize>i << 2), 0xffffffff);
      continue;
    }
    if (len >= 80 && load8(pkt + 6) == NH_IPV6 && addr_eq(key, anchor)) key = pkt + 48;
    const slotIdx = bc_hash(key) & mask;
    store<u32>(keys + (<usize>i << 2), slotIdx);
    s ^= load<u32>(table + (<usize>slotIdx << 3), 4);
  }
  for (let i: u32 = 0; i < n; i++) {
    const slotIdx = load<u32>(keys + (<usize>i << 2));
    if (slotIdx == 0xffffffff) continue;
    const idx1 = load<u32>(table + (<usize>slotIdx << 3), 4);
    if (idx1 != 0) {
      // A 96-byte record may straddle two cache lines: touch both ends.
      const e = entries + <usize>(idx1 - 1) * ENTRY_SIZE;
      s ^= load<u32>(e) ^ load<u32>(e, ENTRY_SIZE - 4);
    }
  }
  sink ^= s;
}
const prefetchKeys: usize = memory.data(<i32>(BATCH_MAX_SLOTS * 4), 16);

/** The ABI's process_batch: slots 0..n-1 in order; returns how many were given verdict send. */
export function dar_process_batch(n: u32, now: f64): u32 {
  lastNow = now;
  if (n > BATCH_MAX_SLOTS) n = BATCH_MAX_SLOTS;
  ctr_add(C_RX, n);
  if (!cfg_configured()) {
    for (let i: u32 = 0; i < n; i++) drop(desc_at(i), C_NOT_CONFIGURED);
    return 0;
  }
  if (n >= 4 && bc_count() >= 4096) prefetch(n);
  let sent: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    dar_dispatch(i, now);
    sent += load<u32>(desc_at(i), 8);
  }
  ctr_add(C_TX, sent);
  return sent;
}

/** The ABI's tick: expiry sweep (bounded), control-plane timers. */
export function dar_tick(now: f64): void {
  lastNow = now;
  bc_expire(now, SWEEP_BUDGET);
  control_tick(now);
}

/** Keeps the prefetch loads alive (never read by anyone). */
export function dar_prefetch_sink(): u32 { return sink; }
