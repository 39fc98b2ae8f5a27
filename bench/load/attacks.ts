// Attack traffic, built before anything is timed, each class from its own care-of block
// (population.ts COA_CLASS) so the BAs it draws are told apart:
//   * validCgaFlood: cga-mode BUs from many HoAs, each a valid CGA in the DAR's prefix with a
//     real signature (the attacker's own keys): every one costs the DAR an RSA verification;
//   * badSignature: a valid cga-mode BU whose sequence number was changed after signing (then
//     the MH checksum fixed): the signature no longer verifies;
//   * replays: copies of BUs the DAR already accepted (honest MNs'), sent again unchanged;
//   * garbageMh: Mobility Headers of random bytes (seeded) with a correct IPv6 header;
//   * tunnelSpoof: IPv6-in-IPv6 to the anchor whose inner source is a bound HoA but whose outer
//     source is not that HoA's CoA.
import type { KeyObject } from "node:crypto";
import type { Core } from "../../host/wasm.js";
import { buildBu } from "../../tests/support/mobile-node.js";
import { fixMhChecksum, upperLayer, udpPacket, encapsulate, addr } from "../../tests/support/packets.js";
import { rng } from "../../tests/support/rng.js";
import { identities, coaOf, COA_CLASS, type Identity } from "./population.js";
import { LOAD_PLAN } from "./net.js";

export interface FloodSet { ids: Identity[]; packets: Uint8Array[] }

/** `n` signed cga-mode BUs from `n` distinct attacker HoAs (signing is the slow part: ~1.5 ms each for RSA-2048). */
export function validCgaFlood(core: Core, pool: readonly KeyObject[], n: number, lifetime = 3600): FloodSet {
  const ids = identities(core, pool, n);
  const packets = ids.map((id, i) => buildBu(core, { coa: coaOf(i, COA_CLASS.flood), anchor: LOAD_PLAN.anchor, hoa: id.hoa, seq: 1, lifetime, cga: { key: id.key, params: id.params } }));
  return { ids, packets };
}

/** `n` cga-mode BUs with broken signatures, from one signed BU of `id`. */
export function badSignature(core: Core, id: Identity, n: number, seed = 1): Uint8Array[] {
  const signed = buildBu(core, { coa: coaOf(0, COA_CLASS.badSig), anchor: LOAD_PLAN.anchor, hoa: id.hoa, seq: 1, lifetime: 3600, cga: { key: id.key, params: id.params } });
  const r = rng(seed);
  const { off } = upperLayer(signed);
  return Array.from({ length: n }, () => {
    const p = signed.slice();
    const seq = 2 + r.below(0xfff0);
    p[off + 6] = seq >> 8;
    p[off + 7] = seq & 0xff;
    fixMhChecksum(p, addr(id.hoa), null);
    return p;
  });
}

/** `n` Mobility Headers of random content (seeded), from the garbage care-of block. */
export function garbageMh(n: number, seed = 1): Uint8Array[] {
  const r = rng(seed);
  const anchor = addr(LOAD_PLAN.anchor);
  return Array.from({ length: n }, (_, i) => {
    const units = r.below(6); // MH length field: 8 to 48 bytes
    const len = (units + 1) * 8;
    const p = new Uint8Array(40 + len);
    const v = new DataView(p.buffer);
    v.setUint32(0, 6 << 28);
    v.setUint16(4, len);
    p[6] = 135;
    p[7] = 64;
    p.set(addr(coaOf(i, COA_CLASS.garbage)), 8);
    p.set(anchor, 24);
    for (let k = 40; k < p.length; k++) p[k] = r.below(256);
    p[40] = 59; // the MH's payload proto (RFC 6275 §6.1.1)
    p[41] = units;
    return p;
  });
}

/** Tunnel packets to the anchor with a bound HoA inside and a foreign outer source. */
export function tunnelSpoof(hoas: readonly string[], n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => encapsulate(coaOf(i, COA_CLASS.spoof), LOAD_PLAN.anchor, udpPacket(hoas[i % hoas.length]!, LOAD_PLAN.cnSource, 16)));
}

/** BA statuses seen per attack class (the care-of block a BA went to). */
export class AttackBas {
  private readonly counts = new Map<number, Map<number, number>>();
  add(cls: number, status: number): void {
    let m = this.counts.get(cls);
    if (!m) this.counts.set(cls, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }
  /** How many BAs with `status` (or any status) went to class `cls`. */
  count(cls: number, status?: number): number {
    const m = this.counts.get(cls);
    if (!m) return 0;
    if (status !== undefined) return m.get(status) ?? 0;
    let n = 0;
    for (const v of m.values()) n += v;
    return n;
  }
  describe(cls: number): string { return JSON.stringify(Object.fromEntries(this.counts.get(cls) ?? [])); }
}
