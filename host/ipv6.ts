// IPv6 address text <-> bytes (RFC 4291 §2.2 input, RFC 5952 canonical output) and prefixes.
import { isIPv6 } from "node:net";

/** Parses an IPv6 address (with optional embedded IPv4 tail) into 16 bytes, or null. */
export function parseIPv6(text: string): Uint8Array | null {
  if (!isIPv6(text) || text.includes("%")) return null;
  const out = new Uint8Array(16);
  let head = text;
  let tail: number[] = [];
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    tail = [(a << 8) | b, (c << 8) | d];
    head = text.slice(0, v4.index) + "0"; // placeholder group, replaced below
  }
  const halves = head.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  let words: number[];
  if (halves.length === 2) {
    const left = groups(halves[0]);
    const right = groups(halves[1]);
    if (v4) right.pop();
    const fill = 8 - left.length - right.length - tail.length;
    words = [...left, ...new Array(fill).fill(0), ...right, ...tail];
  } else {
    const all = groups(halves[0]);
    if (v4) all.pop();
    words = [...all, ...tail];
  }
  if (words.length !== 8) return null;
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** Formats 16 bytes at `offset` in RFC 5952 canonical form. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]);
  // The longest run of two or more zero words (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export interface Prefix { address: Uint8Array; length: number; text: string }

/** Parses "ADDR/LEN"; host bits must be zero. Returns an error string on failure. */
export function parsePrefix(text: string): Prefix | string {
  const slash = text.indexOf("/");
  if (slash < 0) return `'${text}' is not a prefix (ADDR/LEN)`;
  const address = parseIPv6(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!address) return `'${text}' does not hold a valid IPv6 address`;
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > 128) return `'${text}' has a bad prefix length`;
  const length = Number(lenText);
  for (let bit = length; bit < 128; bit++) {
    if (address[bit >> 3] & (0x80 >> (bit & 7))) return `'${text}' has bits set after /${length}`;
  }
  return { address, length, text: `${formatIPv6(address)}/${length}` };
}
