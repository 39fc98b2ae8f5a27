// CGA (RFC 3972) in the core: the vectors (tests/vectors/), generation checked by an
// independent TypeScript verifier over node:crypto's SHA-1, modifier reuse, and the
// strict DER reader against malformed SubjectPublicKeyInfos.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { parseIPv6 } from "../../host/ipv6.js";
import {
  cgaVerify, derCheck, cgaSearchStart, cgaSearchStep, cgaSearchModifier, cgaSearchAttempts, cgaSearch, cgaAddress,
  CGA_REASONS,
} from "../../host/core/cga.js";

const core = loadCore();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const sha1 = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha1").update(Buffer.concat(parts)).digest());
const addr = (text: string) => {
  const a = parseIPv6(text);
  assert.ok(a, text);
  return a;
};
const key1024 = new Uint8Array(readFileSync(join(VECTORS_DIR, "keys/mn-a-rsa1024.spki.der")));
const key2048 = new Uint8Array(readFileSync(join(VECTORS_DIR, "keys/mn-b-rsa2048.spki.der")));

// ---- an independent RFC 3972 §5 verifier (node:crypto SHA-1), no DER parsing ----

function tsVerify(address: Uint8Array, params: Uint8Array, minSec = 0): string | null {
  if (params.length < 25) return "short";
  if (params[24] > 2) return "collision count";
  for (let i = 0; i < 8; i++) if (params[16 + i] !== address[i]) return "prefix";
  const h1 = sha1(params);
  if ((h1[0] & 0x1c) !== (address[8] & 0x1c)) return "hash1";
  for (let i = 1; i < 8; i++) if (h1[i] !== address[8 + i]) return "hash1";
  const sec = address[8] >> 5;
  if (sec < minSec) return "sec";
  const h2 = sha1(params.subarray(0, 16), new Uint8Array(9), params.subarray(25));
  for (let i = 0; i < 2 * sec; i++) if (h2[i] !== 0) return "hash2";
  return null;
}

/** RFC 3972 §4 search in TypeScript: the first modifier >= start (128-bit big-endian). */
function tsSearch(start: Uint8Array, spki: Uint8Array, sec: number, ext = new Uint8Array(0)): { modifier: Uint8Array; attempts: number } {
  const m = Buffer.from(start);
  const tail = Buffer.concat([new Uint8Array(9), spki, ext]);
  for (let attempts = 1; ; attempts++) {
    const h = createHash("sha1").update(m).update(tail).digest();
    let ok = true;
    for (let i = 0; i < 2 * sec; i++) if (h[i] !== 0) { ok = false; break; }
    if (ok) return { modifier: new Uint8Array(m), attempts };
    for (let i = 15; i >= 0; i--) { m[i] = (m[i] + 1) & 0xff; if (m[i] !== 0) break; }
  }
}

// ---- vectors ----

interface CgaCase {
  prefix: string; sec: number; collisionCount: number; modifier: string; spkiFile: string | null; spkiHex: string | null;
  extensionsHex: string; params: string; address: string; valid: boolean; why: string; failsAt?: string;
  hash1?: string; hash2?: string;
}
const cases = JSON.parse(readFileSync(join(VECTORS_DIR, "cga.json"), "utf8")) as CgaCase[];

describe("cga.json vectors", () => {
  test("there are valid and invalid cases", () => {
    assert.ok(cases.some((c) => c.valid) && cases.some((c) => !c.valid));
  });
  for (const c of cases) {
    test(`${c.valid ? "valid" : "invalid"}: ${c.why}`, () => {
      const v = cgaVerify(core, addr(c.address), unhex(c.params), 0);
      if (c.valid) {
        assert.equal(v.reason, "valid");
        assert.ok(v.ok);
        assert.equal(v.sec, c.sec);
        assert.ok(v.key);
        const spki = c.spkiFile ? readFileSync(join(VECTORS_DIR, c.spkiFile)) : Buffer.from(c.spkiHex!, "hex");
        assert.equal(hex(v.key.spki), hex(spki));
        assert.equal(v.key.bits, c.spkiFile?.includes("2048") ? 2048 : 1024);
        assert.equal(hex(v.key.exponent), "010001");
        assert.equal(tsVerify(addr(c.address), unhex(c.params)), null);
      } else {
        assert.equal(v.ok, false);
        assert.equal(v.reason, c.failsAt, `expected to fail at '${c.failsAt}'`);
        assert.notEqual(tsVerify(addr(c.address), unhex(c.params)), null);
      }
    });
  }
  test("valid cases: parameters rebuilt from their parts give the same address", () => {
    for (const c of cases.filter((x) => x.valid)) {
      const spki = c.spkiFile ? new Uint8Array(readFileSync(join(VECTORS_DIR, c.spkiFile))) : unhex(c.spkiHex!);
      const { address, params } = cgaAddress(core, {
        modifier: unhex(c.modifier), prefix: addr(c.prefix.split("/")[0]), spki, sec: c.sec,
        collisionCount: c.collisionCount, ext: unhex(c.extensionsHex),
      });
      assert.equal(hex(params), c.params, c.why);
      assert.equal(hex(address), hex(addr(c.address)), c.why);
    }
  });
  test("minSec: a Sec 1 CGA passes minSec 1 and fails minSec 2 with its own reason", () => {
    const c = cases.find((x) => x.valid && x.sec === 1)!;
    assert.ok(cgaVerify(core, addr(c.address), unhex(c.params), 1).ok);
    const v = cgaVerify(core, addr(c.address), unhex(c.params), 2);
    assert.equal(v.reason, "Sec below the minimum");
  });
  test("u and g bits are ignored by Hash1", () => {
    const c = cases.find((x) => x.valid && x.sec === 1)!;
    for (const bits of [1, 2, 3]) {
      const a = addr(c.address);
      a[8] ^= bits;
      assert.ok(cgaVerify(core, a, unhex(c.params)).ok);
    }
  });
  test("every single-bit flip of a valid address or its parameters is rejected, as by the TS verifier", () => {
    const c = cases.find((x) => x.valid && x.sec === 1 && x.spkiFile?.includes("1024"))!;
    const a0 = addr(c.address);
    const p0 = unhex(c.params);
    let n = 0;
    for (let bit = 0; bit < 128; bit++) {
      const a = a0.slice();
      a[bit >> 3] ^= 0x80 >> (bit & 7);
      // minSec 1: flipping the low Sec bit turns Sec 1 into Sec 0, valid at minSec 0
      const v = cgaVerify(core, a, p0, 1);
      const ignored = bit === 70 || bit === 71; // u, g
      assert.equal(v.ok, ignored, `address bit ${bit}`);
      assert.equal(tsVerify(a, p0, 1) === null, ignored);
      if (bit === 66) assert.equal(v.reason, "Sec below the minimum");
      if (bit === 64 || bit === 65) assert.equal(v.reason, "Hash2 condition fails");
      n++;
    }
    for (let bit = 0; bit < p0.length * 8; bit++) {
      const p = p0.slice();
      p[bit >> 3] ^= 0x80 >> (bit & 7);
      assert.equal(cgaVerify(core, a0, p, 1).ok, false, `params bit ${bit}`);
      n++;
    }
    assert.ok(n > 1000);
  });
  test("lengths: empty, 24 bytes, every truncation and over-long parameters are rejected without trapping", () => {
    const c = cases.find((x) => x.valid && x.spkiFile?.includes("2048"))!;
    const p0 = unhex(c.params);
    for (let len = 0; len < p0.length; len++) {
      const v = cgaVerify(core, addr(c.address), p0.subarray(0, len));
      assert.equal(v.ok, false);
    }
    assert.equal(cgaVerify(core, addr(c.address), new Uint8Array(24)).reason, CGA_REASONS[1]);
    assert.equal(cgaVerify(core, addr(c.address), new Uint8Array(2049)).reason, CGA_REASONS[1]);
    assert.ok(cgaVerify(core, addr(c.address), p0).ok); // still usable afterwards
  });
});

// ---- generation ----

describe("CGA generation", () => {
  const prefixes = ["2001:db8:1::", "2001:db8:ffff:1::", "fd00:1234:5678:9abc::"].map(addr);

  for (const [name, spki] of [["RSA-1024", key1024], ["RSA-2048", key2048]] as const) {
    test(`Sec 1 with ${name}: the module's search equals the TypeScript search, and the CGA verifies in both`, () => {
      const start = new Uint8Array(randomBytes(16));
      const ours = cgaSearch(core, { modifier: start, spki, sec: 1 });
      const theirs = tsSearch(start, spki, 1);
      assert.equal(hex(ours.modifier), hex(theirs.modifier));
      assert.equal(ours.attempts, theirs.attempts);
      for (const prefix of prefixes) {
        const { address, params } = cgaAddress(core, { modifier: ours.modifier, prefix, spki, sec: 1 });
        assert.equal(hex(address.subarray(0, 8)), hex(prefix.subarray(0, 8)));
        assert.equal(address[8] >> 5, 1);
        assert.equal(address[8] & 3, 0, "u and g are zero");
        assert.equal(cgaVerify(core, address, params, 1).reason, "valid");
        assert.equal(tsVerify(address, params, 1), null);
      }
    });
  }

  test("the same modifier across three prefixes gives three distinct valid CGAs; collision counts 1 and 2 too", () => {
    const { modifier } = cgaSearch(core, { modifier: new Uint8Array(randomBytes(16)), spki: key1024, sec: 1 });
    const seen = new Set<string>();
    for (const prefix of prefixes) {
      for (const collisionCount of [0, 1, 2]) {
        const { address, params } = cgaAddress(core, { modifier, prefix, spki: key1024, sec: 1, collisionCount });
        assert.equal(params[24], collisionCount);
        assert.ok(cgaVerify(core, address, params).ok);
        assert.equal(tsVerify(address, params), null);
        seen.add(hex(address));
      }
    }
    assert.equal(seen.size, 9);
    assert.throws(() => cgaAddress(core, { modifier, prefix: prefixes[0], spki: key1024, sec: 1, collisionCount: 3 }), RangeError);
  });

  test("extension fields are searched with and hashed by both hashes", () => {
    const ext = unhex("fffd000cf8641baabd300a58fb565e39");
    const start = new Uint8Array(randomBytes(16));
    const ours = cgaSearch(core, { modifier: start, spki: key1024, sec: 1, ext });
    assert.equal(hex(ours.modifier), hex(tsSearch(start, key1024, 1, ext).modifier));
    const { address, params } = cgaAddress(core, { modifier: ours.modifier, prefix: prefixes[0], spki: key1024, sec: 1, ext });
    assert.ok(cgaVerify(core, address, params).ok);
    assert.equal(tsVerify(address, params), null);
  });

  test("the search resumes across steps of any size and reports the next modifier while running", () => {
    const start = new Uint8Array(randomBytes(16));
    const whole = cgaSearch(core, { modifier: start, spki: key2048, sec: 1 });
    cgaSearchStart(core, { modifier: start, spki: key2048, sec: 1 });
    let steps = 0;
    while (!cgaSearchStep(core, 997)) {
      steps++;
      // not found yet: the modifier shown is start + attempts (the next to try)
      const next = BigInt("0x" + hex(start)) + BigInt(cgaSearchAttempts(core));
      assert.equal(hex(cgaSearchModifier(core)), (next % (1n << 128n)).toString(16).padStart(32, "0"));
    }
    assert.equal(hex(cgaSearchModifier(core)), hex(whole.modifier));
    assert.equal(cgaSearchAttempts(core), whole.attempts);
    assert.equal(steps, Math.ceil(whole.attempts / 997) - 1);
    assert.ok(cgaSearchStep(core, 1000), "stays found");
  });

  test("the modifier is a 128-bit big-endian counter: the increment carries across all bytes", () => {
    const start = unhex("ffffffffffffffffffffffffffffff00");
    const ours = cgaSearch(core, { modifier: start, spki: key1024, sec: 1 });
    assert.equal(hex(ours.modifier), hex(tsSearch(start, key1024, 1).modifier));
  });

  test("Sec 0 takes the starting modifier; a modifier not found for the Sec is refused", () => {
    const start = new Uint8Array(randomBytes(16));
    const r = cgaSearch(core, { modifier: start, spki: key1024, sec: 0 });
    assert.equal(hex(r.modifier), hex(start));
    const { address, params } = cgaAddress(core, { modifier: start, prefix: prefixes[0], spki: key1024, sec: 0 });
    assert.ok(cgaVerify(core, address, params).ok);
    // find a modifier that does NOT satisfy Sec 1
    const bad = start.slice();
    while (tsSearch(bad, key1024, 1).attempts === 1) bad[15]++;
    assert.throws(() => cgaAddress(core, { modifier: bad, prefix: prefixes[0], spki: key1024, sec: 1 }), /does not satisfy Hash2/);
  });

  test("the search refuses a key that is not an acceptable RSA key", () => {
    assert.throws(() => cgaSearchStart(core, { modifier: new Uint8Array(16), spki: key1024.subarray(1), sec: 1 }), /acceptable RSA/);
  });

  test("the search refuses Sec > 7", () => {
    assert.throws(() => cgaSearchStart(core, { modifier: new Uint8Array(16), spki: key1024, sec: 8 }), /Sec/);
  });

  test("the search refuses parameters over 2048 bytes", () => {
    assert.throws(() => cgaSearchStart(core, { modifier: new Uint8Array(16), spki: key1024, sec: 1, ext: new Uint8Array(2000) }), /2048/);
  });

  test("a search step without a start is an error", () => {
    assert.throws(() => cgaSearchStep(core, 1), /no CGA search/);
  });
});

// ---- strict DER ----

function derLen(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}
function tlv(tag: number, body: Uint8Array | number[], len?: number[]): Uint8Array {
  const b = Uint8Array.from(body);
  return Uint8Array.from([tag, ...(len ?? derLen(b.length)), ...b]);
}
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

interface SpkiParts {
  modulus?: Uint8Array; exponent?: Uint8Array; alg?: Uint8Array; unused?: number;
  rsaTrailer?: number[]; bitTrailer?: number[]; outerTrailer?: number[];
}
/** An SPKI from (content) integer bodies, exactly as given (sign bytes included). */
function buildSpki(p: SpkiParts = {}): Uint8Array {
  const modulus = p.modulus ?? cat([0], randomModulus(1024));
  const exponent = p.exponent ?? Uint8Array.from([1, 0, 1]);
  const alg = p.alg ?? tlv(0x30, cat(RSA_OID, [0x05, 0x00]));
  const rsa = tlv(0x30, cat(tlv(0x02, modulus), tlv(0x02, exponent), p.rsaTrailer ?? []));
  const bits = tlv(0x03, cat([p.unused ?? 0], rsa, p.bitTrailer ?? []));
  return tlv(0x30, cat(alg, bits, p.outerTrailer ?? []));
}
/** Random odd modulus of exactly `bits` bits (big-endian, no sign byte). */
function randomModulus(bits: number): Uint8Array {
  const m = new Uint8Array(randomBytes(Math.ceil(bits / 8)));
  const top = (bits - 1) % 8;
  m[0] = (m[0] & ((1 << (top + 1)) - 1)) | (1 << top);
  m[m.length - 1] |= 1;
  return m;
}
const signed = (m: Uint8Array) => (m[0] & 0x80 ? cat([0], m) : m);

describe("strict DER SubjectPublicKeyInfo reader", () => {
  const status = (spki: Uint8Array) => derCheck(core, spki).reason;

  test("the vector keys and node:crypto keys of 1024..4096 bits parse, with modulus and exponent located", () => {
    for (const spki of [key1024, key2048]) assert.equal(status(spki), "ok");
    for (const bits of [1024, 1536, 2048, 3072]) {
      const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: bits === 1536 ? 3 : 65537 });
      const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
      const v = derCheck(core, spki);
      assert.ok(v.ok, `${bits}: ${v.reason}`);
      const jwk = publicKey.export({ format: "jwk" });
      assert.equal(Buffer.from(v.key!.modulus).toString("base64url"), jwk.n);
      assert.equal(Buffer.from(v.key!.exponent).toString("base64url"), jwk.e);
      assert.equal(v.key!.bits, bits);
    }
  });

  test("synthetic keys at the size limits: 1024 and 4096 bits accepted, 1023, 4097, 512 and 8192 rejected", () => {
    for (const bits of [1024, 4096]) assert.equal(status(buildSpki({ modulus: signed(randomModulus(bits)) })), "ok", `${bits}`);
    for (const bits of [1023, 4097, 512, 8192]) {
      assert.equal(status(buildSpki({ modulus: signed(randomModulus(bits)) })), "modulus not 1024-4096 bits or even", `${bits}`);
    }
  });

  test("a real 512-bit key from node:crypto is rejected", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 512 });
    assert.equal(status(new Uint8Array(publicKey.export({ type: "spki", format: "der" }))), "modulus not 1024-4096 bits or even");
  });

  test("every truncation of a valid key is rejected (and never traps)", () => {
    for (const spki of [key1024, key2048]) {
      for (let len = 0; len < spki.length; len++) assert.equal(derCheck(core, spki.subarray(0, len)).ok, false, `length ${len}`);
    }
  });

  test("trailing bytes at every level are rejected", () => {
    assert.equal(status(cat(key1024, [0])), "trailing bytes");
    assert.equal(status(buildSpki({ rsaTrailer: [0x05, 0x00] })), "trailing bytes");
    assert.equal(status(buildSpki({ bitTrailer: [0x00] })), "trailing bytes");
    assert.equal(status(buildSpki({ outerTrailer: [0x05, 0x00] })), "trailing bytes");
    assert.equal(status(buildSpki({ alg: tlv(0x30, cat(RSA_OID, [0x05, 0x00, 0x05, 0x00])) })), "trailing bytes");
  });

  test("non-minimal and indefinite lengths are rejected", () => {
    // outer length 0x81 0x9f is minimal for 159; 0x82 0x00 0x9f is not
    assert.equal(key1024[1], 0x81);
    const long = cat([0x30, 0x82, 0x00, key1024[2]], key1024.subarray(3));
    assert.equal(status(long), "bad length encoding (indefinite, not minimal or too long)");
    // exponent 02 81 03 010001 (long form for a short length)
    const e = buildSpki({ exponent: [1, 0, 1] as unknown as Uint8Array });
    const i = e.length - 5;
    assert.deepEqual(Array.from(e.subarray(i)), [0x02, 0x03, 1, 0, 1]);
    // rebuild with the non-minimal exponent header, fixing every enclosing length
    const modulus = signed(randomModulus(1024));
    const rsaBody = cat(tlv(0x02, modulus), [0x02, 0x81, 0x03, 1, 0, 1]);
    const rsa = tlv(0x30, rsaBody);
    const spki = tlv(0x30, cat(tlv(0x30, cat(RSA_OID, [0x05, 0x00])), tlv(0x03, cat([0], rsa))));
    assert.equal(status(spki), "bad length encoding (indefinite, not minimal or too long)");
    // indefinite outer length
    assert.equal(status(cat([0x30, 0x80], key1024.subarray(3), [0, 0])), "bad length encoding (indefinite, not minimal or too long)");
    // a length longer than its container
    const bad = key1024.slice();
    bad[2] += 1;
    assert.equal(status(bad), "truncated (a length runs past its container)");
  });

  test("wrong algorithm, parameters, tags and BIT STRING padding are rejected", () => {
    const sha1WithRsa = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
    const ecPublicKey = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    assert.equal(status(buildSpki({ alg: tlv(0x30, cat(sha1WithRsa, [0x05, 0x00])) })), "algorithm is not rsaEncryption");
    assert.equal(status(buildSpki({ alg: tlv(0x30, cat(ecPublicKey, [0x05, 0x00])) })), "algorithm is not rsaEncryption");
    assert.equal(status(buildSpki({ alg: tlv(0x30, RSA_OID) })), "rsaEncryption parameters are not NULL");
    assert.equal(status(buildSpki({ alg: tlv(0x30, cat(RSA_OID, [0x05, 0x01, 0x00])) })), "rsaEncryption parameters are not NULL");
    assert.equal(status(buildSpki({ unused: 1 })), "bad BIT STRING");
    const t = key1024.slice();
    t[0] = 0x31; // SET instead of SEQUENCE
    assert.equal(status(t), "unexpected tag");
  });

  test("negative, zero-padded, zero and empty INTEGERs are rejected", () => {
    const m = randomModulus(1024);
    const msg = "INTEGER negative, empty or not minimal";
    assert.equal(status(buildSpki({ modulus: m })), msg, "modulus with its top bit set and no sign byte is negative");
    assert.equal(status(buildSpki({ modulus: cat([0, 0], m) })), msg, "two leading zeros");
    const small = randomModulus(1024);
    small[0] &= 0x7f; small[0] |= 0x40; // 1023 bits, no sign byte needed
    assert.equal(status(buildSpki({ modulus: cat([0], small) })), msg, "needless sign byte");
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([0, 1, 0, 1]) })), msg, "zero-padded exponent");
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([0x81]) })), msg, "negative exponent");
    assert.equal(status(buildSpki({ exponent: new Uint8Array(0) })), msg, "empty exponent");
    assert.equal(status(buildSpki({ modulus: Uint8Array.from([0]) })), "modulus not 1024-4096 bits or even");
  });

  test("even modulus, exponent 1 or even or over 32 bits are rejected", () => {
    const m = randomModulus(2048);
    m[m.length - 1] &= 0xfe;
    assert.equal(status(buildSpki({ modulus: signed(m) })), "modulus not 1024-4096 bits or even");
    const bad = "exponent even, < 3 or over 32 bits";
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([1]) })), bad);
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([1, 0, 0]) })), bad);
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([1, 0, 0, 0, 1]) })), bad);
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([3]) })), "ok");
    assert.equal(status(buildSpki({ exponent: Uint8Array.from([0x7f, 0xff, 0xff, 0xff]) })), "ok");
  });

  test("random byte mutations never trap and a rejected key is never reported with a key", () => {
    for (let i = 0; i < 3000; i++) {
      const spki = (i & 1 ? key2048 : key1024).slice();
      const n = 1 + (i % 4);
      for (let j = 0; j < n; j++) spki[Math.floor(Math.random() * spki.length)] = Math.floor(Math.random() * 256);
      const v = derCheck(core, spki);
      assert.equal(v.ok, v.key !== null);
      if (v.ok) {
        assert.ok(v.key!.bits >= 1024 && v.key!.bits <= 4096);
        assert.equal(v.key!.modulus[v.key!.modulus.length - 1] & 1, 1);
      }
    }
    assert.ok(derCheck(core, key1024).ok);
  });
});
