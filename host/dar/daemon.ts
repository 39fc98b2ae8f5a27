// The DAR daemon (`fama dar`): one core, two TUNs (data and signalling), the kernel routes, the durable state and the
// control socket, run in the network namespace the process was started in.
//
// Start order (each step registers its undo before the next one runs; a failure undoes what
// exists and rethrows):
//   configure the core -> restore snapshot + journal (store.ts) -> open the TUNs (MTU tunnelMtu
//   + 40; the data TUN with a raised txqueuelen, the signalling TUN with a short one and IPv6
//   off before it goes up, signal-tun.ts) ->
//   forwarding, rule, anchor route, divert (net.ts) -> a /128 per restored binding -> control
//   socket -> data-plane loop.
// Stop (SIGTERM/SIGINT): stop the loop, write the snapshot and empty the journal, then undo the
// rest newest first. SIGKILL skips all of it: the next start finds the snapshot and the journal
// (no binding lost), the TUN and its routes are gone with the process, the stale rule is
// replaced.
//
// The hooks: the data plane drives the Dar itself; after each batch (before its outputs are
// written) the daemon makes the batch's binding changes durable from its events
// (DarStore.recordBatch, which withholds the BAs if that fails), then routes and logs them;
// after each tick it routes the expiry events and runs the periodic work. The data plane also
// runs the core's deferred cga-mode BUs (Dar.processDeferred) through the same hook.
// Signalling (BUs, CoTIs to A_k) arrives on its own TUN, which the data-plane loop reads after
// each data batch, at most SIGNAL_BATCH packets a turn, its outputs written into the data TUN.
// So a BU flood waits in the signalling queue (`signalTxqueuelen` packets; the kernel drops the
// rest) and the data packets wait behind at most one signalling batch, never behind the flood.
// With admission "on-link", the sightings feed (sightings.ts) hands the core the addresses the
// access interfaces' neighbour tables hold.
import { readFileSync } from "node:fs";
import type { Core } from "../wasm.js";
import { loadCore } from "../wasm.js";
import { Dar, DarError, COUNTER_NAMES, type DarEvent, type CounterName } from "../core/dar.js";
import type { RouteEvent } from "../core/records.js";
import { Dataplane } from "../dataplane.js";
import { loadDarDaemonConfig, RELOADABLE_KEYS, type DarDaemonConfig } from "../config/dar.js";
import { InputError } from "../errors.js";
import { formatIPv6 } from "../ipv6.js";
import { openTun } from "../tun/linux.js";
import { openSignalTun } from "./signal-tun.js";
import { offloadFor, type Offload } from "../offload.js";
import type { Tun } from "../tun/types.js";
import type { Logger } from "../log.js";
import { DarStore, type RestoreReport } from "./store.js";
import { KernelDarNet, type DarNet } from "./net.js";
import { ControlServer } from "../control/socket.js";
import { SightingsFeed, kernelNeighbours, warnNeighbourLimits, type SightingsSource } from "./sightings.js";
import { accessLinks, accessPredicate, acceptUntrackedNa } from "./access-links.js";

/** Bytes of the outer IPv6 header the tunnel adds. */
export const TUNNEL_OVERHEAD = 40;
/** Bindings listed by a status request unless it asks for more (`limit`). */
export const STATUS_DEFAULT_LIMIT = 1000;
/** Signalling packets per turn of the signalling loop: what a flood adds to a data packet's wait
 *  (32 refusals of a few µs each, or 32 phkt BUs of ~20 µs). */
export const SIGNAL_BATCH = 32;
/** Restored bindings decoded per route batch at start (bounds the start's garbage). */
const RESTORE_ROUTE_SLICE = 4096;

export interface DarDaemonOptions {
  config: DarDaemonConfig;
  /** Where SIGHUP rereads the configuration from. */
  configPath?: string;
  /** How SIGHUP reads it (default: the JSON reader; `fama dar --uci` passes the UCI one). */
  loadConfig?: (path: string) => DarDaemonConfig;
  log: Logger;
  core?: Core;
  /** Opens the TUN (default: the Linux device through koffi). */
  openTun?: (cfg: DarDaemonConfig) => Promise<Tun>;
  /** Opens the signalling TUN (default: the Linux device `signalTun`, unless `openTun` is a test
   *  double: then none, and the signalling arrives with the data). */
  openSignalTun?: (cfg: DarDaemonConfig) => Promise<Tun>;
  /** The kernel side (default: KernelDarNet). */
  net?: (cfg: DarDaemonConfig, log: Logger) => DarNet;
  now?: () => number;
  /** How often the core's tick runs (default 500 ms: "at least once a second"). */
  tickMs?: number;
  /** Control socket (default on; tests may turn it off). */
  controlSocket?: boolean;
  /** Where sightings come from (default: the kernel's neighbour table, with accept_untracked_na set). */
  neighbours?: SightingsSource;
}

type Undo = { what: string; fn: () => Promise<void> | void };

const BA_COUNTERS: CounterName[] = ["bu-accepted", "bu-rejected", "bu-no-ack", "bad-auth-failed", "mh-malformed", "control-drop"];

export class DarDaemon {
  cfg: DarDaemonConfig;
  readonly log: Logger;
  readonly dar: Dar;
  store!: DarStore;
  tun!: Tun;
  /** The signalling TUN, or null (a test's single device). */
  signalTun: Tun | null = null;
  net!: DarNet;
  dataplane!: Dataplane;
  /** The core's offload passes when the TUN has offloads (host/offload.ts), else null. */
  offload: Offload | null = null;
  restored: RestoreReport | null = null;
  sightings: SightingsFeed | null = null;
  /** Resolves when the loops have ended (stop, or a TUN failed: then it rejects). */
  done: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly undo: Undo[] = [];
  private startedAt = 0;
  private stopping: Promise<void> | null = null;
  private baLast = new Map<CounterName, bigint>();

  constructor(private readonly o: DarDaemonOptions) {
    this.cfg = o.config;
    this.log = o.log;
    this.now = o.now ?? Date.now;
    this.dar = new Dar(o.core ?? loadCore());
  }

  async start(): Promise<void> {
    const { cfg, log, dar } = this;
    this.startedAt = this.now();
    try {
      try {
        dar.configure(cfg);
      } catch (e) {
        if (e instanceof DarError) throw new InputError(`${this.o.configPath ?? "config"}: ${e.message}`);
        throw e;
      }
      if (cfg.tunnelMtu + TUNNEL_OVERHEAD > dar.maxPacket) {
        throw new InputError(`${this.o.configPath ?? "config"}: "tunnelMtu" ${cfg.tunnelMtu} + ${TUNNEL_OVERHEAD} (the tunnel header) exceeds the core's ${dar.maxPacket}-byte packet slots: at most ${dar.maxPacket - TUNNEL_OVERHEAD}`);
      }

      this.store = new DarStore(dar, cfg.stateDir, log, this.now);
      this.restored = this.store.open();
      this.defer("state files", () => this.store.close());
      log.info("state.restored", { ...this.restored, stateDir: cfg.stateDir });

      const open = this.o.openTun ?? ((c: DarDaemonConfig) => openTun({ name: c.tun, mtu: c.tunnelMtu + TUNNEL_OVERHEAD, txqueuelen: c.txqueuelen, up: true, offload: c.offload }));
      this.tun = await open(cfg);
      this.defer(`tun ${this.tun.name}`, () => this.tun.close());
      this.offload = offloadFor(this.tun, dar.core, cfg.tunnelMtu);
      if (cfg.offload && !this.offload) log.warn("tun.offload_unavailable", { tun: this.tun.name, why: (this.tun as { offloadError?: string | null }).offloadError ?? "the device has no offloads" });
      log.info("tun.open", { tun: this.tun.name, mtu: cfg.tunnelMtu + TUNNEL_OVERHEAD, txqueuelen: cfg.txqueuelen, offload: this.offload !== null });
      const openSignal = this.o.openSignalTun ?? (this.o.openTun ? null : (c: DarDaemonConfig) => openSignalTun({ name: c.signalTun, mtu: c.tunnelMtu + TUNNEL_OVERHEAD, txqueuelen: c.signalTxqueuelen }));
      if (openSignal) {
        const sig = await openSignal(cfg);
        this.signalTun = sig;
        this.defer(`tun ${sig.name}`, () => sig.close());
        log.info("tun.open", { tun: sig.name, role: "signalling", txqueuelen: cfg.signalTxqueuelen });
      }

      this.net = (this.o.net ?? ((c, l) => new KernelDarNet({ tun: this.tun.name, signalTun: this.signalTun?.name ?? null, anchor: c.anchorText, table: c.routeTable, priority: c.rulePriority, log: l })))(cfg, log);
      this.defer("network", () => this.net.down());
      await this.net.up();
      // Routes for the restored bindings (the snapshot emits no events), a slice at a time.
      for (let from = 0; from < dar.bindingsCount(); from += RESTORE_ROUTE_SLICE) {
        const restored: RouteEvent[] = [];
        dar.eachBinding(from, RESTORE_ROUTE_SLICE, (b) => { restored.push({ kind: "added", hoa: b.hoa, coa: b.coa, lifetime: b.lifetime, seq: b.seq }); });
        this.net.apply(restored, true);
      }
      log.info("routes.restored", { bindings: dar.bindingsCount(), routes: this.net.hoas.size });

      if (cfg.admission?.mode === "on-link") {
        const links = accessLinks(cfg.accessInterfaces, cfg.prefixes, this.tun.name);
        const missing = (cfg.accessInterfaces ?? []).filter((n) => !links.some((l) => l.name === n));
        if (missing.length) log.warn("sightings.interfaces_missing", { interfaces: missing });
        if (links.length === 0) log.warn("sightings.no_access_interface", { hint: "no interface holds an address in the prefixes: set accessInterfaces" });
        if (!this.o.neighbours) {
          const undoNa = await acceptUntrackedNa(links.map((l) => l.name), log);
          this.defer("accept_untracked_na", undoNa);
        }
        const feed = new SightingsFeed({ dar, stateDir: cfg.stateDir, source: this.o.neighbours ?? kernelNeighbours(), isAccess: accessPredicate(cfg.accessInterfaces, cfg.prefixes, this.tun.name), now: this.now, log });
        feed.start();
        this.sightings = feed;
        this.defer("sightings", () => feed.stop());
        log.info("sightings.started", { interfaces: links.map((l) => l.name), ...dar.policyState() });
        if (!this.o.neighbours) warnNeighbourLimits(log, dar.policyState().sightingsCapacity);
      }
      if (this.o.controlSocket !== false) {
        const server = new ControlServer(cfg.socket, (req) => this.request(req), log);
        await server.listen();
        this.defer("control socket", () => server.close());
      }

      this.dataplane = new Dataplane({
        tun: this.tun, core: dar, tickMs: this.o.tickMs ?? 500, now: this.now, log, offload: this.offload,
        signalling: this.signalTun ? { tun: this.signalTun, maxBatch: SIGNAL_BATCH } : undefined,
        afterBatch: () => this.afterBatch(), afterTick: () => this.afterTick(),
      });
      this.done = this.dataplane.run();
      for (const c of BA_COUNTERS) this.baLast.set(c, dar.counter(c));
      log.info("dar.started", { runtime: dar.core.runtime, anchor: cfg.anchorText, prefixes: cfg.prefixes.map((p) => p.text), tun: this.tun.name, bindings: dar.bindingsCount(), socket: this.o.controlSocket === false ? null : cfg.socket });
    } catch (e) {
      await this.unwind();
      throw e;
    }
  }

  private defer(what: string, fn: () => Promise<void> | void): void { this.undo.push({ what, fn }); }

  private async unwind(): Promise<string[]> {
    const errors: string[] = [];
    while (this.undo.length) {
      const u = this.undo.pop()!;
      try { await u.fn(); } catch (e) { errors.push(`${u.what}: ${(e as Error).message}`); this.log.error("cleanup.failed", { what: u.what, error: e }); }
    }
    return errors;
  }

  private afterBatch(): void {
    const rec = this.store.recordBatch();
    if (rec.events.length) this.onEvents(rec.events);
  }

  private afterTick(): void {
    if (this.dar.eventCount() > 0) this.onEvents(this.dar.drainEvents());
    this.periodic();
  }

  private onEvents(events: readonly DarEvent[]): void {
    const routed = events.filter((e) => e.kind !== "refreshed"); // a refresh changes no route
    for (const e of routed) {
      if (e.kind === "removed") this.log.info("binding.removed", { hoa: e.hoa, coa: e.coa, seq: e.seq });
      else this.log.info(`binding.${e.kind}`, { hoa: e.hoa, coa: e.coa, lifetime: e.lifetime, seq: e.seq });
    }
    this.net.apply(routed);
  }

  /** Once per tick: BA counts since the last line, compaction when due. */
  private periodic(): void {
    const deltas: Record<string, number> = {};
    let any = false;
    for (const c of BA_COUNTERS) {
      const v = this.dar.counter(c);
      const d = v - (this.baLast.get(c) ?? 0n);
      if (d !== 0n) { deltas[c] = Number(d); any = true; }
      this.baLast.set(c, v);
    }
    if (any) this.log.info("ba.counts", deltas);
    const pending = this.store.entriesSinceCompaction;
    if (pending >= this.cfg.compactChanges) this.compactSafely("changes");
    else if (pending > 0 && this.now() - this.store.lastCompactionAt >= this.cfg.compactSeconds * 1000) this.compactSafely("interval");
  }

  private compactSafely(reason: string): void {
    try { this.store.compact(reason); } catch (e) { this.log.error("state.compact_failed", { reason, error: e }); }
  }

  /** SIGHUP: rereads the config file; applies it if valid and only runtime keys changed. */
  reload(): boolean {
    const path = this.o.configPath;
    if (!path) { this.log.warn("config.reload_skipped", { reason: "no config file" }); return false; }
    let next: DarDaemonConfig;
    try {
      next = (this.o.loadConfig ?? loadDarDaemonConfig)(path);
    } catch (e) {
      this.log.error("config.reload_failed", { path, error: e, kept: "previous configuration" });
      return false;
    }
    const changed = changedKeys(this.cfg, next);
    const fixed = changed.filter((k) => !(RELOADABLE_KEYS as readonly string[]).includes(k));
    if (fixed.length) {
      this.log.error("config.reload_failed", { path, error: `${fixed.join(", ")} cannot change at runtime (restart the daemon)`, kept: "previous configuration" });
      return false;
    }
    try {
      this.dar.configure(next);
    } catch (e) {
      this.log.error("config.reload_failed", { path, error: e, kept: "previous configuration" });
      return false;
    }
    this.cfg = next;
    this.log.info("config.reloaded", { path, changed });
    return true;
  }

  /** Control-socket requests. */
  request(req: Record<string, unknown>): unknown {
    switch (req.cmd) {
      case "status": {
        const limit = typeof req.limit === "number" && req.limit >= 0 ? req.limit : STATUS_DEFAULT_LIMIT;
        return this.status(limit);
      }
      case "ping":
        return { ok: true, role: "dar" };
      default:
        throw new Error(`unknown cmd ${JSON.stringify(req.cmd)} (known: status, ping)`);
    }
  }

  status(limit = STATUS_DEFAULT_LIMIT): Record<string, unknown> {
    const now = this.now();
    const counters: Record<string, number> = {};
    const raw = this.dar.counters();
    for (const name of COUNTER_NAMES) counters[name] = Number(raw[name]);
    return {
      role: "dar",
      pid: process.pid,
      anchor: this.cfg.anchorText,
      prefixes: this.cfg.prefixes.map((p) => p.text),
      tun: this.tun?.name ?? this.cfg.tun,
      uptimeS: Math.round((now - this.startedAt) / 1000),
      bindingsTotal: this.dar.bindingsCount(),
      bindings: this.listBindings(limit, now),
      counters,
      state: {
        dir: this.cfg.stateDir,
        journalEntries: this.store?.entriesSinceCompaction ?? 0,
        journalBytes: this.store?.journalBytes ?? 0,
        compactions: this.store?.compactions ?? 0,
      },
      dataplane: this.dataplane ? { ...this.dataplane.stats } : null,
      signalling: this.dataplane?.signallingStats && this.signalTun ? { tun: this.signalTun.name, ...this.dataplane.signallingStats, kernelDrops: queueDrops(this.signalTun.name) } : null,
      offload: this.offload ? this.offload.counters() : null,
      admission: { mode: this.cfg.admission?.mode ?? "open", ...this.dar.policyState(), feed: this.sightings ? { ...this.sightings.stats, pending: this.sightings.pendingCount } : null },
      routes: this.net ? this.net.hoas.size : 0,
      memory: this.memory(),
    };
  }

  /** The process's memory by kind (bytes): V8's heap, buffers outside it, the core's linear memory. */
  private memory(): Record<string, number> {
    const m = process.memoryUsage();
    return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, coreLinear: this.dar.views().mem.byteLength };
  }

  /** The first `limit` bindings as the status answer lists them; only these are decoded. */
  private listBindings(limit: number, now: number): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    this.dar.eachBinding(0, limit, (b) => {
      rows.push({
        hoa: b.hoa,
        coa: b.coa,
        seq: b.seq,
        lifetime: b.lifetime,
        expiresInS: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
        hasPhkt: b.hasPhkt,
        pktsToMn: Number(b.pktsToMn),
        bytesToMn: Number(b.bytesToMn),
        pktsFromMn: Number(b.pktsFromMn),
        bytesFromMn: Number(b.bytesFromMn),
      });
    });
    return rows;
  }

  /** Stops the loop, saves the snapshot, removes everything installed. Idempotent. */
  stop(reason = "stop"): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info("dar.stopping", { reason });
      const errors: string[] = [];
      try { await this.dataplane?.stop(); } catch (e) { errors.push(`data plane: ${(e as Error).message}`); }
      try { this.store?.compact(reason); } catch (e) { errors.push(`snapshot: ${(e as Error).message}`); this.log.error("state.compact_failed", { reason, error: e }); }
      errors.push(...(await this.unwind()));
      this.log.info("dar.stopped", { reason, errors: errors.length });
      if (errors.length) throw new Error(`stop: ${errors.join("; ")}`);
    })();
    return this.stopping;
  }
}

/** Packets the kernel dropped because the TUN's queue was full (the TUN counts them as tx_dropped). */
function queueDrops(dev: string): number | null {
  try { return Number(readFileSync(`/sys/class/net/${dev}/statistics/tx_dropped`, "utf8")); } catch { return null; }
}

function comparable(cfg: DarDaemonConfig, key: string): unknown {
  if (key === "anchor") return formatIPv6(cfg.anchor);
  if (key === "prefixes") return cfg.prefixes.map((p) => p.text);
  return (cfg as unknown as Record<string, unknown>)[key];
}

/** Config keys whose values differ (anchorText is a copy of anchor). */
export function changedKeys(a: DarDaemonConfig, b: DarDaemonConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => k !== "anchorText"));
  return [...keys].filter((k) => JSON.stringify(comparable(a, k)) !== JSON.stringify(comparable(b, k)));
}
