// A strict DER reader for one thing only: an RSA SubjectPublicKeyInfo (RFC 5280
// §4.1, RFC 8017 Appendix A.1.1), as carried in CGA Parameters (RFC 3972 §3).
//
//   SEQUENCE {                                   30 L
//     SEQUENCE { OID 1.2.840.113549.1.1.1,       30 0d 06 09 2a864886f70d010101
//                NULL }                          05 00
//     BIT STRING { 0 unused bits,                03 L 00
//       SEQUENCE { INTEGER n, INTEGER e } }      30 L 02 L n 02 L e
//   }
//
// Definite, minimal lengths only (short form below 128, long form 81/82 with no
// leading zero byte and a value that needs it); every length is checked against its
// container; nothing may trail inside any container. INTEGERs are minimal and
// positive. The modulus is odd and 1024..4096 bits; the exponent odd, > 1 and at
// most 32 bits (a bound on verification cost; OpenSSL and node:crypto use 65537).
//
// Never reads outside [p, p + avail). Results go to module globals, read through
// the der_* accessors below; pointers point into the input (no copies).

import { load8 } from "../wire/bytes";

export const DER_OK: i32 = 0;
/** A length runs past its container or past the input. */
export const DER_TRUNCATED: i32 = 1;
/** An unexpected tag. */
export const DER_BAD_TAG: i32 = 2;
/** Indefinite, non-minimal or over-long length encoding. */
export const DER_BAD_LENGTH: i32 = 3;
/** Bytes left over inside a container (or after the key, for der_spki_parse). */
export const DER_TRAILING: i32 = 4;
/** The algorithm is not rsaEncryption. */
export const DER_BAD_ALGORITHM: i32 = 5;
/** rsaEncryption parameters are not NULL. */
export const DER_BAD_PARAMS: i32 = 6;
/** BIT STRING with unused bits, or empty. */
export const DER_BAD_BITSTRING: i32 = 7;
/** An INTEGER that is empty, negative or not minimal. */
export const DER_BAD_INTEGER: i32 = 8;
/** Modulus not 1024..4096 bits, or even. */
export const DER_BAD_MODULUS: i32 = 9;
/** Exponent even, <= 1, or longer than 32 bits. */
export const DER_BAD_EXPONENT: i32 = 10;

export const RSA_MIN_BITS: u32 = 1024;
export const RSA_MAX_BITS: u32 = 4096;
export const RSA_MAX_EXP_BYTES: u32 = 4;

// rsaEncryption: 06 09 2a 86 48 86 f7 0d 01 01 01, then NULL 05 00.
const ALG_ID_BODY: usize = memory.data<u8>([
  0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]);
const ALG_ID_BODY_LEN: usize = 13;

// Results of the last successful parse.
let spkiLen: usize = 0;
let modPtr: usize = 0;
let modLen: u32 = 0;
let expPtr: usize = 0;
let expLen: u32 = 0;
let modBits: u32 = 0;

/** Total bytes of the SPKI (outer SEQUENCE with its header). */
@inline export function der_spki_len(): usize { return spkiLen; }
/** Modulus, big-endian, without a leading sign byte. */
@inline export function der_mod_ptr(): usize { return modPtr; }
@inline export function der_mod_len(): u32 { return modLen; }
/** Public exponent, big-endian, minimal. */
@inline export function der_exp_ptr(): usize { return expPtr; }
@inline export function der_exp_len(): u32 { return expLen; }
@inline export function der_mod_bits(): u32 { return modBits; }

// Header reader state: after read_header, hdrLen = bytes of tag + length, bodyLen = value length.
let hdrLen: usize = 0;
let bodyLen: usize = 0;

/** Reads the tag and length at p (avail bytes available); checks the body fits. */
function read_header(p: usize, avail: usize, tag: u32): i32 {
  if (avail < 2) return DER_TRUNCATED;
  if (load8(p) != tag) return DER_BAD_TAG;
  const first = load8(p + 1);
  let len: usize;
  let h: usize;
  if (first < 0x80) {
    len = <usize>first;
    h = 2;
  } else if (first == 0x81) {
    if (avail < 3) return DER_TRUNCATED;
    len = <usize>load8(p + 2);
    if (len < 0x80) return DER_BAD_LENGTH; // short form was required
    h = 3;
  } else if (first == 0x82) {
    if (avail < 4) return DER_TRUNCATED;
    len = (<usize>load8(p + 2) << 8) | <usize>load8(p + 3);
    if (len < 0x100) return DER_BAD_LENGTH; // 81 form (or short form) was required
    h = 4;
  } else {
    // 0x80 is indefinite (BER only); 0x83+ would mean >= 64 KiB, never an RSA key here.
    return DER_BAD_LENGTH;
  }
  if (len > avail - h) return DER_TRUNCATED;
  hdrLen = h;
  bodyLen = len;
  return DER_OK;
}

/** Checks a positive, minimal INTEGER body of n bytes at p (n >= 1). Returns the
 *  offset of its first significant byte past a sign byte (0 or 1), or -1. */
function integer_start(p: usize, n: usize): i32 {
  if (n == 0) return -1;
  const b0 = load8(p);
  if (b0 & 0x80) return -1; // negative
  if (b0 == 0) {
    if (n == 1) return 1; // the value zero: minimal, caller rejects it by size
    if ((load8(p + 1) & 0x80) == 0) return -1; // a needless leading zero
    return 1;
  }
  return 0;
}

/**
 * Parses an RSA SPKI at the start of [p, p + avail); bytes after it are allowed
 * (in CGA Parameters, extension fields follow). On DER_OK the accessors above
 * describe the key.
 */
export function der_spki_parse_prefix(p: usize, avail: usize): i32 {
  spkiLen = 0;
  modPtr = 0; modLen = 0; expPtr = 0; expLen = 0; modBits = 0;
  // SubjectPublicKeyInfo
  let st = read_header(p, avail, 0x30);
  if (st != DER_OK) return st;
  const total = hdrLen + bodyLen;
  let q = p + hdrLen;
  let end = q + bodyLen;
  // AlgorithmIdentifier
  st = read_header(q, end - q, 0x30);
  if (st != DER_OK) return st;
  const algBody = q + hdrLen;
  const algLen = bodyLen;
  if (algLen < 11) {
    return algLen >= 2 && load8(algBody) == 0x06 ? DER_BAD_ALGORITHM : DER_BAD_TAG;
  }
  // OID (tag, length and value must be exactly rsaEncryption's)
  for (let i: usize = 0; i < 11; i++) {
    if (load8(algBody + i) != load8(ALG_ID_BODY + i)) {
      return i == 0 ? DER_BAD_TAG : DER_BAD_ALGORITHM;
    }
  }
  // parameters: exactly NULL, and nothing after it
  if (algLen != ALG_ID_BODY_LEN) {
    return algLen < ALG_ID_BODY_LEN ? DER_BAD_PARAMS : (load8(algBody + 11) == 0x05 && load8(algBody + 12) == 0x00 ? DER_TRAILING : DER_BAD_PARAMS);
  }
  if (load8(algBody + 11) != 0x05 || load8(algBody + 12) != 0x00) return DER_BAD_PARAMS;
  q = algBody + algLen;
  // subjectPublicKey BIT STRING
  st = read_header(q, end - q, 0x03);
  if (st != DER_OK) return st;
  if (q + hdrLen + bodyLen != end) return DER_TRAILING;
  if (bodyLen < 1 || load8(q + hdrLen) != 0) return DER_BAD_BITSTRING;
  q += hdrLen + 1;
  // RSAPublicKey
  st = read_header(q, end - q, 0x30);
  if (st != DER_OK) return st;
  if (q + hdrLen + bodyLen != end) return DER_TRAILING;
  q += hdrLen;
  // modulus
  st = read_header(q, end - q, 0x02);
  if (st != DER_OK) return st;
  let body = q + hdrLen;
  let n = bodyLen;
  let skip = integer_start(body, n);
  if (skip < 0) return DER_BAD_INTEGER;
  const mPtr = body + <usize>skip;
  const mLen = n - <usize>skip;
  q = body + n;
  // publicExponent
  st = read_header(q, end - q, 0x02);
  if (st != DER_OK) return st;
  body = q + hdrLen;
  n = bodyLen;
  skip = integer_start(body, n);
  if (skip < 0) return DER_BAD_INTEGER;
  const ePtr = body + <usize>skip;
  const eLen = n - <usize>skip;
  if (body + n != end) return DER_TRAILING;
  // modulus: odd, 1024..4096 bits
  if (mLen == 0 || mLen > (RSA_MAX_BITS >> 3)) return DER_BAD_MODULUS;
  const bits = <u32>(mLen << 3) - <u32>clz<u32>(load8(mPtr)) + 24;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return DER_BAD_MODULUS;
  if ((load8(mPtr + mLen - 1) & 1) == 0) return DER_BAD_MODULUS;
  // exponent: odd, > 1, at most 32 bits
  if (eLen == 0 || eLen > RSA_MAX_EXP_BYTES) return DER_BAD_EXPONENT;
  if ((load8(ePtr + eLen - 1) & 1) == 0) return DER_BAD_EXPONENT;
  if (eLen == 1 && load8(ePtr) == 1) return DER_BAD_EXPONENT;
  spkiLen = total;
  modPtr = mPtr; modLen = <u32>mLen; modBits = bits;
  expPtr = ePtr; expLen = <u32>eLen;
  return DER_OK;
}

/** Parses an RSA SPKI that must fill [p, p + len) exactly. */
export function der_spki_parse(p: usize, len: usize): i32 {
  const st = der_spki_parse_prefix(p, len);
  if (st != DER_OK) return st;
  if (spkiLen != len) {
    spkiLen = 0; modPtr = 0; modLen = 0; expPtr = 0; expLen = 0; modBits = 0;
    return DER_TRAILING;
  }
  return DER_OK;
}
