// Binding events -> kernel routes into a real TUN in a namespace (host/net/routes.ts), and the
// data-plane loop on a real TUN: a packet to a bound HoA is steered into the device, processed
// by the reflect core, and written back. Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openTun } from "../../host/tun/linux.js";
import { ipv6Defaults, linkUp, linkIndex, routeShow, netnsExec, addrAdd } from "../../host/net/ip.js";
import { TunRoutes } from "../../host/net/routes.js";
import { RouteSocket, NetlinkError } from "../../host/net/netlink.js";
import { parseIPv6 } from "../../host/ipv6.js";
import { Dataplane } from "../../host/dataplane.js";
import { ReflectCore } from "../support/reflect-core.js";
import { withNetScope } from "../support/net-scope.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const tag = `fm${process.pid % 100000}`;

test("routes follow binding events synchronously, idempotently, and are removed on close", { skip: notRoot, timeout: 30_000 }, () => {
  const ns = `${tag}-rt`;
  return withNetScope("routes-e2e", [ns], async (scope) => {
    await scope.netns(ns);
    await ipv6Defaults(ns);
    const tun = await openTun({ name: `${tag}r0`, netns: ns });
    scope.defer("tun", () => tun.close());
    const routes = await TunRoutes.open({ dev: tun.name, ns });
    routes.addAnchor("2001:db8:a:1::1");
    routes.onEvents([
      { kind: "added", hoa: "2001:db8:1::100", coa: "2001:db8:2::100", lifetime: 600, seq: 1 },
      { kind: "added", hoa: "2001:db8:1::200", coa: "2001:db8:2::200", lifetime: 600, seq: 1 },
      { kind: "moved", hoa: "2001:db8:1::100", coa: "2001:db8:3::100", lifetime: 600, seq: 2 },
      { kind: "added", hoa: "2001:db8:1::100", coa: "2001:db8:3::100", lifetime: 600, seq: 3 }, // again: replace
    ]);
    let table = await routeShow([], ns);
    for (const a of ["2001:db8:a:1::1", "2001:db8:1::100", "2001:db8:1::200"]) assert.match(table, new RegExp(`^${a} dev ${tun.name}`, "m"), table);
    assert.equal(routes.failures, 0);
    routes.onEvents([
      { kind: "removed", hoa: "2001:db8:1::200", coa: "::", lifetime: 0, seq: 2 },
      { kind: "removed", hoa: "2001:db8:1::999", coa: "::", lifetime: 0, seq: 1 }, // never bound: no error
    ]);
    table = await routeShow([], ns);
    assert.doesNotMatch(table, /2001:db8:1::200/);
    assert.equal(routes.failures, 0);
    assert.deepEqual([...routes.hoas], ["2001:db8:1::100"]);
    routes.close();
    table = await routeShow([], ns);
    assert.doesNotMatch(table, /2001:db8:1::100|2001:db8:a:1::1/, table);
  });
});

test("data plane on a real TUN: a HoA routed into the device comes back through the loop", { skip: notRoot, timeout: 30_000 }, () => {
  const ns = `${tag}-dp`;
  return withNetScope("dp-e2e", [ns], async (scope) => {
    await scope.netns(ns);
    await ipv6Defaults(ns);
    await linkUp("lo", ns);
    const tun = await openTun({ name: `${tag}d0`, netns: ns, mtu: 1500, txqueuelen: 1000 });
    scope.defer("tun", () => tun.close());
    await addrAdd("lo", "2001:db8:c::2/128", ns);
    const routes = await TunRoutes.open({ dev: tun.name, ns });
    routes.apply({ kind: "added", hoa: "2001:db8:1::100", coa: "2001:db8:2::100", lifetime: 600, seq: 1 });
    // "swap" sends each packet back with source and destination exchanged. An echo request to
    // the HoA returns as a request from the HoA to us; the kernel answers it with a reply to the
    // HoA, which is routed into the TUN again and returns as a reply from the HoA: ping succeeds
    // only if both round trips go through the device and the loop.
    const core = new ReflectCore({ mode: "swap" });
    const plane = new Dataplane({ tun, core, tickMs: 50 });
    const done = plane.run();
    scope.defer("dataplane", () => plane.stop());
    const ok = await netnsExec(ns, "ping", ["-6", "-n", "-q", "-c", "3", "-i", "0.05", "-W", "1", "2001:db8:1::100"]).then(() => true, () => false);
    assert.ok(ok, "ping to the HoA answered through the TUN loop");
    await new Promise((r) => setTimeout(r, 100));
    await plane.stop();
    await done;
    assert.ok(plane.stats.packetsIn >= 6, `packets in ${plane.stats.packetsIn}`);
    assert.ok(plane.stats.packetsSent >= 3, `packets sent ${plane.stats.packetsSent}`);
    assert.equal(plane.stats.writeFailures, 0);
    assert.ok(core.calls.ticks >= 1, "ticked");
    routes.close();
  });
});

test("the route socket reports the kernel's refusals", { skip: notRoot, timeout: 30_000 }, () => {
  const ns = `${tag}-nl`;
  return withNetScope("netlink-e2e", [ns], async (scope) => {
    await scope.netns(ns);
    const socket = new RouteSocket(ns);
    scope.defer("socket", () => socket.close());
    const hoa = parseIPv6("2001:db8:1::100")!;
    // No interface has index 999999 in a fresh namespace: ENODEV.
    assert.throws(() => socket.replace(hoa, 999_999, 254), (e: unknown) => e instanceof NetlinkError && e.errno === 19);
    // Deleting a route that is not there is not an error, but says so.
    assert.equal(socket.delete(hoa, await linkIndex("lo", ns), 254), false);
  });
});
