// npm run bench sim: the sweep of docs/SIMULATION.md. FAMA against centralized Mobile IPv6 on
// the default scenario at M = 1,000 / 10,000 MNs and N = 16 / 64 / 256 DARs (both schemes of
// a point on the same mobility and traffic, the ratio FAMA/centralized beside them), then the
// simulator's own speed: packet hops per CPU second and MNs one CPU core keeps in real time,
// against a baseline measured in the same run: the core alone, tunnelled packets through one
// DAR's batch ABI, one packet per call as the simulator calls it.
// A second, smaller sweep varies the MNs' speed (mean cell residence time) at the first M and
// the second N. Knobs: FAMA_SIM_SECONDS (simulated seconds per point, default 60),
// FAMA_SIM_MNS, FAMA_SIM_DARS, FAMA_SIM_RESIDENCES.
import { sweep } from "../host/sim/sweep.js";
import { sweepTable, speedRow } from "../host/sim/report.js";
import { seededCore } from "../host/sim/cores.js";
import { Rng } from "../host/sim/rng.js";
import { udpPacket, encapsulate } from "../host/sim/packets.js";
import { Dar, writeBindingRecord, sealSnapshot, snapshotBlob, recordOffset } from "../host/core/dar.js";
import { parseDarConfig } from "../host/config/dar.js";
import { parseIPv6 } from "../host/ipv6.js";

const list = (name: string, fallback: number[]) => (process.env[name] ? process.env[name]!.split(",").map(Number) : fallback);

/** Tunnelled packets per CPU second through one DAR core, one packet per process() call. */
function coreAlone(): number {
  const dar = new Dar(seededCore(new Rng(1)));
  const now = 1_700_000_000_000;
  dar.configure({ ...parseDarConfig({ anchor: "2001:db8:a:1::1", prefixes: ["2001:db8:1:1::/64"] }), capacity: 64 });
  const hoa = parseIPv6("2001:db8:1:1::77")!, coa = parseIPv6("2001:db8:1:2::99")!, anchor = parseIPv6("2001:db8:a:1::1")!;
  const blob = snapshotBlob(1);
  writeBindingRecord(blob, recordOffset(0), { hoa, coa, phkt: new Uint8Array(8).fill(1), expiresAt: now + 3_600_000, lifetime: 3600, seq: 1 });
  dar.restore(sealSnapshot(blob, 1, now, dar.memoryUse().capacity));
  const pkt = encapsulate(coa, anchor, udpPacket(hoa, parseIPv6("2001:db8:c::2")!, 200, 1));
  const run = (n: number) => { for (let i = 0; i < n; i++) { dar.setPacket(0, pkt); dar.process(1, now); dar.output(0).slice(); } };
  run(20_000);
  if (dar.counter("decap") < 20_000n) throw new Error("the baseline's packets were not decapsulated");
  const c0 = process.cpuUsage();
  const n = 200_000;
  run(n);
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6);
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.FAMA_SIM_SECONDS ?? 60);
  const mns = list("FAMA_SIM_MNS", [1000, 10000]);
  const dars = list("FAMA_SIM_DARS", [16, 64, 256]);
  console.log(`## sim: FAMA vs centralized MIPv6, default scenario, ${seconds} s simulated per point, seed 1 (M = ${mns.join(", ")}; N = ${dars.join(", ")})`);
  const points = sweep(mns, dars, { durationS: seconds }, (p) => console.log(`point done: ${speedRow(p).trim()}`));
  console.log("");
  console.log(sweepTable(points));
  const residences = list("FAMA_SIM_RESIDENCES", [15, 30, 60, 120]);
  console.log(`## sim: speed (mean cell residence ${residences.join(", ")} s) at M = ${mns[0]}, N = ${dars[Math.min(1, dars.length - 1)]}`);
  const bySpeed = sweep([mns[0]!], [dars[Math.min(1, dars.length - 1)]!], { durationS: seconds }, undefined, residences);
  console.log(sweepTable(bySpeed));
  const base = coreAlone();
  console.log(`baseline, the core alone: ${Math.round(base)} tunnelled packets per CPU second through one DAR (one per process() call)`);
  for (const p of points) {
    const rate = p.packetEvents / p.cpuS;
    console.log(`M = ${p.mns}, N = ${p.dars}: ${Math.round(rate)} packet hops per CPU second = ${(rate / base).toFixed(3)}x the core alone; ${Math.round((p.mns * p.simulatedS) / p.cpuS)} MNs per CPU core in real time`);
  }
}
