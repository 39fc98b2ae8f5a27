// Feeds the core's sightings table (assembly/dar/sightings.ts) from the kernel's neighbour
// table (host/net/neighbours.ts): the addresses the DAR's access links have answered for
// (REACHABLE, STALE, DELAY, PROBE, PERMANENT) on the access interfaces.
//
// At start, and again every `redumpMs` (a STALE entry the link stays quiet about sends no
// notification, and the dump renews its sighting), the whole table is dumped; between dumps
// the RTM_NEWNEIGH notifications are read every `pollMs`. Addresses wait in a pending set
// (at most `maxPending`; beyond it they are counted as dropped: the next dump brings them
// back) and go to the core at most `perSecond` a second, so a link flooding the neighbour
// table costs the daemon a bounded amount of work.
//
// The feed can only sight what the kernel holds: when the host-wide neighbour table is full the
// kernel creates no entry for an arriving MN (and sends no notification), so the kernel's
// overflow count is watched at every poll (`kernelTableFulls`, warned `sightings.kernel_table_full`
// at most every 10 s). It misses entries the kernel's forced collection takes before they resolve.
//
// Restarts: the first dump recreates what the kernel still holds, and the sightings file
// (host/dar/sightings-file.ts: written after the first feed, then at most every `saveMs` while
// something new was fed, and at stop) brings back the rest with their original times: an MN
// that left the link before the DAR restarted (its kernel entry FAILED or gone) can still
// register.
import type { Dar } from "../core/dar.js";
import type { Logger } from "../log.js";
import { formatIPv6 } from "../ipv6.js";
import { dumpNeighbours, NeighbourEvents, neighbourTableFulls, sightedState, type Neighbour } from "../net/neighbours.js";
import { readNeighbourLimits, type NeighbourLimits } from "../net/neighbour-limits.js";
import { loadSightingsFile, saveSightingsFile } from "./sightings-file.js";

export interface SightingsSource {
  dump(): Neighbour[];
  events(): { read(out: Neighbour[], maxReads?: number): "ok" | "lost"; close(): void };
  /** The kernel's count of neighbour entries refused for a full table (-1: unknown). */
  tableFulls?(): number;
}

const TABLE_FULL_WARN_MS = 10_000;

/** The kernel's table in this process's namespace (or `ns`, for tests). */
export function kernelNeighbours(ns?: string): SightingsSource {
  return { dump: () => dumpNeighbours(ns), events: () => new NeighbourEvents(ns), tableFulls: () => neighbourTableFulls() };
}

/**
 * At start: warns when the kernel's neighbour table may hold fewer entries than the sightings
 * table (`sightings.neighbour_table_small`: arriving MNs beyond gc_thresh3 get no entry, so no
 * sighting), or when its limits cannot be read (`sightings.neighbour_limits_unknown`: outside the
 * root network namespace, where they live). Returns the limits read (null: unknown).
 */
export function warnNeighbourLimits(log: Logger, sightingsCapacity: number, limits: NeighbourLimits | null = readNeighbourLimits()): NeighbourLimits | null {
  if (!limits) {
    log.warn("sightings.neighbour_limits_unknown", { sightingsCapacity, hint: "cannot read net.ipv6.neigh.default.gc_thresh1-3 (they exist only in the root network namespace): make sure gc_thresh3 there is at least the number of MNs expected on the access link" });
  } else if (limits.gcThresh3 < sightingsCapacity) {
    log.warn("sightings.neighbour_table_small", { ...limits, sightingsCapacity, hint: "the kernel keeps at most gc_thresh3 neighbour entries (all namespaces), and an MN without one is not sighted: raise net.ipv6.neigh.default.gc_thresh3 (and gc_thresh1-2) to at least the number of MNs expected on the access link" });
  }
  return limits;
}

export interface SightingsFeedOptions {
  dar: Dar;
  /** Where the sightings file lives (none: not saved). */
  stateDir?: string;
  /** At most this often the file is rewritten while something new was fed (default 2 s). */
  saveMs?: number;
  source: SightingsSource;
  /** Whether a neighbour on interface `ifindex` is on an access link (re-read at every dump). */
  isAccess: () => (ifindex: number) => boolean;
  now?: () => number;
  log?: Logger;
  /** Addresses handed to the core per second at most (default 4096). */
  perSecond?: number;
  /** Addresses waiting at most (default 16384). */
  maxPending?: number;
  pollMs?: number;
  redumpMs?: number;
}

export interface SightingsStats {
  dumps: number;
  notifications: number;
  fed: number;
  recorded: number;
  droppedPending: number;
  lostNotifications: number;
  /** Neighbour entries the kernel refused (its table full, any namespace) since the feed started. */
  kernelTableFulls: number;
}

export class SightingsFeed {
  readonly stats: SightingsStats = { dumps: 0, notifications: 0, fed: 0, recorded: 0, droppedPending: 0, lostNotifications: 0, kernelTableFulls: 0 };
  private readonly pending = new Map<string, Uint8Array>();
  private events: ReturnType<SightingsSource["events"]> | null = null;
  private access: (ifindex: number) => boolean = () => false;
  private timer: NodeJS.Timeout | null = null;
  private lastDump = 0;
  private lastFeed = 0;
  private lastSave = 0;
  private fedSinceSave = 0;
  private credit = 0;
  private tableFulls = -1;
  private lastTableFullWarn = -Infinity;
  private readonly now: () => number;
  private readonly perSecond: number;
  private readonly maxPending: number;
  private readonly pollMs: number;
  private readonly redumpMs: number;

  constructor(private readonly o: SightingsFeedOptions) {
    this.now = o.now ?? Date.now;
    this.perSecond = o.perSecond ?? 4096;
    this.maxPending = o.maxPending ?? 16384;
    this.pollMs = o.pollMs ?? 200;
    this.redumpMs = o.redumpMs ?? 60_000;
  }

  /** Restores the file, subscribes, dumps, feeds the first batch; then polls on a timer until stop(). */
  start(): void {
    if (this.o.stateDir) this.o.log?.info("sightings.restored", { fromFile: loadSightingsFile(this.o.dar, this.o.stateDir, this.o.log) });
    this.tableFulls = this.o.source.tableFulls?.() ?? -1;
    this.events = this.o.source.events(); // subscribe before the dump: no change falls between
    this.dump();
    this.feed();
    this.timer = setInterval(() => {
      try { this.step(); } catch (e) { this.o.log?.error("sightings.failed", { error: e }); }
    }, this.pollMs);
    this.timer.unref();
  }

  /** One poll: notifications (a dump when due or when some were lost), then a feed. */
  step(): void {
    const seen: Neighbour[] = [];
    const lost = this.events?.read(seen) === "lost";
    if (lost) this.stats.lostNotifications++;
    this.stats.notifications += seen.length;
    this.take(seen);
    if (lost || this.now() - this.lastDump >= this.redumpMs) this.dump();
    this.feed();
    this.watchTableFulls();
    if (this.fedSinceSave > 0 && this.now() - this.lastSave >= (this.o.saveMs ?? 2000)) this.save();
  }

  /** Writes the sightings file now (when there is a state directory). */
  save(): void {
    if (!this.o.stateDir) return;
    this.lastSave = this.now();
    this.fedSinceSave = 0;
    try { saveSightingsFile(this.o.dar, this.o.stateDir, this.lastSave); } catch (e) { this.o.log?.error("sightings.save_failed", { error: e }); }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.events?.close();
    this.events = null;
    this.save();
  }

  get pendingCount(): number { return this.pending.size; }

  private watchTableFulls(): void {
    const now = this.o.source.tableFulls?.() ?? -1;
    if (now < 0 || this.tableFulls < 0) { this.tableFulls = now; return; }
    if (now <= this.tableFulls) return;
    this.stats.kernelTableFulls += now - this.tableFulls;
    this.tableFulls = now;
    if (this.now() - this.lastTableFullWarn < TABLE_FULL_WARN_MS) return;
    this.lastTableFullWarn = this.now();
    this.o.log?.warn("sightings.kernel_table_full", { refused: this.stats.kernelTableFulls, hint: "the host's IPv6 neighbour table (all namespaces) is full: arriving MNs get no entry, so no sighting; raise net.ipv6.neigh.default.gc_thresh3 in the root namespace" });
  }

  private dump(): void {
    this.access = this.o.isAccess();
    this.lastDump = this.now();
    this.stats.dumps++;
    this.take(this.o.source.dump());
  }

  private take(list: readonly Neighbour[]): void {
    for (const n of list) {
      if (!sightedState(n.state) || !this.access(n.ifindex)) continue;
      const key = formatIPv6(n.addr);
      if (this.pending.has(key)) continue;
      if (this.pending.size >= this.maxPending) { this.stats.droppedPending++; continue; }
      this.pending.set(key, n.addr);
    }
  }

  /** Hands pending addresses to the core, within the per-second allowance. */
  private feed(): void {
    const now = this.now();
    // A token bucket of one second's allowance: the first feed may use all of it.
    this.credit = this.lastFeed === 0 ? this.perSecond : Math.min(this.perSecond, this.credit + ((now - this.lastFeed) * this.perSecond) / 1000);
    this.lastFeed = now;
    const n = Math.min(this.pending.size, Math.floor(this.credit));
    if (n === 0) return;
    const batch: Uint8Array[] = [];
    for (const [key, addr] of this.pending) {
      if (batch.length >= n) break;
      batch.push(addr);
      this.pending.delete(key);
    }
    this.credit -= batch.length;
    this.stats.fed += batch.length;
    this.fedSinceSave += batch.length;
    this.stats.recorded += this.o.dar.addSightings(batch, now);
  }
}
