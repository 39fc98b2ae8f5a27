// Unsigned big integers as little-endian arrays of 32-bit limbs, and modular
// exponentiation in Montgomery form for RSA public operations (1024..4096 bits).
// All buffers are static; nothing allocates. Public data only: not constant time.

import { MONT_MAX_LIMBS, MONT_N, MONT_N0INV, mont_mul, mont_sqr } from "./montgomery";

export const BN_MAX_BYTES: u32 = MONT_MAX_LIMBS * 4;

const BUF = MONT_MAX_LIMBS * 4 + 16;
/** R^2 mod n for the modulus in MONT_N. */
const MONT_R2: usize = memory.data(BUF, 16);
/** The modulus bytes (leading zeros stripped) the context was built for. */
const CACHED_MOD: usize = memory.data(BUF, 16);
let cachedModLen: u32 = 0;
let cachedLimbs: u32 = 0;
const EXP_X: usize = memory.data(BUF, 16);
const EXP_XM: usize = memory.data(BUF, 16);
const EXP_ACC: usize = memory.data(BUF, 16);

/** Big-endian bytes (any length up to 4k) to k little-endian limbs. Bytes beyond
 *  4k at the front are ignored (callers check lengths first). */
export function bn_from_be(dst: usize, src: usize, srcLen: usize, k: u32): void {
  memory.fill(dst, 0, <usize>k << 2);
  const max = <usize>k << 2;
  const n = srcLen < max ? srcLen : max;
  for (let i: usize = 0; i < n; i++) {
    // byte i from the end goes to limb i/4, shifted by 8*(i%4)
    store<u8>(dst + i, load<u8>(src + srcLen - 1 - i)); // little-endian memory: limb bytes in order
  }
}

/** Writes the low outLen bytes of the k-limb number a, big-endian. */
export function bn_to_be(dst: usize, outLen: usize, a: usize, k: u32): void {
  const max = <usize>k << 2;
  for (let i: usize = 0; i < outLen; i++) {
    store<u8>(dst + outLen - 1 - i, i < max ? load<u8>(a + i) : 0);
  }
}

/** -1, 0 or 1 as a <, =, > b (k limbs each). */
export function bn_cmp(a: usize, b: usize, k: u32): i32 {
  for (let j = <isize>k - 1; j >= 0; j--) {
    const x = load<u32>(a + (<usize>j << 2)), y = load<u32>(b + (<usize>j << 2));
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Number of significant bits of a k-limb number (0 for zero). */
export function bn_bitlen(a: usize, k: u32): u32 {
  for (let j = <isize>k - 1; j >= 0; j--) {
    const x = load<u32>(a + (<usize>j << 2));
    if (x != 0) return <u32>j * 32 + 32 - clz<u32>(x);
  }
  return 0;
}

/** a = 2a mod n for a < n (k limbs; n = MONT_N). */
function bn_double_mod(a: usize, k: u32): void {
  let carry: u32 = 0;
  for (let j: usize = 0; j < <usize>k; j++) {
    const x = load<u32>(a + (j << 2));
    store<u32>(a + (j << 2), (x << 1) | carry);
    carry = x >>> 31;
  }
  if (carry != 0 || bn_cmp(a, MONT_N, k) >= 0) {
    let borrow: u64 = 0;
    for (let j: usize = 0; j < <usize>k; j++) {
      const d = <u64>load<u32>(a + (j << 2)) - <u64>load<u32>(MONT_N + (j << 2)) - borrow;
      store<u32>(a + (j << 2), <u32>d);
      borrow = (d >> 32) & 1;
    }
  }
}

/** Skips leading zero bytes; returns how many remain. */
export function be_strip(p: usize, len: usize): usize {
  let i: usize = 0;
  while (i < len && load<u8>(p + i) == 0) i++;
  return i;
}

/** Number of significant bits of a big-endian byte string without leading zeros. */
export function be_bitlen(p: usize, len: usize): u32 {
  if (len == 0) return 0;
  return <u32>(len - 1) * 8 + 32 - clz<u32>(<u32>load<u8>(p));
}

/**
 * Builds the Montgomery context for an odd modulus given as big-endian bytes
 * with leading zeros already stripped (1..BN_MAX_BYTES bytes, top byte non-zero).
 * Returns the limb count k, or 0 when the modulus is even or too long. A context
 * for the same modulus as the last call is reused (a one-entry cache, like a
 * KeyObject's cached Montgomery context in OpenSSL).
 */
export function bn_mont_setup(mod: usize, modLen: u32): u32 {
  if (modLen == 0 || modLen > BN_MAX_BYTES) return 0;
  if ((load<u8>(mod + modLen - 1) & 1) == 0) return 0;
  if (modLen == cachedModLen && memory.compare(mod, CACHED_MOD, modLen) == 0) return cachedLimbs;
  cachedModLen = 0;
  const k = (modLen + 3) >> 2;
  bn_from_be(MONT_N, mod, modLen, k);
  // -n^-1 mod 2^32 by Newton iteration (each step doubles the correct bits)
  const n0 = load<u32>(MONT_N);
  let inv: u32 = n0; // correct to 3 bits for odd n0
  inv *= 2 - n0 * inv;
  inv *= 2 - n0 * inv;
  inv *= 2 - n0 * inv;
  inv *= 2 - n0 * inv;
  store<u32>(MONT_N0INV, 0 - inv);
  // R^2 mod n with R = 2^(32k): start from 2^(bits-1) < n, double to
  // 2^(32k + k) = Mont(2^k), then square 5 times: Mont(2^(32k)) = R^2 mod n.
  const bits = bn_bitlen(MONT_N, k);
  const r2 = MONT_R2;
  memory.fill(r2, 0, <usize>k << 2);
  const top = bits - 1;
  store<u32>(r2 + ((<usize>top >> 5) << 2), <u32>1 << (top & 31));
  const doublings: u32 = <u32>33 * k - top;
  for (let i: u32 = 0; i < doublings; i++) bn_double_mod(r2, k);
  for (let i = 0; i < 5; i++) mont_sqr(r2, r2, k);
  memory.copy(CACHED_MOD, mod, modLen);
  cachedModLen = modLen;
  cachedLimbs = k;
  return k;
}

/**
 * out = x^e mod n (k limbs, normal form) for the modulus of the last
 * bn_mont_setup; x must be < n; e is big-endian without leading zeros, e >= 1.
 * Left-to-right binary; the last multiplication takes x in normal form, which
 * also leaves Montgomery form (e = 65537: 16 squarings + 2 multiplications).
 */
export function bn_mod_exp(out: usize, x: usize, e: usize, eLen: u32, k: u32): void {
  const ebits = be_bitlen(e, eLen);
  const kb = <usize>k << 2;
  if (ebits <= 1) {
    if (ebits == 1) memory.copy(out, x, kb);
    else { memory.fill(out, 0, kb); store<u32>(out, 1); }
    return;
  }
  const xn = EXP_X, xm = EXP_XM, acc = EXP_ACC;
  memory.copy(xn, x, kb);
  mont_mul(xm, xn, MONT_R2, k);
  memory.copy(acc, xm, kb);
  for (let b = <i32>ebits - 2; b >= 1; b--) {
    mont_sqr(acc, acc, k);
    const byte = <u32>load<u8>(e + eLen - 1 - (<u32>b >> 3));
    if (((byte >> (<u32>b & 7)) & 1) != 0) mont_mul(acc, acc, xm, k);
  }
  mont_sqr(acc, acc, k);
  if ((load<u8>(e + eLen - 1) & 1) != 0) {
    mont_mul(out, acc, xn, k);
  } else {
    // Mont(v) * 1 = v
    memory.fill(xm, 0, kb);
    store<u32>(xm, 1);
    mont_mul(out, acc, xm, k);
  }
}

/** Base of the static modulus buffer (limbs), for the RSA layer's checks. */
export function bn_modulus(): usize {
  return MONT_N;
}
