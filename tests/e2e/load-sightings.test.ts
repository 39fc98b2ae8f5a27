// The sightings feed of a running `fama dar` with MNs arriving in a burst (bench/load/sighting.ts,
// root only): 500 HoAs appear at once on the DAR's access link, each sending one echo request
// to the DAR, whose kernel resolves them by neighbour discovery. Every one reaches the daemon's
// sightings table without a lost notification or a second dump, and the generator leaves none of
// their neighbour entries (the HoAs' and their solicited-node groups') in the host-wide table,
// which later bursts and every other namespace on the host need, and none of the HoAs on its own
// interface (each address there makes the next one slower to add). Not timed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoadSession } from "../../bench/load/session.js";
import { appearOnLink, solicitedNode } from "../../bench/load/sighting.js";
import { dumpNeighbours } from "../../host/net/neighbours.js";
import { formatIPv6 } from "../../host/ipv6.js";
import { ip } from "../../host/net/ip.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const N = 500;

test("500 HoAs appearing at once on the access link are all sighted by fama dar, and their neighbour entries are gone after", { skip: notRoot, timeout: 120_000 }, async () => {
  const s = await LoadSession.open({ prefix: `i12s-${process.pid}-s` });
  try {
    const hoas = Array.from({ length: N }, (_, i) => `2001:db8:1::5:${(i + 1).toString(16)}`);
    const before = (await s.dar.status(0)).admission!;
    assert.equal(before.sightings, 0);
    const missing = await appearOnLink(s.net.ns.gen, hoas, s.dar, N);
    const after = (await s.dar.status(0)).admission!;
    const feed = after.feed!;
    assert.equal(missing, 0, `unsighted: ${missing} (feed ${JSON.stringify(feed)})`);
    assert.equal(after.sightings, N);
    assert.equal(feed.recorded, N);
    assert.equal(feed.lostNotifications, 0, "no notification lost");
    assert.equal(feed.dumps, 1, "the notifications did it, no second dump");
    assert.ok(feed.kernelTableFulls >= 0);

    const doomed = new Set(hoas.flatMap((h) => [h, solicitedNode(h)]));
    const left = dumpNeighbours(s.net.ns.dar).map((n) => formatIPv6(n.addr)).filter((a) => doomed.has(a));
    assert.deepEqual(left, [], "the DAR's entries for the HoAs and their solicited-node groups deleted");
    const onGen = (await ip(["-6", "addr", "show", "dev", "acc"], s.net.ns.gen)).stdout;
    assert.match(onGen, /2001:db8:1::2\//, "the generator's own address stays");
    assert.deepEqual(hoas.filter((h) => onGen.includes(`${h}/128`)), [], "the sighted HoAs left the generator's interface");
    assert.ok(s.dar.alive);
  } finally {
    await s.close();
  }
});

test("solicited-node group of an address: ff02::1:ff and its last 24 bits", () => {
  assert.equal(solicitedNode("2001:db8:1::5:1f4"), "ff02::1:ff05:1f4");
  assert.equal(solicitedNode("2001:db8:1:0:a1b2:c3d4:e5f6:789a"), "ff02::1:fff6:789a");
});
