// The Internet checksum (RFC 1071) over payload-sized spans, 8 bytes a step. The one's
// complement sum does not depend on byte order (RFC 1071 §2(B)): native little-endian words
// are summed and the folded result is byte-swapped once. assembly/wire/checksum.ts is the
// reference for headers; this is its fast path for segments (tests compare the two).

import { pseudo_header_sum } from "../wire/checksum";

/** The folded (not complemented) big-endian sum of `len` bytes at `p`, added to `acc`. */
export function csum_add_span(acc: u64, p: usize, len: u32): u64 {
  let s: u64 = 0;
  let i: u32 = 0;
  while (i + 8 <= len) {
    const w = load<u64>(p + i);
    s += (w & 0xffffffff) + (w >> 32);
    i += 8;
  }
  if (i + 4 <= len) { s += <u64>load<u32>(p + i); i += 4; }
  if (i + 2 <= len) { s += <u64>load<u16>(p + i); i += 2; }
  if (i < len) s += <u64>load<u8>(p + i);
  // fold to 16 bits in native order, then swap to big-endian
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return acc + (((s & 0xff) << 8) | (s >> 8));
}

/** Folds a sum to 16 bits (no complement). */
@inline export function csum_fold(acc: u64): u32 {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return <u32>acc;
}

/** The TCP checksum of the segment at `tcp` (`len` bytes, its checksum field zero). */
@inline export function tcp6_checksum(src: usize, dst: usize, tcp: usize, len: u32): u32 {
  return ~csum_fold(csum_add_span(pseudo_header_sum(src, dst, len, 6), tcp, len)) & 0xffff;
}
