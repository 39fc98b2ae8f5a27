// ICMPv6 header (RFC 4443 §2.1): field offsets, message types, the check gate, the emitter.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   MTU (Packet Too Big) / Unused (errors) / Identifier, Sequence Number (echo)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Message Body ...

import { load8, store8, store16_be, store32_be } from "./bytes";
import { upper_layer_checksum } from "./checksum";
import { NH_ICMPV6, OFF_SRC, OFF_DST } from "./ipv6";

@inline export const ICMP_TYPE: u32 = 0;
@inline export const ICMP_CODE: u32 = 1;
@inline export const ICMP_CHECKSUM: u32 = 2;
@inline export const ICMP_PARAM: u32 = 4;
/** The fixed header: type, code, checksum and the 32-bit parameter. */
export const ICMP_HEADER_LEN: u32 = 8;

export const ICMP_DEST_UNREACH: u32 = 1;
export const ICMP_PACKET_TOO_BIG: u32 = 2;
export const ICMP_TIME_EXCEEDED: u32 = 3;
export const ICMP_ECHO_REQUEST: u32 = 128;
export const ICMP_ECHO_REPLY: u32 = 129;
/** Types below this are error messages (RFC 4443 §2.1). */
export const ICMP_INFO_MIN: u32 = 128;

/** The check gate: the `len` bytes at `icmp` hold the whole fixed header. */
@inline export function icmpv6_check(len: u32): bool { return len >= ICMP_HEADER_LEN; }
/** Whether the `len` bytes at `icmp` hold the Type byte: all the error rules (icmp_is_error) read. */
@inline export function icmpv6_type_check(len: u32): bool { return len > ICMP_TYPE; }

@inline export function icmp_type(icmp: usize): u32 { return load8(icmp + ICMP_TYPE); }
@inline export function icmp_code(icmp: usize): u32 { return load8(icmp + ICMP_CODE); }
@inline export function icmp_is_error(type: u32): bool { return type < ICMP_INFO_MIN; }

/** The checksum of the `len`-byte message at `icmp` of the IPv6 packet at `ip6` verifies. */
@inline export function icmpv6_checksum_ok(ip6: usize, icmp: usize, len: u32): bool {
  return upper_layer_checksum(ip6 + OFF_SRC, ip6 + OFF_DST, NH_ICMPV6, icmp, len) == 0;
}

/** Writes type, code and parameter, and the checksum over the `len`-byte message of the packet at `ip6`. */
export function emit_icmpv6(ip6: usize, icmp: usize, len: u32, type: u32, code: u32, param: u32): void {
  store8(icmp + ICMP_TYPE, type);
  store8(icmp + ICMP_CODE, code);
  store32_be(icmp + ICMP_PARAM, param);
  icmpv6_fill_checksum(ip6, icmp, len);
}

/** Fills the checksum of the `len`-byte message at `icmp` of the packet at `ip6`. */
export function icmpv6_fill_checksum(ip6: usize, icmp: usize, len: u32): void {
  store16_be(icmp + ICMP_CHECKSUM, 0);
  store16_be(icmp + ICMP_CHECKSUM, upper_layer_checksum(ip6 + OFF_SRC, ip6 + OFF_DST, NH_ICMPV6, icmp, len));
}
