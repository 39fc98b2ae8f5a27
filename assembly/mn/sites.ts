// The MN's sites: one per DAR prefix it formed an address at. Each holds the CGA H_k, its
// CGA Parameters, and the Binding Update List entry for H_k at DAR k (PROTOCOL.md §2.1):
// sequence number, mode (cga until a PHKT is held), PHKT, granted lifetime, expiry, refresh
// time, retransmission state, care-of test state, and the activity counters the host's keep
// policy reads. The current site (the one attached to) is the CoA.
//
// Site record (MN_SITE_SIZE bytes, native little-endian; mirrored in host/core/mn.ts):
//   [0]   u32 in use (0 free, 1 used)       [4]   u32 flags (SF_*)
//   [8]   u32 phase (PH_*)                  [12]  u32 goal (GOAL_*)
//   [16]  u8[16] prefix (first 64 bits; the rest 0)
//   [32]  u8[16] anchor A_k                 [48]  u8[16] hoa H_k
//   [64]  u32 seq (last sent)               [68]  u32 seq of the BU that got the PHKT
//   [72]  u32 lifetime granted, s (last BA) [76]  u32 transmissions in the current series
//   [80]  f64 sent time of the accepted BU  [88]  f64 binding expiry (ms; 0 none)
//   [96]  f64 refresh time                  [104] f64 deadline: next timer of this site (0 none)
//   [112] u32 current BA timeout, ms        [116] u32 last BA status (0xffffffff none)
//   [120] u32 mode of the outstanding BU (0 cga, 1 phkt)   [124] u32 its care-of nonce index
//   [128] u8[8] PHKT                        [136] u8[8] care-of keygen token
//   [144] u8[8] CoTI cookie                 [152] f64 when the token was received
//   [160] u64 packets encapsulated  [168] u64 bytes  [176] u64 packets decapsulated  [184] u64 bytes
//   [192] f64 last data activity (ms; 0 never)
//   [200] f64 start of the current series (handover / refresh / release)
//   [208] u32 CGA Parameters length         [212] u32 lifetime units of the outstanding BU
//   [216] f64 sent time of the outstanding BU
//   [224] u8[16] CoA of the outstanding BU
//   [240] u8[20] digest of the outstanding cga-mode BU (sign request)   [260] u32 0
//   [264] u8[16] CoA the care-of token was issued for
//   [280] u32 held BA: MH length  [284] authenticator offset in it  [288] BA lifetime units
//   [292] u32 held BA: Binding Refresh Advice (4 s units; 0 none)   [296] ciphertext length
//   [300] u32 care-of nonce index of the token   [304] u32 site index   [308] u32 0
//   [312] f64 handover time (the mn_attach that started the series; 0 none)
// The CGA Parameters, the held BA's MH and its PHKT ciphertext live in per-site buffers.

import { addr_eq, copy_addr } from "../wire/bytes";

export const MN_MAX_SITES: u32 = 16;
export const MN_SITE_SIZE: u32 = 320;
export const PARAMS_CAP: u32 = 2048;
export const HOLD_CAP: u32 = 1024;
export const CIPHER_CAP: u32 = 512;

export const S_USED: u32 = 0;
export const S_FLAGS: u32 = 4;
export const S_PHASE: u32 = 8;
export const S_GOAL: u32 = 12;
export const S_PREFIX: u32 = 16;
export const S_ANCHOR: u32 = 32;
export const S_HOA: u32 = 48;
export const S_SEQ: u32 = 64;
export const S_PHKT_SEQ: u32 = 68;
export const S_GRANTED: u32 = 72;
export const S_TRIES: u32 = 76;
export const S_BOUND_SENT: u32 = 80;
export const S_EXPIRY: u32 = 88;
export const S_REFRESH: u32 = 96;
export const S_DEADLINE: u32 = 104;
export const S_TIMEOUT: u32 = 112;
export const S_LAST_STATUS: u32 = 116;
export const S_MODE: u32 = 120;
export const S_CONI: u32 = 124;
export const S_PHKT: u32 = 128;
export const S_TOKEN: u32 = 136;
export const S_COOKIE: u32 = 144;
export const S_TOKEN_AT: u32 = 152;
export const S_PKTS_ENC: u32 = 160;
export const S_BYTES_ENC: u32 = 168;
export const S_PKTS_DEC: u32 = 176;
export const S_BYTES_DEC: u32 = 184;
export const S_LAST_ACT: u32 = 192;
export const S_SERIES_AT: u32 = 200;
export const S_PARAMS_LEN: u32 = 208;
export const S_PEND_LIFE: u32 = 212;
export const S_PEND_SENT: u32 = 216;
export const S_PEND_COA: u32 = 224;
export const S_DIGEST: u32 = 240;
export const S_TOKEN_COA: u32 = 264;
export const S_BA_LEN: u32 = 280;
export const S_BA_AUTH: u32 = 284;
export const S_BA_LIFE: u32 = 288;
export const S_BA_BRA: u32 = 292;
export const S_CIPHER_LEN: u32 = 296;
export const S_TOKEN_INDEX: u32 = 300;
export const S_INDEX: u32 = 304;
export const S_HANDOVER_AT: u32 = 312;

// Flags.
export const SF_CURRENT: u32 = 1;     // attached here: H_k is the CoA
export const SF_COA_TEST: u32 = 2;    // do the care-of test before every BU (config, or after a 137)
export const SF_BOUND: u32 = 4;       // the DAR acknowledged a registration that has not expired
export const SF_HAS_PHKT: u32 = 8;
export const SF_RELEASING: u32 = 16;  // the host released it: deregister, then free
export const SF_LOST: u32 = 32;       // the binding expired before a refresh was acknowledged
export const SF_TOKEN: u32 = 64;      // a care-of keygen token is held
export const SF_HANDOVER: u32 = 128;  // the current series began at a handover (short timeout)

// Phases of the outstanding exchange.
export const PH_IDLE: u32 = 0;
export const PH_SIGN: u32 = 1;     // a cga-mode BU waits for the host's signature
export const PH_BA: u32 = 2;       // a BU was sent; waiting for its BA
export const PH_DECRYPT: u32 = 3;  // a cga-mode BA waits for the host's PHKT decryption
export const PH_COT: u32 = 4;      // a CoTI was sent; waiting for the CoT

// What the site's exchanges are for.
export const GOAL_NONE: u32 = 0;
export const GOAL_REGISTER: u32 = 1;
export const GOAL_DEREGISTER: u32 = 2;

const table: usize = memory.data(<i32>(MN_MAX_SITES * MN_SITE_SIZE), 16);
const paramsBuf: usize = memory.data(<i32>(MN_MAX_SITES * PARAMS_CAP), 16);
const holdBuf: usize = memory.data(<i32>(MN_MAX_SITES * HOLD_CAP), 16);
const cipherBuf: usize = memory.data(<i32>(MN_MAX_SITES * CIPHER_CAP), 16);

@inline export function site_at(i: u32): usize { return table + <usize>i * MN_SITE_SIZE; }
@inline export function site_params(i: u32): usize { return paramsBuf + <usize>i * PARAMS_CAP; }
@inline export function site_hold(i: u32): usize { return holdBuf + <usize>i * HOLD_CAP; }
@inline export function site_cipher(i: u32): usize { return cipherBuf + <usize>i * CIPHER_CAP; }

@inline export function sget(s: usize, f: u32): u32 { return load<u32>(s + <usize>f); }
@inline export function sset(s: usize, f: u32, v: u32): void { store<u32>(s + <usize>f, v); }
@inline export function sgetf(s: usize, f: u32): f64 { return load<f64>(s + <usize>f); }
@inline export function ssetf(s: usize, f: u32, v: f64): void { store<f64>(s + <usize>f, v); }
@inline export function shas(s: usize, flag: u32): bool { return (load<u32>(s + S_FLAGS) & flag) != 0; }
@inline export function sflag(s: usize, flag: u32, on: bool): void {
  const v = load<u32>(s + S_FLAGS);
  store<u32>(s + S_FLAGS, on ? v | flag : v & ~flag);
}
@inline export function site_used(i: u32): bool { return i < MN_MAX_SITES && load<u32>(site_at(i)) != 0; }

let sitesInUse: u32 = 0;
export function sites_in_use(): u32 { return sitesInUse; }

/** A free site, zeroed and marked used; -1 when the table is full. */
export function site_alloc(): i32 {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (load<u32>(s) != 0) continue;
    memory.fill(s, 0, MN_SITE_SIZE);
    store<u32>(s, 1);
    sset(s, S_INDEX, i);
    sset(s, S_LAST_STATUS, 0xffffffff);
    sitesInUse++;
    return <i32>i;
  }
  return -1;
}

export function site_free(i: u32): void {
  const s = site_at(i);
  if (load<u32>(s) == 0) return;
  // Wipe the PHKT and tokens with the rest of the record.
  memory.fill(s, 0, MN_SITE_SIZE);
  memory.fill(site_hold(i), 0, HOLD_CAP);
  sitesInUse--;
}

/** The used site whose prefix (first 64 bits) and anchor match, or -1. */
export function site_find(prefix: usize, anchor: usize): i32 {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (load<u32>(s) == 0) continue;
    if (load<u64>(s + S_PREFIX) == load<u64>(prefix) && addr_eq(s + S_ANCHOR, anchor)) return <i32>i;
  }
  return -1;
}

/** The used site whose HoA is `a`, or -1. */
export function site_by_hoa(a: usize): i32 {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (load<u32>(s) != 0 && addr_eq(s + S_HOA, a)) return <i32>i;
  }
  return -1;
}

/** Whether `a` is the anchor of some used site. */
export function is_anchor(a: usize): bool {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (load<u32>(s) != 0 && addr_eq(s + S_ANCHOR, a)) return true;
  }
  return false;
}

/** The used site whose anchor is `anchor` and HoA is `hoa`, or -1. */
export function site_by_anchor_hoa(anchor: usize, hoa: usize): i32 {
  for (let i: u32 = 0; i < MN_MAX_SITES; i++) {
    const s = site_at(i);
    if (load<u32>(s) != 0 && addr_eq(s + S_ANCHOR, anchor) && addr_eq(s + S_HOA, hoa)) return <i32>i;
  }
  return -1;
}

/** Sets the 16-byte prefix field from the first 64 bits at p. */
export function site_set_prefix(s: usize, p: usize): void {
  store<u64>(s + S_PREFIX, load<u64>(p));
  store<u64>(s + S_PREFIX + 8, 0);
}

export function site_set_anchor(s: usize, a: usize): void { copy_addr(s + S_ANCHOR, a); }
