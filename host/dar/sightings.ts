// Feeds the core's sightings table (assembly/dar/sightings.ts) from the kernel's neighbour
// table (host/net/neighbours.ts): the addresses the DAR's access links have answered for
// (REACHABLE, STALE, DELAY, PROBE, PERMANENT) on the access interfaces.
//
// At start, and again every `redumpMs` (a STALE entry the link stays quiet about sends no
// notification, and the dump renews its sighting), the whole table is dumped; between dumps
// the RTM_NEWNEIGH notifications are read every `pollMs`. Addresses wait in a pending set
// (at most `maxPending`; beyond it they are counted as dropped: the next dump brings them
// back) and go to the core at most `perSecond` a second, so a link flooding the neighbour
// table costs the daemon a bounded amount of work. Sightings are not in the snapshot: after a
// restart the first dump recreates them from the kernel, which kept its table.
import type { Dar } from "../core/dar.js";
import type { Logger } from "../log.js";
import { formatIPv6 } from "../ipv6.js";
import { dumpNeighbours, NeighbourEvents, sightedState, type Neighbour } from "../net/neighbours.js";

export interface SightingsSource {
  dump(): Neighbour[];
  events(): { read(out: Neighbour[], maxReads?: number): "ok" | "lost"; close(): void };
}

/** The kernel's table in this process's namespace (or `ns`, for tests). */
export function kernelNeighbours(ns?: string): SightingsSource {
  return { dump: () => dumpNeighbours(ns), events: () => new NeighbourEvents(ns) };
}

export interface SightingsFeedOptions {
  dar: Dar;
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
}

export class SightingsFeed {
  readonly stats: SightingsStats = { dumps: 0, notifications: 0, fed: 0, recorded: 0, droppedPending: 0, lostNotifications: 0 };
  private readonly pending = new Map<string, Uint8Array>();
  private events: ReturnType<SightingsSource["events"]> | null = null;
  private access: (ifindex: number) => boolean = () => false;
  private timer: NodeJS.Timeout | null = null;
  private lastDump = 0;
  private lastFeed = 0;
  private credit = 0;
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

  /** Subscribes, dumps, feeds the first batch; then polls on a timer until stop(). */
  start(): void {
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
    if (this.events?.read(seen) === "lost") {
      this.stats.lostNotifications++;
      this.lastDump = 0;
    }
    this.stats.notifications += seen.length;
    this.take(seen);
    if (this.now() - this.lastDump >= this.redumpMs) this.dump();
    this.feed();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.events?.close();
    this.events = null;
  }

  get pendingCount(): number { return this.pending.size; }

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
    this.stats.recorded += this.o.dar.addSightings(batch, now);
  }
}
