// The MN core's driver, and the one place in the agent that touches the data-plane loop
// (host/dataplane.ts) and the core's events: the loop runs the MN role's batches over the TUN,
// a timer ticks the core when it next has work (mn_next_timer, at least every second), and
// after every core call (a batch, a tick, an attachment, a release) `afterCore` answers the
// key requests at once (host/mn/requests.ts), logs each event and hands the agent what it must
// act on (CoreLoopHooks), then flushes the outbox into the TUN, unless an attachment holds it
// while it installs its kernel state.
import type { KeyObject } from "node:crypto";
import type { Mn, MnEvent } from "../core/mn.js";
import { Dataplane, type DataplaneStats } from "../dataplane.js";
import type { Logger } from "../log.js";
import type { OffloadPass } from "../offload.js";
import type { Tun } from "../tun/types.js";
import { service } from "./requests.js";

/** What the agent does about the core's events. */
export interface CoreLoopHooks {
  /** Extra fields for a site's `bound` log line (its handover latency), or null. */
  handover(hoa: string): Record<string, unknown> | null;
  /** The sites changed: the state file is due. */
  changed(): void;
  /** The core keeps `hoa` no longer (rejected or released): undo what was done for it. */
  forget(hoa: string): void;
}

export class CoreLoop {
  /** While an attachment installs its kernel state, the core's BUs wait in the outbox. */
  holdOutbox = false;
  private dataplane: Dataplane | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly mn: Mn, private readonly key: KeyObject, private readonly tun: Tun,
    private readonly hooks: CoreLoopHooks, private readonly log: Logger, private readonly now: () => number,
    private readonly offload: OffloadPass | null = null,
  ) {}

  /** Runs the data-plane loop over the TUN and arms the core timer. */
  start(): void {
    this.dataplane = new Dataplane({
      tun: this.tun, core: this.mn, tickMs: 0, now: this.now, log: this.log, offload: this.offload,
      // anything the agent must act on after a batch: events or queued packets
      afterBatch: () => { if (this.mn.eventCount() + this.mn.outboxCount() > 0) this.afterCore(); },
    });
    void this.dataplane.run().catch((e) => this.log.error("dataplane.failed", { error: e }));
    this.schedule();
  }

  /** The data-plane loop's counters (the control socket's status), or null before start. */
  get stats(): DataplaneStats | null {
    return this.dataplane ? { ...this.dataplane.stats } : null;
  }

  /** Drains events (answering key requests) and the outbox; re-arms the core timer. */
  afterCore(): void {
    const events = service(this.mn, this.key, this.now);
    for (const ev of events) this.onEvent(ev);
    this.flushOutbox();
    this.schedule();
  }

  /** No more timer ticks (the agent is stopping; afterCore still drains). */
  stopTimer(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async stop(): Promise<void> {
    this.stopTimer();
    if (this.dataplane) await this.dataplane.stop();
  }

  private flushOutbox(): void {
    if (this.holdOutbox) return;
    this.mn.flushOutbox((mem, off, len) => {
      if (!this.tun.write(mem, off, len)) this.log.warn("tun.write_failed", { len });
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const t = this.mn.nextTimer();
    const delay = t === null ? 1000 : Math.min(1000, Math.max(0, t - this.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
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
      case "bound":
        this.log.info("bound", { ...base, coa: ev.coa, lifetime: ev.lifetime, mode: ev.mode, seq: ev.seq, ...this.hooks.handover(ev.hoa) });
        this.hooks.changed();
        break;
      case "home":
        this.log.info("home", { ...base, deregistered: true });
        this.hooks.changed();
        break;
      case "rejected":
        this.log.warn("address.rejected", { ...base, status: ev.status });
        this.hooks.forget(ev.hoa);
        break;
      case "released":
        this.log.info("address.released", base);
        this.hooks.forget(ev.hoa);
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
}
