// ICMPv6 (RFC 4443) messages the DAR's data plane sends: Time Exceeded, Packet Too Big
// and Echo Reply. All are built in place in the packet's batch slot, without copying the
// invoking packet: an error's 48 bytes (IPv6 header + ICMPv6 header) are written in the
// 48 bytes in front of the invoking packet, which then is the error's body, cut so that
// the whole error fits in the IPv6 minimum MTU (RFC 4443 §2.4 (c)).
//
// Errors are never sent (RFC 4443 §2.4 (e)) for: an ICMPv6 error message (type < 128,
// or an ICMPv6 header we cannot read), a packet whose source is unspecified, multicast
// or loopback, or (except Packet Too Big) a packet sent to a multicast address.
//
// Rate limit (RFC 4443 §2.4 (f)): one token bucket for all errors, ERR_BURST (10) tokens,
// one token back every ERR_REFILL_MS (100 ms), i.e. 10 errors/s sustained with bursts of
// 10. It runs on the host's `now_ms`, so a replay is deterministic.

import { load8, store8, copy_addr } from "../wire/bytes";
import {
  IPV6_HEADER_LEN, IPV6_MIN_MTU, NH_ICMPV6, NH_HOP_BY_HOP, NH_DEST_OPTS, NH_ROUTING, NH_FRAGMENT,
  set_ver_tc_flow, set_payload_len, set_next_header, set_hop_limit, traffic_class, src_addr, dst_addr,
} from "../wire/ipv6";
import { frag_offset } from "../wire/fragment";
import { Chain, chain_begin, chain_check, chain_head_fits, chain_next, chain_next_header } from "../wire/ext-chain";
import {
  ICMP_HEADER_LEN, ICMP_PACKET_TOO_BIG, ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY, icmpv6_check, icmpv6_type_check, icmp_type, icmp_code,
  icmp_is_error, icmpv6_checksum_ok, emit_icmpv6, icmpv6_fill_checksum,
} from "../wire/icmpv6";

/** Bytes an error puts in front of the invoking packet. */
export const ICMP_ERROR_HEADROOM: u32 = 48;
/** Hop limit of the messages the DAR originates. */
export const ICMP_HOP_LIMIT: u32 = 64;

/** Headers icmp_error_allowed looks at before it gives up looking for an ICMPv6 header. */
const ERROR_WALK_MAX: u32 = 8;
const CHAIN = new Chain();

export const ERR_BURST: u32 = 10;
export const ERR_REFILL_MS: f64 = 100;

let tokens: u32 = ERR_BURST;
let lastRefill: f64 = 0;
let bucketStarted: bool = false;

/** Resets the token bucket to full (configure, tests). */
export function icmp_rate_reset(): void {
  tokens = ERR_BURST;
  bucketStarted = false;
}

/** Takes one token if there is one. */
export function icmp_rate_take(now: f64): bool {
  if (!bucketStarted || now < lastRefill) {
    bucketStarted = true;
    lastRefill = now; // first use, or the clock went back: restart the refill clock
  }
  const elapsed = now - lastRefill;
  if (elapsed >= ERR_REFILL_MS) {
    const add = Math.floor(elapsed / ERR_REFILL_MS);
    tokens = add >= <f64>ERR_BURST ? ERR_BURST : min<u32>(ERR_BURST, tokens + <u32>add);
    lastRefill += add * ERR_REFILL_MS;
  }
  if (tokens == 0) return false;
  tokens--;
  return true;
}

@inline function is_multicast(a: usize): bool { return load8(a) == 0xff; }

@inline function is_unspecified_or_loopback(a: usize): bool {
  return load<u64>(a) == 0 && (load<u64>(a, 8) == 0 || load<u64>(a, 8) == 0x0100000000000000);
}

/**
 * Whether RFC 4443 §2.4 (e) allows an error about the packet at `pkt` (`len` bytes,
 * at least the 40-byte header). Walks the extension headers to find an ICMPv6 header.
 */
export function icmp_error_allowed(pkt: usize, len: u32, type: u32): bool {
  const src = src_addr(pkt);
  if (is_multicast(src) || is_unspecified_or_loopback(src)) return false;
  if (type != ICMP_PACKET_TOO_BIG && is_multicast(dst_addr(pkt))) return false;
  const c = CHAIN;
  chain_begin(c, pkt, len);
  while (c.count < ERROR_WALK_MAX) {
    const nh = c.nh;
    if (nh == NH_ICMPV6) {
      // c.off <= len: the walk only steps past headers chain_check found inside the packet
      if (!icmpv6_type_check(len - c.off)) return false; // cannot tell whether it is an error
      return !icmp_is_error(icmp_type(pkt + c.off));
    }
    if (nh == NH_FRAGMENT) {
      if (!chain_check(c)) return true;
      // A later fragment hides the upper layer; only the first one shows it.
      if (frag_offset(pkt + c.off) != 0) return true;
      chain_next(c);
      continue;
    }
    if (nh != NH_HOP_BY_HOP && nh != NH_DEST_OPTS && nh != NH_ROUTING) return true;
    if (!chain_head_fits(c)) return true;
    if (!chain_check(c)) {
      // Cut short: what follows is unknown, so an error is refused only when the cut header
      // names ICMPv6 next (the invoking packet could be an ICMPv6 error we cannot read).
      return c.count + 1 >= ERROR_WALK_MAX || chain_next_header(c) != NH_ICMPV6;
    }
    chain_next(c);
  }
  return true;
}

/**
 * Writes an ICMPv6 error about the packet at `pkt` (`len` bytes) into the 48 bytes in
 * front of it: source `from` (the anchor), destination the invoking packet's source,
 * `type`/`code`, the 32-bit `param` (MTU for Packet Too Big, 0 for Time Exceeded).
 * Returns the error's length; it starts at `pkt - ICMP_ERROR_HEADROOM`.
 * The caller checked icmp_error_allowed and the rate limit.
 */
export function icmp_build_error(pkt: usize, len: u32, type: u32, code: u32, param: u32, from: usize): u32 {
  const body = min<u32>(len, IPV6_MIN_MTU - ICMP_ERROR_HEADROOM);
  const icmpLen = ICMP_HEADER_LEN + body;
  const out = pkt - ICMP_ERROR_HEADROOM;
  set_ver_tc_flow(out, 0, 0);
  set_payload_len(out, icmpLen);
  set_next_header(out, NH_ICMPV6);
  set_hop_limit(out, ICMP_HOP_LIMIT);
  copy_addr(dst_addr(out), src_addr(pkt));
  copy_addr(src_addr(out), from);
  emit_icmpv6(out, out + IPV6_HEADER_LEN, icmpLen, type, code, param);
  return IPV6_HEADER_LEN + icmpLen;
}

/**
 * Turns the Echo Request whose ICMPv6 message starts `icmpOff` bytes into the packet at
 * `pkt` (`len` bytes in all) into an Echo Reply from `from`: the reply's IPv6 header is
 * written in the 40 bytes in front of the ICMPv6 message (over the request's headers), so
 * it starts at `pkt + icmpOff - 40`. Returns its length, or 0 when the request is not a
 * well-formed Echo Request (short, code != 0, bad checksum).
 */
export function icmp_echo_reply(pkt: usize, len: u32, icmpOff: u32, from: usize): u32 {
  if (icmpOff < IPV6_HEADER_LEN || icmpOff > len || !icmpv6_check(len - icmpOff)) return 0;
  const icmp = pkt + icmpOff;
  const icmpLen = len - icmpOff;
  if (icmp_type(icmp) != ICMP_ECHO_REQUEST || icmp_code(icmp) != 0) return 0;
  if (!icmpv6_checksum_ok(pkt, icmp, icmpLen)) return 0;
  const peer = v128.load(src_addr(pkt));
  const tc = traffic_class(pkt);
  const out = icmp - IPV6_HEADER_LEN;
  set_ver_tc_flow(out, tc, 0);
  set_payload_len(out, icmpLen);
  set_next_header(out, NH_ICMPV6);
  set_hop_limit(out, ICMP_HOP_LIMIT);
  copy_addr(src_addr(out), from);
  v128.store(dst_addr(out), peer);
  store8(icmp, ICMP_ECHO_REPLY);
  icmpv6_fill_checksum(out, icmp, icmpLen);
  return IPV6_HEADER_LEN + icmpLen;
}
