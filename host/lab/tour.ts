// The lab's scenario on a running Lab: a TCP session and a steady UDP stream from H_1 (the MN's
// first address) to the CN, the MN moved DAR1 -> DAR2 -> DAR3 -> DAR1, a new flow after the
// first move, and what each step cost:
//   * handover latency: from the moment the new link was up (the orchestrator's `ip link set
//     up` returned) to the first packet of the kept UDP flow arriving at the CN after it;
//   * UDP lost: sequence numbers missing between the last packet that arrived before the old
//     link went away and that first packet after the new one came up;
//   * tunnelled or direct: DAR1's binding for H_1 (CoA, packets from the MN growing) while away,
//     none at home; the new flow's source address and DAR1's link counters while it ran;
//   * TCP intact: the CN compared every byte with the sender's pseudo-random stream, and the byte
//     count and SHA-256 with what the sender sent.
import { PLAN } from "./topology.js";
import { Lab, norm, inPrefix64, linkBytes, type Move, type DarBinding } from "./lab.js";
import { Sink, UdpStream, TcpStream } from "./flows.js";

export const KEPT_FLOW = 1;

export interface TourOptions {
  /** "cga": the tour starts at home, so the first handover of H_1 is a cga-mode BU. "phkt": an
   *  unmeasured warm-up move to DAR3 first, so every measured handover of H_1 is phkt mode. */
  mode?: "cga" | "phkt";
  /** Time spent at each DAR after the flow resumed, ms (default 1500). */
  dwellMs?: number;
  /** UDP packets per second of the kept flow (default 1000). */
  udpRate?: number;
  /** Bytes per second of the kept TCP session (default 200 kB/s). */
  tcpRate?: number;
  /** Bytes of the new flow opened after the first move (default 4 MB). */
  newFlowBytes?: number;
  say?: (text: string) => void;
}

export interface HandoverResult {
  from: number;
  to: number;
  /** link up -> first packet of the kept UDP flow at the CN */
  latencyMs: number;
  udpLost: number;
  /** the lab's own link switch: old link gone -> new link up (UDP packets sent meanwhile are lost too) */
  linkSwitchMs: number;
  /** how H_1 was (re)registered: cga / phkt (a BU to DAR1), home (deregistered at DAR1) */
  mode: string;
  /** the agent's own figure: link-up seen -> H_1 bound */
  bindMs: number | null;
  /** BUs for H_1 retransmitted during this handover */
  retransmissions: number;
  /** the care-of test ran (CoTI/CoT) before the BU */
  careOfTest: boolean;
  coa: string;
  /** H_1's flows: "tunnelled via DAR1" or "direct" */
  h1Path: string;
  /** TCP bytes the CN had received when the move was done */
  tcpDelivered: number;
  /** roaming lab: the RA that made the attachment and where the time went, ms from the agent's
   *  link-up: RS sent, RA taken, BUs sent (then bindMs: the BA, latencyMs: the CN) */
  ra: { decision: string; router: string; rsMs: number; raMs: number; busMs: number } | null;
}

export interface NewFlowResult {
  from: string;
  bytes: number;
  intact: boolean;
  /** DAR1's to-core link (rx+tx) and DAR2's access link (rx) bytes while the flow ran */
  dar1LinkBytes: number;
  dar2AccessBytes: number;
  /** DAR1's core: packets received while the flow ran, and whether it ever had a binding for the source */
  dar1Rx: number;
  dar1BindsSource: boolean;
  direct: boolean;
}

export interface TourSummary {
  h1: string;
  mode: string;
  coaTest: boolean;
  handovers: HandoverResult[];
  tcp: { bytesSent: number; bytesReceived: number; intact: boolean };
  udp: { sent: number; received: number; lost: number };
  newFlowDirect: boolean;
  newFlow: NewFlowResult | null;
  bindings: Record<string, { hoa: string; coa: string; hasPhkt: boolean }[] | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kB = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

export class Tour {
  readonly handovers: HandoverResult[] = [];
  newFlowResult: NewFlowResult | null = null;
  private readonly o: Required<Omit<TourOptions, "say">>;
  private readonly say: (t: string) => void;
  private constructor(readonly lab: Lab, readonly sink: Sink, readonly udp: UdpStream, readonly tcp: TcpStream, o: TourOptions) {
    this.o = { mode: o.mode ?? "cga", dwellMs: o.dwellMs ?? 1500, udpRate: o.udpRate ?? 1000, tcpRate: o.tcpRate ?? 200_000, newFlowBytes: o.newFlowBytes ?? 4_000_000 };
    this.say = o.say ?? (() => {});
  }

  /** Opens the sink in the CN and the kept flows from H_1; resolves when both deliver. */
  static async open(lab: Lab, o: TourOptions = {}): Promise<Tour> {
    const scope = lab.topo.netScope;
    const sink = await Sink.start(scope, lab.topo.ns.cn);
    const udp = await UdpStream.start(scope, lab.topo.ns.mn, { to: PLAN.cn, from: lab.h1, flow: KEPT_FLOW, rate: o.udpRate ?? 1000 });
    const tcp = await TcpStream.start(scope, lab.topo.ns.mn, { to: PLAN.cn, from: lab.h1, seed: 0x5eed0001, rate: o.tcpRate ?? 200_000 });
    const tour = new Tour(lab, sink, udp, tcp, o);
    const end = Date.now() + 10_000;
    while ((await sink.flow(KEPT_FLOW)).received === 0 || !(await sink.tcp()).some((c) => c.port === tcp.port && c.bytes > 0)) {
      if (Date.now() > end) throw new Error("the kept flows from H_1 did not reach the CN within 10 s");
      await sleep(20);
    }
    tour.say(`flows from H_1 to the CN ${PLAN.cn}: UDP ${tour.o.udpRate} packets/s with sequence numbers, TCP ${kB(tour.o.tcpRate)}/s of a pseudo-random stream; both delivering`);
    return tour;
  }

  /** The moves of the tour: [2, 3, 1, 2, 3, 1...] (`moves` of them), after the warm-up in phkt mode. */
  async run(moves = 3): Promise<TourSummary> {
    if (this.o.mode === "phkt") {
      this.say("phkt mode: warm-up move to DAR3 (H_1's first BU to DAR1 is cga mode; not measured)");
      await this.handover(3, { quiet: true });
    }
    for (let i = 0; i < moves; i++) {
      const to = [2, 3, 1][i % 3]!;
      if (to === this.lab.attachedTo) continue;
      await this.handover(to);
      if (!this.newFlowResult && to === 2) await this.newFlow();
    }
    return this.finish();
  }

  /** One move, measured; printed as a timeline entry. */
  async handover(to: number, opts: { quiet?: boolean; dwellMs?: number } = {}): Promise<HandoverResult> {
    const { lab, sink } = this;
    const h1 = lab.h1;
    const mv: Move = await lab.move(to);
    const gap = await sink.firstAfter(KEPT_FLOW, mv.downNs, mv.upNs, 20_000);
    if (!gap.firstAfter) throw new Error(`the UDP flow from H_1 did not resume within 20 s of the move DAR${mv.from} -> DAR${to}\n${lab.logTails()}`);
    const latencyMs = (gap.firstAfter.at - Number(mv.upNs)) / 1e6;
    // how H_1 got its path back
    const home = to === 1;
    const reg = await lab.mn.waitFor((l) => l.hoa === h1 && (home ? l.event === "home" : l.event === "bound"), 15_000, home ? "H_1 home (deregistered)" : "H_1 bound", mv.logFrom).catch(() => null);
    await sleep(opts.dwellMs ?? this.o.dwellMs);
    const late = await sink.handover(KEPT_FLOW, mv.downNs, mv.upNs);
    const retx = lab.mnEvents(mv.logFrom, (l) => l.event === "bu.sent" && l.hoa === h1 && l.retransmission === true).length;
    const coti = lab.mnEvents(mv.logFrom, (l) => l.event === "coti.sent" && l.hoa === h1).length > 0;
    // the path of H_1's flows: DAR1's binding
    const d1 = await lab.darStatus(1);
    const b = d1.bindings.find((x) => norm(x.hoa) === norm(h1));
    const h1Path = home ? (b ? `direct, but DAR1 still has a binding (CoA ${b.coa})` : "direct (at home; DAR1 has no binding)")
      : b && norm(b.coa) === norm(lab.coa) ? `tunnelled via DAR1 (binding H_1 -> ${b.coa}, ${b.pktsFromMn} packets from / ${b.pktsToMn} to the MN)` : `NOT tunnelled: DAR1 binding ${b ? `-> ${b.coa}` : "missing"}`;
    const tcpNow = (await sink.tcp()).find((c) => c.port === this.tcp.port);
    const r: HandoverResult = {
      from: mv.from, to, latencyMs: Math.round(latencyMs * 10) / 10, udpLost: late.lost, linkSwitchMs: Math.round(Number(mv.upNs - mv.downNs) / 1e5) / 10,
      mode: reg ? (home ? "home" : String(reg.mode)) : "unanswered",
      bindMs: reg && typeof reg.handoverMs === "number" ? reg.handoverMs : null,
      retransmissions: retx, careOfTest: coti, coa: lab.coa, h1Path, tcpDelivered: tcpNow?.bytes ?? 0,
      ra: mv.attached.router ? {
        decision: String(mv.attached.decision), router: String(mv.attached.router), rsMs: Number(mv.attached.rsMs),
        raMs: Number(mv.attached.raMs), busMs: Number(mv.attached.busAfterMs),
      } : null,
    };
    if (!opts.quiet) this.handovers.push(r);
    if (process.env.FAMA_LAB_DEBUG) {
      const up = Number(mv.upNs);
      const wall = (ns: number) => new Date(Date.now() - (Number(process.hrtime.bigint()) - ns) / 1e6).toISOString();
      process.stderr.write(`debug: link down ${wall(Number(mv.downNs))} up ${wall(up)}, first UDP back ${wall(gap.firstAfter.at)}\n`);
      process.stderr.write(`debug: link up at hrtime ${up}, first UDP back seq ${gap.firstAfter.seq} at +${((gap.firstAfter.at - up) / 1e6).toFixed(1)} ms, last before down seq ${gap.lastBefore?.seq}\n`);
      for (const l of lab.mn.lines.slice(mv.logFrom)) process.stderr.write(`debug: mn ${JSON.stringify(l)}\n`);
      const since = new Date(Date.now() - (Number(process.hrtime.bigint()) - Number(mv.downNs)) / 1e6).toISOString();
      lab.dars.forEach((d, i) => { for (const l of d.lines) if (String(l.ts) >= since && l.event !== "ba.counts") process.stderr.write(`debug: dar${i + 1} ${JSON.stringify(l)}\n`); });
      const st = await lab.mn.status();
      process.stderr.write(`debug: mn counters ${JSON.stringify(st.counters)}\n`);
    }
    const bindings = await lab.bindings();
    this.say([
      `${opts.quiet ? "warm-up " : ""}move DAR${mv.from} -> DAR${to}: CoA ${lab.coa}; UDP back ${r.latencyMs} ms after link-up, ${r.udpLost} lost (link switch ${r.linkSwitchMs} ms); `
        + `H_1 ${home ? "deregistered at DAR1" : `bound at DAR1 (${r.mode}${coti ? " + care-of test" : ""})`}${r.bindMs !== null ? ` ${r.bindMs} ms after the agent saw the link` : ""}${retx ? `, ${retx} BU retransmission(s)` : ""}; TCP ${kB(r.tcpDelivered)} delivered`,
      ...(r.ra ? [`    RA from ${r.ra.router} (${r.ra.decision}): RS ${r.ra.rsMs} ms, RA ${r.ra.raMs} ms, BUs ${r.ra.busMs} ms after the agent saw the link`] : []),
      `    H_1 flows: ${h1Path}`,
      `    bindings: ${bindings.map((bs, i) => `DAR${i + 1} ${bs === null ? "?" : bs.length ? bs.map((x) => `[${short(x.hoa)} -> ${short(x.coa)}]`).join(" ") : "none"}`).join(", ")}`,
    ].join("\n"));
    return r;
  }

  /** A new TCP flow opened now (no source address chosen: the kernel picks the CoA): direct? */
  async newFlow(): Promise<NewFlowResult> {
    const { lab, sink } = this;
    const k = lab.attachedTo;
    const bytes = this.o.newFlowBytes;
    const [d1a, l1a, l2a] = await Promise.all([lab.darStatus(1), linkBytes(lab.topo.darNs(1), "to-core"), linkBytes(lab.topo.darNs(k), "acc")]);
    const t = await TcpStream.start(lab.topo.netScope, lab.topo.ns.mn, { to: PLAN.cn, seed: 0x5eed0002, rate: 0, bytes });
    const sent = await t.ended(60_000);
    const res = await sink.tcpClosed(t.port, 60_000);
    const [d1b, l1b, l2b] = await Promise.all([lab.darStatus(1), linkBytes(lab.topo.darNs(1), "to-core"), linkBytes(lab.topo.darNs(k), "acc")]);
    const from = norm(res.from);
    const dar1LinkBytes = (l1b.rx - l1a.rx) + (l1b.tx - l1a.tx);
    const dar2AccessBytes = l2b.rx - l2a.rx;
    const dar1BindsSource = [...d1a.bindings, ...d1b.bindings].some((b) => norm(b.hoa) === from);
    const intact = res.intact && res.bytes === bytes && sent.bytesSent === bytes;
    const direct = intact && from === norm(lab.coa) && inPrefix64(from, PLAN.prefix(k)) && !dar1BindsSource && dar1LinkBytes < bytes / 4 && dar2AccessBytes >= bytes;
    this.newFlowResult = { from, bytes: res.bytes, intact, dar1LinkBytes, dar2AccessBytes, dar1Rx: d1b.counters.rx! - d1a.counters.rx!, dar1BindsSource, direct };
    this.say(`new TCP flow (source picked by the kernel) ${from} -> CN: ${kB(res.bytes)}${intact ? " intact" : " DAMAGED"}, ${direct ? "direct" : "NOT direct"}: `
      + `${inPrefix64(from, PLAN.prefix(k)) ? `the DAR${k} address` : "not the DAR's address"}; DAR${k}'s access link carried ${kB(dar2AccessBytes)}, `
      + `DAR1 moved ${kB(dar1LinkBytes)} (H_1's kept flows) and ${dar1BindsSource ? "HAS" : "has no"} binding for it`);
    return this.newFlowResult;
  }

  /** Ends the flows and collects the summary. */
  async finish(): Promise<TourSummary> {
    const { lab, sink } = this;
    const udp = await this.udp.stop();
    await sleep(100);
    const flow = await sink.flow(KEPT_FLOW);
    const ended = await this.tcp.stop(60_000);
    const res = await sink.tcpClosed(this.tcp.port, 60_000);
    const intact = res.intact && res.bytes === ended.bytesSent && res.sha256 === ended.sha256;
    const bindings = await lab.bindings();
    const summary: TourSummary = {
      h1: lab.h1, mode: this.o.mode, coaTest: lab.cfg.coaTest,
      handovers: this.handovers,
      tcp: { bytesSent: ended.bytesSent, bytesReceived: res.bytes, intact },
      udp: { sent: udp.sent, received: flow.received, lost: Math.max(0, udp.sent - flow.received) },
      newFlowDirect: this.newFlowResult?.direct ?? false,
      newFlow: this.newFlowResult,
      bindings: Object.fromEntries(bindings.map((bs, i) => [`dar${i + 1}`, bs ? bs.map((b: DarBinding) => ({ hoa: b.hoa, coa: b.coa, hasPhkt: b.hasPhkt })) : null])),
    };
    this.say(`TCP session: ${kB(ended.bytesSent)} sent, ${kB(res.bytes)} received, ${intact ? "every byte intact and in order" : `NOT intact (first bad byte ${res.firstMismatch}, ${res.error ?? "no error"})`}; `
      + `UDP: ${udp.sent} sent, ${flow.received} received${udp.errors ? ` (${udp.errors} send errors while no link: ${udp.lastError})` : ""}`);
    return summary;
  }
}

/** A short form of an address for the timeline: the prefix's fourth group and the last one. */
function short(a: string): string {
  const n = norm(a);
  return n.length > 24 ? `${n.slice(0, 14)}..${n.slice(-4)}` : n;
}
