// The Hash2 modifier search of RFC 3972 §4 steps 1-3, resumable in chunks:
//
//   cga_search_start(modifier, key, keyLen, ext, extLen, sec)  once
//   cga_search_step(maxAttempts)                               until it returns 1
//   cga_search_modifier()                                      the 16-byte result
//
// Each attempt hashes modifier | 9 zero bytes | key | ext and checks that the leftmost
// 16*Sec bits are zero; if not, the modifier (a 128-bit big-endian integer) is
// incremented by one (§4 step 3). The host calls step with a few thousand attempts at
// a time, so it can report progress and cancel between calls.
//
// Speed: only the first 64-byte block holds the
// modifier. The blocks after it (rest of key, extension fields, padding) never change,
// so their message schedule with the round constants (W[t] + K[t]) is computed once
// at start; an attempt is one full compression plus one schedule-free compression per
// constant block. The modifier lives in two u64 locals and is stored into block 0.
// Four consecutive modifiers are tried at once, one per i32x4 lane (sha1x4_*: the
// constant blocks' schedule is shared by the lanes): about 3.5x the scalar rate.
// A group never straddles a carry out of the low 32 bits (those attempts, and the
// last < 4 of a step, run scalar), and the first lane that succeeds wins, so the
// attempts and the modifier found are exactly those of the one-at-a-time search.
//
// One search at a time (static state). No allocation.

import { sha1_init, sha1_compress, sha1_schedule, sha1_compress_wk, sha1x4_compress, sha1x4_compress_wk, SHA1_WK_LEN } from "./sha1";
import { store64_be, load64_be, load32_be } from "../wire/bytes";
import { der_spki_parse, DER_OK } from "./der";
import { CGA_KEY_OFFSET, CGA_MODIFIER_LEN, CGA_PARAMS_MAX, CGA_MAX_SEC } from "./cga";

export const CGA_SEARCH_OK: i32 = 0;
/** The key is not an acceptable RSA SPKI (der.ts). */
export const CGA_SEARCH_BAD_KEY: i32 = -1;
/** Key plus extension fields exceed CGA_PARAMS_MAX. */
export const CGA_SEARCH_TOO_LONG: i32 = -2;
/** Sec > 7. */
export const CGA_SEARCH_BAD_SEC: i32 = -3;
/** cga_search_step without a search started. */
export const CGA_SEARCH_IDLE: i32 = -4;

// The whole padded Hash2 input: 25 + 2048 bytes, + 9 for padding, rounded up to 64.
const MSG_CAP: usize = ((<usize>CGA_PARAMS_MAX + 25 + 9 + 63) >> 6) << 6;
const MSG: usize = memory.data(<i32>MSG_CAP, 16);
const MAX_BLOCKS: usize = MSG_CAP >> 6;
const WK: usize = memory.data(<i32>((MAX_BLOCKS - 1) * <usize>SHA1_WK_LEN), 16);
const STATE: usize = memory.data(32, 16);
const RESULT: usize = memory.data(16, 16);
/** Four-lane search: chaining values (5 x v128) and block 0's 16 words per lane. */
const STATE4: usize = memory.data(80, 16);
const W4: usize = memory.data(256, 16);

let active: bool = false;
let found: bool = false;
let blocks: usize = 0;
let needBits: u32 = 0;
let modHi: u64 = 0;
let modLo: u64 = 0;
let attempts: u64 = 0;

/** Starts a search from the 16-byte modifier at `modifier` for the key (a DER SPKI
 *  that must parse) and extension fields. Returns CGA_SEARCH_OK or an error. */
export function cga_search_start(modifier: usize, key: usize, keyLen: usize, ext: usize, extLen: usize, sec: u32): i32 {
  active = false;
  found = false;
  attempts = 0;
  if (sec > CGA_MAX_SEC) return CGA_SEARCH_BAD_SEC;
  if (keyLen > <usize>CGA_PARAMS_MAX || extLen > <usize>CGA_PARAMS_MAX
      || <usize>CGA_KEY_OFFSET + keyLen + extLen > <usize>CGA_PARAMS_MAX) return CGA_SEARCH_TOO_LONG;
  if (der_spki_parse(key, keyLen) != DER_OK) return CGA_SEARCH_BAD_KEY;
  const len = <usize>CGA_KEY_OFFSET + keyLen + extLen;
  // modifier | 9 zeros | key | ext | 0x80 | zeros | bit length
  memory.copy(MSG, modifier, CGA_MODIFIER_LEN);
  memory.fill(MSG + CGA_MODIFIER_LEN, 0, 9);
  memory.copy(MSG + CGA_KEY_OFFSET, key, keyLen);
  if (extLen > 0) memory.copy(MSG + CGA_KEY_OFFSET + keyLen, ext, extLen);
  const padded = ((len + 9 + 63) >> 6) << 6;
  store<u8>(MSG + len, 0x80);
  memory.fill(MSG + len + 1, 0, padded - 8 - len - 1);
  store64_be(MSG + padded - 8, <u64>len << 3);
  blocks = padded >> 6;
  // block 0 decoded for the four lanes; words 0..3 (the modifier) are set per group
  for (let t: usize = 4; t < 16; t++) v128.store(W4 + (t << 4), i32x4.splat(load32_be(MSG + (t << 2))));
  for (let i: usize = 1; i < blocks; i++) sha1_schedule(MSG + (i << 6), WK + (i - 1) * <usize>SHA1_WK_LEN);
  modHi = load64_be(modifier);
  modLo = load64_be(modifier + 8);
  memory.copy(RESULT, modifier, CGA_MODIFIER_LEN);
  needBits = sec << 4;
  active = true;
  if (sec == 0) found = true; // any modifier satisfies Sec 0
  return CGA_SEARCH_OK;
}

/** Whether the chaining state (native words H0..H4) has its leftmost `bits` bits zero. */
@inline function leading_zero(state: usize, bits: u32): bool {
  // bits = 16 * Sec <= 112: whole words first, then the top of the next one.
  let i: u32 = 0;
  while (bits >= 32) {
    if (load<u32>(state + (<usize>i << 2)) != 0) return false;
    bits -= 32;
    i++;
  }
  if (bits == 0) return true;
  return (load<u32>(state + (<usize>i << 2)) >>> (32 - bits)) == 0;
}

/** leading_zero for lane `lane` of a four-lane state (word i of lane l at state + 16i + 4l). */
@inline function leading_zero_lane(state: usize, lane: u32, bits: u32): bool {
  let i: u32 = 0;
  const base = state + (<usize>lane << 2);
  while (bits >= 32) {
    if (load<u32>(base + (<usize>i << 4)) != 0) return false;
    bits -= 32;
    i++;
  }
  if (bits == 0) return true;
  return (load<u32>(base + (<usize>i << 4)) >>> (32 - bits)) == 0;
}

/**
 * Runs at most maxAttempts attempts. Returns 1 when a modifier is found (it stays
 * found; further calls return 1 at once), 0 when not yet, CGA_SEARCH_IDLE when no
 * search was started.
 */
export function cga_search_step(maxAttempts: u32): i32 {
  if (!active) return CGA_SEARCH_IDLE;
  if (found) return 1;
  const st = STATE;
  const msg = MSG;
  const wk = WK;
  const nwk = blocks - 1;
  const bits = needBits;
  let hi = modHi;
  let lo = modLo;
  let n: u32 = 0;
  let ok = false;
  while (n < maxAttempts) {
    const left = maxAttempts - n;
    if (left >= 4 && <u32>lo <= 0xfffffffc) {
      // four consecutive modifiers, one per lane: only the low word differs
      const s4 = STATE4, w4 = W4;
      v128.store(w4, i32x4.splat(<u32>(hi >> 32)), 0);
      v128.store(w4, i32x4.splat(<u32>hi), 16);
      v128.store(w4, i32x4.splat(<u32>(lo >> 32)), 32);
      v128.store(w4, i32x4.add(i32x4.splat(<u32>lo), i32x4(0, 1, 2, 3)), 48);
      v128.store(s4, i32x4.splat(0x67452301), 0);
      v128.store(s4, i32x4.splat(0xefcdab89), 16);
      v128.store(s4, i32x4.splat(0x98badcfe), 32);
      v128.store(s4, i32x4.splat(0x10325476), 48);
      v128.store(s4, i32x4.splat(0xc3d2e1f0), 64);
      sha1x4_compress(s4, w4);
      for (let i: usize = 0; i < nwk; i++) sha1x4_compress_wk(s4, wk + i * <usize>SHA1_WK_LEN);
      let lane: u32 = 4;
      if (bits == 16) {
        // Sec 1 fast path: a lane whose H0 has its top 16 bits zero
        if (v128.any_true(i32x4.eq(i32x4.shr_u(v128.load(s4), 16), i32x4.splat(0)))) {
          for (lane = 0; lane < 4; lane++) if ((load<u32>(s4 + (<usize>lane << 2)) >>> 16) == 0) break;
        }
      } else {
        for (lane = 0; lane < 4; lane++) if (leading_zero_lane(s4, lane, bits)) break;
      }
      if (lane < 4) { n += lane + 1; lo += <u64>lane; ok = true; break; }
      n += 4;
      lo += 4;
      if (lo == 0) hi += 1;
      continue;
    }
    store64_be(msg, hi);
    store64_be(msg + 8, lo);
    sha1_init(st);
    sha1_compress(st, msg);
    for (let i: usize = 0; i < nwk; i++) sha1_compress_wk(st, wk + i * <usize>SHA1_WK_LEN);
    n++;
    if (bits == 16 ? (load<u32>(st) >>> 16) == 0 : leading_zero(st, bits)) { ok = true; break; }
    lo += 1;
    if (lo == 0) hi += 1;
  }
  attempts += <u64>n;
  modHi = hi;
  modLo = lo;
  if (ok) {
    store64_be(RESULT, hi);
    store64_be(RESULT + 8, lo);
    found = true;
    return 1;
  }
  // the next modifier to try, so a cancelled search can be resumed from it
  store64_be(RESULT, hi);
  store64_be(RESULT + 8, lo);
  return 0;
}

/** The 16-byte modifier: the one found, or (while searching) the next one to try. */
export function cga_search_modifier(): usize {
  return RESULT;
}

/** Attempts made since cga_search_start. */
export function cga_search_attempts(): f64 {
  return <f64>attempts;
}

/** 1 when the search is finished, 0 while it runs, -1 when none was started. */
export function cga_search_done(): i32 {
  return !active ? -1 : found ? 1 : 0;
}
