// RSA public-key operations (RFC 8017) for moduli of 1024..4096 bits:
// RSASSA-PKCS1-v1_5 verification with SHA-1 and RSAES-PKCS1-v1_5 encryption.
// Private keys never enter the module.
//
// Verification does not parse the recovered block: it rebuilds the whole expected
// encoding EM' = 00 01 FF..FF 00 || DigestInfo(SHA-1) || H (RFC 8017 9.2, with
// the NULL parameters) and compares all k bytes in constant time, so garbage
// after the digest (the Bleichenbacher 2006 forgery on e = 3) cannot pass.
//
// Moduli and exponents are big-endian unsigned byte strings; leading zero bytes
// are allowed and ignored. k is the length of n in octets.

import { ct_equal } from "./ct";
import { random_fill } from "../random";
import { BN_MAX_BYTES, bn_mont_setup, bn_from_be, bn_to_be, bn_cmp, bn_mod_exp, bn_modulus, be_strip, be_bitlen } from "./bignum";

export const RSA_OK: i32 = 0;
/** The modulus is not 1024..4096 bits long. */
export const RSA_ERR_MODULUS_SIZE: i32 = -1;
/** The modulus is even. */
export const RSA_ERR_MODULUS_EVEN: i32 = -2;
/** The exponent is even, <= 1, or larger than the modulus. */
export const RSA_ERR_EXPONENT: i32 = -3;
/** The signature is not exactly k bytes long. */
export const RSA_ERR_SIG_LENGTH: i32 = -4;
/** The signature, as a number, is not below the modulus. */
export const RSA_ERR_SIG_RANGE: i32 = -5;
/** The recovered encoding is not the expected one: a bad signature. */
export const RSA_ERR_BAD_SIGNATURE: i32 = -6;
/** The message is longer than k - 11 bytes. */
export const RSA_ERR_MESSAGE_LENGTH: i32 = -7;
/** random_get failed. */
export const RSA_ERR_RANDOM: i32 = -8;

export const RSA_MIN_BITS: u32 = 1024;
export const RSA_MAX_BITS: u32 = 4096;

/** DigestInfo prefix for SHA-1 (RFC 8017 9.2 note 1), followed by the 20-byte hash. */
const DIGEST_INFO_SHA1: usize = memory.data<u8>([
  0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
]);
const DIGEST_INFO_LEN: u32 = 15;

const BUF: i32 = <i32>BN_MAX_BYTES + 16;
const RSA_IN: usize = memory.data(BUF, 16); // input as limbs
const RSA_OUT: usize = memory.data(BUF, 16); // result as limbs
const RSA_EM: usize = memory.data(BUF, 16); // recovered encoding, k bytes
const RSA_EXPECT: usize = memory.data(BUF, 16); // expected encoding, k bytes

// The checked key, set by rsa_key.
let keyMod: usize = 0;
let keyLen: u32 = 0; // k
let keyExp: usize = 0;
let keyExpLen: u32 = 0;
let keyLimbs: u32 = 0;

/** Checks the key and prepares the Montgomery context; RSA_OK or an error code. */
function rsa_key(mod: usize, modLen: u32, exp: usize, expLen: u32): i32 {
  const mz = <u32>be_strip(mod, modLen);
  const m = mod + mz;
  const mLen = modLen - mz;
  const bits = be_bitlen(m, mLen);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return RSA_ERR_MODULUS_SIZE;
  if ((load<u8>(m + mLen - 1) & 1) == 0) return RSA_ERR_MODULUS_EVEN;
  const ez = <u32>be_strip(exp, expLen);
  const e = exp + ez;
  const eLen = expLen - ez;
  if (eLen == 0 || (load<u8>(e + eLen - 1) & 1) == 0) return RSA_ERR_EXPONENT;
  if (eLen == 1 && load<u8>(e) == 1) return RSA_ERR_EXPONENT;
  if (eLen > mLen) return RSA_ERR_EXPONENT;
  if (eLen == mLen && memory.compare(e, m, eLen) > 0) return RSA_ERR_EXPONENT;
  const k = bn_mont_setup(m, mLen);
  if (k == 0) return RSA_ERR_MODULUS_SIZE;
  keyMod = m;
  keyLen = mLen;
  keyExp = e;
  keyExpLen = eLen;
  keyLimbs = k;
  return RSA_OK;
}

/** out (k bytes) = in^e mod n for the key of the last rsa_key; in is k bytes.
 *  RSA_ERR_SIG_RANGE when in >= n. */
function rsa_public_k(input: usize, out: usize): i32 {
  const k = keyLimbs;
  bn_from_be(RSA_IN, input, keyLen, k);
  if (bn_cmp(RSA_IN, bn_modulus(), k) >= 0) return RSA_ERR_SIG_RANGE;
  bn_mod_exp(RSA_OUT, RSA_IN, keyExp, keyExpLen, k);
  bn_to_be(out, keyLen, RSA_OUT, k);
  return RSA_OK;
}

/**
 * The raw public operation: out (k bytes) = input^e mod n, where input is exactly
 * k bytes (k = modulus length without leading zeros) and below n.
 */
export function rsa_public(mod: usize, modLen: u32, exp: usize, expLen: u32, input: usize, inLen: u32, out: usize): i32 {
  const r = rsa_key(mod, modLen, exp, expLen);
  if (r != RSA_OK) return r;
  if (inLen != keyLen) return RSA_ERR_SIG_LENGTH;
  return rsa_public_k(input, out);
}

/**
 * RSASSA-PKCS1-v1_5 verification with SHA-1 (RFC 8017 8.2.2): 0 when sig is a
 * valid signature of the 20-byte digest under (mod, exp), a negative code otherwise.
 */
export function rsa_verify_pkcs1_sha1(mod: usize, modLen: u32, exp: usize, expLen: u32, digest: usize, sig: usize, sigLen: u32): i32 {
  let r = rsa_key(mod, modLen, exp, expLen);
  if (r != RSA_OK) return r;
  const k = keyLen;
  if (sigLen != k) return RSA_ERR_SIG_LENGTH;
  r = rsa_public_k(sig, RSA_EM);
  if (r != RSA_OK) return r;
  // EM' = 0x00 0x01 PS(0xff, k - 3 - 35 bytes) 0x00 DigestInfo H
  const em = RSA_EXPECT;
  const tLen = DIGEST_INFO_LEN + 20;
  store<u8>(em, 0);
  store<u8>(em + 1, 1);
  memory.fill(em + 2, 0xff, k - 3 - tLen);
  store<u8>(em + k - tLen - 1, 0);
  memory.copy(em + k - tLen, DIGEST_INFO_SHA1, DIGEST_INFO_LEN);
  memory.copy(em + k - 20, digest, 20);
  return ct_equal(RSA_EM, em, k) ? RSA_OK : RSA_ERR_BAD_SIGNATURE;
}

/**
 * RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1): out (k bytes) = (00 02 PS 00 M)^e
 * mod n with PS of k - mLen - 3 >= 8 non-zero random bytes from random_get.
 */
export function rsa_encrypt_pkcs1(mod: usize, modLen: u32, exp: usize, expLen: u32, msg: usize, msgLen: u32, out: usize): i32 {
  const r = rsa_key(mod, modLen, exp, expLen);
  if (r != RSA_OK) return r;
  const k = keyLen;
  if (msgLen > k - 11) return RSA_ERR_MESSAGE_LENGTH;
  const em = RSA_EM;
  const psLen = k - msgLen - 3;
  const ps = em + 2;
  store<u8>(em, 0);
  store<u8>(em + 1, 2);
  if (!random_fill(ps, psLen)) return RSA_ERR_RANDOM;
  // replace zero bytes with fresh non-zero ones, drawing a block at a time
  const pool = RSA_EXPECT;
  let poolLen: u32 = 0, poolPos: u32 = 0, draws = 0;
  for (let i: u32 = 0; i < psLen; i++) {
    while (load<u8>(ps + i) == 0) {
      if (poolPos == poolLen) {
        if (++draws > 64) return RSA_ERR_RANDOM; // a random source stuck on zeros
        poolLen = 64;
        poolPos = 0;
        if (!random_fill(pool, poolLen)) return RSA_ERR_RANDOM;
      }
      store<u8>(ps + i, load<u8>(pool + poolPos++));
    }
  }
  memory.fill(pool, 0, 64);
  store<u8>(em + 2 + psLen, 0);
  memory.copy(em + 3 + psLen, msg, msgLen);
  // 00 02 ... < n since n has k bytes with a non-zero top byte
  const res = rsa_public_k(em, out);
  memory.fill(em, 0, k);
  return res;
}
