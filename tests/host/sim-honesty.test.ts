// Checks that keep `fama sim` honest (docs/SIMULATION.md): without mobility FAMA delivers
// every packet on the direct path and centralized mode with exactly the topology's detour
// through the home agent (path delays recomputed here with Bellman-Ford, independently of
// the simulator's Dijkstra); packets are conserved (sent = delivered + dropped per reason +
// in flight at the end); a seed gives the same numbers, and the cores' random_get does not
// change any of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulate } from "../../host/sim/run.js";
import { scenario, type Scenario } from "../../host/sim/scenario.js";
import { defaultDomain } from "../../host/sim/scenario.js";
import type { Topology } from "../../host/sim/topology.js";
import type { Delivery } from "../../host/sim/domain.js";

/** Shortest delays from `src` by Bellman-Ford over the link list. */
function delaysFrom(t: Topology, src: number): number[] {
  const d = t.nodes.map(() => Infinity);
  d[src] = 0;
  for (let round = 0; round < t.nodes.length; round++) {
    let changed = false;
    t.adj.forEach((edges, u) => { for (const [v, w] of edges) if (d[u]! + w < d[v]!) { d[v] = d[u]! + w; changed = true; } });
    if (!changed) break;
  }
  return d;
}

function small(o: Partial<Scenario> & { dars?: number } = {}): Scenario {
  return scenario({ mns: 40, dars: 16, durationS: 60, keyBits: 1024, keys: 2, flowGapS: 20, ...o });
}

test("no mobility: FAMA stretch 1.0 on every packet, centralized exactly the detour through the home agent", () => {
  const topology = defaultDomain(16);
  const initial = Array.from({ length: 40 }, (_, i) => (i * 7) % 16);
  const sc = small({ topology, trace: { mns: 40, initial, moves: [], flows: null } });
  const seen: Delivery[] = [];
  const sim = simulate(sc, ["fama", "central"], (d) => seen.push(d));
  const cache = new Map<number, number[]>();
  const delay = (a: number, b: number) => { let d = cache.get(a); if (!d) { d = delaysFrom(topology, a); cache.set(a, d); } return d[b]!; };
  const fama = seen.filter((d) => d.scheme === "fama");
  const central = seen.filter((d) => d.scheme === "central");
  assert.ok(fama.length > 1000 && central.length === fama.length, `packets delivered: ${fama.length} FAMA, ${central.length} centralized`);
  for (const d of fama) {
    const darNode = topology.dars[d.dar]!;
    assert.equal(d.directUs, topology.accessUs + delay(darNode, d.cn));
    assert.equal(d.pathUs, d.directUs, "FAMA without mobility: the direct path");
    assert.equal(d.tunnelled, false);
  }
  for (const d of central) {
    const darNode = topology.dars[d.dar]!;
    assert.equal(d.pathUs, topology.accessUs + delay(darNode, topology.anchor) + delay(topology.anchor, d.cn), "centralized: via the home agent");
    assert.equal(d.tunnelled, true);
  }
  const [f, c] = sim.runs;
  assert.equal(f!.summary.stretch.max, 1);
  assert.equal(f!.summary.stretch.mean, 1);
  assert.equal(f!.summary.data.directFraction, 1);
  assert.equal(f!.summary.signaling.msgs, 0, "no handover, no signaling in FAMA");
  assert.ok(c!.summary.stretch.mean! > 1.2, `centralized mean stretch ${c!.summary.stretch.mean}`);
  assert.equal(c!.summary.data.directFraction, 0);
  assert.equal(f!.summary.handovers, 0);
});

test("packet conservation: sent = delivered + dropped (per reason) + in flight, both schemes, with mobility", () => {
  const sim = simulate(small({ residenceS: 8, sessionMedianS: 20, packetIntervalMs: 50 }));
  for (const r of sim.runs) {
    const s = r.summary.data;
    const byReason = Object.values(s.drops).reduce((a, b) => a + b, 0);
    assert.ok(r.summary.handovers > 100, `${r.scheme}: ${r.summary.handovers} handovers`);
    assert.equal(s.sent, s.delivered + byReason + s.inFlightAtEnd, `${r.scheme}: ${JSON.stringify(s)}`);
    assert.equal(s.dropped, byReason);
    // with 20 packets/s per flow some packets meet a handover: the drops are real ones
    assert.ok(byReason > 0, `${r.scheme}: some packets are lost at handovers`);
    assert.ok(s.delivered > 0.95 * s.sent, `${r.scheme}: delivered ${s.delivered} of ${s.sent}`);
  }
});

test("the same seed gives the same numbers; the cores' random_get changes none; another seed changes them", () => {
  const sum = (sc: Scenario) => JSON.stringify(simulate(sc).runs.map((r) => r.summary));
  const a = sum(small({ seed: 7, residenceS: 10 }));
  assert.equal(sum(small({ seed: 7, residenceS: 10 })), a, "same seed");
  assert.equal(sum(small({ seed: 7, coreSeed: 12345, residenceS: 10 })), a, "PHKTs, nonces, first sequence numbers differ; no metric does");
  assert.notEqual(sum(small({ seed: 8, residenceS: 10 })), a, "another seed");
});
