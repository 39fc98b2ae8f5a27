// What the deferral of cga-mode work buys the data plane: a batch of 64 slots, K cga-mode BUs
// (RSA-2048, each from a new HoA) and 64 - K data packets to a bound HoA, through one DAR that
// verifies inline (cgaBudget.queue 0, the baseline: what every batch did before the queue) and
// one that defers (queue 256); same build, rounds interleaved. Figures: how long
// dar_process_batch holds the batch's data packets, and the whole cga work per BU
// (dar_process_batch + dar_process_deferred) in both, in µs and (with the wasmtime runtime's
// fuel, where its library is installed) in Wasm instructions, which the machine's load does not
// change. The budget is set out of reach so that only the deferral differs.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { loadCore } from "../host/wasm.js";
import { Dar } from "../host/core/dar.js";
import { parseDarConfig } from "../host/config/dar.js";
import { cgaAddress } from "../host/core/cga.js";
import { spkiDer } from "../host/keys.js";
import { addr, text, udpPacket } from "../tests/support/packets.js";
import { buildBu } from "../tests/support/mobile-node.js";
import { median, printTable, type Row } from "./harness.js";

const ANCHOR = "2001:db8:a:1::1";
const COA = "2001:db8:2::100";
const SLOTS = 64;
const ROUNDS = 9;

export async function run(): Promise<void> {
  const builder = loadCore();
  const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = spkiDer(key);
  const newBu = () => {
    const c = cgaAddress(builder, { modifier: new Uint8Array(randomBytes(16)), prefix: addr("2001:db8:1::"), spki, sec: 0 });
    return { hoa: text(c.address), p: buildBu(builder, { coa: COA, anchor: ANCHOR, hoa: text(c.address), seq: 1, lifetime: 150, cga: { key, params: Buffer.from(c.params).toString("hex") } }) };
  };
  const dar = (queue: number, fuel = false) => {
    const d = new Dar(fuel ? loadCore(undefined, { runtime: "wasmtime", fuel: true }) : loadCore());
    d.configure(parseDarConfig({ anchor: ANCHOR, prefixes: ["2001:db8:1::/64"], capacity: 4096, cgaBudget: { perSecond: 1_000_000, perBatch: 256, queue }, admission: { mode: "open" } }));
    return d;
  };
  const modes = [{ name: "inline", dar: dar(0) }, { name: "deferred", dar: dar(256) }];
  const bound = newBu();
  const fuelModes = fuelDars(dar);
  for (const m of [...modes, ...fuelModes]) {
    m.dar.setPacket(0, bound.p);
    m.dar.process(1, 1000);
    m.dar.processDeferred(1000);
    if (m.dar.bindingsCount() !== 1) throw new Error(`${m.name}: the data packets' binding was not made`);
  }
  const data = udpPacket("2001:db8:c::2", bound.hoa, 18);
  const rows: Row[] = [];
  let accepted = 1;
  for (const k of [4, 16]) {
    const batchUs: number[][] = [[], []];
    const perBuUs: number[][] = [[], []];
    let now = 2000;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const d = modes[i]!.dar;
        for (let s = 0; s < k; s++) d.setPacket(s, newBu().p);
        for (let s = k; s < SLOTS; s++) d.setPacket(s, data);
        const t0 = process.hrtime.bigint();
        d.process(SLOTS, now);
        const t1 = process.hrtime.bigint();
        while (d.processDeferred(now) > 0) { /* the queued BUs */ }
        const t2 = process.hrtime.bigint();
        batchUs[i]!.push(Number(t1 - t0) / 1e3);
        perBuUs[i]!.push(Number(t2 - t0) / 1e3 / k);
        d.drainEvents();
      }
      now += 10;
    }
    accepted += k * ROUNDS;
    for (const m of modes) if (m.dar.counter("bu-accepted") !== BigInt(accepted)) throw new Error(`${m.name}: not every BU was accepted`);
    rows.push({ test: `data held by a batch with ${k} cga BUs`, ours: median(batchUs[1]!), oursName: "deferred", baseline: median(batchUs[0]!), baselineName: "inline", unit: "µs" });
    rows.push({ test: `cga work per BU (${k} a batch)`, ours: median(perBuUs[1]!), oursName: "deferred", baseline: median(perBuUs[0]!), baselineName: "inline", unit: "µs" });
  }
  printTable(`cga deferral: ${SLOTS}-slot batches, RSA-2048, medians of ${ROUNDS} interleaved rounds (lower is better)`, rows);
  if (fuelModes.length === 0) return;
  // The same batch once per mode, counted in fuel (one unit per Wasm instruction, about).
  const fuelRows: Row[] = [];
  for (const k of [4, 16]) {
    const used = fuelModes.map((m) => {
      const d = m.dar;
      for (let s = 0; s < k; s++) d.setPacket(s, newBu().p);
      for (let s = k; s < SLOTS; s++) d.setPacket(s, data);
      const f0 = d.core.fuelUsed!();
      d.process(SLOTS, 5000);
      const f1 = d.core.fuelUsed!();
      while (d.processDeferred(5000) > 0) { /* the queued BUs */ }
      const f2 = d.core.fuelUsed!();
      return { batch: f1 - f0, perBu: (f2 - f0) / k };
    });
    fuelRows.push({ test: `data held by a batch with ${k} cga BUs`, ours: used[1]!.batch, oursName: "deferred", baseline: used[0]!.batch, baselineName: "inline", unit: "fuel" });
    fuelRows.push({ test: `cga work per BU (${k} a batch)`, ours: used[1]!.perBu, oursName: "deferred", baseline: used[0]!.perBu, baselineName: "inline", unit: "fuel" });
  }
  printTable("cga deferral in wasmtime fuel (Wasm instructions: independent of the load)", fuelRows);
}

/** The two modes on wasmtime with fuel metering, or none (its library missing: said so). */
function fuelDars(make: (queue: number, fuel: boolean) => Dar): { name: string; dar: Dar }[] {
  try {
    return [{ name: "inline (fuel)", dar: make(0, true) }, { name: "deferred (fuel)", dar: make(256, true) }];
  } catch (e) {
    console.log(`(fuel figures skipped: ${(e as Error).message})`);
    return [];
  }
}
