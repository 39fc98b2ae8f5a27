// ICMPv6 Router Solicitation (RFC 4861 §4.1), sent by the MN as soon as its access link changes
// (PROTOCOL.md §2.7: no random delay, RFC 4861 §6.3.7).
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type=133  |     Code=0    |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            Reserved                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Source Link-Layer Address option: | 1 | 1 | MAC (6) |  (only when the source is not ::)
//
// The checksum is left 0: the kernel fills it in for a raw ICMPv6 socket (RFC 3542 §3.1),
// which is how the host sends it (to ff02::2, hop limit 255).

import { store8, store16_be, store32_be } from "../wire/bytes";
import { ERR_RS_CAPACITY } from "./errors";

@inline export const ICMPV6_RS: u32 = 133;
@inline export const RS_LEN: u32 = 8;
@inline export const RS_SLLA_LEN: u32 = 8;

/** Writes an RS into [out, out+cap); with the SLLA option when mac != 0 (6 bytes at mac).
 *  Its length, or ERR_RS_CAPACITY. */
export function emit_rs(out: usize, cap: u32, mac: usize): i32 {
  const len = RS_LEN + (mac != 0 ? RS_SLLA_LEN : 0);
  if (cap < len) return ERR_RS_CAPACITY;
  store8(out, ICMPV6_RS);
  store8(out + 1, 0);
  store16_be(out + 2, 0);
  store32_be(out + 4, 0);
  if (mac != 0) {
    store8(out + RS_LEN, 1);
    store8(out + RS_LEN + 1, 1);
    memory.copy(out + RS_LEN + 2, mac, 6);
  }
  return <i32>len;
}
