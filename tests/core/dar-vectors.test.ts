// The DAR replay scenarios of tests/vectors/dar/: every scenario's output matches its
// expect.json, and the two-step flows of dar/two-step.md work through `fama replay --state`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { VECTORS_DIR, REPO_ROOT } from "../../host/paths.js";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { loadDarConfig } from "../../host/config/dar.js";
import { readPcap, writePcap } from "../../host/pcap.js";
import { decodePacket } from "../../host/core/mh.js";
import { loadPrivateKey } from "../../host/keys.js";
import { replayPackets } from "../../host/commands/replay.js";
import { addr, text, upperLayer, udpPacket, NH_IPV6, NH_ICMPV6 } from "../support/packets.js";
import { authenticatorOk, buildBu, kbm, phktOf, sha1 } from "../support/mobile-node.js";
import { withTmpDir } from "../support/tmp-dir.js";

const DIR = join(VECTORS_DIR, "dar");
const CLI = join(REPO_ROOT, "build/js/host/cli.js");
const core = loadCore();
const scenarios = readdirSync(DIR).filter((f) => f.endsWith(".config.json")).map((f) => f.slice(0, -".config.json".length));
const json = (file: string) => JSON.parse(readFileSync(join(DIR, file), "utf8"));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Expect = Record<string, any>;

/** Checks one emitted packet against its expect.json entry; returns the PHKT a cga-mode BA carried. */
function check(e: Expect, p: Uint8Array, where: string, phkt?: Uint8Array): Uint8Array | null {
  const src = text(p, 8);
  const dst = text(p, 24);
  const { nh, off } = upperLayer(p);
  if (e.src) assert.equal(src, e.src, `${where}: source`);
  if (e.dst) assert.equal(dst, e.dst, `${where}: destination`);
  if (e.dstAnyOf) assert.ok(e.dstAnyOf.includes(dst), `${where}: destination ${dst}`);
  switch (e.kind) {
    case "BA": case "BE": case "CoT": {
      const d = decodePacket(core, p);
      assert.ok(d.ok && d.mh, `${where}: decodes as an MH: ${JSON.stringify(d)}`);
      assert.ok(d.mh.checksumOk, `${where}: checksum`);
      assert.equal(d.mh.type, { BA: 6, BE: 7, CoT: 4 }[e.kind as "BA" | "BE" | "CoT"], `${where}: MH type`);
      if (e.kind === "BE") {
        assert.equal(d.mh.status, e.status, `${where}: status`);
        assert.equal(d.mh.homeAddress, e.homeAddress, `${where}: home address`);
        return null;
      }
      if (e.kind === "CoT") {
        assert.equal(d.mh.cookie, e.cookie, `${where}: cookie`);
        return null;
      }
      assert.equal(d.rh2, e.rh2, `${where}: RH2`);
      assert.equal(d.mh.status, e.status, `${where}: status`);
      assert.equal(d.mh.seq, e.seq, `${where}: sequence number`);
      const types = d.mh.options.map((o) => o.type).filter((t) => t > 2);
      assert.deepEqual(types, e.options, `${where}: option types`);
      if (e.lifetimeMax !== undefined) {
        assert.ok(d.mh.lifetime! > 0 && d.mh.lifetime! <= e.lifetimeMax, `${where}: lifetime ${d.mh.lifetime}`);
      }
      if (!e.bad) return null;
      const coa = addr(e.bad.coa);
      const cokt = e.bad.cokt ? new Uint8Array(Buffer.from(e.bad.cokt, "hex")) : null;
      let held = phkt ?? null;
      if (e.bad.mode === "cga") {
        held = phktOf(p, loadPrivateKey(join(VECTORS_DIR, e.bad.keyFile)));
        assert.ok(held, `${where}: the PHKT decrypts with the MN's key`);
      } else if (e.bad.phkt) {
        held = new Uint8Array(Buffer.from(e.bad.phkt, "hex"));
      }
      const k = e.bad.dereg ? sha1(held!) : kbm(held, cokt);
      assert.ok(authenticatorOk(k, coa, addr(src), p), `${where}: BA authenticator`);
      return held;
    }
    case "encap": {
      assert.equal(p[6], NH_IPV6, `${where}: outer Next Header`);
      assert.equal(text(p, 8), e.outerSrc);
      assert.equal(text(p, 24), e.outerDst);
      assert.equal(p[7], e.outerHopLimit, `${where}: outer hop limit`);
      assert.equal(text(p, 48), e.innerSrc);
      assert.equal(text(p, 64), e.innerDst);
      assert.equal(p[47], e.innerHopLimit, `${where}: inner hop limit`);
      const tc = (b: Uint8Array, o: number) => ((b[o] & 0x0f) << 4) | (b[o + 1] >> 4);
      assert.equal(tc(p, 40), e.trafficClass, `${where}: inner traffic class`);
      assert.equal(tc(p, 0), e.trafficClass, `${where}: outer traffic class copied`);
      assert.equal(new DataView(p.buffer, p.byteOffset).getUint16(4), p.length - 40, `${where}: payload length`);
      return null;
    }
    case "decap":
      assert.equal(src, e.innerSrc);
      assert.equal(dst, e.innerDst);
      assert.equal(p[7], e.hopLimit, `${where}: hop limit`);
      return null;
    case "PTB": case "time-exceeded": case "echo-reply": {
      assert.equal(nh, NH_ICMPV6, `${where}: ICMPv6`);
      assert.equal(p[off], { PTB: 2, "time-exceeded": 3, "echo-reply": 129 }[e.kind as string], `${where}: ICMPv6 type`);
      if (e.kind === "PTB") assert.equal(new DataView(p.buffer, p.byteOffset).getUint32(off + 4), e.mtu, `${where}: MTU`);
      if (e.kind !== "echo-reply") assert.ok(p.length <= 1280, `${where}: error fits the minimum MTU`);
      return null;
    }
    default:
      assert.fail(`${where}: unknown expected kind ${e.kind}`);
  }
}

function runScenario(dar: Dar, packets: Parameters<typeof replayPackets>[1], expect: Expect[], name: string, phkt?: Uint8Array) {
  const { out } = replayPackets(dar, packets);
  const wanted = expect.filter((e) => e.kind !== "none");
  assert.deepEqual(out.map((o) => o.in), wanted.map((e) => e.in), `${name}: which inputs produce output`);
  return wanted.map((e, i) => check(e, out[i].data, `${name} #${e.in} (${e.kind}${e.note ? `, ${e.note}` : ""})`, phkt));
}

for (const name of scenarios) {
  test(`DAR scenario ${name}`, () => {
    // A fresh core per scenario: a DAR keeps its bindings across configure().
    const dar = new Dar(loadCore());
    dar.configure(loadDarConfig(join(DIR, `${name}.config.json`)));
    runScenario(dar, readPcap(join(DIR, `${name}.in.pcap`)).packets, json(`${name}.expect.json`), name);
  });
}

function replayCli(dir: string, name: string, input: string, output: string): void {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "replay",
    "--config", join(DIR, `${name}.config.json`), "--in", input, "--out", output, "--state", join(dir, "st.json")], { encoding: "utf8" });
  assert.equal(r.status, 0, `fama replay failed: ${r.stderr}`);
}

const ts = (sec: number) => ({ tsSec: sec, tsUsec: 0 });

/** A two-step vector's first run through fama replay: its MN, the MN's key and the outputs. */
function firstRun(dir: string, name: string) {
  const mn = json(`${name}.mn.json`);
  const key = loadPrivateKey(join(VECTORS_DIR, mn.keyFile));
  replayCli(dir, name, join(DIR, `${name}.in.pcap`), join(dir, "run1.pcap"));
  return { mn, key, run1: readPcap(join(dir, "run1.pcap")).packets };
}

test("two-step: phkt mode after a cga-mode BU, through fama replay --state", () => withTmpDir((dir) => {
  const { mn, run1 } = firstRun(dir, "phkt-two-step");
  assert.equal(run1.length, 1);
  const [phkt] = runFromOutputs(run1, json("phkt-two-step.expect.json"), "run 1");
  assert.ok(phkt && phkt.length === 8, "run 1 gives a PHKT");

  const t0 = run1[0].tsSec + 1;
  const base = { coa: mn.coa, anchor: mn.anchor, hoa: mn.hoa, lifetime: mn.lifetime, phkt };
  const refresh = buildBu(core, { ...base, seq: mn.seq + 1 });
  const forged = buildBu(core, { ...base, seq: mn.seq + 2 });
  forged[forged.length - 1] ^= 0x01;
  const run2In = [
    { ...ts(t0), data: refresh },
    { ...ts(t0 + 1), data: refresh },
    { ...ts(t0 + 2), data: forged },
    { ...ts(t0 + 3), data: udpPacket(mn.cn, mn.hoa, 32) },
    { ...ts(t0 + 4), data: buildBu(core, { ...base, seq: mn.seq + 3, lifetime: 0 }) },
    { ...ts(t0 + 5), data: udpPacket(mn.cn, mn.hoa, 32) },
    { ...ts(t0 + 6), data: buildBu(core, { ...base, seq: mn.seq + 4 }) },
  ];
  writePcap(join(dir, "run2.in.pcap"), run2In);
  replayCli(dir, "phkt-two-step", join(dir, "run2.in.pcap"), join(dir, "run2.pcap"));
  const ba = { kind: "BA", src: mn.anchor, dst: mn.coa, rh2: mn.hoa, bad: { mode: "phkt", coa: mn.coa, cokt: null } };
  runFromOutputs(readPcap(join(dir, "run2.pcap")).packets, [
    { ...ba, in: 0, status: 0, seq: mn.seq + 1, options: [5], lifetimeMax: mn.lifetime },
    { ...ba, in: 1, status: 135, seq: mn.seq + 1, options: [5] },
    { in: 2, kind: "none", note: "a wrong authenticator is dropped silently" },
    { in: 3, kind: "encap", outerSrc: mn.anchor, outerDst: mn.coa, innerSrc: mn.cn, innerDst: mn.hoa, innerHopLimit: 63, outerHopLimit: 64, trafficClass: 0 },
    { ...ba, in: 4, status: 0, seq: mn.seq + 3, options: [5], bad: { ...ba.bad, dereg: true } },
    { in: 5, kind: "none", note: "binding deleted" },
    { kind: "BA", in: 6, src: mn.anchor, dst: mn.coa, rh2: mn.hoa, status: 147, seq: mn.seq + 4, options: [] },
  ], "run 2", phkt!);
}, "fama-phkt-"));

test("two-step: care-of test, then cga-mode BUs with and without the nonce index", () => withTmpDir((dir) => {
  const { mn, key, run1 } = firstRun(dir, "cot-two-step");
  runFromOutputs(run1, json("cot-two-step.expect.json"), "run 1");
  const cot = decodePacket(core, run1[0].data);
  assert.ok(cot.ok && cot.mh && cot.mh.nonceIndex !== null && cot.mh.token !== null);
  const careOf = { index: cot.mh.nonceIndex, token: new Uint8Array(Buffer.from(cot.mh.token, "hex")) };

  const t0 = run1[0].tsSec + 1;
  const base = { coa: mn.coa, anchor: mn.anchor, hoa: mn.hoa, lifetime: mn.lifetime, cga: { key, params: mn.params } };
  writePcap(join(dir, "run2.in.pcap"), [
    { ...ts(t0), data: buildBu(core, { ...base, seq: mn.seq }) },
    { ...ts(t0 + 1), data: buildBu(core, { ...base, seq: mn.seq + 1, careOf }) },
  ]);
  replayCli(dir, "cot-two-step", join(dir, "run2.in.pcap"), join(dir, "run2.pcap"));
  const ba = { kind: "BA", src: mn.anchor, dst: mn.coa, rh2: mn.hoa };
  runFromOutputs(readPcap(join(dir, "run2.pcap")).packets, [
    { ...ba, in: 0, status: 137, seq: mn.seq, options: [] },
    { ...ba, in: 1, status: 0, seq: mn.seq + 1, options: [14, 4, 5].filter((t) => t !== 4), lifetimeMax: mn.lifetime,
      bad: { mode: "cga", keyFile: mn.keyFile, coa: mn.coa, cokt: Buffer.from(careOf.token).toString("hex") } },
  ], "run 2");
}, "fama-cot-"));

/** Checks packets a replay wrote against expect entries (their `in` indexes are not in a pcap: order only). */
function runFromOutputs(packets: { data: Uint8Array }[], expect: Expect[], name: string, phkt?: Uint8Array): (Uint8Array | null)[] {
  const wanted = expect.filter((e) => e.kind !== "none");
  assert.equal(packets.length, wanted.length, `${name}: number of packets emitted`);
  return wanted.map((e, i) => check(e, packets[i].data, `${name} #${e.in} (${e.kind})`, phkt));
}
