// `fama dar` as a real process in DAR1's namespace of the lab (anchors "none": the daemon routes
// A_1 into its TUN), driven from the MN's namespace with raw packets (root only):
//   * a cga-mode BU (tests/support/mobile-node.ts) sent through an IPPROTO_RAW socket; the BA is
//     captured with an AF_PACKET socket on the MN's link, before the MN's kernel (which has no
//     MIP6 and would answer its Type 2 Routing Header with Parameter Problem) sees it;
//     status 0, PHKT decrypted with the MN's key;
//   * a UDP packet from the CN to the HoA arrives at the MN encapsulated, outer source A_1;
//   * a tunnel packet with a wrong outer source is dropped (`spoofed` in `fama status --json`);
//   * SIGKILL, restart: the binding is still there (status, and traffic still encapsulated);
//   * the BU arrives on the signalling TUN (diverted there by tc), the reverse tunnel on the data TUN;
//     nothing else arrives there and its queue drops nothing;
//   * SIGTERM: exit 0, TUNs, rule, routes and divert filters gone; snapshot and journal deleted, restart: a
//     phkt-mode BU gets BA 147.
// Everything lives in namespaces the test creates and removes (also on failure).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Topology, PLAN } from "../../host/lab/topology.js";
import { ip, netnsList } from "../../host/net/ip.js";
import { loadCore } from "../../host/wasm.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text, udpPacket, encapsulate } from "../support/packets.js";
import { buildBu, phktOf } from "../support/mobile-node.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const PY = "/usr/bin/python3";
const hasPython = existsSync(PY);

// Sends argv[4] (hex, or "-") as a complete IPv6 packet through an IPPROTO_RAW socket (the kernel
// routes it and adds nothing), after opening an AF_PACKET socket on argv[1]; prints "ready",
// then the hex of the first IPv6 packet on that link whose source is argv[2]; exit 3 on timeout.
const CAPTURE_PY = `
import socket, sys, time, select
iface, src, timeout, send = sys.argv[1], socket.inet_pton(socket.AF_INET6, sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
rx.bind((iface, 0))
print("ready", flush=True)
if send != "-":
    pkt = bytes.fromhex(send)
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    tx.sendto(pkt, (socket.inet_ntop(socket.AF_INET6, pkt[24:40]), 0))
end = time.time() + timeout
while time.time() < end:
    r, _, _ = select.select([rx], [], [], max(0, end - time.time()))
    if not r: break
    frame, meta = rx.recvfrom(65535)
    if meta[2] == socket.PACKET_OUTGOING: continue
    p = frame[14:]
    if len(p) >= 40 and p[0] >> 4 == 6 and p[8:24] == src:
        print(p.hex(), flush=True)
        sys.exit(0)
sys.exit(3)
`;

// Sends one UDP datagram (argv[2] bytes of payload "x") to argv[1] port 9999, every 100 ms, argv[3] times.
const UDP_PY = `
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"x" * int(sys.argv[2]), (sys.argv[1], 9999))
    time.sleep(0.1)
`;

function execIn(ns: string, file: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ip", ["netns", "exec", ns, file, ...args], { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts a capture on the MN's link (sending `send` first, if given); resolves with the first packet from `src`. */
async function capture(topo: Topology, src: string, opts: { send?: Uint8Array; whileWaiting?: () => Promise<unknown>; timeoutS?: number } = {}): Promise<Uint8Array | null> {
  const dev = topo.mnDev(topo.attachedTo);
  const child = spawn("ip", ["netns", "exec", topo.ns.mn, PY, "-c", CAPTURE_PY, dev, src, String(opts.timeoutS ?? 5), opts.send ? Buffer.from(opts.send).toString("hex") : "-"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { err += d; });
  const exited = once(child, "exit");
  while (!out.includes("ready\n") && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  if (opts.whileWaiting) await opts.whileWaiting();
  const [code] = await exited;
  if (code !== 0 && code !== 3) throw new Error(`capture failed (${code}): ${err}`);
  const hex = out.split("\n").find((l) => /^[0-9a-f]{80,}$/.test(l));
  return hex ? new Uint8Array(Buffer.from(hex, "hex")) : null;
}

interface Daemon { child: ChildProcess; log: () => string; lines: () => Record<string, unknown>[] }

function startDar(topo: Topology, configPath: string): Daemon {
  const child = topo.netScope.spawn(topo.darNs(1), process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "dar", "--config", configPath, "--log", "json"]);
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { log += d; });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { log += d; });
  const lines = () => log.split("\n").flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } });
  return { child, log: () => log, lines };
}

async function waitFor(cond: () => boolean, ms: number, what: string, detail: () => string = () => ""): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function started(d: Daemon): Promise<void> {
  await waitFor(() => d.lines().some((l) => l.event === "dar.started") || d.child.exitCode !== null, 20_000, "dar.started", d.log);
  assert.equal(d.child.exitCode, null, `daemon exited: ${d.log()}`);
}

interface LoopStats { packetsIn: number; packetsSent: number; deferredSlots: number }
async function status(socket: string): Promise<{ bindings: { hoa: string; coa: string; hasPhkt: boolean }[]; counters: Record<string, number>; dataplane: LoopStats; signalling: LoopStats & { tun: string; kernelDrops: number } }> {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "status", "--socket", socket, "--json"], { encoding: "utf8" }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const statusOf = (core: ReturnType<typeof loadCore>, p: Uint8Array | null) => { const d = p && decodePacket(core, p); return d && d.ok && d.mh ? d.mh.status : null; };

test("fama dar in a namespace: cga BU/BA, tunnelled CN traffic, spoofing dropped, SIGKILL keeps the binding, lost state gives 147", { skip: notRoot || (!hasPython && "needs /usr/bin/python3"), timeout: 180_000 }, async () => {
  const prefix = `fama-${process.pid}-dd-`;
  const dir = mkdtempSync(join(tmpdir(), "fama-dar-e2e-"));
  const core = loadCore();
  const topo = await Topology.build({ prefix, dars: 2, anchors: "none", attach: 2 });
  try {
    const anchor = PLAN.anchor(1);
    const coa = PLAN.mnAddress(2);
    const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const cga = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr("2001:db8:1::"), spki: spkiDer(key), sec: 0 });
    const hoa = text(cga.address);
    const params = Buffer.from(cga.params).toString("hex");
    const socket = join(dir, "dar.sock");
    const stateDir = join(dir, "state");
    const configPath = join(dir, "dar1.json");
    // The HoA was never on DAR1's link (the test forms it and sends from DAR2's): admission "open".
    writeFileSync(configPath, JSON.stringify({ anchor, prefixes: [PLAN.prefix(1)], tun: "fama0", stateDir, socket, maxLifetime: 3600, admission: { mode: "open" } }));

    let d = startDar(topo, configPath);
    await started(d);
    // What it installed: the TUN (MTU 1460 + 40, txqueuelen), the rule, the anchor into the TUN.
    const link = (await ip(["-d", "link", "show", "fama0"], topo.darNs(1))).stdout;
    assert.match(link, /mtu 1500 .*qlen 10000/s);
    assert.match((await ip(["-6", "rule", "show"], topo.darNs(1))).stdout, /^1000:\s+not from all iif fama0 lookup 100/m);
    assert.match((await ip(["-6", "route", "show", "table", "100"], topo.darNs(1))).stdout, new RegExp(`^${anchor} dev fama0`, "m"));
    assert.doesNotMatch((await ip(["-6", "addr", "show"], topo.darNs(1))).stdout, new RegExp(anchor), "the anchor is not a local address");
    // The signalling TUN (short queue) and, on every interface, the divert of A_1's BUs and CoTIs into it.
    assert.match((await ip(["-d", "link", "show", "fama0-sig"], topo.darNs(1))).stdout, /mtu 1500 .*qlen 1024/s);
    const filters = async () => (await execIn(topo.darNs(1), "tc", ["filter", "show", "dev", "to-core", "ingress"])).stdout;
    const divertLines = (f: string) => f.split("\n").filter((l) => /Egress Redirect to device fama0-sig\)/.test(l)).length;
    assert.equal(divertLines(await filters()), 2, `BU and CoTI diverted into fama0-sig:\n${await filters()}`);
    assert.doesNotMatch(await filters(), /pref 4903/, "the reverse tunnel of a routed anchor is not diverted");
    const idle = await status(socket);
    // IPv6 is off on it before it goes up: no MLD report of the kernel's own came in, none dropped.
    assert.deepEqual([idle.signalling.packetsIn, idle.signalling.kernelDrops], [0, 0], "nothing of the kernel's own in the signalling TUN");

    // cga-mode BU from the MN at DAR2 to A_1; the BA captured on the MN's link.
    let seq = 1;
    const ba = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa, seq, lifetime: 75, cga: { key, params } }) });
    assert.ok(ba, `no BA\n${d.log()}`);
    assert.equal(statusOf(core, ba), 0);
    assert.equal(text(ba!, 24), coa);
    const afterBu = await status(socket);
    assert.equal(afterBu.signalling.tun, "fama0-sig");
    assert.equal(afterBu.signalling.packetsIn - idle.signalling.packetsIn, 1, "the BU came in on the signalling TUN");
    assert.equal(afterBu.dataplane.deferredSlots - idle.dataplane.deferredSlots, 1, "a cga-mode BU: answered by the deferred call, into the data TUN");
    assert.equal(afterBu.signalling.kernelDrops, 0);
    const phkt = phktOf(ba!, key);
    assert.ok(phkt && phkt.length === 8, "PHKT decrypted with the MN's key");
    await waitFor(() => d.lines().some((l) => l.event === "binding.added" && l.hoa === hoa && l.coa === coa && l.lifetime === 300), 5000, "binding.added log", d.log);
    assert.ok(!d.log().includes(Buffer.from(phkt!).toString("hex")), "the PHKT is never logged");
    assert.match((await ip(["-6", "route", "show", "table", "100"], topo.darNs(1))).stdout, new RegExp(`^${hoa} dev fama0`, "m"));

    /** CN -> HoA UDP, captured at the MN: the encapsulation from A_1. */
    const tunnelled = async () => {
      const p = await capture(topo, anchor, { whileWaiting: () => execIn(topo.ns.cn, PY, ["-c", UDP_PY, hoa, "24", "20"]) , timeoutS: 4 });
      assert.ok(p, "no tunnelled packet at the MN");
      assert.equal(p![6], 41, "outer Next Header 41");
      assert.equal(text(p!, 8), anchor, "outer source A_1");
      assert.equal(text(p!, 24), coa, "outer destination the CoA");
      assert.equal(text(p!, 48), PLAN.cn, "inner source the CN");
      assert.equal(text(p!, 64), hoa, "inner destination the HoA");
      assert.equal(p![46], 17);
    };
    await tunnelled();

    // A tunnel packet whose outer source is not the binding's CoA: dropped and counted.
    const before = await status(socket);
    const spoof = encapsulate("2001:db8:2::666", anchor, udpPacket(hoa, PLAN.cn, 16));
    await capture(topo, "2001:db8:2::666", { send: spoof, timeoutS: 0.5 });
    let after = await status(socket);
    for (let i = 0; i < 40 && after.counters.spoofed === before.counters.spoofed; i++) { await new Promise((r) => setTimeout(r, 50)); after = await status(socket); }
    assert.equal(after.counters.spoofed, before.counters.spoofed + 1, "spoofed counted");
    assert.equal(after.counters.decap, before.counters.decap, "nothing decapsulated");
    assert.ok(after.dataplane.packetsIn > before.dataplane.packetsIn, "the reverse tunnel came in on the data TUN");
    assert.equal(after.signalling.packetsIn, before.signalling.packetsIn, "and not on the signalling TUN");
    assert.deepEqual(after.bindings.map((b) => [b.hoa, b.coa, b.hasPhkt]), [[hoa, coa, true]]);

    // SIGKILL: nothing runs on the way out. The restarted daemon still has the binding.
    d.child.kill("SIGKILL");
    await once(d.child, "exit");
    d = startDar(topo, configPath);
    await started(d);
    const restored = await status(socket);
    assert.deepEqual(restored.bindings.map((b) => [b.hoa, b.coa, b.hasPhkt]), [[hoa, coa, true]], d.log());
    assert.equal((await ip(["-6", "rule", "show"], topo.darNs(1))).stdout.match(/iif fama0 lookup 100/g)?.length, 1, "the stale rule was replaced, not duplicated");
    assert.equal(divertLines(await filters()), 2, "the stale divert filters were replaced, not duplicated");
    await tunnelled();
    // And the PHKT survived: a phkt-mode refresh is accepted.
    const refresh = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa, seq: ++seq, lifetime: 75, phkt: phkt! }) });
    assert.equal(statusOf(core, refresh), 0);

    // SIGTERM: snapshot, clean exit 0, everything it installed removed.
    d.child.kill("SIGTERM");
    const [code] = await once(d.child, "exit");
    assert.equal(code, 0, d.log());
    assert.doesNotMatch((await ip(["-6", "rule", "show"], topo.darNs(1))).stdout, /lookup 100/);
    assert.doesNotMatch((await ip(["link", "show"], topo.darNs(1))).stdout, /fama0/);
    assert.equal(divertLines(await filters()), 0, "the divert filters removed");
    assert.ok(!existsSync(socket), "socket removed");

    // State lost: the DAR no longer knows the PHKT, so a phkt-mode BU gets 147.
    rmSync(join(stateDir, "dar-state.json"));
    rmSync(join(stateDir, "dar.journal"));
    d = startDar(topo, configPath);
    await started(d);
    assert.deepEqual((await status(socket)).bindings, []);
    const lost = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa, seq: ++seq, lifetime: 75, phkt: phkt! }) });
    assert.equal(statusOf(core, lost), 147);
    d.child.kill("SIGTERM");
    assert.equal((await once(d.child, "exit"))[0], 0, d.log());
  } finally {
    await topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});

test("fama dar with the default admission (on-link): an MN its access link saw registers, an unsighted HoA gets 130 before any crypto; sightings survive a restart", { skip: notRoot || (!hasPython && "needs /usr/bin/python3"), timeout: 180_000 }, async () => {
  const core = loadCore();
  await withTopology(`fama-adm-${process.pid}-`, async (topo, dir) => {
    const anchor = PLAN.anchor(1);
    const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const cga = () => {
      const c = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr("2001:db8:1::"), spki: spkiDer(key), sec: 0 });
      return { hoa: text(c.address), params: Buffer.from(c.params).toString("hex") };
    };
    const seen = cga();
    const stranger = cga();
    const socket = join(dir, "dar.sock");
    const stateDir = join(dir, "state");
    const configPath = join(dir, "dar1.json");
    writeFileSync(configPath, JSON.stringify({ anchor, prefixes: [PLAN.prefix(1)], tun: "fama0", stateDir, socket, maxLifetime: 3600 }));
    let d = startDar(topo, configPath);
    await started(d);
    assert.equal((await ip(["netns", "exec", topo.darNs(1), "cat", "/proc/sys/net/ipv6/conf/acc/accept_untracked_na"])).stdout.trim(), "2");

    // The MN on DAR1's link forms `seen` and talks to DAR1: the kernel's neighbour table holds it.
    await ip(["addr", "add", `${seen.hoa}/64`, "dev", topo.mnDev(1), "nodad"], topo.ns.mn);
    assert.ok(await topo.ping(topo.ns.mn, PLAN.darAccess(1), { src: seen.hoa, count: 1, waitS: 3 }), "ping DAR1 from the HoA");
    const sighted = async () => ((await status(socket)) as unknown as { admission: { sightings: number } }).admission.sightings;
    for (let i = 0; i < 100 && (await sighted()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await sighted()) >= 1, `no sighting\n${d.log()}`);

    // It moves to DAR2 and registers `seen` at DAR1 in cga mode; the stranger's valid CGA is refused.
    await topo.attach(2);
    const coa = PLAN.mnAddress(2);
    const ba = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa: seen.hoa, seq: 1, lifetime: 150, cga: { key, params: seen.params } }) });
    assert.equal(statusOf(core, ba), 0, d.log());
    const dba = decodePacket(core, ba!);
    assert.ok(dba.ok && dba.mh);
    assert.equal(dba.mh.lifetime, 15, "probation grant: 60 s");
    const no = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa: stranger.hoa, seq: 1, lifetime: 150, cga: { key, params: stranger.params } }) });
    assert.equal(statusOf(core, no), 130);
    const st = await status(socket);
    assert.deepEqual(st.bindings.map((b) => b.hoa), [seen.hoa]);
    assert.equal(st.counters["admission-unsighted"], 1);
    assert.equal(st.counters["cga-verified"], 1, "only the sighted HoA's signature was verified");
    assert.equal(st.counters["cga-deferred"], 1);

    // SIGTERM and restart with the neighbour entry gone: the sightings file still admits `seen`.
    await terminate(d);
    assert.equal((await ip(["netns", "exec", topo.darNs(1), "cat", "/proc/sys/net/ipv6/conf/acc/accept_untracked_na"])).stdout.trim(), "0", "restored at exit");
    assert.ok(existsSync(join(stateDir, "sightings.bin")));
    await ip(["-6", "neigh", "flush", "dev", "acc"], topo.darNs(1));
    rmSync(join(stateDir, "dar-state.json"));
    rmSync(join(stateDir, "dar.journal"));
    d = startDar(topo, configPath);
    await started(d);
    assert.deepEqual((await status(socket)).bindings, []);
    const again = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa: seen.hoa, seq: 2, lifetime: 150, cga: { key, params: seen.params } }) });
    assert.equal(statusOf(core, again), 0, d.log());
    const again2 = await capture(topo, anchor, { send: buildBu(core, { coa, anchor, hoa: stranger.hoa, seq: 2, lifetime: 150, cga: { key, params: stranger.params } }) });
    assert.equal(statusOf(core, again2), 130);
    await terminate(d);
  });
});

/** SIGTERM, and the daemon's clean exit 0. */
async function terminate(d: Daemon): Promise<void> {
  d.child.kill("SIGTERM");
  assert.equal((await once(d.child, "exit"))[0], 0, d.log());
}

/** `body` in a lab of two DARs (no anchor addresses, MN on DAR1) and a temporary directory, both removed afterwards, also on failure. */
async function withTopology(prefix: string, body: (topo: Topology, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fama-dar-e2e-"));
  const topo = await Topology.build({ prefix, dars: 2, anchors: "none", attach: 1 });
  try {
    await body(topo, dir);
  } finally {
    await topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), [], "no namespace left");
}
