// Starting the impairment process (impair-process.ts) in a namespace whose link-end pairs it
// joins, from the lab or the load generator: waits for its ready line, keeps its last counts,
// and is stopped by the scope that started it; and the fixed lab's access links through it.
import { fileURLToPath } from "node:url";
import { ip, ipBatch, type NetScope } from "../net/ip.js";
import { PLAN, type Topology } from "./topology.js";
import { formatImpair, type ImpairSpec } from "./impair.js";

const SCRIPT = fileURLToPath(new URL("./impair-process.js", import.meta.url));

export interface Impairment {
  spec: ImpairSpec;
  /** The last counts it printed: frames seen, pass, drop, dup, hold. */
  stats(): Record<string, number>;
}

export async function startImpairment(scope: NetScope, ns: string, spec: ImpairSpec, pairs: readonly (readonly [string, string])[]): Promise<Impairment> {
  const child = scope.spawn(ns, process.execPath, [SCRIPT, formatImpair(spec), ...pairs.flat()]);
  let out = "";
  let err = "";
  let last: Record<string, number> = {};
  let ready = false;
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try { const j = JSON.parse(line) as Record<string, unknown>; if (j.event === "impair.stats") { const { event: _e, final: _f, ...counts } = j; last = counts as Record<string, number>; } else if (j.event === "impair.ready") ready = true; } catch { /* not ours */ }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { err += d; });
  const end = Date.now() + 20_000;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`impairment stage exited (${child.exitCode ?? child.signalCode}): ${err}`);
    if (Date.now() > end) throw new Error(`impairment stage not ready within 20 s: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { spec, stats: () => ({ ...last }) };
}

/**
 * The fixed lab's access links through the impairment wire (instead of reindexAccessLinks): per
 * DAR, `acc` (index 100+k, P_k::1) in DAR_k <-> `d<k>` in the wire's namespace, `m<k>` there <->
 * the MN end `acc<k>` (index 200+k, parked in the air until the MN attaches). The wire ends get
 * indexes 300+k and 400+k so no veth has its peer's index (see reindexAccessLinks). The DAR's
 * `acc` keeps its carrier while the MN is away (its peer is the wire), unlike the plain lab.
 */
export async function impairedAccessLinks(topo: Topology, mtu: number, spec: ImpairSpec): Promise<Impairment> {
  const wireNs = await topo.netScope.netns(`${topo.opts.prefix}imp`);
  const pairs: [string, string][] = [];
  for (let k = 1; k <= topo.dars; k++) {
    const d = topo.darNs(k);
    await ip(["link", "del", "dev", "acc"], d);
    await ip(["link", "add", "acc", "netns", d, "index", String(100 + k), "type", "veth", "peer", "name", `d${k}`, "netns", wireNs, "index", String(300 + k)]);
    await ip(["link", "add", topo.mnDev(k), "netns", topo.ns.air, "index", String(200 + k), "type", "veth", "peer", "name", `m${k}`, "netns", wireNs, "index", String(400 + k)]);
    await ipBatch([["link", "set", "acc", "mtu", String(mtu), "up"], ["addr", "add", `${PLAN.darAccess(k)}/64`, "dev", "acc", "nodad"]], d);
    await ipBatch([["link", "set", topo.mnDev(k), "mtu", String(mtu)]], topo.ns.air);
    pairs.push([`d${k}`, `m${k}`]);
  }
  return startImpairment(topo.netScope, wireNs, spec, pairs);
}
