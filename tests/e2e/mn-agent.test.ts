// The MN agent as a process in the lab's namespaces (host/lab/topology.ts) with two DARs run by
// a small harness in this process (a DAR core + the data-plane loop on a TUN in each DAR's
// namespace + TunRoutes). The agent detects the link-up, installs its CoA, default route,
// tc redirect, forwarding, and after a move the policy rule for the kept HoA; a TCP connection
// bound to the first HoA keeps working across DAR1 -> DAR2 -> DAR1; `fama status`/`fama mn keep`
// talk to it; SIGTERM removes everything it installed. A second case: the other control requests
// (unkeep, release and its deregistration, errors) and a SIGHUP reload. Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, copyFileSync, chmodSync, rmSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Topology, PLAN } from "../../host/lab/topology.js";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { openTun } from "../../host/tun/linux.js";
import { TunRoutes } from "../../host/net/routes.js";
import { Dataplane } from "../../host/dataplane.js";
import { netnsExec, netnsList, linkSetNetns, ip } from "../../host/net/ip.js";
import { queryDaemon } from "../../host/control/socket.js";
import { REPO_ROOT, VECTORS_DIR } from "../../host/paths.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, TUN, tc)";
const tag = `fmn${process.pid % 10000}`;
const CLI = join(REPO_ROOT, "build", "js", "host", "cli.js");
const NODE = [process.execPath, "--disable-warning=ExperimentalWarning"];

interface DarHarness { dar: Dar; plane: Dataplane; routes: TunRoutes }

async function startDar(topo: Topology, k: number): Promise<DarHarness> {
  const ns = topo.darNs(k);
  const dar = new Dar(loadCore());
  dar.configure({ ...parseDarConfig({ anchor: PLAN.anchor(k), prefixes: [PLAN.prefix(k)], maxLifetime: 600 }), capacity: 64 });
  const tun = await openTun({ name: `${tag}d${k}`, netns: ns, mtu: 1500, txqueuelen: 1000 });
  const routes = await TunRoutes.open({ dev: tun.name, ns });
  routes.addAnchor(PLAN.anchor(k));
  const route = () => { if (dar.eventCount() > 0) routes.onEvents(dar.drainEvents()); };
  const plane = new Dataplane({ tun, core: dar, tickMs: 200, afterBatch: route, afterTick: route });
  const done = plane.run();
  topo.defer(`dar${k} harness`, async () => { await plane.stop(); await done; routes.close(); tun.close(); }, () => tun.close());
  return { dar, plane, routes };
}

/** Link-up at DAR k as the lab does it, but without the lab's own address and route: the
 *  agent installs those (Topology.attach with address null cannot add the default route). */
async function move(topo: Topology, k: number): Promise<void> {
  await topo.detach();
  await linkSetNetns(topo.mnDev(k), topo.ns.mn, topo.ns.air);
  await ip(["link", "set", "dev", topo.mnDev(k), "up"], topo.ns.mn);
  topo.attachedTo = k;
}

/** Collects a child's JSON log lines; waitFor resolves with the first matching line. */
class Lines {
  readonly all: Record<string, unknown>[] = [];
  private waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  constructor(stream: NodeJS.ReadableStream, readonly raw: string[] = []) {
    createInterface({ input: stream }).on("line", (line) => {
      raw.push(line);
      let j: Record<string, unknown>;
      try { j = JSON.parse(line) as Record<string, unknown>; } catch { return; }
      this.all.push(j);
      this.waiters = this.waiters.filter((w) => { if (w.pred(j)) { w.resolve(j); return false; } return true; });
    });
  }
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms: number, what: string, from = 0): Promise<Record<string, unknown>> {
    const seen = this.all.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; log:\n${this.raw.slice(-30).join("\n")}`)), ms);
      this.waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
    });
  }
}

/** The agent's config for the topology's two DARs (written into `dir`), with `extra` on top. */
function agentConfig(topo: Topology, dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const key = join(dir, "mn.key");
  if (!existsSync(key)) {
    copyFileSync(join(VECTORS_DIR, "keys", "mn-a-rsa1024.pem"), key);
    chmodSync(key, 0o600);
  }
  return {
    key, state: join(dir, "mn.state"), sec: 1, tun: `${tag}m0`, socket: join(dir, "mn.sock"), lifetime: 120,
    keep: { idleTimeoutS: 600, intervalMs: 500 },
    interfaces: [1, 2].map((k) => ({ name: topo.mnDev(k), prefix: PLAN.prefix(k), anchor: PLAN.anchor(k), gateway: PLAN.darAccess(k) })),
    ...extra,
  };
}

/** `fama mn --config` in the MN's namespace, started (its JSON log on stderr). */
async function startAgent(topo: Topology, dir: string, children: ChildProcess[]): Promise<{ socket: string; cfgPath: string; agent: ChildProcess; log: Lines }> {
  const cfgPath = join(dir, "mn.json");
  const cfg = agentConfig(topo, dir);
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const agent = spawn("ip", ["netns", "exec", topo.ns.mn, ...NODE, CLI, "mn", "--config", cfgPath, "--log", "json"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(agent);
  const log = new Lines(agent.stderr!);
  await log.waitFor((l) => l.event === "mn.started", 20_000, "mn.started");
  return { socket: cfg.socket as string, cfgPath, agent, log };
}

/** Runs the CLI (a client command: the socket path reaches across namespaces). */
function fama(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(NODE[0]!, [NODE[1]!, CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    c.stdout!.on("data", (d) => { out += d; });
    c.stderr!.on("data", (d) => { err += d; });
    c.on("exit", (code) => resolve({ code, out, err }));
  });
}

const SERVER = `
import net from "node:net";
net.createServer((s) => s.pipe(s)).listen(7000, "::", () => console.log("ready"));
`;
const CLIENT = `
import net from "node:net";
import { createInterface } from "node:readline";
const [host, local] = process.argv.slice(2);
const s = net.connect({ host, port: 7000, localAddress: local }, () => console.log("connected " + s.localAddress));
s.setEncoding("utf8");
let buf = "";
s.on("data", (d) => { buf += d; let i; while ((i = buf.indexOf("\\n")) >= 0) { console.log("echo " + buf.slice(0, i)); buf = buf.slice(i + 1); } });
s.on("error", (e) => console.log("error " + e.message));
createInterface({ input: process.stdin }).on("line", (l) => s.write(l + "\\n"));
`;

test("the MN agent attaches, keeps a HoA across moves (socket still works), answers status/keep, and cleans up on SIGTERM", { skip: notRoot, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fama-mn-e2e-"));
  const topo = await Topology.build({ prefix: `${tag}-`, dars: 2, anchors: "none", attach: 0 });
  const children: ChildProcess[] = [];
  topo.defer("children", () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL"); });
  try {
    await startDar(topo, 1);
    const dar2 = await startDar(topo, 2);
    const { socket, agent, log } = await startAgent(topo, dir, children);

    // ---- link-up at DAR1
    await move(topo, 1);
    const a1 = await log.waitFor((l) => l.event === "attached" && l.dev === "acc1", 10_000, "attached acc1");
    const h1 = a1.coa as string;
    assert.ok(h1.startsWith("2001:db8:1:"), h1);
    const mnIp = async (...args: string[]) => (await netnsExec(topo.ns.mn, "ip", args)).stdout;
    assert.match(await mnIp("-6", "addr", "show", "dev", "acc1"), new RegExp(`${h1}/64`));
    assert.match(await mnIp("-6", "addr", "show", "dev", "lo"), new RegExp(`${h1}/128`));
    assert.match(await mnIp("-6", "route", "show", "default"), /via 2001:db8:1::1 dev acc1/);
    const tc1 = (await netnsExec(topo.ns.mn, "tc", ["filter", "show", "dev", "acc1", "ingress"])).stdout;
    assert.equal((tc1.match(/mirred/g) ?? []).length, 6, tc1); // 2 anchors x (41, 43, 135)
    assert.equal((await netnsExec(topo.ns.mn, "sysctl", ["-n", "net.ipv6.conf.all.forwarding"])).stdout.trim(), "1");

    // ---- a TCP session from H_1 to the CN
    writeFileSync(join(dir, "server.mjs"), SERVER);
    writeFileSync(join(dir, "client.mjs"), CLIENT);
    const server = spawn("ip", ["netns", "exec", topo.ns.cn, ...NODE, join(dir, "server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(server);
    await new Lines(server.stdout!).waitFor(() => true, 10_000, "server ready").catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    const client = spawn("ip", ["netns", "exec", topo.ns.mn, ...NODE, join(dir, "client.mjs"), PLAN.cn, h1], { stdio: ["pipe", "pipe", "inherit"] });
    children.push(client);
    const cl: string[] = [];
    const clientLines = new Lines(client.stdout!, cl);
    const echoed = (x: string) => new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const check = setInterval(() => {
        if (cl.includes(`echo ${x}`)) { clearInterval(check); resolve(); }
        else if (Date.now() - t0 > 15_000) { clearInterval(check); reject(new Error(`no echo of ${x}: ${cl.join(" | ")}`)); }
      }, 20);
    });
    void clientLines;
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const check = setInterval(() => { if (cl.some((l) => l.startsWith("connected"))) { clearInterval(check); resolve(); } else if (Date.now() - t0 > 10_000) { clearInterval(check); reject(new Error(`client: ${cl.join(" | ")}`)); } }, 20);
    });
    client.stdin!.write("one\n");
    await echoed("one");

    // ---- move to DAR2: H_1 kept through DAR1
    const from = log.all.length;
    await move(topo, 2);
    const a2 = await log.waitFor((l) => l.event === "attached" && l.dev === "acc2", 10_000, "attached acc2", from);
    const h2 = a2.coa as string;
    assert.deepEqual(a2.kept, [h1]);
    const bound = await log.waitFor((l) => l.event === "bound" && l.hoa === h1, 10_000, "bound H_1", from);
    assert.equal(typeof bound.handoverMs, "number");
    assert.equal(bound.mode, "cga");
    const rules = await mnIp("-6", "rule", "show");
    assert.match(rules, new RegExp(`from ${h1} lookup 100`), rules);
    assert.match(await mnIp("-6", "addr", "show", "dev", "lo"), new RegExp(`${h1}/128`), "H_1 stays local after its link left");
    const tc2 = (await netnsExec(topo.ns.mn, "tc", ["filter", "show", "dev", "acc2", "ingress"])).stdout;
    assert.equal((tc2.match(/mirred/g) ?? []).length, 6, tc2);
    client.stdin!.write("two\n");
    await echoed("two");
    // a new flow uses the DAR2 address directly
    assert.match((await mnIp("-6", "route", "get", PLAN.cn)), new RegExp(`src ${h2}`));

    // ---- status and keep over the control socket / CLI
    const st = await queryDaemon(socket, { cmd: "status" });
    assert.equal(st.role, "mn");
    assert.equal(st.coa, h2);
    const bul = st.bul as Record<string, unknown>[];
    assert.equal(bul.length, 2);
    const row1 = bul.find((r) => r.hoa === h1)!;
    assert.equal(row1.bound, true);
    assert.ok((row1.pktsEncap as number) > 0 && (row1.pktsDecap as number) > 0, JSON.stringify(row1));
    const keep = await fama("mn", "keep", h2, "--socket", socket);
    assert.equal(keep.code, 0, keep.out);
    assert.deepEqual(JSON.parse(keep.out).pins, [h2]);

    // ---- back home at DAR1: H_1 deregistered there, no rule, the socket still works (direct)
    const from3 = log.all.length;
    await move(topo, 1);
    await log.waitFor((l) => l.event === "home" && l.hoa === h1, 10_000, "home H_1", from3);
    await log.waitFor((l) => l.event === "bound" && l.hoa === h2, 10_000, "bound H_2", from3);
    assert.doesNotMatch(await mnIp("-6", "rule", "show"), new RegExp(`from ${h1} `));
    assert.match(await mnIp("-6", "rule", "show"), new RegExp(`from ${h2} lookup 100`));
    client.stdin!.write("three\n");
    await echoed("three");
    assert.equal(dar2.dar.bindings().length, 1, "DAR2 keeps H_2 for the MN");

    if (process.env.FAMA_MN_E2E_DEBUG) for (const l of log.all) t.diagnostic(JSON.stringify(l));
    for (const l of log.all.filter((x) => x.event === "attached" || x.event === "bound")) {
      t.diagnostic(`${l.event} ${l.dev ?? l.hoa} ${l.event === "attached" ? `BUs out after ${l.busAfterMs} ms, setup ${l.setupMs} ms` : `${l.mode} handover ${l.handoverMs} ms`}`);
    }

    // ---- SIGTERM: clean exit, everything removed, state written
    const exit = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
    agent.kill("SIGTERM");
    assert.equal(await exit, 0, log.raw.slice(-10).join("\n"));
    const after = [await mnIp("-6", "rule", "show"), await mnIp("-6", "addr", "show"), await mnIp("link", "show")].join("\n");
    assert.doesNotMatch(after, /lookup 100/);
    assert.doesNotMatch(after, new RegExp(`${h1}|${h2}`));
    assert.doesNotMatch(after, new RegExp(`${tag}m0`));
    assert.equal((await mnIp("-6", "route", "show", "table", "100").catch(() => "")).trim(), "");
    assert.doesNotMatch((await netnsExec(topo.ns.mn, "tc", ["qdisc", "show", "dev", "acc1"])).stdout, /clsact/);
    assert.equal((await netnsExec(topo.ns.mn, "sysctl", ["-n", "net.ipv6.conf.all.forwarding"])).stdout.trim(), "0");
    const state = JSON.parse(readFileSync(join(dir, "mn.state"), "utf8"));
    assert.equal(state.sites.length, 2);
    assert.deepEqual(state.pins, [h2]);
    assert.ok(!existsSync(socket));
  } finally {
    await topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const left = (await netnsList()).filter((n) => n.startsWith(`${tag}-`));
  assert.deepEqual(left, []);
});

test("the MN agent's control requests and SIGHUP: unkeep, release (deregistered, kernel state dropped), reload", { skip: notRoot, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-mn-e2e-"));
  const topo = await Topology.build({ prefix: `${tag}r-`, dars: 2, anchors: "none", attach: 0 });
  const children: ChildProcess[] = [];
  topo.defer("children", () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL"); });
  try {
    const dar1 = await startDar(topo, 1);
    await startDar(topo, 2);
    const { socket, cfgPath, agent, log } = await startAgent(topo, dir, children);
    await move(topo, 1);
    const h1 = (await log.waitFor((l) => l.event === "attached" && l.dev === "acc1", 10_000, "attached acc1")).coa as string;
    const from = log.all.length;
    await move(topo, 2);
    await log.waitFor((l) => l.event === "bound" && l.hoa === h1, 10_000, "bound H_1", from);
    const mnIp = async (...args: string[]) => (await netnsExec(topo.ns.mn, "ip", args)).stdout;
    assert.match(await mnIp("-6", "rule", "show"), new RegExp(`from ${h1} lookup 100`));
    assert.equal(dar1.dar.bindings().length, 1);

    // ---- pins: unkeep of an address never pinned removes nothing; keep, then unkeep
    assert.deepEqual(await queryDaemon(socket, { cmd: "unkeep", address: h1 }), { ok: true, removed: false, pins: [] });
    assert.deepEqual(await queryDaemon(socket, { cmd: "keep", address: h1 }), { ok: true, pins: [h1] });
    const unkeep = await fama("mn", "unkeep", h1, "--socket", socket);
    assert.equal(unkeep.code, 0, unkeep.err);
    assert.deepEqual(JSON.parse(unkeep.out), { ok: true, removed: true, pins: [] });
    assert.deepEqual(await queryDaemon(socket, { cmd: "keep", address: "not-an-address" }), { error: `"address" must be an IPv6 address` });
    assert.deepEqual(await queryDaemon(socket, { cmd: "frobnicate" }), { error: `unknown cmd "frobnicate" (status, keep, unkeep, release, ping)` });

    // ---- SIGHUP: a new keep interval is taken, a new Sec needs a restart
    const fromHup = log.all.length;
    writeFileSync(cfgPath, JSON.stringify(agentConfig(topo, dir, { sec: 2, keep: { idleTimeoutS: 600, intervalMs: 700 } })));
    agent.kill("SIGHUP");
    const restart = await log.waitFor((l) => l.event === "config.restart_needed", 10_000, "config.restart_needed", fromHup);
    assert.deepEqual(restart.settings, ["sec"]);
    await log.waitFor((l) => l.event === "config.reloaded", 10_000, "config.reloaded", fromHup);
    assert.equal((await queryDaemon(socket, { cmd: "ping" })).role, "mn");

    // ---- release: an unknown address is refused; H_1 is deregistered at DAR1 and its kernel state goes
    const unknown = await fama("mn", "release", "2001:db8:ffff::1", "--socket", socket);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /2001:db8:ffff::1 is not a kept address/);
    const fromRelease = log.all.length;
    const release = await fama("mn", "release", h1, "--socket", socket);
    assert.equal(release.code, 0, release.err);
    assert.deepEqual(JSON.parse(release.out), { ok: true });
    await log.waitFor((l) => l.event === "address.released" && l.hoa === h1, 10_000, "address.released H_1", fromRelease);
    assert.equal(dar1.dar.bindings().length, 0, "DAR1 dropped the binding");
    const gone = async () => !(await mnIp("-6", "rule", "show")).includes(h1) && !(await mnIp("-6", "addr", "show", "dev", "lo")).includes(h1);
    for (let i = 0; i < 100 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await gone(), "no rule, no lo copy for H_1");
    const st = await queryDaemon(socket, { cmd: "status" });
    assert.deepEqual((st.bul as Record<string, unknown>[]).map((r) => r.hoa), [st.coa]);

    const exit = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
    agent.kill("SIGTERM");
    assert.equal(await exit, 0, log.raw.slice(-10).join("\n"));
    const state = JSON.parse(readFileSync(join(dir, "mn.state"), "utf8"));
    assert.deepEqual(state.sites.map((x: { hoa: string }) => x.hoa), [st.coa]);
    assert.equal(state.sec, 1, "Sec stays until a restart");
  } finally {
    await topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const left = (await netnsList()).filter((n) => n.startsWith(`${tag}r-`));
  assert.deepEqual(left, []);
});
