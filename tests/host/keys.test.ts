// host/keys.ts: the MN's private-key operations (node:crypto) against crypto.json,
// and the constant-time PKCS#1 v1.5 padding check of PHKT decryption.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicKey, publicEncrypt, verify, constants, randomBytes, createHash } from "node:crypto";
import { VECTORS_DIR } from "../../host/paths.js";
import { loadPrivateKey, parsePrivateKey, generateKeyPem, spkiDer, signData, signDigest, decryptPhkt, modulusBytes } from "../../host/keys.js";
import { InputError } from "../../host/errors.js";
import { loadCore } from "../../host/wasm.js";
import { rsaEncrypt, rsaPublicKeyOf } from "../../host/core/crypto.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const v = JSON.parse(readFileSync(join(VECTORS_DIR, "crypto.json"), "utf8"));
const keyA = loadPrivateKey(join(VECTORS_DIR, "keys/mn-a-rsa1024.pem"));
const keyB = loadPrivateKey(join(VECTORS_DIR, "keys/mn-b-rsa2048.pem"));

/** Raw RSA encryption of a crafted encoded message (no padding added). */
function rawEncrypt(key: typeof keyA, em: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: createPublicKey(key), padding: constants.RSA_NO_PADDING }, em));
}

/** 00 02 PS 00 M with PS nonzero random bytes. */
function encode(k: number, m: Uint8Array, opts: { type?: number; first?: number; psLen?: number } = {}): Uint8Array {
  const psLen = opts.psLen ?? k - 3 - m.length;
  const em = new Uint8Array(k);
  em[0] = opts.first ?? 0;
  em[1] = opts.type ?? 2;
  for (let i = 0; i < psLen; i++) em[2 + i] = 1 + (randomBytes(1)[0] % 255);
  em[2 + psLen] = 0;
  em.set(m, 3 + psLen);
  return em;
}

describe("keys", () => {
  test("the vector keys load and export the vector SPKIs", () => {
    assert.equal(hex(spkiDer(keyA)), hex(readFileSync(join(VECTORS_DIR, "keys/mn-a-rsa1024.spki.der"))));
    assert.equal(hex(spkiDer(keyB)), hex(readFileSync(join(VECTORS_DIR, "keys/mn-b-rsa2048.spki.der"))));
    assert.equal(modulusBytes(keyA), 128);
    assert.equal(modulusBytes(keyB), 256);
  });

  test("generated keys: PKCS#8 PEM of the requested size", () => {
    const pem = generateKeyPem(1024);
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(parsePrivateKey(pem).asymmetricKeyDetails?.modulusLength, 1024);
  });

  test("generated keys: a size below 1024 is refused", () => {
    assert.throws(() => generateKeyPem(512), RangeError);
  });

  test("generated keys: a size above 4096 is refused", () => {
    assert.throws(() => generateKeyPem(8192), RangeError);
  });

  test("a missing key file gives an InputError naming the file", () => {
    assert.throws(() => loadPrivateKey("/nonexistent/mn.pem"), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
  });

  test("a key file that is not PEM gives an InputError naming the file, never the content", () => {
    assert.throws(() => parsePrivateKey("garbage", "x.pem"), (e: unknown) => e instanceof InputError && e.message === "x.pem: not a PEM private key");
  });

  for (const c of v.signature) {
    test(`signature vector ${c.keyFile}: signData over the message and signDigest over its SHA-1 give it`, () => {
      const key = loadPrivateKey(join(VECTORS_DIR, c.keyFile));
      assert.equal(hex(signData(key, unhex(c.message))), c.signature);
      assert.equal(hex(signDigest(key, unhex(c.messageSha1))), c.signature);
      assert.ok(verify("sha1", unhex(c.message), createPublicKey(key), unhex(c.signature)));
    });
  }

  test("signDigest equals node:crypto sign for random messages", () => {
    for (let i = 0; i < 5; i++) {
      const msg = randomBytes(100 + i);
      const digest = createHash("sha1").update(msg).digest();
      assert.equal(hex(signDigest(keyA, digest)), hex(signData(keyA, msg)));
    }
    assert.throws(() => signDigest(keyA, new Uint8Array(19)), RangeError);
  });
});

describe("PHKT decryption", () => {
  for (const c of v.phkt) {
    test(`${c.valid ? "valid" : "invalid"}: ${c.why}`, () => {
      const key = loadPrivateKey(join(VECTORS_DIR, c.keyFile));
      const got = decryptPhkt(key, unhex(c.ciphertext));
      if (c.valid) assert.equal(got && hex(got), c.plaintext);
      else assert.equal(got, null);
    });
  }

  test("the module's RSAES-PKCS1-v1_5 encryption decrypts to the PHKT (both keys, 50 tokens)", () => {
    const core = loadCore();
    for (const key of [keyA, keyB]) {
      const pub = rsaPublicKeyOf(key);
      for (let i = 0; i < 25; i++) {
        const phkt = new Uint8Array(randomBytes(8));
        assert.equal(hex(decryptPhkt(key, rsaEncrypt(core, pub, phkt)) ?? new Uint8Array(0)), hex(phkt));
      }
    }
  });

  test("crafted paddings: only 00 02 PS(>=8 nonzero) 00 M(8) is accepted", () => {
    const k = 128;
    const m = new Uint8Array(randomBytes(8));
    assert.equal(hex(decryptPhkt(keyA, rawEncrypt(keyA, encode(k, m)))!), hex(m));
    const reject = (em: Uint8Array, why: string) => assert.equal(decryptPhkt(keyA, rawEncrypt(keyA, em)), null, why);
    reject(encode(k, m, { type: 1 }), "block type 1");
    reject(encode(k, m, { type: 0 }), "block type 0");
    reject(encode(k, m, { first: 1 }), "first byte 1");
    reject(encode(k, randomBytes(9)), "9-byte message");
    reject(encode(k, randomBytes(7)), "7-byte message");
    reject(encode(k, new Uint8Array(0)), "empty message");
    const noSep = encode(k, m); noSep[k - 9] = 0x55;
    reject(noSep, "no zero separator");
    const zeroInPs = encode(k, m); zeroInPs[10] = 0;
    reject(zeroInPs, "zero inside the padding string");
    const zeroPs0 = encode(k, m); zeroPs0[2] = 0;
    reject(zeroPs0, "zero as the first padding byte");
    // a PHKT that itself contains zero bytes is fine
    const mz = Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0]);
    assert.equal(hex(decryptPhkt(keyA, rawEncrypt(keyA, encode(k, mz)))!), hex(mz));
  });

  test("ciphertexts of the wrong length or not below the modulus are rejected", () => {
    const ct = unhex(v.phkt[0].ciphertext);
    assert.equal(decryptPhkt(keyA, ct.subarray(1)), null);
    assert.equal(decryptPhkt(keyA, Uint8Array.from([...ct, 0])), null);
    assert.equal(decryptPhkt(keyA, new Uint8Array(128).fill(0xff)), null);
    assert.equal(decryptPhkt(keyB, ct), null, "a 1024-bit ciphertext for a 2048-bit key");
  });
});
