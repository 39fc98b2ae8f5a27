// `fama lab` (what `npm start` runs): a whole FAMA domain in network namespaces on this machine
// (host/lab/lab.ts), a TCP session and a UDP stream from the MN's first address kept across
// DAR1 -> DAR2 -> DAR3 -> DAR1 (host/lab/tour.ts), a live timeline, and with --json one summary
// object on stdout. Everything it creates is removed on exit, Ctrl-C included. docs/LAB.md.
import { parseArgs, intOption } from "../args.js";
import { UsageError } from "../errors.js";
import { installSignalCleanup } from "../net/ip.js";
import { parseImpair, formatImpair } from "../lab/impair.js";

export const usage = "lab [--json] [--moves N] [--coa-test] [--mode cga|phkt] [--dwell-ms MS] [--fixed] [--impair drop=F,dup=F,reorder=F,seed=N]  run a FAMA domain in namespaces and move an MN with live flows (root; --fixed: one MN interface per configured DAR instead of one roaming interface and radvd; --impair (with --fixed): drop, duplicate and reorder that share of the BUs and BAs on the access links, seeded)";

const NEEDS_ROOT = `fama lab needs root. It builds a small network on this machine out of Linux network
namespaces (a correspondent node, a core router, three access routers and a mobile node, joined
by veth links), opens TUN devices (/dev/net/tun) for the three \`fama dar\` daemons and the
\`fama mn\` agent it starts, installs routes, policy rules, tc filters and sysctls inside those
namespaces, and moves the mobile node's link between them; all of this requires CAP_NET_ADMIN
and CAP_SYS_ADMIN, which in practice means running it as root (sudo npm start, or sudo node
build/js/host/cli.js lab). Nothing outside the namespaces it creates is touched, and everything
is removed when it exits.`;

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args, { values: ["moves", "mode", "dwell-ms", "impair"], flags: ["json", "coa-test", "fixed"] });
  if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
  const mode = opts.values.get("mode") ?? "cga";
  if (mode !== "cga" && mode !== "phkt") throw new UsageError(`--mode must be cga or phkt, not '${mode}'`);
  const moves = intOption(opts, "moves", 3, 1, 60);
  const dwellMs = intOption(opts, "dwell-ms", 1500, 200, 60_000);
  const json = opts.flags.has("json");
  const impairText = opts.values.get("impair");
  const impair = impairText === undefined ? undefined : parseImpair(impairText);
  if (impair && !opts.flags.has("fixed")) throw new UsageError("--impair needs --fixed (the roaming shape's access bridges do not run through the impairment stage)");
  if (process.getuid?.() !== 0) {
    process.stderr.write(NEEDS_ROOT + "\n");
    return 1;
  }
  const { Lab } = await import("../lab/lab.js");
  const { Tour } = await import("../lab/tour.js");
  const t0 = process.hrtime.bigint();
  const out = json ? process.stderr : process.stdout;
  const say = (text: string) => {
    const s = (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2).padStart(7);
    out.write(text.split("\n").map((l, i) => (i === 0 ? `[${s}s] ${l}` : `           ${l}`)).join("\n") + "\n");
  };
  let interrupted = false;
  installSignalCleanup(() => { interrupted = true; process.stderr.write("\nfama lab: interrupted, removing everything it created...\n"); });

  let lab: import("../lab/lab.js").Lab | null = null;
  try {
    // the real shape by default: radvd on the DARs, one roaming MN interface (PROTOCOL.md §2.7)
    lab = await Lab.start({ coaTest: opts.flags.has("coa-test"), roaming: !opts.flags.has("fixed"), impair, say });
    const tour = await Tour.open(lab, { mode, dwellMs, say });
    const summary = await tour.run(moves);
    const bad: string[] = [];
    if (!summary.tcp.intact) bad.push("the TCP session did not deliver every byte intact");
    if (summary.newFlow && !summary.newFlowDirect) bad.push("the new flow did not go direct");
    if (lab.impairment) say(`impairment stage (${formatImpair(lab.impairment.spec)}): ${JSON.stringify(lab.impairment.stats())}`);
    say(`done: ${summary.handovers.map((h) => `DAR${h.from}->DAR${h.to} ${h.latencyMs} ms/${h.udpLost} lost (${h.mode})`).join(", ")}`);
    await lab.stop();
    lab = null;
    say("stopped the daemons and removed the namespaces and the lab directory");
    if (json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    if (bad.length) { process.stderr.write(`fama lab: ${bad.join("; ")}\n`); return 1; }
    return 0;
  } catch (e) {
    if (interrupted) return 130;
    process.stderr.write(`fama lab failed: ${(e as Error).message}\n`);
    if (lab) {
      process.stderr.write(lab.logTails(30) + "\n");
      await lab.destroy().catch((c: Error) => process.stderr.write(`cleanup: ${c.message}\n`));
    }
    return 1;
  }
}
