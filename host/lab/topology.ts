// The lab domain in network namespaces: a CN, a core router, DARs (three by default), one MN.
//
//                           2001:db8:c::/64
//                     CN ─────────────────── core
//            2001:db8:c::2   to-core  to-cn  │ 2001:db8:c::1
//                                            │ to-dar1/2/3, core side ::1
//                       2001:db8:ff:k::/64   │
//                                   to-core  │ DAR_k side ::2
//                 ┌──────────────┬───────────┴─┐
//               DAR1           DAR2           DAR3      anchors A_k = 2001:db8:a:k::1
//                acc            acc            acc      access prefix P_k = 2001:db8:k::/64
//        2001:db8:1::1   2001:db8:2::1   2001:db8:3::1  (DAR side ::1)
//                 │              │              │
//               acc1           acc2           acc3      the MN ends of the three access links:
//                 └─ one of them in MN, the others parked in the "air" namespace
//
// Addressing plan (k = DAR number, in hex if ever > 9):
//   CN link         2001:db8:c::/64        core ::1, CN ::2
//   core <-> DAR_k  2001:db8:ff:k::/64     core ::1, DAR_k ::2
//   access P_k      2001:db8:k::/64        DAR_k ::1 (on `acc`), MN's plain address ::100
//   anchor block    2001:db8:a:k::/64      routed by the core to DAR_k
//     A_k           2001:db8:a:k::1        the anchor address (on DAR_k's lo when anchors="local";
//                                          anchors="none" leaves it to the DAR daemon, which routes
//                                          it into its TUN: PROTOCOL.md §3)
//     SID_k         2001:db8:a:k::5        the kernel IPv6-in-IPv6 baseline's decapsulation point
// The core has static routes for every P_k and anchor block via DAR_k; DARs and the CN default to
// the core; the MN defaults to the DAR it is attached to. IPv6 forwarding on the core and the
// DARs; DAD off everywhere (nodad + accept_dad=0 as the namespace default, so links moved in later
// inherit it).
//
// Moving the MN: one veth pair per DAR. The DAR end (`acc`) stays in DAR_k; the MN end (`acc<k>`)
// lives either in the MN namespace (attached) or in the parking namespace "air". `attach(k)` first
// moves the current MN end to "air" (the kernel takes it down: carrier lost on both ends, the MN's
// addresses on it flushed: a clean link-down), then moves `acc<k>` into the MN, sets it up, adds
// the MN's address in P_k and the default route via DAR_k (link-up). Interface names say which DAR
// an MN interface reaches. `detach()` is the first half alone.
import {
  NetScope, ip, ipBatch, ipv6Defaults, netnsExec, sysctls, sweepStale as sweepByPrefix, linkSetNetns,
  type RunResult,
} from "../net/ip.js";

export const PLAN = {
  cnLink: "2001:db8:c::/64",
  coreOnCnLink: "2001:db8:c::1",
  cn: "2001:db8:c::2",
  hex: (k: number) => k.toString(16),
  coreLink: (k: number) => `2001:db8:ff:${PLAN.hex(k)}::/64`,
  coreOnDarLink: (k: number) => `2001:db8:ff:${PLAN.hex(k)}::1`,
  darOnCoreLink: (k: number) => `2001:db8:ff:${PLAN.hex(k)}::2`,
  prefix: (k: number) => `2001:db8:${PLAN.hex(k)}::/64`,
  darAccess: (k: number) => `2001:db8:${PLAN.hex(k)}::1`,
  mnAddress: (k: number) => `2001:db8:${PLAN.hex(k)}::100`,
  anchorBlock: (k: number) => `2001:db8:a:${PLAN.hex(k)}::/64`,
  anchor: (k: number) => `2001:db8:a:${PLAN.hex(k)}::1`,
  sid: (k: number) => `2001:db8:a:${PLAN.hex(k)}::5`,
} as const;

export interface TopologyOptions {
  /** Prefix of every namespace name; unique per run, e.g. `fama-${process.pid}-`. */
  prefix: string;
  dars?: number;
  /** "local" (default): A_k on DAR_k's loopback; "none": the DAR daemon routes it into its TUN. */
  anchors?: "local" | "none";
  /** DAR the MN starts at (default 1; 0: not attached). */
  attach?: number;
  /** MTU of every link (default 1500). */
  mtu?: number;
  /** Called after each build phase with its name (tests use it to fail mid-build). */
  onStep?: (step: string) => void | Promise<void>;
}

export interface Namespaces { cn: string; core: string; dars: string[]; mn: string; air: string }

export class Topology {
  readonly ns: Namespaces;
  readonly dars: number;
  /** The DAR the MN is attached to (0: none). */
  attachedTo = 0;
  private constructor(readonly opts: Required<Omit<TopologyOptions, "onStep">> & Pick<TopologyOptions, "onStep">, private readonly scope: NetScope) {
    const p = opts.prefix;
    this.dars = opts.dars;
    this.ns = { cn: `${p}cn`, core: `${p}core`, dars: Array.from({ length: opts.dars }, (_, i) => `${p}dar${i + 1}`), mn: `${p}mn`, air: `${p}air` };
  }

  /** Builds the domain. On any failure everything created so far is removed and the error rethrown. */
  static async build(options: TopologyOptions): Promise<Topology> {
    const opts = { dars: 3, anchors: "local" as const, attach: 1, mtu: 1500, ...options };
    if (opts.dars < 1 || opts.dars > 15) throw new Error(`dars must be 1..15, not ${opts.dars}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.prefix)) throw new Error(`bad namespace prefix ${JSON.stringify(opts.prefix)}`);
    const topo = new Topology(opts, new NetScope(`lab ${opts.prefix}`));
    try {
      await topo.create();
    } catch (e) {
      try { await topo.destroy(); } catch (c) { throw new AggregateError([e, c], `lab build failed (${(e as Error).message}) and cleanup failed too`); }
      throw e;
    }
    return topo;
  }

  darNs(k: number): string {
    const ns = this.ns.dars[k - 1];
    if (!ns) throw new Error(`no DAR ${k} (have 1..${this.dars})`);
    return ns;
  }

  /** Every namespace of the lab. */
  allNamespaces(): string[] { return [this.ns.cn, this.ns.core, ...this.ns.dars, this.ns.mn, this.ns.air]; }

  private async step(name: string): Promise<void> { await this.opts.onStep?.(name); }

  private async create(): Promise<void> {
    const { ns, opts } = this;
    const mtu = String(opts.mtu);
    for (const n of this.allNamespaces()) await this.scope.netns(n);
    await this.step("namespaces");

    await Promise.all([
      ipv6Defaults(ns.cn, { forwarding: false }),
      ipv6Defaults(ns.mn, { forwarding: false }),
      ipv6Defaults(ns.air, { forwarding: false }),
      ipv6Defaults(ns.core, { forwarding: true }),
      ...ns.dars.map((d) => ipv6Defaults(d, { forwarding: true })),
    ]);
    await this.step("sysctls");

    // Links (created directly in their namespaces; deleting a namespace deletes them).
    const links: string[][] = [["link", "add", "to-core", "netns", ns.cn, "type", "veth", "peer", "name", "to-cn", "netns", ns.core]];
    for (let k = 1; k <= this.dars; k++) {
      const d = this.darNs(k);
      links.push(["link", "add", `to-dar${k}`, "netns", ns.core, "type", "veth", "peer", "name", "to-core", "netns", d]);
      links.push(["link", "add", "acc", "netns", d, "type", "veth", "peer", "name", `acc${k}`, "netns", ns.air]);
    }
    await ipBatch(links);
    await this.step("links");

    // CN
    await ipBatch([
      ["link", "set", "lo", "up"],
      ["link", "set", "to-core", "mtu", mtu, "up"],
      ["addr", "add", `${PLAN.cn}/64`, "dev", "to-core", "nodad"],
      ["route", "add", "::/0", "via", PLAN.coreOnCnLink, "dev", "to-core"],
    ], ns.cn);
    // core
    const core: string[][] = [
      ["link", "set", "lo", "up"],
      ["link", "set", "to-cn", "mtu", mtu, "up"],
      ["addr", "add", `${PLAN.coreOnCnLink}/64`, "dev", "to-cn", "nodad"],
    ];
    for (let k = 1; k <= this.dars; k++) {
      core.push(
        ["link", "set", `to-dar${k}`, "mtu", mtu, "up"],
        ["addr", "add", `${PLAN.coreOnDarLink(k)}/64`, "dev", `to-dar${k}`, "nodad"],
        ["route", "add", PLAN.prefix(k), "via", PLAN.darOnCoreLink(k), "dev", `to-dar${k}`],
        ["route", "add", PLAN.anchorBlock(k), "via", PLAN.darOnCoreLink(k), "dev", `to-dar${k}`],
      );
    }
    await ipBatch(core, ns.core);
    await this.step("core");
    // DARs
    for (let k = 1; k <= this.dars; k++) {
      const cmds: string[][] = [
        ["link", "set", "lo", "up"],
        ["link", "set", "to-core", "mtu", mtu, "up"],
        ["addr", "add", `${PLAN.darOnCoreLink(k)}/64`, "dev", "to-core", "nodad"],
        ["route", "add", "::/0", "via", PLAN.coreOnDarLink(k), "dev", "to-core"],
        ["link", "set", "acc", "mtu", mtu, "up"],
        ["addr", "add", `${PLAN.darAccess(k)}/64`, "dev", "acc", "nodad"],
      ];
      if (opts.anchors === "local") cmds.push(["addr", "add", `${PLAN.anchor(k)}/128`, "dev", "lo", "nodad"]);
      await ipBatch(cmds, this.darNs(k));
      await this.step(`dar${k}`);
    }
    // MN and the parked access ends
    await ipBatch([["link", "set", "lo", "up"]], ns.mn);
    const air: string[][] = [];
    for (let k = 1; k <= this.dars; k++) air.push(["link", "set", `acc${k}`, "mtu", mtu]);
    await ipBatch(air, ns.air);
    if (opts.attach) await this.attach(opts.attach);
    await this.step("mn");
  }

  /** The MN's interface name towards DAR_k. */
  mnDev(k: number): string { return `acc${k}`; }

  /** Link-down: the MN's current access link goes back to the air. */
  async detach(): Promise<void> {
    const j = this.attachedTo;
    if (!j) return;
    await linkSetNetns(this.mnDev(j), this.ns.air, this.ns.mn);
    this.attachedTo = 0;
  }

  /**
   * Moves the MN to DAR_k: detach (link-down at the old DAR), then link-up at DAR_k with the MN's
   * plain address in P_k (`address`, default PLAN.mnAddress(k); null: none) and a default route
   * via DAR_k. Returns the MN's interface name.
   */
  async attach(k: number, opts: { address?: string | null } = {}): Promise<string> {
    this.darNs(k);
    if (this.attachedTo === k) return this.mnDev(k);
    await this.detach();
    const dev = this.mnDev(k);
    await linkSetNetns(dev, this.ns.mn, this.ns.air);
    const address = opts.address === undefined ? PLAN.mnAddress(k) : opts.address;
    const cmds: string[][] = [["link", "set", dev, "up"]];
    if (address) cmds.push(["addr", "add", `${address}/64`, "dev", dev, "nodad"]);
    cmds.push(["route", "replace", "::/0", "via", PLAN.darAccess(k), "dev", dev]);
    await ipBatch(cmds, this.ns.mn);
    this.attachedTo = k;
    return dev;
  }

  /** Runs a program inside one of the lab's namespaces. */
  exec(ns: string, file: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    return netnsExec(ns, file, args, opts);
  }

  /**
   * True if `count` echo replies from `dst` arrive at `ns` (optionally sent from `src`) within
   * `waitS` seconds (default 3). Requests go out every 200 ms until then, so a first request lost
   * to neighbour discovery on a link that just came up does not fail the check.
   */
  async ping(ns: string, dst: string, opts: { src?: string; count?: number; waitS?: number } = {}): Promise<boolean> {
    const args = ["-n", "-q", "-c", String(opts.count ?? 1), "-i", "0.2", "-w", String(opts.waitS ?? 3)];
    if (opts.src) args.push("-I", opts.src);
    args.push(dst);
    try { await netnsExec(ns, "ping", args, { timeoutMs: 15_000 }); return true; } catch { return false; }
  }

  /** Removes everything the lab created (namespaces, and with them every link inside). */
  async destroy(): Promise<void> { await this.scope.close(); }

  /** Registers extra cleanup (a daemon process, a TUN) to run when the lab is destroyed. */
  defer(label: string, fn: () => Promise<unknown> | unknown, syncFallback?: () => void): void { this.scope.defer(label, fn, syncFallback); }

  get netScope(): NetScope { return this.scope; }
}

/** Removes namespaces (and links) left behind by a crashed run whose prefix was `prefix`. */
export function sweepStale(prefix: string): Promise<string[]> { return sweepByPrefix(prefix); }

// ---------------------------------------------------------------------------------------------
// The kernel's own IPv6-in-IPv6 path, for benchmarks (ENVIRONMENT.md): SRv6 "reduced"
// encapsulation with one segment emits plain RFC 2473 packets (outer Next Header 41).

export interface KernelTunnel {
  hoa: string;
  home: number;
  visited: number;
  /** Removes the tunnel routes (the raised MTUs stay). */
  remove(): Promise<void>;
}

/**
 * Sets up, on the lab, what a kernel-tunnel user would have for an MN that keeps `hoa` (in P_home)
 * while attached at DAR `visited`: downlink DAR_home encapsulates packets for the HoA to SID_visited,
 * where DAR_visited decapsulates (End.DX6) and forwards on the access link; uplink the MN
 * encapsulates packets to the CN to SID_home (outer source = its address at the visited DAR), where
 * DAR_home decapsulates and forwards. The HoA is added to the MN's loopback. The kernel cannot
 * decapsulate to itself, so the decapsulation points are the DARs, not the MN. Transit links on
 * the path get MTU `transitMtu` (default 1540) so full-size inner packets are not dropped.
 */
export async function kernelTunnel(topo: Topology, opts: { hoa?: string; home: number; visited: number; transitMtu?: number }): Promise<KernelTunnel> {
  const { home, visited } = opts;
  if (home === visited) throw new Error("home and visited DAR must differ");
  if (topo.attachedTo !== visited) throw new Error(`the MN must be attached at DAR ${visited} (it is at ${topo.attachedTo})`);
  const hoa = opts.hoa ?? PLAN.mnAddress(home);
  const coa = PLAN.mnAddress(visited);
  const mtu = String(opts.transitMtu ?? 1540);
  const h = topo.darNs(home), v = topo.darNs(visited), mn = topo.ns.mn, mnDev = topo.mnDev(visited);
  const seg6 = (devs: string[]) => Object.fromEntries([
    ["net.ipv6.conf.all.seg6_enabled", 1], ["net.ipv6.conf.default.seg6_enabled", 1],
    ...devs.map((d) => [`net.ipv6.conf.${d}.seg6_enabled`, 1]),
  ]);
  await Promise.all([sysctls(seg6(["to-core", "acc"]), h), sysctls(seg6(["to-core", "acc"]), v), sysctls(seg6([mnDev]), mn)]);
  // raise the transit MTU along both tunnel legs
  await ipBatch([["link", "set", `to-dar${home}`, "mtu", mtu], ["link", "set", `to-dar${visited}`, "mtu", mtu]], topo.ns.core);
  await ipBatch([["link", "set", "to-core", "mtu", mtu]], h);
  await ipBatch([["link", "set", "to-core", "mtu", mtu], ["link", "set", "acc", "mtu", mtu]], v);
  await ipBatch([["link", "set", mnDev, "mtu", mtu]], mn);

  const hoaRoute = [`${hoa}/128`];
  await ipBatch([
    ["route", "replace", ...hoaRoute, "encap", "seg6", "mode", "encap.red", "segs", PLAN.sid(visited), "dev", "to-core"],
    ["route", "replace", `${PLAN.sid(home)}/128`, "encap", "seg6local", "action", "End.DX6", "nh6", "::", "dev", "to-core"],
  ], h);
  await ipBatch([
    ["route", "replace", `${PLAN.sid(visited)}/128`, "encap", "seg6local", "action", "End.DX6", "nh6", "::", "dev", "acc"],
    ["route", "replace", ...hoaRoute, "via", coa, "dev", "acc"],
  ], v);
  await ipBatch([
    ["addr", "add", `${hoa}/128`, "dev", "lo", "nodad"],
    ["sr", "tunsrc", "set", coa],
    ["route", "replace", `${PLAN.cn}/128`, "encap", "seg6", "mode", "encap.red", "segs", PLAN.sid(home), "dev", mnDev],
  ], mn);
  const quiet = async (p: Promise<unknown>) => { try { await p; } catch { /* already gone */ } };
  return {
    hoa, home, visited,
    async remove() {
      await quiet(ip(["route", "del", ...hoaRoute], h));
      await quiet(ip(["route", "del", `${PLAN.sid(home)}/128`], h));
      await quiet(ip(["route", "del", `${PLAN.sid(visited)}/128`], v));
      await quiet(ip(["route", "del", ...hoaRoute], v));
      await quiet(ip(["route", "del", `${PLAN.cn}/128`], mn));
      await quiet(ip(["addr", "del", `${hoa}/128`, "dev", "lo"], mn));
    },
  };
}
