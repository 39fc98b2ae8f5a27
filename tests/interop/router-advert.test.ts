// Interop, scapy -> fama, Router Advertisements: scapy_ra.py builds RAs with scapy's own ND layers
// (random header fields and flags, every PIO flag combination L/A/R, MTU, SLLA, Advertisement
// Interval, Home Agent Information, options fama does not know: RDNSS, DNSSL, Route Information,
// unassigned types) and malformed ones (one set per error class). The core's parse must give
// exactly what scapy's dissection reads from the same bytes, or the error class scapy_ra.py names.
//
// Replay a failure with FAMA_SCAPY_RA_SEED=<seed printed below>.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCore, type Core } from "../../host/wasm.js";
import { parseRaPacket, type RaResult, type RouterAdvert } from "../../host/core/nd.js";
import { readPcap } from "../../host/pcap.js";
import { canonicalIpv6 } from "../support/generators.js";
import { noScapy, runScript, scratchDir, seedFrom } from "./tools.js";

const COUNT = 320;
const SEED = seedFrom("FAMA_SCAPY_RA_SEED", 20_261_202);

type Described = { kind: "valid"; ra: RouterAdvert } | { kind: "malformed"; case: string; error: string };

function canonical(ra: RouterAdvert): RouterAdvert {
  return {
    ...ra,
    source: canonicalIpv6(ra.source)!,
    anchor: ra.anchor === null ? null : canonicalIpv6(ra.anchor),
    prefixes: ra.prefixes.map((p) => ({ ...p, prefix: canonicalIpv6(p.prefix)! })),
  };
}

describe("interop scapy -> fama: Router Advertisements", { skip: noScapy }, () => {
  let core: Core;
  let described: Described[];
  let parsed: RaResult[];
  const scratch = scratchDir("scapy-ra");

  before(() => {
    core = loadCore();
    const pcap = join(scratch.dir, "ra.pcap");
    const jsonl = join(scratch.dir, "ra.jsonl");
    console.log(`# scapy RA seed ${SEED} (FAMA_SCAPY_RA_SEED), ${COUNT} valid RAs`);
    runScript("scapy_ra.py", [String(SEED), String(COUNT), pcap, jsonl]);
    described = readFileSync(jsonl, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Described);
    const { linkType, packets } = readPcap(pcap);
    assert.equal(linkType, 101);
    parsed = packets.map((p) => parseRaPacket(core, p.data));
    assert.equal(parsed.length, described.length);
  });
  after(() => scratch.cleanup());

  test("scapy covered every PIO flag combination, unknown options and every malformed class", () => {
    const valid = described.filter((d) => d.kind === "valid");
    assert.equal(valid.length, COUNT);
    const combos = new Set(valid.flatMap((d) => d.ra.prefixes.map((p) => `${+p.L}${+p.A}${+p.R}`)));
    assert.equal(combos.size, 8, [...combos].join(" "));
    assert.ok(valid.some((d) => d.ra.optionsSkipped > 0));
    assert.ok(valid.some((d) => d.ra.mtu !== null) && valid.some((d) => d.ra.slla !== null) &&
      valid.some((d) => d.ra.advInterval !== null) && valid.some((d) => d.ra.homeAgent !== null));
    assert.ok(valid.some((d) => d.ra.flags.H) && valid.some((d) => !d.ra.flags.H));
    const classes = new Set(described.flatMap((d) => (d.kind === "malformed" ? [d.error] : [])));
    for (const c of ["truncated", "type", "code", "hop-limit", "source", "option-truncated", "option-zero-length",
      "option-overrun", "pio-length", "prefix-length", "option-length", "checksum", "next-header", "not-ipv6"]) {
      assert.ok(classes.has(c), c);
    }
  });

  test("every valid RA decodes to what scapy put in", () => {
    let checked = 0;
    described.forEach((d, i) => {
      if (d.kind !== "valid") return;
      const r = parsed[i]!;
      assert.ok(r.ok, `packet ${i}: ${r.ok ? "" : r.error}`);
      assert.deepEqual(canonical(r.ra), canonical(d.ra), `packet ${i}`);
      checked++;
    });
    assert.equal(checked, COUNT);
  });

  test("every malformed RA is refused with its own error class", () => {
    let checked = 0;
    described.forEach((d, i) => {
      if (d.kind !== "malformed") return;
      const r = parsed[i]!;
      assert.equal(r.ok ? "ok" : r.error, d.error, `packet ${i} (${d.case})`);
      checked++;
    });
    assert.ok(checked >= 16 * 5);
  });
});
