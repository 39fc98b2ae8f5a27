// The sightings feed (host/dar/sightings.ts) into a real core: which neighbour states and
// interfaces count, the per-second bound and the pending bound, a re-dump after lost
// notifications, the sightings file across a restart; and (root) the kernel's own neighbour
// table in a namespace made here: the dump at start, then the notifications.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { parseDarDaemonConfig } from "../../host/config/dar.js";
import { SightingsFeed, kernelNeighbours, type SightingsSource } from "../../host/dar/sightings.js";
import { loadSightingsFile, saveSightingsFile, SIGHTINGS_FILE } from "../../host/dar/sightings-file.js";
import { linksOnPrefixes } from "../../host/dar/access-links.js";
import { NUD, deleteNeighbours, dumpNeighbours, neighbourTableFulls, type Neighbour } from "../../host/net/neighbours.js";
import { Logger } from "../../host/log.js";
import { ip, ipBatch, linkIndex } from "../../host/net/ip.js";
import { parseIPv6, parsePrefix, type Prefix } from "../../host/ipv6.js";
import { withNetScope } from "../support/net-scope.js";

/** Runs `body` in a fresh namespace holding the veth links `devs` (up); returns with the namespace gone. */
async function withLinks(tag: string, devs: readonly string[], body: (ns: string) => Promise<void>): Promise<void> {
  const ns = `fama-sight-${process.pid}-${tag}`;
  await withNetScope(`fama-sight-${tag}`, [ns], async (scope) => {
    await scope.netns(ns);
    for (const dev of devs) {
      await ip(["link", "add", dev, "type", "veth", "peer", "name", `${dev}-peer`], ns);
      await ip(["link", "set", dev, "up"], ns);
    }
    await body(ns);
  });
}

const notRoot = process.getuid?.() !== 0 && "needs root (a network namespace)";
const PREFIX = "2001:db8:1::";

function dar(): Dar {
  const d = new Dar(loadCore());
  d.configure(parseDarDaemonConfig({ anchor: "2001:db8:a:1::1", prefixes: [`${PREFIX}/64`], capacity: 64 }));
  return d;
}
const a = (i: number) => parseIPv6(`${PREFIX}${(i + 1).toString(16)}`)!;

/** Test double of the kernel's neighbour table: a list to dump and a queue of notifications. */
class NeighbourTableDouble implements SightingsSource {
  table: Neighbour[] = [];
  queued: Neighbour[] = [];
  lose = false;
  dumps = 0;
  fulls = 0;
  tableFulls(): number { return this.fulls; }
  dump(): Neighbour[] { this.dumps++; return [...this.table]; }
  events() {
    return {
      read: (out: Neighbour[]) => { out.push(...this.queued); this.queued = []; const r = this.lose ? "lost" as const : "ok" as const; this.lose = false; return r; },
      close: () => {},
    };
  }
}

test("access links by default: the interfaces holding an address inside the prefixes (/proc/net/if_inet6)", () => {
  const ifInet6 = [
    "20010db8000100000000000000000001 03 40 00 80      acc",
    "fe800000000000000000000000000001 03 40 20 80      acc",
    "20010db8000200000000000000000001 04 40 00 80      br-lan",
    "20010db8ff0000000000000000000002 05 40 00 80      wan",
    "00000000000000000000000000000001 01 80 10 80       lo",
    "20010db8000100000000000000000002 06 80 00 80    fama0",
  ].join("\n");
  const prefixes = ["2001:db8:1::/64", "2001:db8:2::/48"].map((p) => parsePrefix(p) as Prefix);
  assert.deepEqual(linksOnPrefixes(prefixes, ifInet6), [{ name: "acc", ifindex: 3 }, { name: "br-lan", ifindex: 4 }, { name: "fama0", ifindex: 6 }]);
  assert.deepEqual(linksOnPrefixes([parsePrefix("2001:db8:9::/64") as Prefix], ifInet6), []);
});

test("feed: sighted states on access interfaces only, inside the prefixes only", () => {
  const d = dar();
  const src = new NeighbourTableDouble();
  const states = [NUD.REACHABLE, NUD.STALE, NUD.DELAY, NUD.PROBE, NUD.PERMANENT, NUD.INCOMPLETE, NUD.FAILED, NUD.NOARP];
  src.table = states.map((state, i) => ({ ifindex: 2, addr: a(i), state }));
  src.table.push({ ifindex: 3, addr: a(100), state: NUD.REACHABLE }); // not an access interface
  src.table.push({ ifindex: 2, addr: parseIPv6("2001:db8:9::1")!, state: NUD.REACHABLE }); // outside the prefixes
  const feed = new SightingsFeed({ dar: d, source: src, isAccess: () => (i) => i === 2, now: () => 1000 });
  feed.start();
  feed.stop();
  const now = 1000;
  assert.deepEqual(states.map((_, i) => d.sighted(a(i), now)), [true, true, true, true, true, false, false, false]);
  assert.equal(d.sighted(a(100), now), false);
  assert.equal(feed.stats.fed, 6);
  assert.equal(feed.stats.recorded, 5, "the address outside the prefixes is not kept");
  assert.equal(d.policyState().sightings, 5);
});

test("feed: at most perSecond addresses a second reach the core, at most maxPending wait; lost notifications bring a dump", () => {
  const d = dar();
  const src = new NeighbourTableDouble();
  src.table = Array.from({ length: 50 }, (_, i) => ({ ifindex: 2, addr: a(i), state: NUD.STALE }));
  let now = 10_000;
  const feed = new SightingsFeed({ dar: d, source: src, isAccess: () => () => true, now: () => now, perSecond: 10, maxPending: 30, redumpMs: 1e9 });
  feed.start();
  assert.equal(feed.stats.fed, 10, "the first second's allowance");
  assert.equal(feed.stats.droppedPending, 20, "50 seen, 30 may wait");
  assert.equal(feed.pendingCount, 20);
  now += 500;
  feed.step();
  assert.equal(feed.stats.fed, 15);
  now += 10_000;
  feed.step();
  assert.equal(feed.stats.fed, 25, "never more than one second's allowance at once");
  now += 1000;
  feed.step();
  assert.equal(feed.stats.fed, 30);
  assert.equal(feed.pendingCount, 0);
  // A notification arrives; then the kernel reports lost ones: the next step dumps again.
  src.queued = [{ ifindex: 2, addr: a(60), state: NUD.REACHABLE }];
  now += 1000;
  feed.step();
  assert.ok(d.sighted(a(60), now));
  const dumps = src.dumps;
  src.lose = true;
  now += 1000;
  feed.step();
  assert.equal(src.dumps, dumps + 1);
  assert.equal(feed.stats.lostNotifications, 1);
  feed.stop();
});

test("feed: the kernel's neighbour-table overflows are counted from the feed's start and warned at most every 10 s", () => {
  const d = dar();
  const src = new NeighbourTableDouble();
  src.fulls = 500; // refusals from before the daemon started are not its concern
  const lines: string[] = [];
  const log = new Logger({ format: "json", write: (l) => lines.push(l) });
  let now = 10_000;
  const feed = new SightingsFeed({ dar: d, source: src, isAccess: () => () => true, now: () => now, log });
  feed.start();
  feed.step();
  assert.equal(feed.stats.kernelTableFulls, 0);
  src.fulls = 530;
  now += 200;
  feed.step();
  src.fulls = 540;
  now += 200;
  feed.step();
  assert.equal(feed.stats.kernelTableFulls, 40);
  const warned = () => lines.filter((l) => l.includes("sightings.kernel_table_full")).map((l) => JSON.parse(l).refused);
  assert.deepEqual(warned(), [30], "one warning in 10 s");
  src.fulls = 541;
  now += 10_000;
  feed.step();
  assert.deepEqual(warned(), [30, 41]);
  feed.stop();
});

test("neighbour table overflows: the table_fulls column of ndisc_cache summed over CPUs; unreadable is -1", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-ndisc-"));
  try {
    const f = join(dir, "ndisc_cache");
    writeFileSync(f, "entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n" +
      "00000249 000c66a5 000c6490 00000004   000112c6 0000f431 000000de   000054a7         000006f0         00000000         0000a900       000168e1            00008f67\n" +
      "00000249 000b803a 000b8006 00000004   00012038 000105ae 000000db   0000551c         0000108e         0000018a         0000d0f9       00013b0a            0000bc7c\n");
    assert.equal(neighbourTableFulls(f), 0x8f67 + 0xbc7c);
    assert.equal(neighbourTableFulls(join(dir, "absent")), -1);
    writeFileSync(f, "entries allocs\n1 2\n");
    assert.equal(neighbourTableFulls(f), -1, "no table_fulls column");
    assert.ok(neighbourTableFulls() >= 0, "this kernel's own file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sightings file: saved with each lastSeen, restored into a fresh core, expired ones left out", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-sightings-"));
  try {
    const d1 = dar();
    d1.addSightings([a(4)], 500_000);
    d1.addSightings([a(1), a(2)], 1_000_000);
    d1.addSightings([a(3)], 4_000_000);
    // At 4,500,000 ms: a(4) is 4000 s old (expired: 3600 s), a(1) and a(2) 3500 s, a(3) 500 s.
    assert.equal(saveSightingsFile(d1, dir, 4_500_000), 24 * 3);
    const d2 = dar();
    assert.equal(loadSightingsFile(d2, dir), 3);
    assert.equal(d2.sighted(a(1), 4_600_000), true, "kept its original time, not the restore time");
    assert.equal(d2.sighted(a(1), 4_600_001), false);
    assert.equal(d2.sighted(a(3), 7_600_000), true);
    assert.equal(d2.sighted(a(4), 600_000), false, "the expired one was not saved");
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("sightings file: garbage is ignored with a reason, a torn record refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-sightings-"));
  try {
    const warnings: string[] = [];
    const log = { warn: (e: string) => warnings.push(e), info: () => {}, error: () => {} } as unknown as import("../../host/log.js").Logger;
    writeFileSync(join(dir, SIGHTINGS_FILE), "not a sightings file");
    assert.equal(loadSightingsFile(dar(), dir, log), 0);
    writeFileSync(join(dir, SIGHTINGS_FILE), Buffer.concat([Buffer.from("FAMASIG1"), Buffer.alloc(30)]));
    assert.equal(loadSightingsFile(dar(), dir, log), 0);
    assert.deepEqual(warnings, ["sightings.file_ignored", "sightings.file_ignored"]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("kernel neighbour table in a namespace: the dump, then RTM_NEWNEIGH notifications, feed the core", { skip: notRoot, timeout: 60_000 }, async () => {
  await withLinks("neigh", ["acc", "up0"], async (ns) => {
    const acc = await linkIndex("acc", ns);
    const neigh = (addr: string, dev: string, nud: string) => ip(["-6", "neigh", "replace", addr, "lladdr", "02:00:00:00:00:01", "dev", dev, "nud", nud], ns);
    await neigh(`${PREFIX}a`, "acc", "permanent");
    await neigh(`${PREFIX}b`, "acc", "stale");
    await neigh(`${PREFIX}c`, "acc", "noarp");
    await neigh(`${PREFIX}d`, "up0", "reachable"); // not an access interface
    const d = dar();
    let now = 5_000;
    const feed = new SightingsFeed({ dar: d, source: kernelNeighbours(ns), isAccess: () => (i) => i === acc, now: () => now, redumpMs: 1e9 });
    feed.start();
    const seen = (x: string) => d.sighted(parseIPv6(`${PREFIX}${x}`)!, now);
    assert.deepEqual(["a", "b", "c", "d"].map(seen), [true, true, false, false], "from the dump");
    // After the dump: only a notification can tell the feed.
    await neigh(`${PREFIX}e`, "acc", "reachable");
    await neigh(`${PREFIX}c`, "acc", "stale");
    now += 1000;
    for (let i = 0; i < 20 && !(seen("e") && seen("c")); i++) { await new Promise((r) => setTimeout(r, 50)); feed.step(); }
    assert.equal(seen("e"), true, "notified REACHABLE entry");
    assert.equal(seen("c"), true, "NOARP -> STALE notified");
    assert.equal(feed.stats.dumps, 1, "no second dump: the notifications did it");
    feed.stop();
  });
});

test("kernel neighbour table: a burst of 1500 new entries after the dump is sighted in full (no notification lost)", { skip: notRoot, timeout: 60_000 }, async () => {
  await withLinks("burst", ["acc"], async (ns) => {
    const acc = await linkIndex("acc", ns);
    const d = new Dar(loadCore());
    d.configure(parseDarDaemonConfig({ anchor: "2001:db8:a:1::1", prefixes: [`${PREFIX}/64`], capacity: 64, admission: { sightings: 4096 } }));
    let now = 5_000;
    const feed = new SightingsFeed({ dar: d, source: kernelNeighbours(ns), isAccess: () => (i) => i === acc, now: () => now, redumpMs: 1e9, pollMs: 1e9 });
    feed.start();
    const lines = Array.from({ length: 1500 }, (_, i) => ["neigh", "add", `${PREFIX}1:${(i + 1).toString(16)}`, "lladdr", "02:00:00:00:00:02", "dev", "acc", "nud", "permanent"]);
    await ipBatch(lines, ns);
    for (let i = 0; i < 10; i++) { now += 1000; feed.step(); }
    assert.equal(feed.stats.lostNotifications, 0);
    assert.equal(feed.stats.dumps, 1);
    assert.equal(d.policyState().sightings, 1500);
    assert.ok(d.sighted(parseIPv6(`${PREFIX}1:5dc`)!, now));
    feed.stop();
  });
});

test("deleteNeighbours: deletes the entries that exist and goes past those already gone (ip -batch stops there)", { skip: notRoot, timeout: 60_000 }, async () => {
  await withLinks("del", ["acc"], async (ns) => {
    const acc = await linkIndex("acc", ns);
    await ipBatch([1, 3, 4].map((i) => ["neigh", "add", `${PREFIX}${i}`, "lladdr", "02:00:00:00:00:02", "dev", "acc", "nud", "reachable"]), ns);
    await ip(["neigh", "add", `${PREFIX}9`, "lladdr", "02:00:00:00:00:02", "dev", "acc", "nud", "reachable"], ns); // stays
    const deleted = deleteNeighbours(acc, [1, 2, 3, 4].map((i) => parseIPv6(`${PREFIX}${i}`)!), ns);
    assert.equal(deleted, 3, "2 was never there");
    const left = dumpNeighbours(ns).filter((n) => n.ifindex === acc && n.addr[0] === 0x20).map((n) => n.addr[15]);
    assert.deepEqual(left, [9]);
  });
});
