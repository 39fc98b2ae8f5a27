// The simulated MNs' identities: a small pool of RSA keys and, per MN, a CGA home address in the
// DAR's prefix made from one pool key and its own random modifier (Sec 0: one SHA-1 each, in the
// core's CGA code through host/core/cga.ts), so every HoA is distinct while signing keys repeat.
// Care-of addresses encode who uses them: honest MN i at move g is 2001:db8:20gg::i (g < 0xf0),
// attacker identity i is 2001:db8:20fX::i (X = attack class), all inside LOAD_PLAN.coaRange.
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { formatIPv6, parseIPv6 } from "../../host/ipv6.js";
import type { Core } from "../../host/wasm.js";
import { LOAD_PLAN } from "./net.js";

export interface Identity {
  key: KeyObject;
  /** CGA Parameters, hex (the BU's CGA Parameters option). */
  params: string;
  hoa: string;
  hoaBytes: Uint8Array;
}

/** `n` RSA key pairs of `bits` bits (generating 2048-bit keys takes about 0.1-0.5 s each here). */
export function keyPool(n: number, bits = 2048): KeyObject[] {
  return Array.from({ length: n }, () => generateKeyPairSync("rsa", { modulusLength: bits }).privateKey);
}

/** `n` identities with distinct CGAs in the DAR's prefix, keys taken round-robin from `pool`. */
export function identities(core: Core, pool: readonly KeyObject[], n: number): Identity[] {
  const prefix = parseIPv6(LOAD_PLAN.prefix.split("/")[0]!)!;
  const spkis = pool.map((k) => spkiDer(k));
  const seen = new Set<string>();
  const out: Identity[] = [];
  while (out.length < n) {
    const i = out.length % pool.length;
    const cga = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix, spki: spkis[i]!, sec: 0 });
    const hoa = formatIPv6(cga.address);
    if (seen.has(hoa)) continue; // a 59-bit collision: draw another modifier
    seen.add(hoa);
    out.push({ key: pool[i]!, params: Buffer.from(cga.params).toString("hex"), hoa, hoaBytes: cga.address });
  }
  return out;
}

/** Attack classes, each with its own care-of block. */
export const COA_CLASS = { honest: 0x00, flood: 0xf0, badSig: 0xf1, replay: 0xf2, garbage: 0xf3, spoof: 0xf4 } as const;

/** The care-of address of identity `index` in `cls` at move `move` (honest MNs only move). */
export function coaOf(index: number, cls: number, move = 0): string {
  const b = new Uint8Array(16);
  b.set([0x20, 0x01, 0x0d, 0xb8, 0x20, cls === 0 ? move & 0xff : cls]);
  new DataView(b.buffer).setUint32(12, index + 1);
  return formatIPv6(b);
}

/** Who a care-of address belongs to: [class byte, index] (as coaOf encodes them). */
export function coaOwner(p: Uint8Array, off: number): [number, number] {
  return [p[off + 5]!, (((p[off + 12]! << 24) | (p[off + 13]! << 16) | (p[off + 14]! << 8) | p[off + 15]!) >>> 0) - 1];
}
