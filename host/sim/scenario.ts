// A scenario: the domain, the MNs' movements and their flows, all drawn from one seed
// before either scheme runs, so FAMA and centralized Mobile IPv6 see the same mobility
// and the same traffic. Defaults and where their numbers come from: docs/SIMULATION.md.
import { InputError } from "../errors.js";
import { Rng, deriveSeed } from "./rng.js";
import { defaultTopology, type Topology } from "./topology.js";

export interface Scenario {
  seed: number;
  /** seed of the cores' random_get (PHKTs, nonces...): must not change any metric */
  coreSeed: number;
  mns: number;
  durationS: number;
  /** mean cell residence time (exponential) */
  residenceS: number;
  /** mean time between the starts of an MN's flows (exponential) */
  flowGapS: number;
  /** flow length: lognormal with this median and shape */
  sessionMedianS: number;
  sessionSigma: number;
  /** one packet each way per flow every packetIntervalMs */
  packetIntervalMs: number;
  payloadBytes: number;
  /** fraction of flows whose correspondent is an edge server near the MN, the rest on the internet */
  localFraction: number;
  keyBits: number;
  keys: number;
  lifetimeS: number;
  initialTimeoutMs: number;
  coaTest: boolean;
  /** per DAR binding cache capacity (the central anchor gets one per MN) */
  darCapacity: number;
  topology: Topology;
  /** a trace instead of the random walk and/or the random flows */
  trace: Trace | null;
}

export const DEFAULTS = {
  seed: 1, mns: 1000, dars: 64, durationS: 300, residenceS: 60, flowGapS: 60, sessionMedianS: 10, sessionSigma: 1.5,
  packetIntervalMs: 1000, payloadBytes: 200, localFraction: 0.5, keyBits: 2048, keys: 4, lifetimeS: 420,
  initialTimeoutMs: 250, coaTest: false,
  accessMs: 2, darLinkMs: 0.5, aggLinkMs: 1, internetMs: 10, anchorMs: 2,
};

export function defaultDomain(dars: number): Topology {
  const d = DEFAULTS;
  return defaultTopology({ dars, accessUs: d.accessMs * 1000, darLinkUs: d.darLinkMs * 1000, aggLinkUs: d.aggLinkMs * 1000, internetUs: d.internetMs * 1000, anchorUs: d.anchorMs * 1000 });
}

export function scenario(o: Partial<Omit<Scenario, "topology">> & { dars?: number; topology?: Topology }): Scenario {
  const d = DEFAULTS;
  const topology = o.topology ?? defaultDomain(o.dars ?? d.dars);
  const mns = o.trace?.mns ?? o.mns ?? d.mns;
  const seed = o.seed ?? d.seed;
  return {
    seed, coreSeed: o.coreSeed ?? seed, mns, durationS: o.durationS ?? d.durationS, residenceS: o.residenceS ?? d.residenceS,
    flowGapS: o.flowGapS ?? d.flowGapS, sessionMedianS: o.sessionMedianS ?? d.sessionMedianS, sessionSigma: o.sessionSigma ?? d.sessionSigma,
    packetIntervalMs: o.packetIntervalMs ?? d.packetIntervalMs, payloadBytes: o.payloadBytes ?? d.payloadBytes,
    localFraction: o.localFraction ?? d.localFraction, keyBits: o.keyBits ?? d.keyBits, keys: o.keys ?? d.keys,
    lifetimeS: o.lifetimeS ?? d.lifetimeS, initialTimeoutMs: o.initialTimeoutMs ?? d.initialTimeoutMs, coaTest: o.coaTest ?? d.coaTest,
    darCapacity: o.darCapacity ?? Math.min(65536, Math.max(256, Math.ceil((8 * mns) / topology.dars.length))),
    topology, trace: o.trace ?? null,
  };
}

export interface Move { atUs: number; mn: number; dar: number }
export interface FlowPlan { atUs: number; mn: number; durationUs: number; local: boolean }
export interface Script { initial: number[]; moves: Move[]; flows: FlowPlan[] }

const S = 1_000_000;
/** How long the flow process runs before the simulated time starts (docs/SIMULATION.md). */
export const WARMUP_S = 600;

/** Draws the movements and flows of every MN (or takes them from the trace). */
export function script(sc: Scenario): Script {
  const t = sc.topology;
  const endUs = sc.durationS * S;
  const walk = new Rng(deriveSeed(sc.seed, "mobility"));
  const traffic = new Rng(deriveSeed(sc.seed, "flows"));
  const initial: number[] = [];
  const moves: Move[] = [];
  const flows: FlowPlan[] = [];
  for (let m = 0; m < sc.mns; m++) {
    let dar = sc.trace?.initial[m] ?? walk.below(t.dars.length);
    initial.push(dar);
    if (!sc.trace?.moves) {
      for (let at = walk.exponential(sc.residenceS * S); at < endUs; at += walk.exponential(sc.residenceS * S)) {
        const next = t.neighbours[dar]!;
        if (!next.length) break;
        dar = next[walk.below(next.length)]!;
        moves.push({ atUs: Math.round(at), mn: m, dar });
      }
    }
    if (!sc.trace?.flows) {
      // The flow process starts WARMUP_S before the run: the flows still going at 0 start
      // there with the time they have left, so a short run does not measure the ramp-up.
      for (let at = -WARMUP_S * S + traffic.exponential(sc.flowGapS * S); at < endUs; at += traffic.exponential(sc.flowGapS * S)) {
        const durationUs = Math.max(sc.packetIntervalMs * 1000, Math.round(traffic.lognormal(sc.sessionMedianS * S, sc.sessionSigma)));
        const local = traffic.chance(sc.localFraction);
        const start = Math.max(0, Math.round(at));
        const left = Math.round(at) + durationUs - start;
        if (left > 0) flows.push({ atUs: start, mn: m, durationUs: left, local });
      }
    }
  }
  if (sc.trace?.moves) moves.push(...sc.trace.moves);
  if (sc.trace?.flows) flows.push(...sc.trace.flows);
  const byTime = (a: { atUs: number; mn: number }, b: { atUs: number; mn: number }) => a.atUs - b.atUs || a.mn - b.mn;
  moves.sort(byTime);
  flows.sort(byTime);
  return { initial, moves, flows };
}

export interface Trace { mns: number; initial: number[]; moves: Move[] | null; flows: FlowPlan[] | null }

/**
 * A trace file (JSON): {"mns": 1, "initial": ["dar1"], "moves": [{"t": 5, "mn": 0, "dar": "dar2"}],
 * "flows": [{"t": 0, "mn": 0, "durationS": 60, "cn": "internet" | "edge"}]}. Times in seconds.
 * "moves" absent: the random walk; "flows" absent: the random flows. DARs by topology node id.
 */
export function parseTrace(text: string, topo: Topology, name = "trace"): Trace {
  const fail = (msg: string): never => { throw new InputError(`${name}: ${msg}`); };
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { fail(`not JSON (${(e as Error).message})`); }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail("must be a JSON object");
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["mns", "initial", "moves", "flows"].includes(k)) fail(`unknown key "${k}"`);
  if (!Number.isInteger(o.mns) || (o.mns as number) < 1 || (o.mns as number) > 1_000_000) fail(`"mns" must be an integer from 1 to 1000000`);
  const mns = o.mns as number;
  const darIndex = new Map(topo.dars.map((n, i) => [topo.nodes[n]!.id, i]));
  const dar = (x: unknown, where: string): number => {
    const i = darIndex.get(x as string);
    if (i === undefined) fail(`${where}: "${String(x)}" is not a DAR of the topology`);
    return i!;
  };
  const mn = (x: unknown, where: string): number => {
    if (!Number.isInteger(x) || (x as number) < 0 || (x as number) >= mns) fail(`${where}: mn must be an integer from 0 to ${mns - 1}`);
    return x as number;
  };
  const time = (x: unknown, where: string): number => {
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0 || x > 1e7) fail(`${where}: a time in seconds from 0 to 1e7`);
    return Math.round((x as number) * S);
  };
  if (!Array.isArray(o.initial) || o.initial.length !== mns) fail(`"initial" must list one DAR per MN`);
  const initial = (o.initial as unknown[]).map((x, i) => dar(x, `initial[${i}]`));
  const list = (k: string): unknown[] | null => {
    if (o[k] === undefined) return null;
    if (!Array.isArray(o[k]) || (o[k] as unknown[]).length > 10_000_000) fail(`"${k}" must be an array`);
    return o[k] as unknown[];
  };
  const item = (x: unknown, where: string, keys: string[]): Record<string, unknown> => {
    if (typeof x !== "object" || x === null || Array.isArray(x)) fail(`${where} must be an object`);
    for (const k of Object.keys(x as object)) if (!keys.includes(k)) fail(`${where}: unknown key "${k}"`);
    return x as Record<string, unknown>;
  };
  const moves = list("moves")?.map((x, i) => {
    const m = item(x, `moves[${i}]`, ["t", "mn", "dar"]);
    return { atUs: time(m.t, `moves[${i}].t`), mn: mn(m.mn, `moves[${i}]`), dar: dar(m.dar, `moves[${i}].dar`) };
  }) ?? null;
  const flows = list("flows")?.map((x, i) => {
    const f = item(x, `flows[${i}]`, ["t", "mn", "durationS", "cn"]);
    if (f.cn !== undefined && f.cn !== "internet" && f.cn !== "edge") fail(`flows[${i}].cn must be "internet" or "edge"`);
    const durationUs = time(f.durationS, `flows[${i}].durationS`);
    if (durationUs <= 0) fail(`flows[${i}].durationS must be positive`);
    return { atUs: time(f.t, `flows[${i}].t`), mn: mn(f.mn, `flows[${i}]`), durationUs, local: f.cn === "edge" };
  }) ?? null;
  return { mns, initial, moves, flows };
}
