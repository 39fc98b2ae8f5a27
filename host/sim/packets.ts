// The data packets of the simulated flows and the MN's end of the RFC 2473 tunnel.
// The anchors' end (encapsulation towards the CoA, decapsulation with the binding check)
// is the real core; the MN's end is a 40-byte IPv6 header added or checked here, because
// an MN's core instance exists only while it signals (docs/SIMULATION.md, "Sharing").
// Only IPv6 fixed-header fields are touched: no Mobility Header layout lives here.

export const IPV6_HEADER = 40;
const NH_UDP = 17;
export const NH_IPV6 = 41;

/** An IPv6/UDP packet with `payload` bytes of zeros and a correct UDP checksum. */
export function udpPacket(src: Uint8Array, dst: Uint8Array, payload: number, flowLabel: number): Uint8Array {
  const udpLen = 8 + payload;
  const p = new Uint8Array(IPV6_HEADER + udpLen);
  const v = new DataView(p.buffer);
  v.setUint32(0, (6 << 28) | (flowLabel & 0xfffff));
  v.setUint16(4, udpLen);
  p[6] = NH_UDP;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  v.setUint16(40, 40000 + (flowLabel & 0x3fff));
  v.setUint16(42, 9000);
  v.setUint16(44, udpLen);
  let sum = udpLen + NH_UDP;
  for (let i = 8; i < 40; i += 2) sum += v.getUint16(i);
  for (let i = 40; i + 1 < p.length; i += 2) sum += v.getUint16(i);
  if (p.length & 1) sum += p[p.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(46, (~sum & 0xffff) || 0xffff);
  return p;
}

/** The MN's reverse tunnel: outer src = CoA, dst = the anchor (RFC 2473 §3). */
export function encapsulate(coa: Uint8Array, anchor: Uint8Array, inner: Uint8Array): Uint8Array {
  const p = new Uint8Array(IPV6_HEADER + inner.length);
  const v = new DataView(p.buffer);
  const tc = ((inner[0]! & 0x0f) << 4) | (inner[1]! >> 4);
  v.setUint32(0, (6 << 28) | (tc << 20));
  v.setUint16(4, inner.length);
  p[6] = NH_IPV6;
  p[7] = 64;
  p.set(coa, 8);
  p.set(anchor, 24);
  p.set(inner, IPV6_HEADER);
  return p;
}

/** The inner packet of a tunnel packet (a view), or null when it is not one. */
export function decapsulate(p: Uint8Array): Uint8Array | null {
  if (p.length < 2 * IPV6_HEADER || p[6] !== NH_IPV6) return null;
  return p.subarray(IPV6_HEADER);
}

/** A 16-byte address as a map key. */
export function addrKey(p: Uint8Array, off: number): string {
  return String.fromCharCode(
    (p[off]! << 8) | p[off + 1]!, (p[off + 2]! << 8) | p[off + 3]!, (p[off + 4]! << 8) | p[off + 5]!, (p[off + 6]! << 8) | p[off + 7]!,
    (p[off + 8]! << 8) | p[off + 9]!, (p[off + 10]! << 8) | p[off + 11]!, (p[off + 12]! << 8) | p[off + 13]!, (p[off + 14]! << 8) | p[off + 15]!);
}
