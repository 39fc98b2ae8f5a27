// The MN agent (`fama mn --config mn.json`): one core in the MN role, the MN's key, one TUN,
// the kernel state of host/mn/addresses.ts, the state file, the keep policy and a control
// socket. Protocol decisions are the core's; the agent does I/O, keys, routes and addresses.
// This file only composes the parts and runs start, reload and stop:
//   identity.ts   the key, its fingerprint, the CGA modifier
//   state.ts      the state file (sites, pins, modifier) read at start, written after changes
//   core-loop.ts  the data-plane loop, the core timer, the core's events and outbox
//   links.ts      link detection, the tc redirect per interface, the link-up path
//   keep-pass.ts  the keep policy's periodic pass, pins, releases
//   control.ts    the control socket's requests
// Link steps, keep passes and address drops run one at a time, in order (`enqueue`).
import { loadCore, type Core } from "../wasm.js";
import { Mn } from "../core/mn.js";
import type { Logger } from "../log.js";
import { offloadFor } from "../offload.js";
import type { Tun } from "../tun/types.js";
import type { MnConfig } from "../config/mn.js";
import { KernelState } from "./addresses.js";
import { identityOf, loadOrCreateKey, type MnIdentity } from "./identity.js";
import { readMnState, restoreSites, mnStateOf, StateWriter } from "./state.js";
import { CoreLoop } from "./core-loop.js";
import { Links } from "./links.js";
import { KeepPass } from "./keep-pass.js";
import { MnControl } from "./control.js";

export interface AgentOptions {
  log: Logger;
  now?: () => number;
  /** Opens the TUN (default: host/tun/linux.ts openTun in this namespace). */
  openTun?: (name: string, mtu: number, offload: boolean) => Promise<Tun>;
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
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly startedAt: number;
  private id!: MnIdentity;
  private tun!: Tun;
  private kernel!: KernelState;
  private loop!: CoreLoop;
  private links!: Links;
  private readonly keep: KeepPass;
  private readonly state: StateWriter;
  private control: MnControl | null = null;
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;

  private constructor(private cfg: MnConfig, private readonly opts: AgentOptions) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.core = loadCore();
    this.mn = new Mn(this.core);
    this.startedAt = this.now();
    this.keep = new KeepPass({
      mn: this.mn, policy: () => this.cfg.keep, afterCore: () => this.loop.afterCore(), changed: () => this.state.schedule(),
      log: this.log, now: this.now, startedAt: this.startedAt,
    });
    this.state = new StateWriter(cfg.state, () => mnStateOf(this.mn, { fingerprint: this.id.fingerprint, sec: this.cfg.sec, modifier: this.id.modifier }, this.keep.pins), this.log);
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

  private async init(): Promise<void> {
    const cfg = this.cfg;
    const key = loadOrCreateKey(cfg.key, this.log);
    const saved = readMnState(cfg.state);
    this.id = await identityOf(this.core, key, cfg.sec, saved, this.log, this.now);
    this.configureCore();
    if (saved && saved.key === this.id.fingerprint) {
      for (const p of saved.pins) this.keep.pins.add(p);
      for (const hoa of restoreSites(this.mn, saved.sites, this.log)) this.keep.left(hoa, this.now());
    }
    this.tun = await (this.opts.openTun ?? defaultOpenTun)(cfg.tun, cfg.tunnelMtu, cfg.offload);
    const offload = offloadFor(this.tun, this.core, cfg.tunnelMtu);
    if (cfg.offload && !offload) this.log.warn("tun.offload_unavailable", { tun: this.tun.name, why: (this.tun as { offloadError?: string | null }).offloadError ?? "the device has no offloads" });
    this.log.info("tun.open", { tun: this.tun.name, mtu: cfg.tunnelMtu, offload: offload !== null });
    this.kernel = this.opts.kernel ?? new KernelState(this.tun.name, cfg.table, cfg.rulePriority, this.mn.divertedProtocols());
    await this.kernel.setup();
    this.loop = new CoreLoop(this.mn, this.id.key, this.tun, {
      handover: (hoa) => this.links.handoverDone(hoa),
      changed: () => this.state.schedule(),
      forget: (hoa) => this.forget(hoa),
    }, this.log, this.now, offload);
    this.links = new Links({
      mn: this.mn, kernel: this.kernel, loop: this.loop, keep: this.keep, interfaces: () => this.cfg.interfaces,
      roaming: () => this.cfg.roaming, dars: () => this.cfg.dars,
      enqueue: (step) => this.enqueue(step), changed: () => this.state.schedule(), log: this.log, now: this.now,
    });
    await this.links.installRedirects();
    this.loop.start();
    if (this.opts.control !== false) {
      this.control = new MnControl(cfg.socket, {
        mn: this.mn, keep: this.keep, attached: () => this.links.attached, tun: () => this.tun.name,
        routers: () => this.links.learned(), handover: () => this.links.lastHandover(), refusedRas: () => this.links.refusedRas(),
        dataplane: () => this.loop.stats, offload: () => offload?.counters() ?? null, startedAt: this.startedAt, now: this.now,
      }, this.log);
      await this.control.listen();
    }
    if (this.opts.watchLinks !== false) this.links.watch();
    this.keep.start(cfg.keep.intervalMs, (step) => this.enqueue(step));
    this.log.info("mn.started", { runtime: this.core.runtime, tun: this.tun.name, interfaces: cfg.interfaces.map((f) => f.name), roaming: cfg.roaming.map((f) => f.name), sec: cfg.sec, sites: this.mn.sites().length });
  }

  private configureCore(): void {
    this.mn.configure({ spki: this.id.spki, modifier: this.id.modifier, sec: this.cfg.sec, initialTimeoutMs: this.cfg.initialTimeoutMs, lifetime: this.cfg.lifetime, tunnelMtu: this.cfg.tunnelMtu });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.links?.stop();
    this.keep.stop();
    this.state.stop();
    this.loop?.stopTimer();
    await this.control?.close().catch(() => {});
    await this.queue.catch(() => {});
    if (this.loop) await this.loop.stop().catch(() => {});
    if (this.tun) this.state.save();
    await this.kernel?.cleanup().catch((e) => this.log.warn("cleanup.failed", { error: e }));
    this.tun?.close();
    this.log.info("mn.stopped", {});
  }

  /** SIGHUP: keep policy, timeouts, lifetime, interfaces. Key, Sec, TUN, table need a restart. */
  reload(cfg: MnConfig): void {
    const fixed = (["key", "state", "sec", "tun", "table", "rulePriority", "socket"] as const).filter((k) => cfg[k] !== this.cfg[k]);
    // named "settings": the logger redacts a field named like "keys"
    if (fixed.length) this.log.warn("config.restart_needed", { settings: fixed });
    this.cfg = { ...cfg, key: this.cfg.key, state: this.cfg.state, sec: this.cfg.sec, tun: this.cfg.tun, table: this.cfg.table, rulePriority: this.cfg.rulePriority, socket: this.cfg.socket };
    this.configureCore();
    this.keep.start(cfg.keep.intervalMs, (step) => this.enqueue(step));
    this.log.info("config.reloaded", { interfaces: cfg.interfaces.map((f) => f.name), roaming: cfg.roaming.map((f) => f.name) });
    this.enqueue(() => this.links.sweep());
  }

  /** The core keeps `hoa` no longer: no grace period, no handover to measure, no kernel state. */
  private forget(hoa: string): void {
    this.keep.forget(hoa);
    this.links.forget(hoa);
    this.enqueue(() => this.kernel.drop(hoa));
    this.state.schedule();
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch((e) => this.log.error("mn.step_failed", { error: e }));
  }
}

async function defaultOpenTun(name: string, mtu: number, offload: boolean): Promise<Tun> {
  const { openTun } = await import("../tun/linux.js");
  return openTun({ name, mtu, txqueuelen: 1000, offload });
}
