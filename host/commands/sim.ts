// `fama sim`: a FAMA domain against centralized Mobile IPv6 on the same mobility and traffic,
// with the real core (docs/SIMULATION.md). Prints both schemes side by side (or JSON), writes
// the plots with --svg DIR, and runs the (M, N) sweep with --sweep.
import { readFileSync } from "node:fs";
import { parseArgs, intOption, type ParsedArgs } from "../args.js";
import { InputError, UsageError } from "../errors.js";
import { DEFAULTS, scenario, parseTrace, defaultDomain } from "../sim/scenario.js";
import { parseTopology } from "../sim/topology.js";
import { simulate } from "../sim/run.js";
import { sweep } from "../sim/sweep.js";
import { runTable, sweepTable, speedRow } from "../sim/report.js";
import { runPlots, sweepPlot, writePlots } from "../sim/plots.js";
import type { Scheme } from "../sim/domain.js";

export const usage = "sim [--mns M] [--dars N] [--duration-s S] [--seed X] [--json] [--svg DIR] [--sweep] ...  FAMA vs centralized MIPv6, simulated with the real core";

const VALUES = [
  "mns", "dars", "duration-s", "seed", "core-seed", "scheme", "residence-s", "flow-gap-s", "session-median-s", "session-sigma",
  "packet-interval-ms", "payload-bytes", "local-fraction", "key-bits", "keys", "lifetime-s", "topology", "trace", "svg",
  "sweep-mns", "sweep-dars", "sweep-residence-s",
];

function num(p: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const text = p.values.get(name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, not '${text}'`);
  return v;
}

function intList(p: ParsedArgs, name: string, fallback: number[]): number[] {
  const text = p.values.get(name);
  if (text === undefined) return fallback;
  const list = text.split(",").map((x) => Number(x));
  if (!list.length || list.some((x) => !Number.isInteger(x) || x < 1 || x > 1_000_000)) throw new UsageError(`--${name} must be a comma-separated list of positive integers, not '${text}'`);
  return list;
}

function readText(path: string): string {
  try { return readFileSync(path, "utf8"); } catch (e) { throw new InputError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot read"}`); }
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, { values: VALUES, flags: ["json", "coa-test", "sweep"] });
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
  const d = DEFAULTS;
  const dars = intOption(p, "dars", d.dars, 4, 65534);
  const topoFile = p.values.get("topology");
  const topology = topoFile ? parseTopology(readText(topoFile), topoFile) : defaultDomain(dars);
  const traceFile = p.values.get("trace");
  const trace = traceFile ? parseTrace(readText(traceFile), topology, traceFile) : null;
  const scheme = p.values.get("scheme") ?? "both";
  if (!["fama", "central", "both"].includes(scheme)) throw new UsageError(`--scheme must be fama, central or both, not '${scheme}'`);
  const base = {
    seed: intOption(p, "seed", d.seed, 0, 0xffffffff),
    mns: intOption(p, "mns", d.mns, 1, 1_000_000),
    durationS: num(p, "duration-s", d.durationS, 1, 86400),
    residenceS: num(p, "residence-s", d.residenceS, 0.1, 86400),
    flowGapS: num(p, "flow-gap-s", d.flowGapS, 0.1, 86400),
    sessionMedianS: num(p, "session-median-s", d.sessionMedianS, 0.01, 86400),
    sessionSigma: num(p, "session-sigma", d.sessionSigma, 0, 5),
    packetIntervalMs: num(p, "packet-interval-ms", d.packetIntervalMs, 1, 600_000),
    payloadBytes: intOption(p, "payload-bytes", d.payloadBytes, 0, 1372),
    localFraction: num(p, "local-fraction", d.localFraction, 0, 1),
    keyBits: intOption(p, "key-bits", d.keyBits, 1024, 4096),
    keys: intOption(p, "keys", d.keys, 1, 64),
    lifetimeS: intOption(p, "lifetime-s", d.lifetimeS, 4, 262140),
    coaTest: p.flags.has("coa-test"),
  };
  const coreSeed = p.values.has("core-seed") ? intOption(p, "core-seed", 0, 0, 0xffffffff) : undefined;
  const svgDir = p.values.get("svg");
  if (p.flags.has("sweep")) {
    if (topoFile || traceFile) throw new UsageError("--sweep runs the default topology and random mobility: no --topology or --trace");
    const points = sweep(intList(p, "sweep-mns", [1000, 10000]), intList(p, "sweep-dars", [16, 64, 256]), { ...base, coreSeed },
      p.flags.has("json") ? undefined : (pt) => process.stderr.write(`done: ${speedRow(pt).trim()}\n`),
      intList(p, "sweep-residence-s", [base.residenceS]));
    process.stdout.write(p.flags.has("json") ? JSON.stringify(points, null, 2) + "\n" : sweepTable(points));
    if (svgDir) for (const f of writePlots(svgDir, { "scaling.svg": sweepPlot(points) })) process.stderr.write(`wrote ${f}\n`);
    return 0;
  }
  const sc = scenario({ ...base, coreSeed, topology, trace });
  const schemes: Scheme[] = scheme === "both" ? ["fama", "central"] : [scheme as Scheme];
  const sim = simulate(sc, schemes);
  if (p.flags.has("json")) {
    const out = { scenario: { ...sc, topology: { dars: sc.topology.dars.length, nodes: sc.topology.nodes.length }, trace: traceFile ?? null },
      runs: Object.fromEntries(sim.runs.map((r) => [r.scheme, { ...r.summary, wallS: r.wallS, packetEvents: r.packetEvents }])) };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    process.stdout.write(runTable(sim));
  }
  if (svgDir) for (const f of writePlots(svgDir, runPlots(sim))) process.stderr.write(`wrote ${f}\n`);
  return 0;
}
