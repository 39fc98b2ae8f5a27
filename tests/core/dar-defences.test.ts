// The DAR's defences through host/core/dar.ts, with BUs built by the test MN
// (tests/support/mobile-node.ts, node:crypto): per attack class, the counters that must move
// and the state that must not change. Not timed: the budget runs on the now_ms we pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { Dar, VERDICT_SEND, type CounterName } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text, udpPacket, fixMhChecksum, upperLayer } from "../support/packets.js";
import { buildBu, phktOf } from "../support/mobile-node.js";

const core = loadCore();
const ANCHOR = "2001:db8:a:1::1";
const PREFIX = "2001:db8:1::";
const COA = "2001:db8:2::100";
const CN = "2001:db8:c::2";
const T0 = 1_000_000;
const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });

interface Mn { hoa: string; params: string; key: KeyObject }
/** `n` distinct CGAs in the prefix (Sec 0) for one key. */
function mns(n: number, k: KeyObject = key): Mn[] {
  return Array.from({ length: n }, () => {
    const c = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr(PREFIX), spki: spkiDer(k), sec: 0 });
    return { hoa: text(c.address), params: Buffer.from(c.params).toString("hex"), key: k };
  });
}

function darWith(policy: Record<string, unknown> = {}, budget: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Dar {
  const dar = new Dar(loadCore());
  dar.configure(parseDarConfig({
    anchor: ANCHOR, prefixes: [`${PREFIX}/64`], capacity: 64, maxLifetime: 600,
    cgaBudget: { perSecond: 2000, perBatch: 4, queue: 256, ...budget },
    admission: { mode: "on-link", probationLifetime: 60, ...policy }, ...extra,
  }));
  return dar;
}

const cgaBu = (m: Mn, seq: number, lifetime = 150, coa = COA) => buildBu(core, { coa, anchor: ANCHOR, hoa: m.hoa, seq, lifetime, cga: { key: m.key, params: m.params } });
const phktBu = (m: Mn, seq: number, phkt: Uint8Array, lifetime = 150, coa = COA) => buildBu(core, { coa, anchor: ANCHOR, hoa: m.hoa, seq, lifetime, phkt });

/** One batch: the outputs by slot (null: dropped) and the drop reasons. */
function batch(dar: Dar, packets: Uint8Array[], now: number): { out: (Uint8Array | null)[]; reasons: (CounterName | null)[] } {
  packets.forEach((p, i) => dar.setPacket(i, p));
  dar.process(packets.length, now);
  return collect(dar, packets.length);
}

function collect(dar: Dar, n: number): { out: (Uint8Array | null)[]; reasons: (CounterName | null)[] } {
  const out: (Uint8Array | null)[] = [];
  const reasons: (CounterName | null)[] = [];
  for (let i = 0; i < n; i++) {
    out.push(dar.verdict(i) === VERDICT_SEND ? new Uint8Array(dar.output(i)) : null);
    reasons.push(dar.reasonName(i));
  }
  return { out, reasons };
}

/** dar.processDeferred until nothing moves (same now); the outputs in order. */
function deferred(dar: Dar, now: number): (Uint8Array | null)[] {
  const all: (Uint8Array | null)[] = [];
  for (;;) {
    const k = dar.processDeferred(now);
    if (k === 0) return all;
    all.push(...collect(dar, k).out);
  }
}

const status = (p: Uint8Array | null) => { const d = p && decodePacket(core, p); return d && d.ok && d.mh ? d.mh.status : null; };
const lifetimeOf = (p: Uint8Array | null) => { const d = p && decodePacket(core, p); return d && d.ok && d.mh ? d.mh.lifetime : null; };
const snapshotCounters = (dar: Dar) => ({ ...dar.counters() });
const delta = (dar: Dar, before: Record<CounterName, bigint>, name: CounterName) => Number(dar.counter(name) - before[name]);

/** A sighted MN bound in cga mode; returns its PHKT. */
function bind(dar: Dar, m: Mn, now: number, seq = 1): Uint8Array {
  dar.addSightings([addr(m.hoa)], now);
  const r = batch(dar, [cgaBu(m, seq)], now);
  assert.equal(r.reasons[0], "cga-deferred");
  const [ba] = deferred(dar, now);
  assert.equal(status(ba!), 0);
  return phktOf(ba!, m.key)!;
}

test("valid-CGA flood from unsighted HoAs: refused before any crypto, no binding, at most the reply limiter's 130s", () => {
  const dar = darWith();
  const flood = mns(64);
  const before = snapshotCounters(dar);
  const r = batch(dar, flood.map((m, i) => cgaBu(m, i + 1)), T0);
  assert.deepEqual(deferred(dar, T0), [], "nothing was queued");
  assert.equal(dar.bindingsCount(), 0);
  assert.equal(delta(dar, before, "admission-unsighted"), 64);
  assert.equal(delta(dar, before, "cga-verified"), 0, "no RSA verification");
  assert.equal(delta(dar, before, "cga-deferred"), 0);
  const answered = r.out.filter((p) => p !== null);
  assert.equal(answered.length, 10, "BA 130 only within the reply limiter's burst");
  assert.ok(answered.every((p) => status(p) === 130));
  assert.ok(r.reasons.every((x) => x === null || x === "admission-unsighted"));
  // The same flood in open mode binds them all: the policy, not something else, refused them.
  const open = darWith({ mode: "open" }, { perBatch: 64 });
  batch(open, flood.map((m, i) => cgaBu(m, i + 1)), T0);
  assert.equal(deferred(open, T0).filter((p) => status(p) === 0).length, 64);
  assert.equal(open.bindingsCount(), 64);
});

test("a cga BU batched with data: the data goes out in the same batch, the BA comes from processDeferred", () => {
  const dar = darWith();
  const [a, b] = mns(2);
  bind(dar, a!, T0);
  dar.addSightings([addr(b!.hoa)], T0);
  const before = snapshotCounters(dar);
  const r = batch(dar, [cgaBu(b!, 1), udpPacket(CN, a!.hoa, 20), udpPacket(CN, a!.hoa, 30)], T0 + 1);
  assert.equal(r.reasons[0], "cga-deferred");
  assert.ok(r.out[1] && r.out[1][6] === 41 && text(r.out[1], 24) === COA, "data encapsulated in the same batch");
  assert.ok(r.out[2] && r.out[2][6] === 41);
  assert.equal(delta(dar, before, "cga-verified"), 0, "no RSA inside the batch");
  assert.equal(dar.deferredPending(), 1);
  const k = dar.processDeferred(T0 + 2);
  assert.equal(k, 1);
  const ba = collect(dar, 1).out[0];
  assert.equal(status(ba!), 0);
  assert.equal(lifetimeOf(ba!), 15, "probation: 60 s granted of the 600 s asked");
  assert.equal(delta(dar, before, "cga-verified"), 1);
  assert.equal(dar.bindingsCount(), 2);
  const ev = dar.drainEvents();
  assert.ok(ev.some((e) => e.kind === "added" && e.hoa === b!.hoa));
});

test("bad-signature flood from sighted HoAs: BA 148, the budget caps the verifications, the stale rest is dropped", () => {
  const dar = darWith({}, { perSecond: 100, perBatch: 4, queue: 256 }); // bucket depth max(4, 4, 10) = 10
  const flood = mns(40);
  dar.addSightings(flood.map((m) => addr(m.hoa)), T0);
  const bad = flood.map((m, i) => {
    const p = cgaBu(m, i + 1);
    p[p.length - 20] ^= 0xff; // inside the Signature: the CGA still checks out, the signature not
    fixMhChecksum(p, addr(m.hoa), null);
    return p;
  });
  const before = snapshotCounters(dar);
  const r = batch(dar, bad, T0);
  assert.ok(r.reasons.every((x) => x === "cga-deferred"));
  const calls: number[] = [];
  for (let i = 0; i < 5; i++) calls.push(dar.processDeferred(T0));
  assert.deepEqual(calls, [4, 4, 2, 0, 0], "4 per call, 10 units in the bucket");
  assert.equal(delta(dar, before, "cga-verified"), 10);
  assert.ok(dar.deferredWaitMs(T0) > 0);
  // 500 ms later: 50 more units.
  const later = deferred(dar, T0 + 500);
  assert.equal(delta(dar, before, "cga-verified"), 20, "10 units of depth: never more than the bucket holds");
  assert.ok(later.every((p) => status(p) === 148));
  // After a second the rest is stale: dropped unverified.
  deferred(dar, T0 + 1001);
  assert.equal(dar.deferredPending(), 0);
  assert.equal(delta(dar, before, "cga-verified") + delta(dar, before, "cga-stale"), 40);
  assert.ok(delta(dar, before, "cga-stale") > 0);
  assert.equal(dar.bindingsCount(), 0);
  assert.equal(delta(dar, before, "bu-accepted"), 0);
});

test("replays of accepted BUs: BA 135 before any crypto, the binding unchanged", () => {
  const dar = darWith();
  const [m] = mns(1);
  const phkt = bind(dar, m!, T0, 5);
  const refresh = phktBu(m!, 6, phkt);
  assert.equal(status(batch(dar, [refresh], T0 + 1).out[0]), 0);
  const [b0] = dar.bindings();
  const before = snapshotCounters(dar);
  const r = batch(dar, [cgaBu(m!, 5, 150, "2001:db8:2::dead"), refresh, cgaBu(m!, 6, 150, "2001:db8:2::beef")], T0 + 2);
  assert.deepEqual(r.out.map(status), [135, 135, 135]);
  assert.equal(dar.deferredPending(), 0);
  assert.equal(delta(dar, before, "cga-verified"), 0);
  const [b1] = dar.bindings();
  assert.deepEqual([b1!.coa, b1!.seq, b1!.lifetime], [b0!.coa, b0!.seq, b0!.lifetime]);
});

test("garbage Mobility Headers: counted malformed, nothing queued, no crypto", () => {
  const dar = darWith();
  const [m] = mns(1);
  dar.addSightings([addr(m!.hoa)], T0);
  const good = cgaBu(m!, 1);
  const { off } = upperLayer(good);
  const garbage: Uint8Array[] = [];
  for (let i = 0; i < 50; i++) {
    const p = new Uint8Array(good);
    p[off + (i * 37) % (p.length - off)] ^= 1 + (i % 255); // one flipped byte in the MH: its checksum fails
    garbage.push(p);
  }
  const before = snapshotCounters(dar);
  const r = batch(dar, garbage, T0);
  assert.ok(r.out.every((p) => p === null));
  assert.equal(delta(dar, before, "mh-malformed"), 50);
  assert.equal(dar.deferredPending(), 0);
  assert.equal(delta(dar, before, "cga-verified"), 0);
  assert.equal(dar.bindingsCount(), 0);
});

test("deferral queue overflow: BA 130 counted cga-over-budget; the queued ones are answered", () => {
  const dar = darWith({}, { queue: 4, perBatch: 8 });
  const burst = mns(10);
  dar.addSightings(burst.map((m) => addr(m.hoa)), T0);
  const before = snapshotCounters(dar);
  const r = batch(dar, burst.map((m, i) => cgaBu(m, i + 1)), T0);
  assert.deepEqual(r.reasons.slice(0, 4), ["cga-deferred", "cga-deferred", "cga-deferred", "cga-deferred"]);
  assert.deepEqual(r.out.slice(4).map(status), [130, 130, 130, 130, 130, 130]);
  assert.equal(delta(dar, before, "cga-over-budget"), 6);
  assert.deepEqual(deferred(dar, T0).map(status), [0, 0, 0, 0]);
  assert.equal(dar.bindingsCount(), 4);
});

test("probation: 60 s first, each phkt refresh doubles the grant up to maxLifetime; creations stop at probationMax", () => {
  const dar = darWith({ probationMax: 2 });
  const [a, b, c] = mns(3);
  const phkt = bind(dar, a!, T0);
  assert.equal(dar.bindings()[0]!.lifetime, 60);
  assert.equal(dar.policyState().probation, 1);
  const grants: number[] = [];
  for (let seq = 2; seq <= 6; seq++) {
    const ba = batch(dar, [phktBu(a!, seq, phkt)], T0 + seq).out[0];
    assert.equal(status(ba!), 0);
    grants.push(lifetimeOf(ba!)! * 4);
  }
  assert.deepEqual(grants, [120, 240, 480, 600, 600]);
  assert.equal(dar.policyState().probation, 0, "a phkt refresh ends probation");
  // Two more in probation fill the cap; a third sighted creation is refused, cheaply.
  const phktB = bind(dar, b!, T0 + 10);
  dar.addSightings([addr(c!.hoa)], T0 + 10);
  bind(dar, mns(1)[0]!, T0 + 10);
  assert.equal(dar.policyState().probation, 2);
  const before = snapshotCounters(dar);
  const r = batch(dar, [cgaBu(c!, 1)], T0 + 11);
  assert.equal(status(r.out[0]), 130);
  assert.equal(delta(dar, before, "admission-probation-full"), 1);
  assert.equal(delta(dar, before, "cga-verified"), 0);
  // b proves liveness: room for c.
  assert.equal(status(batch(dar, [phktBu(b!, 2, phktB)], T0 + 12).out[0]), 0);
  assert.equal(dar.policyState().probation, 1);
  batch(dar, [cgaBu(c!, 2)], T0 + 13);
  assert.equal(status(deferred(dar, T0 + 13)[0]!), 0);
});

test("refreshes, moves and deregistrations of existing bindings never meet the admission policy", () => {
  const dar = darWith({ sightingLifetime: 10 });
  const [m] = mns(1);
  const phkt = bind(dar, m!, T0);
  const late = T0 + 30_000; // the sighting is 30 s old, the binding (60 s) still alive
  assert.equal(dar.sighted(addr(m!.hoa), late), false);
  const moved = batch(dar, [phktBu(m!, 2, phkt, 150, "2001:db8:3::7")], late).out[0];
  assert.equal(status(moved!), 0);
  assert.equal(dar.bindings()[0]!.coa, "2001:db8:3::7");
  // A cga-mode re-registration of the existing binding is deferred and accepted.
  assert.equal(batch(dar, [cgaBu(m!, 3)], late + 1).reasons[0], "cga-deferred");
  const [ba] = deferred(dar, late + 1);
  assert.equal(status(ba!), 0);
  const phkt2 = phktOf(ba!, m!.key)!;
  const dereg = batch(dar, [phktBu(m!, 4, phkt2, 0)], late + 2).out[0];
  assert.equal(status(dereg!), 0);
  assert.equal(dar.bindingsCount(), 0);
});

test("phkt-mode BUs are answered in their batch behind a full cga queue and an empty budget", () => {
  const dar = darWith({}, { queue: 2, perSecond: 1, perBatch: 1 });
  const [a, ...rest] = mns(5);
  const phkt = bind(dar, a!, T0);
  dar.addSightings(rest.map((m) => addr(m.hoa)), T0);
  const r = batch(dar, [...rest.map((m, i) => cgaBu(m, i + 1)), phktBu(a!, 2, phkt)], T0 + 1);
  assert.deepEqual(r.reasons.slice(0, 2), ["cga-deferred", "cga-deferred"]);
  assert.equal(status(r.out[4]), 0, "the phkt refresh is answered in the batch");
});
