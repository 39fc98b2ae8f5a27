// The MN agent's control socket (host/mn/README.md "Control socket"): the requests and their
// answers over the server both daemons use (host/control/socket.ts).
import { ControlServer } from "../control/socket.js";
import { MN_COUNTER_NAMES, type Mn, type MnSite } from "../core/mn.js";
import type { DataplaneStats } from "../dataplane.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";
import type { Logger } from "../log.js";
import type { KeepPass } from "./keep-pass.js";
import type { LearnedRouter } from "../core/nd.js";
import type { HandoverTiming } from "./links.js";

/** What the status answer is made of. */
export interface MnStatusSources {
  mn: Mn;
  keep: KeepPass;
  /** the access interface of the current attachment */
  attached: () => string | null;
  tun: () => string | null;
  dataplane: () => DataplaneStats | null;
  /** The offload counters (host/offload.ts), null when the TUN has no offloads. */
  offload?: () => Record<string, number> | null;
  /** routers learned from RAs on the roaming interfaces */
  routers: () => LearnedRouter[];
  /** the last handover's timing split */
  handover: () => HandoverTiming | null;
  /** RAs the core refused, by error class */
  refusedRas: () => Record<string, number>;
  startedAt: number;
  now: () => number;
}

export class MnControl {
  private readonly server: ControlServer;

  constructor(path: string, private readonly src: MnStatusSources, log: Logger) {
    this.server = new ControlServer(path, (req) => this.handle(req), log);
  }

  listen(): Promise<void> { return this.server.listen(); }
  close(): Promise<void> { return this.server.close(); }

  status(): Record<string, unknown> {
    const { mn, keep } = this.src;
    const now = this.src.now();
    const bul = mn.sites().map((s) => siteRow(s, now, keep.pins));
    const counters: Record<string, number> = {};
    const c = mn.counters();
    for (const n of MN_COUNTER_NAMES) counters[n] = Number(c[n]);
    return {
      role: "mn", coa: mn.coa(), attached: this.src.attached(), tun: this.src.tun(),
      uptimeS: Math.round((now - this.src.startedAt) / 1000), pins: [...keep.pins], bul, counters,
      dataplane: this.src.dataplane(),
      offload: this.src.offload?.() ?? null,
      routers: this.src.routers().map((r) => routerRow(r, now)), handover: this.src.handover(), refusedRas: this.src.refusedRas(),
    };
  }

  private handle(req: Record<string, unknown>): unknown {
    const addrOf = (): string => {
      const a = typeof req.address === "string" ? parseIPv6(req.address) : null;
      if (!a) throw new Error(`"address" must be an IPv6 address`);
      return formatIPv6(a);
    };
    switch (req.cmd) {
      case "ping": return { ok: true, role: "mn" };
      case "status": return this.status();
      case "keep": return { ok: true, pins: this.src.keep.pin(addrOf()) };
      case "unkeep": return { ok: true, ...this.src.keep.unpin(addrOf()) };
      case "release": {
        this.src.keep.release(addrOf());
        return { ok: true };
      }
      default:
        throw new Error(`unknown cmd ${JSON.stringify(req.cmd)} (status, keep, unkeep, release, ping)`);
    }
  }
}

function siteRow(s: MnSite, now: number, pins: ReadonlySet<string>): Record<string, unknown> {
  return {
    hoa: s.hoa, anchor: s.anchor, current: s.current, bound: s.bound, mode: s.mode, seq: s.seq,
    lifetime: s.lifetime, expiresInS: s.bound ? Math.max(0, Math.round((s.expiresAt - now) / 1000)) : null,
    phase: s.phase, goal: s.goal, coaTest: s.coaTest, pinned: pins.has(s.hoa), lastStatus: s.lastStatus,
    pktsEncap: Number(s.pktsEncap), pktsDecap: Number(s.pktsDecap), bytesEncap: Number(s.bytesEncap), bytesDecap: Number(s.bytesDecap),
    idleS: s.lastActivity ? Math.round((now - s.lastActivity) / 1000) : null,
  };
}

function routerRow(r: LearnedRouter, now: number): Record<string, unknown> {
  const left = (until: number) => (Number.isFinite(until) ? Math.max(0, Math.round((until - now) / 1000)) : "infinite");
  return {
    router: r.router, prefix: `${r.prefix}/64`, anchor: r.anchor, dar: r.dar, hFlag: r.hFlag, current: r.current,
    attachments: r.attachments, routerLifetime: r.routerLifetime, validLeftS: left(r.validUntilMs), preferredLeftS: left(r.preferredUntilMs),
    lastRaS: Math.round((now - r.lastRaMs) / 1000),
  };
}
