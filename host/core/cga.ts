// Typed wrappers over the CGA / token exports of the core (assembly/cga/exports.ts).
// The only host file that knows the layouts of cga_result() and cga_der_result().
// Inputs are laid out in the area's scratch buffer (no allocation in the module).
import type { Core } from "../wasm.js";
import { writeScratch } from "./scratch.js";

interface CgaExports {
  cga_scratch(): number;
  cga_scratch_size(): number;
  cga_verify(addr: number, params: number, len: number, minSec: number): number;
  cga_result(): number;
  cga_der_check(p: number, len: number): number;
  cga_der_result(): number;
  cga_generate(outAddr: number, outParams: number, cap: number, modifier: number, prefix: number,
    collisionCount: number, sec: number, key: number, keyLen: number, ext: number, extLen: number): number;
  cga_search_start(modifier: number, key: number, keyLen: number, ext: number, extLen: number, sec: number): number;
  cga_search_step(maxAttempts: number): number;
  cga_search_modifier(): number;
  cga_search_attempts(): number;
  cga_search_done(): number;
  tok_careof_keygen(kdar: number, coa: number, nonce: number, out: number): void;
  tok_careof_keygen_check(kdar: number, coa: number, nonce: number, token: number): number;
  tok_kbm(home: number, careOf: number, out: number): void;
  tok_kbm_dereg(phkt: number, out: number): void;
  tok_authenticator(kbm: number, coa: number, anchor: number, mh: number, authOffset: number, out: number): number;
  tok_authenticator_check(kbm: number, coa: number, anchor: number, mh: number, authOffset: number): number;
  tok_sign_digest(coa: number, anchor: number, mh: number, signedLen: number, out: number): number;
  tok_signature_verify(coa: number, anchor: number, mh: number, signedLen: number,
    mod: number, modLen: number, exp: number, expLen: number, sig: number, sigLen: number): number;
}

function ex(core: Core): CgaExports {
  return core.exports as unknown as CgaExports;
}

/** cga_verify verdicts (assembly/cga/cga.ts CGA_*), in the order the checks run. */
export const CGA_REASONS: readonly string[] = [
  "valid",
  "parameters shorter than 25 bytes or longer than 2048",
  "collision count > 2",
  "subnet prefix differs",
  "public key truncated",
  "public key is not an acceptable RSA key",
  "Hash1 mismatch",
  "Sec below the minimum",
  "Hash2 condition fails",
];

/** der.ts DER_* statuses. */
export const DER_REASONS: readonly string[] = [
  "ok",
  "truncated (a length runs past its container)",
  "unexpected tag",
  "bad length encoding (indefinite, not minimal or too long)",
  "trailing bytes",
  "algorithm is not rsaEncryption",
  "rsaEncryption parameters are not NULL",
  "bad BIT STRING",
  "INTEGER negative, empty or not minimal",
  "modulus not 1024-4096 bits or even",
  "exponent even, < 3 or over 32 bits",
];

export const CGA_PARAMS_MAX = 2048;

/** Lays byte strings (or zeroed output room) out in the CGA scratch buffer; returns their addresses. */
function pack(core: Core, ...parts: (Uint8Array | number)[]): number[] {
  const e = ex(core);
  return writeScratch(core, e.cga_scratch(), e.cga_scratch_size(), ...parts);
}

function u32s(core: Core, ptr: number, n: number): number[] {
  const mem = core.bytes();
  const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  return Array.from({ length: n }, (_, i) => view.getUint32(ptr + 4 * i, true));
}

function need(name: string, value: Uint8Array, len: number): void {
  if (value.length !== len) throw new RangeError(`${name} must be ${len} bytes, not ${value.length}`);
}

export interface RsaPublicKey {
  /** The SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Big-endian modulus without a sign byte. */
  modulus: Uint8Array;
  /** Big-endian public exponent. */
  exponent: Uint8Array;
  bits: number;
}

export interface CgaVerdict {
  ok: boolean;
  /** CGA_* code (0 = valid). */
  status: number;
  reason: string;
  /** Sec from the address (0 when verification stopped before Hash1). */
  sec: number;
  /** DER status of the public key (when status is 5: why). */
  derStatus: number;
  /** The parsed public key (once it parsed). */
  key: RsaPublicKey | null;
}

/** RFC 3972 §5 verification of `address` (16 bytes) against CGA Parameters. */
export function cgaVerify(core: Core, address: Uint8Array, params: Uint8Array, minSec = 0): CgaVerdict {
  need("address", address, 16);
  const e = ex(core);
  const [a, p] = pack(core, address, params);
  const status = e.cga_verify(a, p, params.length, minSec);
  const [, sec, derStatus, keyOff, keyLen, modOff, modLen, expOff, expLen, bits] = u32s(core, e.cga_result(), 10);
  let reason = CGA_REASONS[status] ?? `status ${status}`;
  if (status === 5) reason += ` (${DER_REASONS[derStatus] ?? derStatus})`;
  const key = keyLen > 0 ? {
    spki: params.slice(keyOff, keyOff + keyLen),
    modulus: params.slice(modOff, modOff + modLen),
    exponent: params.slice(expOff, expOff + expLen),
    bits,
  } : null;
  return { ok: status === 0, status, reason, sec, derStatus, key };
}

export interface DerVerdict { ok: boolean; status: number; reason: string; key: RsaPublicKey | null }

/** Strict parse of an RSA SubjectPublicKeyInfo (the whole input). */
export function derCheck(core: Core, spki: Uint8Array): DerVerdict {
  const e = ex(core);
  const [p] = pack(core, spki);
  const status = e.cga_der_check(p, spki.length);
  const [, modOff, modLen, expOff, expLen, bits] = u32s(core, e.cga_der_result(), 6);
  const key = status === 0 ? {
    spki: spki.slice(),
    modulus: spki.slice(modOff, modOff + modLen),
    exponent: spki.slice(expOff, expOff + expLen),
    bits,
  } : null;
  return { ok: status === 0, status, reason: DER_REASONS[status] ?? `status ${status}`, key };
}

const SEARCH_ERRORS: Record<number, string> = {
  [-1]: "the public key is not an acceptable RSA SubjectPublicKeyInfo",
  [-2]: "public key and extension fields exceed 2048 bytes of CGA Parameters",
  [-3]: "Sec must be 0..7",
};

/** Starts the Hash2 modifier search (one at a time per core). Throws RangeError on bad input. */
export function cgaSearchStart(core: Core, opts: { modifier: Uint8Array; spki: Uint8Array; sec: number; ext?: Uint8Array }): void {
  need("modifier", opts.modifier, 16);
  const ext = opts.ext ?? new Uint8Array(0);
  const [m, k, x] = pack(core, opts.modifier, opts.spki, ext);
  const st = ex(core).cga_search_start(m, k, opts.spki.length, x, ext.length, opts.sec);
  if (st !== 0) throw new RangeError(SEARCH_ERRORS[st] ?? `cga_search_start: ${st}`);
}

/** Runs up to maxAttempts attempts; true when the modifier is found. */
export function cgaSearchStep(core: Core, maxAttempts: number): boolean {
  const st = ex(core).cga_search_step(maxAttempts >>> 0);
  if (st < 0) throw new Error("no CGA search started");
  return st === 1;
}

/** The modifier found, or (while searching) the next one to try. */
export function cgaSearchModifier(core: Core): Uint8Array {
  return core.copyOut(ex(core).cga_search_modifier(), 16);
}

export function cgaSearchAttempts(core: Core): number {
  return ex(core).cga_search_attempts();
}

/** Runs a whole search synchronously; returns the modifier and the attempts it took. */
export function cgaSearch(core: Core, opts: { modifier: Uint8Array; spki: Uint8Array; sec: number; ext?: Uint8Array }):
    { modifier: Uint8Array; attempts: number } {
  cgaSearchStart(core, opts);
  while (!cgaSearchStep(core, 1 << 20)) { /* continue */ }
  return { modifier: cgaSearchModifier(core), attempts: cgaSearchAttempts(core) };
}

export interface CgaAddressOptions {
  modifier: Uint8Array;
  /** The /64 subnet prefix: 8 bytes, or a 16-byte address whose first 8 bytes are taken. */
  prefix: Uint8Array;
  spki: Uint8Array;
  sec: number;
  collisionCount?: number;
  ext?: Uint8Array;
}

/** Forms the CGA and its parameters for a modifier found for (spki, ext, sec). */
export function cgaAddress(core: Core, opts: CgaAddressOptions): { address: Uint8Array; params: Uint8Array } {
  need("modifier", opts.modifier, 16);
  if (opts.prefix.length !== 8 && opts.prefix.length !== 16) throw new RangeError("prefix must be 8 or 16 bytes");
  const ext = opts.ext ?? new Uint8Array(0);
  const e = ex(core);
  const cap = CGA_PARAMS_MAX;
  const [outA, outP, m, pf, k, x] = pack(core, 16, cap, opts.modifier, opts.prefix.subarray(0, 8), opts.spki, ext);
  const n = e.cga_generate(outA, outP, cap, m, pf, opts.collisionCount ?? 0, opts.sec, k, opts.spki.length, x, ext.length);
  if (n === -2) throw new RangeError(`the modifier does not satisfy Hash2 for Sec ${opts.sec}`);
  if (n < 0) throw new RangeError("bad CGA inputs (collision count > 2, Sec > 7 or parameters over 2048 bytes)");
  return { address: core.copyOut(outA, 16), params: core.copyOut(outP, n) };
}

/** Care-of keygen token: first 64 bits of HMAC_SHA1(Kdar, CoA | nonce | 0x01). */
export function careOfKeygenToken(core: Core, kdar: Uint8Array, coa: Uint8Array, nonce: Uint8Array): Uint8Array {
  need("Kdar", kdar, 20); need("CoA", coa, 16); need("nonce", nonce, 8);
  const [k, c, n, out] = pack(core, kdar, coa, nonce, 8);
  ex(core).tok_careof_keygen(k, c, n, out);
  return core.copyOut(out, 8);
}

export function careOfKeygenTokenCheck(core: Core, kdar: Uint8Array, coa: Uint8Array, nonce: Uint8Array, token: Uint8Array): boolean {
  need("Kdar", kdar, 20); need("CoA", coa, 16); need("nonce", nonce, 8); need("token", token, 8);
  const [k, c, n, t] = pack(core, kdar, coa, nonce, token);
  return ex(core).tok_careof_keygen_check(k, c, n, t) !== 0;
}

/** Kbm = SHA1(home part | care-of part); null stands for 8 zero bytes. */
export function kbm(core: Core, homePart: Uint8Array | null, careOfPart: Uint8Array | null): Uint8Array {
  if (homePart) need("home part", homePart, 8);
  if (careOfPart) need("care-of part", careOfPart, 8);
  const [h, c, out] = pack(core, homePart ?? 8, careOfPart ?? 8, 20);
  ex(core).tok_kbm(homePart ? h : 0, careOfPart ? c : 0, out);
  return core.copyOut(out, 20);
}

/** Kbm of a phkt-mode deregistration: SHA1(PHKT). */
export function kbmDereg(core: Core, phkt: Uint8Array): Uint8Array {
  need("PHKT", phkt, 8);
  const [p, out] = pack(core, phkt, 20);
  ex(core).tok_kbm_dereg(p, out);
  return core.copyOut(out, 20);
}

/** The BAD authenticator over CoA | anchor | mh[0, authOffset) (checksum taken as 0).
 *  authOffset defaults to mh.length (mh given without the authenticator bytes). */
export function authenticator(core: Core, kbmValue: Uint8Array, coa: Uint8Array, anchor: Uint8Array, mh: Uint8Array,
    authOffset = mh.length): Uint8Array {
  need("Kbm", kbmValue, 20); need("CoA", coa, 16); need("anchor", anchor, 16);
  if (authOffset > mh.length) throw new RangeError("authOffset past the MH");
  const [k, c, a, m, out] = pack(core, kbmValue, coa, anchor, mh, 12);
  if (ex(core).tok_authenticator(k, c, a, m, authOffset, out) !== 0) throw new RangeError("MH too short");
  return core.copyOut(out, 12);
}

/** Whether the 12 bytes at mh[authOffset] (default: the last 12) are the right authenticator. */
export function authenticatorCheck(core: Core, kbmValue: Uint8Array, coa: Uint8Array, anchor: Uint8Array, mh: Uint8Array,
    authOffset = mh.length - 12): boolean {
  need("Kbm", kbmValue, 20); need("CoA", coa, 16); need("anchor", anchor, 16);
  if (authOffset < 0 || authOffset + 12 > mh.length) return false;
  const [k, c, a, m] = pack(core, kbmValue, coa, anchor, mh);
  return ex(core).tok_authenticator_check(k, c, a, m, authOffset) !== 0;
}

/** SHA1(CGA tag | CoA | anchor | mh[0, signedLen)) with the checksum taken as 0. */
export function signDigest(core: Core, coa: Uint8Array, anchor: Uint8Array, mh: Uint8Array, signedLen = mh.length): Uint8Array {
  need("CoA", coa, 16); need("anchor", anchor, 16);
  if (signedLen > mh.length) throw new RangeError("signedLen past the MH");
  const [c, a, m, out] = pack(core, coa, anchor, mh, 20);
  if (ex(core).tok_sign_digest(c, a, m, signedLen, out) !== 0) throw new RangeError("MH too short");
  return core.copyOut(out, 20);
}

/** Verifies a cga-mode signature with the key from CGA Parameters (0 = valid). */
export function signatureVerify(core: Core, coa: Uint8Array, anchor: Uint8Array, mh: Uint8Array, signedLen: number,
    key: RsaPublicKey, signature: Uint8Array): boolean {
  const e = ex(core);
  need("CoA", coa, 16); need("anchor", anchor, 16);
  if (signedLen > mh.length) throw new RangeError("signedLen past the MH");
  const [c, a, m, n, x, s] = pack(core, coa, anchor, mh, key.modulus, key.exponent, signature);
  return e.tok_signature_verify(c, a, m, signedLen, n, key.modulus.length, x, key.exponent.length, s, signature.length) === 0;
}
