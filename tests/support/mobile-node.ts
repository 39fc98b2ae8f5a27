// A test mobile node: builds the Binding Updates and checks the Binding Acknowledgements
// of PROTOCOL.md §2.1-2.3 with node:crypto (the independent oracle), using the core's
// MH builder only for the option layout.
import { createHash, createHmac, sign, type KeyObject } from "node:crypto";
import { buildPacket, type PacketSpec } from "../../host/core/mh.js";
import { decryptPhkt } from "../../host/keys.js";
import type { Core } from "../../host/wasm.js";
import { addr, fixMhChecksum, mhOptions, upperLayer, MH_FIXED } from "./packets.js";

export const CGA_TAG = Buffer.from("5f2705868d6c4c56a2469ebb9b2a2e13", "hex");
const ZERO8 = new Uint8Array(8);

export const sha1 = (...parts: Uint8Array[]) => {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export function kbm(homePart: Uint8Array | null, careOfPart: Uint8Array | null): Uint8Array {
  return sha1(homePart ?? ZERO8, careOfPart ?? ZERO8);
}

/** The MH bytes with the checksum taken as 0. */
function mhZeroChecksum(p: Uint8Array, off: number, end: number): Uint8Array {
  const mh = p.slice(off, end);
  mh[4] = 0;
  mh[5] = 0;
  return mh;
}

export function authenticator(kbmValue: Uint8Array, coa: Uint8Array, anchor: Uint8Array, p: Uint8Array): Uint8Array {
  const { off } = upperLayer(p);
  const end = off + (p[off + 1] + 1) * 8 - 12;
  const mac = createHmac("sha1", kbmValue).update(coa).update(anchor).update(mhZeroChecksum(p, off, end)).digest();
  return new Uint8Array(mac.subarray(0, 12));
}

/** Whether the BA/BU in `p` carries the right authenticator in its last 12 bytes. */
export function authenticatorOk(kbmValue: Uint8Array, coa: Uint8Array, anchor: Uint8Array, p: Uint8Array): boolean {
  const { off } = upperLayer(p);
  const end = off + (p[off + 1] + 1) * 8;
  return Buffer.from(authenticator(kbmValue, coa, anchor, p)).equals(Buffer.from(p.subarray(end - 12, end)));
}

/** The concatenated value of every option of `type` in the packet's MH. */
export function optionValue(p: Uint8Array, type: number): Uint8Array | null {
  const { off } = upperLayer(p);
  const parts = mhOptions(p, off, MH_FIXED[p[off + 2]]).filter((o) => o.type === type);
  if (!parts.length) return null;
  return Buffer.concat(parts.map((o) => p.subarray(o.off, o.off + o.len)));
}

export interface BuOptions {
  coa: string;
  anchor: string;
  hoa: string;
  seq: number;
  lifetime: number;
  /** cga mode: the key and CGA Parameters (hex); absent: phkt mode. */
  cga?: { key: KeyObject; params: string };
  /** phkt mode: the PHKT. */
  phkt?: Uint8Array;
  /** care-of nonce index and keygen token (care-of test). */
  careOf?: { index: number; token: Uint8Array };
  /** cga mode: append Nonce Indices and a BAD (default: only with a care-of test). */
  bad?: boolean;
  ack?: boolean;
}

/** Builds a BU as an MN would: layout, signature, authenticator, checksum. */
export function buildBu(core: Core, o: BuOptions): Uint8Array {
  const signatureLen = o.cga ? (o.cga.key.asymmetricKeyDetails!.modulusLength! + 7) >> 3 : 0;
  const withBad = o.cga ? (o.bad ?? o.careOf !== undefined) : true;
  const options: PacketSpec["mh"]["options"] = [];
  if (o.cga) {
    options.push({ type: 12, data: o.cga.params });
    options.push({ type: 13, data: "00".repeat(signatureLen) });
  }
  if (withBad) {
    const ni = Buffer.alloc(4);
    ni.writeUInt16BE(o.careOf?.index ?? 0, 2);
    options.push({ type: 4, data: ni.toString("hex") });
    options.push({ type: 5, data: "00".repeat(12) });
  }
  const p = buildPacket(core, {
    src: o.coa, dst: o.anchor, hoa: o.hoa,
    mh: { type: 5, seq: o.seq, flags: { A: o.ack ?? true, H: true }, lifetime: o.lifetime, options },
  });
  const coa = addr(o.coa);
  const anchor = addr(o.anchor);
  const { off } = upperLayer(p);
  if (o.cga) {
    const opts = mhOptions(p, off, MH_FIXED[5]);
    const lastCga = opts.filter((x) => x.type === 12).at(-1)!;
    const signed = Buffer.concat([CGA_TAG, coa, anchor, mhZeroChecksum(p, off, lastCga.off + lastCga.len)]);
    const sig = new Uint8Array(sign("sha1", signed, o.cga.key));
    let done = 0;
    for (const s of opts.filter((x) => x.type === 13)) {
      p.set(sig.subarray(done, done + s.len), s.off);
      done += s.len;
    }
  }
  if (withBad) {
    const home = o.cga ? null : o.phkt!;
    const k = !o.cga && o.lifetime === 0 ? sha1(o.phkt!) : kbm(home, o.careOf?.token ?? null);
    const end = off + (p[off + 1] + 1) * 8;
    p.set(authenticator(k, coa, anchor, p), end - 12);
  }
  fixMhChecksum(p, addr(o.hoa), null);
  return p;
}

/** The PHKT a cga-mode BA carries, decrypted with the MN's key. */
export function phktOf(ba: Uint8Array, key: KeyObject): Uint8Array | null {
  const cipher = optionValue(ba, 14);
  return cipher ? decryptPhkt(key, cipher) : null;
}
