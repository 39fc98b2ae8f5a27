// The MN's access links: which are up, and what a link-up does.
//
// Each configured access interface gets the tc redirect of the anchors' packets into the TUN
// once: at start, and whenever it appears, is re-created or comes back from another namespace
// (its qdisc went with it). A carrier change keeps the filters.
// Link-up on access interface X (which reaches DAR k, from the config), all synchronous:
//   mn_attach(P_k, A_k) (the core forms H_k = the new CoA and queues BUs for every kept site,
//   cga mode via sign requests answered at once) -> through rtnetlink: the CoA on X, the default
//   route via DAR k, no `from H_k lookup T` rule (back at a DAR whose address is kept, the BUs
//   from H_k would otherwise loop into the TUN) -> flush the core's outbox into the TUN ->
//   the CoA's lo copy and `from H_s lookup T` for every kept H_s (data only, so after the BUs).
//   The outbox waits for the kernel steps so the BAs find the address and the redirect.
// Link detection: `ip -o monitor link` (netlink events; measured here as fast as polling
// /sys/class/net/X/operstate every 2 ms, without the polling), confirmed through operstate,
// plus a 1 s sweep as a fallback (host/mn/README.md).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Mn } from "../core/mn.js";
import type { MnInterfaceConfig } from "../config/mn.js";
import type { Logger } from "../log.js";
import { type KernelState, ifindexOf } from "./addresses.js";
import type { CoreLoop } from "./core-loop.js";
import type { KeepPass } from "./keep-pass.js";

export interface LinksDeps {
  mn: Mn;
  kernel: KernelState;
  loop: CoreLoop;
  keep: KeepPass;
  /** The configured access interfaces (they may change on reload). */
  interfaces: () => readonly MnInterfaceConfig[];
  /** Runs a step after the steps queued before it (link steps, keep pass, address drops). */
  enqueue: (step: () => Promise<void> | void) => void;
  /** The sites changed: the state file is due. */
  changed: () => void;
  log: Logger;
  now: () => number;
}

export class Links {
  private monitor: ChildProcess | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly linkUp = new Map<string, boolean>();
  /** redirect filters being installed, per interface */
  private readonly installing = new Map<string, Promise<void>>();
  /** link-up time of the attachment each site's handover latency is measured from */
  private readonly pendingHandover = new Map<string, { at: number; dev: string }>();
  private attachedDev: string | null = null;

  constructor(private readonly d: LinksDeps) {}

  /** The access interface of the current attachment, or null. */
  get attached(): string | null { return this.attachedDev; }

  /** The redirect on every configured interface present now (at start). */
  async installRedirects(): Promise<void> {
    for (const f of this.d.interfaces()) if (ifindexOf(f.name)) await this.ensureRedirect(f.name);
  }

  /** Starts the link monitor and the 1 s sweep. */
  watch(): void {
    const mon = spawn("ip", ["-o", "monitor", "link"], { stdio: ["ignore", "pipe", "ignore"] });
    this.monitor = mon;
    let buf = "";
    mon.stdout.setEncoding("utf8");
    mon.stdout.on("data", (data: string) => {
      buf += data;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^(Deleted\s+)?\d+:\s+([^:@\s]+)/.exec(line);
        if (!m || !this.d.interfaces().some((f) => f.name === m[2])) continue;
        const dev = m[2]!;
        // gone (deleted, or moved to another namespace): its qdisc and filters went with it
        if (m[1]) this.d.kernel.lostRedirect(dev);
        else if (!this.installing.has(dev) && ifindexOf(dev) && !this.d.kernel.hasRedirect(dev, this.anchors())) void this.ensureRedirect(dev).catch(() => {});
        this.d.enqueue(() => this.checkLink(dev));
      }
    });
    mon.on("exit", () => { if (!this.stopped) this.d.log.warn("links.monitor_exited", {}); });
    this.d.enqueue(() => this.sweep());
    this.sweepTimer = setInterval(() => this.d.enqueue(() => this.sweep()), 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.monitor?.kill();
    this.monitor = null;
  }

  async sweep(): Promise<void> {
    for (const f of this.d.interfaces()) await this.checkLink(f.name);
  }

  /** The `bound` log fields of the handover that bound `hoa` (latency from its link-up), once. */
  handoverDone(hoa: string): { handoverMs: number; dev: string } | null {
    const h = this.pendingHandover.get(hoa);
    if (!h) return null;
    this.pendingHandover.delete(hoa);
    return { handoverMs: Math.round((this.d.now() - h.at) * 10) / 10, dev: h.dev };
  }

  /** `hoa` is kept no longer: no handover to measure. */
  forget(hoa: string): void {
    this.pendingHandover.delete(hoa);
  }

  private operUp(dev: string): boolean {
    try {
      const state = readFileSync(`/sys/class/net/${dev}/operstate`, "utf8").trim();
      if (state === "up") return true;
      // veth and TUN-like links without operstate support report "unknown": use the carrier
      return state === "unknown" && readFileSync(`/sys/class/net/${dev}/carrier`, "utf8").trim() === "1";
    } catch {
      return false;
    }
  }

  private async checkLink(dev: string): Promise<void> {
    if (this.stopped) return;
    if (!ifindexOf(dev)) this.d.kernel.lostRedirect(dev);
    const up = this.operUp(dev);
    const was = this.linkUp.get(dev) ?? false;
    this.linkUp.set(dev, up);
    if (up && !was) await this.onLinkUp(dev);
    else if (!up && was) {
      this.d.log.info("link.down", { dev });
      if (this.attachedDev === dev) this.attachedDev = null;
    }
  }

  /** Installs `dev`'s redirect filters unless they are in place (one `tc` run at a time per interface). */
  private ensureRedirect(dev: string): Promise<void> {
    const busy = this.installing.get(dev);
    if (busy) return busy.then(() => this.ensureRedirect(dev));
    const anchors = this.anchors();
    if (this.d.kernel.hasRedirect(dev, anchors)) return Promise.resolve();
    const t0 = this.d.now();
    const p = this.d.kernel.redirect(dev, anchors)
      .then(() => this.d.log.info("redirect.installed", { dev, anchors, ms: Math.round((this.d.now() - t0) * 10) / 10 }))
      .finally(() => this.installing.delete(dev));
    this.installing.set(dev, p);
    return p;
  }

  /** Attaches to the DAR reached through `dev`. */
  private async onLinkUp(dev: string): Promise<void> {
    const { mn, kernel, loop, keep } = this.d;
    const ifc = this.d.interfaces().find((f) => f.name === dev);
    if (!ifc) return;
    const t = this.d.now();
    const prev = mn.current();
    const prevHoa = prev >= 0 ? mn.site(prev)?.hoa ?? null : null;
    loop.holdOutbox = true;
    let site: number;
    try {
      site = mn.attach(ifc.prefix.address, ifc.anchor, ifc.coaTest, t);
    } catch (e) {
      loop.holdOutbox = false;
      throw e;
    }
    const s = mn.site(site)!;
    for (const o of mn.sites()) if (!o.current && o.goal === "register") this.pendingHandover.set(o.hoa, { at: t, dev });
    if (prevHoa && prevHoa !== s.hoa) keep.left(prevHoa, t);
    keep.arrived(s.hoa);
    // kernel first, then the outbox: the BUs leave from the CoA, and their BAs must find it
    // and the redirect in place. The redirect is normally there since the interface appeared
    // (a `tc` process only when it was not); the rest is synchronous rtnetlink. The lo copy
    // and the policy rules for the kept HoAs matter only for data, so they follow the BUs.
    const kept = mn.sites().filter((o) => !o.current);
    let redirectMs = 0;
    let steps;
    try {
      if (!kernel.hasRedirect(dev, this.anchors())) {
        const r0 = this.d.now();
        await this.ensureRedirect(dev);
        redirectMs = Math.round((this.d.now() - r0) * 10) / 10;
      }
      steps = kernel.attachFast(dev, s.hoa, ifc.gateway);
    } finally {
      loop.holdOutbox = false;
    }
    this.attachedDev = dev;
    loop.afterCore();
    const flushedMs = this.d.now() - t;
    const r1 = performance.now();
    kernel.attachRest(s.hoa);
    for (const o of kept) kernel.keep(o.hoa);
    // the other access links (carrier lost, still here): their gateways' entries may hold
    // packets (TCP segments among them) sent before the default route moved (KernelState.forgetGateway)
    const flushed: string[] = [];
    for (const f of this.d.interfaces()) if (f.name !== dev && kernel.forgetGateway(f.name, f.gateway)) flushed.push(f.name);
    const restUs = Math.round((performance.now() - r1) * 1000);
    this.d.log.info("attached", { dev, anchor: ifc.anchor, coa: s.hoa, site, kept: kept.map((o) => o.hoa), busAfterMs: Math.round(flushedMs * 10) / 10, setupMs: Math.round((this.d.now() - t) * 10) / 10, redirectMs, ...steps, restUs, ...(flushed.length ? { neighFlushed: flushed } : {}) });
    this.d.changed();
  }

  /** Every anchor the filters must cover: the configured DARs' and the kept sites'. */
  private anchors(): string[] {
    const set = new Set<string>(this.d.interfaces().map((f) => f.anchor));
    for (const s of this.d.mn.sites()) set.add(s.anchor);
    return [...set];
  }
}
