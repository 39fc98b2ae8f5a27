// Test-side packet helpers written independently of the core: an extension-header walker,
// the MH checksum, and small IPv6/UDP/ICMPv6 builders. Tests use them to check what the
// core emits and to build input it has to handle.
import { parseIPv6, formatIPv6 } from "../../host/ipv6.js";

export const NH_HOP = 0, NH_UDP = 17, NH_IPV6 = 41, NH_ROUTING = 43, NH_ICMPV6 = 58, NH_DSTOPT = 60, NH_MH = 135;

export function addr(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

export const text = (b: Uint8Array, off = 0) => formatIPv6(b, off);

/** Walks the extension-header chain: the final Next Header and where its header starts. */
export function upperLayer(p: Uint8Array): { nh: number; off: number } {
  let nh = p[6];
  let off = 40;
  while ((nh === NH_HOP || nh === NH_ROUTING || nh === NH_DSTOPT) && off + 2 <= p.length) {
    const next = p[off];
    off += (p[off + 1] + 1) * 8;
    nh = next;
  }
  return { nh, off };
}

export interface MhOption { type: number; off: number; len: number }

/** The options of the MH at `mh` (offset of the first option given by its type's fixed part). */
export function mhOptions(p: Uint8Array, mhOff: number, fixedLen: number): MhOption[] {
  const end = mhOff + (p[mhOff + 1] + 1) * 8;
  const out: MhOption[] = [];
  let o = mhOff + fixedLen;
  while (o < end) {
    if (p[o] === 0) { o++; continue; }
    out.push({ type: p[o], off: o + 2, len: p[o + 1] });
    o += 2 + p[o + 1];
  }
  return out;
}

/** The MH fixed-part lengths (RFC 6275 §6.1), the options start after them. */
export const MH_FIXED: Record<number, number> = { 0: 6, 1: 16, 2: 16, 3: 24, 4: 24, 5: 12, 6: 12, 7: 24 };

export function internetChecksum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, len: number, nh: number): Uint8Array {
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, len);
  ph[39] = nh;
  return ph;
}

/** Sets the MH checksum with the HoA and RH2 pseudo-header rule (PROTOCOL.md §3). */
export function fixMhChecksum(p: Uint8Array, hoa: Uint8Array | null, rh2: Uint8Array | null): void {
  const { off } = upperLayer(p);
  const len = (p[off + 1] + 1) * 8;
  p[off + 4] = 0;
  p[off + 5] = 0;
  const c = internetChecksum([pseudoHeader(hoa ?? p.subarray(8, 24), rh2 ?? p.subarray(24, 40), len, NH_MH), p.subarray(off, off + len)]);
  p[off + 4] = c >> 8;
  p[off + 5] = c & 0xff;
}

/** An IPv6 + UDP packet with `payload` bytes of payload. */
export function udpPacket(src: string, dst: string, payload: number, opts: { hopLimit?: number; trafficClass?: number; flowLabel?: number } = {}): Uint8Array {
  const p = new Uint8Array(48 + payload);
  const v = new DataView(p.buffer);
  v.setUint32(0, (6 << 28) | ((opts.trafficClass ?? 0) << 20) | (opts.flowLabel ?? 0));
  v.setUint16(4, 8 + payload);
  p[6] = NH_UDP;
  p[7] = opts.hopLimit ?? 64;
  p.set(addr(src), 8);
  p.set(addr(dst), 24);
  v.setUint16(40, 40000);
  v.setUint16(42, 9);
  v.setUint16(44, 8 + payload);
  for (let i = 0; i < payload; i++) p[48 + i] = i & 0xff;
  v.setUint16(46, internetChecksum([pseudoHeader(p.subarray(8, 24), p.subarray(24, 40), 8 + payload, NH_UDP), p.subarray(40)]) || 0xffff);
  return p;
}

/** Wraps `inner` in an outer IPv6 header (Next Header 41). */
export function encapsulate(outerSrc: string, outerDst: string, inner: Uint8Array, hopLimit = 64): Uint8Array {
  const p = new Uint8Array(40 + inner.length);
  const v = new DataView(p.buffer);
  v.setUint32(0, 6 << 28);
  v.setUint16(4, inner.length);
  p[6] = NH_IPV6;
  p[7] = hopLimit;
  p.set(addr(outerSrc), 8);
  p.set(addr(outerDst), 24);
  p.set(inner, 40);
  return p;
}
