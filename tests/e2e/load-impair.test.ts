// Signalling loss through the impairment wire (host/lab/impair-wire.ts) on the load lab's access
// link (root only): with 30% of the BUs and BAs dropped (seeded), every one of 100 simulated MNs
// ends bound in cga mode through `fama dar`, by the MN's retransmissions; the stage really
// dropped frames and passed the rest. Not timed, but bound by the MN's back-off (1 s doubling):
// the unluckiest of 100 MNs needs about 6-7 transmissions (each gets through with 0.7 x 0.7),
// about a minute.
import { test } from "node:test";
import assert from "node:assert/strict";
import { netnsList } from "../../host/net/ip.js";
import { LoadSession } from "../../bench/load/session.js";
import { keyPool, identities } from "../../bench/load/population.js";
import { Fleet } from "../../bench/load/fleet.js";
import { appearOnLink } from "../../bench/load/sighting.js";
import { parseImpair } from "../../host/lab/impair.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";

test("30% of BUs and BAs dropped (seed 7): all 100 MNs end bound", { skip: notRoot, timeout: 200_000 }, async () => {
  const prefix = `i12l-${process.pid}-i`;
  // a first binding lives probationLifetime (60 s by default) unless refreshed, and the unluckiest
  // MN binds about a minute after the first: the probation is made longer than the run here
  const s = await LoadSession.open({ prefix, impair: parseImpair("drop=0.3,seed=7"), darConfig: { admission: { probationLifetime: 600 } } });
  try {
    const ids = identities(s.core, keyPool(2), 100);
    await appearOnLink(s.net.ns.gen, ids.map((i) => i.hoa), s.dar);
    const fleet = new Fleet(s.core, s.wire, ids, { maxAttempts: 9 });
    s.wire.onBa = (ba, len, at) => fleet.handleBa(ba, len, at, () => undefined);
    const reg = await fleet.run(fleet.prepare("register", fleet.mns), 50);
    assert.deepEqual(reg.filter((r) => !r.accepted).map((r) => r.mn), [], "every MN bound");
    assert.ok(reg.some((r) => r.attempts > 1), "some registrations needed a retransmission");
    const st = await s.dar.status(1000);
    assert.deepEqual(new Set(st.bindings.map((b) => b.hoa)), new Set(ids.map((i) => i.hoa)));
    await new Promise((r) => setTimeout(r, 1200)); // the stage prints its counts once a second
    const stats = s.net.impairment!.stats();
    assert.ok(stats.drop! > 0 && stats.pass! > 0, JSON.stringify(stats));
    const share = stats.drop! / stats.frames!;
    assert.ok(share > 0.2 && share < 0.4, `dropped ${stats.drop} of ${stats.frames} signalling frames`);
  } finally {
    await s.close();
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});
