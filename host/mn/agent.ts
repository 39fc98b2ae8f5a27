// The MN agent (`fama mn --config mn.json`): one core in the MN role, the MN's key, one TUN,
// the kernel state of host/mn/addresses.ts, the state file, the keep policy and a control
// socket. Protocol decisions are the core's; this file does I/O, keys, routes and addresses.
//
// At start (and whenever an access interface appears, is re-created or comes back from
// another namespace): the tc redirect of the anchors' packets on it into the TUN, once.
// Link-up on access interface X (which reaches DAR k, from the config), all synchronous:
//   mn_attach(P_k, A_k) (the core forms H_k = the new CoA and queues BUs for every kept site,
//   cga mode via sign requests answered here) -> through rtnetlink: the CoA on X, the default
//   route via DAR k, no `from H_k lookup T` rule (back at a DAR whose address is kept, the BUs
//   from H_k would otherwise loop into the TUN) -> flush the core's outbox into the TUN ->
//   the CoA's lo copy and `from H_s lookup T` for every kept H_s (data only, so after the BUs).
//   The outbox waits for the kernel steps so the BAs find the address and the redirect.
// Link detection: `ip -o monitor link` (netlink events; measured here as fast as polling
// /sys/class/net/X/operstate every 2 ms, without the polling), confirmed through operstate,
// plus a 1 s sweep as a fallback.
// Timers: the core says when it next has work (mn_next_timer); the agent ticks it then (and
// at least every second). After every core call it drains the events (answering key
// requests at once) and the outbox.
import { createHash, type KeyObject } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadCore, type Core } from "../wasm.js";
import { Mn, MN_COUNTER_NAMES, type MnEvent, type MnSite } from "../core/mn.js";
import { cgaSearchStart, cgaSearchStep, cgaSearchModifier } from "../core/cga.js";
import { Dataplane } from "../dataplane.js";
import { generateKeyPem, loadPrivateKey, spkiDer } from "../keys.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Tun } from "../tun/types.js";
import type { MnConfig, MnInterfaceConfig } from "../config/mn.js";
import { ControlServer } from "../dar/control-socket.js";
import { service } from "./requests.js";
import { KernelState, ifindexOf } from "./addresses.js";
import { openSocketAddresses, stillNeeded } from "./keep.js";
import { readMnState, writeMnState, type MnState } from "./state.js";

export interface AgentOptions {
  log: Logger;
  now?: () => number;
  /** Opens the TUN (default: host/tun/linux.ts openTun in this namespace). */
  openTun?: (name: string, mtu: number) => Promise<Tun>;
  /** Kernel state (default: KernelState: rtnetlink, `ip`, `tc`, sysctl). Tests may pass a stub. */
  kernel?: KernelState;
  /** Watch links (default true). */
  watchLinks?: boolean;
  /** Serve the control socket (default true). */
  control?: boolean;
}

export class MnAgent {
  readonly mn: Mn;
  private readonly core: Core;
  private key!: KeyObject;
  private tun!: Tun;
  private dataplane!: Dataplane;
  private kernel!: KernelState;
  private control: ControlServer | null = null;
  private monitor: ChildProcess | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private keepTimer: NodeJS.Timeout | null = null;
  private coreTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private readonly linkUp = new Map<string, boolean>();
  /** redirect filters being installed, per interface */
  private readonly installing = new Map<string, Promise<void>>();
  /** when the MN left each site (ms), for the keep policy's grace period */
  private readonly leftAt = new Map<string, number>();
  /** link-up time of the attachment each site's handover latency is measured from */
  private readonly pendingHandover = new Map<string, { at: number; dev: string }>();
  readonly pins = new Set<string>();
  private attachedDev: string | null = null;
  /** while an attachment installs its kernel state, the core's BUs wait in the outbox */
  private holdOutbox = false;
  private stopping = false;
  private readonly startedAt: number;
  private fingerprint = "";
  private modifier: Uint8Array = new Uint8Array(16);

  private constructor(private cfg: MnConfig, private readonly opts: AgentOptions) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.core = loadCore();
    this.mn = new Mn(this.core);
    this.startedAt = this.now();
  }

  static async start(cfg: MnConfig, opts: AgentOptions): Promise<MnAgent> {
    const agent = new MnAgent(cfg, opts);
    try {
      await agent.init();
    } catch (e) {
      await agent.stop().catch(() => {});
      throw e;
    }
    return agent;
  }

  get config(): MnConfig { return this.cfg; }

  // ---------------------------------------------------------------------------------------
  // start / stop

  private async init(): Promise<void> {
    const cfg = this.cfg;
    this.key = this.loadOrCreateKey(cfg.key);
    const spki = spkiDer(this.key);
    this.fingerprint = createHash("sha1").update(spki).digest("hex");
    const state = readMnState(cfg.state);
    if (state && state.key === this.fingerprint && state.sec === cfg.sec) {
      this.modifier = new Uint8Array(Buffer.from(state.modifier, "hex"));
    } else {
      this.modifier = await this.searchModifier(spki, cfg.sec);
    }
    this.configureCore(spki);
    if (state && state.key === this.fingerprint) {
      for (const p of state.pins) this.pins.add(p);
      for (const s of state.sites) {
        try {
          const i = this.mn.restore({ prefix: s.prefix, anchor: s.anchor, coaTest: s.coaTest, seq: s.seq, phkt: s.phkt ? new Uint8Array(Buffer.from(s.phkt, "hex")) : null, phktSeq: s.phktSeq });
          const hoa = this.mn.site(i)!.hoa;
          if (hoa !== s.hoa) this.log.warn("state.hoa_mismatch", { saved: s.hoa, formed: hoa });
          this.leftAt.set(hoa, this.now());
          this.log.info("state.site_restored", { hoa, anchor: s.anchor, seq: s.seq, phkt: s.phkt !== null });
        } catch (e) {
          this.log.warn("state.site_skipped", { hoa: s.hoa, error: e });
        }
      }
    }
    this.tun = await (this.opts.openTun ?? defaultOpenTun)(cfg.tun, cfg.tunnelMtu);
    this.kernel = this.opts.kernel ?? new KernelState(this.tun.name, cfg.table, cfg.rulePriority);
    await this.kernel.setup();
    for (const f of cfg.interfaces) if (ifindexOf(f.name)) await this.ensureRedirect(f.name);
    this.dataplane = new Dataplane({
      tun: this.tun, core: this.mn, tickMs: 0, now: this.now, log: this.log,
      // anything the agent must act on after a batch: events or queued packets
      afterBatch: () => { if (this.mn.eventCount() + this.mn.outboxCount() > 0) this.afterCore(); },
    });
    void this.dataplane.run().catch((e) => this.log.error("dataplane.failed", { error: e }));
    if (this.opts.control !== false) {
      this.control = new ControlServer(cfg.socket, (req) => this.handle(req), this.log);
      await this.control.listen();
    }
    if (this.opts.watchLinks !== false) this.watchLinks();
    this.keepTimer = setInterval(() => this.enqueue(() => this.applyKeepPolicy()), cfg.keep.intervalMs);
    this.scheduleCore();
    this.log.info("mn.started", { tun: this.tun.name, interfaces: cfg.interfaces.map((f) => f.name), sec: cfg.sec, sites: this.mn.sites().length });
  }

  private loadOrCreateKey(path: string): KeyObject {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, generateKeyPem(2048), { mode: 0o600, flag: "wx" });
      this.log.info("key.created", { file: path, bits: 2048 });
    }
    return loadPrivateKey(path);
  }

  /** RFC 3972 §4 steps 1-3 in the core, in chunks (the event loop stays free). */
  private async searchModifier(spki: Uint8Array, sec: number): Promise<Uint8Array> {
    const t0 = this.now();
    const start = new Uint8Array(16);
    crypto.getRandomValues(start);
    cgaSearchStart(this.core, { modifier: start, spki, sec });
    while (!cgaSearchStep(this.core, 1 << 16)) await new Promise<void>((r) => setImmediate(r));
    const m = cgaSearchModifier(this.core);
    this.log.info("cga.modifier_found", { sec, ms: this.now() - t0 });
    return m;
  }

  private configureCore(spki: Uint8Array): void {
    this.mn.configure({ spki, modifier: this.modifier, sec: this.cfg.sec, initialTimeoutMs: this.cfg.initialTimeoutMs, lifetime: this.cfg.lifetime, tunnelMtu: this.cfg.tunnelMtu });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [this.sweepTimer, this.keepTimer, this.saveTimer]) if (t) clearInterval(t);
    if (this.coreTimer) clearTimeout(this.coreTimer);
    this.monitor?.kill();
    this.monitor = null;
    await this.control?.close().catch(() => {});
    await this.queue.catch(() => {});
    if (this.dataplane) await this.dataplane.stop().catch(() => {});
    if (this.tun) this.saveState();
    await this.kernel?.cleanup().catch((e) => this.log.warn("cleanup.failed", { error: e }));
    this.tun?.close();
    this.log.info("mn.stopped", {});
  }

  /** SIGHUP: keep policy, timeouts, lifetime, interfaces. Key, Sec, TUN, table need a restart. */
  reload(cfg: MnConfig): void {
    const fixed = (["key", "state", "sec", "tun", "table", "rulePriority", "socket"] as const).filter((k) => cfg[k] !== this.cfg[k]);
    if (fixed.length) this.log.warn("config.restart_needed", { keys: fixed });
    const keep = { ...cfg, key: this.cfg.key, state: this.cfg.state, sec: this.cfg.sec, tun: this.cfg.tun, table: this.cfg.table, rulePriority: this.cfg.rulePriority, socket: this.cfg.socket };
    this.cfg = keep;
    this.configureCore(spkiDer(this.key));
    if (this.keepTimer) clearInterval(this.keepTimer);
    this.keepTimer = setInterval(() => this.enqueue(() => this.applyKeepPolicy()), cfg.keep.intervalMs);
    this.log.info("config.reloaded", { interfaces: cfg.interfaces.map((f) => f.name) });
    this.enqueue(() => this.sweepLinks());
  }

  // ---------------------------------------------------------------------------------------
  // the core

  /** Drains events (answering key requests) and the outbox; re-arms the core timer. */
  private afterCore(): void {
    const events = service(this.mn, this.key, this.now);
    for (const ev of events) this.onEvent(ev);
    this.flushOutbox();
    this.scheduleCore();
  }

  private flushOutbox(): void {
    if (this.holdOutbox) return;
    this.mn.flushOutbox((mem, off, len) => {
      if (!this.tun.write(mem, off, len)) this.log.warn("tun.write_failed", { len });
    });
  }

  private scheduleCore(): void {
    if (this.stopping) return;
    if (this.coreTimer) clearTimeout(this.coreTimer);
    const t = this.mn.nextTimer();
    const delay = t === null ? 1000 : Math.min(1000, Math.max(0, t - this.now()));
    this.coreTimer = setTimeout(() => {
      this.coreTimer = null;
      if (this.stopping) return;
      this.mn.tick(this.now());
      this.afterCore();
    }, delay);
  }

  private onEvent(ev: MnEvent): void {
    const base = { hoa: ev.hoa, site: ev.site };
    switch (ev.kind) {
      case "bu-sent":
        this.log.info("bu.sent", { ...base, coa: ev.coa, seq: ev.seq, mode: ev.mode, lifetime: ev.lifetime, retransmission: ev.retransmission, deregistration: ev.deregistration });
        break;
      case "ba-received":
        this.log.info("ba.received", { ...base, status: ev.status, seq: ev.seq, lifetime: ev.lifetime });
        break;
      case "bound": {
        const h = this.pendingHandover.get(ev.hoa);
        const fields: Record<string, unknown> = { ...base, coa: ev.coa, lifetime: ev.lifetime, mode: ev.mode, seq: ev.seq };
        if (h) {
          fields.handoverMs = Math.round((this.now() - h.at) * 10) / 10;
          fields.dev = h.dev;
          this.pendingHandover.delete(ev.hoa);
        }
        this.log.info("bound", fields);
        this.scheduleSave();
        break;
      }
      case "home":
        this.log.info("home", { ...base, deregistered: true });
        this.scheduleSave();
        break;
      case "rejected":
        this.log.warn("address.rejected", { ...base, status: ev.status });
        this.forget(ev.hoa);
        break;
      case "released":
        this.log.info("address.released", base);
        this.forget(ev.hoa);
        break;
      case "lost":
        this.log.warn("binding.lost", base);
        break;
      case "gave-up":
        this.log.warn("deregistration.unanswered", base);
        break;
      case "coti-sent":
        this.log.info("coti.sent", { ...base, coa: ev.coa, retransmission: ev.retransmission });
        break;
      case "cot-received":
        this.log.info("cot.received", base);
        break;
      default:
        break; // sign/decrypt requests were answered by service()
    }
  }

  private forget(hoa: string): void {
    this.leftAt.delete(hoa);
    this.pendingHandover.delete(hoa);
    this.enqueue(() => this.kernel.drop(hoa));
    this.scheduleSave();
  }

  // ---------------------------------------------------------------------------------------
  // links

  private enqueue(fn: () => Promise<void> | void): void {
    this.queue = this.queue.then(fn).catch((e) => this.log.error("mn.step_failed", { error: e }));
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

  private watchLinks(): void {
    const mon = spawn("ip", ["-o", "monitor", "link"], { stdio: ["ignore", "pipe", "ignore"] });
    this.monitor = mon;
    let buf = "";
    mon.stdout.setEncoding("utf8");
    mon.stdout.on("data", (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^(Deleted\s+)?\d+:\s+([^:@\s]+)/.exec(line);
        if (!m || !this.cfg.interfaces.some((f) => f.name === m[2])) continue;
        const dev = m[2]!;
        // gone (deleted, or moved to another namespace): its qdisc and filters went with it
        if (m[1]) this.kernel.lostRedirect(dev);
        else if (!this.installing.has(dev) && ifindexOf(dev) && !this.kernel.hasRedirect(dev, this.anchors())) void this.ensureRedirect(dev).catch(() => {});
        this.enqueue(() => this.checkLink(dev));
      }
    });
    mon.on("exit", () => { if (!this.stopping) this.log.warn("links.monitor_exited", {}); });
    this.enqueue(() => this.sweepLinks());
    this.sweepTimer = setInterval(() => this.enqueue(() => this.sweepLinks()), 1000);
  }

  private async sweepLinks(): Promise<void> {
    for (const f of this.cfg.interfaces) await this.checkLink(f.name);
  }

  private async checkLink(dev: string): Promise<void> {
    if (this.stopping) return;
    if (!ifindexOf(dev)) this.kernel.lostRedirect(dev);
    const up = this.operUp(dev);
    const was = this.linkUp.get(dev) ?? false;
    this.linkUp.set(dev, up);
    if (up && !was) await this.onLinkUp(dev);
    else if (!up && was) {
      this.log.info("link.down", { dev });
      if (this.attachedDev === dev) this.attachedDev = null;
    }
  }

  /** Installs `dev`'s redirect filters unless they are in place (one `tc` run at a time per interface). */
  private ensureRedirect(dev: string): Promise<void> {
    const busy = this.installing.get(dev);
    if (busy) return busy.then(() => this.ensureRedirect(dev));
    const anchors = this.anchors();
    if (this.kernel.hasRedirect(dev, anchors)) return Promise.resolve();
    const t0 = this.now();
    const p = this.kernel.redirect(dev, anchors)
      .then(() => this.log.info("redirect.installed", { dev, anchors, ms: Math.round((this.now() - t0) * 10) / 10 }))
      .finally(() => this.installing.delete(dev));
    this.installing.set(dev, p);
    return p;
  }

  /** Attaches to the DAR reached through `dev` (also callable directly, e.g. by tests). */
  async onLinkUp(dev: string): Promise<void> {
    const ifc = this.cfg.interfaces.find((f) => f.name === dev);
    if (!ifc) return;
    const t = this.now();
    const prev = this.mn.current();
    const prevHoa = prev >= 0 ? this.mn.site(prev)?.hoa ?? null : null;
    this.holdOutbox = true;
    let site: number;
    try {
      site = this.mn.attach(ifc.prefix.address, ifc.anchor, ifc.coaTest, t);
    } catch (e) {
      this.holdOutbox = false;
      throw e;
    }
    const s = this.mn.site(site)!;
    for (const o of this.mn.sites()) if (!o.current && o.goal === "register") this.pendingHandover.set(o.hoa, { at: t, dev });
    if (prevHoa && prevHoa !== s.hoa) this.leftAt.set(prevHoa, t);
    this.leftAt.delete(s.hoa);
    // kernel first, then the outbox: the BUs leave from the CoA, and their BAs must find it
    // and the redirect in place. The redirect is normally there since the interface appeared
    // (a `tc` process only when it was not); the rest is synchronous rtnetlink. The lo copy
    // and the policy rules for the kept HoAs matter only for data, so they follow the BUs.
    const kept = this.mn.sites().filter((o) => !o.current);
    let redirectMs = 0;
    let steps;
    try {
      if (!this.kernel.hasRedirect(dev, this.anchors())) {
        const r0 = this.now();
        await this.ensureRedirect(dev);
        redirectMs = Math.round((this.now() - r0) * 10) / 10;
      }
      steps = this.kernel.attachFast(dev, s.hoa, ifc.gateway);
    } finally {
      this.holdOutbox = false;
    }
    this.attachedDev = dev;
    this.afterCore();
    const flushedMs = this.now() - t;
    const r1 = performance.now();
    this.kernel.attachRest(s.hoa);
    for (const o of kept) this.kernel.keep(o.hoa);
    // the other access links (carrier lost, still here): their gateways' entries may hold
    // packets (TCP segments among them) sent before the default route moved (KernelState.forgetGateway)
    const flushed: string[] = [];
    for (const f of this.cfg.interfaces) if (f.name !== dev && this.kernel.forgetGateway(f.name, f.gateway)) flushed.push(f.name);
    const restUs = Math.round((performance.now() - r1) * 1000);
    this.log.info("attached", { dev, anchor: ifc.anchor, coa: s.hoa, site, kept: kept.map((o) => o.hoa), busAfterMs: Math.round(flushedMs * 10) / 10, setupMs: Math.round((this.now() - t) * 10) / 10, redirectMs, ...steps, restUs, ...(flushed.length ? { neighFlushed: flushed } : {}) });
    this.scheduleSave();
  }

  private anchors(): string[] {
    const set = new Set<string>(this.cfg.interfaces.map((f) => f.anchor));
    for (const s of this.mn.sites()) set.add(s.anchor);
    return [...set];
  }

  // ---------------------------------------------------------------------------------------
  // keep policy

  private applyKeepPolicy(): void {
    if (this.stopping) return;
    const now = this.now();
    const policy = this.cfg.keep;
    const sockets = policy.sockets ? openSocketAddresses(policy.listening) : null;
    for (const s of this.mn.sites()) {
      if (s.current || s.releasing) continue;
      const verdict = stillNeeded({ hoa: s.hoa, lastActivity: s.lastActivity, leftAt: this.leftAt.get(s.hoa) ?? this.startedAt }, now, policy.idleTimeoutS, this.pins, sockets);
      if (verdict.keep) continue;
      this.log.info("address.release", { hoa: s.hoa, why: verdict.why });
      this.mn.release(s.index, now);
      this.afterCore();
    }
  }

  /** Releases the site of `hoa` now (status socket `release`). */
  release(hoa: string): void {
    const s = this.mn.sites().find((x) => x.hoa === hoa);
    if (!s) throw new InputError(`${hoa} is not a kept address`);
    this.mn.release(s.index, this.now());
    this.afterCore();
  }

  // ---------------------------------------------------------------------------------------
  // state file

  private scheduleSave(): void {
    if (this.saveTimer || this.stopping) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = null; this.saveState(); }, 50);
  }

  saveState(): void {
    const sites = this.mn.sites().map((s) => {
      const phkt = this.mn.sitePhkt(s.index);
      return { prefix: s.prefix, anchor: s.anchor, hoa: s.hoa, seq: s.seq, phkt: phkt ? Buffer.from(phkt).toString("hex") : null, phktSeq: s.phktSeq, coaTest: s.coaTest, current: s.current };
    });
    const state: MnState = { key: this.fingerprint, sec: this.cfg.sec, modifier: Buffer.from(this.modifier).toString("hex"), pins: [...this.pins], sites };
    try {
      mkdirSync(dirname(this.cfg.state), { recursive: true, mode: 0o700 });
      writeMnState(this.cfg.state, state);
    } catch (e) {
      this.log.error("state.write_failed", { file: this.cfg.state, error: e });
    }
  }

  // ---------------------------------------------------------------------------------------
  // control socket (host/mn/README.md)

  status(): Record<string, unknown> {
    const now = this.now();
    const bul = this.mn.sites().map((s) => siteRow(s, now, this.pins));
    const counters: Record<string, number> = {};
    const c = this.mn.counters();
    for (const n of MN_COUNTER_NAMES) counters[n] = Number(c[n]);
    return {
      role: "mn", coa: this.mn.coa(), attached: this.attachedDev, tun: this.tun?.name ?? null,
      uptimeS: Math.round((now - this.startedAt) / 1000), pins: [...this.pins], bul, counters,
      dataplane: this.dataplane ? { ...this.dataplane.stats } : null,
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
      case "keep": {
        const a = addrOf();
        this.pins.add(a);
        this.log.info("address.pinned", { hoa: a });
        this.scheduleSave();
        return { ok: true, pins: [...this.pins] };
      }
      case "unkeep": {
        const a = addrOf();
        const had = this.pins.delete(a);
        if (had) this.log.info("address.unpinned", { hoa: a });
        this.scheduleSave();
        return { ok: true, removed: had, pins: [...this.pins] };
      }
      case "release": {
        this.release(addrOf());
        return { ok: true };
      }
      default:
        throw new Error(`unknown cmd ${JSON.stringify(req.cmd)} (status, keep, unkeep, release, ping)`);
    }
  }
}

function siteRow(s: MnSite, now: number, pins: Set<string>): Record<string, unknown> {
  return {
    hoa: s.hoa, anchor: s.anchor, current: s.current, bound: s.bound, mode: s.mode, seq: s.seq,
    lifetime: s.lifetime, expiresInS: s.bound ? Math.max(0, Math.round((s.expiresAt - now) / 1000)) : null,
    phase: s.phase, goal: s.goal, coaTest: s.coaTest, pinned: pins.has(s.hoa), lastStatus: s.lastStatus,
    pktsEncap: Number(s.pktsEncap), pktsDecap: Number(s.pktsDecap), bytesEncap: Number(s.bytesEncap), bytesDecap: Number(s.bytesDecap),
    idleS: s.lastActivity ? Math.round((now - s.lastActivity) / 1000) : null,
  };
}

async function defaultOpenTun(name: string, mtu: number): Promise<Tun> {
  const { openTun } = await import("../tun/linux.js");
  return openTun({ name, mtu, txqueuelen: 1000 });
}

export type { MnInterfaceConfig };
