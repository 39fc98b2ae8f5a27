// Kernel routes that follow the core's binding events, on a DAR:
//   * the anchor address A_k: a /128 into the TUN, so the kernel hands BUs, CoTIs, echo requests
//     and reverse-tunnelled packets to the core instead of treating A_k as a local address
//     (a kernel without MIP6 would answer a Home Address option with Parameter Problem:
//     PROTOCOL.md §3). A_k must not also be configured as a local address.
//   * each bound HoA: a /128 into the TUN (added/moved: `replace`, idempotent; removed: delete),
//     so packets from correspondents to the HoA reach the core, which tunnels them to the CoA.
// Changes are applied in event order through one queue (the data-plane callback only enqueues),
// and everything this manager installed is removed by `close()`.
import { routeReplace, routeDelIfExists, type RouteSpec } from "./ip.js";
import type { BindingEvent } from "../dataplane.js";
import type { Logger } from "../log.js";

export interface TunRoutesOptions {
  /** The TUN device the routes point into. */
  dev: string;
  /** Namespace to act in (default: this process's). */
  ns?: string;
  /** Routing table (default main). */
  table?: number | string;
  log?: Logger;
}

export class TunRoutes {
  /** HoAs with a route into the TUN now (after the queue has drained). */
  readonly hoas = new Set<string>();
  readonly anchors = new Set<string>();
  /** Route changes that failed (logged; the next event for the HoA retries). */
  failures = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: TunRoutesOptions) {}

  private spec(addr: string): RouteSpec {
    return { dst: `${addr}/128`, dev: this.opts.dev, table: this.opts.table };
  }

  private enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn).catch((e: unknown) => {
      this.failures++;
      this.opts.log?.error("route.failed", { what, error: e });
    });
    this.queue = next;
    return next;
  }

  /** Routes an anchor address into the TUN. */
  addAnchor(addr: string): Promise<void> {
    return this.enqueue(`anchor ${addr}`, async () => {
      await routeReplace(this.spec(addr), this.opts.ns);
      this.anchors.add(addr);
      this.opts.log?.info("route.anchor", { dst: `${addr}/128`, dev: this.opts.dev });
    });
  }

  /** Applies binding events in order (the data plane's `onEvents`). Does not wait. */
  onEvents = (events: readonly BindingEvent[]): void => {
    for (const e of events) void this.apply(e);
  };

  apply(e: BindingEvent): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (e.kind === "removed") {
      return this.enqueue(`remove ${e.hoa}`, async () => {
        await routeDelIfExists(this.spec(e.hoa), this.opts.ns);
        this.hoas.delete(e.hoa);
        this.opts.log?.info("route.removed", { hoa: e.hoa });
      });
    }
    return this.enqueue(`${e.kind} ${e.hoa}`, async () => {
      await routeReplace(this.spec(e.hoa), this.opts.ns);
      this.hoas.add(e.hoa);
      this.opts.log?.info(`route.${e.kind}`, { hoa: e.hoa, coa: e.coa, lifetime: e.lifetime, seq: e.seq });
    });
  }

  /** Waits until every queued change has been applied (or has failed). */
  flush(): Promise<void> { return this.queue; }

  /** Removes every route this manager installed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    for (const addr of [...this.hoas, ...this.anchors]) {
      try { await routeDelIfExists(this.spec(addr), this.opts.ns); } catch (e) { this.opts.log?.warn("route.cleanup_failed", { dst: addr, error: e }); }
    }
    this.hoas.clear();
    this.anchors.clear();
  }
}
