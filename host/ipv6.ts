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

/** A byte in hex: without leading zero (HEX), and as two digits (HEX2). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16));
const HEX2 = HEX.map((h) => h.padStart(2, "0"));

/** Formats 16 bytes at `offset` in RFC 5952 canonical form. Called for every binding event and
 *  listing row, so it builds the string directly (no word arrays). */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  // The longest run of two or more zero words (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if ((bytes[offset + 2 * i]! | bytes[offset + 2 * i + 1]!) !== 0) { runStart = -1; continue; }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 > bestLen) { bestStart = runStart; bestLen = i - runStart + 1; }
  }
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLen) text += ":";
    const hi = bytes[offset + 2 * i]! | 0, lo = bytes[offset + 2 * i + 1]! | 0;
    text += hi === 0 ? HEX[lo] : HEX[hi]! + HEX2[lo];
  }
  return text;
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
