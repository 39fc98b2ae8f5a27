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

import { load8, load16_be, store8, store16_be, store32_be, copy_addr } from "../wire/bytes";
import { upper_layer_checksum } from "../wire/checksum";
import {
  IPV6_MIN_MTU, NH_ICMPV6, NH_HOP_BY_HOP, NH_DEST_OPTS, NH_ROUTING, NH_FRAGMENT,
  set_ver_tc_flow, set_payload_len, set_next_header, set_hop_limit, traffic_class, next_header,
} from "../wire/ipv6";

export const ICMP_DEST_UNREACH: u32 = 1;
export const ICMP_PACKET_TOO_BIG: u32 = 2;
export const ICMP_TIME_EXCEEDED: u32 = 3;
export const ICMP_ECHO_REQUEST: u32 = 128;
export const ICMP_ECHO_REPLY: u32 = 129;

/** Bytes an error puts in front of the invoking packet. */
export const ICMP_ERROR_HEADROOM: u32 = 48;
/** Hop limit of the messages the DAR originates. */
export const ICMP_HOP_LIMIT: u32 = 64;

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
  const src = pkt + 8;
  if (is_multicast(src) || is_unspecified_or_loopback(src)) return false;
  if (type != ICMP_PACKET_TOO_BIG && is_multicast(pkt + 24)) return false;
  let nh = next_header(pkt);
  let off: u32 = 40;
  for (let n = 0; n < 8; n++) {
    if (nh == NH_ICMPV6) {
      if (off + 1 > len) return false; // cannot tell whether it is an error
      return load8(pkt + off) >= 128;
    }
    if (nh == NH_FRAGMENT) {
      if (off + 8 > len) return true;
      // A later fragment hides the upper layer; only the first one shows it.
      if ((load16_be(pkt + off + 2) & 0xfff8) != 0) return true;
      nh = load8(pkt + off);
      off += 8;
      continue;
    }
    if (nh != NH_HOP_BY_HOP && nh != NH_DEST_OPTS && nh != NH_ROUTING) return true;
    if (off + 2 > len) return true;
    const next = load8(pkt + off);
    off += (load8(pkt + off + 1) + 1) << 3;
    nh = next;
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
  const icmpLen = 8 + body;
  const out = pkt - ICMP_ERROR_HEADROOM;
  set_ver_tc_flow(out, 0, 0);
  set_payload_len(out, icmpLen);
  set_next_header(out, NH_ICMPV6);
  set_hop_limit(out, ICMP_HOP_LIMIT);
  copy_addr(out + 24, pkt + 8);
  copy_addr(out + 8, from);
  const icmp = out + 40;
  store8(icmp, type);
  store8(icmp + 1, code);
  store16_be(icmp + 2, 0);
  store32_be(icmp + 4, param);
  store16_be(icmp + 2, upper_layer_checksum(out + 8, out + 24, NH_ICMPV6, icmp, icmpLen));
  return 40 + icmpLen;
}

/**
 * Turns the Echo Request whose ICMPv6 message starts `icmpOff` bytes into the packet at
 * `pkt` (`len` bytes in all) into an Echo Reply from `from`: the reply's IPv6 header is
 * written in the 40 bytes in front of the ICMPv6 message (over the request's headers), so
 * it starts at `pkt + icmpOff - 40`. Returns its length, or 0 when the request is not a
 * well-formed Echo Request (short, code != 0, bad checksum).
 */
export function icmp_echo_reply(pkt: usize, len: u32, icmpOff: u32, from: usize): u32 {
  if (icmpOff < 40 || icmpOff + 8 > len) return 0;
  const icmp = pkt + icmpOff;
  const icmpLen = len - icmpOff;
  if (load8(icmp) != ICMP_ECHO_REQUEST || load8(icmp + 1) != 0) return 0;
  if (upper_layer_checksum(pkt + 8, pkt + 24, NH_ICMPV6, icmp, icmpLen) != 0) return 0;
  const peer = v128.load(pkt + 8);
  const tc = traffic_class(pkt);
  const out = icmp - 40;
  set_ver_tc_flow(out, tc, 0);
  set_payload_len(out, icmpLen);
  set_next_header(out, NH_ICMPV6);
  set_hop_limit(out, ICMP_HOP_LIMIT);
  copy_addr(out + 8, from);
  v128.store(out + 24, peer);
  store8(icmp, ICMP_ECHO_REPLY);
  store16_be(icmp + 2, 0);
  store16_be(icmp + 2, upper_layer_checksum(out + 8, out + 24, NH_ICMPV6, icmp, icmpLen));
  return 40 + icmpLen;
}
