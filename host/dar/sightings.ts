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
// Restarts: the first dump recreates what the kernel still holds, and the sightings file
// (SIGHTINGS_FILE in the state directory, written every `saveMs` when something was fed and at
// stop, write-then-rename) brings back the rest with their original times: an MN that left
// the link before the DAR restarted (its kernel entry FAILED or gone) can still register. The
// file is apart from the bindings' snapshot: a DAR that lost its bindings keeps its sightings.
import type { Dar } from "../core/dar.js";
import type { Logger } from "../log.js";
import { formatIPv6 } from "../ipv6.js";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../state-file.js";
import { sysctl } from "../net/ip.js";
import { dumpNeighbours, NeighbourEvents, sightedState, type Neighbour } from "../net/neighbours.js";

export interface SightingsSource {
  dump(): Neighbour[];
  events(): { read(out: Neighbour[], maxReads?: number): "ok" | "lost"; close(): void };
}

/** The kernel's table in this process's namespace (or `ns`, for tests). */
export function kernelNeighbours(ns?: string): SightingsSource {
  return { dump: () => dumpNeighbours(ns), events: () => new NeighbourEvents(ns) };
}

/** The interfaces of this namespace: the configured ones, or all but lo and the TUN. */
export function accessInterfaceNames(names: readonly string[] | null, tun: string): string[] {
  if (names) return [...names];
  return readdirSync("/sys/class/net").filter((n) => n !== "lo" && n !== tun);
}

/**
 * Makes the kernel create a (STALE) neighbour entry from an unsolicited Neighbor
 * Advertisement whose source is on the link (accept_untracked_na = 2, Linux 5.19+): an MN
 * announcing the address it formed (fama mn does, RFC 4861 §7.2.6) is then sighted even
 * before the DAR forwarded anything to it. Only interfaces where it was 0 are changed;
 * returns the undo (the old values back).
 */
export async function acceptUntrackedNa(interfaces: readonly string[], log?: Logger): Promise<() => Promise<void>> {
  const changed: string[] = [];
  for (const dev of interfaces) {
    const key = `net.ipv6.conf.${dev.replaceAll(".", "/")}.accept_untracked_na`; // sysctl spells a dot in a name "/"
    let was: string;
    try { was = readFileSync(`/proc/sys/net/ipv6/conf/${dev}/accept_untracked_na`, "utf8").trim(); } catch { continue; } // no IPv6 there, or an old kernel
    if (was !== "0") continue;
    try {
      await sysctl(key, 2);
      changed.push(dev);
    } catch (e) {
      log?.warn("sightings.sysctl_failed", { key, error: e });
    }
  }
  if (changed.length) log?.info("net.sysctl", { key: "net.ipv6.conf.<access>.accept_untracked_na", value: 2, was: 0, interfaces: changed });
  return async () => {
    for (const dev of changed) {
      try { await sysctl(`net.ipv6.conf.${dev.replaceAll(".", "/")}.accept_untracked_na`, 0); } catch { /* the interface is gone */ }
    }
  };
}

export const SIGHTINGS_FILE = "sightings.bin";
const FILE_MAGIC = Buffer.from("FAMASIG1");

/** Reads the sightings file into the core; how many were restored (0: none or unreadable, logged). */
export function loadSightingsFile(dar: Dar, stateDir: string, log?: Logger): number {
  let data: Buffer;
  try { data = readFileSync(join(stateDir, SIGHTINGS_FILE)); } catch { return 0; }
  if (data.length < FILE_MAGIC.length || !data.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
    log?.warn("sightings.file_ignored", { reason: "bad magic" });
    return 0;
  }
  try {
    return dar.restoreSightings(new Uint8Array(data.subarray(FILE_MAGIC.length)));
  } catch (e) {
    log?.warn("sightings.file_ignored", { reason: (e as Error).message });
    return 0;
  }
}

export function saveSightingsFile(dar: Dar, stateDir: string, now: number): number {
  const records = dar.saveSightings(now);
  writeFileAtomic(join(stateDir, SIGHTINGS_FILE), Buffer.concat([FILE_MAGIC, records]));
  return records.length;
}

export interface SightingsFeedOptions {
  dar: Dar;
  /** Where the sightings file lives (none: not saved). */
  stateDir?: string;
  /** How often the file is rewritten when something was fed (default 10 s). */
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
}

export class SightingsFeed {
  readonly stats: SightingsStats = { dumps: 0, notifications: 0, fed: 0, recorded: 0, droppedPending: 0, lostNotifications: 0 };
  private readonly pending = new Map<string, Uint8Array>();
  private events: ReturnType<SightingsSource["events"]> | null = null;
  private access: (ifindex: number) => boolean = () => false;
  private timer: NodeJS.Timeout | null = null;
  private lastDump = 0;
  private lastFeed = 0;
  private lastSave = 0;
  private fedSinceSave = 0;
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

  /** Restores the file, subscribes, dumps, feeds the first batch; then polls on a timer until stop(). */
  start(): void {
    if (this.o.stateDir) this.o.log?.info("sightings.restored", { fromFile: loadSightingsFile(this.o.dar, this.o.stateDir, this.o.log) });
    this.lastSave = this.now();
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
    if (this.fedSinceSave > 0 && this.now() - this.lastSave >= (this.o.saveMs ?? 10_000)) this.save();
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
