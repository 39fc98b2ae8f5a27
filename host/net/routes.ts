// Kernel routes that follow the core's binding events, on a DAR:
//   * the anchor address A_k: a /128 into the TUN, so the kernel hands BUs, CoTIs, echo requests
//     and reverse-tunnelled packets to the core instead of treating A_k as a local address
//     (a kernel without MIP6 would answer a Home Address option with Parameter Problem:
//     PROTOCOL.md §3). A_k must not also be configured as a local address.
//   * each bound HoA: a /128 into the TUN (added/moved: replace, idempotent; removed: delete),
//     so packets from correspondents to the HoA reach the core, which tunnels them to the CoA.
// Changes go through rtnetlink synchronously (host/net/netlink.ts): when `apply` returns, the
// kernel has the route, so a batch's outputs (written after its events are applied) are routed
// by the new table — a deregistration's BA to the former HoA does not loop into the TUN.
// Everything this manager installed is removed by `close()`.
import { parseIPv6 } from "../ipv6.js";
import { linkIndex } from "./ip.js";
import { RouteSocket, ifIndex } from "./netlink.js";
import type { RouteEvent } from "../core/records.js";
import type { Logger } from "../log.js";

export interface TunRoutesOptions {
  /** The TUN device the routes point into. */
  dev: string;
  /** Namespace to act in (default: this process's). */
  ns?: string;
  /** Routing table (default main). */
  table?: number;
  log?: Logger;
}

const MAIN_TABLE = 254;

export class TunRoutes {
  /** HoAs with a route into the TUN now. */
  readonly hoas = new Set<string>();
  readonly anchors = new Set<string>();
  /** Route changes that failed (logged; the next event for the HoA retries). */
  failures = 0;

  private constructor(
    private readonly opts: TunRoutesOptions,
    private readonly socket: RouteSocket,
    private readonly ifindex: number,
  ) {}

  static async open(opts: TunRoutesOptions): Promise<TunRoutes> {
    const index = opts.ns ? await linkIndex(opts.dev, opts.ns) : ifIndex(opts.dev);
    return new TunRoutes(opts, new RouteSocket(opts.ns), index);
  }

  private get table(): number { return this.opts.table ?? MAIN_TABLE; }

  private address(text: string): Uint8Array {
    const a = parseIPv6(text);
    if (!a) throw new Error(`not an IPv6 address: ${text}`);
    return a;
  }

  /** Routes an anchor address into the TUN. Throws on failure. */
  addAnchor(addr: string): void {
    this.socket.replace(this.address(addr), this.ifindex, this.table);
    this.anchors.add(addr);
    this.opts.log?.info("route.anchor", { dst: `${addr}/128`, dev: this.opts.dev });
  }

  /** Applies binding events in order (after each batch and tick of the data plane). `quiet`
   *  skips the line per route (a restart restoring a million bindings would queue a million). */
  onEvents = (events: readonly RouteEvent[], quiet = false): void => {
    for (const e of events) this.apply(e, quiet);
  };

  apply(e: RouteEvent, quiet = false): void {
    const log = quiet ? undefined : this.opts.log;
    if (e.kind === "refreshed") return; // same CoA: the route stands
    try {
      if (e.kind === "removed") {
        this.socket.delete(this.address(e.hoa), this.ifindex, this.table);
        this.hoas.delete(e.hoa);
        log?.info("route.removed", { hoa: e.hoa });
      } else {
        this.socket.replace(this.address(e.hoa), this.ifindex, this.table);
        this.hoas.add(e.hoa);
        log?.info(`route.${e.kind}`, { hoa: e.hoa, coa: e.coa, lifetime: e.lifetime, seq: e.seq });
      }
    } catch (err) {
      this.failures++;
      this.opts.log?.error("route.failed", { what: `${e.kind} ${e.hoa}`, error: err });
    }
  }

  /** Removes every route this manager installed. */
  close(): void {
    for (const addr of [...this.hoas, ...this.anchors]) {
      try {
        this.socket.delete(this.address(addr), this.ifindex, this.table);
      } catch (e) {
        this.opts.log?.warn("route.cleanup_failed", { dst: addr, error: e });
      }
    }
    this.hoas.clear();
    this.anchors.clear();
    this.socket.close();
  }
}
