// The load lab's namespaces: one DAR running the real `fama dar`, a generator namespace on the
// DAR's access link, and a CN namespace behind the DAR (root only).
//
//   CN ns ──(cn <-> to-cn)── DAR ns ──(acc <-> acc)── GEN ns
//   2001:db8:c::2            c::1 | 1::1              2001:db8:1::2
//   cntun: sources           fama dar: anchor A        gentun: CoAs, HoAs' on-link presence
//   2001:db8:c:1::/64        2001:db8:a:1::1           (on acc)
//
// The DAR's prefix is the access link's P = 2001:db8:1::/64 (simulated MNs form their HoAs
// there). Care-of addresses live in COA_RANGE, which the DAR routes via the generator; the
// generator namespace forwards it into its TUN, so the generator process reads every BA and
// every tunnelled data packet, and writes its BUs (source a CoA) into the same TUN for its kernel
// to forward to the DAR. The CN namespace forwards what the generator writes into its TUN (source
// in CN_SOURCES) to the DAR. Both TUNs are made by this process and moved into their namespace
// (host/tun/linux.ts); everything is registered in one NetScope and removed even on failure.
// With `impair`, the access link runs through a fourth namespace holding the impairment wire
// (host/lab/impair-wire.ts): DAR acc <-> imp `d`, imp `g` <-> generator acc; it drops, duplicates
// and reorders the BUs and BAs (seeded) and passes everything else.
import { NetScope, ipBatch, ipv6Defaults } from "../../host/net/ip.js";
import { openTun, type LinuxTun } from "../../host/tun/linux.js";
import { startImpairment, type Impairment } from "../../host/lab/impair-stage.js";
import { raiseNeighbourLimits, writeNeighbourLimits } from "../../host/net/neighbour-limits.js";
import type { ImpairSpec } from "../../host/lab/impair.js";

export const LOAD_PLAN = {
  prefix: "2001:db8:1::/64",
  darAccess: "2001:db8:1::1",
  genAccess: "2001:db8:1::2",
  anchor: "2001:db8:a:1::1",
  darOnCnLink: "2001:db8:c::1",
  cnOnCnLink: "2001:db8:c::2",
  /** Sources of the CN's data packets (routed by the DAR to the CN namespace). */
  cnSources: "2001:db8:c:1::/64",
  cnSource: "2001:db8:c:1::1",
  /** Every care-of address of honest MNs and attackers (routed by the DAR to the generator). */
  coaRange: "2001:db8:2000::/40",
} as const;

export interface LoadNamespaces { dar: string; gen: string; cn: string; imp: string }

export class LoadNet {
  impairment: Impairment | null = null;
  private constructor(readonly ns: LoadNamespaces, readonly scope: NetScope, readonly genTun: LinuxTun, readonly cnTun: LinuxTun) {}

  /** Builds the namespaces and links and opens both TUNs; on failure removes what it made. */
  static async build(prefix: string, opts: { impair?: ImpairSpec } = {}): Promise<LoadNet> {
    if (!/^[A-Za-z0-9_.-]{1,20}$/.test(prefix)) throw new Error(`bad namespace prefix ${JSON.stringify(prefix)}`);
    const ns = { dar: `${prefix}dar`, gen: `${prefix}gen`, cn: `${prefix}cn`, imp: `${prefix}imp` };
    const scope = new NetScope(`load ${prefix}`);
    try {
      for (const n of [ns.dar, ns.gen, ns.cn]) await scope.netns(n);
      await Promise.all([ipv6Defaults(ns.dar, { forwarding: true }), ipv6Defaults(ns.gen, { forwarding: true }), ipv6Defaults(ns.cn, { forwarding: true })]);
      const P = LOAD_PLAN;
      let impairment: Impairment | null = null;
      if (opts.impair) {
        await scope.netns(ns.imp);
        await ipBatch([
          ["link", "add", "acc", "netns", ns.dar, "type", "veth", "peer", "name", "d", "netns", ns.imp],
          ["link", "add", "acc", "netns", ns.gen, "type", "veth", "peer", "name", "g", "netns", ns.imp],
        ]);
        impairment = await startImpairment(scope, ns.imp, opts.impair, [["d", "g"]]);
      }
      await ipBatch([
        ...(opts.impair ? [] : [["link", "add", "acc", "netns", ns.dar, "type", "veth", "peer", "name", "acc", "netns", ns.gen]]),
        ["link", "add", "to-cn", "netns", ns.dar, "type", "veth", "peer", "name", "to-dar", "netns", ns.cn],
      ]);
      await ipBatch([
        ["link", "set", "lo", "up"],
        ["link", "set", "acc", "up"],
        ["addr", "add", `${P.darAccess}/64`, "dev", "acc", "nodad"],
        ["link", "set", "to-cn", "up"],
        ["addr", "add", `${P.darOnCnLink}/64`, "dev", "to-cn", "nodad"],
        ["route", "add", P.coaRange, "via", P.genAccess, "dev", "acc"],
        ["route", "add", P.cnSources, "via", P.cnOnCnLink, "dev", "to-cn"],
      ], ns.dar);
      await ipBatch([
        ["link", "set", "lo", "up"],
        ["link", "set", "acc", "up"],
        ["addr", "add", `${P.genAccess}/64`, "dev", "acc", "nodad"],
        ["route", "add", "::/0", "via", P.darAccess, "dev", "acc"],
      ], ns.gen);
      await ipBatch([
        ["link", "set", "lo", "up"],
        ["link", "set", "to-dar", "up"],
        ["addr", "add", `${P.cnOnCnLink}/64`, "dev", "to-dar", "nodad"],
        ["route", "add", "::/0", "via", P.darOnCnLink, "dev", "to-dar"],
      ], ns.cn);
      const tunName = (what: string) => `${prefix.slice(0, 10)}${what}`;
      const genTun = await openTun({ name: tunName("g"), netns: ns.gen, mtu: 1500, txqueuelen: 10000 });
      scope.defer("generator tun", () => genTun.close());
      const cnTun = await openTun({ name: tunName("c"), netns: ns.cn, mtu: 1500, txqueuelen: 10000 });
      scope.defer("cn tun", () => cnTun.close());
      await ipBatch([["route", "add", P.coaRange, "dev", genTun.name]], ns.gen);
      const net = new LoadNet(ns, scope, genTun, cnTun);
      net.impairment = impairment;
      return net;
    } catch (e) {
      await scope.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Raises the host's IPv6 neighbour table limits (one table for every namespace, 1024 entries by
   * default) for `mns` MNs appearing on the access link, each with its own entry and one for its
   * solicited-node group: gc_thresh1 mns (never collected below), gc_thresh2 2 x mns, gc_thresh3
   * 4 x mns, none lowered. The old values come back when the scope closes (also after a failure,
   * on a signal or a plain exit). Returns a line for the log; throws outside the root namespace.
   */
  raiseNeighbourLimits(mns: number): string {
    const was = raiseNeighbourLimits({ gcThresh1: mns, gcThresh2: 2 * mns, gcThresh3: 4 * mns });
    const restore = () => writeNeighbourLimits(was);
    this.scope.defer("neighbour table limits", restore, restore);
    return `neighbour table limits gc_thresh1-3 raised to at least ${mns}/${2 * mns}/${4 * mns} (were ${was.gcThresh1}/${was.gcThresh2}/${was.gcThresh3}, restored at the end)`;
  }

  async destroy(): Promise<void> { await this.scope.close(); }
}
