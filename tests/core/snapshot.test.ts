// Snapshot -> fresh instance -> restore: the same traffic gives byte-identical output;
// corrupted snapshots are rejected and leave the state untouched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { Dar, DarError } from "../../host/core/dar.js";
import { darWith, ipv6, vectorConfig, ANCHOR, HOA, COA, CN } from "./forward-helpers.js";

const PHKT = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function traffic(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const h = `2001:db8:100:1::${(i % 12) + 1}`;
    out.push(ipv6(CN, h, { hop: 1 + (i % 5), tc: i, flow: i * 977, payloadLen: 24 + i * 31 }));
    out.push(ipv6(`2001:db8:200:1::${(i % 12) + 1}`, ANCHOR, { nh: 41, payload: ipv6(h, CN, { hop: 2 + (i % 3) }) }));
  }
  out.push(ipv6(CN, HOA, { payloadLen: 1460 }));
  return out;
}

function run(dar: Dar, pkts: Uint8Array[], now: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < pkts.length; i += 7) {
    const batch = pkts.slice(i, i + 7);
    batch.forEach((p, k) => dar.setPacket(k, p));
    dar.process(batch.length, now + i);
    batch.forEach((_, k) => out.push(dar.verdict(k) ? Buffer.from(dar.output(k)).toString("hex") : `drop ${dar.reasonName(k)}`));
  }
  return out;
}

function bindings() {
  const b = [{ hoa: HOA, coa: COA, phkt: PHKT }];
  for (let i = 1; i <= 12; i++) b.push({ hoa: `2001:db8:100:1::${i}`, coa: `2001:db8:200:1::${i}`, phkt: PHKT });
  return b;
}

test("restore into a fresh instance: byte-identical output, counters and PHKTs carried over", () => {
  const a = darWith(bindings());
  run(a, traffic(), 10_000);
  const snap = a.snapshot();
  const b = new Dar(loadCore());
  b.configure(vectorConfig("data-after-accept"));
  b.restore(snap);
  assert.deepEqual(b.bindings(), a.bindings());
  assert.ok(b.bindings().every((x) => x.hasPhkt));
  const outA = run(a, traffic(), 20_000);
  const outB = run(b, traffic(), 20_000);
  assert.ok(outA.filter((x) => !x.startsWith("drop")).length > 40);
  assert.deepEqual(outB, outA);
  assert.deepEqual(b.snapshot().subarray(64), a.snapshot().subarray(64));
});

test("expiry times survive a restart as absolute wall-clock ms", () => {
  const a = darWith([{ hoa: HOA, coa: COA, expiresAt: 50_000 }]);
  const b = new Dar(loadCore());
  b.configure(vectorConfig("data-after-accept"));
  b.restore(a.snapshot());
  assert.equal(b.bindings()[0].expiresAt, 50_000);
  b.setPacket(0, ipv6(CN, HOA)); b.process(1, 49_999);
  assert.equal(b.verdict(0), 1);
  b.setPacket(0, ipv6(CN, HOA)); b.process(1, 50_000);
  assert.equal(b.reasonName(0), "unbound");
});

function reseal(blob: Uint8Array): Uint8Array {
  const body = blob.length - 20;
  blob.set(createHash("sha1").update(blob.subarray(0, body)).digest(), body);
  return blob;
}

let goodSnapshot: Uint8Array | null = null;
/** A snapshot of the 13 bindings, made once. */
function good(): Uint8Array {
  goodSnapshot ??= darWith(bindings()).snapshot();
  return goodSnapshot;
}

const corruptions: [string, (s: Uint8Array) => Uint8Array, number][] = [
  ["flipped record bit", (s) => { s[100] ^= 4; return s; }, 4],
  ["flipped digest bit", (s) => { s[s.length - 1] ^= 1; return s; }, 4],
  ["bad magic", (s) => { s[0] = 0x58; return reseal(s); }, 2],
  ["version 2", (s) => { s[8] = 2; return reseal(s); }, 3],
  ["truncated", (s) => s.slice(0, s.length - 96), 1],
  ["too short", (s) => s.slice(0, 10), 1],
  ["count larger than the data", (s) => { s[20] += 1; return reseal(s); }, 1],
  ["record state 7", (s) => { s[64 + 87] = 7; return reseal(s); }, 5],
  ["record expiry NaN", (s) => { new DataView(s.buffer).setFloat64(64 + 40, NaN, true); return reseal(s); }, 5],
  ["duplicate home address", (s) => { s.copyWithin(64 + 96, 64, 64 + 16); return reseal(s); }, 10],
];
for (const [name, corrupt, code] of corruptions) {
  test(`corrupted snapshot, ${name}: rejected with the state untouched`, () => {
    const dar = new Dar(loadCore());
    dar.configure(vectorConfig("data-after-accept"));
    assert.throws(() => dar.restore(corrupt(good().slice())), (e: unknown) => e instanceof DarError && e.code === code, name);
    assert.equal(dar.bindingsCount(), 0, name);
    dar.restore(good()); // still restorable afterwards
    assert.equal(dar.bindingsCount(), 13, name);
  });
}

test("a snapshot restored into a DAR that has bindings is refused, bindings kept", () => {
  const full = darWith(bindings());
  assert.throws(() => full.restore(good()), (e: unknown) => e instanceof DarError && e.code === 7);
  assert.equal(full.bindingsCount(), 13);
});

test("a snapshot larger than the DAR's capacity is refused, nothing restored", () => {
  const small = new Dar(loadCore());
  small.configure({ ...vectorConfig("data-after-accept"), capacity: 4 });
  assert.throws(() => small.restore(good()), (e: unknown) => e instanceof DarError && e.code === 6);
  assert.equal(small.bindingsCount(), 0);
});
