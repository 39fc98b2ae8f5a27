// IPv6 text to 16 bytes, written apart from host/ipv6.ts (no embedded IPv4, no zone): tests that
// check formatIPv6, or build packets for a real TUN, use it so the host is not checked only
// against its own parser.
export function referenceAddr(s: string): Uint8Array {
  const [head, tail] = s.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
  return out;
}
