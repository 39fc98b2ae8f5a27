// Roaming access interfaces (PROTOCOL.md §2.7): the DARs are learned from Router Advertisements.
// At every link-up the agent forgets the current router (mn_link_changed) and sends a Router
// Solicitation at once (no random delay after a link change, RFC 4861 §6.3.7); every RA the raw
// socket receives goes to the core (host/core/nd.ts), whose decision the agent applies:
//   new-dar / known-dar   attach with the RA's prefix and anchor, default route via the RA's source
//   plain                 attach with anchor :: (the address is used, never kept, no BU to it)
//   lost                  the prefix's or router's lifetime ran out: logged, no attachment until the next RA
// RSs are retransmitted every RTR_SOLICITATION_INTERVAL (4 s) until an RA is taken, at most
// MAX_RTR_SOLICITATIONS (3) in all (RFC 4861 §10).
import { readFileSync } from "node:fs";
import type { Core } from "../wasm.js";
import { Attachment, buildRs, type AttachmentDecision, type LearnedRouter } from "../core/nd.js";
import { RouterDiscoverySocket } from "../net/router-discovery.js";
import { macOf } from "../net/ndisc.js";
import { Poller } from "../tun/poller.js";
import type { Logger } from "../log.js";
import { ifindexOf } from "./addresses.js";

const RTR_SOLICITATION_INTERVAL_MS = 4000;
const MAX_RTR_SOLICITATIONS = 3;

/** Where the time of one RA-driven attachment went (ms since the link came up). */
export interface RoamTiming { dev: string; linkUpAt: number; rsMs: number; raMs: number | null; solicitations: number }

export interface RoamingDeps {
  core: Core;
  log: Logger;
  now: () => number;
  /** Applies an attachment decision on `dev` (queued behind the other link steps). */
  attach: (dev: string, d: AttachmentDecision, timing: RoamTiming) => void;
}

interface Watched { sock: RouterDiscoverySocket; poller: Poller; ifindex: number; mac: Uint8Array | null }

export class Roaming {
  private readonly attachment: Attachment;
  private readonly watched = new Map<string, Watched>();
  /** the link-up each interface's first RA is measured from, until an RA was taken */
  private readonly pending = new Map<string, RoamTiming & { timer: NodeJS.Timeout | null }>();
  private stopped = false;
  /** RAs the core refused, by error class (for `fama status`) */
  readonly refused = new Map<string, number>();

  constructor(private readonly d: RoamingDeps) {
    this.attachment = new Attachment(d.core);
  }

  /** Every router learned from RAs. */
  routers(): LearnedRouter[] { return this.attachment.routers(); }

  /** `dev` came up: the next RA is an attachment; solicit one now. */
  linkUp(dev: string, at: number): void {
    const w = this.watch(dev);
    if (!w) return;
    this.attachment.linkChanged();
    this.clearPending(dev);
    const p = { dev, linkUpAt: at, rsMs: 0, raMs: null, solicitations: 0, timer: null as NodeJS.Timeout | null };
    this.pending.set(dev, p);
    this.solicit(dev, w, p);
  }

  linkDown(dev: string): void { this.clearPending(dev); }

  /** Expiry of the current prefix or router lifetime; call at least once a second. */
  tick(now: number): void {
    const lost = this.attachment.tick(now);
    if (lost) this.d.log.info("attachment.lost", { router: lost.router, prefix: lost.prefix, anchor: lost.anchor });
  }

  stop(): void {
    this.stopped = true;
    for (const dev of [...this.pending.keys()]) this.clearPending(dev);
    for (const w of this.watched.values()) { w.poller.close(); w.sock.close(); }
    this.watched.clear();
  }

  private clearPending(dev: string): void {
    const p = this.pending.get(dev);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(dev);
  }

  private solicit(dev: string, w: Watched, p: RoamTiming & { timer: NodeJS.Timeout | null }): void {
    try {
      w.sock.solicit(buildRs(this.d.core, w.mac));
    } catch (e) {
      this.d.log.warn("rs.failed", { dev, error: e });
    }
    p.solicitations++;
    if (p.solicitations === 1) p.rsMs = round(this.d.now() - p.linkUpAt);
    this.d.log.info("rs.sent", { dev, n: p.solicitations });
    if (p.solicitations < MAX_RTR_SOLICITATIONS) {
      p.timer = setTimeout(() => { if (this.pending.get(dev) === p && !this.stopped) this.solicit(dev, w, p); }, RTR_SOLICITATION_INTERVAL_MS);
    }
  }

  /** The socket on `dev` (re-opened when the interface was re-created), or null when `dev` is absent. */
  private watch(dev: string): Watched | null {
    const ifindex = ifindexOf(dev);
    const old = this.watched.get(dev);
    if (old && old.ifindex === ifindex) return old;
    if (old) { old.poller.close(); old.sock.close(); this.watched.delete(dev); }
    if (!ifindex || this.stopped) return null;
    let mac: Uint8Array | null = null;
    try { mac = macOf(readFileSync(`/sys/class/net/${dev}/address`, "utf8")); } catch { /* no link-layer address: RS without SLLA */ }
    const sock = new RouterDiscoverySocket(dev, ifindex);
    const w: Watched = { sock, poller: new Poller(sock.fd), ifindex, mac };
    this.watched.set(dev, w);
    void this.read(dev, w).catch((e) => this.d.log.error("ra.read_failed", { dev, error: e }));
    return w;
  }

  private async read(dev: string, w: Watched): Promise<void> {
    while (!this.stopped && this.watched.get(dev) === w) {
      if (!(await w.poller.readable())) return;
      for (let ra = w.sock.receive(); ra; ra = w.sock.receive()) this.onRa(dev, ra.icmp, ra.source, ra.hopLimit);
    }
  }

  private onRa(dev: string, icmp: Uint8Array, source: Uint8Array, hopLimit: number): void {
    const now = this.d.now();
    const r = this.attachment.input(icmp, source, hopLimit, now);
    if (!r.ok) {
      this.refused.set(r.error, (this.refused.get(r.error) ?? 0) + 1);
      this.d.log.warn("ra.refused", { dev, error: r.error });
      return;
    }
    const d = r.decision;
    if (d.decision === "unchanged") return;
    if (d.decision === "ignored") {
      this.d.log.info("ra.ignored", { dev, router: r.ra.source, hFlag: r.ra.flags.H, routerLifetime: r.ra.routerLifetime });
      return;
    }
    if (d.decision === "lost") {
      this.d.log.info("attachment.lost", { dev, router: d.router, prefix: d.prefix, reason: "router lifetime 0" });
      return;
    }
    const p = this.pending.get(dev);
    const timing: RoamTiming = p
      ? { dev, linkUpAt: p.linkUpAt, rsMs: p.rsMs, raMs: round(now - p.linkUpAt), solicitations: p.solicitations }
      : { dev, linkUpAt: now, rsMs: 0, raMs: 0, solicitations: 0 };
    this.clearPending(dev);
    this.d.log.info("ra.attach", { dev, decision: d.decision, router: d.router, prefix: d.prefix, anchor: d.anchor, routerLifetime: d.routerLifetime, validLifetime: d.validLifetime, rsMs: timing.rsMs, raMs: timing.raMs });
    this.d.attach(dev, d, timing);
  }
}

function round(ms: number): number { return Math.round(ms * 100) / 100; }
