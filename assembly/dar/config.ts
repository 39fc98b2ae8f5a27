// The DAR configuration (PROTOCOL.md §1, §2.2, §2.5), passed by the host as one record.
// The host validates the user's file first; the core checks every field again and
// changes nothing unless the whole record is valid.
//
// Record (DAR_CONFIG_SIZE = 480 bytes, native little-endian u32 fields):
//   [0]   u8[16] anchor        the anchor address A_k: not ::, not multicast
//   [16]  u32    prefixCount   1..16
//   [20]  u32    minSec        lowest CGA Sec accepted, 0..7
//   [24]  u32    maxLifetime   seconds, 1..262140 (65535 MH lifetime units of 4 s)
//   [28]  u32    coaTest       0 or 1
//   [32]  u32    tunnelMtu     largest inner packet tunnelled, 1280..65535
//   [36]  u32    capacity      bindings, 1..4194304
//   [40]  u32[2] reserved      0
//   [48]  16 x 24-byte prefix records, the first prefixCount used:
//         [0] u8[16] prefix (bits past the length must be 0), [16] u32 length 0..128,
//         [20] u32 reserved 0
//   [432] u32    cgaPerSecond        budget units a second (cga-budget.ts), 1..1000000
//   [436] u32    cgaPerBatch         cga-mode BUs verified per call, 1..256
//   [440] u32    cgaQueue            deferral queue entries (cga-queue.ts), 0..65536; 0: verify
//                                    inline in dar_process_batch (offline replay)
//   [444] u32    admissionMode       0 open, 1 on-link (admission.ts)
//   [448] u32    sightings           sightings table capacity (sightings.ts), 1..4194304
//   [452] u32    sightingLifetime    seconds, 1..2^31-1
//   [456] u32    probationLifetime   seconds, 4..262140
//   [460] u32    probationMax        bindings in probation at most, 1..4194304
//   [464] u32[4] reserved            0
//
// Changing `capacity` re-creates the (empty) binding cache; it is refused while bindings
// exist (CFG_CAPACITY_IN_USE). The same capacity keeps the bindings.

import { bc_capacity, bc_count, bc_init, BC_OK, BC_MAX_CAPACITY } from "./binding-cache";
import { icmp_rate_reset } from "./icmp";
import { copy_addr } from "../wire/bytes";
import { budget_configure, BUDGET_MAX_PER_SECOND } from "./cga-budget";
import { queue_configure, QUEUE_MAX } from "./cga-queue";
import { sightings_configure, SIGHTINGS_MAX } from "./sightings";
import { admission_configure, ADMISSION_ON_LINK } from "./admission";
import { BATCH_MAX_SLOTS } from "../batch/slots";

export const DAR_CONFIG_SIZE: u32 = 480;
export const DAR_MAX_PREFIXES: u32 = 16;
export const DAR_MAX_LIFETIME_LIMIT: u32 = 262140;

export const CFG_OK: i32 = 0;
export const CFG_BAD_ANCHOR: i32 = 1;
export const CFG_BAD_PREFIX_COUNT: i32 = 2;
export const CFG_BAD_PREFIX: i32 = 3;
export const CFG_BAD_MIN_SEC: i32 = 4;
export const CFG_BAD_MAX_LIFETIME: i32 = 5;
export const CFG_BAD_COA_TEST: i32 = 6;
export const CFG_BAD_TUNNEL_MTU: i32 = 7;
export const CFG_BAD_CAPACITY: i32 = 8;
export const CFG_BAD_RESERVED: i32 = 9;
export const CFG_CAPACITY_IN_USE: i32 = 10;
export const CFG_NO_RANDOM: i32 = 11;
export const CFG_BAD_CGA_BUDGET: i32 = 12;
export const CFG_BAD_ADMISSION: i32 = 13;

const recordBuf: usize = memory.data(<i32>DAR_CONFIG_SIZE, 16);
const anchorBuf: usize = memory.data(16, 16);
// Per prefix: 16 bytes prefix (masked), 16 bytes mask.
const prefixBuf: usize = memory.data(<i32>(DAR_MAX_PREFIXES * 32), 16);
const maskScratch: usize = memory.data(16, 16);
let prefixCount: u32 = 0;
let minSec: u32 = 0;
let maxLifetime: u32 = 86400;
let coaTest: bool = false;
let tunnelMtu: u32 = 1460;
let configured: bool = false;

/** A static buffer of DAR_CONFIG_SIZE bytes the host may fill and pass to dar_configure. */
export function dar_config_record(): usize { return recordBuf; }
export function dar_config_size(): u32 { return DAR_CONFIG_SIZE; }

function write_mask(m: usize, bits: u32): void {
  for (let i: u32 = 0; i < 16; i++) {
    const b = bits >= (i + 1) * 8 ? 8 : (bits > i * 8 ? bits - i * 8 : 0);
    store<u8>(m + i, <u8>((0xff00 >> b) & 0xff));
  }
}

/** Applies the record at `ptr` (DAR_CONFIG_SIZE bytes). Returns CFG_OK or an error code. */
export function dar_configure(ptr: usize): i32 {
  const a0 = load<u64>(ptr);
  const a1 = load<u64>(ptr, 8);
  if ((a0 == 0 && a1 == 0) || load<u8>(ptr) == 0xff) return CFG_BAD_ANCHOR;
  const n = load<u32>(ptr, 16);
  if (n == 0 || n > DAR_MAX_PREFIXES) return CFG_BAD_PREFIX_COUNT;
  const sec = load<u32>(ptr, 20);
  if (sec > 7) return CFG_BAD_MIN_SEC;
  const life = load<u32>(ptr, 24);
  if (life == 0 || life > DAR_MAX_LIFETIME_LIMIT) return CFG_BAD_MAX_LIFETIME;
  const coa = load<u32>(ptr, 28);
  if (coa > 1) return CFG_BAD_COA_TEST;
  const mtu = load<u32>(ptr, 32);
  if (mtu < 1280 || mtu > 65535) return CFG_BAD_TUNNEL_MTU;
  const cap = load<u32>(ptr, 36);
  if (cap == 0 || cap > BC_MAX_CAPACITY) return CFG_BAD_CAPACITY;
  if (load<u32>(ptr, 40) != 0 || load<u32>(ptr, 44) != 0) return CFG_BAD_RESERVED;
  const m = maskScratch;
  for (let i: u32 = 0; i < n; i++) {
    const rec = ptr + 48 + <usize>i * 24;
    const bits = load<u32>(rec, 16);
    if (bits > 128) return CFG_BAD_PREFIX;
    if (load<u32>(rec, 20) != 0) return CFG_BAD_RESERVED;
    write_mask(m, bits);
    if ((load<u64>(rec) & ~load<u64>(m)) != 0 || (load<u64>(rec, 8) & ~load<u64>(m, 8)) != 0) return CFG_BAD_PREFIX;
  }
  const perSecond = load<u32>(ptr, 432);
  const perBatch = load<u32>(ptr, 436);
  const queue = load<u32>(ptr, 440);
  if (perSecond == 0 || perSecond > BUDGET_MAX_PER_SECOND || perBatch == 0 || perBatch > BATCH_MAX_SLOTS || queue > QUEUE_MAX) return CFG_BAD_CGA_BUDGET;
  const mode = load<u32>(ptr, 444);
  const sightings = load<u32>(ptr, 448);
  const sightingLife = load<u32>(ptr, 452);
  const probationLife = load<u32>(ptr, 456);
  const probationMax = load<u32>(ptr, 460);
  if (mode > ADMISSION_ON_LINK || sightings == 0 || sightings > SIGHTINGS_MAX || sightingLife == 0 || sightingLife > 0x7fffffff
    || probationLife < 4 || probationLife > DAR_MAX_LIFETIME_LIMIT || probationMax == 0 || probationMax > BC_MAX_CAPACITY) return CFG_BAD_ADMISSION;
  for (let o: usize = 464; o < 480; o += 4) if (load<u32>(ptr + o) != 0) return CFG_BAD_RESERVED;
  if (cap != bc_capacity()) {
    if (bc_count() != 0) return CFG_CAPACITY_IN_USE;
    if (bc_init(cap) != BC_OK) return CFG_NO_RANDOM;
  }
  if (!sightings_configure(sightings, sightingLife)) return CFG_NO_RANDOM;
  budget_configure(perSecond, perBatch);
  queue_configure(queue);
  admission_configure(mode, probationLife, probationMax);
  copy_addr(anchorBuf, ptr);
  for (let i: u32 = 0; i < n; i++) {
    const rec = ptr + 48 + <usize>i * 24;
    const dst = prefixBuf + <usize>i * 32;
    copy_addr(dst, rec);
    write_mask(dst + 16, load<u32>(rec, 16));
  }
  prefixCount = n;
  minSec = sec;
  maxLifetime = life;
  coaTest = coa == 1;
  tunnelMtu = mtu;
  configured = true;
  icmp_rate_reset();
  return CFG_OK;
}

@inline export function cfg_configured(): bool { return configured; }
/** The anchor address A_k (16 bytes). */
@inline export function cfg_anchor(): usize { return anchorBuf; }
@inline export function cfg_min_sec(): u32 { return minSec; }
@inline export function cfg_max_lifetime(): u32 { return maxLifetime; }
@inline export function cfg_coa_test(): bool { return coaTest; }
@inline export function cfg_tunnel_mtu(): u32 { return tunnelMtu; }

/** Whether the address at `a` lies inside one of the configured prefixes. */
export function cfg_in_prefixes(a: usize): bool {
  const x0 = load<u64>(a);
  const x1 = load<u64>(a, 8);
  for (let i: u32 = 0; i < prefixCount; i++) {
    const p = prefixBuf + <usize>i * 32;
    if ((x0 & load<u64>(p, 16)) == load<u64>(p) && (x1 & load<u64>(p, 24)) == load<u64>(p, 8)) return true;
  }
  return false;
}
