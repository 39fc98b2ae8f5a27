// What `fama lab` does, asserted (root only): three real `fama dar` daemons and the `fama mn`
// agent as processes in the lab namespaces (host/lab/lab.ts), flows from the MN's first address
// H_1 to the CN (host/lab/tour.ts), the MN moved DAR1 -> DAR2 -> DAR3 -> DAR1:
//   * the TCP session survives the three handovers, every byte delivered intact and in order;
//   * UDP loss per handover is small: under 500 packets (500 ms of the 1 packet/ms stream; the
//     lab's own link switch, three `ip` commands, costs 30-100 ms of it here, a cga-mode
//     handover 30-80 ms, one BU retransmission after a lost BU 250 ms);
//   * a new flow opened at DAR2 uses the DAR2 address and does not pass through DAR1 (its
//     source, DAR1's bindings, DAR1's link counters against DAR2's access link);
//   * a spoofed tunnel packet to A_1 is dropped (DAR1's `spoofed` counter, `fama status --json`);
//   * DAR1 killed with SIGKILL and restarted keeps H_1's binding (snapshot + journal) and H_1's
//     traffic flows through it again; killed again with its state files deleted, the MN
//     recovers through BA 147 and a cga-mode BU;
//   * with `coaTest: true` on the DARs the handovers still work, each after a care-of test
//     (CoTI/CoT before the BU: one more round trip), latencies reported beside plain ones.
// Everything is removed afterwards (checked), also on failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { norm, inPrefix64 } from "../../host/lab/lab.js";
import { Tour, type HandoverResult } from "../../host/lab/tour.js";
import { UdpStream } from "../../host/lab/flows.js";
import { CLI_JS } from "../../host/lab/daemons.js";
import { PLAN } from "../../host/lab/topology.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { udpPacket, encapsulate } from "../support/packets.js";
import { withLab, famaStatus } from "../support/lab-run.js";

const PY = "/usr/bin/python3";
const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, TUN devices, tc)";
const noPython = !existsSync(PY) && "needs /usr/bin/python3 (raw socket for the spoofed tunnel packet)";
const KEY = join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem");
const key = existsSync(KEY) ? KEY : undefined;
const UDP_LOSS_BOUND = 500;

const SEND_RAW_PY = `
import socket, sys
pkt = bytes.fromhex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(pkt, (socket.inet_ntop(socket.AF_INET6, pkt[24:40]), 0))
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const line = (h: HandoverResult) => `DAR${h.from} -> DAR${h.to}: ${h.latencyMs} ms link-up to first UDP packet at the CN, ${h.udpLost} UDP lost (link switch ${h.linkSwitchMs} ms), H_1 ${h.mode}${h.careOfTest ? " + care-of test" : ""}, agent bind ${h.bindMs ?? "-"} ms, ${h.retransmissions} BU retransmission(s)`;

const plain: HandoverResult[] = [];

test("lab: TCP and UDP from H_1 survive DAR1 -> DAR2 -> DAR3 -> DAR1, a new flow goes direct, spoofing dropped, SIGKILL keeps bindings, lost state recovers via 147 + cga", { skip: notRoot || noPython, timeout: 180_000 }, (t) => withLab(t, "t1", { keyFile: key }, async (lab) => {
  // ---- the tour
  const tour = await Tour.open(lab, { dwellMs: 1000, say: (s) => t.diagnostic(s) });
  const s = await tour.run(3);
  assert.deepEqual(s.handovers.map((h) => [h.from, h.to]), [[1, 2], [2, 3], [3, 1]]);
  for (const h of s.handovers) {
    t.diagnostic(line(h));
    plain.push(h);
    assert.ok(Number.isFinite(h.latencyMs) && h.latencyMs >= 0, `latency ${h.latencyMs}`);
    assert.ok(h.udpLost < UDP_LOSS_BOUND, `UDP lost ${h.udpLost} >= ${UDP_LOSS_BOUND} in ${line(h)}`);
  }
  assert.equal(s.handovers[0]!.mode, "cga", "the first BU for H_1 is cga mode");
  assert.equal(s.handovers[1]!.mode, "phkt", "the second uses the PHKT");
  assert.equal(s.handovers[2]!.mode, "home", "back at DAR1 H_1 is deregistered");
  assert.match(s.handovers[0]!.h1Path, /^tunnelled via DAR1/);
  assert.match(s.handovers[1]!.h1Path, /^tunnelled via DAR1/);
  assert.match(s.handovers[2]!.h1Path, /^direct/);
  assert.ok(s.tcp.bytesSent > 100_000, `TCP sent ${s.tcp.bytesSent}`);
  assert.equal(s.tcp.bytesReceived, s.tcp.bytesSent, "every TCP byte arrived");
  assert.equal(s.tcp.intact, true, "TCP stream intact and in order");
  t.diagnostic(`TCP ${s.tcp.bytesSent} bytes sent and received intact; UDP ${s.udp.sent} sent, ${s.udp.received} received`);
  // with TUN offloads on (both daemons' default): the MN's core cut the session's super-packets
  const mnOffload = (await lab.mn.status()).offload as Record<string, number> | null;
  const darOffload = ((await lab.darStatus(1)) as unknown as { offload: Record<string, number> | null }).offload;
  t.diagnostic(`offload counters: MN ${JSON.stringify(mnOffload)}; DAR1 ${JSON.stringify(darOffload)}`);
  assert.ok(mnOffload && darOffload, "both TUNs opened with offloads");
  assert.ok(mnOffload["super-in"]! > 0 && mnOffload["segments-out"]! > mnOffload["super-in"]!, "the kept TCP session went through the MN as super-packets, segmented in the core");
  assert.equal(mnOffload["bad-vnet"], 0);
  assert.equal(darOffload["bad-vnet"], 0);
  const nf = s.newFlow!;
  assert.ok(nf, "a new flow ran at DAR2");
  assert.ok(inPrefix64(nf.from, PLAN.prefix(2)), `new flow source ${nf.from} is the DAR2 address`);
  assert.equal(nf.intact, true);
  assert.equal(nf.dar1BindsSource, false, "DAR1 never had a binding for the new flow's source");
  assert.ok(nf.dar2AccessBytes >= nf.bytes, `DAR2's access link carried it (${nf.dar2AccessBytes})`);
  assert.ok(nf.dar1LinkBytes < nf.bytes / 4, `DAR1's link moved ${nf.dar1LinkBytes} bytes while ${nf.bytes} went by`);
  assert.equal(s.newFlowDirect, true);
  t.diagnostic(`new flow from ${nf.from}: ${nf.bytes} bytes; DAR1 link ${nf.dar1LinkBytes} bytes, DAR1 core rx ${nf.dar1Rx} packets meanwhile`);

  // ---- away again with a fresh UDP stream from H_1 (flow 2): H_1 bound at DAR1
  const h1 = lab.h1;
  const udp2 = await UdpStream.start(lab.topo.netScope, lab.topo.ns.mn, { to: PLAN.cn, from: h1, flow: 2, rate: 200 });
  const sink = tour.sink;
  await until(async () => (await sink.flow(2)).received > 0, 5000, "flow 2 at the CN");
  let from = lab.mn.lines.length;
  const mv = await lab.move(2);
  await lab.mn.waitFor((l) => l.event === "bound" && l.hoa === h1, 15_000, "H_1 bound", from);
  assert.ok((await sink.firstAfter(2, mv.downNs, mv.upNs, 10_000)).firstAfter, "flow 2 resumed through DAR1");
  const coa2 = lab.coa;
  const dar1Socket = lab.files.dar[0]!.socket;

  // ---- a spoofed tunnel packet to A_1 (outer source not the binding's CoA): dropped, counted
  const before = await famaStatus(dar1Socket);
  const spoof = encapsulate(PLAN.cn, PLAN.anchor(1), udpPacket(h1, PLAN.cn, 32));
  await lab.topo.exec(lab.topo.ns.cn, PY, ["-c", SEND_RAW_PY, Buffer.from(spoof).toString("hex")]);
  const after = await until(async () => { const a = await famaStatus(dar1Socket); return a.counters.spoofed > before.counters.spoofed && a; }, 5000, "spoofed counter");
  assert.equal(after.counters.spoofed, before.counters.spoofed + 1, "exactly the spoofed packet counted");
  assert.deepEqual(after.bindings.map((b: any) => [norm(b.hoa), norm(b.coa)]), [[norm(h1), norm(coa2)]], "binding untouched");
  t.diagnostic(`spoofed tunnel packet from ${PLAN.cn} to ${PLAN.anchor(1)}: DAR1 spoofed ${before.counters.spoofed} -> ${after.counters.spoofed}`);

  // ---- SIGKILL DAR1 and restart: H_1's binding is still there, traffic for H_1 flows through it
  const killed = await lab.stopDar(1, "SIGKILL");
  assert.equal(killed.signal, "SIGKILL");
  await lab.restartDar(1);
  const restored = await famaStatus(dar1Socket);
  assert.deepEqual(restored.bindings.map((b: any) => [norm(b.hoa), norm(b.coa), b.hasPhkt]), [[norm(h1), norm(coa2), true]], "binding restored with its PHKT");
  const r0 = (await sink.flow(2)).received;
  const d0 = restored.counters.decap as number;
  await until(async () => (await sink.flow(2)).received > r0 + 50 && (await famaStatus(dar1Socket)).counters.decap > d0 + 50, 10_000, "flow 2 through the restarted DAR1");
  assert.ok(await lab.topo.ping(lab.topo.ns.cn, h1, { count: 2, waitS: 2 }), "CN -> H_1 echo through the restarted DAR1's tunnel");
  t.diagnostic(`DAR1 SIGKILLed and restarted: binding ${h1} -> ${coa2} restored (hasPhkt), flow 2 and ping through it`);

  // ---- SIGKILL again, state files deleted: no binding; at the next move the MN's phkt BU
  //      gets 147 and it falls back to a cga-mode BU
  await lab.stopDar(1, "SIGKILL");
  lab.wipeDarState(1);
  await lab.restartDar(1);
  assert.deepEqual((await famaStatus(dar1Socket)).bindings, [], "state lost");
  from = lab.mn.lines.length;
  const mv3 = await lab.move(3);
  const got147 = await lab.mn.waitFor((l) => l.event === "ba.received" && l.hoa === h1 && l.status === 147, 15_000, "BA 147 for H_1", from);
  const rebound = await lab.mn.waitFor((l) => l.event === "bound" && l.hoa === h1, 15_000, "H_1 bound again", from);
  assert.equal(rebound.mode, "cga", "re-registered in cga mode");
  const bus = lab.mnEvents(from, (l) => l.event === "bu.sent" && l.hoa === h1).map((l) => l.mode);
  assert.equal(bus[0], "phkt", `first BU phkt (sent: ${bus.join(",")})`);
  assert.ok(bus.includes("cga"), "then a cga-mode BU");
  assert.ok(lab.mn.lines.indexOf(got147) < lab.mn.lines.indexOf(rebound));
  const st = await famaStatus(lab.files.mn.socket);
  const row = (st.bul as any[]).find((r) => norm(r.hoa) === norm(h1));
  assert.equal(row.bound, true);
  assert.equal(row.mode, "cga");
  assert.deepEqual((await famaStatus(dar1Socket)).bindings.map((b: any) => [norm(b.hoa), norm(b.coa)]), [[norm(h1), norm(lab.coa)]]);
  assert.ok((await sink.firstAfter(2, mv3.downNs, mv3.upNs, 10_000)).firstAfter, "flow 2 flows again");
  t.diagnostic(`state deleted: MN sent ${bus.join(", ")} BUs for H_1, got 147, re-bound in ${rebound.mode} mode (status bul row mode ${row.mode})`);
  await udp2.stop();
}));

test("lab with coaTest: true: handovers still work, each after a care-of test (one more round trip)", { skip: notRoot, timeout: 120_000 }, (t) => withLab(t, "t2", { keyFile: key, coaTest: true }, async (lab) => {
  const tour = await Tour.open(lab, { dwellMs: 800, newFlowBytes: 1_000_000, say: (s) => t.diagnostic(s) });
  const s = await tour.run(3);
  assert.equal(s.handovers.length, 3);
  for (const h of s.handovers) {
    assert.ok(h.udpLost < UDP_LOSS_BOUND, `UDP lost ${h.udpLost} in ${line(h)}`);
    assert.notEqual(h.mode, "unanswered", line(h));
  }
  for (const h of s.handovers.slice(0, 2)) {
    assert.equal(h.careOfTest, true, `care-of test before the BU: ${line(h)}`);
    assert.match(h.h1Path, /^tunnelled via DAR1/);
  }
  // the extra round trip, in order: CoTI out, CoT back, then the BU for H_1
  const log = lab.mn.lines;
  const h1 = lab.h1;
  const coti = log.findIndex((l) => l.event === "coti.sent" && l.hoa === h1);
  const cot = log.findIndex((l, i) => i > coti && l.event === "cot.received" && l.hoa === h1);
  const bu = log.findIndex((l, i) => i > cot && l.event === "bu.sent" && l.hoa === h1);
  assert.ok(coti >= 0 && cot > coti && bu > cot, "CoTI -> CoT -> BU");
  assert.equal(s.tcp.intact, true);
  assert.equal(s.tcp.bytesReceived, s.tcp.bytesSent);
  for (let i = 0; i < s.handovers.length; i++) {
    const c = s.handovers[i]!, p = plain[i];
    t.diagnostic(`coaTest ${line(c)}${p ? `  |  plain: ${p.latencyMs} ms, agent bind ${p.bindMs ?? "-"} ms` : ""}`);
  }
}));

const SETPRIV = ["/usr/bin/setpriv", "/usr/sbin/setpriv"].find((p) => existsSync(p));

test("fama lab without root explains what it needs and exits 1", { skip: process.getuid?.() === 0 && !SETPRIV && "as root, needs setpriv to drop privileges", timeout: 30_000 }, async () => {
  const cmd = [process.execPath, "--disable-warning=ExperimentalWarning", CLI_JS, "lab"];
  const child = process.getuid?.() === 0
    ? spawn(SETPRIV!, ["--reuid=65534", "--regid=65534", "--clear-groups", ...cmd], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { err += d; });
  const [code] = await once(child, "exit");
  assert.equal(code, 1, err);
  assert.match(err, /needs root/);
  assert.match(err, /network\s+namespaces/);
});
