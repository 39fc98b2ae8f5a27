// The DAR daemon (host/dar/daemon.ts) without root: the in-memory TUN, a recording network, a
// real core and a real control socket in a temporary directory. Shows that a binding's journal
// entry is on disk before its BA is written to the TUN, that a daemon that vanished without a
// final snapshot is rebuilt by the next one, SIGHUP-style reloads, the status request, and the
// CLI's exit codes for bad configurations and for `fama status` with no daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync, execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { DarDaemon } from "../../host/dar/daemon.js";
import { RecordingDarNet } from "../../host/dar/net.js";
import { JOURNAL_FILE } from "../../host/dar/store.js";
import { readJournal } from "../../host/dar/journal.js";
import { queryDaemon } from "../../host/control/socket.js";
import { parseDarDaemonConfig, type DarDaemonConfig } from "../../host/config/dar.js";
import { fakeTunPair, type FakeTun } from "../../host/tun/fake.js";
import { Logger } from "../../host/log.js";
import { loadCore } from "../../host/wasm.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text, udpPacket } from "../support/packets.js";
import { buildBu, phktOf } from "../support/mobile-node.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const NODE = [process.execPath, "--disable-warning=ExperimentalWarning", CLI];
const ANCHOR = "2001:db8:a:1::1";
const PREFIX = "2001:db8:1::";
const core = loadCore();
const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });
const cga = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr(PREFIX), spki: spkiDer(key), sec: 0 });
const HOA = text(cga.address);
const PARAMS = Buffer.from(cga.params).toString("hex");
const COA = "2001:db8:2::100";

function config(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  // The fake TUN has no access link whose neighbours the DAR could have seen: admission "open"
  // (the on-link policy's own tests are tests/host/sightings.test.ts and tests/e2e/admission.test.ts).
  return { anchor: ANCHOR, prefixes: [`${PREFIX}/64`], tun: "fake1", stateDir: join(dir, "state"), socket: join(dir, "dar.sock"), capacity: 64, admission: { mode: "open" }, ...extra };
}

interface Running { d: DarDaemon; kernel: FakeTun; dev: FakeTun; net: RecordingDarNet; lines: Record<string, unknown>[] }

async function startDaemon(cfg: DarDaemonConfig, opts: { configPath?: string; controlSocket?: boolean; onWrite?: () => void } = {}): Promise<Running> {
  const [kernel, dev] = fakeTunPair("kernel", "fake1");
  if (opts.onWrite) {
    const write = dev.write.bind(dev);
    dev.write = (buf, off, len) => { opts.onWrite!(); return write(buf, off, len); };
  }
  const net = new RecordingDarNet();
  const lines: Record<string, unknown>[] = [];
  const log = new Logger({ format: "json", write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const d = new DarDaemon({ config: cfg, configPath: opts.configPath, log, openTun: async () => dev, net: () => net, controlSocket: opts.controlSocket, tickMs: 50 });
  await d.start();
  return { d, kernel, dev, net, lines };
}

/** Sends a packet into the daemon's TUN and waits for what it writes back (or null). */
async function exchange(r: Running, p: Uint8Array, waitMs = 2000): Promise<Uint8Array | null> {
  r.kernel.drain();
  r.kernel.write(p, 0, p.length);
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    const got = r.kernel.drain();
    if (got.length) return got[0]!;
    await new Promise((res) => setTimeout(res, 5));
  }
  return null;
}
const statusOf = (p: Uint8Array | null) => { const d = p && decodePacket(core, p); return d && d.ok && d.mh ? d.mh.status : null; };

test("daemon: the BA leaves only after its binding is in the journal; a successor rebuilds it; status over the socket", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-daemon-"));
  const running: Running[] = [];
  try {
    const cfg = parseDarDaemonConfig(config(dir));
    const journalPath = join(cfg.stateDir, JOURNAL_FILE);
    const journaledAtWrite: number[] = [];
    const a = await startDaemon({ ...cfg, socket: join(dir, "a.sock") }, { controlSocket: false, onWrite: () => journaledAtWrite.push(readJournal(journalPath).entries.length) });
    running.push(a);
    assert.deepEqual(a.net.calls, ["up"]);
    const ba = await exchange(a, buildBu(core, { coa: COA, anchor: ANCHOR, hoa: HOA, seq: 1, lifetime: 25, cga: { key, params: PARAMS } }));
    assert.equal(statusOf(ba), 0);
    const phkt = phktOf(ba!, key)!;
    assert.ok(phkt);
    assert.deepEqual(journaledAtWrite, [1], "the journal held the binding when the BA was written");
    assert.ok(a.lines.some((l) => l.event === "binding.added" && l.hoa === HOA && l.coa === COA && l.lifetime === 100));
    assert.ok(a.net.hoas.has(HOA));
    assert.ok(!JSON.stringify(a.lines).includes(Buffer.from(phkt).toString("hex")), "no PHKT in the logs");
    // A refresh (no event) is journaled too.
    assert.equal(statusOf(await exchange(a, buildBu(core, { coa: COA, anchor: ANCHOR, hoa: HOA, seq: 2, lifetime: 75, phkt }))), 0);
    assert.deepEqual(journaledAtWrite, [1, 2]);
    assert.equal(statSync(journalPath).mode & 0o777, 0o600);

    // The process "vanishes" (no final snapshot): stop its loop and let its files go.
    await a.d.dataplane.stop();
    a.d.store.close();
    running.pop();

    const b = await startDaemon(cfg);
    running.push(b);
    assert.deepEqual(b.net.calls, ["up", `added ${HOA}`], "route for the restored binding");
    const st = await queryDaemon(cfg.socket, { cmd: "status" });
    assert.equal(st.role, "dar");
    assert.equal(st.anchor, ANCHOR);
    const bindings = st.bindings as { hoa: string; coa: string; seq: number; lifetime: number; hasPhkt: boolean }[];
    assert.deepEqual(bindings.map((x) => [x.hoa, x.coa, x.seq, x.lifetime, x.hasPhkt]), [[HOA, COA, 2, 300, true]]);
    assert.equal(statSync(cfg.socket).mode & 0o777, 0o600);
    // The restored PHKT authorizes the next phkt-mode BU; data to the HoA is tunnelled.
    assert.equal(statusOf(await exchange(b, buildBu(core, { coa: COA, anchor: ANCHOR, hoa: HOA, seq: 3, lifetime: 75, phkt }))), 0);
    const enc = await exchange(b, udpPacket("2001:db8:c::2", HOA, 20));
    assert.ok(enc && enc[6] === 41 && text(enc, 8) === ANCHOR && text(enc, 24) === COA, "encapsulated from the anchor to the CoA");
    const st2 = await queryDaemon(cfg.socket, { cmd: "status" });
    assert.equal((st2.counters as Record<string, number>).encap, 1);
    assert.deepEqual(await queryDaemon(cfg.socket, { cmd: "nope" }), { error: 'unknown cmd "nope" (known: status, ping)' });
    // A second daemon on the same socket is refused.
    await assert.rejects(startDaemon(cfg), /another daemon is listening/);

    // `fama status` against it: JSON and the table.
    const j = await cliAsync(["status", "--socket", cfg.socket, "--json"]);
    assert.equal(j.status, 0, j.stderr);
    assert.equal((JSON.parse(j.stdout) as { role: string }).role, "dar");
    const t = await cliAsync(["status", "--socket", cfg.socket]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`^DAR anchor ${ANCHOR}`));
    assert.match(t.stdout, new RegExp(`${HOA.replace(/:/g, ":")}\\s+${COA}\\s+3\\s+300`));

    // Clean stop: snapshot written, journal emptied, network removed, socket gone.
    await b.d.stop("test");
    running.pop();
    assert.deepEqual(b.net.calls.at(-1), "down");
    assert.equal(readJournal(journalPath).entries.length, 0);
    assert.throws(() => statSync(cfg.socket));
    const c = await startDaemon(cfg, { controlSocket: false });
    running.push(c);
    assert.deepEqual(c.d.dar.bindings().map((x) => [x.hoa, x.seq]), [[HOA, 3]]);
  } finally {
    for (const r of running) { try { await r.d.stop("cleanup"); } catch { /* reported by the test */ } }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("daemon: reload keeps the old configuration when the new one is bad or changes a restart-only key", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-daemon-"));
  const path = join(dir, "dar.json");
  const base = config(dir);
  writeFileSync(path, JSON.stringify(base));
  const r = await startDaemon(parseDarDaemonConfig(base), { configPath: path, controlSocket: false });
  try {
    const errors = () => r.lines.filter((l) => l.event === "config.reload_failed").map((l) => String(l.error));
    writeFileSync(path, JSON.stringify({ ...base, minSec: 9 }));
    assert.equal(r.d.reload(), false);
    assert.match(errors().at(-1)!, /"minSec" must be an integer from 0 to 7/);
    writeFileSync(path, "{");
    assert.equal(r.d.reload(), false);
    assert.match(errors().at(-1)!, /not valid JSON/);
    writeFileSync(path, JSON.stringify({ ...base, anchor: "2001:db8:a:1::2" }));
    assert.equal(r.d.reload(), false);
    assert.match(errors().at(-1)!, /anchor cannot change at runtime/);
    assert.equal(r.d.cfg.minSec, 0);
    writeFileSync(path, JSON.stringify({ ...base, minSec: 1, coaTest: true }));
    assert.equal(r.d.reload(), true);
    assert.equal(r.d.cfg.minSec, 1);
    assert.deepEqual(r.lines.find((l) => l.event === "config.reloaded")?.changed, ["minSec", "coaTest"]);
    // minSec 1 now applies in the core: the Sec 0 CGA is refused (148, step 4)...
    const bu = (seq: number) => buildBu(core, { coa: COA, anchor: ANCHOR, hoa: HOA, seq, lifetime: 25, cga: { key, params: PARAMS } });
    assert.equal(statusOf(await exchange(r, bu(1))), 148);
    // ... and with minSec back to 0, coaTest: a BU without a care-of nonce gets 137 (step 6).
    writeFileSync(path, JSON.stringify({ ...base, coaTest: true }));
    assert.equal(r.d.reload(), true);
    assert.equal(statusOf(await exchange(r, bu(2))), 137);
  } finally {
    await r.d.stop("test");
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The CLI without blocking this process's event loop (the daemon under test lives in it). */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE[0]!, [...NODE.slice(1), ...args], { encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function cli(args: string[]) {
  return spawnSync(NODE[0]!, [...NODE.slice(1), ...args], { encoding: "utf8" });
}

function withConfigDir(run: (dir: string, write: (name: string, v: unknown) => string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "fama-daemon-"));
  try {
    run(dir, (name, v) => { const p = join(dir, name); writeFileSync(p, typeof v === "string" ? v : JSON.stringify(v)); return p; });
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

const badDaemonConfigs: [string, (dir: string) => unknown, RegExp][] = [
  ["an unknown key", (dir) => ({ ...config(dir), tunnel: "x" }), /unknown key "tunnel" \(allowed: .*routeTable/],
  ["a reserved routeTable", (dir) => ({ ...config(dir), routeTable: 254 }), /"routeTable" must not be a reserved table/],
  ["rulePriority out of range", (dir) => ({ ...config(dir), rulePriority: 40000 }), /"rulePriority" must be an integer from 1 to 32765, not 40000/],
  ["a tun name too long", (dir) => ({ ...config(dir), tun: "this-name-is-too-long" }), /"tun" must be a Linux interface name/],
  ["a socket path too long", (dir) => ({ ...config(dir), socket: `/tmp/${"x".repeat(120)}` }), /"socket" must be a path of at most 107 bytes/],
  ["compactSeconds 0", (dir) => ({ ...config(dir), compactSeconds: 0 }), /"compactSeconds" must be an integer from 1 to 86400, not 0/],
  ["a multicast anchor", (dir) => ({ ...config(dir), anchor: "ff02::1" }), /"anchor" must be a unicast address/],
  ["no prefixes", (dir) => ({ ...config(dir), prefixes: [] }), /"prefixes" must be a list/],
  ["a JSON array", () => "[1,2]", /must hold a JSON object/],
];
for (const [what, make, msg] of badDaemonConfigs) {
  test(`cli: a config with ${what} is a clear error, exit 1`, () => {
    withConfigDir((dir, write) => {
      const r = cli(["dar", "--config", write("c.json", make(dir))]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, msg);
      assert.match(r.stderr, /^fama: /);
    });
  });
}

test("cli: a tunnelMtu beyond the core's slots is refused before anything is created, exit 1", () => {
  withConfigDir((dir, write) => {
    const big = cli(["dar", "--config", write("big.json", { ...config(dir), tunnelMtu: 1900 })]);
    assert.equal(big.status, 1);
    assert.match(big.stderr, /"tunnelMtu" 1900 \+ 40 .* at most 1880/);
  });
});

test("cli: dar without --config is a usage error, exit 2", () => {
  assert.equal(cli(["dar"]).status, 2);
  assert.match(cli(["dar"]).stderr, /--config is required/);
});

test("cli: dar with an unknown option is a usage error, exit 2", () => {
  assert.equal(cli(["dar", "--config", "x", "--bogus"]).status, 2);
});

test("cli: dar with an unknown --log format is a usage error, exit 2", () => {
  assert.equal(cli(["dar", "--config", "x", "--log", "xml"]).status, 2);
});

test("cli: dar with a missing config file exits 1", () => {
  withConfigDir((dir) => {
    assert.equal(cli(["dar", "--config", join(dir, "absent.json")]).status, 1);
  });
});

test("cli: status without a daemon exits 1 and says why", () => {
  withConfigDir((dir) => {
    const none = cli(["status", "--socket", join(dir, "none.sock")]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no daemon answers on .*none\.sock \(ENOENT\)/);
  });
});

test("cli: status with an extra argument is a usage error, exit 2", () => {
  assert.equal(cli(["status", "extra"]).status, 2);
});
