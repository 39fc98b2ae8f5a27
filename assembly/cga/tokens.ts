// Keyed tokens of the FAMA profile (docs/PROTOCOL.md §2.1, §2.4):
//
//   care-of keygen token = first 64 bits of HMAC_SHA1(Kdar, CoA(16) | nonce(8) | 0x01)
//   Kbm                  = SHA1(home part(8) | care-of part(8))     home: PHKT or 8 zeros
//                                                                  care-of: token or 8 zeros
//   Kbm (phkt dereg.)    = SHA1(PHKT)
//   authenticator        = first 96 bits of HMAC_SHA1(Kbm, CoA | anchor | MH bytes)
//   signed-data digest   = SHA1(CGA tag | CoA | anchor | MH bytes)      (cga mode)
//
// MH bytes are hashed as if the Checksum field (MH offset 4, 2 bytes) were zero:
// the bytes before and after it are hashed with two zero bytes in between, so the
// functions work on a received or half-built packet in place, without copies.
// Every function takes pointers into the caller's buffers; none allocates (the
// hashers are created once, when the module initialises).

import { Sha1, sha1 } from "./sha1";
import { HmacSha1 } from "./hmac";
import { ct_equal } from "./ct";
import { rsa_verify_pkcs1_sha1 } from "./rsa";

export const KEYGEN_TOKEN_LEN: u32 = 8;
export const KBM_LEN: u32 = 20;
export const AUTHENTICATOR_LEN: u32 = 12;
/** Offset of the Checksum field in a Mobility Header. */
export const MH_CHECKSUM_OFFSET: usize = 4;

/** The CGA Message Type tag of RFC 4866 used for every signature (PROTOCOL.md §2.6). */
const CGA_TAG: usize = memory.data<u8>([
  0x5f, 0x27, 0x05, 0x86, 0x8d, 0x6c, 0x4c, 0x56, 0xa2, 0x46, 0x9e, 0xbb, 0x9b, 0x2a, 0x2e, 0x13,
]);
const ZEROS: usize = memory.data(16, 16);
const ONE: usize = memory.data<u8>([0x01]);
const TMP: usize = memory.data(32, 16);
const KBM_IN: usize = memory.data(16, 16);

// Created when the module initialises (configuration time), never on the packet path.
const hmacObj = new HmacSha1();
const shaObj = new Sha1();

/** Care-of keygen token (8 bytes to out) for the 16-byte CoA and 8-byte nonce, under the 20-byte Kdar. */
export function tok_careof_keygen(kdar: usize, coa: usize, nonce: usize, out: usize): void {
  const h = hmacObj;
  h.start(kdar, 20);
  h.update(coa, 16);
  h.update(nonce, 8);
  h.update(ONE, 1);
  h.final(TMP);
  store<u64>(out, load<u64>(TMP));
}

/** Whether the 8-byte token at `token` equals the one for (Kdar, CoA, nonce); constant time. */
export function tok_careof_keygen_check(kdar: usize, coa: usize, nonce: usize, token: usize): bool {
  tok_careof_keygen(kdar, coa, nonce, TMP + 24);
  return ct_equal(TMP + 24, token, KEYGEN_TOKEN_LEN);
}

/** Kbm = SHA1(home part | care-of part), 20 bytes to out. A zero pointer stands for 8
 *  zero bytes (home: cga mode; care-of: no care-of test). */
export function tok_kbm(homePart: usize, careOfPart: usize, out: usize): void {
  store<u64>(KBM_IN, homePart != 0 ? load<u64>(homePart) : 0);
  store<u64>(KBM_IN + 8, careOfPart != 0 ? load<u64>(careOfPart) : 0);
  sha1(KBM_IN, 16, out);
  store<u64>(KBM_IN, 0);
}

/** Kbm for a phkt-mode deregistration: SHA1(PHKT), 20 bytes to out. */
export function tok_kbm_dereg(phkt: usize, out: usize): void {
  sha1(phkt, 8, out);
}

/** Feeds MH bytes [0, len) to a hasher with the Checksum field taken as zero. */
@inline function feed_mh<T>(h: T, mh: usize, len: usize): void {
  if (len <= MH_CHECKSUM_OFFSET) {
    h.update(mh, len);
    return;
  }
  h.update(mh, MH_CHECKSUM_OFFSET);
  const after = MH_CHECKSUM_OFFSET + 2;
  if (len <= after) {
    h.update(ZEROS, len - MH_CHECKSUM_OFFSET);
    return;
  }
  h.update(ZEROS, 2);
  h.update(mh + after, len - after);
}

// The authenticator's HMAC keeps its key: a phkt-mode BU and the BA that answers it are
// authenticated under the same Kbm, so the second skips the two key-pad compressions. The
// comparison is constant time; what timing can tell is only whether two consecutive
// authenticators share a key, which the message exchange itself shows.
const authHmac = new HmacSha1();
const authKey: usize = memory.data(<i32>KBM_LEN, 16);
let authKeyed = false;

function authenticator_hmac(kbm: usize): HmacSha1 {
  if (!authKeyed || !ct_equal(authKey, kbm, KBM_LEN)) {
    authHmac.start(kbm, KBM_LEN);
    memory.copy(authKey, kbm, KBM_LEN);
    authKeyed = true;
  }
  return authHmac;
}

/**
 * The BAD authenticator (12 bytes to out) under the 20-byte Kbm, over
 * CoA | anchor | mh[0, authOffset) with the checksum taken as zero; authOffset is where
 * the 12 authenticator bytes start (the BAD option is last: MH length - 12). Returns 0,
 * or -1 when authOffset is too small to hold an MH header.
 */
export function tok_authenticator(kbm: usize, coa: usize, anchor: usize, mh: usize, authOffset: usize, out: usize): i32 {
  if (authOffset < MH_CHECKSUM_OFFSET + 2) return -1;
  const h = authenticator_hmac(kbm);
  h.update(coa, 16);
  h.update(anchor, 16);
  feed_mh<HmacSha1>(h, mh, authOffset);
  h.final(TMP);
  memory.copy(out, TMP, AUTHENTICATOR_LEN);
  return 0;
}

/** Whether the 12 bytes at mh + authOffset are the right authenticator; constant time. */
export function tok_authenticator_check(kbm: usize, coa: usize, anchor: usize, mh: usize, authOffset: usize): bool {
  if (tok_authenticator(kbm, coa, anchor, mh, authOffset, TMP) != 0) return false;
  return ct_equal(TMP, mh + authOffset, AUTHENTICATOR_LEN);
}

/**
 * The SHA-1 digest the cga-mode Signature covers (20 bytes to out): tag | CoA | anchor
 * | mh[0, signedLen), checksum taken as zero; signedLen runs to the end of the last
 * CGA Parameters option. Returns 0, or -1 when signedLen is too small.
 */
export function tok_sign_digest(coa: usize, anchor: usize, mh: usize, signedLen: usize, out: usize): i32 {
  if (signedLen < MH_CHECKSUM_OFFSET + 2) return -1;
  const h = shaObj;
  h.reset();
  h.update(CGA_TAG, 16);
  h.update(coa, 16);
  h.update(anchor, 16);
  feed_mh<Sha1>(h, mh, signedLen);
  h.final(out);
  return 0;
}

/**
 * Verifies a cga-mode Signature (RSASSA-PKCS1-v1_5, SHA-1) over the signed data of
 * tok_sign_digest with the public key (big-endian modulus and exponent, e.g. where
 * cga_verify found them). Returns 0 when valid, -1 for a bad signedLen, or rsa.ts's
 * nonzero code.
 */
export function tok_signature_verify(
  coa: usize, anchor: usize, mh: usize, signedLen: usize,
  mod: usize, modLen: u32, exp: usize, expLen: u32, sig: usize, sigLen: u32,
): i32 {
  if (tok_sign_digest(coa, anchor, mh, signedLen, TMP) != 0) return -1;
  return rsa_verify_pkcs1_sha1(mod, modLen, exp, expLen, TMP, sig, sigLen);
}
