// The MN's RSA private key: load, generate, export the public key, sign, and decrypt
// a PHKT. Private keys stay here (node:crypto); they never enter the Wasm core and
// are never logged: error messages name the file, never its content.
import {
  createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, privateEncrypt, sign as cryptoSign,
  constants, type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { InputError } from "./errors.js";

export const MIN_BITS = 1024;
export const MAX_BITS = 4096;
/** A PHKT is 8 bytes (PROTOCOL.md §2.3). */
export const PHKT_LEN = 8;

/** Generates an RSA key pair (e = 65537); returns the private key as PKCS#8 PEM. */
export function generateKeyPem(bits: number): string {
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    throw new RangeError(`RSA key size must be ${MIN_BITS}..${MAX_BITS} bits, not ${bits}`);
  }
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 65537 });
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

/** Parses a PEM (PKCS#8 or PKCS#1) RSA private key of 1024..4096 bits. */
export function parsePrivateKey(pem: string | Buffer, name = "key"): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new InputError(`${name}: not a PEM private key`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new InputError(`${name}: not an RSA key (${key.asymmetricKeyType})`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS || bits > MAX_BITS) throw new InputError(`${name}: RSA key of ${bits} bits (${MIN_BITS}-${MAX_BITS} accepted)`);
  return key;
}

/** Loads the MN's private key from a PEM file. */
export function loadPrivateKey(path: string): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === "ENOENT" ? "no such file" : code ?? "cannot read"}`);
  }
  return parsePrivateKey(pem, path);
}

/** The public key as SubjectPublicKeyInfo DER (the CGA Parameters' public key field). */
export function spkiDer(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: "spki", format: "der" }));
}

/** Modulus size in bytes. */
export function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

/** RSASSA-PKCS1-v1_5 with SHA-1 over `data` (node:crypto hashes it). */
export function signData(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(cryptoSign("sha1", data, key));
}

// DigestInfo prefix for SHA-1 (RFC 8017 §9.2 note 1).
const SHA1_DIGEST_INFO = Buffer.from("3021300906052b0e03021a05000414", "hex");

/** RSASSA-PKCS1-v1_5 with SHA-1 over a precomputed 20-byte digest (e.g. the core's
 *  tok_sign_digest): EMSA-PKCS1-v1_5 type 1 padding around the DigestInfo. */
export function signDigest(key: KeyObject, digest: Uint8Array): Uint8Array {
  if (digest.length !== 20) throw new RangeError("a SHA-1 digest is 20 bytes");
  const t = Buffer.concat([SHA1_DIGEST_INFO, digest]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, t));
}

/** 0xff when x == 0, else 0 (x a byte), without branches. */
function zeroMask(x: number): number {
  return (((x | -x) >> 31) & 0xff) ^ 0xff;
}

/**
 * Decrypts a PHKT option (RSAES-PKCS1-v1_5) and returns the 8-byte PHKT, or null.
 * Node 20 refuses RSA_PKCS1_PADDING for decryption (CVE-2023-46809), so the raw RSA
 * block is taken with RSA_NO_PADDING and `00 02 PS 00 M` is checked here: PS at least
 * 8 nonzero bytes and M exactly 8 bytes, i.e. EM = 00 02 PS(k-11 nonzero) 00 M(8).
 * The check runs over the whole block with no data-dependent branch; the only branch
 * is on the final verdict.
 */
export function decryptPhkt(key: KeyObject, ciphertext: Uint8Array): Uint8Array | null {
  const k = modulusBytes(key);
  if (ciphertext.length !== k || k < 11 + PHKT_LEN) return null;
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    return null; // ciphertext >= modulus
  }
  if (em.length !== k) { em.fill(0); return null; }
  const sep = k - PHKT_LEN - 1;
  // bad = nonzero when any check fails
  let bad = em[0] | (em[1] ^ 0x02) | em[sep];
  for (let i = 2; i < sep; i++) bad |= zeroMask(em[i]);
  const m = Buffer.from(em.subarray(sep + 1));
  em.fill(0);
  const ok = ((bad | -bad) >> 31) + 1; // 1 when bad == 0, else 0
  if (ok !== 1) { m.fill(0); return null; }
  return new Uint8Array(m);
}
