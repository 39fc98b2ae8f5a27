// The soak: `seconds` of mixed load on a running load session. Every second a group of the bound
// MNs does one operation each, rotating refresh -> move -> deregister -> register (cga, signed
// then), while 1,000 pps of data go to every HoA in turn and a trickle of valid-CGA flood BUs
// (100/s) runs; every 30 s the daemon's RSS and binding count are printed, and at the end the
// first and last samples are compared (flat: RSS within 10%, bindings within the group size).
import type { KeyObject } from "node:crypto";
import type { LoadSession } from "./session.js";
import type { Fleet, Mn, OpKind } from "./fleet.js";
import { DataProbe } from "./data.js";
import { pump, cycle } from "./streams.js";
import { validCgaFlood } from "./attacks.js";

const GROUP = 40;
const SAMPLE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SoakSample { t: number; rssMb: number; anonMb: number; heapUsedMb: number; heapTotalMb: number; bindings: number; accepted: number }

export async function runSoak(s: LoadSession, fleet: Fleet, mns: readonly Mn[], pool: readonly KeyObject[], seconds: number): Promise<SoakSample[]> {
  const probe = new DataProbe(mns.map((m) => m.id.hoa));
  s.wire.onTunnelled = (p, len, inner, at) => probe.onTunnelled(p, len, inner, at);
  const flood = validCgaFlood(s.core, pool, 200);
  const unbound = new Set<number>();
  const next: OpKind[] = ["refresh", "move", "deregister"];
  const round = new Map<number, number>();
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const sample = async () => {
    const st = await s.dar.status(0);
    const mb = (b: number | undefined) => (b ?? NaN) / 1048576;
    const x = { t: Math.round((performance.now() - t0) / 1000), rssMb: mb(s.dar.rss(st.pid)), anonMb: mb(s.dar.memory(st.pid).anon), heapUsedMb: mb(st.memory?.heapUsed), heapTotalMb: mb(st.memory?.heapTotal), bindings: st.bindingsTotal, accepted: st.counters["bu-accepted"] ?? 0 };
    samples.push(x);
    console.log(`soak t=${x.t} s  RSS ${x.rssMb.toFixed(1)} MB (anonymous ${x.anonMb.toFixed(1)}, V8 heap used/total ${x.heapUsedMb.toFixed(1)}/${x.heapTotalMb.toFixed(1)})  bindings ${x.bindings}  bu-accepted ${x.accepted}  data delivered ${probe.received}`);
  };
  console.log(`\n### load: soak, ${seconds} s of mixed load (${mns.length} MNs, groups of ${GROUP}/s, data 1000 pps, flood 100 BUs/s)\n`);
  await sample();
  const traffic = pump([probe.stream(s.wire, 1000), cycle(s.wire, flood.packets, 100)], seconds * 1000);
  let cursor = 0;
  let nextSample = t0 + SAMPLE_MS;
  let failed = 0;
  while (performance.now() < end) {
    const started = performance.now();
    const group = Array.from({ length: Math.min(GROUP, mns.length) }, () => mns[cursor++ % mns.length]!);
    const byKind = new Map<OpKind, Mn[]>();
    for (const m of group) {
      let kind: OpKind;
      if (unbound.has(m.index)) kind = "register";
      else { const r = round.get(m.index) ?? 0; kind = next[r % next.length]!; round.set(m.index, r + 1); }
      byKind.set(kind, [...(byKind.get(kind) ?? []), m]);
    }
    const results = await Promise.all([...byKind].map(([kind, ms]) => fleet.run(fleet.prepare(kind, ms))));
    for (const r of results.flat()) {
      // not accepted (its binding expired: 147, or gave up): the MN registers again in cga mode
      if (!r.accepted) { failed++; if (r.kind !== "register") unbound.add(r.mn); continue; }
      if (r.kind === "deregister") unbound.add(r.mn); else if (r.kind === "register") unbound.delete(r.mn);
    }
    if (performance.now() >= nextSample) { await sample(); nextSample += SAMPLE_MS; }
    const wait = 1000 - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
  await traffic;
  await sample();
  const first = samples[0]!, last = samples.at(-1)!;
  const mid = samples[Math.min(1, samples.length - 1)]!;
  console.log(`soak: RSS ${mid.rssMb.toFixed(1)} MB at t=${mid.t} s -> ${last.rssMb.toFixed(1)} MB at t=${last.t} s (${(((last.rssMb - mid.rssMb) / mid.rssMb) * 100).toFixed(1)}%), bindings ${first.bindings} -> ${last.bindings}; ${failed} operations not accepted; ${flood.packets.length} flood HoAs`);
  return samples;
}
