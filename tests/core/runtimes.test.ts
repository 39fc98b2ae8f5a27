// The same core under three WASI runtimes (node:wasi, @wasmer/wasi, wasmtime) gives the same
// bytes: the whole decode vector set, every DAR replay scenario (one-step, and the two-step
// flows through a saved state), and a run of a seeded fuzz corpus (outputs, counters, bindings
// and the snapshot at the end). Each runtime gets the same seeded stream in place of random_get
// (tests/support/runtimes.ts), so PHKTs, nonces and Kdar agree and outputs can be compared
// byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { REPO_ROOT, VECTORS_DIR } from "../../host/paths.js";
import { loadCore } from "../../host/wasm.js";
import { Dar, VERDICT_SEND } from "../../host/core/dar.js";
import { decodePacket } from "../../host/core/mh.js";
import { loadDarConfig, parseDarConfig } from "../../host/config/dar.js";
import { readPcap, type PcapPacket } from "../../host/pcap.js";
import { loadPrivateKey } from "../../host/keys.js";
import { replayPackets } from "../../host/commands/replay.js";
import { buildBu, phktOf } from "../support/mobile-node.js";
import { udpPacket } from "../support/packets.js";
import { RUNTIME_NAMES, initWasmer, noWasmtime, loadUnder, mutants, vectorPackets, type TestRuntime } from "../support/runtimes.js";

const SEED = 0x1010_2026;
const DAR_DIR = join(VECTORS_DIR, "dar");
const CLI = join(REPO_ROOT, "build/js/host/cli.js");
const builder = loadCore(undefined, { runtime: "node" });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const json = (file: string) => JSON.parse(readFileSync(join(DAR_DIR, file), "utf8"));

await initWasmer();

/** Runs `f` under each runtime and asserts every result equals node:wasi's; returns that one. */
function sameUnderAll<T>(what: string, f: (runtime: TestRuntime) => T): T {
  const [first, ...others] = RUNTIME_NAMES.map((rt) => ({ rt, result: f(rt) }));
  for (const o of others) assert.deepEqual(o.result, first!.result, `${what}: ${o.rt} differs from ${first!.rt}`);
  return first!.result;
}

/** What a DAR shows from outside after a run: counters, bindings, snapshot bytes. */
function state(dar: Dar) {
  const counters = Object.fromEntries(Object.entries(dar.counters()).map(([k, v]) => [k, String(v)]));
  const bindings = dar.bindings().map((b) => JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
  return { counters, bindings, snapshot: hex(dar.snapshot()) };
}

test("decoding the whole vector set gives identical output under the three runtimes", { skip: noWasmtime }, () => {
  const packets = vectorPackets();
  const lines = sameUnderAll("decode", (rt) => {
    const core = loadUnder(rt, SEED);
    return packets.map((p) => JSON.stringify(decodePacket(core, p)));
  });
  const ok = lines.filter((l) => (JSON.parse(l) as { ok: boolean }).ok).length;
  assert.ok(packets.length >= 100 && ok >= 40 && ok < packets.length, `${ok} of ${packets.length} decoded`);
});

test("fama decode prints the same lines with --runtime node and --runtime wasmtime", { skip: noWasmtime }, () => {
  for (const file of ["valid.pcap", "invalid.pcap"]) {
    const out = (runtime: string) => {
      const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "decode", "--runtime", runtime, join(VECTORS_DIR, "mh", file)], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const viaNode = out("node");
    assert.ok(viaNode.split("\n").length > 20, `${file}: lines`);
    assert.equal(out("wasmtime"), viaNode, file);
  }
});

const scenarios = readdirSync(DAR_DIR).filter((f) => f.endsWith(".config.json")).map((f) => f.slice(0, -".config.json".length));

test("every DAR replay scenario: the same output bytes and end state under the three runtimes", { skip: noWasmtime }, () => {
  assert.ok(scenarios.length >= 15, `${scenarios.length} scenarios`);
  let emitted = 0;
  for (const name of scenarios) {
    const packets = readPcap(join(DAR_DIR, `${name}.in.pcap`)).packets;
    const result = sameUnderAll(name, (rt) => {
      const dar = new Dar(loadUnder(rt, SEED));
      dar.configure(loadDarConfig(join(DAR_DIR, `${name}.config.json`)));
      const { out } = replayPackets(dar, packets);
      return { out: out.map((o) => `${o.in}:${hex(o.data)}`), ...state(dar) };
    });
    emitted += result.out.length;
  }
  assert.ok(emitted >= 20, `${emitted} packets emitted over the scenarios`);
});

const ts = (sec: number): Pick<PcapPacket, "tsSec" | "tsUsec"> => ({ tsSec: sec, tsUsec: 0 });

/** Run 1 from the vectors, the state saved and restored into a fresh core (as `--state` does), run 2 built from run 1's answer. */
function twoStep(rt: TestRuntime, name: string, buildRun2: (run1: Uint8Array[], t0: number) => PcapPacket[]) {
  const config = loadDarConfig(join(DAR_DIR, `${name}.config.json`));
  const first = new Dar(loadUnder(rt, SEED));
  first.configure(config);
  const run1 = replayPackets(first, readPcap(join(DAR_DIR, `${name}.in.pcap`)).packets).out;
  const second = new Dar(loadUnder(rt, SEED + 1));
  second.configure(config);
  second.restore(first.snapshot());
  const run2 = replayPackets(second, buildRun2(run1.map((o) => o.data), run1[0]!.tsSec + 1)).out;
  return { run1: run1.map((o) => hex(o.data)), run2: run2.map((o) => `${o.in}:${hex(o.data)}`), ...state(second) };
}

test("two-step phkt flow (dar/two-step.md): the same bytes in both runs under the three runtimes", { skip: noWasmtime }, () => {
  const mn = json("phkt-two-step.mn.json");
  const key = loadPrivateKey(join(VECTORS_DIR, mn.keyFile));
  const result = sameUnderAll("phkt-two-step", (rt) => twoStep(rt, "phkt-two-step", ([ba], t0) => {
    const phkt = phktOf(ba!, key);
    assert.ok(phkt, "run 1's BA carries a PHKT the MN can decrypt");
    const base = { coa: mn.coa, anchor: mn.anchor, hoa: mn.hoa, lifetime: mn.lifetime, phkt };
    const forged = buildBu(builder, { ...base, seq: mn.seq + 2 });
    forged[forged.length - 1]! ^= 0x01;
    return [
      { ...ts(t0), data: buildBu(builder, { ...base, seq: mn.seq + 1 }) },
      { ...ts(t0 + 1), data: buildBu(builder, { ...base, seq: mn.seq + 1 }) },
      { ...ts(t0 + 2), data: forged },
      { ...ts(t0 + 3), data: udpPacket(mn.cn, mn.hoa, 32) },
      { ...ts(t0 + 4), data: buildBu(builder, { ...base, seq: mn.seq + 3, lifetime: 0 }) },
    ];
  }));
  assert.deepEqual(result.run2.map((o) => Number(o.split(":")[0])), [0, 1, 3, 4], "BA, BA 135, encap, dereg BA; the forged BU dropped");
});

test("two-step care-of test flow: the same bytes in both runs under the three runtimes", { skip: noWasmtime }, () => {
  const mn = json("cot-two-step.mn.json");
  const key = loadPrivateKey(join(VECTORS_DIR, mn.keyFile));
  const result = sameUnderAll("cot-two-step", (rt) => twoStep(rt, "cot-two-step", ([cotPacket], t0) => {
    const cot = decodePacket(builder, cotPacket!);
    assert.ok(cot.ok && cot.mh && cot.mh.nonceIndex !== null && cot.mh.token !== null, "run 1 answers with a CoT");
    const careOf = { index: cot.mh.nonceIndex, token: new Uint8Array(Buffer.from(cot.mh.token, "hex")) };
    const base = { coa: mn.coa, anchor: mn.anchor, hoa: mn.hoa, lifetime: mn.lifetime, cga: { key, params: mn.params } };
    return [
      { ...ts(t0), data: buildBu(builder, { ...base, seq: mn.seq }) },
      { ...ts(t0 + 1), data: buildBu(builder, { ...base, seq: mn.seq + 1, careOf }) },
    ];
  }));
  assert.equal(result.run2.length, 2, "BA 137 without the nonce index, BA 0 with it");
  assert.equal(result.bindings.length, 1, "one binding at the end");
});

test("a seeded fuzz corpus through process_batch: the same outputs, counters and bindings under the three runtimes", { skip: noWasmtime }, () => {
  const seeds = vectorPackets();
  const corpus = [...seeds, ...mutants(seeds, 20_000, SEED)];
  const BATCH = 64;
  const result = sameUnderAll("fuzz corpus", (rt) => {
    const dar = new Dar(loadUnder(rt, SEED));
    dar.configure({ ...parseDarConfig({ anchor: "2001:db8:100:ff::1", prefixes: ["2001:db8:100:1::/64"], maxLifetime: 600 }), capacity: 1024 });
    const digest = createHash("sha256");
    let now = 1_700_000_000_000;
    let processed = 0;
    for (let i = 0; i < corpus.length; i += BATCH) {
      const batch = corpus.slice(i, i + BATCH).filter((p) => p.length <= dar.maxPacket);
      batch.forEach((p, slot) => dar.setPacket(slot, p));
      now += i % (BATCH * 20) === 0 ? 300_000 : 250;
      dar.tick(now);
      dar.process(batch.length, now);
      processed += batch.length;
      for (let slot = 0; slot < batch.length; slot++) {
        digest.update(`${dar.verdict(slot)}/${dar.reason(slot)};`);
        if (dar.verdict(slot) === VERDICT_SEND) digest.update(dar.output(slot));
      }
      digest.update(JSON.stringify(dar.drainEvents()));
    }
    return { processed, outputs: digest.digest("hex"), ...state(dar) };
  });
  // Not vacuous: the corpus reached many parts of the DAR.
  const c = result.counters;
  assert.equal(c.rx, String(result.processed));
  for (const name of ["tx", "malformed", "mh-malformed", "bu-accepted", "encap", "cot-sent"]) assert.ok(Number(c[name]) > 0, `counter ${name} is ${c[name]}`);
});
