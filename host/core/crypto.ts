// Typed wrappers over the crypto primitive exports of the core
// (assembly/cga/primitives-exports.ts): SHA-1, HMAC-SHA1, RSA public operations.
// Inputs are copied into one scratch allocation per core, grown when needed and
// otherwise reused, so steady-state calls allocate nothing in the module.
import type { KeyObject } from "node:crypto";
import type { Core } from "../wasm.js";
import { scratchArea } from "./scratch.js";

interface CryptoExports {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number): void;
  sha1_digest(p: number, len: number, out: number): void;
  sha1_digest_many(p: number, len: number, stride: number, count: number, out: number): void;
  hmac_sha1_digest(key: number, keyLen: number, data: number, dataLen: number, out: number): void;
  ct_equal_bytes(a: number, b: number, len: number): number;
  rsa_verify(mod: number, modLen: number, exp: number, expLen: number, digest: number, sig: number, sigLen: number): number;
  rsa_verify_message(mod: number, modLen: number, exp: number, expLen: number, msg: number, msgLen: number, sig: number, sigLen: number): number;
  rsa_encrypt(mod: number, modLen: number, exp: number, expLen: number, msg: number, msgLen: number, out: number): number;
  rsa_public_raw(mod: number, modLen: number, exp: number, expLen: number, input: number, inLen: number, out: number): number;
}

/** rsa.ts return codes (0 = ok). */
export const RSA_CODES: Readonly<Record<number, string>> = {
  0: "ok",
  [-1]: "modulus not 1024..4096 bits",
  [-2]: "modulus even",
  [-3]: "exponent even, <= 1 or larger than the modulus",
  [-4]: "signature or input length differs from the modulus length",
  [-5]: "signature not below the modulus",
  [-6]: "bad signature",
  [-7]: "message longer than k - 11 bytes",
  [-8]: "random_get failed",
};

export function rsaCodeName(code: number): string {
  return RSA_CODES[code] ?? `error ${code}`;
}

export class CryptoError extends Error {
  constructor(readonly code: number) {
    super(`rsa: ${rsaCodeName(code)} (${code})`);
  }
}

/** An RSA public key as big-endian unsigned byte strings (leading zeros allowed).
 *  Treat it as immutable: the wrapper skips re-copying a key object it saw last. */
export interface RsaPublicKey {
  modulus: Uint8Array;
  exponent: Uint8Array;
}

/** The modulus and exponent of a node:crypto RSA public (or private) key. */
export function rsaPublicKeyOf(key: KeyObject): RsaPublicKey {
  const jwk = key.export({ format: "jwk" }) as { n?: string; e?: string };
  if (!jwk.n || !jwk.e) throw new Error("not an RSA key");
  return { modulus: new Uint8Array(Buffer.from(jwk.n, "base64url")), exponent: new Uint8Array(Buffer.from(jwk.e, "base64url")) };
}

interface Scratch {
  ptr: number;
  size: number;
  view: Uint8Array;
  key: RsaPublicKey | null; // the key whose bytes sit at the start of the scratch
}

const scratches = new WeakMap<Core, Scratch>();
const KEY_AREA = 1024; // modulus (<= 512 bytes plus leading zeros) + exponent, when they fit

function ex(core: Core): CryptoExports {
  return core.exports as unknown as CryptoExports;
}

/** The core's scratch area of at least `size` bytes, with a live memory view. */
function scratch(core: Core, size: number): Scratch {
  const area = scratchArea(core, "crypto", 4096);
  let s = scratches.get(core);
  if (!s) {
    s = { ptr: 0, size: 0, view: core.bytes(), key: null };
    scratches.set(core, s);
  }
  if (area.reserve(size)) s.key = null; // moved: the key must be placed again
  s.ptr = area.ptr;
  s.size = area.size;
  return s;
}

/** SHA-1 of data. */
export function sha1(core: Core, data: Uint8Array): Uint8Array {
  const s = scratch(core, KEY_AREA + data.length + 20);
  const p = s.ptr + KEY_AREA;
  const out = p + data.length;
  refresh(core, s).set(data, p);
  ex(core).sha1_digest(p, data.length, out);
  return refresh(core, s).slice(out, out + 20);
}

/** HMAC-SHA1 of data under key. */
export function hmacSha1(core: Core, key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = scratch(core, KEY_AREA + key.length + data.length + 20);
  const k = s.ptr + KEY_AREA;
  const d = k + key.length;
  const out = d + data.length;
  const v = refresh(core, s);
  v.set(key, k);
  v.set(data, d);
  ex(core).hmac_sha1_digest(k, key.length, d, data.length, out);
  return refresh(core, s).slice(out, out + 20);
}

function refresh(core: Core, s: Scratch): Uint8Array {
  const bytes = core.bytes();
  if (s.view.buffer !== bytes.buffer) s.view = bytes;
  return s.view;
}

/** Places the key at the start of the scratch (or after `extra` bytes when it does not
 *  fit the key area) and returns [modPtr, expPtr, nextFree]. */
function placeKey(core: Core, key: RsaPublicKey, extra: number): { s: Scratch; mod: number; exp: number; free: number } {
  const keyBytes = key.modulus.length + key.exponent.length;
  if (keyBytes <= KEY_AREA) {
    const s = scratch(core, KEY_AREA + extra);
    if (s.key !== key) {
      const v = refresh(core, s);
      v.set(key.modulus, s.ptr);
      v.set(key.exponent, s.ptr + key.modulus.length);
      s.key = key;
    }
    return { s, mod: s.ptr, exp: s.ptr + key.modulus.length, free: s.ptr + KEY_AREA };
  }
  const s = scratch(core, KEY_AREA + keyBytes + extra);
  const mod = s.ptr + KEY_AREA;
  const v = refresh(core, s);
  v.set(key.modulus, mod);
  v.set(key.exponent, mod + key.modulus.length);
  return { s, mod, exp: mod + key.modulus.length, free: mod + keyBytes };
}

/** RSASSA-PKCS1-v1_5 / SHA-1 verification of a 20-byte digest: 0 when valid, a
 *  negative code (RSA_CODES) otherwise. */
export function rsaVerify(core: Core, key: RsaPublicKey, digest: Uint8Array, sig: Uint8Array): number {
  if (digest.length !== 20) throw new RangeError("digest must be 20 bytes");
  const { s, mod, exp, free } = placeKey(core, key, 20 + sig.length);
  const v = refresh(core, s);
  v.set(digest, free);
  v.set(sig, free + 20);
  return ex(core).rsa_verify(mod, key.modulus.length, exp, key.exponent.length, free, free + 20, sig.length);
}

/** Same, hashing the message with SHA-1 in the module first (like crypto.verify('sha1', ...)). */
export function rsaVerifyMessage(core: Core, key: RsaPublicKey, message: Uint8Array, sig: Uint8Array): number {
  const { s, mod, exp, free } = placeKey(core, key, message.length + sig.length);
  const v = refresh(core, s);
  v.set(message, free);
  v.set(sig, free + message.length);
  return ex(core).rsa_verify_message(mod, key.modulus.length, exp, key.exponent.length, free, message.length, free + message.length, sig.length);
}

function modulusBytes(key: RsaPublicKey): number {
  let i = 0;
  while (i < key.modulus.length && key.modulus[i] === 0) i++;
  return key.modulus.length - i;
}

/** One public-key operation of the core on `input`: its k-byte result, or a CryptoError. */
function publicOp(core: Core, key: RsaPublicKey, input: Uint8Array, op: "rsa_encrypt" | "rsa_public_raw"): Uint8Array {
  const k = modulusBytes(key);
  const { s, mod, exp, free } = placeKey(core, key, input.length + k + 8);
  refresh(core, s).set(input, free);
  const out = free + input.length;
  const r = ex(core)[op](mod, key.modulus.length, exp, key.exponent.length, free, input.length, out);
  if (r !== 0) throw new CryptoError(r);
  return refresh(core, s).slice(out, out + k);
}

/** RSAES-PKCS1-v1_5 encryption with random non-zero padding; throws CryptoError on a bad
 *  key, a message longer than k - 11 bytes, or a failing random source. */
export function rsaEncrypt(core: Core, key: RsaPublicKey, message: Uint8Array): Uint8Array {
  return publicOp(core, key, message, "rsa_encrypt");
}

/** The raw public operation input^e mod n (input exactly k bytes, below n). */
export function rsaPublic(core: Core, key: RsaPublicKey, input: Uint8Array): Uint8Array {
  return publicOp(core, key, input, "rsa_public_raw");
}

/** Low-level access for benchmarks: the raw exports and the scratch area. */
export function cryptoExports(core: Core): CryptoExports {
  return ex(core);
}
