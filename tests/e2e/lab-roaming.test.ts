// The lab in the real shape (root only): radvd on each DAR's access link, A_k = the DAR's own
// access address (announced with the R flag, diverted into the core by `fama dar`), and an MN
// whose config names only its one interface: `{"interfaces": ["wlan0"], "key", "state"}`. Its
// peer moves DAR1 -> DAR2 -> DAR3 -> DAR1 (carrier lost and back, as a Wi-Fi roam looks):
//   * the TCP session from H_1 survives every move with every byte intact;
//   * a flow opened after the first move uses H_2 directly;
//   * `fama status` on the MN lists the DARs it learned (prefix, anchor, router), none configured;
//   * ping to A_1 is still answered by DAR1's kernel (only the profile's packets are diverted).
// A second lab: DAR3's radvd announces a plain router (no H flag): the MN uses its address for a
// new flow and never sends DAR3 a BU.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { norm, inPrefix64, MN_WLAN } from "../../host/lab/lab.js";
import { Tour } from "../../host/lab/tour.js";
import { PLAN } from "../../host/lab/topology.js";
import { TcpStream } from "../../host/lab/flows.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { withLab, famaStatus } from "../support/lab-run.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, TUN devices, tc, radvd)";
const noRadvd = !existsSync("/usr/sbin/radvd") && "needs radvd (Debian radvd)";
const KEY = join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem");
const key = existsSync(KEY) ? KEY : undefined;

test("roaming lab: one-interface MN with radvd DARs, DAR1 -> DAR2 -> DAR3 -> DAR1, TCP intact, new flow on H_2 direct, learned DARs in fama status", { skip: notRoot || noRadvd, timeout: 180_000 }, (t) => withLab(t, "r1", { keyFile: key, roaming: true }, async (lab) => {
  const mnCfg = JSON.parse(readFileSync(lab.files.mn.config, "utf8"));
  assert.deepEqual(mnCfg.interfaces, [MN_WLAN], "no DAR in the MN's config");
  assert.ok(inPrefix64(lab.h1, PLAN.prefix(1)), `H_1 ${lab.h1} formed from DAR1's RA`);
  const tour = await Tour.open(lab, { dwellMs: 1000, say: (s) => t.diagnostic(s) });
  const s = await tour.run(3);
  assert.deepEqual(s.handovers.map((h) => [h.from, h.to]), [[1, 2], [2, 3], [3, 1]]);
  assert.deepEqual(s.handovers.map((h) => h.ra?.decision), ["new-dar", "new-dar", "known-dar"]);
  assert.deepEqual(s.handovers.map((h) => h.mode), ["cga", "phkt", "home"]);
  for (const h of s.handovers) {
    t.diagnostic(`DAR${h.from} -> DAR${h.to}: RS ${h.ra?.rsMs} ms, RA ${h.ra?.raMs} ms, BUs ${h.ra?.busMs} ms, BA ${h.bindMs ?? "-"} ms, first UDP at the CN ${h.latencyMs} ms after link-up`);
    assert.ok(h.ra && h.ra.rsMs <= h.ra.raMs && h.ra.raMs <= h.ra.busMs, "RS, then RA, then BUs");
  }
  assert.match(s.handovers[0]!.h1Path, /^tunnelled via DAR1/);
  assert.match(s.handovers[1]!.h1Path, /^tunnelled via DAR1/);
  assert.ok(s.tcp.bytesSent > 100_000, `TCP sent ${s.tcp.bytesSent}`);
  assert.equal(s.tcp.bytesReceived, s.tcp.bytesSent, "every TCP byte arrived");
  assert.equal(s.tcp.intact, true);
  const nf = s.newFlow!;
  assert.ok(inPrefix64(nf.from, PLAN.prefix(2)), `new flow from ${nf.from}: H_2`);
  assert.equal(nf.intact, true);
  assert.equal(s.newFlowDirect, true);

  const st = await famaStatus(lab.files.mn.socket);
  const learned = (st.routers as any[]).map((r) => [r.prefix, r.anchor && norm(r.anchor), r.dar]).sort();
  assert.deepEqual(learned, [1, 2, 3].map((k) => [PLAN.prefix(k), norm(PLAN.darAccess(k)), true]).sort());
  assert.ok((st.routers as any[]).every((r) => /^fe80:/.test(r.router)), "routers are the RAs' link-local sources");
  assert.deepEqual((st.routers as any[]).filter((r) => r.current).map((r) => r.prefix), [PLAN.prefix(1)]);
  assert.ok(st.handover && st.handover.decision === "known-dar" && typeof st.handover.raMs === "number");
  assert.ok(await lab.topo.ping(lab.topo.ns.mn, PLAN.darAccess(1), { count: 1, waitS: 3 }), "DAR1's kernel answers ping to A_1");
}));

test("roaming lab: a router whose RAs lack the H flag: its address serves new flows, it never gets a BU", { skip: notRoot || noRadvd, timeout: 120_000 }, (t) => withLab(t, "r2", { keyFile: key, roaming: true, plainRouters: [3] }, async (lab) => {
  const h1 = lab.h1;
  const tour = await Tour.open(lab, { dwellMs: 500, say: (s) => t.diagnostic(s) });
  const from = lab.mn.lines.length;
  const mv = await lab.move(3);
  assert.equal(mv.attached.decision, "plain");
  assert.equal(mv.attached.anchor, "::");
  const h3 = lab.coa;
  assert.ok(inPrefix64(h3, PLAN.prefix(3)), `CoA ${h3} from the plain router's prefix`);
  await lab.mn.waitFor((l) => l.event === "bound" && l.hoa === h1, 15_000, "H_1 kept through DAR1", from);
  const flow = await TcpStream.start(lab.topo.netScope, lab.topo.ns.mn, { to: PLAN.cn, seed: 0x5eed0003, rate: 0, bytes: 200_000 });
  await flow.ended(60_000);
  const res = await tour.sink.tcpClosed(flow.port, 60_000);
  assert.equal(norm(res.from), norm(h3), "the new flow's source is the plain router's address");
  assert.ok(res.intact && res.bytes === 200_000);
  const bus = lab.mnEvents(from, (l) => l.event === "bu.sent");
  assert.ok(bus.length > 0 && bus.every((l) => norm(String(l.hoa)) === norm(h1)), `BUs only for H_1 (${bus.map((l) => l.hoa).join(", ")})`);
  const d3 = await lab.darStatus(3);
  for (const c of ["mobility-control", "bu-accepted", "bu-rejected"]) assert.equal(d3.counters[c], 0, `DAR3 ${c}`);
  assert.deepEqual(d3.bindings, []);
  const st = await famaStatus(lab.files.mn.socket);
  const r3 = (st.routers as any[]).find((r) => r.prefix === PLAN.prefix(3));
  assert.deepEqual([r3?.dar, r3?.hFlag, r3?.anchor], [false, false, null]);
}));
