// The DAR's access links: where its prefixes are on-link, so where its MNs form their
// addresses and where a neighbour entry counts as a sighting (host/dar/sightings.ts). By
// default the interfaces holding an address inside one of the prefixes; `accessInterfaces`
// names them instead. On them the daemon lets the kernel learn an address from an unsolicited
// Neighbor Advertisement (accept_untracked_na), restored at exit.
import { readFileSync } from "node:fs";
import type { Logger } from "../log.js";
import type { Prefix } from "../ipv6.js";
import { sysctl } from "../net/ip.js";
import { ifIndex } from "../net/netlink.js";

export interface AccessLink { name: string; ifindex: number }

function inPrefix(a: Uint8Array, p: Prefix): boolean {
  for (let bit = 0; bit < p.length; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((a[bit >> 3]! & m) !== (p.address[bit >> 3]! & m)) return false;
  }
  return true;
}

/**
 * The interfaces that hold an address inside one of `prefixes` (lines of /proc/net/if_inet6:
 * address, ifindex, prefix length, scope, flags, name): where the DAR's prefixes are on-link,
 * so where its MNs form their addresses. An uplink carries none, so a neighbour there never
 * counts, whatever a host on it announces.
 */
export function linksOnPrefixes(prefixes: readonly Prefix[], ifInet6 = readIfInet6()): AccessLink[] {
  const out = new Map<string, AccessLink>();
  for (const line of ifInet6.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0]!.length !== 32) continue;
    const a = Uint8Array.from(Buffer.from(f[0]!, "hex"));
    if (prefixes.some((p) => inPrefix(a, p))) out.set(f[5]!, { name: f[5]!, ifindex: parseInt(f[1]!, 16) });
  }
  return [...out.values()];
}

function readIfInet6(): string {
  try { return readFileSync("/proc/net/if_inet6", "utf8"); } catch { return ""; }
}

function indexOr0(dev: string): number {
  try { return ifIndex(dev); } catch { return 0; }
}

/**
 * The access interfaces now: the configured ones (those that exist), or those on the prefixes;
 * never lo or the TUN. Called again at every dump: an interface may come and go.
 */
export function accessLinks(names: readonly string[] | null, prefixes: readonly Prefix[], tun: string): AccessLink[] {
  const links = names ? names.map((name) => ({ name, ifindex: indexOr0(name) })).filter((l) => l.ifindex > 0) : linksOnPrefixes(prefixes);
  return links.filter((l) => l.name !== "lo" && l.name !== tun);
}

/** accessLinks as the feed's `isAccess`. */
export function accessPredicate(names: readonly string[] | null, prefixes: readonly Prefix[], tun: string): () => (ifindex: number) => boolean {
  return () => {
    const set = new Set(accessLinks(names, prefixes, tun).map((l) => l.ifindex));
    return (i) => set.has(i);
  };
}

/**
 * Makes the kernel create a (STALE) neighbour entry from an unsolicited Neighbor
 * Advertisement whose source is on the link (accept_untracked_na = 2, where the kernel has it: 6.18 here): an MN
 * announcing the address it formed (fama mn does, RFC 4861 §7.2.6) is then sighted even
 * before the DAR forwarded anything to it. Only interfaces where it was 0 are changed;
 * returns the undo (the old values back).
 */
export async function acceptUntrackedNa(interfaces: readonly string[], log?: Logger): Promise<() => Promise<void>> {
  const changed: string[] = [];
  for (const dev of interfaces) {
    const key = `net.ipv6.conf.${dev.replaceAll(".", "/")}.accept_untracked_na`; // sysctl spells a dot in a name "/"
    let was: string;
    try { was = readFileSync(`/proc/sys/net/ipv6/conf/${dev}/accept_untracked_na`, "utf8").trim(); } catch { continue; } // no IPv6 there, or an old kernel
    if (was !== "0") continue;
    try {
      await sysctl(key, 2);
      changed.push(dev);
    } catch (e) {
      log?.warn("sightings.sysctl_failed", { key, error: e });
    }
  }
  if (changed.length) log?.info("net.sysctl", { key: "net.ipv6.conf.<access>.accept_untracked_na", value: 2, was: 0, interfaces: changed });
  return async () => {
    for (const dev of changed) {
      try { await sysctl(`net.ipv6.conf.${dev.replaceAll(".", "/")}.accept_untracked_na`, 0); } catch { /* the interface is gone */ }
    }
  };
}
