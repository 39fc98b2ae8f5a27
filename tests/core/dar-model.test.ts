// Model-based property test of the DAR: random sequences of steps run against the
// module and against the TypeScript model of tests/support/model.ts (binding cache +
// PROTOCOL.md §2.2 decision table), with fast-check `fc.commands` (failures shrink to a short
// step list). After every step the two agree on what was emitted (packet kind; for a BA:
// status, sequence number, lifetime, option types, destination, RH2 and the authenticator,
// checked with the PHKT the model says the DAR holds; for a drop: the reason counter), on the
// binding set (HoA -> CoA, seq, lifetime, expiry, hasPhkt, per-binding packet counters) and on
// the binding events (added / moved / removed).
//
// Steps: cga-mode BUs (valid, with Nonce Indices + BAD, signed by the wrong key, with another
// MN's CGA Parameters, for a HoA outside the DAR's prefix, with a flipped authenticator bit,
// without the A flag, with a stale care-of nonce index, or whose BA the MN "loses"),
// phkt-mode BUs with the PHKT the model MN decrypted from its last BA (valid, flipped bit,
// a wrong PHKT, no A flag, stale nonce index; an MN without a PHKT mostly falls back to cga mode), sequence numbers stepping +1, 0, -3, +0x7fff and
// +0x8000 (the edges of RFC 6275 §9.5.1) from starts near the 2^16 wrap, exact replays of
// earlier BUs, deregistrations in both modes, CN -> HoA data, MN -> anchor tunnel packets
// (right or wrong outer source), and clock advances (to just before / exactly at a binding's
// expiry, or by fixed amounts). Four MNs with RSA-1024 keys (generated once per run) share a
// cache of capacity 3, so BA 130 happens too. Coverage of every outcome is asserted at the end.
//
// FAMA_MODEL_SEED / FAMA_MODEL_RUNS / FAMA_MODEL_STEPS change the seed, run count, steps per run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import fc from "fast-check";
import { loadCore } from "../../host/wasm.js";
import { Dar, VERDICT_SEND } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text, upperLayer, udpPacket, encapsulate, fixMhChecksum, NH_IPV6 } from "../support/packets.js";
import { authenticatorOk, buildBu, kbm, phktOf, sha1 } from "../support/mobile-node.js";
import { DarModel, UNKNOWN_PHKT, seqNewer, type BuFacts, type BuOutcome, type DataOutcome, type PhktRef } from "../support/model.js";

const SEED = Number(process.env.FAMA_MODEL_SEED ?? 0x0dA2_40de) >>> 0;
const RUNS = Number(process.env.FAMA_MODEL_RUNS ?? 300);
const STEPS = Number(process.env.FAMA_MODEL_STEPS ?? 40);

const ANCHOR = "2001:db8:100:ff::1";
const PREFIX = "2001:db8:100:1::";
const FOREIGN = "2001:db8:999:1::";
const CN = "2001:db8:999:99::53";
const MAX_LIFETIME = 300; // s: 75 units
const CAPACITY = 3;
const T0 = 1_700_000_000_000;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const core = loadCore(); // packet building and decoding (never the DAR under test)
const CONFIG = { ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], maxLifetime: MAX_LIFETIME }), capacity: CAPACITY };

interface MnIdentity { key: KeyObject; hoa: string; params: string; foreignHoa: string; foreignParams: string; coas: string[] }

function identity(i: number): MnIdentity {
  const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const spki = spkiDer(key);
  const modifier = new Uint8Array(randomBytes(16));
  const home = cgaAddress(core, { modifier, prefix: addr(PREFIX), spki, sec: 0 });
  const foreign = cgaAddress(core, { modifier, prefix: addr(FOREIGN), spki, sec: 0 });
  return {
    key, hoa: text(home.address), params: hex(home.params),
    foreignHoa: text(foreign.address), foreignParams: hex(foreign.params),
    coas: [0, 1, 2].map((j) => `2001:db8:${200 + j}:${i + 1}::${(i + 1) * 16 + j}`),
  };
}
const MNS: MnIdentity[] = [0, 1, 2, 3].map(identity);

// ---------------------------------------------------------------------------------------------
// The two systems

interface MnState { seq: number; phkt: Uint8Array | null; history: { bytes: Uint8Array; facts: BuFacts }[] }
interface Model { dar: DarModel; now: number; mns: MnState[] }
interface Real { dar: Dar }

const SEQ_STARTS = [0, 1000, 65530, 32767];

function setup(): { model: Model; real: Real } {
  const dar = new Dar(loadCore());
  dar.configure(CONFIG);
  const model: Model = {
    dar: new DarModel({
      anchor: ANCHOR, maxLifetime: MAX_LIFETIME, capacity: CAPACITY, coaTest: false,
      inPrefixes: (a) => a.startsWith("2001:db8:100:1:"),
    }),
    now: T0,
    mns: SEQ_STARTS.map((seq) => ({ seq, phkt: null, history: [] })),
  };
  return { model, real: { dar } };
}

// Outcome counts over the whole test, to show the sequences reach every branch.
const seen = new Map<string, number>();
const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);

/** Runs one packet through the real DAR (after a tick at the same time, as the host does). */
function send(r: Real, now: number, p: Uint8Array): { out: Uint8Array | null; reason: string | null } {
  r.dar.tick(now);
  r.dar.setPacket(0, p);
  const n = r.dar.process(1, now);
  if (n === 1 && r.dar.verdict(0) === VERDICT_SEND) return { out: r.dar.output(0).slice(), reason: null };
  return { out: null, reason: r.dar.reasonName(0) };
}

/** After every step: bindings and events agree. */
function compareState(m: Model, r: Real, where: string): void {
  const real = r.dar.bindings().map((b) => ({
    hoa: b.hoa, coa: b.coa, seq: b.seq, lifetime: b.lifetime, expiresAt: b.expiresAt, hasPhkt: b.hasPhkt,
    pktsToMn: Number(b.pktsToMn), pktsFromMn: Number(b.pktsFromMn),
  })).sort((a, b) => a.hoa.localeCompare(b.hoa));
  const want = [...m.dar.bindings].map(([hoa, b]) => ({
    hoa, coa: b.coa, seq: b.seq, lifetime: b.lifetime, expiresAt: b.expiresAt, hasPhkt: b.phkt !== null,
    pktsToMn: b.pktsToMn, pktsFromMn: b.pktsFromMn,
  })).sort((a, b) => a.hoa.localeCompare(b.hoa));
  assert.deepEqual(real, want, `${where}: binding set`);
  const key = (e: { kind: string; hoa: string }) => `${e.hoa}|${e.kind}`;
  const ev = r.dar.drainEvents().map(({ kind, hoa, coa, seq, lifetime }) => ({ kind, hoa, coa, seq, lifetime }))
    .sort((a, b) => key(a).localeCompare(key(b)));
  const wantEv = m.dar.drainEvents().map((e) => ({ ...e })).sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(ev, wantEv, `${where}: events`);
  for (const e of wantEv) note(`event ${e.kind}`);
}

/** Checks a BU's output against the model's outcome; returns the PHKT a cga-mode BA carried. */
function checkBu(want: BuOutcome, got: { out: Uint8Array | null; reason: string | null }, f: BuFacts, key: KeyObject, where: string): Uint8Array | null {
  if (want.kind === "drop") {
    assert.equal(got.out, null, `${where}: nothing emitted (model: drop ${want.reason})`);
    assert.equal(got.reason, want.reason, `${where}: drop reason`);
    note(`drop ${want.reason}`);
    return null;
  }
  assert.ok(got.out, `${where}: a BA ${want.status} (got a drop: ${got.reason})`);
  const p = got.out;
  const d = decodePacket(core, p);
  assert.ok(d.ok && d.mh, `${where}: output decodes as an MH: ${JSON.stringify(d)}`);
  assert.equal(d.mh.type, 6, `${where}: MH type BA`);
  assert.ok(d.mh.checksumOk, `${where}: BA checksum`);
  assert.deepEqual(
    { src: d.src, dst: d.dst, rh2: d.rh2, status: d.mh.status, seq: d.mh.seq, lifetime: d.mh.lifetime, options: d.mh.options.map((o) => o.type).filter((t) => t > 2) },
    { src: ANCHOR, dst: want.dst, rh2: want.rh2, status: want.status, seq: want.seq, lifetime: want.lifetime, options: want.options },
    `${where}: BA fields`);
  note(`BA ${want.status}${want.status === 0 ? ` ${f.mode}${f.lifetimeUnits === 0 ? " dereg" : ""}` : ""}`);
  const coa = addr(f.coa), anchor = addr(ANCHOR);
  if (want.auth?.kind === "issued") {
    const phkt = phktOf(p, key);
    assert.ok(phkt, `${where}: the PHKT decrypts with the MN's key`);
    assert.ok(authenticatorOk(kbm(phkt, null), coa, anchor, p), `${where}: BA authenticator keyed with the issued PHKT`);
    return phkt;
  }
  if (want.auth && want.auth.phkt !== UNKNOWN_PHKT) {
    const held = new Uint8Array(Buffer.from(want.auth.phkt, "hex"));
    const k = want.auth.kind === "dereg" ? sha1(held) : kbm(held, null);
    assert.ok(authenticatorOk(k, coa, anchor, p), `${where}: BA authenticator keyed with the held PHKT (${want.auth.kind})`);
  }
  return null;
}

function checkData(want: DataOutcome, got: { out: Uint8Array | null; reason: string | null }, input: Uint8Array, where: string): void {
  note(want.kind === "drop" ? `data drop ${want.reason}` : want.kind);
  if (want.kind === "drop") {
    assert.equal(got.out, null, `${where}: nothing emitted`);
    assert.equal(got.reason, want.reason, `${where}: drop reason`);
    return;
  }
  assert.ok(got.out, `${where}: ${want.kind} expected, got a drop: ${got.reason}`);
  const p = got.out;
  if (want.kind === "encap") {
    assert.equal(p[6], NH_IPV6, `${where}: outer Next Header 41`);
    assert.equal(text(p, 8), ANCHOR, `${where}: outer source`);
    assert.equal(text(p, 24), want.coa, `${where}: outer destination = the binding's CoA`);
    const inner = input.slice();
    inner[7]--;
    assert.deepEqual(p.subarray(40), inner, `${where}: inner packet, hop limit - 1`);
  } else {
    const inner = input.slice(40);
    inner[7]--;
    assert.deepEqual(p, inner, `${where}: decapsulated inner packet, hop limit - 1`);
  }
}

// ---------------------------------------------------------------------------------------------
// Steps

/** Flips bit `bit` (0..95) of the BU's authenticator (the last 12 bytes of the MH). */
const flipAuthenticator = (p: Uint8Array, hoa: string, bit: number) => {
  const { off } = upperLayer(p);
  const end = off + (p[off + 1] + 1) * 8;
  p[end - 12 + (bit >> 3)] ^= 0x80 >> (bit & 7);
  fixMhChecksum(p, addr(hoa), null); // so that step 7 (not the checksum gate) rejects it
};

type BuVariant = "valid" | "withBad" | "wrongKey" | "otherParams" | "foreign" | "flipBad" | "noAck" | "staleNonce" | "lostBa" | "wrongPhkt" | "dereg";

interface BuSpec { mn: number; coa: number; units: number; seqStep: number; mode: "cga" | "phkt"; variant: BuVariant }

function nextSeq(s: MnState, step: number): number {
  const seq = (s.seq + step) & 0xffff;
  if (seqNewer(seq, s.seq)) s.seq = seq;
  return seq;
}

/** Runs a BU (new or replayed) through both systems and compares; updates the model MN. */
function runBu(m: Model, r: Real, mn: number, bytes: Uint8Array, f: BuFacts, lostBa: boolean, where: string): void {
  const got = send(r, m.now, bytes);
  m.dar.tick(m.now);
  let issuedPhkt: Uint8Array | null = null;
  const want = m.dar.bu(f, m.now, () => {
    // The DAR drew a PHKT: with a BA the test reads it (decrypting with the MN's key).
    if (!got.out) return UNKNOWN_PHKT;
    issuedPhkt = phktOf(got.out, MNS[mn].key);
    return issuedPhkt ? hex(issuedPhkt) : UNKNOWN_PHKT;
  });
  checkBu(want, got, f, MNS[mn].key, where);
  const s = m.mns[mn];
  if (want.kind === "BA" && want.status === 147) s.phkt = null;
  if (want.kind === "BA" && want.status === 0) {
    if (f.lifetimeUnits === 0) s.phkt = null;
    else if (issuedPhkt && !lostBa) s.phkt = issuedPhkt;
  }
  compareState(m, r, where);
}

class BuCommand implements fc.Command<Model, Real> {
  constructor(readonly s: BuSpec) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const { mn, variant } = this.s;
    const id = MNS[mn], other = MNS[(mn + 1) % MNS.length], st = m.mns[mn];
    const seq = nextSeq(st, this.s.seqStep);
    // An MN without a PHKT sends cga mode (PROTOCOL.md §2.1, and §2.3 after a 147), mostly:
    // one time in four it tries phkt mode anyway (a random PHKT), which the DAR answers with 147.
    const mode = this.s.mode === "phkt" && !st.phkt && variant !== "wrongPhkt" && seq % 4 !== 0 ? "cga" : this.s.mode;
    const units = variant === "dereg" ? 0 : this.s.units;
    const coa = id.coas[this.s.coa];
    const hoa = variant === "foreign" ? id.foreignHoa : id.hoa;
    const coni = variant === "staleNonce" ? 1 + (seq % 0xfffe) : 0;
    const careOf = coni ? { index: coni, token: new Uint8Array(8).fill(0x5a) } : undefined;
    const ack = variant !== "noAck";
    let bytes: Uint8Array;
    let f: BuFacts;
    if (mode === "cga") {
      const cga = variant === "wrongKey" ? { key: other.key, params: id.params }
        : variant === "otherParams" ? { key: other.key, params: other.params }
          : variant === "foreign" ? { key: id.key, params: id.foreignParams }
            : { key: id.key, params: id.params };
      const withBad = variant === "withBad" || variant === "flipBad" || careOf !== undefined;
      bytes = buildBu(core, { coa, anchor: ANCHOR, hoa, seq, lifetime: units, cga, bad: withBad, careOf, ack });
      if (variant === "flipBad") flipAuthenticator(bytes, hoa, seq % 96);
      f = {
        hoa, src: coa, coa, seq, lifetimeUnits: units, mode, ack, coni,
        cgaValid: variant !== "wrongKey" && variant !== "otherParams",
        bad: withBad ? { phkt: null, flipped: variant === "flipBad" } : null,
      };
    } else {
      const phkt = variant === "wrongPhkt" || !st.phkt ? new Uint8Array(randomBytes(8)) : st.phkt;
      bytes = buildBu(core, { coa, anchor: ANCHOR, hoa, seq, lifetime: units, phkt, careOf, ack });
      if (variant === "flipBad") flipAuthenticator(bytes, hoa, seq % 96);
      f = { hoa, src: coa, coa, seq, lifetimeUnits: units, mode, ack, coni, bad: { phkt: hex(phkt), flipped: variant === "flipBad" } };
    }
    st.history.push({ bytes, facts: f });
    runBu(m, r, mn, bytes, f, variant === "lostBa", this.toString());
  }
  toString(): string {
    const s = this.s;
    return `${s.mode}-BU(mn ${s.mn}, ${s.variant}, coa ${s.coa}, ${s.units} units, seq ${s.seqStep >= 0 ? "+" : ""}${s.seqStep})`;
  }
}

class ReplayCommand implements fc.Command<Model, Real> {
  constructor(readonly mn: number, readonly back: number) {}
  check(m: Readonly<Model>): boolean { return m.mns[this.mn].history.length > 0; }
  run(m: Model, r: Real): void {
    const h = m.mns[this.mn].history;
    const { bytes, facts } = h[h.length - 1 - (this.back % h.length)];
    note("replay");
    runBu(m, r, this.mn, bytes, facts, true, this.toString());
  }
  toString(): string { return `replay(mn ${this.mn}, ${this.back} back)`; }
}

class DataCommand implements fc.Command<Model, Real> {
  constructor(readonly mn: number, readonly foreign: boolean) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const dst = this.foreign ? MNS[this.mn].foreignHoa : MNS[this.mn].hoa;
    const p = udpPacket(CN, dst, 24 + this.mn);
    const got = send(r, m.now, p);
    m.dar.tick(m.now);
    checkData(m.dar.toHoa(dst, m.now), got, p, this.toString());
    compareState(m, r, this.toString());
  }
  toString(): string { return `CN->HoA(mn ${this.mn}${this.foreign ? ", foreign HoA" : ""})`; }
}

class TunnelCommand implements fc.Command<Model, Real> {
  /**
   * Outer source: the CoA the model binds for the HoA (`bound`, when there is a binding), else
   * CoA `coa` of MN `from` (from != mn: another MN's address, a spoof).
   */
  constructor(readonly mn: number, readonly from: number, readonly coa: number, readonly bound: boolean) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    const bound = this.bound ? m.dar.bindings.get(MNS[this.mn].hoa)?.coa : undefined;
    const outer = bound ?? MNS[this.from].coas[this.coa];
    const p = encapsulate(outer, ANCHOR, udpPacket(MNS[this.mn].hoa, CN, 16));
    const got = send(r, m.now, p);
    m.dar.tick(m.now);
    checkData(m.dar.fromMn(outer, MNS[this.mn].hoa, m.now), got, p, this.toString());
    compareState(m, r, this.toString());
  }
  toString(): string { return `MN->anchor tunnel(mn ${this.mn}, outer src ${this.bound ? "the bound CoA, else " : ""}coa ${this.coa} of mn ${this.from})`; }
}

type Advance = number | "expiry" | "expiry-1";
class AdvanceCommand implements fc.Command<Model, Real> {
  constructor(readonly by: Advance) {}
  check(): boolean { return true; }
  run(m: Model, r: Real): void {
    let dt = typeof this.by === "number" ? this.by : 1000;
    if (typeof this.by !== "number" && m.dar.bindings.size > 0) {
      const next = Math.min(...[...m.dar.bindings.values()].map((b) => b.expiresAt));
      dt = Math.max(0, next - m.now - (this.by === "expiry-1" ? 1 : 0));
    }
    m.now += dt;
    r.dar.tick(m.now);
    const before = m.dar.bindings.size;
    m.dar.tick(m.now);
    if (m.dar.bindings.size < before) note("expired by the clock");
    compareState(m, r, this.toString());
  }
  toString(): string { return `advance(${this.by})`; }
}

const mnArb = fc.nat({ max: MNS.length - 1 });
// phkt-mode BUs come mostly from MNs 0 and 1, so that their bindings see several in a row.
const phktMnArb = fc.oneof(fc.nat({ max: 1 }), fc.nat({ max: 1 }), mnArb);
const coaArb = fc.nat({ max: 2 });
const unitsArb = fc.constantFrom(1, 2, 15, 75, 75, 0xffff, 0xffff);
const seqStepArb = fc.constantFrom(1, 1, 1, 1, 1, 1, 0, -3, 0x7fff, 0x8000);
const cgaVariant = fc.constantFrom<BuVariant>("valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid", "withBad", "withBad", "wrongKey", "otherParams", "foreign", "flipBad", "noAck", "staleNonce", "lostBa");
const phktVariant = fc.constantFrom<BuVariant>("valid", "valid", "valid", "valid", "valid", "valid", "flipBad", "wrongPhkt", "noAck", "staleNonce");
const bu = (mode: "cga" | "phkt", variant: fc.Arbitrary<BuVariant>) =>
  fc.record({ mn: mode === "phkt" ? phktMnArb : mnArb, coa: coaArb, units: unitsArb, seqStep: seqStepArb, mode: fc.constant(mode), variant })
    .map((s) => new BuCommand(s));

const commands = [
  bu("cga", cgaVariant),
  bu("cga", cgaVariant),
  bu("phkt", phktVariant),
  bu("phkt", phktVariant),
  bu("phkt", phktVariant),
  fc.boolean().chain((cga) => bu(cga ? "cga" : "phkt", fc.constant<BuVariant>("dereg"))),
  fc.tuple(mnArb, fc.nat({ max: 7 })).map(([mn, back]) => new ReplayCommand(mn, back)),
  fc.tuple(mnArb, fc.nat({ max: 7 })).map(([mn, back]) => new ReplayCommand(mn, back)),
  fc.tuple(mnArb, fc.nat({ max: 9 })).map(([mn, x]) => new DataCommand(mn, x === 0)),
  fc.tuple(mnArb, fc.nat({ max: 9 })).map(([mn, x]) => new DataCommand(mn, x === 0)),
  fc.tuple(mnArb, fc.nat({ max: 5 }), coaArb, fc.boolean()).map(([mn, from, coa, bound]) =>
    new TunnelCommand(mn, from < MNS.length ? mn : (mn + 1) % MNS.length, coa, bound)),
  fc.constantFrom<Advance>(1, 999, 4000, 8000, 60_000, 300_000, "expiry", "expiry-1", "expiry-1").map((by) => new AdvanceCommand(by)),
];

test(`DAR vs model: ${RUNS} random sequences of up to ${STEPS} steps (seed ${SEED})`, () => {
  const t0 = performance.now();
  let steps = 0;
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: STEPS, size: "max" }), (cmds) => {
      fc.modelRun(setup, cmds);
      steps += [...cmds].length;
    }),
    { seed: SEED, numRuns: RUNS, verbose: 1, includeErrorInReport: true },
  );
  const seconds = (performance.now() - t0) / 1000;
  const summary = [...seen].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(", ");
  console.log(`# model seed ${SEED} (FAMA_MODEL_SEED): ${RUNS} sequences, ${steps} steps in ${seconds.toFixed(1)} s\n# ${summary}`);
  // The sequences must reach every branch of the decision table, or they prove little.
  const must = [
    "BA 0 cga", "BA 0 phkt", "BA 0 cga dereg", "BA 0 phkt dereg", "BA 130", "BA 132", "BA 133", "BA 135", "BA 137",
    "BA 147", "BA 148", "drop bad-auth-failed", "drop bu-no-ack", "encap", "decap", "data drop unbound",
    "data drop spoofed", "data drop tunnel-unbound", "event added", "event moved", "event removed",
    "expired by the clock", "replay",
  ];
  const missing = must.filter((k) => !seen.get(k));
  assert.deepEqual(missing, [], `outcomes never reached (seed ${SEED}): ${missing.join(", ")}`);
  assert.ok(steps >= (RUNS * STEPS) / 3, `only ${steps} steps ran`);
});
