// The load generator through a running `fama dar` (bench/load/, root only): 20 simulated MNs,
// each with its own CGA, appear on the DAR's access link, register in cga mode, refresh in phkt
// mode, move to a new CoA, deregister, register again and move with the new PHKT; every step is
// accepted by the daemon, its binding list follows, and tunnelled data reaches the MNs' current
// CoAs. Not timed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { netnsList } from "../../host/net/ip.js";
import { LoadSession } from "../../bench/load/session.js";
import { keyPool, identities } from "../../bench/load/population.js";
import { Fleet } from "../../bench/load/fleet.js";
import { DataProbe } from "../../bench/load/data.js";
import { pump } from "../../bench/load/streams.js";
import { appearOnLink } from "../../bench/load/sighting.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";

test("20 simulated MNs register (cga), refresh and move (phkt), carry data, deregister and come back through fama dar", { skip: notRoot, timeout: 120_000 }, async () => {
  const prefix = `i12l-${process.pid}-r`;
  const s = await LoadSession.open({ prefix });
  try {
    const ids = identities(s.core, keyPool(2), 20);
    await appearOnLink(s.net.ns.gen, ids.map((i) => i.hoa), s.dar);
    const fleet = new Fleet(s.core, s.wire, ids);
    s.wire.onBa = (ba, len, at) => fleet.handleBa(ba, len, at, () => undefined);

    const reg = await fleet.run(fleet.prepare("register", fleet.mns), 200);
    assert.deepEqual(reg.filter((r) => !r.accepted), [], "every registration accepted");
    let st = await s.dar.status(100);
    assert.equal(st.bindingsTotal, 20);
    assert.deepEqual(new Set(st.bindings.map((b) => b.hoa)), new Set(ids.map((i) => i.hoa)));
    assert.ok(st.bindings.every((b) => b.hasPhkt));

    const refresh = await fleet.run(fleet.prepare("refresh", fleet.mns));
    assert.deepEqual(refresh.filter((r) => !r.accepted), [], "every phkt refresh accepted");
    const moved = await fleet.run(fleet.prepare("move", fleet.mns));
    assert.deepEqual(moved.filter((r) => !r.accepted), [], "every move accepted");
    st = await s.dar.status(100);
    assert.deepEqual(new Map(st.bindings.map((b) => [b.hoa, b.coa])), new Map(fleet.mns.map((m) => [m.id.hoa, m.coa])), "bindings at the new CoAs");

    const probe = new DataProbe(ids.map((i) => i.hoa));
    s.wire.onTunnelled = (p, len, inner, at) => probe.onTunnelled(p, len, inner, at);
    const stream = probe.stream(s.wire, 1000);
    await pump([stream], 500);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(probe.received >= stream.sent * 0.95, `data through the tunnel: ${probe.received} of ${stream.sent}`);

    const dereg = await fleet.run(fleet.prepare("deregister", fleet.mns));
    assert.deepEqual(dereg.filter((r) => !r.accepted), [], "every deregistration accepted");
    st = await s.dar.status(100);
    assert.equal(st.bindingsTotal, 0);

    // back again: a new cga registration brings a new PHKT, which the next phkt-mode BU uses
    const again = await fleet.run(fleet.prepare("register", fleet.mns));
    assert.deepEqual(again.filter((r) => !r.accepted), [], "every re-registration accepted");
    const movedAgain = await fleet.run(fleet.prepare("move", fleet.mns));
    assert.deepEqual(movedAgain.filter((r) => !r.accepted), [], "every move after it accepted (with the new PHKT)");
    assert.equal((await s.dar.status(0)).bindingsTotal, 20);
    assert.ok(s.dar.alive);
  } finally {
    await s.close();
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});
