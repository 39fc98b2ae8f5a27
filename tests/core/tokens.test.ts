// Keyed tokens in the core (PROTOCOL.md §2.1, §2.4) against crypto.json, and the
// checksum-as-zero rule on real packets whose checksum is set.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { parseIPv6 } from "../../host/ipv6.js";
import {
  careOfKeygenToken, careOfKeygenTokenCheck, kbm, kbmDereg, authenticator, authenticatorCheck, signDigest,
  signatureVerify, derCheck,
} from "../../host/core/cga.js";

const core = loadCore();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const addr = (t: string) => { const a = parseIPv6(t); assert.ok(a, t); return a; };
const v = JSON.parse(readFileSync(join(VECTORS_DIR, "crypto.json"), "utf8"));

/** Where `needle` starts inside `hay`, or -1. */
function find(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay).indexOf(Buffer.from(needle));
}

describe("care-of keygen token", () => {
  for (const c of v.careOfKeygenToken) {
    test(`vector ${c.token}`, () => {
      const t = careOfKeygenToken(core, unhex(c.kdar), addr(c.coa), unhex(c.nonce));
      assert.equal(hex(t), c.token);
      assert.ok(careOfKeygenTokenCheck(core, unhex(c.kdar), addr(c.coa), unhex(c.nonce), unhex(c.token)));
      const bad = unhex(c.token);
      bad[7] ^= 1;
      assert.equal(careOfKeygenTokenCheck(core, unhex(c.kdar), addr(c.coa), unhex(c.nonce), bad), false);
    });
  }
  test("random inputs match HMAC-SHA1 from node:crypto", () => {
    for (let i = 0; i < 200; i++) {
      const kdar = randomBytes(20), coa = randomBytes(16), nonce = randomBytes(8);
      const want = createHmac("sha1", kdar).update(coa).update(nonce).update(Buffer.from([1])).digest().subarray(0, 8);
      assert.equal(hex(careOfKeygenToken(core, kdar, coa, nonce)), hex(want));
    }
  });
});

describe("Kbm", () => {
  for (const c of v.kbm) {
    test(c.case, () => {
      const home = unhex(c.homePart);
      const got = c.careOfPart === null
        ? kbmDereg(core, home)
        : kbm(core, /^0+$/.test(c.homePart) ? null : home, /^0+$/.test(c.careOfPart) ? null : unhex(c.careOfPart));
      assert.equal(hex(got), c.kbm);
      if (c.careOfPart !== null) assert.equal(hex(kbm(core, home, unhex(c.careOfPart))), c.kbm, "explicit zero parts");
    });
  }
});

describe("BAD authenticator", () => {
  for (const c of v.authenticator) {
    test(c.case, () => {
      const coa = addr(c.coa), anchor = addr(c.anchor), k = unhex(c.kbm);
      const mh = unhex(c.mh);
      assert.equal(hex(authenticator(core, k, coa, anchor, mh)), c.authenticator);
      // in place on the packet: its MH carries the real checksum, which must be hashed as zero
      const packet = unhex(c.packet);
      const onWire = Uint8Array.from([...mh.subarray(0, 4), ...unhex(c.checksum), ...mh.subarray(6), ...unhex(c.authenticator)]);
      const at = find(packet, onWire);
      assert.ok(at > 0, "MH found in the packet");
      assert.notEqual(c.checksum, "0000");
      const wireMh = packet.subarray(at, at + onWire.length);
      assert.equal(hex(authenticator(core, k, coa, anchor, wireMh, mh.length)), c.authenticator);
      assert.ok(authenticatorCheck(core, k, coa, anchor, wireMh));
      // any flipped bit in the covered bytes (except the checksum), the key or the tag fails
      for (let i = 0; i < wireMh.length; i++) {
        const m = wireMh.slice();
        m[i] ^= 0x10;
        assert.equal(authenticatorCheck(core, k, coa, anchor, m), i === 4 || i === 5, `byte ${i}`);
      }
      const k2 = k.slice(); k2[19] ^= 1;
      assert.equal(authenticatorCheck(core, k2, coa, anchor, wireMh), false);
      assert.equal(authenticatorCheck(core, k, anchor, coa, wireMh), false, "CoA and anchor in order");
    });
  }
  test("random MHs match HMAC-SHA1 from node:crypto (checksum taken as zero)", () => {
    for (let len = 6; len < 300; len += 7) {
      const k = randomBytes(20), coa = randomBytes(16), anchor = randomBytes(16), mh = randomBytes(len);
      const zeroed = Buffer.from(mh); zeroed[4] = 0; zeroed[5] = 0;
      const want = createHmac("sha1", k).update(coa).update(anchor).update(zeroed).digest().subarray(0, 12);
      assert.equal(hex(authenticator(core, k, coa, anchor, mh)), hex(want), `length ${len}`);
    }
  });
  test("an MH too short to hold its checksum is refused", () => {
    assert.throws(() => authenticator(core, new Uint8Array(20), new Uint8Array(16), new Uint8Array(16), new Uint8Array(5)), /too short/);
    assert.equal(authenticatorCheck(core, new Uint8Array(20), new Uint8Array(16), new Uint8Array(16), new Uint8Array(17)), false);
  });
});

describe("cga-mode signature", () => {
  for (const c of v.signature) {
    test(`${c.keyFile}: digest and verification with the key from the SPKI`, () => {
      const coa = addr(c.coa), anchor = addr(c.anchor);
      const mhSigned = unhex(c.mhSigned);
      const digest = signDigest(core, coa, anchor, mhSigned);
      assert.equal(hex(digest), c.messageSha1);
      assert.equal(hex(createHash("sha1").update(unhex(c.message)).digest()), c.messageSha1);
      // the same on the packet, whose checksum is set
      const packet = unhex(c.packet);
      const tail = mhSigned.subarray(6, 60);
      const at = find(packet, tail) - 6;
      assert.ok(at > 0);
      assert.equal(hex(packet.subarray(at, at + 4)), hex(mhSigned.subarray(0, 4)));
      assert.notEqual(hex(packet.subarray(at + 4, at + 6)), "0000");
      const wire = packet.subarray(at);
      assert.equal(hex(signDigest(core, coa, anchor, wire, mhSigned.length)), c.messageSha1);
      // verification with the public key the DER reader found
      const key = derCheck(core, new Uint8Array(readFileSync(join(VECTORS_DIR, c.spkiFile)))).key!;
      const sig = unhex(c.signature);
      assert.ok(signatureVerify(core, coa, anchor, wire, mhSigned.length, key, sig));
      for (const i of [0, sig.length >> 1, sig.length - 1]) {
        const s = sig.slice(); s[i] ^= 1;
        assert.equal(signatureVerify(core, coa, anchor, wire, mhSigned.length, key, s), false, `signature byte ${i}`);
      }
      const m = wire.slice(); m[mhSigned.length - 1] ^= 1;
      assert.equal(signatureVerify(core, coa, anchor, m, mhSigned.length, key, sig), false, "signed byte");
      assert.equal(signatureVerify(core, coa, anchor, wire, mhSigned.length - 1, key, sig), false, "signed length");
    });
  }
});
