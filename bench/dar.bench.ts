// DAR control plane, in-process: Binding Updates processed per second through process_batch
// (batch of 1 and of 32; each BU copied into its slot as the host's TUN read would), in the
// two authorization modes of PROTOCOL.md §2.1:
//   * phkt mode: 4096 distinct bound HoAs holding a PHKT (filled by restoring a snapshot built
//     here); every BU is accepted (authenticator check, cache update, BA with its own
//     authenticator and checksum);
//   * cga mode, RSA-1024 and RSA-2048 (the vector keys): 32 HoAs (CGAs of the key) that already
//     have a binding with a PHKT; every BU is still processed in full: CGA check, RSA signature
//     verification, a new PHKT drawn and RSA-encrypted to the MN, BA with PHKT option and BAD.
// Sequence numbers step by 0x4000 in four rounds (0x4000, 0x8000, 0xc000, 0x0000, then again):
// each is newer than the last modulo 2^16 (RFC 6275 §9.5.1), so the pre-built BUs are accepted
// forever; the section checks that every BU it timed was accepted.
// Baselines, measured interleaved in the same run: the cga-mode 2048-bit BU for phkt mode (the
// target: phkt at least 50x cheaper), and node:crypto `crypto.verify` (OpenSSL) of the
// same key size for cga mode: a cga-mode BU does one RSA verification plus one RSA encryption,
// so it cannot beat the verification alone; the verify + publicEncrypt pair is shown too.
import crypto, { type KeyObject } from "node:crypto";
import { join } from "node:path";
import { loadCore, type RuntimeName } from "../host/wasm.js";
import { Dar, snapshotBlob, sealSnapshot, recordOffset, writeBindingRecord } from "../host/core/dar.js";
import { parseDarConfig } from "../host/config/dar.js";
import { decodePacket } from "../host/core/mh.js";
import { cgaAddress } from "../host/core/cga.js";
import { loadPrivateKey, spkiDer } from "../host/keys.js";
import { formatIPv6, parseIPv6 } from "../host/ipv6.js";
import { VECTORS_DIR } from "../host/paths.js";
import { buildBu } from "../tests/support/mobile-node.js";
import { compareRates, printTable, type Row, type Case } from "./harness.js";

const ANCHOR = "2001:db8:100:ff::1";
const PREFIX = "2001:db8:100:1::";
const NOW = 1_700_000_000_000;
const SEQS = [0x4000, 0x8000, 0xc000, 0x0000];
const PHKT_HOAS = 4096;
const CGA_HOAS = 32;

const builder = loadCore();
const UNBOUNDED_CGA = { perSecond: 1_000_000, perBatch: 256, queue: 0 };

function newDar(capacity: number, runtime?: RuntimeName): Dar {
  const dar = new Dar(loadCore(undefined, runtime ? { runtime } : {}));
  // The bench measures what a BU costs, not the DAR's cga CPU budget (docs/OPERATIONS.md):
  // a budget no run reaches, verified inline.
  dar.configure({ ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], cgaBudget: UNBOUNDED_CGA }), capacity });
  return dar;
}

/** Feeds BUs from a cycle, `batch` per process call; counts what was sent. */
export class Feeder {
  pos = 0;
  processed = 0;
  sent = 0;
  constructor(readonly dar: Dar, readonly bus: Uint8Array[]) {}
  run(batch: number, iters: number): void {
    const { dar, bus } = this;
    for (let it = 0; it < iters; it++) {
      for (let k = 0; k < batch; k++) {
        dar.setPacket(k, bus[this.pos]);
        this.pos = this.pos + 1 === bus.length ? 0 : this.pos + 1;
      }
      this.sent += dar.process(batch, NOW);
      this.processed += batch;
    }
    dar.drainEvents();
  }
  /** Every BU fed since `before` was accepted with a BA. */
  check(what: string, before: { accepted: bigint; processed: number }): void {
    const accepted = Number(this.dar.counter("bu-accepted") - before.accepted);
    const n = this.processed - before.processed;
    if (accepted !== n || this.sent !== this.processed) {
      const c = Object.entries(this.dar.counters()).filter(([, v]) => v > 0n).map(([k, v]) => `${k} ${v}`).join(", ");
      throw new Error(`${what}: ${accepted} of ${n} BUs accepted, ${this.sent} of ${this.processed} sent (${c})`);
    }
  }
  mark() { return { accepted: this.dar.counter("bu-accepted"), processed: this.processed }; }
}

/** phkt mode: HoAs bound by a restored snapshot (PHKT known here), BUs pre-built for the 4 rounds. */
export function phktSetup(runtime?: RuntimeName): Feeder {
  const dar = newDar(2 * PHKT_HOAS, runtime);
  const blob = snapshotBlob(PHKT_HOAS);
  const hoas: { hoa: string; coa: string; phkt: Uint8Array }[] = [];
  for (let i = 0; i < PHKT_HOAS; i++) {
    const hoa = parseIPv6(PREFIX)!;
    const coa = parseIPv6("2001:db8:200:1::")!;
    for (const a of [hoa, coa]) { a[12] = i >> 8; a[13] = i & 0xff; a[15] = 1; }
    const phkt = new Uint8Array(crypto.randomBytes(8));
    writeBindingRecord(blob, recordOffset(i), { hoa, coa, phkt, expiresAt: NOW + 86_400_000, lifetime: 86400, seq: 0 });
    hoas.push({ hoa: formatIPv6(hoa), coa: formatIPv6(coa), phkt });
  }
  dar.restore(sealSnapshot(blob, PHKT_HOAS));
  const bus: Uint8Array[] = [];
  for (const seq of SEQS) {
    for (const h of hoas) bus.push(buildBu(builder, { coa: h.coa, anchor: ANCHOR, hoa: h.hoa, seq, lifetime: 100, phkt: h.phkt }));
  }
  return new Feeder(dar, bus);
}

/** cga mode with one key: CGAs bound by a first round of cga-mode BUs, then the 4 rounds. */
export function cgaSetup(key: KeyObject, runtime?: RuntimeName): Feeder {
  const dar = newDar(64, runtime);
  const spki = spkiDer(key);
  const mns = Array.from({ length: CGA_HOAS }, (_, i) => {
    const { address, params } = cgaAddress(builder, { modifier: new Uint8Array(crypto.randomBytes(16)), prefix: parseIPv6(PREFIX)!, spki, sec: 0 });
    return { hoa: formatIPv6(address), params: Buffer.from(params).toString("hex"), coa: `2001:db8:200:2::${(i + 1).toString(16)}` };
  });
  const bu = (m: (typeof mns)[number], seq: number) =>
    buildBu(builder, { coa: m.coa, anchor: ANCHOR, hoa: m.hoa, seq, lifetime: 100, cga: { key, params: m.params } });
  const first = new Feeder(dar, mns.map((m) => bu(m, 1)));
  const mark = first.mark();
  first.run(1, CGA_HOAS);
  first.check("cga-mode fill", mark);
  if (!dar.bindings().every((b) => b.hasPhkt) || dar.bindingsCount() !== CGA_HOAS) throw new Error("cga-mode fill: bindings with PHKTs");
  const bus: Uint8Array[] = [];
  for (const seq of SEQS) for (const m of mns) bus.push(bu(m, seq));
  return new Feeder(dar, bus);
}

export async function run(): Promise<void> {
  const phkt = phktSetup();
  // One BA decoded: the phkt-mode path really is taken (status 0, BAD only).
  phkt.run(1, 1);
  const d = decodePacket(builder, phkt.dar.output(0).slice());
  if (!d.ok || !d.mh || d.mh.status !== 0 || d.mh.options.filter((o) => o.type > 2).map((o) => o.type).join() !== "5") {
    throw new Error(`phkt-mode BA: ${JSON.stringify(d)}`);
  }
  const keys = { 1024: loadPrivateKey(join(VECTORS_DIR, "keys", "mn-a-rsa1024.pem")), 2048: loadPrivateKey(join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem")) };
  const cga = { 1024: cgaSetup(keys[1024]), 2048: cgaSetup(keys[2048]) };
  const marks = { phkt: phkt.mark(), 1024: cga[1024].mark(), 2048: cga[2048].mark() };

  const msg = crypto.randomBytes(200);
  const node = (bits: 1024 | 2048) => {
    const pub = crypto.createPublicKey(keys[bits]);
    const sig = crypto.sign("sha1", msg, keys[bits]);
    if (!crypto.verify("sha1", msg, pub, sig)) throw new Error("node verify self-check");
    const phktBytes = crypto.randomBytes(8);
    let sink = 0;
    return {
      verify: (it: number) => { for (let i = 0; i < it; i++) sink ^= crypto.verify("sha1", msg, pub, sig) ? 1 : 0; },
      verifyEncrypt: (it: number) => {
        for (let i = 0; i < it; i++) {
          sink ^= crypto.verify("sha1", msg, pub, sig) ? 1 : 0;
          sink ^= crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, phktBytes)[0];
        }
      },
      sink: () => sink,
    };
  };
  const n1024 = node(1024), n2048 = node(2048);

  const cases: Case[] = [
    { name: "phkt b1", run: (it) => phkt.run(1, it) },
    { name: "phkt b32", run: (it) => phkt.run(32, it), unitsPerIter: 32 },
    { name: "cga-1024 b1", run: (it) => cga[1024].run(1, it) },
    { name: "cga-1024 b32", run: (it) => cga[1024].run(32, it), unitsPerIter: 32 },
    { name: "cga-2048 b1", run: (it) => cga[2048].run(1, it) },
    { name: "cga-2048 b32", run: (it) => cga[2048].run(32, it), unitsPerIter: 32 },
    { name: "node verify 1024", run: n1024.verify },
    { name: "node verify+encrypt 1024", run: n1024.verifyEncrypt },
    { name: "node verify 2048", run: n2048.verify },
    { name: "node verify+encrypt 2048", run: n2048.verifyEncrypt },
  ];
  const [p1, p32, c1k1, c1k32, c2k1, c2k32, v1k, ve1k, v2k, ve2k] = compareRates(cases, { rounds: 5, runMs: 200 });
  phkt.check("phkt mode", marks.phkt);
  cga[1024].check("cga mode RSA-1024", marks[1024]);
  cga[2048].check("cga mode RSA-2048", marks[2048]);

  const rows: Row[] = [
    { test: "phkt-mode BU, 4096 HoAs, batch 1", ours: p1, baseline: c2k1, baselineName: "cga-mode RSA-2048, batch 1", unit: "BU/s", target: 50 },
    { test: "phkt-mode BU, 4096 HoAs, batch 32", ours: p32, baseline: c2k32, baselineName: "cga-mode RSA-2048, batch 32", unit: "BU/s", target: 50 },
    { test: "cga-mode BU RSA-2048, batch 1", ours: c2k1, baseline: v2k, baselineName: "node crypto.verify RSA-2048", unit: "BU/s" },
    { test: "cga-mode BU RSA-2048, batch 32", ours: c2k32, baseline: v2k, baselineName: "node crypto.verify RSA-2048", unit: "BU/s" },
    { test: "cga-mode BU RSA-2048, batch 32", ours: c2k32, baseline: ve2k, baselineName: "node verify + publicEncrypt RSA-2048", unit: "BU/s" },
    { test: "cga-mode BU RSA-1024, batch 1", ours: c1k1, baseline: v1k, baselineName: "node crypto.verify RSA-1024", unit: "BU/s" },
    { test: "cga-mode BU RSA-1024, batch 32", ours: c1k32, baseline: v1k, baselineName: "node crypto.verify RSA-1024", unit: "BU/s" },
    { test: "cga-mode BU RSA-1024, batch 32", ours: c1k32, baseline: ve1k, baselineName: "node verify + publicEncrypt RSA-1024", unit: "BU/s" },
  ];
  printTable("DAR control plane, in-process: Binding Updates accepted per second", rows);
  console.log(`- phkt mode vs cga mode RSA-2048: ${(p1 / c2k1).toFixed(0)}x cheaper at batch 1, ${(p32 / c2k32).toFixed(0)}x at batch 32 (target >= 50x)`);
  console.log(`- every timed BU accepted: phkt ${phkt.processed}, cga-1024 ${cga[1024].processed}, cga-2048 ${cga[2048].processed} (sink ${n1024.sink() ^ n2048.sink()})`);
}
