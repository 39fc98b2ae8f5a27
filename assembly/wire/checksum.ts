// Internet checksum (RFC 1071) and the IPv6 upper-layer pseudo-header sum
// (RFC 8200 §8.1). Sums are kept in a u64 accumulator and folded once at the end.

import { load16_be } from "./bytes";

/** Adds `len` bytes at `p` to a running one's-complement sum (big-endian 16-bit words). */
export function sum_bytes(acc: u64, p: usize, len: usize): u64 {
  let i: usize = 0;
  // 4 bytes at a time; a u64 accumulator cannot overflow for any packet size.
  while (i + 4 <= len) {
    acc += <u64>load16_be(p + i) + <u64>load16_be(p + i + 2);
    i += 4;
  }
  while (i + 2 <= len) {
    acc += <u64>load16_be(p + i);
    i += 2;
  }
  if (i < len) acc += <u64>load<u8>(p + i) << 8;
  return acc;
}

/** Folds a sum to 16 bits and complements it. */
export function fold_complement(acc: u64): u32 {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return <u32>(~acc & 0xffff);
}

/** Pseudo-header sum: source, destination, upper-layer length, next header. */
export function pseudo_header_sum(src: usize, dst: usize, upperLen: u32, nextHeader: u32): u64 {
  let acc = sum_bytes(0, src, 16);
  acc = sum_bytes(acc, dst, 16);
  acc += <u64>(upperLen >> 16) + <u64>(upperLen & 0xffff) + <u64>nextHeader;
  return acc;
}

/** Full upper-layer checksum over pseudo-header and `len` bytes at `p`. */
export function upper_layer_checksum(src: usize, dst: usize, nextHeader: u32, p: usize, len: u32): u32 {
  return fold_complement(sum_bytes(pseudo_header_sum(src, dst, len, nextHeader), p, len));
}
