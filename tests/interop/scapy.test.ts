// Interop, scapy -> fama: scapy_build.py makes packets with scapy's own MIP6 layers (all eight
// MH types; BU with Alternate CoA, fragmented CGA Parameters and Signature, CoTI, CGA Parameters
// Request, Nonce Indices (olen=4) and BAD (olen=12); BA with RH2, BRA, PHKT, Care-of Test, BAD;
// options of unknown types; HoA in a Destination Options header), random field values from a seed given here, and
// writes what it put in as JSON lines. fama's decodePacket must agree field by field.
//
// Replay a failure with FAMA_SCAPY_SEED=<seed printed below>.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCore, type Core } from "../../host/wasm.js";
import { decodePacket, type DecodeResult } from "../../host/core/mh.js";
import { readPcap } from "../../host/pcap.js";
import { canonicalIpv6 } from "../support/generators.js";
import { noScapy, runScript, scratchDir, seedFrom } from "./tools.js";

const COUNT = 400;
const SEED = seedFrom("FAMA_SCAPY_SEED", 20_251_126);

interface Described { src: string; dst: string; hoa: string | null; rh2: string | null; mh: Record<string, unknown> & { type: number; homeAddress: string | null } }

describe("interop scapy -> fama", { skip: noScapy }, () => {
  let core: Core;
  let described: Described[];
  let decoded: DecodeResult[];
  const scratch = scratchDir("scapy");

  before(() => {
    core = loadCore();
    const pcap = join(scratch.dir, "scapy.pcap");
    const jsonl = join(scratch.dir, "scapy.jsonl");
    console.log(`# scapy seed ${SEED} (FAMA_SCAPY_SEED), ${COUNT} packets`);
    runScript("scapy_build.py", [String(SEED), String(COUNT), pcap, jsonl]);
    described = readFileSync(jsonl, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Described);
    const { linkType, packets } = readPcap(pcap);
    assert.equal(linkType, 101);
    decoded = packets.map((p) => decodePacket(core, p.data));
  });
  after(() => scratch.cleanup());

  test("scapy wrote every packet and every MH type", () => {
    assert.equal(described.length, COUNT);
    assert.equal(decoded.length, COUNT);
    assert.deepEqual([...new Set(described.map((d) => d.mh.type))].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const opts = new Set(described.flatMap((d) => (d.mh.options as { type: number }[]).map((o) => o.type)));
    for (const t of [0, 1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16]) assert.ok(opts.has(t), `option type ${t} present`);
    assert.ok([...opts].some((t) => t >= 200), "options of unknown types (fama skips them)");
    assert.ok(described.some((d) => d.hoa) && described.some((d) => d.rh2));
  });

  test(`fama decodes all ${COUNT} scapy packets to what scapy put in`, () => {
    described.forEach((want, i) => {
      const got = decoded[i];
      const where = `packet ${i + 1} (seed ${SEED}): ${JSON.stringify(want)}`;
      assert.ok(got.ok, `${where}: fama says ${got.ok ? "" : got.error}`);
      assert.equal(canonicalIpv6(got.src), canonicalIpv6(want.src), `${where}: src`);
      assert.equal(canonicalIpv6(got.dst), canonicalIpv6(want.dst), `${where}: dst`);
      assert.equal(canonicalIpv6(got.hoa), canonicalIpv6(want.hoa), `${where}: hoa`);
      assert.equal(canonicalIpv6(got.rh2), canonicalIpv6(want.rh2), `${where}: rh2`);
      assert.ok(got.mh, `${where}: no MH`);
      // Addresses in text may be written differently by the two sides; compare them canonically.
      const mh = { ...got.mh, homeAddress: canonicalIpv6(got.mh.homeAddress) };
      assert.deepEqual(mh, { ...want.mh, homeAddress: canonicalIpv6(want.mh.homeAddress) }, `${where}: mh`);
    });
  });
});
