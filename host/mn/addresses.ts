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
//   * a tc clsact ingress filter per access interface and anchor that redirects packets from
//     the anchor with Next Header 41 (tunnel), 43 (BA with its Type 2 Routing Header) or 135
//     (CoT) into the TUN: the kernel never sees them (PROTOCOL.md §3, it would answer with
//     Parameter Problem), while neighbour discovery and pings from the DAR go on normally.
// Everything added is recorded so that `cleanup()` removes exactly that.
import { ip, ipBatch, run, sysctl } from "../net/ip.js";
import { readFileSync } from "node:fs";

const REDIRECT_PROTOCOLS = [41, 43, 135];

export class KernelState {
  private readonly loAddrs = new Set<string>();
  private readonly ifAddrs = new Map<string, string>(); // "addr dev" -> dev
  private readonly rules = new Set<string>();
  private readonly qdiscs = new Set<string>();
  private tableRoute = false;
  private savedForwarding: string | null = null;

  constructor(readonly tun: string, readonly table: number, readonly priority: number, readonly ns?: string) {}

  /** Forwarding on, the table's default route into the TUN. */
  async setup(): Promise<void> {
    try { this.savedForwarding = readFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "utf8").trim(); } catch { this.savedForwarding = null; }
    await sysctl("net.ipv6.conf.all.forwarding", 1, this.ns);
    await ip(["-6", "route", "replace", "default", "dev", this.tun, "table", String(this.table)], this.ns);
    this.tableRoute = true;
  }

  /** The CoA on `dev` and lo, the default route via `gateway`. One `ip -batch` process. */
  async attach(dev: string, coa: string, gateway: string): Promise<void> {
    await ipBatch([
      ["addr", "replace", `${coa}/64`, "dev", dev, "nodad"],
      ["addr", "replace", `${coa}/128`, "dev", "lo", "nodad"],
      ["route", "replace", "::/0", "via", gateway, "dev", dev],
    ], this.ns);
    this.ifAddrs.set(`${coa} ${dev}`, dev);
    this.loAddrs.add(coa);
  }

  /** tc redirect of the anchors' tunnel/MH packets arriving on `dev` into the TUN. */
  async redirect(dev: string, anchors: readonly string[]): Promise<void> {
    // A fresh clsact (a link that only flapped may still carry an older set of filters).
    await quiet(run("tc", [...this.nsArgs(), "qdisc", "del", "dev", dev, "clsact"]));
    const lines = [`qdisc add dev ${dev} clsact`];
    let pref = 10;
    for (const a of anchors) {
      for (const proto of REDIRECT_PROTOCOLS) {
        lines.push(`filter add dev ${dev} ingress protocol ipv6 pref ${pref++} u32 match ip6 src ${a}/128 match ip6 protocol ${proto} 0xff action mirred egress redirect dev ${this.tun}`);
      }
    }
    await run("tc", [...this.nsArgs(), "-batch", "-"], { input: lines.join("\n") + "\n" });
    this.qdiscs.add(dev);
  }

  private nsArgs(): string[] { return this.ns ? ["-n", this.ns] : []; }

  /** `from hoa lookup T` and the lo copy: the local stack's packets from hoa go into the TUN. */
  async keep(hoa: string): Promise<void> {
    if (!this.loAddrs.has(hoa)) {
      await ip(["-6", "addr", "replace", `${hoa}/128`, "dev", "lo", "nodad"], this.ns);
      this.loAddrs.add(hoa);
    }
    if (this.rules.has(hoa)) return;
    await ip(["-6", "rule", "add", "from", hoa, "lookup", String(this.table), "priority", String(this.priority)], this.ns);
    this.rules.add(hoa);
  }

  /** Removes the rule (hoa is the CoA again: back home). */
  async unrule(hoa: string): Promise<void> {
    if (!this.rules.delete(hoa)) return;
    await quiet(ip(["-6", "rule", "del", "from", hoa, "lookup", String(this.table), "priority", String(this.priority)], this.ns));
  }

  /** Forgets an address entirely: rule, lo copy, access interface copy. */
  async drop(hoa: string): Promise<void> {
    await this.unrule(hoa);
    if (this.loAddrs.delete(hoa)) await quiet(ip(["-6", "addr", "del", `${hoa}/128`, "dev", "lo"], this.ns));
    for (const [k, dev] of [...this.ifAddrs]) {
      if (!k.startsWith(`${hoa} `)) continue;
      this.ifAddrs.delete(k);
      await quiet(ip(["-6", "addr", "del", `${hoa}/64`, "dev", dev], this.ns));
    }
  }

  ruled(): string[] { return [...this.rules]; }
  addresses(): string[] { return [...this.loAddrs]; }

  /** Removes everything this object added; keeps going past failures (links may be gone). */
  async cleanup(): Promise<void> {
    for (const hoa of [...this.rules]) await this.unrule(hoa);
    for (const hoa of [...this.loAddrs]) await quiet(ip(["-6", "addr", "del", `${hoa}/128`, "dev", "lo"], this.ns));
    this.loAddrs.clear();
    for (const [k, dev] of this.ifAddrs) await quiet(ip(["-6", "addr", "del", `${k.split(" ")[0]}/64`, "dev", dev], this.ns));
    this.ifAddrs.clear();
    for (const dev of this.qdiscs) await quiet(run("tc", [...this.nsArgs(), "qdisc", "del", "dev", dev, "clsact"]));
    this.qdiscs.clear();
    if (this.tableRoute) await quiet(ip(["-6", "route", "flush", "table", String(this.table)], this.ns));
    this.tableRoute = false;
    if (this.savedForwarding !== null) await quiet(sysctl("net.ipv6.conf.all.forwarding", this.savedForwarding, this.ns));
    this.savedForwarding = null;
  }
}

async function quiet(p: Promise<unknown>): Promise<void> {
  try { await p; } catch { /* already gone (the link left the namespace, or never existed) */ }
}
