// Cryptographically Generated Addresses (RFC 3972): parameters, verification
// (§5), address forming (§4 steps 4-9, also for a new prefix with the same
// modifier). The Hash2 modifier search (§4 steps 1-3) is in cga-search.ts.
//
// CGA Parameters (§3):
//   modifier(16) | subnet prefix(8) | collision count(1) | public key (DER SPKI) | extension fields
// Hash1 = first 64 bits of SHA-1(CGA Parameters).
// Hash2 = first 112 bits of SHA-1(modifier | 9 zero bytes | public key | extension fields).
// Interface identifier = Hash1 with Sec in its 3 leftmost bits and bits u, g (6, 7) zero.
//
// Extension fields are hashed but not interpreted (RFC 3972 §3, RFC 4581: unknown
// ones are ignored), so everything after the DER SPKI counts as extension fields.

import { sha1, Sha1 } from "./sha1";
import {
  der_spki_parse_prefix, der_spki_len, DER_OK, DER_TRUNCATED,
  der_mod_ptr, der_mod_len, der_exp_ptr, der_exp_len, der_mod_bits,
} from "./der";

export const CGA_MODIFIER_LEN: u32 = 16;
export const CGA_PREFIX_OFFSET: u32 = 16;
export const CGA_COLLISION_OFFSET: u32 = 24;
export const CGA_KEY_OFFSET: u32 = 25;
/** Largest CGA Parameters block accepted (a 4096-bit SPKI is 550 bytes). */
export const CGA_PARAMS_MAX: u32 = 2048;
export const CGA_MAX_SEC: u32 = 7;

// Verification verdicts (cga_verify), one per check of RFC 3972 §5, in the order made.
export const CGA_OK: i32 = 0;
/** Shorter than the fixed 25 bytes, or longer than CGA_PARAMS_MAX. */
export const CGA_BAD_LENGTH: i32 = 1;
/** Collision count > 2 (§5 step 1). */
export const CGA_BAD_COLLISION_COUNT: i32 = 2;
/** Subnet prefix differs from the address's (§5 step 2). */
export const CGA_PREFIX_MISMATCH: i32 = 3;
/** The public key's DER runs past the end of the parameters. */
export const CGA_KEY_TRUNCATED: i32 = 4;
/** The public key is not an acceptable RSA SPKI (see cga_der_status for why). */
export const CGA_KEY_INVALID: i32 = 5;
/** Hash1 differs from the interface identifier (§5 step 3). */
export const CGA_HASH1_MISMATCH: i32 = 6;
/** Sec in the address is below the verifier's minimum. */
export const CGA_SEC_TOO_LOW: i32 = 7;
/** The leftmost 16*Sec bits of Hash2 are not all zero (§5 step 5). */
export const CGA_HASH2_FAILS: i32 = 8;

// What the last cga_verify found (valid after CGA_OK; key fields also after CGA_HASH*).
let lastSec: u32 = 0;
let lastDer: i32 = 0;
let lastKeyOff: u32 = 0;
let lastKeyLen: u32 = 0;
let lastModOff: u32 = 0;
let lastModLen: u32 = 0;
let lastExpOff: u32 = 0;
let lastExpLen: u32 = 0;
let lastModBits: u32 = 0;

/** Sec of the last verified address (from its interface identifier). */
@inline export function cga_last_sec(): u32 { return lastSec; }
/** DER status of the last key parse (DER_* of der.ts). */
@inline export function cga_der_status(): i32 { return lastDer; }
/** Offsets relative to the parameters of the SPKI, modulus and exponent. */
@inline export function cga_key_offset(): u32 { return lastKeyOff; }
@inline export function cga_key_len(): u32 { return lastKeyLen; }
@inline export function cga_mod_offset(): u32 { return lastModOff; }
@inline export function cga_mod_len(): u32 { return lastModLen; }
@inline export function cga_exp_offset(): u32 { return lastExpOff; }
@inline export function cga_exp_len(): u32 { return lastExpLen; }
@inline export function cga_mod_bits(): u32 { return lastModBits; }

const DIGEST: usize = memory.data(32, 16);
const ZEROS: usize = memory.data(16, 16);
// Created when the module initialises (configuration time), never on the packet path.
const hasher = new Sha1();

/** Interface-identifier bits that Hash1 is compared under: all but Sec (3 leftmost)
 *  and u, g (bits 6 and 7), as a little-endian u64 over address bytes 8..15. */
const IID_MASK: u64 = 0xffffffffffffff1c;

/** Whether the leftmost 16*sec bits of the digest at d are zero (sec <= 7). */
@inline export function cga_hash2_ok(d: usize, sec: u32): bool {
  let acc: u32 = 0;
  const n = sec << 1;
  for (let i: u32 = 0; i < n; i++) acc |= <u32>load<u8>(d + i);
  return acc == 0;
}

/** Hash2 of the parameters at p (len >= 25): SHA-1 with prefix and collision count zeroed; 20 bytes to out. */
export function cga_hash2(p: usize, len: usize, out: usize): void {
  const h = hasher;
  h.reset();
  h.update(p, CGA_MODIFIER_LEN);
  h.update(ZEROS, 9);
  h.update(p + CGA_KEY_OFFSET, len - CGA_KEY_OFFSET);
  h.final(out);
}

/**
 * RFC 3972 §5 verification of the 16-byte address at addr against the `len` bytes
 * of CGA Parameters at params, accepting Sec >= minSec. Returns CGA_OK or the
 * first failing check; the key's location is available through the accessors.
 */
export function cga_verify(addr: usize, params: usize, len: usize, minSec: u32): i32 {
  lastSec = 0; lastDer = 0;
  lastKeyOff = 0; lastKeyLen = 0; lastModOff = 0; lastModLen = 0;
  lastExpOff = 0; lastExpLen = 0; lastModBits = 0;
  if (len < <usize>CGA_KEY_OFFSET || len > <usize>CGA_PARAMS_MAX) return CGA_BAD_LENGTH;
  if (load<u8>(params + CGA_COLLISION_OFFSET) > 2) return CGA_BAD_COLLISION_COUNT;
  if (load<u64>(params + CGA_PREFIX_OFFSET) != load<u64>(addr)) return CGA_PREFIX_MISMATCH;
  const st = der_spki_parse_prefix(params + CGA_KEY_OFFSET, len - CGA_KEY_OFFSET);
  lastDer = st;
  if (st == DER_TRUNCATED) return CGA_KEY_TRUNCATED;
  if (st != DER_OK) return CGA_KEY_INVALID;
  lastKeyOff = CGA_KEY_OFFSET;
  lastKeyLen = <u32>der_spki_len();
  lastModOff = <u32>(der_mod_ptr() - params);
  lastModLen = der_mod_len();
  lastExpOff = <u32>(der_exp_ptr() - params);
  lastExpLen = der_exp_len();
  lastModBits = der_mod_bits();
  sha1(params, len, DIGEST);
  if (((load<u64>(DIGEST) ^ load<u64>(addr + 8)) & IID_MASK) != 0) return CGA_HASH1_MISMATCH;
  const sec = <u32>load<u8>(addr + 8) >> 5;
  lastSec = sec;
  if (sec < minSec) return CGA_SEC_TOO_LOW;
  if (sec > 0) {
    cga_hash2(params, len, DIGEST);
    if (!cga_hash2_ok(DIGEST, sec)) return CGA_HASH2_FAILS;
  }
  return CGA_OK;
}

/**
 * Lays out CGA Parameters at out (cap bytes): modifier(16) | prefix(8) | collision
 * count | key (keyLen bytes of DER SPKI) | ext. Returns the length, or -1 when it does
 * not fit, exceeds CGA_PARAMS_MAX or the collision count is > 2. The key is not parsed
 * here (cga_search_start and cga_verify do). out must not overlap the inputs.
 */
export function cga_params_build(
  out: usize, cap: usize, modifier: usize, prefix: usize, collisionCount: u32,
  key: usize, keyLen: usize, ext: usize, extLen: usize,
): i32 {
  if (collisionCount > 2) return -1;
  if (keyLen > <usize>CGA_PARAMS_MAX || extLen > <usize>CGA_PARAMS_MAX) return -1;
  const total = <usize>CGA_KEY_OFFSET + keyLen + extLen;
  if (total > <usize>CGA_PARAMS_MAX || total > cap) return -1;
  memory.copy(out, modifier, CGA_MODIFIER_LEN);
  store<u64>(out + CGA_PREFIX_OFFSET, load<u64>(prefix));
  store<u8>(out + CGA_COLLISION_OFFSET, <u8>collisionCount);
  memory.copy(out + CGA_KEY_OFFSET, key, keyLen);
  if (extLen > 0) memory.copy(out + CGA_KEY_OFFSET + keyLen, ext, extLen);
  return <i32>total;
}

/**
 * Forms the address for parameters built by cga_params_build (§4 steps 5-8): the
 * subnet prefix from the parameters, then Hash1 with Sec and u = g = 0. sec <= 7.
 */
export function cga_address_of(params: usize, len: usize, sec: u32, out: usize): void {
  sha1(params, len, DIGEST);
  store<u64>(out, load<u64>(params + CGA_PREFIX_OFFSET));
  store<u64>(out + 8, load<u64>(DIGEST));
  store<u8>(out + 8, <u8>(((sec & 7) << 5) | (<u32>load<u8>(DIGEST) & 0x1c)));
}

/**
 * Builds the parameters and forms the address in one step, for a modifier already
 * found (by cga_search_*) for this key, extension fields and Sec. A new prefix reuses
 * the modifier; after a duplicate address is detected, call again with collision
 * count + 1 (at most 2). Returns the parameters' length, -1 for bad sizes or
 * arguments, -2 when the modifier does not satisfy Hash2 for this Sec.
 */
export function cga_generate(
  outAddr: usize, outParams: usize, cap: usize, modifier: usize, prefix: usize,
  collisionCount: u32, sec: u32, key: usize, keyLen: usize, ext: usize, extLen: usize,
): i32 {
  if (sec > CGA_MAX_SEC) return -1;
  const n = cga_params_build(outParams, cap, modifier, prefix, collisionCount, key, keyLen, ext, extLen);
  if (n < 0) return -1;
  if (sec > 0) {
    cga_hash2(outParams, <usize>n, DIGEST);
    if (!cga_hash2_ok(DIGEST, sec)) return -2; // the modifier was not found for this Sec
  }
  cga_address_of(outParams, <usize>n, sec, outAddr);
  return n;
}
