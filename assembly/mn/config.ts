// The MN's configuration (PROTOCOL.md §1, §2.1, §2.6), passed by the host as one record.
// The private key never enters the module: only the public key (SPKI DER), the CGA
// modifier the host found once (RFC 3972 §4; reused for every prefix) and Sec.
//
// Record (MN_CONFIG_SIZE bytes, native little-endian):
//   [0]  u32 sec               0..7; the modifier must satisfy Hash2 for it
//   [4]  u32 keyLen            length of the SPKI at [40]
//   [8]  u32 initialTimeoutMs  first BA timeout after a handover, 10..32000 (default 250)
//   [12] u32 lifetime          requested binding lifetime in seconds, 4..262140
//   [16] u32 tunnelMtu         largest inner packet tunnelled, 1280..65535
//   [20] u32 reserved 0
//   [24] u8[16] modifier
//   [40] u8[keyLen] public key (RSA SubjectPublicKeyInfo DER, 1024..4096 bits)
// Nothing changes unless the whole record is valid. Reconfiguring with another key or
// modifier is refused while sites exist (their HoAs are CGAs of the old one).

import { der_spki_parse, der_mod_bits, DER_OK } from "../cga/der";
import { cga_generate, CGA_PARAMS_MAX, CGA_KEY_OFFSET } from "../cga/cga";

export const MN_KEY_MAX: u32 = CGA_PARAMS_MAX - CGA_KEY_OFFSET;
export const MN_CONFIG_SIZE: u32 = 40 + MN_KEY_MAX;

export const MCFG_OK: i32 = 0;
export const MCFG_BAD_SEC: i32 = 1;
export const MCFG_BAD_KEY: i32 = 2;
export const MCFG_BAD_MODIFIER: i32 = 3;
export const MCFG_BAD_TIMEOUT: i32 = 4;
export const MCFG_BAD_LIFETIME: i32 = 5;
export const MCFG_BAD_MTU: i32 = 6;
export const MCFG_BAD_RESERVED: i32 = 7;
export const MCFG_KEY_IN_USE: i32 = 8;

const record: usize = memory.data(<i32>MN_CONFIG_SIZE, 16);
const key: usize = memory.data(<i32>MN_KEY_MAX, 16);
const modifier: usize = memory.data(16, 16);
const scratchAddr: usize = memory.data(16, 16);
const scratchParams: usize = memory.data(<i32>CGA_PARAMS_MAX, 16);
const ZERO_PREFIX: usize = memory.data(16, 16);

let configured: bool = false;
let sec: u32 = 1;
let keyLen: u32 = 0;
let modBytes: u32 = 0;
let initialTimeout: u32 = 250;
let lifetime: u32 = 86400;
let tunnelMtu: u32 = 1460;

export function mn_config_record(): usize { return record; }
export function mn_config_size(): u32 { return MN_CONFIG_SIZE; }

/** Applies the record at ptr. `sitesInUse` says whether a key change must be refused. */
export function mn_apply_config(ptr: usize, sitesInUse: bool): i32 {
  const s = load<u32>(ptr);
  const kl = load<u32>(ptr, 4);
  const t = load<u32>(ptr, 8);
  const life = load<u32>(ptr, 12);
  const mtu = load<u32>(ptr, 16);
  if (s > 7) return MCFG_BAD_SEC;
  if (kl == 0 || kl > MN_KEY_MAX) return MCFG_BAD_KEY;
  if (t < 10 || t > 32000) return MCFG_BAD_TIMEOUT;
  if (life < 4 || life > 262140) return MCFG_BAD_LIFETIME;
  if (mtu < 1280 || mtu > 65535) return MCFG_BAD_MTU;
  if (load<u32>(ptr, 20) != 0) return MCFG_BAD_RESERVED;
  const k = ptr + 40;
  if (der_spki_parse(k, kl) != DER_OK) return MCFG_BAD_KEY;
  const bits = der_mod_bits();
  // The modifier must satisfy Hash2 for this key and Sec (RFC 3972 §4 step 3).
  const r = cga_generate(scratchAddr, scratchParams, CGA_PARAMS_MAX, ptr + 24, ZERO_PREFIX, 0, s, k, kl, 0, 0);
  if (r == -2) return MCFG_BAD_MODIFIER;
  if (r < 0) return MCFG_BAD_KEY;
  if (configured && sitesInUse) {
    const same = kl == keyLen && s == sec && memory.compare(k, key, kl) == 0 && memory.compare(ptr + 24, modifier, 16) == 0;
    if (!same) return MCFG_KEY_IN_USE;
  }
  memory.copy(key, k, kl);
  memory.copy(modifier, ptr + 24, 16);
  keyLen = kl;
  sec = s;
  modBytes = (bits + 7) >> 3;
  initialTimeout = t;
  lifetime = life;
  tunnelMtu = mtu;
  configured = true;
  return MCFG_OK;
}

@inline export function mcfg_configured(): bool { return configured; }
@inline export function mcfg_key(): usize { return key; }
@inline export function mcfg_key_len(): u32 { return keyLen; }
@inline export function mcfg_modifier(): usize { return modifier; }
@inline export function mcfg_sec(): u32 { return sec; }
/** Signature (and PHKT ciphertext) length: the modulus in bytes. */
@inline export function mcfg_mod_bytes(): u32 { return modBytes; }
@inline export function mcfg_initial_timeout(): u32 { return initialTimeout; }
@inline export function mcfg_lifetime(): u32 { return lifetime; }
@inline export function mcfg_tunnel_mtu(): u32 { return tunnelMtu; }
