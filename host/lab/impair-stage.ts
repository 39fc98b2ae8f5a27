// Starting the impairment process (impair-process.ts) in a namespace whose link-end pairs it
// joins, from the lab or the load generator: waits for its ready line, keeps its last counts,
// and is stopped (SIGTERM, final counts) by the scope that started it.
import { fileURLToPath } from "node:url";
import type { NetScope } from "../net/ip.js";
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
      try { const j = JSON.parse(line) as Record<string, unknown>; if (j.event === "impair.stats") last = j as unknown as Record<string, number>; else if (j.event === "impair.ready") ready = true; } catch { /* not ours */ }
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
