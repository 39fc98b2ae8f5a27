// The interop oracles checked against the reference vectors, independently of fama: if
// tshark_mh.py or scapy_checksum.py misread packets, the interop suites would test nothing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VECTORS_DIR } from "../../host/paths.js";
import { canonicalIpv6 } from "../support/generators.js";
import { noScapy, noTshark, runHelper, TSHARK } from "./tools.js";

const MH_DIR = join(VECTORS_DIR, "mh");
const lines = (f: string) => readFileSync(join(MH_DIR, f), "utf8").trim().split("\n").map((l) => JSON.parse(l));

interface ScapyChecksum { wire: number; inChksum: number; rebuilt: number | null }

describe("scapy_checksum.py on the vectors", { skip: noScapy }, () => {
  test("agrees with every checksum of valid.pcap (HoA and RH2 pseudo-headers included)", () => {
    const got = runHelper<(ScapyChecksum | null)[]>("scapy_checksum.py", [join(MH_DIR, "valid.pcap")]);
    assert.equal(got.length, lines("valid.jsonl").length);
    got.forEach((c, i) => {
      assert.ok(c, `packet ${i + 1}: no MH found`);
      assert.equal(c.inChksum, c.wire, `packet ${i + 1}: in6_chksum`);
      if (c.rebuilt !== null) assert.equal(c.rebuilt, c.wire, `packet ${i + 1}: rebuilt`);
    });
  });

  test("disagrees with the wrong checksums of invalid.pcap", () => {
    const got = runHelper<(ScapyChecksum | null)[]>("scapy_checksum.py", [join(MH_DIR, "invalid.pcap")]);
    const why = lines("invalid.jsonl") as { error: string; why: string }[];
    const bad = why.map((w, i) => ({ ...w, c: got[i] })).filter((w) => w.error === "checksum");
    assert.ok(bad.length >= 2);
    for (const b of bad) assert.ok(b.c && b.c.inChksum !== b.c.wire, `scapy must see "${b.why}"`);
  });
});

interface TsPacket {
  src: string; dst: string; hoa: string | null; rh2: string | null;
  mh: { type: number; seq?: number; lifetime?: number; status?: number; cookie?: string; nonceIndex?: number; token?: string;
    homeAddress?: string; flags: Record<string, boolean>; options: { type: number; known: boolean; len: number | null }[] } | null;
}

describe("tshark_mh.py on the vectors", { skip: noTshark }, () => {
  test("reads valid.pcap as valid.jsonl says (known option lengths; unknown types' lengths are Wireshark's bug)", () => {
    const got = runHelper<TsPacket[]>("tshark_mh.py", [join(MH_DIR, "valid.pcap"), TSHARK]);
    const want = lines("valid.jsonl");
    assert.equal(got.length, want.length);
    want.forEach((w, i) => {
      const g = got[i];
      const at = `packet ${i + 1} (${w.note})`;
      assert.equal(canonicalIpv6(g.src), canonicalIpv6(w.src), at);
      assert.equal(canonicalIpv6(g.hoa), canonicalIpv6(w.hoa), at);
      assert.equal(canonicalIpv6(g.rh2), canonicalIpv6(w.rh2), at);
      assert.ok(g.mh, at);
      assert.equal(g.mh.type, w.mh.type, at);
      for (const k of ["seq", "lifetime", "status", "cookie", "nonceIndex", "token"] as const) {
        if (w.mh[k] !== null) assert.equal(g.mh[k], w.mh[k], `${at}: ${k}`);
      }
      if (w.mh.homeAddress) assert.equal(canonicalIpv6(g.mh.homeAddress), canonicalIpv6(w.mh.homeAddress), at);
      for (const f of ["A", "H", "L", "K"]) if (w.mh.flags?.[f] != null) assert.equal(g.mh.flags[f], w.mh.flags[f], `${at}: flag ${f}`);
      assert.deepEqual(g.mh.options.map((o) => o.type), w.mh.options.map((o: { type: number }) => o.type), `${at}: option types`);
      g.mh.options.forEach((o, j) => { if (o.known) assert.equal(o.len, w.mh.options[j].len, `${at}: option ${j} length`); });
    });
  });
});
