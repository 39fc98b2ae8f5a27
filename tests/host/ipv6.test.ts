import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseIPv6, formatIPv6, parsePrefix } from "../../host/ipv6.js";

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("hex") : null);

test("parses full, compressed and IPv4-tailed forms", () => {
  assert.equal(hex(parseIPv6("2001:db8:0:0:1:0:0:1")), "20010db8000000000001000000000001");
  assert.equal(hex(parseIPv6("2001:db8::1")), "20010db8000000000000000000000001");
  assert.equal(hex(parseIPv6("::")), "0".repeat(32));
  assert.equal(hex(parseIPv6("::ffff:192.0.2.1")), "00000000000000000000ffffc0000201");
  assert.equal(hex(parseIPv6("fe80::1:2")), "fe800000000000000000000000010002");
});

test("rejects what is not an IPv6 address", () => {
  for (const bad of ["", "1.2.3.4", "2001:db8::1::2", "2001:db8:g::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9"]) {
    assert.equal(parseIPv6(bad), null, bad);
  }
});

test("formats in RFC 5952 canonical form", () => {
  const cases: [string, string][] = [
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero word is not compressed
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],          // the longest run wins
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],    // the first of equal runs wins
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
  ];
  for (const [input, canonical] of cases) assert.equal(formatIPv6(parseIPv6(input)!), canonical);
});

test("formats every zero-run pattern as the WHATWG URL parser canonicalizes it (RFC 5952 for these forms)", () => {
  // Words are zero or not at random, so every run length and tie appears; read at an offset.
  const word = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff }));
  fc.assert(fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 3 }), (words, offset) => {
    const bytes = new Uint8Array(offset + 16);
    words.forEach((w, i) => { bytes[offset + 2 * i] = w >> 8; bytes[offset + 2 * i + 1] = w & 0xff; });
    const text = formatIPv6(bytes, offset);
    assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
    assert.deepEqual(parseIPv6(text), bytes.subarray(offset));
  }), { numRuns: 2000 });
});

test("parses prefixes and refuses host bits", () => {
  const p = parsePrefix("2001:db8:100:1::/64");
  assert.ok(typeof p !== "string");
  assert.equal(p.length, 64);
  assert.equal(p.text, "2001:db8:100:1::/64");
  assert.match(parsePrefix("2001:db8::1/64") as string, /bits set/);
  assert.match(parsePrefix("2001:db8::/129") as string, /prefix length/);
  assert.match(parsePrefix("2001:db8::") as string, /not a prefix/);
});
