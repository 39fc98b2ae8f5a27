// SHA-1 (FIPS 180-4) over linear memory: one-shot, streaming, and the raw
// compression function (also with a precomputed message schedule, for the CGA
// modifier search whose later blocks never change).
//
// Speed notes: the 80 rounds are fully unrolled,
// the 16 message words live in rolling locals, and each round adds rotl(a, 5)
// last: e = ((e + w + K) + f) + rotl(a, 5), which shortens the dependency chain.
// The rounds are generated (the role of each variable rotates every round).
// No allocation on any path except the Sha1 constructor; never traps on lengths.

import { load32_be, store32_be, store64_be } from "../wire/bytes";

export const SHA1_LEN: u32 = 20;
/** Bytes of a precomputed schedule for sha1_compress_wk: 80 u32 words W[t] + K[t]. */
export const SHA1_WK_LEN: u32 = 320;

/** Writes the initial chaining value (5 native u32 words) to state. */
export function sha1_init(state: usize): void {
  store<u32>(state, 0x67452301, 0);
  store<u32>(state, 0xefcdab89, 4);
  store<u32>(state, 0x98badcfe, 8);
  store<u32>(state, 0x10325476, 12);
  store<u32>(state, 0xc3d2e1f0, 16);
}

/** Writes the chaining value as the 20-byte big-endian digest. */
@inline export function sha1_output(state: usize, out: usize): void {
  store32_be(out, load<u32>(state, 0));
  store32_be(out + 4, load<u32>(state, 4));
  store32_be(out + 8, load<u32>(state, 8));
  store32_be(out + 12, load<u32>(state, 12));
  store32_be(out + 16, load<u32>(state, 16));
}

/** Processes one 64-byte block into state (5 native u32 words). */
export function sha1_compress(state: usize, block: usize): void {
  let a = load<u32>(state, 0);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  let e = load<u32>(state, 16);
  let w0 = load32_be(block + 0);
  let w1 = load32_be(block + 4);
  let w2 = load32_be(block + 8);
  let w3 = load32_be(block + 12);
  let w4 = load32_be(block + 16);
  let w5 = load32_be(block + 20);
  let w6 = load32_be(block + 24);
  let w7 = load32_be(block + 28);
  let w8 = load32_be(block + 32);
  let w9 = load32_be(block + 36);
  let w10 = load32_be(block + 40);
  let w11 = load32_be(block + 44);
  let w12 = load32_be(block + 48);
  let w13 = load32_be(block + 52);
  let w14 = load32_be(block + 56);
  let w15 = load32_be(block + 60);

  e = ((e + w0 + 0x5a827999) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + w1 + 0x5a827999) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + w2 + 0x5a827999) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + w3 + 0x5a827999) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + w4 + 0x5a827999) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + w5 + 0x5a827999) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + w6 + 0x5a827999) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + w7 + 0x5a827999) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + w8 + 0x5a827999) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + w9 + 0x5a827999) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + w10 + 0x5a827999) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + w11 + 0x5a827999) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + w12 + 0x5a827999) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + w13 + 0x5a827999) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + w14 + 0x5a827999) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + w15 + 0x5a827999) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1);
  d = ((d + w0 + 0x5a827999) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1);
  c = ((c + w1 + 0x5a827999) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1);
  b = ((b + w2 + 0x5a827999) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1);
  a = ((a + w3 + 0x5a827999) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1);
  e = ((e + w4 + 0x6ed9eba1) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1);
  d = ((d + w5 + 0x6ed9eba1) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1);
  c = ((c + w6 + 0x6ed9eba1) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1);
  b = ((b + w7 + 0x6ed9eba1) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1);
  a = ((a + w8 + 0x6ed9eba1) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1);
  e = ((e + w9 + 0x6ed9eba1) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1);
  d = ((d + w10 + 0x6ed9eba1) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1);
  c = ((c + w11 + 0x6ed9eba1) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1);
  b = ((b + w12 + 0x6ed9eba1) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1);
  a = ((a + w13 + 0x6ed9eba1) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1);
  e = ((e + w14 + 0x6ed9eba1) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1);
  d = ((d + w15 + 0x6ed9eba1) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1);
  c = ((c + w0 + 0x6ed9eba1) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1);
  b = ((b + w1 + 0x6ed9eba1) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1);
  a = ((a + w2 + 0x6ed9eba1) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1);
  e = ((e + w3 + 0x6ed9eba1) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1);
  d = ((d + w4 + 0x6ed9eba1) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1);
  c = ((c + w5 + 0x6ed9eba1) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1);
  b = ((b + w6 + 0x6ed9eba1) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1);
  a = ((a + w7 + 0x6ed9eba1) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1);
  e = ((e + w8 + 0x8f1bbcdc) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1);
  d = ((d + w9 + 0x8f1bbcdc) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1);
  c = ((c + w10 + 0x8f1bbcdc) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1);
  b = ((b + w11 + 0x8f1bbcdc) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1);
  a = ((a + w12 + 0x8f1bbcdc) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1);
  e = ((e + w13 + 0x8f1bbcdc) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1);
  d = ((d + w14 + 0x8f1bbcdc) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1);
  c = ((c + w15 + 0x8f1bbcdc) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1);
  b = ((b + w0 + 0x8f1bbcdc) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1);
  a = ((a + w1 + 0x8f1bbcdc) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1);
  e = ((e + w2 + 0x8f1bbcdc) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1);
  d = ((d + w3 + 0x8f1bbcdc) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1);
  c = ((c + w4 + 0x8f1bbcdc) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1);
  b = ((b + w5 + 0x8f1bbcdc) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1);
  a = ((a + w6 + 0x8f1bbcdc) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1);
  e = ((e + w7 + 0x8f1bbcdc) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1);
  d = ((d + w8 + 0x8f1bbcdc) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1);
  c = ((c + w9 + 0x8f1bbcdc) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1);
  b = ((b + w10 + 0x8f1bbcdc) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1);
  a = ((a + w11 + 0x8f1bbcdc) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1);
  e = ((e + w12 + 0xca62c1d6) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1);
  d = ((d + w13 + 0xca62c1d6) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1);
  c = ((c + w14 + 0xca62c1d6) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1);
  b = ((b + w15 + 0xca62c1d6) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1);
  a = ((a + w0 + 0xca62c1d6) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1);
  e = ((e + w1 + 0xca62c1d6) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1);
  d = ((d + w2 + 0xca62c1d6) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1);
  c = ((c + w3 + 0xca62c1d6) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1);
  b = ((b + w4 + 0xca62c1d6) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1);
  a = ((a + w5 + 0xca62c1d6) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1);
  e = ((e + w6 + 0xca62c1d6) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1);
  d = ((d + w7 + 0xca62c1d6) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1);
  c = ((c + w8 + 0xca62c1d6) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1);
  b = ((b + w9 + 0xca62c1d6) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1);
  a = ((a + w10 + 0xca62c1d6) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1);
  e = ((e + w11 + 0xca62c1d6) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1);
  d = ((d + w12 + 0xca62c1d6) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1);
  c = ((c + w13 + 0xca62c1d6) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1);
  b = ((b + w14 + 0xca62c1d6) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1);
  a = ((a + w15 + 0xca62c1d6) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);

  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
}

/** Expands one 64-byte block into its 80 schedule words with the round constants
 *  added (W[t] + K[t], native u32, SHA1_WK_LEN bytes at wk). */
export function sha1_schedule(block: usize, wk: usize): void {
  let w0 = load32_be(block + 0); store<u32>(wk, w0 + 0x5a827999, 0);
  let w1 = load32_be(block + 4); store<u32>(wk, w1 + 0x5a827999, 4);
  let w2 = load32_be(block + 8); store<u32>(wk, w2 + 0x5a827999, 8);
  let w3 = load32_be(block + 12); store<u32>(wk, w3 + 0x5a827999, 12);
  let w4 = load32_be(block + 16); store<u32>(wk, w4 + 0x5a827999, 16);
  let w5 = load32_be(block + 20); store<u32>(wk, w5 + 0x5a827999, 20);
  let w6 = load32_be(block + 24); store<u32>(wk, w6 + 0x5a827999, 24);
  let w7 = load32_be(block + 28); store<u32>(wk, w7 + 0x5a827999, 28);
  let w8 = load32_be(block + 32); store<u32>(wk, w8 + 0x5a827999, 32);
  let w9 = load32_be(block + 36); store<u32>(wk, w9 + 0x5a827999, 36);
  let w10 = load32_be(block + 40); store<u32>(wk, w10 + 0x5a827999, 40);
  let w11 = load32_be(block + 44); store<u32>(wk, w11 + 0x5a827999, 44);
  let w12 = load32_be(block + 48); store<u32>(wk, w12 + 0x5a827999, 48);
  let w13 = load32_be(block + 52); store<u32>(wk, w13 + 0x5a827999, 52);
  let w14 = load32_be(block + 56); store<u32>(wk, w14 + 0x5a827999, 56);
  let w15 = load32_be(block + 60); store<u32>(wk, w15 + 0x5a827999, 60);

  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1); store<u32>(wk, w0 + 0x5a827999, 64);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1); store<u32>(wk, w1 + 0x5a827999, 68);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1); store<u32>(wk, w2 + 0x5a827999, 72);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1); store<u32>(wk, w3 + 0x5a827999, 76);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1); store<u32>(wk, w4 + 0x6ed9eba1, 80);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1); store<u32>(wk, w5 + 0x6ed9eba1, 84);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1); store<u32>(wk, w6 + 0x6ed9eba1, 88);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1); store<u32>(wk, w7 + 0x6ed9eba1, 92);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1); store<u32>(wk, w8 + 0x6ed9eba1, 96);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1); store<u32>(wk, w9 + 0x6ed9eba1, 100);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1); store<u32>(wk, w10 + 0x6ed9eba1, 104);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1); store<u32>(wk, w11 + 0x6ed9eba1, 108);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1); store<u32>(wk, w12 + 0x6ed9eba1, 112);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1); store<u32>(wk, w13 + 0x6ed9eba1, 116);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1); store<u32>(wk, w14 + 0x6ed9eba1, 120);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1); store<u32>(wk, w15 + 0x6ed9eba1, 124);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1); store<u32>(wk, w0 + 0x6ed9eba1, 128);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1); store<u32>(wk, w1 + 0x6ed9eba1, 132);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1); store<u32>(wk, w2 + 0x6ed9eba1, 136);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1); store<u32>(wk, w3 + 0x6ed9eba1, 140);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1); store<u32>(wk, w4 + 0x6ed9eba1, 144);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1); store<u32>(wk, w5 + 0x6ed9eba1, 148);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1); store<u32>(wk, w6 + 0x6ed9eba1, 152);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1); store<u32>(wk, w7 + 0x6ed9eba1, 156);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1); store<u32>(wk, w8 + 0x8f1bbcdc, 160);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1); store<u32>(wk, w9 + 0x8f1bbcdc, 164);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1); store<u32>(wk, w10 + 0x8f1bbcdc, 168);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1); store<u32>(wk, w11 + 0x8f1bbcdc, 172);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1); store<u32>(wk, w12 + 0x8f1bbcdc, 176);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1); store<u32>(wk, w13 + 0x8f1bbcdc, 180);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1); store<u32>(wk, w14 + 0x8f1bbcdc, 184);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1); store<u32>(wk, w15 + 0x8f1bbcdc, 188);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1); store<u32>(wk, w0 + 0x8f1bbcdc, 192);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1); store<u32>(wk, w1 + 0x8f1bbcdc, 196);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1); store<u32>(wk, w2 + 0x8f1bbcdc, 200);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1); store<u32>(wk, w3 + 0x8f1bbcdc, 204);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1); store<u32>(wk, w4 + 0x8f1bbcdc, 208);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1); store<u32>(wk, w5 + 0x8f1bbcdc, 212);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1); store<u32>(wk, w6 + 0x8f1bbcdc, 216);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1); store<u32>(wk, w7 + 0x8f1bbcdc, 220);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1); store<u32>(wk, w8 + 0x8f1bbcdc, 224);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1); store<u32>(wk, w9 + 0x8f1bbcdc, 228);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1); store<u32>(wk, w10 + 0x8f1bbcdc, 232);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1); store<u32>(wk, w11 + 0x8f1bbcdc, 236);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1); store<u32>(wk, w12 + 0xca62c1d6, 240);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1); store<u32>(wk, w13 + 0xca62c1d6, 244);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1); store<u32>(wk, w14 + 0xca62c1d6, 248);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1); store<u32>(wk, w15 + 0xca62c1d6, 252);
  w0 = rotl<u32>(w13 ^ w8 ^ w2 ^ w0, 1); store<u32>(wk, w0 + 0xca62c1d6, 256);
  w1 = rotl<u32>(w14 ^ w9 ^ w3 ^ w1, 1); store<u32>(wk, w1 + 0xca62c1d6, 260);
  w2 = rotl<u32>(w15 ^ w10 ^ w4 ^ w2, 1); store<u32>(wk, w2 + 0xca62c1d6, 264);
  w3 = rotl<u32>(w0 ^ w11 ^ w5 ^ w3, 1); store<u32>(wk, w3 + 0xca62c1d6, 268);
  w4 = rotl<u32>(w1 ^ w12 ^ w6 ^ w4, 1); store<u32>(wk, w4 + 0xca62c1d6, 272);
  w5 = rotl<u32>(w2 ^ w13 ^ w7 ^ w5, 1); store<u32>(wk, w5 + 0xca62c1d6, 276);
  w6 = rotl<u32>(w3 ^ w14 ^ w8 ^ w6, 1); store<u32>(wk, w6 + 0xca62c1d6, 280);
  w7 = rotl<u32>(w4 ^ w15 ^ w9 ^ w7, 1); store<u32>(wk, w7 + 0xca62c1d6, 284);
  w8 = rotl<u32>(w5 ^ w0 ^ w10 ^ w8, 1); store<u32>(wk, w8 + 0xca62c1d6, 288);
  w9 = rotl<u32>(w6 ^ w1 ^ w11 ^ w9, 1); store<u32>(wk, w9 + 0xca62c1d6, 292);
  w10 = rotl<u32>(w7 ^ w2 ^ w12 ^ w10, 1); store<u32>(wk, w10 + 0xca62c1d6, 296);
  w11 = rotl<u32>(w8 ^ w3 ^ w13 ^ w11, 1); store<u32>(wk, w11 + 0xca62c1d6, 300);
  w12 = rotl<u32>(w9 ^ w4 ^ w14 ^ w12, 1); store<u32>(wk, w12 + 0xca62c1d6, 304);
  w13 = rotl<u32>(w10 ^ w5 ^ w15 ^ w13, 1); store<u32>(wk, w13 + 0xca62c1d6, 308);
  w14 = rotl<u32>(w11 ^ w6 ^ w0 ^ w14, 1); store<u32>(wk, w14 + 0xca62c1d6, 312);
  w15 = rotl<u32>(w12 ^ w7 ^ w1 ^ w15, 1); store<u32>(wk, w15 + 0xca62c1d6, 316);

}

/** Same as sha1_compress, for a block whose schedule sha1_schedule computed. */
export function sha1_compress_wk(state: usize, wk: usize): void {
  let a = load<u32>(state, 0);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  let e = load<u32>(state, 16);
  e = ((e + load<u32>(wk, 0)) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 4)) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 8)) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 12)) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 16)) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 20)) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 24)) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 28)) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 32)) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 36)) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 40)) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 44)) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 48)) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 52)) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 56)) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 60)) + (d ^ (b & (c ^ d)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 64)) + (c ^ (a & (b ^ c)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 68)) + (b ^ (e & (a ^ b)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 72)) + (a ^ (d & (e ^ a)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 76)) + (e ^ (c & (d ^ e)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 80)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 84)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 88)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 92)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 96)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 100)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 104)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 108)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 112)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 116)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 120)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 124)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 128)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 132)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 136)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 140)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 144)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 148)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 152)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 156)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 160)) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 164)) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 168)) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 172)) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 176)) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 180)) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 184)) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 188)) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 192)) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 196)) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 200)) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 204)) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 208)) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 212)) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 216)) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 220)) + ((b & c) | (d & (b | c)))) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 224)) + ((a & b) | (c & (a | b)))) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 228)) + ((e & a) | (b & (e | a)))) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 232)) + ((d & e) | (a & (d | e)))) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 236)) + ((c & d) | (e & (c | d)))) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 240)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 244)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 248)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 252)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 256)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 260)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 264)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 268)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 272)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 276)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 280)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 284)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 288)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 292)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 296)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);
  e = ((e + load<u32>(wk, 300)) + (b ^ c ^ d)) + rotl<u32>(a, 5); b = rotl<u32>(b, 30);
  d = ((d + load<u32>(wk, 304)) + (a ^ b ^ c)) + rotl<u32>(e, 5); a = rotl<u32>(a, 30);
  c = ((c + load<u32>(wk, 308)) + (e ^ a ^ b)) + rotl<u32>(d, 5); e = rotl<u32>(e, 30);
  b = ((b + load<u32>(wk, 312)) + (d ^ e ^ a)) + rotl<u32>(c, 5); d = rotl<u32>(d, 30);
  a = ((a + load<u32>(wk, 316)) + (c ^ d ^ e)) + rotl<u32>(b, 5); c = rotl<u32>(c, 30);

  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
}

// Four-lane SHA-1 (one message per i32x4 lane) for the CGA modifier search,
// generated like the rounds above (see the note at the top).
/** Four SHA-1 compressions at once, one message per i32x4 lane. state: 5 v128
 *  (word i of the four chaining values at state + 16i); w: the 16 message words
 *  of the four blocks, already decoded from big-endian (word t of the four lanes
 *  at w + 16t). */
export function sha1x4_compress(state: usize, w: usize): void {
  let a = v128.load(state, 0);
  let b = v128.load(state, 16);
  let c = v128.load(state, 32);
  let d = v128.load(state, 48);
  let e = v128.load(state, 64);
  let w0 = v128.load(w, 0);
  let w1 = v128.load(w, 16);
  let w2 = v128.load(w, 32);
  let w3 = v128.load(w, 48);
  let w4 = v128.load(w, 64);
  let w5 = v128.load(w, 80);
  let w6 = v128.load(w, 96);
  let w7 = v128.load(w, 112);
  let w8 = v128.load(w, 128);
  let w9 = v128.load(w, 144);
  let w10 = v128.load(w, 160);
  let w11 = v128.load(w, 176);
  let w12 = v128.load(w, 192);
  let w13 = v128.load(w, 208);
  let w14 = v128.load(w, 224);
  let w15 = v128.load(w, 240);
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w0, i32x4.splat(0x5a827999))), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w1, i32x4.splat(0x5a827999))), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w2, i32x4.splat(0x5a827999))), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w3, i32x4.splat(0x5a827999))), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w4, i32x4.splat(0x5a827999))), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w5, i32x4.splat(0x5a827999))), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w6, i32x4.splat(0x5a827999))), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w7, i32x4.splat(0x5a827999))), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w8, i32x4.splat(0x5a827999))), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w9, i32x4.splat(0x5a827999))), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w10, i32x4.splat(0x5a827999))), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w11, i32x4.splat(0x5a827999))), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w12, i32x4.splat(0x5a827999))), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w13, i32x4.splat(0x5a827999))), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w14, i32x4.splat(0x5a827999))), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w15, i32x4.splat(0x5a827999))), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w0 = v128.or(i32x4.shl(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 1), i32x4.shr_u(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w0, i32x4.splat(0x5a827999))), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w1 = v128.or(i32x4.shl(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 1), i32x4.shr_u(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w1, i32x4.splat(0x5a827999))), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w2 = v128.or(i32x4.shl(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 1), i32x4.shr_u(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w2, i32x4.splat(0x5a827999))), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w3 = v128.or(i32x4.shl(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 1), i32x4.shr_u(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w3, i32x4.splat(0x5a827999))), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w4 = v128.or(i32x4.shl(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 1), i32x4.shr_u(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w4, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w5 = v128.or(i32x4.shl(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 1), i32x4.shr_u(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w5, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w6 = v128.or(i32x4.shl(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 1), i32x4.shr_u(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w6, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w7 = v128.or(i32x4.shl(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 1), i32x4.shr_u(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w7, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w8 = v128.or(i32x4.shl(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 1), i32x4.shr_u(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w8, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w9 = v128.or(i32x4.shl(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 1), i32x4.shr_u(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w9, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w10 = v128.or(i32x4.shl(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 1), i32x4.shr_u(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w10, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w11 = v128.or(i32x4.shl(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 1), i32x4.shr_u(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w11, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w12 = v128.or(i32x4.shl(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 1), i32x4.shr_u(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w12, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w13 = v128.or(i32x4.shl(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 1), i32x4.shr_u(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w13, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w14 = v128.or(i32x4.shl(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 1), i32x4.shr_u(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w14, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w15 = v128.or(i32x4.shl(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 1), i32x4.shr_u(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w15, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w0 = v128.or(i32x4.shl(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 1), i32x4.shr_u(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w0, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w1 = v128.or(i32x4.shl(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 1), i32x4.shr_u(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w1, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w2 = v128.or(i32x4.shl(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 1), i32x4.shr_u(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w2, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w3 = v128.or(i32x4.shl(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 1), i32x4.shr_u(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w3, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w4 = v128.or(i32x4.shl(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 1), i32x4.shr_u(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w4, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w5 = v128.or(i32x4.shl(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 1), i32x4.shr_u(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w5, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w6 = v128.or(i32x4.shl(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 1), i32x4.shr_u(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w6, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w7 = v128.or(i32x4.shl(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 1), i32x4.shr_u(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w7, i32x4.splat(0x6ed9eba1))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w8 = v128.or(i32x4.shl(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 1), i32x4.shr_u(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w8, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w9 = v128.or(i32x4.shl(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 1), i32x4.shr_u(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w9, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w10 = v128.or(i32x4.shl(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 1), i32x4.shr_u(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w10, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w11 = v128.or(i32x4.shl(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 1), i32x4.shr_u(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w11, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w12 = v128.or(i32x4.shl(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 1), i32x4.shr_u(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w12, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w13 = v128.or(i32x4.shl(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 1), i32x4.shr_u(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w13, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w14 = v128.or(i32x4.shl(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 1), i32x4.shr_u(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w14, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w15 = v128.or(i32x4.shl(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 1), i32x4.shr_u(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w15, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w0 = v128.or(i32x4.shl(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 1), i32x4.shr_u(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w0, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w1 = v128.or(i32x4.shl(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 1), i32x4.shr_u(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w1, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w2 = v128.or(i32x4.shl(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 1), i32x4.shr_u(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w2, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w3 = v128.or(i32x4.shl(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 1), i32x4.shr_u(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w3, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w4 = v128.or(i32x4.shl(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 1), i32x4.shr_u(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w4, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w5 = v128.or(i32x4.shl(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 1), i32x4.shr_u(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w5, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w6 = v128.or(i32x4.shl(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 1), i32x4.shr_u(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w6, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w7 = v128.or(i32x4.shl(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 1), i32x4.shr_u(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w7, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w8 = v128.or(i32x4.shl(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 1), i32x4.shr_u(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w8, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w9 = v128.or(i32x4.shl(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 1), i32x4.shr_u(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w9, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w10 = v128.or(i32x4.shl(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 1), i32x4.shr_u(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w10, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w11 = v128.or(i32x4.shl(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 1), i32x4.shr_u(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w11, i32x4.splat(0x8f1bbcdc))), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w12 = v128.or(i32x4.shl(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 1), i32x4.shr_u(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w12, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w13 = v128.or(i32x4.shl(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 1), i32x4.shr_u(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w13, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w14 = v128.or(i32x4.shl(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 1), i32x4.shr_u(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w14, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w15 = v128.or(i32x4.shl(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 1), i32x4.shr_u(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w15, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w0 = v128.or(i32x4.shl(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 1), i32x4.shr_u(v128.xor(v128.xor(w13, w8), v128.xor(w2, w0)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w0, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w1 = v128.or(i32x4.shl(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 1), i32x4.shr_u(v128.xor(v128.xor(w14, w9), v128.xor(w3, w1)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w1, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w2 = v128.or(i32x4.shl(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 1), i32x4.shr_u(v128.xor(v128.xor(w15, w10), v128.xor(w4, w2)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w2, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w3 = v128.or(i32x4.shl(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 1), i32x4.shr_u(v128.xor(v128.xor(w0, w11), v128.xor(w5, w3)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w3, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w4 = v128.or(i32x4.shl(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 1), i32x4.shr_u(v128.xor(v128.xor(w1, w12), v128.xor(w6, w4)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w4, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w5 = v128.or(i32x4.shl(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 1), i32x4.shr_u(v128.xor(v128.xor(w2, w13), v128.xor(w7, w5)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w5, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w6 = v128.or(i32x4.shl(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 1), i32x4.shr_u(v128.xor(v128.xor(w3, w14), v128.xor(w8, w6)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w6, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w7 = v128.or(i32x4.shl(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 1), i32x4.shr_u(v128.xor(v128.xor(w4, w15), v128.xor(w9, w7)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w7, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w8 = v128.or(i32x4.shl(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 1), i32x4.shr_u(v128.xor(v128.xor(w5, w0), v128.xor(w10, w8)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w8, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w9 = v128.or(i32x4.shl(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 1), i32x4.shr_u(v128.xor(v128.xor(w6, w1), v128.xor(w11, w9)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w9, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w10 = v128.or(i32x4.shl(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 1), i32x4.shr_u(v128.xor(v128.xor(w7, w2), v128.xor(w12, w10)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w10, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  w11 = v128.or(i32x4.shl(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 1), i32x4.shr_u(v128.xor(v128.xor(w8, w3), v128.xor(w13, w11)), 31));
  e = i32x4.add(i32x4.add(i32x4.add(e, i32x4.add(w11, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  w12 = v128.or(i32x4.shl(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 1), i32x4.shr_u(v128.xor(v128.xor(w9, w4), v128.xor(w14, w12)), 31));
  d = i32x4.add(i32x4.add(i32x4.add(d, i32x4.add(w12, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  w13 = v128.or(i32x4.shl(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 1), i32x4.shr_u(v128.xor(v128.xor(w10, w5), v128.xor(w15, w13)), 31));
  c = i32x4.add(i32x4.add(i32x4.add(c, i32x4.add(w13, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  w14 = v128.or(i32x4.shl(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 1), i32x4.shr_u(v128.xor(v128.xor(w11, w6), v128.xor(w0, w14)), 31));
  b = i32x4.add(i32x4.add(i32x4.add(b, i32x4.add(w14, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  w15 = v128.or(i32x4.shl(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 1), i32x4.shr_u(v128.xor(v128.xor(w12, w7), v128.xor(w1, w15)), 31));
  a = i32x4.add(i32x4.add(i32x4.add(a, i32x4.add(w15, i32x4.splat(0xca62c1d6))), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  v128.store(state, i32x4.add(v128.load(state, 0), a), 0);
  v128.store(state, i32x4.add(v128.load(state, 16), b), 16);
  v128.store(state, i32x4.add(v128.load(state, 32), c), 32);
  v128.store(state, i32x4.add(v128.load(state, 48), d), 48);
  v128.store(state, i32x4.add(v128.load(state, 64), e), 64);
}

/** Four SHA-1 compressions at once of the same block (its schedule W[t] + K[t]
 *  from sha1_schedule at wk) into four chaining values (layout of sha1x4_compress). */
export function sha1x4_compress_wk(state: usize, wk: usize): void {
  let a = v128.load(state, 0);
  let b = v128.load(state, 16);
  let c = v128.load(state, 32);
  let d = v128.load(state, 48);
  let e = v128.load(state, 64);
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 0)), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 4)), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 8)), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 12)), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 16)), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 20)), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 24)), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 28)), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 32)), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 36)), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 40)), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 44)), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 48)), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 52)), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 56)), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 60)), v128.xor(d, v128.and(b, v128.xor(c, d)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 64)), v128.xor(c, v128.and(a, v128.xor(b, c)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 68)), v128.xor(b, v128.and(e, v128.xor(a, b)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 72)), v128.xor(a, v128.and(d, v128.xor(e, a)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 76)), v128.xor(e, v128.and(c, v128.xor(d, e)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 80)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 84)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 88)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 92)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 96)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 100)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 104)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 108)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 112)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 116)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 120)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 124)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 128)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 132)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 136)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 140)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 144)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 148)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 152)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 156)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 160)), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 164)), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 168)), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 172)), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 176)), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 180)), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 184)), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 188)), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 192)), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 196)), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 200)), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 204)), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 208)), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 212)), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 216)), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 220)), v128.or(v128.and(b, c), v128.and(d, v128.or(b, c)))), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 224)), v128.or(v128.and(a, b), v128.and(c, v128.or(a, b)))), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 228)), v128.or(v128.and(e, a), v128.and(b, v128.or(e, a)))), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 232)), v128.or(v128.and(d, e), v128.and(a, v128.or(d, e)))), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 236)), v128.or(v128.and(c, d), v128.and(e, v128.or(c, d)))), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 240)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 244)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 248)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 252)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 256)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 260)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 264)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 268)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 272)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 276)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 280)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 284)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 288)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 292)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 296)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  e = i32x4.add(i32x4.add(i32x4.add(e, v128.load32_splat(wk, 300)), v128.xor(v128.xor(b, c), d)), v128.or(i32x4.shl(a, 5), i32x4.shr_u(a, 27))); b = v128.or(i32x4.shl(b, 30), i32x4.shr_u(b, 2));
  d = i32x4.add(i32x4.add(i32x4.add(d, v128.load32_splat(wk, 304)), v128.xor(v128.xor(a, b), c)), v128.or(i32x4.shl(e, 5), i32x4.shr_u(e, 27))); a = v128.or(i32x4.shl(a, 30), i32x4.shr_u(a, 2));
  c = i32x4.add(i32x4.add(i32x4.add(c, v128.load32_splat(wk, 308)), v128.xor(v128.xor(e, a), b)), v128.or(i32x4.shl(d, 5), i32x4.shr_u(d, 27))); e = v128.or(i32x4.shl(e, 30), i32x4.shr_u(e, 2));
  b = i32x4.add(i32x4.add(i32x4.add(b, v128.load32_splat(wk, 312)), v128.xor(v128.xor(d, e), a)), v128.or(i32x4.shl(c, 5), i32x4.shr_u(c, 27))); d = v128.or(i32x4.shl(d, 30), i32x4.shr_u(d, 2));
  a = i32x4.add(i32x4.add(i32x4.add(a, v128.load32_splat(wk, 316)), v128.xor(v128.xor(c, d), e)), v128.or(i32x4.shl(b, 5), i32x4.shr_u(b, 27))); c = v128.or(i32x4.shl(c, 30), i32x4.shr_u(c, 2));
  v128.store(state, i32x4.add(v128.load(state, 0), a), 0);
  v128.store(state, i32x4.add(v128.load(state, 16), b), 16);
  v128.store(state, i32x4.add(v128.load(state, 32), c), 32);
  v128.store(state, i32x4.add(v128.load(state, 48), d), 48);
  v128.store(state, i32x4.add(v128.load(state, 64), e), 64);
}

const ONESHOT_STATE: usize = memory.data(32, 16);
const ONESHOT_TAIL: usize = memory.data(128, 16);

/** Pads the last (len & 63) bytes at tail, whose message totals `total` bytes, and
 *  compresses the one or two final blocks. */
function sha1_pad_final(state: usize, tail: usize, rem: usize, total: u64, scratch: usize): void {
  if (scratch != tail && rem > 0) memory.copy(scratch, tail, rem);
  store<u8>(scratch + rem, 0x80);
  const blocks: usize = rem < 56 ? 64 : 128;
  memory.fill(scratch + rem + 1, 0, blocks - 8 - rem - 1);
  store64_be(scratch + blocks - 8, total << 3);
  sha1_compress(state, scratch);
  if (blocks == 128) sha1_compress(state, scratch + 64);
}

/** One-shot SHA-1 of len bytes at data; 20-byte digest to out (may alias data). */
export function sha1(data: usize, len: usize, out: usize): void {
  const st = ONESHOT_STATE;
  sha1_init(st);
  const full = len & ~(<usize>63);
  for (let off: usize = 0; off < full; off += 64) sha1_compress(st, data + off);
  sha1_pad_final(st, data + full, len - full, <u64>len, ONESHOT_TAIL);
  sha1_output(st, out);
}

/** Streaming SHA-1. Allocate once and reuse: reset/update/final never allocate.
 *  final() writes the digest and resets the object. */
export class Sha1 {
  /** 32 bytes of chaining state then a 128-byte block buffer (allocated once). */
  private st: usize;
  private buf: usize;
  private fill: usize = 0;
  private total: u64 = 0;

  constructor() {
    this.st = heap.alloc(160);
    this.buf = this.st + 32;
    sha1_init(this.st);
  }

  reset(): void {
    sha1_init(this.st);
    this.fill = 0;
    this.total = 0;
  }

  /** Continues from a saved chaining state (5 native u32) after `count` bytes,
   *  a multiple of 64 (HMAC starts from its precomputed pad states). */
  resume(state: usize, count: u64): void {
    memory.copy(this.st, state, 20);
    this.fill = 0;
    this.total = count;
  }

  update(p: usize, len: usize): void {
    if (len == 0) return;
    this.total += <u64>len;
    const st = this.st, buf = this.buf;
    let fill = this.fill;
    if (fill > 0) {
      let take: usize = 64 - fill;
      if (take > len) take = len;
      memory.copy(buf + fill, p, take);
      fill += take;
      p += take;
      len -= take;
      if (fill < 64) { this.fill = fill; return; }
      sha1_compress(st, buf);
      fill = 0;
    }
    while (len >= 64) {
      sha1_compress(st, p);
      p += 64;
      len -= 64;
    }
    if (len > 0) memory.copy(buf, p, len);
    this.fill = len;
  }

  final(out: usize): void {
    sha1_pad_final(this.st, this.buf, this.fill, this.total, this.buf);
    sha1_output(this.st, out);
    this.reset();
  }
}
