// Numeric exports of the crypto primitives for the host (host/core/crypto.ts),
// the differential tests and the benchmarks. Return codes are those of rsa.ts:
// 0 = ok, negative = error (RSA_ERR_*).

import { sha1, SHA1_LEN } from "./sha1";
import { hmac_sha1 } from "./hmac";
import { ct_equal } from "./ct";
import { rsa_verify_pkcs1_sha1, rsa_encrypt_pkcs1, rsa_public } from "./rsa";

const MSG_DIGEST: usize = memory.data(32, 16);

/** SHA-1 of len bytes at p; 20 bytes to out. */
export function sha1_digest(p: usize, len: usize, out: usize): void {
  sha1(p, len, out);
}

/** Hashes count messages of len bytes, the i-th at p + i*stride, writing the i-th
 *  digest to out + 20*i (benchmarks: in-module throughput without call overhead). */
export function sha1_digest_many(p: usize, len: usize, stride: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) sha1(p + <usize>i * stride, len, out + <usize>i * SHA1_LEN);
}

/** HMAC-SHA1 of data under key; 20 bytes to out. */
export function hmac_sha1_digest(key: usize, keyLen: usize, data: usize, dataLen: usize, out: usize): void {
  hmac_sha1(key, keyLen, data, dataLen, out);
}

/** 1 when len bytes at a and b are equal (constant time), 0 otherwise. */
export function ct_equal_bytes(a: usize, b: usize, len: usize): u32 {
  return ct_equal(a, b, len) ? 1 : 0;
}

/** RSASSA-PKCS1-v1_5 / SHA-1 verification of a 20-byte digest. */
export function rsa_verify(mod: usize, modLen: u32, exp: usize, expLen: u32, digest: usize, sig: usize, sigLen: u32): i32 {
  return rsa_verify_pkcs1_sha1(mod, modLen, exp, expLen, digest, sig, sigLen);
}

/** Same, hashing msgLen bytes at msg first (what crypto.verify('sha1', ...) does). */
export function rsa_verify_message(mod: usize, modLen: u32, exp: usize, expLen: u32, msg: usize, msgLen: u32, sig: usize, sigLen: u32): i32 {
  sha1(msg, msgLen, MSG_DIGEST);
  return rsa_verify_pkcs1_sha1(mod, modLen, exp, expLen, MSG_DIGEST, sig, sigLen);
}

/** RSAES-PKCS1-v1_5 encryption; k bytes (modulus length) to out. */
export function rsa_encrypt(mod: usize, modLen: u32, exp: usize, expLen: u32, msg: usize, msgLen: u32, out: usize): i32 {
  return rsa_encrypt_pkcs1(mod, modLen, exp, expLen, msg, msgLen, out);
}

/** Raw public operation input^e mod n (input exactly k bytes and below n). */
export function rsa_public_raw(mod: usize, modLen: u32, exp: usize, expLen: u32, input: usize, inLen: u32, out: usize): i32 {
  return rsa_public(mod, modLen, exp, expLen, input, inLen, out);
}
