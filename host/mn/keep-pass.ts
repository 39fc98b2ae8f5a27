// The keep pass: every `keep.intervalMs` the agent asks, for each kept site that is not the
// current one, whether its HoA is still needed (host/mn/keep.ts: pinned, an open socket, recent
// tunnel traffic, or the grace period since the MN left the site) and has the core release the
// ones that are not. Also the pins (`fama mn keep`/`unkeep`) and a release on request.
import type { Mn } from "../core/mn.js";
import type { KeepPolicy } from "../config/mn.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { openSocketAddresses, stillNeeded } from "./keep.js";

export interface KeepPassDeps {
  mn: Mn;
  /** The policy in force (it may change on reload). */
  policy: () => KeepPolicy;
  /** After a release: drain the core (its deregistration BU, its events). */
  afterCore: () => void;
  /** The pins changed: the state file is due. */
  changed: () => void;
  log: Logger;
  now: () => number;
  /** Counts as the time the MN left a site it never left while this agent ran. */
  startedAt: number;
}

export class KeepPass {
  /** Addresses the policy never releases (`fama mn keep`). */
  readonly pins = new Set<string>();
  /** when the MN left each site (ms), for the grace period */
  private readonly leftAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly d: KeepPassDeps) {}

  /** (Re)starts the pass every `intervalMs`; `enqueue` runs it after the agent's queued steps. */
  start(intervalMs: number, enqueue: (step: () => void) => void): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => enqueue(() => this.run()), intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The MN left the site of `hoa` at `at` (ms): its grace period starts. */
  left(hoa: string, at: number): void { this.leftAt.set(hoa, at); }
  /** `hoa` is the CoA again. */
  arrived(hoa: string): void { this.leftAt.delete(hoa); }
  /** `hoa` is kept no longer. */
  forget(hoa: string): void { this.leftAt.delete(hoa); }

  pin(hoa: string): string[] {
    this.pins.add(hoa);
    this.d.log.info("address.pinned", { hoa });
    this.d.changed();
    return [...this.pins];
  }

  unpin(hoa: string): { removed: boolean; pins: string[] } {
    const removed = this.pins.delete(hoa);
    if (removed) this.d.log.info("address.unpinned", { hoa });
    this.d.changed();
    return { removed, pins: [...this.pins] };
  }

  /** Releases the site of `hoa` now (control socket `release`). */
  release(hoa: string): void {
    const s = this.d.mn.sites().find((x) => x.hoa === hoa);
    if (!s) throw new InputError(`${hoa} is not a kept address`);
    this.d.mn.release(s.index, this.d.now());
    this.d.afterCore();
  }

  /** One pass over the kept sites. */
  run(): void {
    if (this.stopped) return;
    const now = this.d.now();
    const policy = this.d.policy();
    const sockets = policy.sockets ? openSocketAddresses(policy.listening) : null;
    for (const s of this.d.mn.sites()) {
      if (s.current || s.releasing) continue;
      const verdict = stillNeeded({ hoa: s.hoa, lastActivity: s.lastActivity, leftAt: this.leftAt.get(s.hoa) ?? this.d.startedAt }, now, policy.idleTimeoutS, this.pins, sockets);
      if (verdict.keep) continue;
      this.d.log.info("address.release", { hoa: s.hoa, why: verdict.why });
      this.d.mn.release(s.index, now);
      this.d.afterCore();
    }
  }
}
