// The lab domain in namespaces, through kernel routing only (no fama processes): reachability,
// moving the MN's link, the kernel IPv6-in-IPv6 baseline, and cleanup (also after a failure
// mid-build and after a "crash"). Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Topology, PLAN, kernelTunnel, sweepStale } from "../../host/lab/topology.js";
import { netnsList, netnsAdd, linkOperState } from "../../host/net/ip.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces)";
const base = `fama-${process.pid}-`;

async function leftovers(prefix: string): Promise<string[]> {
  return (await netnsList()).filter((n) => n.startsWith(prefix));
}

test("lab: build, reach anchors and the MN, move the MN, kernel tunnel, destroy", { skip: notRoot, timeout: 120_000 }, async () => {
  const prefix = `${base}a-`;
  const topo = await Topology.build({ prefix });
  try {
    assert.equal(topo.allNamespaces().length, 7);
    assert.deepEqual((await leftovers(prefix)).sort(), topo.allNamespaces().sort());
    assert.equal(topo.attachedTo, 1);

    // CN <-> every anchor (on the DARs' loopbacks), through the core's static routes.
    for (let k = 1; k <= 3; k++) {
      assert.ok(await topo.ping(topo.ns.cn, PLAN.anchor(k)), `CN -> A_${k}`);
      assert.ok(await topo.ping(topo.darNs(k), PLAN.cn, { src: PLAN.anchor(k) }), `A_${k} -> CN`);
    }
    // MN at DAR1 <-> CN both ways.
    assert.ok(await topo.ping(topo.ns.mn, PLAN.cn), "MN@1 -> CN");
    assert.ok(await topo.ping(topo.ns.cn, PLAN.mnAddress(1)), "CN -> MN@1");
    assert.equal(await linkOperState("acc", topo.darNs(1)), "UP");
    assert.equal(await topo.ping(topo.ns.cn, PLAN.mnAddress(2), { waitS: 1 }), false, "no MN at DAR2 yet");

    // Move to DAR2: the DAR1 link goes down, the old address stops working, the new one works.
    const dev = await topo.attach(2);
    assert.equal(dev, "acc2");
    assert.equal(topo.attachedTo, 2);
    assert.notEqual(await linkOperState("acc", topo.darNs(1)), "UP", "DAR1 lost carrier");
    assert.equal(await linkOperState("acc", topo.darNs(2)), "UP");
    assert.ok(await topo.ping(topo.ns.mn, PLAN.cn), "MN@2 -> CN");
    assert.ok(await topo.ping(topo.ns.cn, PLAN.mnAddress(2)), "CN -> MN@2");
    assert.equal(await topo.ping(topo.ns.cn, PLAN.mnAddress(1), { waitS: 1 }), false, "old address unreachable without a tunnel");

    // Kernel IPv6-in-IPv6 (SRv6 encap.red): the DAR1 address kept at DAR2 is reachable again.
    const tunnel = await kernelTunnel(topo, { home: 1, visited: 2 });
    assert.ok(await topo.ping(topo.ns.cn, PLAN.mnAddress(1), { count: 2 }), "CN -> H_1 through the kernel tunnel");
    assert.ok(await topo.ping(topo.ns.mn, PLAN.cn, { src: PLAN.mnAddress(1) }), "H_1 -> CN through the kernel tunnel");
    // Full-size packets too (the transit MTU was raised for the 40-byte outer header).
    assert.ok(await topo.exec(topo.ns.cn, "ping", ["-6", "-c", "1", "-W", "2", "-M", "do", "-s", "1452", PLAN.mnAddress(1)]).then(() => true, () => false), "1500-byte packets through the tunnel");
    await tunnel.remove();
    assert.equal(await topo.ping(topo.ns.cn, PLAN.mnAddress(1), { waitS: 1 }), false, "tunnel removed");

    // And on to DAR3, back to DAR1.
    await topo.attach(3);
    assert.ok(await topo.ping(topo.ns.cn, PLAN.mnAddress(3)), "CN -> MN@3");
    assert.equal(await topo.ping(topo.ns.cn, PLAN.mnAddress(2), { waitS: 1 }), false);
    await topo.attach(1);
    assert.ok(await topo.ping(topo.ns.cn, PLAN.mnAddress(1)), "CN -> MN@1 again");
    await topo.detach();
    assert.equal(topo.attachedTo, 0);
    assert.equal(await topo.ping(topo.ns.mn, PLAN.cn, { waitS: 1 }), false, "detached MN reaches nothing");
  } finally {
    await topo.destroy();
  }
  assert.deepEqual(await leftovers(prefix), [], "no namespace left");
});

test("lab: anchors='none' leaves A_k to the daemon (not local, still routed to DAR_k by the core)", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `${base}n-`;
  const topo = await Topology.build({ prefix, dars: 2, anchors: "none", attach: 0 });
  try {
    const { stdout } = await topo.exec(topo.darNs(1), "ip", ["-6", "addr", "show", "dev", "lo"]);
    assert.doesNotMatch(stdout, /2001:db8:a:1::1/);
    const route = await topo.exec(topo.ns.core, "ip", ["-6", "route", "get", PLAN.anchor(2)]);
    assert.match(route.stdout, /via 2001:db8:ff:2::2 dev to-dar2/);
    assert.equal(topo.attachedTo, 0);
  } finally {
    await topo.destroy();
  }
  assert.deepEqual(await leftovers(prefix), []);
});

test("lab: an exception mid-build removes everything created so far", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `${base}f-`;
  const seen: string[] = [];
  await assert.rejects(
    Topology.build({ prefix, onStep: (s) => { seen.push(s); if (s === "dar2") throw new Error("injected failure at dar2"); } }),
    /injected failure at dar2/,
  );
  assert.deepEqual(seen, ["namespaces", "sysctls", "links", "core", "dar1", "dar2"]);
  assert.deepEqual(await leftovers(prefix), [], "no namespace left after the failed build");
});

test("lab: a failing ip command reports the command and stderr, and cleans up", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `${base}e-`;
  await netnsAdd(`${prefix}mn`); // a namespace the build will collide with
  try {
    await assert.rejects(Topology.build({ prefix }), (e: Error) => /ip netns add .*mn/.test(e.message) && /exists/i.test(e.message));
    assert.deepEqual(await leftovers(prefix), [`${prefix}mn`], "only the foreign namespace remains");
  } finally {
    assert.deepEqual(await sweepStale(prefix), [`netns ${prefix}mn`]);
  }
  assert.deepEqual(await leftovers(prefix), []);
});

test("lab: sweepStale removes what a crashed run left", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `${base}s-`;
  await Topology.build({ prefix, dars: 1 }); // never destroyed: a "crash"
  assert.equal((await leftovers(prefix)).length, 5);
  const removed = await sweepStale(prefix);
  assert.equal(removed.length, 5);
  assert.deepEqual(await leftovers(prefix), []);
  await assert.rejects(sweepStale("fa"), /too short/);
});
