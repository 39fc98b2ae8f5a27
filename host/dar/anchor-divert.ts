// Packets to A_k steered at the ingress of every interface, before the routing decision, by a
// tc u32 filter per protocol with a mirred redirect into one of the daemon's TUNs (like the MN's
// redirect, host/mn/addresses.ts). Two uses, by the `DivertTarget`s the caller passes:
//   * signalling (Next Header 60: a BU with its Home Address option; 135: a bare Mobility
//     Header, the CoTI) always goes to the signalling TUN, whose bounded queue the data plane
//     reads with a budget (host/dar/daemon.ts): a BU flood fills that queue, never the data
//     TUN's, and the kernel drops its excess;
//   * when A_k is one of the DAR's own addresses (PROTOCOL.md §2.7, last item: what an RA daemon
//     announces with the R flag, radvd's AdvRouterAddr, odhcpd's ra_advrouter) the kernel would
//     deliver the profile's packets locally and, without CONFIG_IPV6_MIP6, answer a Home Address
//     option with Parameter Problem (§3); so the reverse tunnel (41) is diverted into the data
//     TUN as well. Ping, ssh and the RA daemon's own traffic to A_k stay the kernel's.
// Filters go on every interface but lo, the daemon's TUNs and bridge ports; interfaces that
// appear later (a bridge re-created) get theirs at the next scan (every SCAN_MS). The filters
// have their own priorities on a shared clsact qdisc, so `down` removes exactly them and leaves
// other filters alone.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { run } from "../net/ip.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";
import type { Logger } from "../log.js";

/** First Next Header of the profile's packets to A_k: a Destination Options header with the
 *  Home Address option (BU), a bare Mobility Header (CoTI), IPv6-in-IPv6 (the reverse tunnel). */
export const DIVERTED_PROTOCOLS = [60, 135, 41] as const;
export type DivertedProtocol = (typeof DIVERTED_PROTOCOLS)[number];
export const SIGNALLING_PROTOCOLS: readonly DivertedProtocol[] = [60, 135];
/** One protocol's packets to A_k and the TUN they are redirected into. */
export interface DivertTarget { proto: DivertedProtocol; dev: string }
/** tc filter priority of each protocol (its index in DIVERTED_PROTOCOLS), away from the usual small numbers. */
const FIRST_PREF = 4901;
const prefOf = (proto: DivertedProtocol) => FIRST_PREF + DIVERTED_PROTOCOLS.indexOf(proto);
const SCAN_MS = 5000;

/** Whether `address` is assigned to an interface of this namespace (/proc/net/if_inet6). */
export function isLocalAddress(address: string, ifInet6 = readIfInet6()): boolean {
  const a = parseIPv6(address);
  if (!a) return false;
  const hex = Buffer.from(a).toString("hex");
  return ifInet6.split("\n").some((l) => l.trim().split(/\s+/)[0] === hex);
}

function readIfInet6(): string {
  try { return readFileSync("/proc/net/if_inet6", "utf8"); } catch { return ""; }
}

/** The `tc -batch` lines of `dev`'s divert: clsact (when `withQdisc`), then one filter per target. */
export function divertBatch(dev: string, targets: readonly DivertTarget[], anchor: string, withQdisc: boolean): string[] {
  const lines = withQdisc ? [`qdisc add dev ${dev} clsact`] : [];
  for (const t of targets) {
    lines.push(`filter add dev ${dev} ingress protocol ipv6 pref ${prefOf(t.proto)} u32 match ip6 dst ${anchor}/128 match ip6 protocol ${t.proto} 0xff action mirred egress redirect dev ${t.dev}`);
  }
  return lines;
}

function ifindexOf(dev: string): number {
  try { return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, "utf8")) || 0; } catch { return 0; }
}

export class AnchorDivert {
  /** dev -> the ifindex its filters were installed on */
  private readonly installed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly anchor: string;

  private readonly tuns: Set<string>;

  constructor(private readonly targets: readonly DivertTarget[], anchor: string, private readonly log: Logger) {
    this.anchor = formatIPv6(parseIPv6(anchor)!);
    this.tuns = new Set(targets.map((t) => t.dev));
  }

  /** Filters on every interface present; rescans for new ones until `down`. */
  async up(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => void this.scan().catch((e) => this.log.warn("divert.scan_failed", { error: e })), SCAN_MS);
    this.timer.unref();
  }

  private async scan(): Promise<void> {
    for (const dev of readdirSync("/sys/class/net")) {
      // a bridge port's packets for A_k reach the bridge device, which has its own filters
      if (dev === "lo" || this.tuns.has(dev) || existsSync(`/sys/class/net/${dev}/brport`)) continue;
      const ifindex = ifindexOf(dev);
      if (!ifindex || this.installed.get(dev) === ifindex) continue;
      const hasClsact = (await run("tc", ["qdisc", "show", "dev", dev])).stdout.includes("clsact");
      // a filter of ours left by a daemon killed with SIGKILL: replace it
      await this.remove(dev);
      await run("tc", ["-batch", "-"], { input: divertBatch(dev, this.targets, this.anchor, !hasClsact).join("\n") + "\n" });
      this.installed.set(dev, ifindex);
      this.log.info("divert.installed", { dev, anchor: this.anchor, targets: this.targets.map((t) => `${t.proto}>${t.dev}`) });
    }
  }

  private async remove(dev: string): Promise<void> {
    for (const proto of DIVERTED_PROTOCOLS) {
      try { await run("tc", ["filter", "del", "dev", dev, "ingress", "pref", String(prefOf(proto))]); } catch { /* not there */ }
    }
  }

  async down(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [dev, ifindex] of this.installed) if (ifindexOf(dev) === ifindex) await this.remove(dev);
    this.installed.clear();
  }
}
