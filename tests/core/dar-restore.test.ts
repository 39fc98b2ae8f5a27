// Snapshot / restore of the DAR: a DAR restored from a snapshot in a fresh instance
// behaves exactly like the one that wrote it, and a damaged snapshot is refused without
// touching the running state.
//
// The traffic after the snapshot is designed to be deterministic, so it is compared byte for
// byte: data packets (the tunnel flow label is an unkeyed hash), phkt-mode BUs (their BAs are
// keyed with the PHKT both instances hold), a CoTI answered with the nonce that was current when
// the snapshot was taken (the ring rotates only every 30 s, and every packet here comes within
// 30 s of it; the care-of keygen token comes from Kdar, which the snapshot carries), a
// phkt-mode BU using that nonce index, a replay (BA 135 with BAD) and a deregistration. The one
// output with randomness in it, the BA of a cga-mode BU (a fresh PHKT and its RSA ciphertext),
// comes last and is compared structurally: same fields, each instance's PHKT decrypts with the
// MN's key and keys that instance's BA authenticator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { Dar, DarError, VERDICT_SEND, SNAPSHOT_HEADER_LEN, SNAPSHOT_RECORD_LEN, SNAPSHOT_DIGEST_LEN } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { buildPacket, decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text, udpPacket, encapsulate } from "../support/packets.js";
import { authenticatorOk, buildBu, kbm, phktOf, sha1 } from "../support/mobile-node.js";

const ANCHOR = "2001:db8:100:ff::1";
const PREFIX = "2001:db8:100:1::";
const CN = "2001:db8:999:99::53";
const T0 = 1_700_000_000_000;
const core = loadCore(); // building and decoding only
const CONFIG = { ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], maxLifetime: 3600 }), capacity: 16 };

interface Mn { key: KeyObject; hoa: string; params: string; coa: string; seq: number; phkt: Uint8Array | null }

const MNS: Mn[] = [0, 1, 2].map((i) => {
  const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const { address, params } = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr(PREFIX), spki: spkiDer(key), sec: 0 });
  return { key, hoa: text(address), params: Buffer.from(params).toString("hex"), coa: `2001:db8:200:${i + 1}::${i + 10}`, seq: 100 * i + 10, phkt: null };
});

function newDar(): Dar {
  const dar = new Dar(loadCore());
  dar.configure(CONFIG);
  return dar;
}

/** One packet through a DAR at `now` (after a tick, as the host does): its output or null. */
function feed(dar: Dar, p: Uint8Array, now: number): Uint8Array | null {
  dar.tick(now);
  dar.setPacket(0, p);
  dar.process(1, now);
  return dar.verdict(0) === VERDICT_SEND ? dar.output(0).slice() : null;
}

const coti = (src: string, cookie: string) => buildPacket(core, { src, dst: ANCHOR, mh: { type: 2, cookie, options: [] } });
const cga = (mn: Mn, extra: Partial<Parameters<typeof buildBu>[1]> = {}) =>
  buildBu(core, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq: ++mn.seq, lifetime: 225, cga: { key: mn.key, params: mn.params }, ...extra });
const phkt = (mn: Mn, extra: Partial<Parameters<typeof buildBu>[1]> = {}) =>
  buildBu(core, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq: ++mn.seq, lifetime: 225, phkt: mn.phkt!, ...extra });

/** The binding changes an instance reported (its events without the records: a cga-mode BU
 *  draws a PHKT of its own on each instance). */
function changes(dar: Dar) {
  return dar.drainEvents().map(({ record: _, ...change }) => change);
}

function status(p: Uint8Array | null): number | null {
  if (!p) return null;
  const d = decodePacket(core, p);
  return d.ok && d.mh ? d.mh.status : null;
}

/** Instance A with three cga-mode bindings, a CoT issued (Kdar and a nonce drawn) and some data counted. */
function populated(): { dar: Dar; cot: { index: number; token: Uint8Array } } {
  const dar = newDar();
  MNS.forEach((mn, i) => {
    const ba = feed(dar, cga(mn), T0 + i);
    assert.equal(status(ba), 0, "cga-mode BU accepted");
    mn.phkt = phktOf(ba!, mn.key);
    assert.ok(mn.phkt);
  });
  const cotOut = feed(dar, coti(MNS[2].coa, "0102030405060708"), T0 + 10);
  const d = decodePacket(core, cotOut!);
  assert.ok(d.ok && d.mh && d.mh.type === 4 && d.mh.nonceIndex && d.mh.token, "CoT");
  for (const mn of MNS) assert.ok(feed(dar, udpPacket(CN, mn.hoa, 40), T0 + 20), "encapsulated");
  dar.drainEvents();
  return { dar, cot: { index: d.mh.nonceIndex, token: new Uint8Array(Buffer.from(d.mh.token, "hex")) } };
}

test("restore: a fresh instance restored from the snapshot gives byte-identical output on the same traffic", () => {
  const { dar: a, cot } = populated();
  const snap = a.snapshot();
  const b = newDar();
  b.restore(snap);
  assert.deepEqual(b.bindings(), a.bindings(), "bindings (HoA, CoA, PHKT flag, expiry, seq, counters) restored");

  const [m0, m1, m2] = MNS;
  let t = T0 + 1000;
  const [ca0, cb0] = [a.counters(), b.counters()];
  const refresh1 = phkt(m1);
  // Every step: [input, expected status (BA) or kind, for a first sanity check of the output].
  const traffic: [string, Uint8Array, (out: Uint8Array | null) => void][] = [
    ["CN -> HoA 0", udpPacket(CN, m0.hoa, 100), (o) => assert.equal(text(o!, 24), m0.coa)],
    ["CN -> HoA 1", udpPacket(CN, m1.hoa, 1200, { trafficClass: 0x2e, flowLabel: 0x12345 }), (o) => assert.equal(text(o!, 24), m1.coa)],
    ["phkt-mode refresh of MN 1", refresh1, (o) => assert.equal(status(o), 0)],
    ["CoTI from MN 2's CoA", coti(m2.coa, "1112131415161718"), (o) => {
      const d = decodePacket(core, o!);
      assert.ok(d.ok && d.mh, "CoT");
      assert.equal(d.mh.nonceIndex, cot.index, "the nonce current at the snapshot is handed out again");
      assert.equal(d.mh.token, Buffer.from(cot.token).toString("hex"), "same token (same Kdar, nonce, CoA)");
    }],
    ["phkt-mode BU of MN 2 with the care-of nonce index", phkt(m2, { careOf: cot }), (o) => {
      assert.equal(status(o), 0);
      assert.ok(authenticatorOk(kbm(m2.phkt!, cot.token), addr(m2.coa), addr(ANCHOR), o!), "BA keyed with PHKT | care-of token");
    }],
    ["MN 0 -> anchor tunnel", encapsulate(m0.coa, ANCHOR, udpPacket(m0.hoa, CN, 64)), (o) => assert.equal(text(o!, 8), m0.hoa)],
    ["spoofed tunnel packet", encapsulate(m1.coa, ANCHOR, udpPacket(m0.hoa, CN, 64)), (o) => assert.equal(o, null)],
    ["replayed refresh of MN 1", refresh1, (o) => assert.equal(status(o), 135)],
    ["phkt-mode deregistration of MN 0", phkt(m0, { lifetime: 0 }), (o) => {
      assert.equal(status(o), 0);
      assert.ok(authenticatorOk(sha1(m0.phkt!), addr(m0.coa), addr(ANCHOR), o!), "dereg BA keyed with SHA1(PHKT)");
    }],
    ["CN -> HoA 0 after the deregistration", udpPacket(CN, m0.hoa, 100), (o) => assert.equal(o, null)],
    ["phkt-mode BU of MN 0 after the deregistration", phkt(m0), (o) => assert.equal(status(o), 147)],
    ["CN -> HoA 2", udpPacket(CN, m2.hoa, 500), (o) => assert.equal(text(o!, 24), m2.coa)],
  ];
  for (const [what, p, sanity] of traffic) {
    t += 1000;
    const oa = feed(a, p, t);
    const ob = feed(b, p, t);
    sanity(oa);
    assert.deepEqual(ob, oa, `${what}: same output on both instances`);
    assert.deepEqual(changes(b), changes(a), `${what}: same events`);
  }
  assert.deepEqual(b.bindings(), a.bindings(), "same bindings after the traffic");
  assert.deepEqual(b.snapshot(), a.snapshot(), "byte-identical snapshots after the traffic (bindings, PHKTs, Kdar, nonce ring)");
  const delta = (now: Record<string, bigint>, then: Record<string, bigint>) => Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - then[k]]));
  const [da0, db0] = [delta(a.counters(), ca0), delta(b.counters(), cb0)];
  assert.deepEqual(db0, da0, "the traffic after the restore moved the counters the same way (counters themselves are per instance)");
  assert.equal(da0.rx, BigInt(traffic.length));

  // The random part: a cga-mode BU re-issues the PHKT. Structural comparison.
  t += 1000;
  const p = cga(m1);
  const [oa, ob] = [feed(a, p, t), feed(b, p, t)];
  const [da, db] = [decodePacket(core, oa!), decodePacket(core, ob!)];
  assert.ok(da.ok && da.mh && db.ok && db.mh);
  const strip = (d: typeof da) => d.ok && d.mh ? { ...d, mh: { ...d.mh, checksumOk: d.mh.checksumOk, options: d.mh.options.map((o) => ({ type: o.type, len: o.len })) } } : d;
  assert.deepEqual(strip(db), strip(da), "cga-mode BA: same addresses, status, seq, lifetime, option types and lengths");
  assert.equal(da.mh.status, 0);
  assert.equal(oa!.length, ob!.length);
  for (const [o, who] of [[oa!, "A"], [ob!, "B"]] as const) {
    const k = phktOf(o, m1.key);
    assert.ok(k, `${who}: the PHKT decrypts`);
    assert.ok(authenticatorOk(kbm(k, null), addr(m1.coa), addr(ANCHOR), o), `${who}: the BA authenticator verifies with its PHKT`);
  }
  assert.notDeepEqual(phktOf(oa!, m1.key), phktOf(ob!, m1.key), "each instance drew its own PHKT");
  assert.deepEqual(changes(b), changes(a));
});

// ---- corrupted snapshots

function reseal(blob: Uint8Array): Uint8Array {
  const body = blob.length - SNAPSHOT_DIGEST_LEN;
  blob.set(createHash("sha1").update(blob.subarray(0, body)).digest(), body);
  return blob;
}

/** Everything observable about a DAR's state (snapshot at the same clock, counters, bindings). */
function state(dar: Dar) {
  return { snapshot: dar.snapshot(), counters: dar.counters(), bindings: dar.bindings() };
}

test("restore: damaged snapshots are refused and leave the running state untouched", () => {
  const { dar: a } = populated();
  const good = a.snapshot();
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = dv(good).getUint32(20, true);
  const secretsLen = dv(good).getUint32(24, true);
  assert.equal(count, 3);
  assert.ok(secretsLen > 0, "the snapshot carries the control-plane secrets");
  const recEnd = SNAPSHOT_HEADER_LEN + count * SNAPSHOT_RECORD_LEN;
  const secEnd = recEnd + secretsLen;
  assert.equal(good.length, secEnd + SNAPSHOT_DIGEST_LEN);
  const region = (i: number) => i < SNAPSHOT_HEADER_LEN ? "header" : i < recEnd ? `record ${Math.floor((i - SNAPSHOT_HEADER_LEN) / SNAPSHOT_RECORD_LEN)}` : i < secEnd ? "secrets" : "digest";

  // Two running DARs: C empty but with its own history (a CoT: its own Kdar and nonce), and
  // D holding bindings.
  const c = newDar();
  assert.ok(feed(c, coti("2001:db8:300::1", "aabbccddeeff0011"), T0), "C answers a CoTI");
  assert.equal(feed(c, udpPacket(CN, MNS[0].hoa, 40), T0), null);
  const d = newDar();
  d.restore(good);
  feed(d, udpPacket(CN, MNS[0].hoa, 40), T0 + 5);
  const before = [state(c), state(d)];

  const cases: { what: string; blob: Uint8Array; code?: number }[] = [];
  for (let i = 0; i < good.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const blob = good.slice();
      blob[i] ^= 1 << bit;
      // Past the header fields checked before it (magic, version, lengths), the digest catches it.
      cases.push({ what: `bit ${bit} of byte ${i} (${region(i)}) flipped`, blob, code: i >= 32 ? 4 : i < 8 ? 2 : i < 12 ? 3 : undefined });
    }
  }
  for (let n = 0; n < good.length; n++) cases.push({ what: `truncated to ${n} bytes`, blob: good.slice(0, n), code: 1 });
  const extra = new Uint8Array(good.length + 1);
  extra.set(good);
  cases.push({ what: "one extra byte", blob: extra, code: 1 });
  const extraSealed = extra.slice();
  dv(extraSealed).setUint32(28, extra.length, true);
  cases.push({ what: "one extra byte, totalLen and digest updated", blob: reseal(extraSealed), code: 1 });
  // Semantic damage under a valid digest: the checks behind the checksum.
  const sealed = (what: string, code: number, edit: (b: Uint8Array, v: DataView) => void) => {
    const blob = good.slice();
    edit(blob, dv(blob));
    cases.push({ what: `${what} (digest valid)`, blob: reseal(blob), code });
  };
  const rec = (i: number) => SNAPSHOT_HEADER_LEN + i * SNAPSHOT_RECORD_LEN;
  sealed("version 2", 3, (_, v) => v.setUint32(8, 2, true));
  sealed("magic", 2, (b) => { b[0] ^= 0x20; });
  sealed("count + 1", 1, (_, v) => v.setUint32(20, count + 1, true));
  sealed("secretsLen - 1", 1, (_, v) => v.setUint32(24, secretsLen - 1, true));
  sealed("record 1: reserved flag bit", 5, (b) => { b[rec(1) + 86] |= 0x04; });
  sealed("record 1: state 0", 5, (b) => { b[rec(1) + 87] = 0; });
  sealed("record 2: state 2", 5, (b) => { b[rec(2) + 87] = 2; });
  sealed("record 0: lifetime 0", 5, (_, v) => v.setUint32(rec(0) + 80, 0, true));
  sealed("record 0: expiry NaN", 5, (_, v) => v.setFloat64(rec(0) + 40, NaN, true));
  sealed("record 2: expiry +Infinity", 5, (_, v) => v.setFloat64(rec(2) + 40, Infinity, true));
  sealed("record 1: same HoA as record 0", 10, (b) => { b.copyWithin(rec(1), rec(0), rec(0) + 16); });
  sealed("record 2: same HoA as record 0", 10, (b) => { b.copyWithin(rec(2), rec(0), rec(0) + 16); });
  sealed("secrets: magic", 9, (b) => { b[recEnd] ^= 0x01; });
  sealed("secrets: next nonce index 0", 9, (_, v) => v.setUint32(recEnd + 4, 0, true));
  sealed("secrets: next nonce index > 0xffff", 9, (_, v) => v.setUint32(recEnd + 4, 0x10000, true));
  sealed("secrets: newest ring slot out of range", 9, (_, v) => v.setUint32(recEnd + 8, 9, true));
  sealed("secrets: ring entry index > 0xffff", 9, (_, v) => v.setUint32(recEnd + 40 + 24 * 3, 0x10000, true));
  sealed("secrets: ring entry created NaN", 9, (_, v) => v.setFloat64(recEnd + 40 + 16, NaN, true));
  // More records than C's capacity (16): 17 copies of record 0 with distinct HoAs.
  {
    const n = 17;
    const blob = new Uint8Array(SNAPSHOT_HEADER_LEN + n * SNAPSHOT_RECORD_LEN + secretsLen + SNAPSHOT_DIGEST_LEN);
    blob.set(good.subarray(0, SNAPSHOT_HEADER_LEN));
    for (let i = 0; i < n; i++) {
      blob.set(good.subarray(rec(0), rec(1)), rec(i));
      blob[rec(i) + 15] = i;
    }
    blob.set(good.subarray(recEnd, secEnd), rec(n));
    const v = dv(blob);
    v.setUint32(20, n, true);
    v.setUint32(28, blob.length, true);
    cases.push({ what: "17 records for a capacity of 16 (digest valid)", blob: reseal(blob), code: 6 });
  }

  const codes = new Map<number, number>();
  for (const { what, blob, code } of cases) {
    for (const [dar, name] of [[c, "C"], [d, "D"]] as const) {
      assert.throws(() => dar.restore(blob), (e: unknown) => {
        assert.ok(e instanceof DarError, `${name}, ${what}: a DarError (${e})`);
        // D holds bindings: a snapshot that passes the format checks is refused for that (7).
        if (code !== undefined && !(name === "D" && e.code === 7 && code >= 5)) assert.equal(e.code, code, `${name}, ${what}: error code (${e.message})`);
        if (name === "C") codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        return true;
      }, `${name}, ${what}: refused`);
    }
  }
  assert.ok((codes.get(4) ?? 0) >= (good.length - 32) * 8, `checksum failures: ${codes.get(4)}`);
  assert.deepEqual([state(c), state(d)], before, "no refused snapshot changed C or D (bindings, secrets, nonces, counters)");

  // The intact snapshot still restores on C, and the result is A's state.
  c.restore(good);
  assert.deepEqual(c.bindings(), a.bindings());
  assert.throws(() => d.restore(good), (e: unknown) => e instanceof DarError && e.code === 7, "D is not empty");
  console.log(`# ${cases.length} damaged snapshots refused by both instances; error codes on C: ${[...codes].sort((x, y) => x[0] - y[0]).map(([k, v]) => `${k}: ${v}`).join(", ")}`);
});
