// Bounded cost of untrusted input, measured in wasmtime fuel (a deterministic count of the
// WebAssembly work a call did): every packet of a seeded fuzz corpus (the vector set, valid
// BUs of both modes with RSA-1024 and RSA-2048 keys, deregistrations, CoTIs, data, and 20k
// mutants of all of them) goes through process_batch alone, and none costs more than one
// RSA-2048 verification plus FUEL_BEYOND_ONE_VERIFICATION. The test prints the fuel table and
// the most expensive input. The other calls that take untrusted packets, the MN's
// process_batch and the decoder (`fama decode`), are bounded over the same corpus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, sign } from "node:crypto";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { REPO_ROOT, VECTORS_DIR } from "../../host/paths.js";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { Mn } from "../../host/core/mn.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { buildPacket, decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { rsaPublicKeyOf, rsaVerify } from "../../host/core/crypto.js";
import { loadPrivateKey, spkiDer } from "../../host/keys.js";
import { FuelProfile } from "../../host/runtime/fuel-report.js";
import { buildBu, phktOf } from "../support/mobile-node.js";
import { addr, text, udpPacket, encapsulate } from "../support/packets.js";
import { mutants, noWasmtime, vectorPackets } from "../support/runtimes.js";

/**
 * The most any packet may cost beyond one RSA-2048 signature verification. A cga-mode BU with
 * a 2048-bit key is the dearest input by design: it verifies the signature, then encrypts the
 * PHKT to the same key (a second public-key operation of the same size, about as much fuel as
 * the verification), and parses, hashes and checks the rest (CGA, SHA-1s). Measured with
 * wasmtime 49: a verification 1.83M fuel, that BU 4.48M, so 2.66M beyond the verification.
 * 3M leaves a margin for changes in the core, not room for a third public-key operation.
 */
const FUEL_BEYOND_ONE_VERIFICATION = 3_000_000;
const SEED = 0xf0e1_2026;
const ANCHOR = "2001:db8:100:ff::1";
const PREFIX = "2001:db8:100:1::";
const CN = "2001:db8:999::53";

const builder = loadCore(undefined, { runtime: "node" });

function oneVerificationFuel(): number {
  const core = loadCore(undefined, { runtime: "wasmtime", fuel: true });
  const key = loadPrivateKey(join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem"));
  const message = Buffer.from("fama fuel probe");
  const digest = createHash("sha1").update(message).digest();
  const sig = sign("sha1", message, key);
  const pub = rsaPublicKeyOf(key);
  rsaVerify(core, pub, digest, sig); // places the key; the second call measures the verification alone
  const before = core.fuelUsed!();
  assert.equal(rsaVerify(core, pub, digest, sig), 0, "the signature verifies");
  return core.fuelUsed!() - before;
}

/** Valid packets of every kind a DAR answers, for MNs with 1024- and 2048-bit keys. */
function validPackets(): { cga: Uint8Array[]; keys: { key: ReturnType<typeof loadPrivateKey>; hoa: string; params: string; coa: string }[] } {
  const keys = ["mn-a-rsa1024.pem", "mn-b-rsa2048.pem"].map((f, i) => {
    const key = loadPrivateKey(join(VECTORS_DIR, "keys", f));
    const { address, params } = cgaAddress(builder, { modifier: new Uint8Array(16).fill(i + 1), prefix: addr(PREFIX), spki: spkiDer(key), sec: 0 });
    return { key, hoa: text(address), params: Buffer.from(params).toString("hex"), coa: `2001:db8:200:${i + 1}::7` };
  });
  const cga = keys.map((k, i) => buildBu(builder, { coa: k.coa, anchor: ANCHOR, hoa: k.hoa, seq: 10 + i, lifetime: 300, cga: { key: k.key, params: k.params } }));
  return { cga, keys };
}

test(`no packet of the fuzz corpus costs more than one RSA-2048 verification + ${FUEL_BEYOND_ONE_VERIFICATION} fuel`, { skip: noWasmtime }, (t) => {
  const verify = oneVerificationFuel();
  const dar = new Dar(loadCore(undefined, { runtime: "wasmtime", fuel: true }));
  dar.configure({ ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], maxLifetime: 600 }), capacity: 1024 });
  const profile = new FuelProfile(dar, builder);
  const corpus: Uint8Array[] = [];
  let now = 1_700_000_000_000;
  const run = (p: Uint8Array): Uint8Array | null => {
    corpus.push(p);
    now += 10;
    dar.tick(now);
    if (p.length > dar.maxPacket) return null;
    dar.setPacket(0, p);
    profile.start();
    dar.process(1, now);
    profile.finish(corpus.length - 1, p);
    dar.drainEvents();
    return dar.verdict(0) === 1 ? dar.output(0).slice() : null;
  };

  // Valid flows first: cga-mode BUs (their BAs carry the PHKTs), then phkt-mode BUs with them.
  const { cga, keys } = validPackets();
  const valid: Uint8Array[] = [...cga];
  keys.forEach((k, i) => {
    const ba = run(cga[i]!);
    assert.ok(ba, "the cga-mode BU is answered");
    const phkt = phktOf(ba, k.key);
    assert.ok(phkt, "its BA carries a PHKT");
    const base = { coa: k.coa, anchor: ANCHOR, hoa: k.hoa, lifetime: 300, phkt };
    for (const p of [buildBu(builder, { ...base, seq: 20 }), udpPacket(CN, k.hoa, 512), encapsulate(k.coa, ANCHOR, udpPacket(k.hoa, CN, 256)),
      buildPacket(builder, { src: k.coa, dst: ANCHOR, mh: { type: 2, cookie: "0102030405060708", options: [] } }),
      buildBu(builder, { ...base, seq: 21, lifetime: 0 })]) {
      valid.push(p);
      run(p);
    }
  });
  const seeds = [...vectorPackets(), ...valid];
  for (const p of seeds) run(p);
  for (const p of mutants(seeds, 20_000, SEED)) run(p);

  const table = profile.table();
  const classes = profile.sorted();
  const worst = classes[0]!;
  t.diagnostic(`one RSA-2048 verification: ${verify} fuel; budget ${verify + FUEL_BEYOND_ONE_VERIFICATION}`);
  t.diagnostic(`most expensive input: #${worst.maxIndex} (${worst.name}), ${worst.maxFuel} fuel, ${Buffer.from(corpus[worst.maxIndex]!).toString("hex").slice(0, 96)}...`);
  for (const line of table.split("\n")) t.diagnostic(line);

  // Not vacuous: the corpus reached the expensive paths and many drop classes.
  const names = classes.map((c) => c.name);
  for (const want of ["BU cga: bu-accepted", "BU phkt: bu-accepted", "BU phkt dereg: bu-accepted", "encap", "decap", "cot-sent", "dropped: mh-malformed", "dropped: malformed"]) {
    assert.ok(names.includes(want), `class ${want} seen (${names.join(", ")})`);
  }
  assert.ok(classes.length >= 12, `${classes.length} classes`);
  assert.ok(verify > 100_000, `a verification costs ${verify} fuel`);
  for (const c of classes) {
    assert.ok(c.maxFuel <= verify + FUEL_BEYOND_ONE_VERIFICATION, `${c.name}: ${c.maxFuel} fuel at input #${c.maxIndex} exceeds ${verify} + ${FUEL_BEYOND_ONE_VERIFICATION}`);
  }
});

test("fama replay --runtime wasmtime --fuel-report prints the table; without wasmtime it refuses", { skip: noWasmtime }, () => {
  const cli = join(REPO_ROOT, "build/js/host/cli.js");
  const dir = join(VECTORS_DIR, "dar");
  const args = ["--disable-warning=ExperimentalWarning", cli, "replay", "--config", join(dir, "malformed.config.json"), "--in", join(dir, "malformed.in.pcap"), "--out", "/dev/null", "--fuel-report"];
  const r = spawnSync(process.execPath, [...args, "--runtime", "wasmtime"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[1]!, /^class\s+packets\s+max fuel\s+mean fuel\s+max at$/);
  const rows = lines.slice(2).map((l) => l.split(/\s{2,}/));
  assert.ok(rows.some((row) => row[0] === "dropped: mh-malformed" && Number(row[2]) > 0), r.stdout);
  assert.equal(rows.reduce((n, row) => n + Number(row[1]), 0), 23, "every packet of the capture is in a class");
  const refused = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, FAMA_RUNTIME: "node" } });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--fuel-report needs --runtime wasmtime/);
});

/** The most fuel one packet cost `step` (on a fuel-metered core), and which packet. */
function maxFuel(core: ReturnType<typeof loadCore>, packets: Uint8Array[], step: (p: Uint8Array) => void): { fuel: number; index: number } {
  let worst = { fuel: 0, index: -1 };
  packets.forEach((p, index) => {
    const before = core.fuelUsed!();
    step(p);
    const fuel = core.fuelUsed!() - before;
    if (fuel > worst.fuel) worst = { fuel, index };
  });
  return worst;
}

// No public-key operation happens in either (the MN's private-key steps are requests to the
// host): every packet is a parse, at most a few SHA-1/HMAC blocks and a binding-list lookup.
// Measured with wasmtime 49: at most 3.5k fuel for the MN, 11k for the decoder (a BU with a
// 2048-bit CGA Parameters option and signature to walk).
const MN_PACKET_BUDGET = 50_000;
const DECODE_PACKET_BUDGET = 50_000;

test(`the MN's process_batch and the decoder: no packet of the corpus costs more than ${MN_PACKET_BUDGET} / ${DECODE_PACKET_BUDGET} fuel`, { skip: noWasmtime }, (t) => {
  const seeds = vectorPackets();
  const corpus = [...seeds, ...mutants(seeds, 20_000, SEED + 1)];

  const mnCore = loadCore(undefined, { runtime: "wasmtime", fuel: true });
  const mn = new Mn(mnCore);
  const key = loadPrivateKey(join(VECTORS_DIR, "keys", "mn-a-rsa1024.pem"));
  mn.configure({ spki: spkiDer(key), modifier: Buffer.from("3c1a1cdfc424014b14d2926221eaa633", "hex"), sec: 1, initialTimeoutMs: 250, lifetime: 600, tunnelMtu: 1460 });
  let now = 1_700_000_000_000;
  mn.attach(`${PREFIX}/64`, ANCHOR, false, now);
  mn.attach("2001:db8:200:1::/64", "2001:db8:200:ff::1", false, now);
  let sent = 0;
  const mnWorst = maxFuel(mnCore, corpus.filter((p) => p.length <= mn.maxPacket), (p) => {
    now += 10;
    mn.setPacket(0, p);
    sent += mn.process(1, now);
  });
  mn.drainEvents();

  const decoder = loadCore(undefined, { runtime: "wasmtime", fuel: true });
  let decoded = 0;
  const decodeWorst = maxFuel(decoder, corpus, (p) => { if (decodePacket(decoder, p).ok) decoded++; });

  const hexOf = (p: Uint8Array | undefined) => Buffer.from(p ?? []).toString("hex").slice(0, 96);
  t.diagnostic(`MN: most expensive packet ${mnWorst.fuel} fuel (#${mnWorst.index}: ${hexOf(corpus[mnWorst.index])}...), ${sent} of ${corpus.length} answered`);
  t.diagnostic(`decoder: most expensive packet ${decodeWorst.fuel} fuel (#${decodeWorst.index}: ${hexOf(corpus[decodeWorst.index])}...), ${decoded} decoded`);
  assert.ok(mnWorst.fuel > 0 && decodeWorst.fuel > 0, "fuel was metered");
  assert.ok(decoded > 1000, `${decoded} packets decoded: the corpus reaches the decoder's full path`);
  assert.ok(mnWorst.fuel <= MN_PACKET_BUDGET, `MN: ${mnWorst.fuel} fuel at #${mnWorst.index}`);
  assert.ok(decodeWorst.fuel <= DECODE_PACKET_BUDGET, `decoder: ${decodeWorst.fuel} fuel at #${decodeWorst.index}`);
});
