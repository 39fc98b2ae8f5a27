// ICMPv6 Router Advertisement (RFC 4861 §4.2) with the Mobile IPv6 additions (RFC 6275 §7.1-7.4):
// the Home Agent (H) flag, the Router Address (R) flag of the Prefix Information option, the
// Advertisement Interval and Home Agent Information options. Offsets are relative to the start
// of the ICMPv6 message (a raw ICMPv6 socket hands exactly that).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Cur Hop Limit |M|O|H|Prf|P|Rsv|       Router Lifetime         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Reachable Time                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Retrans Timer                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Options ...  (type, length in 8-octet units including type and length)
//
// Check gate (check_ra, first failure wins): < 16 bytes, type, code, hop limit 255, link-local
// source (§6.1.2), then every option in order: a lone trailing byte, length 0, running past the
// message, PIO length not 4, PIO prefix length over 128, MTU / Advertisement Interval / Home
// Agent Information length not 1. Options of other types are skipped (§4.6: "ignore them").
// After the gate no accessor reads outside the message; parse_ra then fills RA_REC.
//
// ---- RA record RA_REC (native little-endian u32 fields; mirrored in host/core/nd.ts) ---------
//   [0]  cur hop limit        [4]  flags byte (RA_M, RA_O, RA_H, RA_PRF_MASK, RA_P)
//   [8]  router lifetime, s   [12] reachable time, ms      [16] retrans timer, ms
//   [20] MTU (MTU option)     [24] present bits (RP_*)     [28] advertisement interval, ms
//   [32] home agent preference (i32, sign-extended)        [36] home agent lifetime, s
//   [40] PIOs recorded        [44] PIOs beyond RA_PIO_MAX (not recorded)
//   [48] options skipped (unknown types)                   [52] index of the anchor PIO
//   [56] u8[6] source link-layer address (SLLA of length 1) + 2 bytes 0
//   [64] u8[16] source address (the router)                [80] u8[16] anchor (the first R-flag PIO's Prefix field)
//   [96] RA_PIO_MAX PIO entries of RA_PIO_SIZE bytes:
//        [0] prefix length  [4] flags byte (PIO_L, PIO_A, PIO_R)  [8] valid lifetime, s
//        [12] preferred lifetime, s  [16] u8[16] the Prefix field as sent (with R, a whole address)

import { load8, load16_be, load32_be, copy_addr } from "../wire/bytes";
import { upper_layer_checksum } from "../wire/checksum";
import {
  IPV6_HEADER_LEN, NH_ICMPV6, version, payload_len, next_header, hop_limit, src_addr, dst_addr,
} from "../wire/ipv6";
import {
  ND_OK, ERR_RA_TRUNCATED, ERR_RA_TYPE, ERR_RA_CODE, ERR_RA_HOP_LIMIT, ERR_RA_SOURCE,
  ERR_RA_OPTION_TRUNCATED, ERR_RA_OPTION_ZERO, ERR_RA_OPTION_OVERRUN, ERR_RA_PIO_LENGTH,
  ERR_RA_PREFIX_LENGTH, ERR_RA_OPTION_LENGTH, ERR_RA_IPV6_TRUNCATED, ERR_RA_NOT_IPV6,
  ERR_RA_PAYLOAD_TRUNCATED, ERR_RA_NEXT_HEADER, ERR_RA_CHECKSUM,
} from "./errors";

@inline export const ICMPV6_RA: u32 = 134;
@inline export const RA_TYPE: u32 = 0;
@inline export const RA_CODE: u32 = 1;
@inline export const RA_CHECKSUM: u32 = 2;
@inline export const RA_CUR_HOP_LIMIT: u32 = 4;
@inline export const RA_FLAGS: u32 = 5;
@inline export const RA_ROUTER_LIFETIME: u32 = 6;
@inline export const RA_REACHABLE: u32 = 8;
@inline export const RA_RETRANS: u32 = 12;
@inline export const RA_OPTIONS: u32 = 16;
/** Hop limit every neighbour discovery message must arrive with (RFC 4861 §6.1.2). */
@inline export const ND_HOP_LIMIT: u32 = 255;

@inline export const RA_M: u32 = 0x80;
@inline export const RA_O: u32 = 0x40;
@inline export const RA_H: u32 = 0x20;
@inline export const RA_PRF_MASK: u32 = 0x18;
@inline export const RA_P: u32 = 0x04;

// Options: | Type | Length (8-octet units) | ...
@inline export const OPT_TYPE: u32 = 0;
@inline export const OPT_LEN: u32 = 1;
@inline export function opt_bytes(lengthField: u32): u32 { return lengthField << 3; }
@inline export const ND_OPT_SLLA: u32 = 1;
@inline export const ND_OPT_PIO: u32 = 3;
@inline export const ND_OPT_MTU: u32 = 5;
@inline export const ND_OPT_ADV_INTERVAL: u32 = 7;
@inline export const ND_OPT_HA_INFO: u32 = 8;

// Prefix Information option (length 4):
//  | Type=3 | Len=4 | Prefix Length |L|A|R| Rsvd1 |
//  |                      Valid Lifetime                        |
//  |                    Preferred Lifetime                      |
//  |                        Reserved2                           |
//  |                      Prefix (16 bytes)                     |
@inline export const PIO_PREFIX_LEN: u32 = 2;
@inline export const PIO_FLAGS: u32 = 3;
@inline export const PIO_VALID: u32 = 4;
@inline export const PIO_PREFERRED: u32 = 8;
@inline export const PIO_PREFIX: u32 = 16;
@inline export const PIO_LEN_FIELD: u32 = 4;
@inline export const PIO_L: u32 = 0x80;
@inline export const PIO_A: u32 = 0x40;
@inline export const PIO_R: u32 = 0x20;
// MTU option (length 1): | 5 | 1 | Reserved (16) | MTU (32) |
@inline export const MTU_VALUE: u32 = 4;
// Advertisement Interval (length 1): | 7 | 1 | Reserved (16) | interval, ms (32) |
@inline export const ADV_INTERVAL_VALUE: u32 = 4;
// Home Agent Information (length 1): | 8 | 1 | Reserved (16) | Preference (i16) | Lifetime (16) |
@inline export const HA_PREFERENCE: u32 = 4;
@inline export const HA_LIFETIME: u32 = 6;
// Source Link-Layer Address (Ethernet: length 1): | 1 | 1 | MAC (6) |
@inline export const SLLA_ADDR: u32 = 2;

/** Lifetime value meaning "forever" (RFC 4861 §4.6.2). */
export const LIFETIME_INFINITE: u32 = 0xffffffff;

// ---- the record
export const RA_PIO_MAX: u32 = 16;
export const RA_PIO_SIZE: u32 = 32;
export const RA_REC_SIZE: u32 = 96 + RA_PIO_MAX * RA_PIO_SIZE;
export const RA_REC: usize = memory.data(<i32>RA_REC_SIZE, 16);

export const R_HOP_LIMIT: u32 = 0;
export const R_FLAGS: u32 = 4;
export const R_ROUTER_LIFETIME: u32 = 8;
export const R_REACHABLE: u32 = 12;
export const R_RETRANS: u32 = 16;
export const R_MTU: u32 = 20;
export const R_PRESENT: u32 = 24;
export const R_ADV_INTERVAL: u32 = 28;
export const R_HA_PREFERENCE: u32 = 32;
export const R_HA_LIFETIME: u32 = 36;
export const R_PIO_COUNT: u32 = 40;
export const R_PIO_OVERFLOW: u32 = 44;
export const R_SKIPPED: u32 = 48;
export const R_ANCHOR_PIO: u32 = 52;
export const R_SLLA: u32 = 56;
export const R_SOURCE: u32 = 64;
export const R_ANCHOR: u32 = 80;
export const R_PIOS: u32 = 96;
export const P_PREFIX_LEN: u32 = 0;
export const P_FLAGS: u32 = 4;
export const P_VALID: u32 = 8;
export const P_PREFERRED: u32 = 12;
export const P_PREFIX: u32 = 16;

// Present bits.
export const RP_SLLA: u32 = 1;
export const RP_MTU: u32 = 2;
export const RP_ADV_INTERVAL: u32 = 4;
export const RP_HA_INFO: u32 = 8;
export const RP_ANCHOR: u32 = 16;

@inline export function ra_get(field: u32): u32 { return load<u32>(RA_REC + field); }
@inline export function ra_pio(i: u32): usize { return RA_REC + R_PIOS + i * RA_PIO_SIZE; }

/** fe80::/10. */
@inline export function is_link_local(a: usize): bool {
  return load8(a) == 0xfe && (load8(a + 1) & 0xc0) == 0x80;
}

/** The length a known fixed-size option must have, or 0 for a type the gate does not size. */
function required_len(type: u32): u32 {
  if (type == ND_OPT_PIO) return PIO_LEN_FIELD;
  if (type == ND_OPT_MTU || type == ND_OPT_ADV_INTERVAL || type == ND_OPT_HA_INFO) return 1;
  return 0;
}

/** The check gate: 0 when every accessor below may read the message at [icmp, icmp+len). */
export function check_ra(icmp: usize, len: u32, src: usize, hopLimit: u32): i32 {
  if (len < RA_OPTIONS) return ERR_RA_TRUNCATED;
  if (load8(icmp + RA_TYPE) != ICMPV6_RA) return ERR_RA_TYPE;
  if (load8(icmp + RA_CODE) != 0) return ERR_RA_CODE;
  if (hopLimit != ND_HOP_LIMIT) return ERR_RA_HOP_LIMIT;
  if (!is_link_local(src)) return ERR_RA_SOURCE;
  let off = RA_OPTIONS;
  while (off < len) {
    if (len - off < 2) return ERR_RA_OPTION_TRUNCATED;
    const type = load8(icmp + off + OPT_TYPE);
    const lenField = load8(icmp + off + OPT_LEN);
    if (lenField == 0) return ERR_RA_OPTION_ZERO;
    const n = opt_bytes(lenField);
    if (n > len - off) return ERR_RA_OPTION_OVERRUN;
    const need = required_len(type);
    if (need != 0 && lenField != need) return type == ND_OPT_PIO ? ERR_RA_PIO_LENGTH : ERR_RA_OPTION_LENGTH;
    if (type == ND_OPT_PIO && load8(icmp + off + PIO_PREFIX_LEN) > 128) return ERR_RA_PREFIX_LENGTH;
    off += n;
  }
  return ND_OK;
}

function record_pio(o: usize): void {
  const count = ra_get(R_PIO_COUNT);
  if (count >= RA_PIO_MAX) {
    store<u32>(RA_REC + R_PIO_OVERFLOW, ra_get(R_PIO_OVERFLOW) + 1);
    return;
  }
  const e = ra_pio(count);
  const flags = load8(o + PIO_FLAGS);
  store<u32>(e + P_PREFIX_LEN, load8(o + PIO_PREFIX_LEN));
  store<u32>(e + P_FLAGS, flags);
  store<u32>(e + P_VALID, load32_be(o + PIO_VALID));
  store<u32>(e + P_PREFERRED, load32_be(o + PIO_PREFERRED));
  copy_addr(e + P_PREFIX, o + PIO_PREFIX);
  store<u32>(RA_REC + R_PIO_COUNT, count + 1);
  if ((flags & PIO_R) != 0 && (ra_get(R_PRESENT) & RP_ANCHOR) == 0) {
    store<u32>(RA_REC + R_PRESENT, ra_get(R_PRESENT) | RP_ANCHOR);
    store<u32>(RA_REC + R_ANCHOR_PIO, count);
    copy_addr(RA_REC + R_ANCHOR, o + PIO_PREFIX);
  }
}

function record_option(o: usize, type: u32, lenField: u32): void {
  const present = ra_get(R_PRESENT);
  if (type == ND_OPT_PIO) {
    record_pio(o);
  } else if (type == ND_OPT_MTU) {
    store<u32>(RA_REC + R_MTU, load32_be(o + MTU_VALUE));
    store<u32>(RA_REC + R_PRESENT, present | RP_MTU);
  } else if (type == ND_OPT_ADV_INTERVAL) {
    store<u32>(RA_REC + R_ADV_INTERVAL, load32_be(o + ADV_INTERVAL_VALUE));
    store<u32>(RA_REC + R_PRESENT, present | RP_ADV_INTERVAL);
  } else if (type == ND_OPT_HA_INFO) {
    store<i32>(RA_REC + R_HA_PREFERENCE, <i32><i16>load16_be(o + HA_PREFERENCE));
    store<u32>(RA_REC + R_HA_LIFETIME, load16_be(o + HA_LIFETIME));
    store<u32>(RA_REC + R_PRESENT, present | RP_HA_INFO);
  } else if (type == ND_OPT_SLLA && lenField == 1) {
    memory.copy(RA_REC + R_SLLA, o + SLLA_ADDR, 6);
    store<u32>(RA_REC + R_PRESENT, present | RP_SLLA);
  } else if (type != ND_OPT_SLLA) {
    store<u32>(RA_REC + R_SKIPPED, ra_get(R_SKIPPED) + 1);
  }
}

/** Gate, then fill RA_REC from the RA at [icmp, icmp+len) received from `src` with `hopLimit`.
 *  0 or an ERR_RA_* code (the record is then cleared). */
export function parse_ra(icmp: usize, len: u32, src: usize, hopLimit: u32): i32 {
  memory.fill(RA_REC, 0, RA_REC_SIZE);
  const rc = check_ra(icmp, len, src, hopLimit);
  if (rc != ND_OK) return rc;
  store<u32>(RA_REC + R_HOP_LIMIT, load8(icmp + RA_CUR_HOP_LIMIT));
  store<u32>(RA_REC + R_FLAGS, load8(icmp + RA_FLAGS));
  store<u32>(RA_REC + R_ROUTER_LIFETIME, load16_be(icmp + RA_ROUTER_LIFETIME));
  store<u32>(RA_REC + R_REACHABLE, load32_be(icmp + RA_REACHABLE));
  store<u32>(RA_REC + R_RETRANS, load32_be(icmp + RA_RETRANS));
  copy_addr(RA_REC + R_SOURCE, src);
  let off = RA_OPTIONS;
  while (off < len) {
    const o = icmp + off;
    const lenField = load8(o + OPT_LEN);
    record_option(o, load8(o + OPT_TYPE), lenField);
    off += opt_bytes(lenField);
  }
  return ND_OK;
}

/** The RA inside a whole IPv6 packet (a capture, a test): the IPv6 header's checks and the
 *  ICMPv6 checksum (which the kernel verifies for a raw socket), then parse_ra. */
export function parse_ra_packet(pkt: usize, len: u32): i32 {
  memory.fill(RA_REC, 0, RA_REC_SIZE);
  if (len < IPV6_HEADER_LEN) return ERR_RA_IPV6_TRUNCATED;
  if (version(pkt) != 6) return ERR_RA_NOT_IPV6;
  const pl = payload_len(pkt);
  if (pl > len - IPV6_HEADER_LEN) return ERR_RA_PAYLOAD_TRUNCATED;
  if (next_header(pkt) != NH_ICMPV6) return ERR_RA_NEXT_HEADER;
  const icmp = pkt + IPV6_HEADER_LEN;
  if (upper_layer_checksum(src_addr(pkt), dst_addr(pkt), NH_ICMPV6, icmp, pl) != 0) return ERR_RA_CHECKSUM;
  return parse_ra(icmp, pl, src_addr(pkt), hop_limit(pkt));
}
