// Interop, fama -> Wireshark and scapy: random messages of every MH type built by the core
// (`buildPacket`), written to one pcap, dissected by tshark (-T json); every field tshark
// reads must be what the spec asked for, and the checksum fama wrote must be the one scapy
// computes for the same bytes.
//
// Replay a failure with FAMA_INTEROP_SEED=<seed printed below>.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { loadCore, type Core } from "../../host/wasm.js";
import { buildPacket, decodePacket, type PacketSpec } from "../../host/core/mh.js";
import { writePcap } from "../../host/pcap.js";
import { anyMessage, canonicalIpv6, expectedOptions, formatIpv6, fromHex, MH, OPT, toHex, type Spec } from "../support/generators.js";
import { noScapy, noTshark, runHelper, scratchDir, seedFrom, TSHARK } from "./tools.js";

const COUNT = 1200;
const SEED = seedFrom("FAMA_INTEROP_SEED", 0x5eed_0001);

/** What tshark_mh.py reports per packet. */
interface TsOption { type: number; known: boolean; raw: string | null; len: number | null; fields: Record<string, string> }
interface TsPacket {
  src: string; dst: string; hoa: string | null; rh2: string | null; rh2type: number | null;
  mh: null | {
    type: number; proto: number; hlen: number; csum: number; flags: Record<string, boolean>; expert: string[];
    seq?: number; lifetime?: number; status?: number; cookie?: string; nonceIndex?: number; token?: string;
    homeAddress?: string; options: TsOption[];
  };
}
interface ScapyChecksum { wire: number; inChksum: number; rebuilt: number | null; pseudoSrc: string; pseudoDst: string }

/** Expert notes tshark may attach to a correct packet: only "not dissected" for unknown options. */
const ALLOWED_EXPERT = new Set(["IE data not dissected yet"]);
const PADDING = new Set<number>([OPT.PAD1, OPT.PADN]);

/** Compares everything tshark read of one packet with the spec it was built from. */
function compare(spec: Spec, ts: TsPacket, where: string): void {
  const at = (what: string) => `${where}: ${what}`;
  assert.equal(canonicalIpv6(ts.src), canonicalIpv6(spec.src), at("IPv6 source"));
  assert.equal(canonicalIpv6(ts.dst), canonicalIpv6(spec.dst), at("IPv6 destination"));
  assert.equal(canonicalIpv6(ts.hoa), canonicalIpv6(spec.hoa), at("Home Address option"));
  assert.equal(canonicalIpv6(ts.rh2), canonicalIpv6(spec.rh2), at("type 2 routing header address"));
  if (spec.rh2) assert.equal(ts.rh2type, 2, at("routing header type"));
  const mh = ts.mh;
  assert.ok(mh, at("tshark found no Mobility Header"));
  const m = spec.mh;
  assert.equal(mh.type, m.type, at("MH type"));
  assert.equal(mh.proto, 59, at("Payload Proto"));
  for (const note of mh.expert) assert.ok(ALLOWED_EXPERT.has(note), at(`tshark expert note "${note}"`));

  switch (m.type) {
    case MH.BU:
      assert.equal(mh.seq, m.seq, at("sequence number"));
      assert.equal(mh.lifetime, m.lifetime, at("lifetime"));
      for (const f of ["A", "H", "L", "K"] as const) assert.equal(mh.flags[f], m.flags?.[f] ?? false, at(`flag ${f}`));
      break;
    case MH.BA:
      assert.equal(mh.seq, m.seq, at("sequence number"));
      assert.equal(mh.lifetime, m.lifetime, at("lifetime"));
      // Status numbers, not Wireshark's labels (PROTOCOL.md §3: 143-148 are named wrongly).
      assert.equal(mh.status, m.status, at("status"));
      assert.equal(mh.flags.K, m.flags?.K ?? false, at("flag K"));
      break;
    case MH.BE:
      assert.equal(mh.status, m.status, at("status"));
      assert.equal(canonicalIpv6(mh.homeAddress), canonicalIpv6(m.homeAddress), at("BE home address"));
      break;
    case MH.HOTI: case MH.COTI:
      assert.equal(mh.cookie, m.cookie, at("init cookie"));
      break;
    case MH.HOT: case MH.COT:
      assert.equal(mh.nonceIndex, m.nonceIndex, at("nonce index"));
      assert.equal(mh.cookie, m.cookie, at("init cookie"));
      assert.equal(mh.token, m.token, at("keygen token"));
      break;
  }

  // Options in wire order, padding aside; every non-padding option must be one we asked for.
  const want = expectedOptions(spec);
  const got = mh.options.filter((o) => !PADDING.has(o.type));
  assert.deepEqual(got.map((o) => o.type), want.map((o) => o.type), at("option types in order"));
  got.forEach((o, i) => {
    const w = want[i];
    const here = at(`option #${i} (type ${o.type})`);
    if (o.known) {
      // `mip6.mobility_opt.len` is right for the types Wireshark knows...
      assert.equal(o.len, w.len, `${here}: mip6.mobility_opt.len`);
      // ...and the option's bytes, as tshark delimited them, are type | length | value.
      assert.equal(o.raw, toHex(Uint8Array.of(w.type, w.len)) + w.data, `${here}: bytes`);
    }
    // Unknown types: Wireshark 4.0 reads the length from a wrong offset (PROTOCOL.md §3) but
    // skips the right bytes, which the next option's type and bytes above confirm.
    if (o.type === OPT.NONCE_INDICES) {
      assert.equal(Number(o.fields["mip6.ni.hni"]), parseInt(w.data.slice(0, 4), 16), `${here}: home nonce index`);
      assert.equal(Number(o.fields["mip6.ni.cni"]), parseInt(w.data.slice(4, 8), 16), `${here}: care-of nonce index`);
    }
    if (o.type === OPT.BRA) assert.equal(Number(o.fields["mip6.bra.interval"]), parseInt(w.data, 16), `${here}: refresh interval`);
    if (o.type === OPT.BAD) assert.equal(o.fields["mip6.bad.auth"]?.replaceAll(":", ""), w.data, `${here}: authenticator`);
    if (o.type === OPT.ALT_COA) assert.equal(canonicalIpv6(o.fields["mip6.acoa.acoa"]), formatIpv6(fromHex(w.data)), `${here}: alternate CoA`);
  });
  // BAD, when present, is the last option of all (no padding after it).
  if (want.at(-1)?.type === OPT.BAD) assert.equal(mh.options.at(-1)?.type, OPT.BAD, at("BAD last"));
  // Pad1 carries no length; PadN's length is what tshark read.
  for (const o of mh.options.filter((x) => PADDING.has(x.type))) {
    if (o.type === OPT.PADN) assert.ok(o.len !== null && o.len <= 5, at(`PadN of ${o.len} (alignment needs at most 7 bytes)`));
  }
}

describe("interop fama -> tshark, scapy", { skip: noTshark || noScapy }, () => {
  let core: Core;
  let specs: Spec[];
  let packets: Uint8Array[];
  let tshark: TsPacket[];
  let scapy: (ScapyChecksum | null)[];
  const scratch = scratchDir("tshark");

  before(() => {
    core = loadCore();
    specs = fc.sample(anyMessage, { seed: SEED, numRuns: COUNT });
    packets = specs.map((s) => buildPacket(core, s as PacketSpec));
    const pcap = join(scratch.dir, "fama.pcap");
    writePcap(pcap, packets.map((data, i) => ({ tsSec: i, tsUsec: 0, data })), 101);
    console.log(`# interop seed ${SEED} (FAMA_INTEROP_SEED), ${COUNT} messages, pcap ${pcap}`);
    tshark = runHelper<TsPacket[]>("tshark_mh.py", [pcap, TSHARK]);
    scapy = runHelper<(ScapyChecksum | null)[]>("scapy_checksum.py", [pcap]);
  });
  after(() => { if (!process.env.FAMA_KEEP_PCAP) scratch.cleanup(); });

  test("the sample covers every MH type, fragmented values, HoA and RH2 both ways", () => {
    const types = new Set(specs.map((s) => s.mh.type));
    assert.deepEqual([...types].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const fragmented = (t: number) => specs.some((s) => expectedOptions(s).filter((o) => o.type === t).length > 1);
    assert.ok(fragmented(OPT.CGA_PARAMS) && fragmented(OPT.SIGNATURE) && fragmented(OPT.PHKT), "fragmented 12, 13, 14");
    assert.ok(specs.some((s) => s.mh.type === MH.BU && s.hoa) && specs.some((s) => s.mh.type === MH.BU && !s.hoa));
    assert.ok(specs.some((s) => s.mh.type === MH.BA && s.rh2) && specs.some((s) => s.mh.type === MH.BA && !s.rh2));
    assert.ok(specs.some((s) => s.mh.options.some((o) => o.type >= 200)), "unknown option types");
    assert.equal(tshark.length, COUNT, "tshark read every packet");
    assert.equal(scapy.length, COUNT, "scapy read every packet");
  });

  test(`tshark reads what the spec says in all ${COUNT} packets`, () => {
    specs.forEach((spec, i) => compare(spec, tshark[i], `packet ${i + 1} ${JSON.stringify(spec)}`));
  });

  test("the checksum fama wrote is the one scapy computes (HoA / RH2 pseudo-header)", () => {
    let rebuilt = 0;
    specs.forEach((spec, i) => {
      const s = scapy[i];
      assert.ok(s, `packet ${i + 1}: scapy found no MH`);
      const where = `packet ${i + 1} ${JSON.stringify(spec)}`;
      assert.equal(s.wire, tshark[i].mh?.csum, `${where}: scapy and tshark read the same checksum field`);
      assert.equal(s.wire, s.inChksum, `${where}: in6_chksum over ${s.pseudoSrc} -> ${s.pseudoDst}`);
      assert.equal(canonicalIpv6(s.pseudoSrc), canonicalIpv6(spec.hoa ?? spec.src), `${where}: pseudo-header source`);
      assert.equal(canonicalIpv6(s.pseudoDst), canonicalIpv6(spec.rh2 ?? spec.dst), `${where}: pseudo-header destination`);
      if (s.rebuilt !== null) {
        assert.equal(s.wire, s.rebuilt, `${where}: scapy's rebuild with the cksum field deleted`);
        rebuilt++;
      }
    });
    console.log(`# scapy checksums: ${COUNT} by in6_chksum, ${rebuilt} also by rebuilding the packet`);
    assert.ok(rebuilt >= COUNT / 2, `scapy rebuilt only ${rebuilt} of ${COUNT} packets`);
  });

  test("fama decodes its own packets back to the spec (checksum verified)", () => {
    specs.forEach((spec, i) => {
      const d = decodePacket(core, packets[i]);
      const where = `packet ${i + 1} ${JSON.stringify(spec)}`;
      assert.ok(d.ok, `${where}: ${d.ok ? "" : d.error}`);
      assert.ok(d.mh, where);
      assert.equal(d.mh.checksumOk, true, where);
      assert.equal(d.mh.checksumOk && d.mh.type, spec.mh.type, where);
      const opts = d.mh.options.filter((o) => !PADDING.has(o.type)).map((o) => ({ type: o.type, len: o.len, data: o.data }));
      assert.deepEqual(opts, expectedOptions(spec), `${where}: options`);
    });
  });
});
