// The MN's link-up path against the kernel (root only): after KernelState.attachFast returns,
// a packet from the new CoA (the first BU) must not lose the gateway's answer. A NODAD address
// is a usable source at once, but the kernel's addrconf worker inserts its local route a little
// later; an NA for the CoA arriving in between is forwarded instead of received, and the
// gateway's neighbour entry stays INCOMPLETE until its 1 s retransmission (the lab's 1.75 s
// handover, docs/LAB.md). Two namespaces joined by a veth: the MN side (forwarding on, as the
// agent sets it) and the gateway; 40 link-ups with a fresh CoA each (tests/support/attach-probe.ts).
// With attachFast not waiting for the local route, this failed twice in two runs here (7 of 40
// link-ups left the entry INCOMPLETE).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NetScope, ipv6Defaults, linkUp, addrAdd, netnsExec, netnsList } from "../../host/net/ip.js";
import { REPO_ROOT } from "../../host/paths.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces)";
const tag = `fma${process.pid % 100000}`;
const PROBE = join(REPO_ROOT, "build", "js", "tests", "support", "attach-probe.js");
const GATEWAY = "2001:db8:77::1";
const LINK_UPS = 40;

test("after attachFast the CoA receives: the gateway's answer to the first packet from it is taken, never forwarded", { skip: notRoot, timeout: 60_000 }, async (t) => {
  const scope = new NetScope("mn-attach");
  const mn = `${tag}-mn`, gw = `${tag}-gw`;
  try {
    await scope.netns(mn);
    await scope.netns(gw);
    await ipv6Defaults(mn, { forwarding: true });
    await ipv6Defaults(gw);
    await scope.veth(`${tag}m`, `${tag}g`, { nsA: mn, nsB: gw });
    for (const [dev, ns] of [[`${tag}m`, mn], [`${tag}g`, gw], ["lo", mn], ["lo", gw]] as const) await linkUp(dev, ns);
    await addrAdd(`${tag}g`, `${GATEWAY}/64`, gw);
    const out = await netnsExec(mn, process.execPath, ["--disable-warning=ExperimentalWarning", PROBE, `${tag}m`, GATEWAY, "2001:db8:77::", String(LINK_UPS)], { timeoutMs: 50_000 });
    const rows = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as { coa: string; localUs: number; gateway: string });
    assert.equal(rows.length, LINK_UPS);
    const waits = rows.map((r) => r.localUs).sort((a, b) => a - b);
    t.diagnostic(`localUs (attachFast's wait for the CoA's local route): min ${waits[0]}, median ${waits[LINK_UPS >> 1]}, max ${waits.at(-1)}`);
    assert.deepEqual(rows.filter((r) => r.gateway !== "REACHABLE" && r.gateway !== "STALE" && r.gateway !== "DELAY" && r.gateway !== "PROBE"), [], "the gateway was resolved after every link-up");
    assert.deepEqual(rows.filter((r) => r.localUs < 0), [], "attachFast saw the CoA's local route every time");
  } finally {
    await scope.close();
  }
  const left = (await netnsList()).filter((n) => n.startsWith(tag));
  assert.deepEqual(left, [], "namespaces removed");
});
