// The kernel side of the MN (verified on this kernel, see host/mn/README.md):
//   * the CoA H_j on the access interface (/64, nodad) so the DAR's neighbour discovery
//     finds it, plus a /128 copy on lo: the same address may sit on two devices, and the lo
//     copy survives the access link going away, so sockets bound to H_j keep working and the
//     kernel accepts the decapsulated packets to H_j written into the TUN;
//   * the default route via the DAR's gateway on the access interface;
//   * one routing table T with `default dev TUN`, and `from H_k lookup T` for each kept HoA
//     that is not the CoA: the local stack's packets from H_k go into the TUN (the core
//     encapsulates them); packets to local addresses still hit the local table first;
//   * IPv6 forwarding on: what the agent writes into the TUN (outer packets from the CoA,
//     BUs, CoTIs) is input to the kernel, which drops non-local destinations unless it
//     forwards; restored on exit;
//   * a tc clsact ingress filter per access interface, anchor and protocol of the core's list
//     (Mn.divertedProtocols, assembly/mn/divert.ts: 41 tunnel, 43 BA with its Type 2 Routing
//     Header, 135 CoT) that redirects the anchor's packets into the TUN: the kernel never sees
//     them (PROTOCOL.md §3, it would answer with Parameter Problem), while neighbour discovery
//     and pings from the DAR go on normally.
//     Installed once per interface (at start, or when the interface appears / is re-created /
//     comes back from another namespace, which loses its qdiscs), not on every link-up: a
//     `tc` process costs milliseconds, and carrier changes keep the filters.
// Addresses, the default route and the rules go through rtnetlink synchronously
// (host/net/rtnl.ts: tens of microseconds each) because the link-up path needs them before
// the BUs leave; the table's route, sysctl and tc are set up once, with processes.
// Everything added is recorded so that `cleanup()` removes exactly that.
import { ip, run, sysctl } from "../net/ip.js";
import { Rtnetlink } from "../net/rtnl.js";
import { NeighborAdvertiser, macOf } from "../net/ndisc.js";
import { parseIPv6 } from "../ipv6.js";
import { readFileSync } from "node:fs";

/** Interface index of `dev` in this namespace, or 0 when there is no such interface. */
export function ifindexOf(dev: string): number {
  try { return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, "utf8")) || 0; } catch { return 0; }
}

function addr(a: string): Uint8Array {
  const b = parseIPv6(a);
  if (!b) throw new Error(`not an IPv6 address: ${a}`);
  return b;
}

/** The `tc -batch` lines that redirect into `tun` the packets arriving on `dev` from each anchor
 *  whose first Next Header is one of `protocols`, on a fresh clsact qdisc. */
export function redirectBatch(dev: string, tun: string, anchors: readonly string[], protocols: readonly number[]): string[] {
  const lines = [`qdisc add dev ${dev} clsact`];
  let pref = 10;
  for (const a of anchors) {
    for (const proto of protocols) {
      lines.push(`filter add dev ${dev} ingress protocol ipv6 pref ${pref++} u32 match ip6 src ${a}/128 match ip6 protocol ${proto} 0xff action mirred egress redirect dev ${tun}`);
    }
  }
  return lines;
}

/** What the link-up path did and what each step cost (µs). */
export interface AttachTimes { neighUs: number; addrUs: number; routeUs: number; unruleUs: number; naUs: number }

export class KernelState {
  private readonly loAddrs = new Set<string>();
  private readonly ifAddrs = new Map<string, { dev: string; ifindex: number }>(); // "addr dev"
  private readonly rules = new Set<string>();
  /** dev -> ifindex and anchor set the redirect filters were installed for */
  private readonly filters = new Map<string, { ifindex: number; anchors: string }>();
  private tableRoute = false;
  private savedForwarding: string | null = null;
  private nl: Rtnetlink | null = null;
  private na: NeighborAdvertiser | null = null;
  /** lo is interface 1 in every namespace */
  private readonly loIndex = 1;

  /** Works in this process's network namespace (interfaces are looked up in its /sys).
   *  `protocols`: what the redirect diverts (the core's list, Mn.divertedProtocols). */
  constructor(readonly tun: string, readonly table: number, readonly priority: number, readonly protocols: readonly number[]) {}

  private get rt(): Rtnetlink {
    if (!this.nl) this.nl = new Rtnetlink();
    return this.nl;
  }

  /** Forwarding on, the table's default route into the TUN. */
  async setup(): Promise<void> {
    try { this.savedForwarding = readFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "utf8").trim(); } catch { this.savedForwarding = null; }
    await sysctl("net.ipv6.conf.all.forwarding", 1);
    await ip(["-6", "route", "replace", "default", "dev", this.tun, "table", String(this.table)]);
    this.tableRoute = true;
    void this.rt;
  }

  /**
   * The time-critical part of a link-up, synchronous: the CoA on `dev` (the DAR's neighbour
   * discovery for the BA's destination needs it there), the default route via `gateway` (the
   * BUs' way out), and no `from coa lookup T` rule (back at a DAR whose address is kept: the
   * BUs from that address must not loop into the TUN). And first no neighbour entry for the
   * gateway: packets sent while the link had no carrier (before the default route moved away)
   * leave it INCOMPLETE with its 1 s solicitation timer running, and the BUs would wait in its
   * queue (or be dropped) until that timer fires, up to a second later: a fresh entry
   * solicits at once.
   */
  attachFast(dev: string, coa: string, gateway: string): AttachTimes {
    const ifindex = ifindexOf(dev);
    if (!ifindex) throw new Error(`no interface ${dev}`);
    const a = addr(coa);
    const g = addr(gateway);
    const tn = performance.now();
    this.rt.neighDelete(ifindex, g);
    const t0 = performance.now();
    this.rt.addrReplace(ifindex, a, 64, { nodad: true });
    this.ifAddrs.set(`${coa} ${dev}`, { dev, ifindex });
    const t1 = performance.now();
    this.rt.defaultRouteReplace(g, ifindex);
    const t2 = performance.now();
    this.unrule(coa);
    const t3 = performance.now();
    // the unsolicited NA for the CoA (host/net/ndisc.ts): a DAR still soliciting for it (the MN
    // left and came back) resolves it now rather than at its next solicitation, up to 1 s later
    let naOk = false;
    try {
      const mac = macOf(readFileSync(`/sys/class/net/${dev}/address`, "utf8"));
      if (mac) {
        (this.na ??= new NeighborAdvertiser()).advertise(ifindex, a, mac);
        naOk = true;
      }
    } catch { /* best effort: the DAR's own solicitation still finds the address */ }
    const t4 = performance.now();
    const us = (x: number) => Math.round(x * 1000);
    return { neighUs: us(t0 - tn), addrUs: us(t1 - t0), routeUs: us(t2 - t1), unruleUs: us(t3 - t2), naUs: naOk ? us(t4 - t3) : -1 };
  }

  /** The CoA's lo copy (sockets bound to it survive the access link). Not time-critical. */
  attachRest(coa: string): void {
    this.loCopy(coa);
  }

  /**
   * Deletes the neighbour entry of `gateway` on `dev`, a link the MN is no longer attached to
   * (it lost carrier but stays in the namespace). Packets sent between the carrier loss and the
   * new default route went to the old gateway and wait, unresolved, in that entry's queue until
   * it fails (3 solicitations, about 3 s, none of which can leave); a TCP segment held there
   * counts as still in the host, and TCP does not retransmit it (TCPSpuriousRtxHostQueues)
   * while its RTO backs off: the session stalled for seconds. Deleting the entry drops the
   * queue at once (the sockets see a link failure), so the next retransmission takes the new
   * route. False when there was no entry.
   */
  forgetGateway(dev: string, gateway: string): boolean {
    const ifindex = ifindexOf(dev);
    if (!ifindex) return false;
    try { return this.rt.neighDelete(ifindex, addr(gateway)); } catch { return false; }
  }

  private loCopy(a: string): void {
    if (this.loAddrs.has(a)) return;
    this.rt.addrReplace(this.loIndex, addr(a), 128, { nodad: true });
    this.loAddrs.add(a);
  }

  /** True if `dev`'s redirect filters are in place for this interface and these anchors. */
  hasRedirect(dev: string, anchors: readonly string[]): boolean {
    const f = this.filters.get(dev);
    return !!f && f.ifindex === ifindexOf(dev) && f.anchors === [...anchors].sort().join(" ");
  }

  /** Forgets `dev`'s filters (the interface left the namespace or was deleted). */
  lostRedirect(dev: string): void {
    this.filters.delete(dev);
  }

  /** tc redirect of the anchors' tunnel/MH packets arriving on `dev` into the TUN. */
  async redirect(dev: string, anchors: readonly string[]): Promise<void> {
    const ifindex = ifindexOf(dev);
    if (!ifindex) throw new Error(`no interface ${dev}`);
    // A fresh clsact (the interface may still carry an older set of filters).
    await quiet(run("tc", ["qdisc", "del", "dev", dev, "clsact"]));
    const lines = redirectBatch(dev, this.tun, anchors, this.protocols);
    await run("tc", ["-batch", "-"], { input: lines.join("\n") + "\n" });
    this.filters.set(dev, { ifindex, anchors: [...anchors].sort().join(" ") });
  }

  /** `from hoa lookup T` and the lo copy: the local stack's packets from hoa go into the TUN. */
  keep(hoa: string): void {
    this.loCopy(hoa);
    if (this.rules.has(hoa)) return;
    this.rt.ruleAdd(addr(hoa), this.table, this.priority);
    this.rules.add(hoa);
  }

  /** Removes the rule (hoa is the CoA again: back home). */
  unrule(hoa: string): void {
    if (!this.rules.delete(hoa)) return;
    this.rt.ruleDelete(addr(hoa), this.table, this.priority);
  }

  /** Forgets an address entirely: rule, lo copy, access interface copies. */
  drop(hoa: string): void {
    this.unrule(hoa);
    if (this.loAddrs.delete(hoa)) this.rt.addrDelete(this.loIndex, addr(hoa), 128);
    for (const [k, v] of [...this.ifAddrs]) {
      if (!k.startsWith(`${hoa} `)) continue;
      this.ifAddrs.delete(k);
      // the interface may have been re-created or gone meanwhile: only its current index
      if (ifindexOf(v.dev) === v.ifindex) quietSync(() => this.rt.addrDelete(v.ifindex, addr(hoa), 64));
    }
  }

  ruled(): string[] { return [...this.rules]; }
  addresses(): string[] { return [...this.loAddrs]; }

  /** Removes everything this object added; keeps going past failures (links may be gone). */
  async cleanup(): Promise<void> {
    for (const hoa of [...this.rules]) quietSync(() => this.unrule(hoa));
    this.rules.clear();
    for (const hoa of [...this.loAddrs]) quietSync(() => this.rt.addrDelete(this.loIndex, addr(hoa), 128));
    this.loAddrs.clear();
    for (const [k, v] of this.ifAddrs) {
      if (ifindexOf(v.dev) === v.ifindex) quietSync(() => this.rt.addrDelete(v.ifindex, addr(k.split(" ")[0]!), 64));
    }
    this.ifAddrs.clear();
    for (const dev of this.filters.keys()) await quiet(run("tc", ["qdisc", "del", "dev", dev, "clsact"]));
    this.filters.clear();
    if (this.tableRoute) await quiet(ip(["-6", "route", "flush", "table", String(this.table)]));
    this.tableRoute = false;
    if (this.savedForwarding !== null) await quiet(sysctl("net.ipv6.conf.all.forwarding", this.savedForwarding));
    this.savedForwarding = null;
    this.nl?.close();
    this.nl = null;
    this.na?.close();
    this.na = null;
  }
}

async function quiet(p: Promise<unknown>): Promise<void> {
  try { await p; } catch { /* already gone (the link left the namespace, or never existed) */ }
}

function quietSync(fn: () => unknown): void {
  try { fn(); } catch { /* already gone */ }
}
