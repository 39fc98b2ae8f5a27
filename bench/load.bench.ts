// npm run bench load [-- flags]: the DAR under load and attack through its real path (root only):
// the load lab of bench/load/ (namespaces, the real `fama dar` and its TUN, a generator namespace
// on its access link, a CN namespace behind it). Printed side by side:
//   * data plane: 64-byte UDP from the CN to bound HoAs at --data-pps, delivered rate and one-way
//     latency p50/p99 with no attack, then under a flood of valid-CGA cga-mode BUs sent as fast
//     as the generator goes (target: >= 0.9x the delivered rate, p99 added < 2 ms); the latency
//     twice: end to end on the generator's clock (CN TUN write to generator TUN read), and the
//     DAR's transit alone from kernel timestamps on its two links (bench/load/transit.ts: dumpcap
//     in the DAR namespace, to-cn in, acc out). The target applies to the transit row: it is the
//     DAR's own added latency, while the end-to-end row also holds the generator's scheduling (its
//     flood thread, main thread and the kernel work of its writes share a CPU); a third row
//     splits out the daemon's part (queued to its TUN -> written back: a capture on the TUN);
//   * during the flood: phkt refreshes of --honest bound MNs (all accepted?) and --new honest
//     cga registrations (share bound within three retransmissions, target >= 95%); the bindings
//     the attacker holds at the end; the signalling TUN's packets read and kernel drops (no
//     attack and flood);
//   * --storm MNs (default 2000) registering at once in cga mode (RSA-2048): time to all bound,
//     BA latency p50/p99; then their phkt refresh storm (the host's neighbour table limits raised
//     for the storm's sightings, restored at the end: bench/load/net.ts);
//   * memory: the daemon's RSS (node included) with --memory bindings counts restored from an
//     offline snapshot (bench/load/snapshot.ts; default 10000,100000; add 1000000 for the 1M row);
//   * --soak S: S seconds of mixed load (refresh, move, re-register, a trickle of flood, data),
//     RSS and bindings printed every 30 s.
// Flags: --honest N (1000) --new N (1000) --flood-pool N (3000 signed attack BUs, cycled by a
// sender thread: bench/load/flood-worker.ts) --flood-seconds S (5, at least) --data-pps R
// (5000) --storm N (2000; 0 skips; 10000 for the 10k-MN figure, several minutes here) --storm-presign K (3 BUs signed ahead per storm MN: signing
// RSA-2048 costs the generator ~10x what verifying costs the DAR) --memory LIST --memory-node-args "A B" (the node options of the memory table's second row up to 10k; default none) --soak S (0) --dar-node-args "A B" (node options of the daemon outside the memory table; default host/dar/node-flags.ts, "" for none) --dar-config JSON (extra keys of
// the DAR's config file, e.g. '{"admission":{"mode":"open"}}') --pin (the DAR on a CPU of its own,
// the generator on the others).
import { loadavg, availableParallelism } from "node:os";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { installSignalCleanup, run as runCmd } from "../host/net/ip.js";
import { LoadSession } from "./load/session.js";
import { keyPool, identities, coaOwner, COA_CLASS } from "./load/population.js";
import { Fleet, summarize, type OpResult } from "./load/fleet.js";
import { DataProbe } from "./load/data.js";
import { DarTransit, type Transit, type TransitWindow } from "./load/transit.js";
import { percentile } from "./load/percentile.js";
import { pump } from "./load/streams.js";
import { appearOnLink } from "./load/sighting.js";
import { AttackBas, validCgaFlood } from "./load/attacks.js";
import { Flood } from "./load/flood-worker.js";
import { writeSnapshot } from "./load/snapshot.js";
import { runSoak } from "./load/soak.js";
import { DAR_NODE_FLAGS } from "../host/dar/node-flags.js";
import { DAR_TUN, type DarStatus } from "./load/daemon.js";

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const num = (name: string, dflt: number) => {
  const v = Number(flag(name, String(dflt)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number >= 0`);
  return v;
};

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The signalling TUN's packets read and kernel drops between two status answers. */
function signalling(a: DarStatus, b: DarStatus): string {
  if (!a.signalling || !b.signalling) return "no signalling TUN";
  const drops = a.signalling.kernelDrops === null || b.signalling.kernelDrops === null ? "-" : String(b.signalling.kernelDrops - a.signalling.kernelDrops);
  return `${b.signalling.packetsIn - a.signalling.packetsIn} read, ${drops} dropped`;
}

/** Transit p50 / p99 (ms) and what was not matched: packets seen arriving but not leaving (lost
 *  in the DAR), leaving unseen arriving; for the whole transit also dumpcap's drops and CPU time. */
function transitCell(t: Transit & Partial<Pick<TransitWindow, "capture">>): string {
  const ms = (p: number) => f3(percentile(t.sorted, p) / 1000);
  const capture = t.capture ? `; capture: ${t.capture.dropped ?? "-"} dropped, ${t.capture.cpuMs} ms CPU` : "";
  return `${ms(0.5)} / ${ms(0.99)} ms (${t.sorted.length} packets; ${t.inOnly} in only, ${t.outOnly} out only${capture})`;
}
const addedP99 = (base: Transit, under: Transit) => (percentile(under.sorted, 0.99) - percentile(base.sorted, 0.99)) / 1000;

function table(title: string, head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (x ?? "").padEnd(w[i]!)).join(" | ")} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(head));
  console.log(`|${w.map((x) => "-".repeat(x + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

/** --pin: the DAR on the last CPU, this process (generator, flood thread, data probe and the
 *  kernel work their writes cause) on the others, as on a router whose attackers are elsewhere.
 *  Without it all of them share every CPU. */
async function pinApart(darPid: number): Promise<string> {
  const cpus = availableParallelism();
  if (cpus < 2) return "--pin needs 2 CPUs: not pinned";
  const rest = cpus === 2 ? "0" : `0-${cpus - 2}`;
  await runCmd("taskset", ["-a", "-cp", String(cpus - 1), String(darPid)]);
  await runCmd("taskset", ["-a", "-cp", rest, String(process.pid)]);
  return `pinned: fama dar on CPU ${cpus - 1}, the generator on CPU ${rest}`;
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) { console.log("load: skipped (needs root: network namespaces, /dev/net/tun)"); return; }
  installSignalCleanup(); // Ctrl-C still removes the namespaces
  const honestN = num("honest", 1000), newN = num("new", 1000), floodPool = num("flood-pool", 3000);
  const dataPps = num("data-pps", 5000), stormN = num("storm", 2000), soakS = num("soak", 0), floodSeconds = num("flood-seconds", 5), stormPresign = num("storm-presign", 3);
  const memory = flag("memory", "10000,100000").split(",").filter(Boolean).map(Number);
  const darConfig = JSON.parse(flag("dar-config", "{}")) as Record<string, unknown>;
  const darNodeArgs = flag("dar-node-args", DAR_NODE_FLAGS.join(" ")).split(" ").filter(Boolean);
  console.log(`load: honest ${honestN}, new ${newN}, flood pool ${floodPool}, data ${dataPps} pps, storm ${stormN}, memory ${memory.join("/")}, soak ${soakS} s; dar config extra ${JSON.stringify(darConfig)}, dar node args "${darNodeArgs.join(" ")}"; load average ${load()}`);
  const s = await LoadSession.open({ prefix: `i12l-${process.pid}-b`, darConfig, nodeArgs: darNodeArgs });
  try {
    if (process.argv.includes("--pin")) console.log(`load: ${await pinApart(s.dar.child.pid!)}`);
    const t0 = performance.now();
    const pool = keyPool(4);
    const ids = identities(s.core, pool, honestN + newN);
    const fleet = new Fleet(s.core, s.wire, ids);
    const bas = new AttackBas();
    s.wire.onBa = (ba, len, at) => fleet.handleBa(ba, len, at, (x) => bas.add(coaOwner(x.p, 24)[0], x.status));
    const bound = fleet.mns.slice(0, honestN), fresh = fleet.mns.slice(honestN);
    const unseen = (n: number, what: string) => { if (n) console.log(`load: the DAR did not sight ${n} of the ${what} (they will be refused)`); };
    console.log(`load: key pool and ${ids.length} identities in ${f1((performance.now() - t0) / 1000)} s; signing the flood...`);

    // ---- the data plane and honest signalling under a flood (needs bound MNs: --honest > 0)
    let honestBound: typeof bound = [];
    if (honestN > 0) {
      // ---- prepared before anything is timed, and before the honest MNs register: a first
      // binding is granted probationLifetime (60 s by default) until a phkt refresh extends it
      const t1 = performance.now();
      const flood = validCgaFlood(s.core, pool, floodPool);
      unseen(await appearOnLink(s.net.ns.gen, fresh.map((m) => m.id.hoa), s.dar), "new MNs");
      const newOps = fleet.prepare("register", fresh);
      unseen(await appearOnLink(s.net.ns.gen, bound.map((m) => m.id.hoa), s.dar), "honest MNs");
      console.log(`load: ${floodPool} flood BUs and ${newN} registrations signed, ${ids.length} MNs put on the link in ${f1((performance.now() - t1) / 1000)} s; the DAR's admission state: ${JSON.stringify((await s.dar.status(0)).admission ?? null)}`);
      // three transmissions at most (3 s): waiting out the back-off of MNs the DAR refuses would
      // let the others' first bindings (60 s of probation) expire before the measured part
      const setup = await fleet.run(fleet.prepare("register", bound), 1000, 3);
      const setupOk = setup.filter((r) => r.accepted).length;
      if (setupOk !== honestN) console.log(`load: only ${setupOk} of ${honestN} honest MNs bound before the flood`);
      for (const m of bound) fleet.phktOf(m);
      const refreshOps = fleet.prepare("refresh", bound.filter((_, i) => setup[i]!.accepted));
      const probe = new DataProbe(bound.filter((_, i) => setup[i]!.accepted).map((m) => m.id.hoa));
      s.wire.onTunnelled = (p, len, inner, at) => probe.onTunnelled(p, len, inner, at);
      console.log(`load: ${setupOk} honest MNs bound`);

      // ---- data, no attack
      await pump([probe.stream(s.wire, dataPps)], 500); // warm-up
      await sleep(200);
      probe.reset();
      const baseStart = await s.dar.status(0);
      let capture = await DarTransit.start(s.net.scope, s.net.ns.dar, DAR_TUN);
      let data = probe.stream(s.wire, dataPps);
      const baseMs = await pump([data], 3000);
      await sleep(200);
      const baseTransit = await capture.stop();
      const base = { pps: probe.received / (baseMs / 1000), sent: data.sent, p50: probe.percentile(0.5), p99: probe.percentile(0.99) };
      const beforeSt = await s.dar.status(0);
      const before = beforeSt.counters;

      // ---- the same under the flood, with the honest operations running through it
      probe.reset();
      capture = await DarTransit.start(s.net.scope, s.net.ns.dar, DAR_TUN);
      data = probe.stream(s.wire, dataPps);
      const floodSender = new Flood(s.net.genTun, flood.packets);
      let opsDone = false;
      const ops = Promise.all([fleet.run(refreshOps, 1000), fleet.run(newOps, 500)]).then((r) => { opsDone = true; return r; });
      const tFlood = performance.now();
      const floodMs = await pump([data], 120_000, () => opsDone && floodSender.sent >= flood.packets.length && performance.now() - tFlood >= floodSeconds * 1000);
      await floodSender.stop();
      const floodStream = { sent: floodSender.sent };
      const genRate = floodSender.sent / (floodMs / 1000);
      await sleep(200);
      const underTransit = await capture.stop();
      const under = { pps: probe.received / (floodMs / 1000), sent: data.sent, p50: probe.percentile(0.5), p99: probe.percentile(0.99) };
      const [refreshR, newR] = await ops;
      const after = await s.dar.status(0);
      const delta = (c: string) => (after.counters[c] ?? 0) - (before[c] ?? 0);
      const honestHoas = new Set(ids.map((i) => i.hoa));
      const all = await s.dar.status(1_000_000);
      const attackerBindings = all.bindings.filter((b) => !honestHoas.has(b.hoa)).length;

      const rs = summarize(refreshR), ns = summarize(newR);
      const transitAdded = addedP99(baseTransit, underTransit), daemonAdded = addedP99(baseTransit.daemon, underTransit.daemon);
      table(`load: data plane and honest signaling under a valid-CGA flood (load average ${load()})`, ["item", "no attack", "under flood", "ratio / share", "target"], [
        ["64-byte UDP delivered to bound HoAs", `${f1(base.pps)} pps (of ${f1(base.sent / 3)} offered)`, `${f1(under.pps)} pps (of ${f1(under.sent / (floodMs / 1000))} offered)`, `${f2(under.pps / base.pps)}x`, base.pps > 0 ? `>= 0.9x ${under.pps / base.pps >= 0.9 ? "met" : "MISSED"}` : "no baseline"],
        ["data latency p50 / p99, end to end (generator's clock)", `${f2(base.p50)} / ${f2(base.p99)} ms`, `${f2(under.p50)} / ${f2(under.p99)} ms`, `added p99 ${f2(under.p99 - base.p99)} ms`, "(holds the generator's scheduling)"],
        ["DAR transit p50 / p99 (kernel timestamps on its links)", transitCell(baseTransit), transitCell(underTransit), `added p99 ${f3(transitAdded)} ms`, `< 2 ms ${transitAdded < 2 ? "met" : "MISSED"}`],
        ["  of which in fama dar (its TUN: queued to it, written back)", transitCell(baseTransit.daemon), transitCell(underTransit.daemon), `added p99 ${f3(daemonAdded)} ms`, ""],
        ["flood: valid-CGA cga BUs sent", "", `${floodStream.sent} in ${f1(floodMs / 1000)} s (generator thread ${f1(genRate)} packets/s, ${floodSender.refused} refused by the TUN)`, `${flood.packets.length} distinct HoAs`, ""],
        ["flood BAs by status", "", bas.describe(COA_CLASS.flood), "", ""],
        [`phkt refreshes of ${rs.n} bound MNs`, "", `${rs.accepted} accepted, BA p50/p99 ${f1(rs.p50)} / ${f1(rs.p99)} ms`, `${f2((100 * rs.accepted) / rs.n)}%`, `all ${rs.accepted === rs.n ? "met" : "MISSED"}`],
        [`new cga registrations of ${ns.n} MNs`, "", `${ns.accepted} bound, ${ns.withinAttempts(4)} within 3 retransmissions, p50/p99 ${f1(ns.p50)} / ${f1(ns.p99)} ms`, `${f2((100 * ns.withinAttempts(4)) / ns.n)}%`, `>= 95% ${ns.withinAttempts(4) >= 0.95 * ns.n ? "met" : "MISSED"}`],
        ["bindings the attacker holds at the end", "", `${attackerBindings}`, `of ${floodPool} attacker HoAs`, "bounded by the policy"],
        ["signalling TUN: packets read / dropped by the kernel (full queue)", signalling(baseStart, beforeSt), signalling(beforeSt, after), "", ""],
        ["DAR counters during the flood", "", ["bu-accepted", "bu-rejected", "cache-full", "cga-deferred", "cga-over-budget", "cga-stale", "admission-unsighted", "admission-probation-full"].filter((c) => c in after.counters).map((c) => `${c} ${delta(c)}`).join(", "), "", ""],
      ]);
      honestBound = bound.filter((_, i) => setup[i]!.accepted);
    } else console.log("load: --honest 0: no data-plane and flood part");

    // ---- soak, while the honest MNs' bindings are fresh (before the storm's long preparation)
    if (soakS > 0) await runSoak(s, fleet, honestBound, pool, soakS);

    // ---- storm: many MNs registering at once
    if (stormN > 0) {
      const t2 = performance.now();
      const stormIds = identities(s.core, pool, stormN);
      // the host-wide neighbour table must hold them (restored by the session's close): then in chunks of 500
      let chunk: number | undefined;
      try { console.log(`load: ${s.net.raiseNeighbourLimits(stormN)}`); chunk = 500; } catch (e) { console.log(`load: ${(e as Error).message}: the storm appears in chunks of 100`); }
      const stormUnseen = await appearOnLink(s.net.ns.gen, stormIds.map((i) => i.hoa), s.dar, chunk);
      if (stormUnseen) console.log(`load: the DAR did not sight ${stormUnseen} of the storm MNs`);
      const t2s = performance.now();
      const storm = new Fleet(s.core, s.wire, stormIds, { maxAttempts: 5, presign: stormPresign });
      s.wire.onBa = (ba, len, at) => storm.handleBa(ba, len, at, () => undefined);
      const regOps = storm.prepare("register", storm.mns);
      console.log(`\nload: ${stormN} storm MNs on the access link in ${f1((t2s - t2) / 1000)} s, ${stormN * stormPresign} BUs signed (${stormPresign} each) in ${f1((performance.now() - t2s) / 1000)} s`);
      const rss0 = s.dar.rss();
      const st0 = await s.dar.status(0);
      const ts = performance.now();
      const reg = await storm.run(regOps);
      const regS = (performance.now() - ts) / 1000;
      const st1 = await s.dar.status(0);
      const t3 = performance.now();
      for (const m of storm.mns) storm.phktOf(m);
      const refOps = storm.prepare("refresh", storm.mns.filter((_, i) => reg[i]!.accepted));
      console.log(`load: ${refOps.length} PHKTs decrypted and refreshes built in ${f1((performance.now() - t3) / 1000)} s`);
      const tr = performance.now();
      const ref = await storm.run(refOps);
      const refS = (performance.now() - tr) / 1000;
      const st = await s.dar.status(0);
      const line = (what: string, r: OpResult[], secs: number) => {
        const x = summarize(r);
        // the last accepted BA, not the run's end: MNs the DAR never sighted retry until they give up
        return [what, `${x.accepted} of ${x.n}`, `${f2(x.max / 1000)} s (run ${f1(secs)} s)`, `${f1(x.p50)} / ${f1(x.p99)} / ${f1(x.max)} ms`, `${r.filter((o) => o.attempts > 1).length}`];
      };
      table(`load: ${stormN} MNs at once, RSA-2048 (load average ${load()})`, ["storm", "bound", "until the last bound", "BA latency p50 / p99 / max", "MNs that retransmitted"], [
        line("cga registrations", reg, regS),
        line("phkt refreshes after", ref, refS),
      ]);
      const kernelDrops = (x: DarStatus) => x.signalling?.kernelDrops ?? NaN;
      // where the BUs that were not answered at once went (the signalling TUN's queue, the cga queue and budget, admission)
      const moved = (a: typeof st0, b: typeof st0) => [...["bu-accepted", "bu-rejected", "cga-deferred", "cga-over-budget", "cga-stale", "cga-verified", "admission-unsighted", "admission-probation-full", "sightings-evicted"].map((c) => `${c} ${(b.counters[c] ?? 0) - (a.counters[c] ?? 0)}`),
        `signalling TUN kernel drops ${kernelDrops(b) - kernelDrops(a)}`].join(", ");
      console.log(`DAR counters during the registrations: ${moved(st0, st1)}; during the refreshes: ${moved(st1, st)}; sightings ${st.admission?.sightings ?? "-"} of ${st.admission?.sightingsCapacity ?? "-"}`);
      console.log(`daemon RSS ${mb(rss0)} before the storm, ${mb(s.dar.rss(st.pid))} after with ${st.bindingsTotal} bindings; generator retransmissions ${storm.retransmissions}, of which the generator signed during the storm for ${f1(storm.resignMs / 1000)} s (BUs not built ahead: the generator's own limit)`);
      s.wire.onBa = (ba, len, at) => fleet.handleBa(ba, len, at, () => undefined);
    }

  } finally {
    await s.close();
  }

  // ---- memory: the daemon's RSS with N bindings restored from a snapshot, measured before any
  // status request (a status request decodes every binding into JS objects)
  if (memory.length) {
    const rows: string[][] = [];
    // Every row runs the daemon as the OpenWrt service does (DAR_NODE_FLAGS); up to 10k, a second
    // row with --memory-node-args (default: none, node's own defaults) shows what they save.
    const other = flag("memory-node-args", "").split(" ").filter(Boolean);
    const label = (args: readonly string[]) => (args.length ? args.join(" ") : "(none)");
    const empty = await memoryWith(0, darConfig, DAR_NODE_FLAGS);
    rows.push(["0", String(empty.capacity), label(DAR_NODE_FLAGS), ...empty.cells]);
    for (const n of memory) {
      rows.push([String(n), String(Math.max(n, 65536)), label(DAR_NODE_FLAGS), ...(await memoryWith(n, darConfig, DAR_NODE_FLAGS)).cells]);
      if (n <= 10_000) rows.push([String(n), String(Math.max(n, 65536)), label(other), ...(await memoryWith(n, darConfig, other)).cells]);
    }
    table(`load: fama dar memory with bindings restored from a snapshot, 2 s after start (load average ${load()})`, ["bindings", "capacity", "daemon node options", "RSS", "anon", "file (node binary)", "PSS", "V8 heap used / total", "core linear memory", "RSS after 20 status requests"], rows);
    console.log("target: RSS <= 64 MB at 10k bindings, node included");
  }
}

async function memoryWith(n: number, darConfig: Record<string, unknown>, nodeArgs: readonly string[]): Promise<{ capacity: number; cells: string[] }> {
  const capacity = Math.max(n, 65536);
  const stateDir = join("/tmp", `fama-load-state-${process.pid}-${n}`);
  if (n > 0) writeSnapshot(stateDir, n, capacity);
  const s = await LoadSession.open({ prefix: `i12l-${process.pid}-m`, darConfig: { ...darConfig, capacity }, stateDir, nodeArgs, startTimeoutMs: 60_000 + n / 5 });
  s.net.scope.defer("state", () => rmSync(stateDir, { recursive: true, force: true }));
  try {
    await sleep(2000);
    const m = s.dar.memory();
    const st = await s.dar.status(0);
    if (st.bindingsTotal !== n) throw new Error(`the daemon restored ${st.bindingsTotal} bindings, not ${n}`);
    const heap = st.memory ? `${mb(st.memory.heapUsed)} / ${mb(st.memory.heapTotal)}` : "", linear = st.memory ? mb(st.memory.coreLinear) : "";
    for (let i = 0; i < 19; i++) await s.dar.status(0);
    await sleep(500);
    return { capacity, cells: [mb(m.rss), mb(m.anon), mb(m.file), mb(m.pss), heap, linear, mb(s.dar.memory().rss)] };
  } finally {
    await s.close();
  }
}
