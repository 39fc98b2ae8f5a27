// What the DAR daemon changes in the kernel of its namespace, and how it undoes it.
//
//   sysctl net.ipv6.conf.all.forwarding=1            restored to its old value on exit
//   ip -6 rule add priority P not iif TUN lookup T   the iif trick (PERFORMANCE-NOTES.md): every
//                                                    packet that did NOT come out of the TUN
//                                                    (arriving on the access or core links, or
//                                                    sent by this host) consults table T first;
//                                                    packets the daemon writes back into the TUN
//                                                    skip it and take the main table, so no
//                                                    output can be routed back into the TUN
//   route A_k/128 dev TUN table T                    the anchor, into the TUN: never a local
//                                                    address (PROTOCOL.md §3)
//   route HoA/128 dev TUN table T                    per bound HoA, from the binding events,
//                                                    through rtnetlink before the batch's
//                                                    outputs leave (host/net/routes.ts)
//   tc ingress divert of A_k's signalling             BUs and CoTIs (Next Header 60, 135) into the
//     into the signalling TUN                        signalling TUN, on every interface
//                                                    (anchor-divert.ts); its replies are written
//                                                    into the data TUN, so the rule above holds
//                                                    (the daemon opens that TUN with IPv6 off:
//                                                    signal-tun.ts)
//   tc ingress divert of A_k's reverse tunnel (41)   only when A_k is one of this host's own
//     into the data TUN                              addresses (anchor-divert.ts)
// The delegated prefix itself is NOT routed into the TUN: the core drops packets to unbound
// addresses of its prefix (`unbound`), which would cut off MNs attached at home.
// Stale state from a daemon killed with SIGKILL: its TUN (and with it every route into it)
// disappears with the process; the rule does not, so `up` deletes identical rules first.
import { readFileSync } from "node:fs";
import { ip, sysctl, CommandError } from "../net/ip.js";
import { TunRoutes } from "../net/routes.js";
import type { RouteEvent } from "../core/records.js";
import type { Logger } from "../log.js";
import { AnchorDivert, isLocalAddress, SIGNALLING_PROTOCOLS, type DivertTarget } from "./anchor-divert.js";

/** The kernel side of the daemon, replaceable in tests without root. */
export interface DarNet {
  /** Installs forwarding, the rule and the anchor route for `tun`. Throws on failure. */
  up(): Promise<void>;
  /** Applies binding events in order; the routes are in the kernel when it returns. `quiet`:
   *  no log line per route (the restored bindings at start). */
  apply(events: readonly RouteEvent[], quiet?: boolean): void;
  /** HoAs with a route now. */
  readonly hoas: ReadonlySet<string>;
  /** Removes everything `up` and `apply` installed. */
  down(): Promise<void>;
}

export interface DarNetOptions {
  tun: string;
  /** The signalling TUN (null: the signalling arrives with the data, through the anchor route). */
  signalTun: string | null;
  anchor: string;
  table: number;
  priority: number;
  log: Logger;
}

const FORWARDING = "net.ipv6.conf.all.forwarding";

export class KernelDarNet implements DarNet {
  private routes: TunRoutes | null = null;
  private oldForwarding: string | null = null;
  private ruleInstalled = false;
  private divert: AnchorDivert | null = null;

  constructor(private readonly o: DarNetOptions) {}

  get hoas(): ReadonlySet<string> { return this.routes?.hoas ?? new Set(); }

  private ruleArgs(op: "add" | "del"): string[] {
    return ["-6", "rule", op, "priority", String(this.o.priority), "not", "iif", this.o.tun, "lookup", String(this.o.table)];
  }

  async up(): Promise<void> {
    const { log } = this.o;
    try {
      this.oldForwarding = readFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "utf8").trim();
    } catch { this.oldForwarding = null; }
    if (this.oldForwarding !== "1") await sysctl(FORWARDING, 1);
    log.info("net.sysctl", { key: FORWARDING, value: 1, was: this.oldForwarding });
    // A daemon killed by SIGKILL leaves its rule behind: remove identical ones first.
    for (let i = 0; i < 16; i++) {
      try { await ip(this.ruleArgs("del")); } catch (e) { if (e instanceof CommandError) break; throw e; }
    }
    await ip(this.ruleArgs("add"));
    this.ruleInstalled = true;
    log.info("net.rule", { priority: this.o.priority, selector: `not iif ${this.o.tun}`, table: this.o.table });
    this.routes = await TunRoutes.open({ dev: this.o.tun, table: this.o.table, log: this.o.log });
    this.routes.addAnchor(this.o.anchor);
    // An RA daemon announces a local A_k with the R flag: the kernel must not deliver the
    // profile's packets to it. Signalling goes into its own TUN, whether A_k is local or not.
    const local = isLocalAddress(this.o.anchor);
    const targets: DivertTarget[] = [];
    if (this.o.signalTun || local) for (const proto of SIGNALLING_PROTOCOLS) targets.push({ proto, dev: this.o.signalTun ?? this.o.tun });
    if (local) targets.push({ proto: 41, dev: this.o.tun });
    if (targets.length) {
      this.divert = new AnchorDivert(targets, this.o.anchor, log);
      await this.divert.up();
    }
  }

  apply(events: readonly RouteEvent[], quiet = false): void {
    this.routes?.onEvents(events, quiet);
  }

  async down(): Promise<void> {
    const errors: string[] = [];
    try { await this.divert?.down(); } catch (e) { errors.push((e as Error).message); }
    try { this.routes?.close(); } catch (e) { errors.push((e as Error).message); }
    if (this.ruleInstalled) {
      try { await ip(this.ruleArgs("del")); this.ruleInstalled = false; } catch (e) { errors.push((e as Error).message); }
    }
    if (this.oldForwarding !== null && this.oldForwarding !== "1") {
      try { await sysctl(FORWARDING, this.oldForwarding); } catch (e) { errors.push((e as Error).message); }
    }
    this.o.log.info("net.removed", { tun: this.o.tun, errors: errors.length });
    if (errors.length) throw new Error(`network cleanup: ${errors.join("; ")}`);
  }
}

/** A DarNet that changes nothing (unit tests): records what it was asked. */
export class RecordingDarNet implements DarNet {
  readonly hoas = new Set<string>();
  readonly calls: string[] = [];
  async up(): Promise<void> { this.calls.push("up"); }
  apply(events: readonly RouteEvent[]): void {
    for (const e of events) {
      this.calls.push(`${e.kind} ${e.hoa}`);
      if (e.kind === "removed") this.hoas.delete(e.hoa);
      else this.hoas.add(e.hoa);
    }
  }
  async down(): Promise<void> { this.calls.push("down"); this.hoas.clear(); }
}
