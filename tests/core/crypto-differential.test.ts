// Differential tests of the core's crypto primitives against node:crypto (OpenSSL):
// SHA-1 and HMAC-SHA1 on random inputs, RSASSA-PKCS1-v1_5/SHA-1 verification of
// signatures made by node:crypto (accepted; single-bit flips and malformed or forged
// encodings rejected), and RSAES-PKCS1-v1_5 encryption decrypted by node:crypto.
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import crypto, { type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCore, type Core } from "../../host/wasm.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { sha1, hmacSha1, rsaVerify, rsaVerifyMessage, rsaEncrypt, rsaPublic, rsaPublicKeyOf, type RsaPublicKey } from "../../host/core/crypto.js";

const core: Core = loadCore();

function nodeSha1(d: Uint8Array): Buffer {
  return crypto.createHash("sha1").update(d).digest();
}
function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
function flip(b: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(b);
  c[bit >> 3] ^= 0x80 >> (bit & 7);
  return c;
}
function toBig(b: Uint8Array): bigint {
  return b.length ? BigInt("0x" + hex(b)) : 0n;
}
function fromBig(x: bigint, len: number): Uint8Array {
  const h = x.toString(16).padStart(len * 2, "0");
  if (h.length > len * 2) throw new RangeError("too large");
  return new Uint8Array(Buffer.from(h, "hex"));
}

const DI_SHA1 = Buffer.from("3021300906052b0e03021a05000414", "hex");
const DI_SHA256 = Buffer.from("3031300d060960864801650304020105000420", "hex");

/** EM = 00 01 FF.. 00 || tail, k bytes (tail = DigestInfo || H, possibly malformed). */
function pkcs1Block(k: number, tail: Uint8Array, psLen = k - 3 - tail.length, blockType = 1): Uint8Array {
  const em = new Uint8Array(k);
  em[1] = blockType;
  em.fill(0xff, 2, 2 + psLen);
  em[2 + psLen] = 0;
  em.set(tail, 3 + psLen);
  return em;
}
/** The raw private operation on a k-byte block (a "signature" of any encoding). */
function rawSign(priv: KeyObject, em: Uint8Array): Uint8Array {
  return new Uint8Array(crypto.privateEncrypt({ key: priv, padding: crypto.constants.RSA_NO_PADDING }, em));
}

describe("SHA-1 vs node:crypto", () => {
  test("10 random inputs of every length 0..300", () => {
    for (let len = 0; len <= 300; len++) {
      for (let r = 0; r < 10; r++) {
        const d = crypto.randomBytes(len);
        assert.equal(hex(sha1(core, d)), hex(nodeSha1(d)), `length ${len}`);
      }
    }
  });
  test("large inputs up to 1 MiB", () => {
    for (const len of [4096, 8191, 65536, 100_003, 1 << 20, (1 << 20) + 13]) {
      const d = crypto.randomBytes(len);
      assert.equal(hex(sha1(core, d)), hex(nodeSha1(d)), `length ${len}`);
    }
  });
  test("a changed input byte changes the digest", () => {
    const d = crypto.randomBytes(200);
    const a = hex(sha1(core, d));
    d[199] ^= 1;
    assert.notEqual(hex(sha1(core, d)), a);
  });
});

describe("HMAC-SHA1 vs node:crypto", () => {
  test("random keys of 0..200 bytes over data of every length 0..300", () => {
    for (let len = 0; len <= 300; len++) {
      for (let r = 0; r < 8; r++) {
        const key = crypto.randomBytes(crypto.randomInt(0, 201));
        const d = crypto.randomBytes(len);
        assert.equal(hex(hmacSha1(core, key, d)), hex(crypto.createHmac("sha1", key).update(d).digest()), `key ${key.length}, data ${len}`);
      }
    }
  });
  test("block-size boundary keys and large data", () => {
    for (const klen of [63, 64, 65, 128, 1000]) {
      for (const dlen of [0, 64, 65_537, 1 << 20]) {
        const key = crypto.randomBytes(klen);
        const d = crypto.randomBytes(dlen);
        assert.equal(hex(hmacSha1(core, key, d)), hex(crypto.createHmac("sha1", key).update(d).digest()), `key ${klen}, data ${dlen}`);
      }
    }
  });
});

interface Pair { bits: number; pub: RsaPublicKey; priv: KeyObject; pubKey: KeyObject }
const pairs: Pair[] = [];

function makePair(bits: number, publicExponent = 65537): Pair {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicExponent });
  return { bits, pub: rsaPublicKeyOf(publicKey), priv: privateKey, pubKey: publicKey };
}

describe("RSA verification vs node:crypto signatures", () => {
  before(() => {
    for (const bits of [1024, 2048, 3072, 4096]) pairs.push(makePair(bits));
  });

  test("valid signatures of fresh 1024/2048/3072/4096-bit keys are accepted", () => {
    for (const p of pairs) {
      for (let i = 0; i < 5; i++) {
        const msg = crypto.randomBytes(crypto.randomInt(0, 300));
        const sig = crypto.sign("sha1", msg, p.priv);
        assert.equal(rsaVerify(core, p.pub, nodeSha1(msg), sig), 0, `${p.bits} bits`);
        assert.equal(rsaVerifyMessage(core, p.pub, msg, sig), 0, `${p.bits} bits (hashing in the module)`);
      }
    }
  });

  test("every single-bit flip of the signature is rejected", () => {
    for (const p of pairs) {
      const msg = crypto.randomBytes(64);
      const sig = new Uint8Array(crypto.sign("sha1", msg, p.priv));
      const dg = nodeSha1(msg);
      let rejected = 0;
      for (let bit = 0; bit < sig.length * 8; bit++) {
        if (rsaVerify(core, p.pub, dg, flip(sig, bit)) !== 0) rejected++;
      }
      assert.equal(rejected, sig.length * 8, `${p.bits} bits`);
      assert.equal(rsaVerify(core, p.pub, dg, sig), 0);
    }
  });

  test("every single-bit flip of the digest is rejected", () => {
    for (const p of pairs) {
      const msg = crypto.randomBytes(64);
      const sig = crypto.sign("sha1", msg, p.priv);
      const dg = new Uint8Array(nodeSha1(msg));
      for (let bit = 0; bit < 160; bit++) assert.notEqual(rsaVerify(core, p.pub, flip(dg, bit), sig), 0, `${p.bits} bits, digest bit ${bit}`);
    }
  });

  test("single-bit flips of the modulus (all bits for 1024/2048, a sample of 400 for 3072/4096) and of the exponent are rejected", () => {
    for (const p of pairs) {
      const msg = crypto.randomBytes(64);
      const sig = crypto.sign("sha1", msg, p.priv);
      const dg = nodeSha1(msg);
      const nbits = p.pub.modulus.length * 8;
      const bits = p.bits <= 2048 ? [...Array(nbits).keys()] : [0, 1, 2, 7, 8, nbits - 1, nbits - 2, ...Array.from({ length: 393 }, () => crypto.randomInt(0, nbits))];
      for (const bit of bits) {
        const key = { modulus: flip(p.pub.modulus, bit), exponent: p.pub.exponent };
        assert.notEqual(rsaVerify(core, key, dg, sig), 0, `${p.bits} bits, modulus bit ${bit}`);
      }
      for (let bit = 0; bit < p.pub.exponent.length * 8; bit++) {
        const key = { modulus: p.pub.modulus, exponent: flip(p.pub.exponent, bit) };
        assert.notEqual(rsaVerify(core, key, dg, sig), 0, `${p.bits} bits, exponent bit ${bit}`);
      }
      assert.equal(rsaVerify(core, p.pub, dg, sig), 0, "the original key still verifies (no stale context)");
    }
  });

  test("malformed encodings signed with the private key are rejected; the well-formed one is accepted", () => {
    for (const p of pairs.slice(0, 2)) {
      const k = p.pub.modulus.length;
      const h = nodeSha1(crypto.randomBytes(32));
      const tail = Buffer.concat([DI_SHA1, h]);
      const ok = rawSign(p.priv, pkcs1Block(k, tail));
      assert.equal(rsaVerify(core, p.pub, h, ok), 0, "control: the hand-built encoding verifies");
      const bad: [string, Uint8Array][] = [];
      const wrongOid = Buffer.from(DI_SHA1); wrongOid[10] ^= 1;
      bad.push(["wrong DigestInfo OID", pkcs1Block(k, Buffer.concat([wrongOid, h]))]);
      bad.push(["DigestInfo without NULL parameters", pkcs1Block(k, Buffer.concat([Buffer.from("301f300706052b0e03021a0414", "hex"), h]))]);
      bad.push(["SHA-256 DigestInfo", pkcs1Block(k, Buffer.concat([DI_SHA256, crypto.createHash("sha256").update(h).digest()]))]);
      bad.push(["SHA-256 DigestInfo with the SHA-1 hash zero-extended", pkcs1Block(k, Buffer.concat([DI_SHA256, h, Buffer.alloc(12)]))]);
      bad.push(["short padding, garbage after the digest", pkcs1Block(k, Buffer.concat([tail, crypto.randomBytes(16)]))]);
      bad.push(["eight FF bytes then zeros before the DigestInfo", (() => { const e = pkcs1Block(k, tail); e.fill(0, 10, k - tail.length - 1); return e; })()]);
      bad.push(["one padding byte not FF", (() => { const e = pkcs1Block(k, tail); e[20] = 0xfe; return e; })()]);
      bad.push(["block type 2", pkcs1Block(k, tail, undefined, 2)]);
      bad.push(["block type 0", pkcs1Block(k, tail, undefined, 0)]);
      bad.push(["no zero separator", (() => { const e = pkcs1Block(k, tail); e[k - tail.length - 1] = 0xff; return e; })()]);
      bad.push(["leading byte 01", (() => { const e = pkcs1Block(k, tail); e[0] = 1; return e; })()]);
      bad.push(["digest truncated to 19 bytes", pkcs1Block(k, Buffer.concat([Buffer.from("3020300906052b0e03021a05000413", "hex"), h.subarray(0, 19)]))]);
      bad.push(["DigestInfo with a long-form length", pkcs1Block(k, Buffer.concat([Buffer.from("308121300906052b0e03021a05000414", "hex"), h]))]);
      for (const [why, em] of bad) {
        const sig = rawSign(p.priv, em);
        assert.equal(rsaVerify(core, p.pub, h, sig), -6, `${p.bits} bits: ${why}`);
      }
      // a signature >= n, or of the wrong length
      const n = toBig(p.pub.modulus);
      assert.equal(rsaVerify(core, p.pub, h, fromBig(n, k)), -5, "s = n");
      assert.equal(rsaVerify(core, p.pub, h, fromBig(n + 1n, k)), -5, "s = n + 1");
      assert.equal(rsaVerify(core, p.pub, h, fromBig((1n << BigInt(8 * k)) - 1n, k)), -5, "s = 2^8k - 1");
      assert.equal(rsaVerify(core, p.pub, h, new Uint8Array([0, ...ok])), -4, "leading zero byte added");
      assert.equal(rsaVerify(core, p.pub, h, ok.subarray(1)), -4, "one byte short");
      assert.equal(rsaVerify(core, p.pub, h, new Uint8Array(0)), -4, "empty");
      assert.equal(rsaVerify(core, p.pub, h, Buffer.concat([ok, Buffer.alloc(1)])), -4, "one byte long");
    }
  });

  test("the Bleichenbacher 2006 e = 3 forgery (00 01 FF 00 DigestInfo H garbage) is rejected", () => {
    const p = makePair(3072, 3);
    const k = p.pub.modulus.length;
    assert.equal(k, 384);
    const h = nodeSha1(Buffer.from("forged message"));
    const prefix = Buffer.concat([Buffer.from([0, 1, 0xff, 0]), DI_SHA1, h]);
    const target = toBig(Buffer.concat([prefix, Buffer.alloc(k - prefix.length)]));
    // ceil(cbrt(target)) by Newton iteration on BigInt
    let s = 1n << BigInt(Math.ceil((target.toString(2).length) / 3) + 1);
    for (;;) {
      const next = (2n * s + target / (s * s)) / 3n;
      if (next >= s) break;
      s = next;
    }
    while (s * s * s < target) s++;
    const cube = s * s * s;
    const forged = fromBig(s, k);
    // the forgery is real for a parser that stops after the digest: s^3 < n, so s^e mod n
    // is exactly the cube, and it starts with the expected prefix
    assert.ok(cube < toBig(p.pub.modulus));
    const recovered = rsaPublic(core, p.pub, forged);
    assert.equal(hex(recovered.subarray(0, prefix.length)), hex(prefix), "the module's raw operation recovers the forged prefix");
    assert.equal(hex(recovered), hex(fromBig(cube, k)));
    assert.equal(rsaVerify(core, p.pub, h, forged), -6);
    // and a genuine e = 3 signature is accepted
    const sig = crypto.sign("sha1", Buffer.from("forged message"), p.priv);
    assert.equal(rsaVerify(core, p.pub, h, sig), 0);
  });
});

describe("RSAES-PKCS1-v1_5 encryption vs node:crypto decryption", () => {
  test("node:crypto decrypts the module's ciphertexts (RSA_NO_PADDING, padding checked here)", () => {
    if (pairs.length === 0) for (const bits of [1024, 2048]) pairs.push(makePair(bits));
    for (const p of pairs) {
      const k = p.pub.modulus.length;
      for (const mlen of [0, 1, 8, k - 11]) {
        const msg = crypto.randomBytes(mlen);
        const c1 = rsaEncrypt(core, p.pub, msg);
        const c2 = rsaEncrypt(core, p.pub, msg);
        assert.equal(c1.length, k);
        assert.notEqual(hex(c1), hex(c2), "two encryptions of the same message differ");
        for (const c of [c1, c2]) {
          const em = crypto.privateDecrypt({ key: p.priv, padding: crypto.constants.RSA_NO_PADDING }, c);
          assert.equal(em.length, k);
          assert.equal(em[0], 0);
          assert.equal(em[1], 2);
          const psLen = k - 3 - mlen;
          assert.ok(psLen >= 8);
          for (let i = 2; i < 2 + psLen; i++) assert.notEqual(em[i], 0, `PS byte ${i} is zero`);
          assert.equal(em[2 + psLen], 0);
          assert.equal(hex(em.subarray(3 + psLen)), hex(msg));
        }
      }
      assert.throws(() => rsaEncrypt(core, p.pub, crypto.randomBytes(k - 10)), /k - 11/);
    }
  });
  test("the vector keys (vectors/keys/*.pem) encrypt an 8-byte token that node:crypto recovers", () => {
    for (const file of ["mn-a-rsa1024.pem", "mn-b-rsa2048.pem"]) {
      const priv = crypto.createPrivateKey(readFileSync(join(VECTORS_DIR, "keys", file)));
      const pub = rsaPublicKeyOf(crypto.createPublicKey(priv));
      const token = crypto.randomBytes(8);
      const c = rsaEncrypt(core, pub, token);
      const em = crypto.privateDecrypt({ key: priv, padding: crypto.constants.RSA_NO_PADDING }, c);
      assert.equal(em[0], 0);
      assert.equal(em[1], 2);
      assert.equal(em.indexOf(0, 2), em.length - 9, "the first zero after the block type separates the 8-byte token");
      assert.equal(hex(em.subarray(em.length - 8)), hex(token));
    }
  });
});
