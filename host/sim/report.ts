// Text reports: one run's schemes side by side with the ratio, and the sweep table.
import type { RunSummary } from "./metrics.js";
import type { Simulation } from "./run.js";
import type { SweepPoint } from "./sweep.js";
import { fmt } from "./svg.js";

interface Row { name: string; f: (s: RunSummary) => number | null }

export const ROWS: Row[] = [
  { name: "handovers", f: (s) => s.handovers },
  { name: "handovers that needed signaling", f: (s) => s.handoversSignaled },
  { name: "signaling messages / handover", f: (s) => s.signaling.msgsPerHandover },
  { name: "signaling bytes / handover", f: (s) => s.signaling.bytesPerHandover },
  { name: "signaling messages / MN (mean)", f: (s) => s.signaling.perMnMean },
  { name: "signaling messages / MN (max)", f: (s) => s.signaling.perMnMax },
  { name: "handover latency p50 (ms)", f: (s) => s.handoverLatencyMs.p50 },
  { name: "handover latency p95 (ms)", f: (s) => s.handoverLatencyMs.p95 },
  { name: "path stretch mean", f: (s) => s.stretch.mean },
  { name: "path stretch p95", f: (s) => s.stretch.p95 },
  { name: "traffic on the direct path", f: (s) => s.data.directFraction },
  { name: "anchors used", f: (s) => s.anchors.used },
  { name: "hottest anchor: share of tunnelled pkts", f: (s) => s.anchors.hottestTunnelShare },
  { name: "hottest anchor: tunnelled pkts", f: (s) => s.anchors.maxTunnelledPkts },
  { name: "hottest anchor: peak bindings", f: (s) => s.anchors.maxBindingsPeak },
  { name: "RSA operations at anchors (total)", f: (s) => s.anchors.rsaOps },
  { name: "RSA operations at the busiest anchor", f: (s) => s.anchors.maxRsaOps },
  { name: "RSA operations at MNs (sign+decrypt)", f: (s) => s.mn.rsaSign + s.mn.rsaDecrypt },
  { name: "data packets sent", f: (s) => s.data.sent },
  { name: "data packets delivered", f: (s) => s.data.delivered },
  { name: "data packets dropped", f: (s) => s.data.dropped },
];

function cell(v: number | null): string { return v === null || !Number.isFinite(v) ? "-" : fmt(v); }
function ratio(a: number | null, b: number | null): string {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return "-";
  if (b === 0) return a === 0 ? "=" : "-";
  return `${(a / b).toFixed(2)}x`;
}

export function runTable(sim: Simulation): string {
  const sc = sim.scenario;
  const [f, c] = [sim.runs.find((r) => r.scheme === "fama"), sim.runs.find((r) => r.scheme === "central")];
  const lines = [`fama sim: M = ${sc.mns} MNs, N = ${sc.topology.dars.length} DARs, ${sc.durationS} s simulated, seed ${sc.seed}`];
  lines.push(`${"".padEnd(42)}${"FAMA".padStart(12)}${"centralized".padStart(14)}${"FAMA/central".padStart(14)}`);
  for (const r of ROWS) {
    const a = f ? r.f(f.summary) : null, b = c ? r.f(c.summary) : null;
    lines.push(`${r.name.padEnd(42)}${cell(a).padStart(12)}${cell(b).padStart(14)}${ratio(a, b).padStart(14)}`);
  }
  for (const r of sim.runs) {
    const drops = Object.entries(r.summary.data.drops).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
    lines.push(`${r.scheme}: drops by reason: ${drops}; in flight at the end ${r.summary.data.inFlightAtEnd}; ` +
      `${r.packetEvents} packet hops in ${r.wallS.toFixed(1)} s, ${r.cpuS.toFixed(1)} s CPU (${fmt(r.packetEvents / r.cpuS)}/CPU s), MN cores created ${r.summary.mn.coresCreated}, at most ${r.summary.mn.coresPeak} at once`);
  }
  return lines.join("\n") + "\n";
}

const SWEEP_ROWS = ROWS.filter((r) => !r.name.startsWith("data packets"));

/** One block per metric: a line per (M, N) with both schemes and the ratio, then the simulator's speed. */
export function sweepTable(points: SweepPoint[]): string {
  const lines: string[] = [];
  for (const r of SWEEP_ROWS) {
    lines.push(r.name, `${"M".padStart(8)}${"N".padStart(6)}${"resid. s".padStart(9)}${"FAMA".padStart(12)}${"centralized".padStart(14)}${"FAMA/central".padStart(14)}`);
    for (const p of points) {
      const a = r.f(p.fama), b = r.f(p.central);
      lines.push(`${pointKey(p)}${cell(a).padStart(12)}${cell(b).padStart(14)}${ratio(a, b).padStart(14)}`);
    }
    lines.push("");
  }
  lines.push("simulator speed (both schemes of a point together)",
    `${"M".padStart(8)}${"N".padStart(6)}${"resid. s".padStart(9)}${"wall s".padStart(10)}${"CPU s".padStart(9)}${"pkt hops/CPU s".padStart(16)}${"MNs/core in real time".padStart(24)}`);
  for (const p of points) lines.push(speedRow(p));
  return lines.join("\n") + "\n";
}

function pointKey(p: SweepPoint): string {
  return `${String(p.mns).padStart(8)}${String(p.dars).padStart(6)}${String(p.residenceS).padStart(9)}`;
}

/** Packet hops per CPU second, and MNs one CPU core keeps in real time (simulated MN-seconds per CPU second). */
export function speedRow(p: SweepPoint): string {
  return `${pointKey(p)}${p.wallS.toFixed(1).padStart(10)}${p.cpuS.toFixed(1).padStart(9)}${fmt(p.packetEvents / p.cpuS).padStart(16)}${fmt((p.mns * p.simulatedS) / p.cpuS).padStart(24)}`;
}
