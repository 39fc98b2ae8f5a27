// What a run measures (docs/SIMULATION.md, "Metrics"): per scheme, counters filled by the
// domain while it runs, summarised into one plain JSON object at the end.

/** Path stretch histogram: bins of 0.01 from 1.0; the last bin holds everything above. */
export const STRETCH_BIN = 0.01;
export const STRETCH_BINS = 2000;

export type SignalingType = "bu" | "ba" | "coti" | "cot";
export const SIGNALING_TYPES: SignalingType[] = ["bu", "ba", "coti", "cot"];

export interface AnchorLoad {
  name: string;
  /** signaling messages and bytes to and from this anchor */
  signalingMsgs: number;
  signalingBytes: number;
  tunnelledPkts: number;
  tunnelledBytes: number;
  bindingsPeak: number;
  bindingSamples: number;
  bindingSum: number;
  rsaVerify: number;
  rsaEncrypt: number;
}

export class Metrics {
  readonly stretchHist = new Float64Array(STRETCH_BINS + 1);
  stretchSum = 0;
  stretchMax = 0;
  dataSent = 0;
  dataDelivered = 0;
  dataDirect = 0;
  dataInFlightAtEnd = 0;
  readonly drops = new Map<string, number>();
  readonly signaling = new Map<string, { msgs: number; bytes: number }>();
  signalingMsgs = 0;
  signalingBytes = 0;
  signalingDropped = 0;
  readonly perMnMsgs: Float64Array;
  handovers = 0;
  handoversSignaled = 0;
  readonly handoverLatencyMs: number[] = [];
  handoversUnfinished = 0;
  mnSign = 0;
  mnDecrypt = 0;
  mnCoresCreated = 0;
  mnCoresPeak = 0;
  flows = 0;
  readonly anchors: AnchorLoad[];
  readonly events = new Map<string, number>();

  constructor(mns: number, anchorNames: string[]) {
    this.perMnMsgs = new Float64Array(mns);
    this.anchors = anchorNames.map((name) => ({
      name, signalingMsgs: 0, signalingBytes: 0, tunnelledPkts: 0, tunnelledBytes: 0,
      bindingsPeak: 0, bindingSamples: 0, bindingSum: 0, rsaVerify: 0, rsaEncrypt: 0,
    }));
  }

  drop(reason: string): void { this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1); }
  event(kind: string): void { this.events.set(kind, (this.events.get(kind) ?? 0) + 1); }

  delivered(pathUs: number, directUs: number, direct: boolean): void {
    this.dataDelivered++;
    if (direct) this.dataDirect++;
    const s = pathUs / directUs;
    this.stretchSum += s;
    if (s > this.stretchMax) this.stretchMax = s;
    this.stretchHist[Math.min(STRETCH_BINS, Math.max(0, Math.floor((s - 1) / STRETCH_BIN + 1e-9)))]!++;
  }

  signal(type: SignalingType, mode: string, bytes: number, mn: number, anchor: number): void {
    const key = mode ? `${type}-${mode}` : type;
    const e = this.signaling.get(key) ?? { msgs: 0, bytes: 0 };
    e.msgs++;
    e.bytes += bytes;
    this.signaling.set(key, e);
    this.signalingMsgs++;
    this.signalingBytes += bytes;
    if (mn >= 0) this.perMnMsgs[mn]!++;
    const a = this.anchors[anchor];
    if (a) { a.signalingMsgs++; a.signalingBytes += bytes; }
  }

  /** The p-quantile of the stretch histogram (upper bin edge). */
  stretchQuantile(p: number): number {
    const total = this.dataDelivered;
    if (!total) return NaN;
    let acc = 0;
    for (let i = 0; i <= STRETCH_BINS; i++) {
      acc += this.stretchHist[i]!;
      if (acc >= p * total) return i === 0 ? 1 : 1 + i * STRETCH_BIN;
    }
    return this.stretchMax;
  }

  summary(): RunSummary {
    const anchors = this.anchors.filter((a) => a.signalingMsgs || a.tunnelledPkts || a.bindingsPeak);
    const sum = (f: (a: AnchorLoad) => number) => this.anchors.reduce((s, a) => s + f(a), 0);
    const hottest = (f: (a: AnchorLoad) => number) => {
      const total = sum(f);
      return total ? Math.max(...this.anchors.map(f)) / total : 0;
    };
    const lat = [...this.handoverLatencyMs].sort((a, b) => a - b);
    const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : null);
    const perMn = [...this.perMnMsgs].sort((a, b) => a - b);
    const dropped = [...this.drops.values()].reduce((s, n) => s + n, 0);
    return {
      handovers: this.handovers,
      handoversSignaled: this.handoversSignaled,
      handoversUnfinished: this.handoversUnfinished,
      signaling: {
        msgs: this.signalingMsgs, bytes: this.signalingBytes,
        msgsPerHandover: this.handovers ? this.signalingMsgs / this.handovers : 0,
        bytesPerHandover: this.handovers ? this.signalingBytes / this.handovers : 0,
        byType: Object.fromEntries([...this.signaling.entries()].sort()),
        perMnMean: perMn.length ? this.signalingMsgs / perMn.length : 0,
        perMnMax: perMn.at(-1) ?? 0,
        dropped: this.signalingDropped,
      },
      handoverLatencyMs: { count: lat.length, mean: lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : null, p50: q(0.5), p95: q(0.95), max: lat.at(-1) ?? null },
      data: {
        sent: this.dataSent, delivered: this.dataDelivered, dropped, inFlightAtEnd: this.dataInFlightAtEnd,
        drops: Object.fromEntries([...this.drops.entries()].sort()),
        directFraction: this.dataDelivered ? this.dataDirect / this.dataDelivered : 0,
      },
      stretch: { mean: this.dataDelivered ? this.stretchSum / this.dataDelivered : null, p50: this.stretchQuantile(0.5), p95: this.stretchQuantile(0.95), p99: this.stretchQuantile(0.99), max: this.stretchMax },
      anchors: {
        used: anchors.length,
        hottestTunnelShare: hottest((a) => a.tunnelledPkts),
        hottestBindingShare: hottest((a) => a.bindingsPeak),
        hottestSignalingShare: hottest((a) => a.signalingMsgs),
        maxTunnelledPkts: Math.max(0, ...this.anchors.map((a) => a.tunnelledPkts)),
        maxBindingsPeak: Math.max(0, ...this.anchors.map((a) => a.bindingsPeak)),
        rsaOps: sum((a) => a.rsaVerify + a.rsaEncrypt),
        maxRsaOps: Math.max(0, ...this.anchors.map((a) => a.rsaVerify + a.rsaEncrypt)),
        tunnelledPkts: sum((a) => a.tunnelledPkts),
      },
      mn: { rsaSign: this.mnSign, rsaDecrypt: this.mnDecrypt, coresCreated: this.mnCoresCreated, coresPeak: this.mnCoresPeak, flows: this.flows },
      events: Object.fromEntries([...this.events.entries()].sort()),
    };
  }

  /** The per-anchor figures (sorted by name order) for plots. */
  anchorTable(): AnchorLoad[] { return this.anchors.map((a) => ({ ...a })); }

  /** Cumulative fraction of packets at each stretch bin edge (for the CDF plot). */
  stretchCdf(): [number, number][] {
    const out: [number, number][] = [];
    let acc = 0;
    const total = this.dataDelivered || 1;
    for (let i = 0; i <= STRETCH_BINS; i++) {
      const n = this.stretchHist[i]!;
      if (!n) continue;
      acc += n;
      out.push([i === 0 ? 1 : 1 + i * STRETCH_BIN, acc / total]);
    }
    return out;
  }
}

export interface RunSummary {
  handovers: number;
  handoversSignaled: number;
  handoversUnfinished: number;
  signaling: {
    msgs: number; bytes: number; msgsPerHandover: number; bytesPerHandover: number;
    byType: Record<string, { msgs: number; bytes: number }>; perMnMean: number; perMnMax: number; dropped: number;
  };
  handoverLatencyMs: { count: number; mean: number | null; p50: number | null; p95: number | null; max: number | null };
  data: { sent: number; delivered: number; dropped: number; inFlightAtEnd: number; drops: Record<string, number>; directFraction: number };
  stretch: { mean: number | null; p50: number; p95: number; p99: number; max: number };
  anchors: {
    used: number; hottestTunnelShare: number; hottestBindingShare: number; hottestSignalingShare: number;
    maxTunnelledPkts: number; maxBindingsPeak: number; rsaOps: number; maxRsaOps: number; tunnelledPkts: number;
  };
  mn: { rsaSign: number; rsaDecrypt: number; coresCreated: number; coresPeak: number; flows: number };
  events: Record<string, number>;
}
