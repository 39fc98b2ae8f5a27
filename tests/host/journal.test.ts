// The DAR journal (host/dar/journal.ts) and the store around it (host/dar/store.ts): append /
// replay / compaction round trips, a torn tail ignored and cut off, a corrupt middle refused
// with a clear error, file modes, and the store rebuilding a binding cache from snapshot +
// journal after a "crash" (an instance dropped without a final snapshot).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, appendFileSync, statSync, existsSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import {
  Journal, readJournal, encodeEntry, decodeLine, JournalError, JOURNAL_HEADER, type JournalEntry,
} from "../../host/dar/journal.js";
import { DarStore, JOURNAL_FILE, SNAPSHOT_FILE } from "../../host/dar/store.js";
import { loadCore } from "../../host/wasm.js";
import { Dar, VERDICT_SEND } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { silentLogger } from "../../host/log.js";
import { addr, text, udpPacket } from "../support/packets.js";
import { buildBu, phktOf } from "../support/mobile-node.js";
import { withTmpDir as withDir } from "../support/tmp-dir.js";

const withTmpDir = (body: (dir: string) => void) => withDir(body, "fama-journal-");
const rec = (fill: number) => new Uint8Array(96).fill(fill);
const hoa = (fill: number) => new Uint8Array(16).fill(fill);

test("entries encode to one checked line each and decode back", () => {
  const b: JournalEntry = { kind: "bind", record: rec(7) };
  const r: JournalEntry = { kind: "remove", hoa: hoa(9) };
  const lb = encodeEntry(b);
  assert.match(lb, /^B [0-9a-f]{192} [0-9a-f]{8}\n$/);
  assert.match(encodeEntry(r), /^R [0-9a-f]{32} [0-9a-f]{8}\n$/);
  assert.deepEqual(decodeLine(lb.slice(0, -1)), b);
  assert.deepEqual(decodeLine(encodeEntry(r).slice(0, -1)), r);
  // One flipped hex digit, a wrong length, junk: rejected.
  const flipped = lb.slice(0, 10) + (lb[10] === "0" ? "1" : "0") + lb.slice(11, -1);
  assert.equal(decodeLine(flipped), null);
  assert.equal(decodeLine(`R ${"00".repeat(15)} 00000000`), null);
  assert.equal(decodeLine("hello"), null);
  assert.throws(() => encodeEntry({ kind: "bind", record: new Uint8Array(95) }), /95 bytes/);
});

test("append, reopen, replay: every entry back in order; reset empties it; mode 0600", () => withTmpDir((dir) => {
  const path = join(dir, "j");
  const j = Journal.open(path, readJournal(path));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  j.append([{ kind: "bind", record: rec(1) }, { kind: "bind", record: rec(2) }]);
  j.append([{ kind: "remove", hoa: hoa(1) }]);
  j.append([]);
  assert.equal(j.entriesSinceReset, 3);
  j.close();
  const back = readJournal(path);
  assert.deepEqual(back.entries.map((e) => e.kind), ["bind", "bind", "remove"]);
  assert.equal(back.tornBytes, 0);
  assert.deepEqual((back.entries[1] as { record: Uint8Array }).record, rec(2));
  const j2 = Journal.open(path, back);
  assert.equal(j2.entriesSinceReset, 3);
  j2.append([{ kind: "bind", record: rec(3) }]);
  assert.equal(readJournal(path).entries.length, 4);
  j2.reset();
  assert.equal(readFileSync(path, "utf8"), `${JOURNAL_HEADER}\n`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  j2.append([{ kind: "bind", record: rec(4) }]);
  j2.close();
  assert.deepEqual(readJournal(path).entries, [{ kind: "bind", record: rec(4) }]);
}));

test("a torn last line is ignored, reported and cut off before the next append", () => withTmpDir((dir) => {
  const path = join(dir, "j");
  const j = Journal.open(path, readJournal(path));
  j.append([{ kind: "bind", record: rec(1) }, { kind: "bind", record: rec(2) }]);
  j.close();
  const full = readFileSync(path).length;
  // Every cut inside the last line leaves the first entry intact and drops the second.
  const lineLen = encodeEntry({ kind: "bind", record: rec(2) }).length;
  for (const cut of [1, 5, lineLen - 1]) {
    truncateSync(path, full - cut);
    const r = readJournal(path);
    assert.equal(r.entries.length, 1, `cut ${cut}`);
    assert.equal(r.tornBytes, lineLen - cut);
  }
  // A complete-looking but damaged last line (garbage after a crash) is a torn tail too.
  truncateSync(path, full - lineLen);
  appendFileSync(path, "B 00zz\n" + "\0".repeat(20));
  const r = readJournal(path);
  assert.equal(r.entries.length, 1);
  assert.ok(r.tornBytes > 0);
  const j2 = Journal.open(path, r);
  j2.append([{ kind: "remove", hoa: hoa(3) }]);
  j2.close();
  const after = readJournal(path);
  assert.equal(after.tornBytes, 0);
  assert.deepEqual(after.entries.map((e) => e.kind), ["bind", "remove"]);
}));

test("damage followed by intact entries is refused with the file and line named", () => withTmpDir((dir) => {
  const path = join(dir, "j");
  const j = Journal.open(path, readJournal(path));
  j.append([{ kind: "bind", record: rec(1) }, { kind: "bind", record: rec(2) }, { kind: "bind", record: rec(3) }]);
  j.close();
  const lines = readFileSync(path, "latin1").split("\n");
  lines[2] = lines[2]!.replace(/^B (.)/, (_m, c: string) => `B ${c === "0" ? "1" : "0"}`); // entry 2 corrupt
  writeFileSync(path, lines.join("\n"));
  assert.throws(() => readJournal(path), (e: unknown) => e instanceof JournalError && /line 3 .*corrupt.*later entries are intact/.test((e as Error).message) && (e as Error).message.includes(path));
  writeFileSync(path, "something else\n");
  assert.throws(() => readJournal(path), /not a fama journal/);
  assert.deepEqual(readJournal(join(dir, "absent")).entries, []);
}));

// ---- the store: a real core, real BUs ----------------------------------------------------

const ANCHOR = "2001:db8:a:1::1";
const PREFIX = "2001:db8:1::";
const T0 = 1_700_000_000_000;
const core = loadCore();
const CONFIG = { ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], maxLifetime: 3600 }), capacity: 64 };
interface Mn { key: KeyObject; hoa: string; params: string; coa: string; seq: number; phkt: Uint8Array | null }
const MNS: Mn[] = [0, 1, 2].map((i) => {
  const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const { address, params } = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr(PREFIX), spki: spkiDer(key), sec: 0 });
  return { key, hoa: text(address), params: Buffer.from(params).toString("hex"), coa: `2001:db8:2::${i + 10}`, seq: 10, phkt: null };
});

function darWithStore(dir: string): { dar: Dar; store: DarStore } {
  const dar = new Dar(loadCore());
  dar.configure(CONFIG);
  const store = new DarStore(dar, dir, silentLogger, () => T0);
  store.open();
  return { dar, store };
}

/** A store in `dir` with MNS[0] bound in cga mode at T0 (its PHKT taken from the BA). */
function storeWithCgaBinding(dir: string): { a: { dar: Dar; store: DarStore }; mn: Mn } {
  const a = darWithStore(dir);
  const mn = MNS[0]!;
  mn.phkt = phktOf(batch(a.dar, a.store, [cga(mn)], T0)[0]!, mn.key);
  return { a, mn };
}

/** Packets through one batch, the store hook after process_batch (as the daemon does). */
function batch(dar: Dar, store: DarStore, packets: Uint8Array[], now: number): (Uint8Array | null)[] {
  packets.forEach((p, i) => dar.setPacket(i, p));
  dar.process(packets.length, now);
  store.recordBatch();
  return packets.map((_, i) => (dar.verdict(i) === VERDICT_SEND ? dar.output(i).slice() : null));
}
const statusOf = (p: Uint8Array | null) => { const d = p && decodePacket(core, p); return d && d.ok && d.mh ? d.mh.status : null; };
const cga = (mn: Mn, coa = mn.coa) => buildBu(core, { coa, anchor: ANCHOR, hoa: mn.hoa, seq: ++mn.seq, lifetime: 100, cga: { key: mn.key, params: mn.params } });
const phkt = (mn: Mn, lifetime = 100) => buildBu(core, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq: ++mn.seq, lifetime, phkt: mn.phkt! });

test("store: a crash at any point after a batch loses no accepted binding (snapshot + journal replay)", () => withTmpDir((dir) => {
  const a = darWithStore(dir);
  assert.equal(statSync(join(dir, SNAPSHOT_FILE)).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  // Three cga-mode bindings in one batch, one journal append.
  const bas = batch(a.dar, a.store, MNS.map((m) => cga(m)), T0);
  bas.forEach((ba, i) => { assert.equal(statusOf(ba), 0); MNS[i]!.phkt = phktOf(ba!, MNS[i]!.key); });
  assert.equal(a.store.entriesSinceCompaction, 3);
  // A refresh (a `refreshed` event) with a new lifetime, and a new cga-mode PHKT at the same CoA (another).
  assert.equal(statusOf(batch(a.dar, a.store, [phkt(MNS[0]!, 400)], T0 + 1000)[0]!), 0);
  const renew = batch(a.dar, a.store, [cga(MNS[1]!)], T0 + 2000)[0]!;
  assert.equal(statusOf(renew), 0);
  MNS[1]!.phkt = phktOf(renew, MNS[1]!.key);
  // A deregistration.
  assert.equal(statusOf(batch(a.dar, a.store, [phkt(MNS[2]!, 0)], T0 + 3000)[0]!), 0);
  assert.equal(a.store.entriesSinceCompaction, 6);
  const want = a.dar.bindings().map((b) => ({ hoa: b.hoa, coa: b.coa, seq: b.seq, lifetime: b.lifetime, expiresAt: b.expiresAt, hasPhkt: b.hasPhkt }));
  assert.equal(want.length, 2);
  // "Crash": no final snapshot. A new instance restores snapshot (empty) + journal.
  a.store.close();
  const b = darWithStore(dir);
  const got = b.dar.bindings().map((x) => ({ hoa: x.hoa, coa: x.coa, seq: x.seq, lifetime: x.lifetime, expiresAt: x.expiresAt, hasPhkt: x.hasPhkt }));
  assert.deepEqual(got.sort((x, y) => x.hoa.localeCompare(y.hoa)), want.sort((x, y) => x.hoa.localeCompare(y.hoa)));
  // The restored PHKTs are the ones the MNs hold: phkt-mode BUs are accepted (BA 0), the
  // deregistered MN gets 147.
  assert.equal(statusOf(batch(b.dar, b.store, [phkt(MNS[0]!)], T0 + 4000)[0]!), 0);
  assert.equal(statusOf(batch(b.dar, b.store, [phkt(MNS[1]!)], T0 + 4000)[0]!), 0);
  assert.equal(statusOf(batch(b.dar, b.store, [phkt(MNS[2]!)], T0 + 4000)[0]!), 147);
  // Opening compacted: the journal holds only what came after.
  assert.equal(b.store.entriesSinceCompaction, 2);
  b.store.compact("test");
  assert.equal(readFileSync(join(dir, JOURNAL_FILE), "utf8"), `${JOURNAL_HEADER}\n`);
  b.store.close();
  const c = darWithStore(dir);
  assert.equal(c.dar.bindingsCount(), 2);
  c.store.close();
}));

test("store: the journal replayed over a newer snapshot (crash between rename and reset) changes nothing", () => withTmpDir((dir) => {
  const { a, mn } = storeWithCgaBinding(dir);
  assert.equal(statusOf(batch(a.dar, a.store, [phkt(mn, 200)], T0 + 10)[0]!), 0);
  const journal = readFileSync(join(dir, JOURNAL_FILE));
  a.store.compact("test"); // snapshot now holds both changes; journal emptied
  writeFileSync(join(dir, JOURNAL_FILE), journal); // ... as if the reset had not happened
  const before = a.dar.bindings().map((b) => [b.hoa, b.coa, b.seq, b.expiresAt]);
  a.store.close();
  const b = darWithStore(dir);
  assert.deepEqual(b.dar.bindings().map((x) => [x.hoa, x.coa, x.seq, x.expiresAt]), before);
  b.store.close();
}));

test("store: a refresh without a BA (A flag clear) reaches the journal from its event alone", () => withTmpDir((dir) => {
  const { a, mn } = storeWithCgaBinding(dir);
  const entries = a.store.entriesSinceCompaction;
  const compactions = a.store.compactions;
  const quiet = buildBu(core, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq: ++mn.seq, lifetime: 150, phkt: mn.phkt!, ack: false });
  assert.deepEqual(batch(a.dar, a.store, [quiet], T0 + 10), [null], "no BA");
  assert.equal(a.dar.counter("bu-no-ack"), 1n);
  assert.equal(a.store.entriesSinceCompaction, entries + 1, "one journal entry");
  assert.equal(a.store.compactions, compactions, "no snapshot needed");
  const want = a.dar.bindings().map((b) => [b.hoa, b.seq, b.lifetime, b.expiresAt]);
  assert.equal(want[0]![2], 600, "150 units of 4 s");
  a.store.close(); // crash
  const b = darWithStore(dir);
  assert.deepEqual(b.dar.bindings().map((x) => [x.hoa, x.seq, x.lifetime, x.expiresAt]), want);
  b.store.close();
}));

test("store: when the journal cannot be written, the core withholds exactly the batch's BAs", () => withTmpDir((dir) => {
  const a = darWithStore(dir);
  const bound = MNS[0]!;
  assert.equal(statusOf(batch(a.dar, a.store, [cga(bound)], T0)[0]!), 0);
  a.store.close(); // the journal is gone from under the store: the next append fails
  const tx = a.dar.counter("tx");
  const out = batch(a.dar, a.store, [cga(MNS[1]!), udpPacket("2001:db8:c::2", bound.hoa, 100)], T0 + 10);
  assert.equal(out[0], null, "the BA is withheld");
  assert.equal(a.dar.reasonName(0), "withheld");
  assert.equal(a.dar.counter("withheld"), 1n);
  assert.equal(text(out[1]!, 24), bound.coa, "the data packet is still tunnelled");
  assert.equal(a.dar.counter("tx"), tx + 1n, "tx counts only what leaves");
  assert.equal(a.dar.bindingsCount(), 2, "the binding stays in memory; the MN retransmits");
}));

/** A store directory holding one accepted binding, closed. */
function storeWithOneBinding(dir: string): void {
  const a = darWithStore(dir);
  batch(a.dar, a.store, [cga(MNS[0]!)], T0);
  a.store.close();
}

test("store: a damaged journal stops the start with a clear error", () => withTmpDir((dir) => {
  storeWithOneBinding(dir);
  const jpath = join(dir, JOURNAL_FILE);
  const lines = readFileSync(jpath, "latin1").split("\n");
  writeFileSync(jpath, [lines[0], "B 1234 00000000", lines[1], ""].join("\n"));
  assert.throws(() => darWithStore(dir), /line 2 .*corrupt/);
}));

test("store: a damaged snapshot stops the start with a clear error and is left in place", () => withTmpDir((dir) => {
  storeWithOneBinding(dir);
  writeFileSync(join(dir, JOURNAL_FILE), `${JOURNAL_HEADER}\n`);
  const spath = join(dir, SNAPSHOT_FILE);
  const json = JSON.parse(readFileSync(spath, "utf8")) as { snapshot: string };
  const blob = Buffer.from(json.snapshot, "base64");
  blob[70] ^= 1;
  json.snapshot = blob.toString("base64");
  writeFileSync(spath, JSON.stringify(json));
  assert.throws(() => darWithStore(dir), /snapshot .*checksum mismatch.*move it aside/);
  assert.ok(existsSync(spath));
}));
