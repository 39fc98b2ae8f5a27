// The simulated domain's graph: routers, DARs (the leaves where MNs attach), one
// "internet" node (where remote correspondents are) and one "anchor" node (where the
// centralized home agent sits). Links have one-way delays in integer microseconds, so path
// delays add up exactly. Routing is shortest-delay (Dijkstra, per source, cached).
//
// Default: N = 4^L DARs on a 2^L x 2^L grid of cells, aggregated as a quadtree (each
// router covers a 2x2 block of the level below), a core router at the root, the internet
// and the home agent's data centre hanging off the core. Neighbouring DARs (for the random
// walk) are the 4-neighbours on the grid. Other shapes: a topology file (parseTopology).
import { InputError } from "../errors.js";

export type NodeKind = "router" | "dar" | "internet" | "anchor";

export interface TopologyNode { id: string; kind: NodeKind }

export interface Topology {
  nodes: TopologyNode[];
  /** adjacency: node index -> [neighbour index, delay us] */
  adj: [number, number][][];
  /** node index of each DAR, in DAR order */
  dars: number[];
  /** per DAR (by DAR order): the DARs an MN can move to from it */
  neighbours: number[][];
  /** per DAR: the router its edge servers sit at (local correspondents) */
  edge: number[];
  internet: number;
  anchor: number;
  /** one-way delay of every access (radio) link, us */
  accessUs: number;
}

export interface DefaultTopologyOptions {
  dars: number;
  /** DAR to its first aggregation router */
  darLinkUs: number;
  /** each aggregation level up to the core */
  aggLinkUs: number;
  internetUs: number;
  anchorUs: number;
  accessUs: number;
}

export function defaultTopology(o: DefaultTopologyOptions): Topology {
  const levels = Math.round(Math.log(o.dars) / Math.log(4));
  if (o.dars < 4 || 4 ** levels !== o.dars) {
    throw new InputError(`the default topology needs a power of 4 DARs (4, 16, 64, 256, 1024), not ${o.dars}; give other shapes with --topology FILE`);
  }
  const side = 2 ** levels;
  const nodes: TopologyNode[] = [];
  const links: [number, number, number][] = [];
  const add = (id: string, kind: NodeKind) => { nodes.push({ id, kind }); return nodes.length - 1; };
  const core = add("core", "router");
  const internet = add("internet", "internet");
  const anchor = add("ha", "anchor");
  links.push([core, internet, o.internetUs], [core, anchor, o.anchorUs]);
  // DAR i sits at the cell whose Morton code is i: siblings are 2x2 blocks.
  const dars: number[] = [];
  const edge: number[] = [];
  const xy: [number, number][] = [];
  let parents: number[] = [];
  for (let i = 0; i < o.dars; i++) {
    dars.push(add(`dar${i + 1}`, "dar"));
    xy.push(demorton(i));
  }
  let level = dars;
  for (let l = levels; l >= 1; l--) {
    parents = [];
    for (let g = 0; g < level.length / 4; g++) {
      const r = l === 1 ? core : add(`agg${l - 1}-${g + 1}`, "router");
      parents.push(r);
      for (let c = 0; c < 4; c++) links.push([level[g * 4 + c]!, r, l === levels ? o.darLinkUs : o.aggLinkUs]);
      if (l === levels) for (let c = 0; c < 4; c++) edge[g * 4 + c] = r;
    }
    level = parents;
  }
  const cell = new Map<string, number>();
  xy.forEach(([x, y], i) => cell.set(`${x},${y}`, i));
  const neighbours = xy.map(([x, y]) => [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]
    .filter(([a, b]) => a! >= 0 && b! >= 0 && a! < side && b! < side)
    .map(([a, b]) => cell.get(`${a},${b}`)!));
  return build(nodes, links, dars, neighbours, edge, internet, anchor, o.accessUs);
}

function demorton(i: number): [number, number] {
  let x = 0, y = 0;
  for (let b = 0; b < 16; b++) {
    x |= ((i >> (2 * b)) & 1) << b;
    y |= ((i >> (2 * b + 1)) & 1) << b;
  }
  return [x, y];
}

function build(nodes: TopologyNode[], links: [number, number, number][], dars: number[], neighbours: number[][], edge: number[],
  internet: number, anchor: number, accessUs: number): Topology {
  const adj: [number, number][][] = nodes.map(() => []);
  for (const [a, b, d] of links) { adj[a]!.push([b, d]); adj[b]!.push([a, d]); }
  return { nodes, adj, dars, neighbours, edge, internet, anchor, accessUs };
}

const MAX_NODES = 100_000;

/**
 * A topology file (JSON):
 *   { "accessDelayMs": 1,
 *     "nodes": [ { "id": "core", "kind": "router" }, { "id": "dar1", "kind": "dar", "neighbours": ["dar2"], "edge": "core" }, ... ],
 *     "links": [ { "a": "core", "b": "dar1", "delayMs": 0.5 }, ... ] }
 * kinds: router, dar, internet (exactly one), anchor (exactly one: the centralized home agent).
 * A DAR's "edge" (default: the first router it links to) is where its local correspondents are.
 */
export function parseTopology(text: string, name = "topology"): Topology {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { throw new InputError(`${name}: not JSON (${(e as Error).message})`); }
  const fail = (msg: string): never => { throw new InputError(`${name}: ${msg}`); };
  if (!isObject(doc)) fail("must be a JSON object");
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!["accessDelayMs", "nodes", "links"].includes(k)) fail(`unknown key "${k}"`);
  const accessUs = delayUs(d.accessDelayMs ?? 1, "accessDelayMs", fail);
  if (!Array.isArray(d.nodes) || d.nodes.length === 0 || d.nodes.length > MAX_NODES) fail(`"nodes" must be an array of 1..${MAX_NODES} nodes`);
  if (!Array.isArray(d.links) || d.links.length > 10 * MAX_NODES) fail(`"links" must be an array`);
  const nodes: TopologyNode[] = [];
  const index = new Map<string, number>();
  const raw = d.nodes as unknown[];
  raw.forEach((n, i) => {
    if (!isObject(n)) fail(`nodes[${i}] must be an object`);
    const o = n as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!["id", "kind", "neighbours", "edge"].includes(k)) fail(`nodes[${i}]: unknown key "${k}"`);
    if (typeof o.id !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(o.id)) fail(`nodes[${i}].id must be 1-64 letters, digits, _ . -`);
    if (index.has(o.id as string)) fail(`duplicate node id "${o.id}"`);
    if (!["router", "dar", "internet", "anchor"].includes(o.kind as string)) fail(`nodes[${i}].kind must be router, dar, internet or anchor`);
    index.set(o.id as string, i);
    nodes.push({ id: o.id as string, kind: o.kind as NodeKind });
  });
  const byKind = (k: NodeKind) => nodes.map((n, i) => (n.kind === k ? i : -1)).filter((i) => i >= 0);
  const dars = byKind("dar");
  if (dars.length === 0) fail("no node of kind dar");
  if (dars.length > 0xfffe) fail("at most 65534 DARs");
  const internet = byKind("internet");
  const anchor = byKind("anchor");
  if (internet.length !== 1) fail("exactly one node of kind internet");
  if (anchor.length !== 1) fail("exactly one node of kind anchor");
  const links: [number, number, number][] = [];
  (d.links as unknown[]).forEach((l, i) => {
    if (!isObject(l)) fail(`links[${i}] must be an object`);
    const o = l as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!["a", "b", "delayMs"].includes(k)) fail(`links[${i}]: unknown key "${k}"`);
    const a = index.get(o.a as string), b = index.get(o.b as string);
    if (a === undefined || b === undefined) fail(`links[${i}]: a and b must name nodes`);
    if (a === b) fail(`links[${i}]: a link needs two different nodes`);
    links.push([a!, b!, delayUs(o.delayMs, `links[${i}].delayMs`, fail)]);
  });
  const darOrder = new Map(dars.map((n, i) => [n, i]));
  const neighbours: number[][] = [];
  const edge: number[] = [];
  for (const n of dars) {
    const o = raw[n] as Record<string, unknown>;
    const list = o.neighbours ?? [];
    if (!Array.isArray(list)) fail(`${nodes[n]!.id}.neighbours must be an array of DAR ids`);
    neighbours.push((list as unknown[]).map((x) => {
      const j = darOrder.get(index.get(x as string) ?? -1);
      if (j === undefined) fail(`${nodes[n]!.id}.neighbours: "${String(x)}" is not a DAR`);
      return j!;
    }));
    const firstRouter = links.find(([a, b]) => (a === n && nodes[b]!.kind === "router") || (b === n && nodes[a]!.kind === "router"));
    const e = o.edge === undefined ? (firstRouter ? (firstRouter[0] === n ? firstRouter[1] : firstRouter[0]) : n) : index.get(o.edge as string);
    if (e === undefined) fail(`${nodes[n]!.id}.edge must name a node`);
    edge.push(e!);
  }
  const topo = build(nodes, links, dars, neighbours, edge, internet[0]!, anchor[0]!, accessUs);
  const reach = new Routes(topo).from(dars[0]!);
  nodes.forEach((n, i) => { if (!Number.isFinite(reach[i]!)) fail(`node "${n.id}" is not connected to ${nodes[dars[0]!]!.id}`); });
  return topo;
}

function isObject(x: unknown): boolean { return typeof x === "object" && x !== null && !Array.isArray(x); }

function delayUs(x: unknown, what: string, fail: (m: string) => never): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0 || x > 10_000) fail(`${what} must be a number of ms from 0 to 10000`);
  return Math.round((x as number) * 1000);
}

/** Shortest-delay distances, one Dijkstra per source node, cached. */
export class Routes {
  private cache = new Map<number, Float64Array>();
  constructor(readonly topo: Topology) {}

  from(src: number): Float64Array {
    let d = this.cache.get(src);
    if (d) return d;
    const n = this.topo.nodes.length;
    d = new Float64Array(n).fill(Infinity);
    const done = new Uint8Array(n);
    d[src] = 0;
    // the graphs are small (hundreds of nodes): an O(n^2) scan is simpler than a heap
    for (let k = 0; k < n; k++) {
      let u = -1;
      for (let i = 0; i < n; i++) if (!done[i] && (u < 0 || d[i]! < d[u]!)) u = i;
      if (u < 0 || !Number.isFinite(d[u]!)) break;
      done[u] = 1;
      for (const [v, w] of this.topo.adj[u]!) if (d[u]! + w < d[v]!) d[v] = d[u]! + w;
    }
    this.cache.set(src, d);
    return d;
  }

  delay(a: number, b: number): number { return this.from(a)[b]!; }
}
