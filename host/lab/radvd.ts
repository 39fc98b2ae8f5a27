// radvd (Debian's radvd package) announcing a link the way PROTOCOL.md §2.7 wants a DAR's RAs:
// the Home Agent flag (AdvHomeAgentFlag), one A-flag PIO for the delegated /64 written as the
// anchor address with AdvRouterAddr (the R flag: the Prefix field then holds the whole A_k), and
// the Home Agent Information and Advertisement Interval options. A plain router (homeAgent
// false) announces the same prefix without H, R and the Mobile IPv6 options.
// docs/OPERATIONS.md shows the same configuration for a deployed DAR.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NetScope } from "../net/ip.js";

export interface RadvdLink {
  /** The interface radvd announces on. */
  iface: string;
  /** The anchor A_k (homeAgent) or any address of the /64 (plain): its first 64 bits are the prefix. */
  address: string;
  homeAgent: boolean;
  /** Unsolicited RAs every this many seconds at the most (radvd's MaxRtrAdvInterval). */
  maxIntervalS?: number;
  validLifetimeS?: number;
  preferredLifetimeS?: number;
}

/** The radvd.conf text for one link. */
export function radvdConfig(l: RadvdLink): string {
  const max = l.maxIntervalS ?? 30;
  const ha = l.homeAgent
    ? ["  AdvHomeAgentFlag on;", "  AdvHomeAgentInfo on;", "  HomeAgentLifetime 1800;", "  AdvIntervalOpt on;"]
    : [];
  return [
    `interface ${l.iface} {`,
    "  AdvSendAdvert on;",
    // radvd's floor for MinRtrAdvInterval is 3 s; solicited RAs are answered at once regardless.
    `  MinRtrAdvInterval ${Math.max(3, Math.floor(max / 3))};`,
    `  MaxRtrAdvInterval ${max};`,
    ...ha,
    `  prefix ${l.address}/64 {`,
    "    AdvOnLink on;",
    "    AdvAutonomous on;",
    `    AdvRouterAddr ${l.homeAgent ? "on" : "off"};`,
    `    AdvValidLifetime ${l.validLifetimeS ?? 86400};`,
    `    AdvPreferredLifetime ${l.preferredLifetimeS ?? 14400};`,
    "  };",
    "};",
    "",
  ].join("\n");
}

/** Starts radvd for `link` in namespace `ns` (config and pid file in `dir`); the scope stops it.
 *  Resolves once radvd says it started. */
export async function startRadvd(scope: NetScope, ns: string, dir: string, link: RadvdLink): Promise<void> {
  const conf = join(dir, `radvd-${ns}-${link.iface}.conf`);
  writeFileSync(conf, radvdConfig(link), { mode: 0o644 });
  const child = scope.spawn(ns, "radvd", ["-n", "-m", "stderr", "-C", conf, "-p", join(dir, `radvd-${ns}-${link.iface}.pid`)]);
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`radvd in ${ns} did not start: ${log}`)), 10_000);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      log += d;
      if (/started/.test(log)) { clearTimeout(timer); resolve(); }
    });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`radvd in ${ns} exited (${code}): ${log}`)); });
  });
}
