// The plots of a run (`fama sim --svg DIR`) and of a sweep: path stretch CDF, signaling per
// handover, load per anchor, scaling curves. Written as standalone SVG files.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { barChart, document, lineChart, type Series } from "./svg.js";
import type { Simulation } from "./run.js";
import type { SweepPoint } from "./sweep.js";

const NAMES = { fama: "FAMA", central: "centralized MIPv6" };

export function runPlots(sim: Simulation): Record<string, string> {
  const sc = sim.scenario;
  const where = `M = ${sc.mns} MNs, N = ${sc.topology.dars.length} DARs, ${sc.durationS} s, seed ${sc.seed}`;
  const out: Record<string, string> = {};
  out["stretch-cdf.svg"] = document(720, 420, [lineChart(0, 0, 720, 420, {
    title: `Path stretch of every delivered packet (${where})`, xLabel: "path stretch (delivered path delay / direct path delay)",
    yLabel: "fraction of packets", yMin: 0, step: true,
    series: sim.runs.map((r) => ({ name: NAMES[r.scheme], points: [[1, 0], ...r.metrics.stretchCdf()] as [number, number][] })),
  })]);
  const types = [...new Set(sim.runs.flatMap((r) => Object.keys(r.summary.signaling.byType)))].sort();
  const perHandover = (key: string, f: "msgs" | "bytes") => sim.runs.map((r) => {
    const h = r.summary.handovers || 1;
    return (r.summary.signaling.byType[key]?.[f] ?? 0) / h;
  });
  out["signaling.svg"] = document(960, 400, [
    barChart(0, 0, 480, 400, { title: "Signaling messages per handover", yLabel: "messages / handover", categories: types,
      groups: sim.runs.map((r, i) => ({ name: NAMES[r.scheme], values: types.map((t) => perHandover(t, "msgs")[i]!) })) }),
    barChart(480, 0, 480, 400, { title: "Signaling bytes per handover", yLabel: "bytes / handover", categories: types,
      groups: sim.runs.map((r, i) => ({ name: NAMES[r.scheme], values: types.map((t) => perHandover(t, "bytes")[i]!) })) }),
  ]);
  const fama = sim.runs.find((r) => r.scheme === "fama");
  const central = sim.runs.find((r) => r.scheme === "central");
  if (fama) {
    const loads = fama.metrics.anchorTable().slice(0, sc.topology.dars.length).sort((a, b) => b.tunnelledPkts - a.tunnelledPkts);
    const ha = central?.metrics.anchorTable().at(-1);
    out["anchor-load.svg"] = document(960, 400, [barChart(0, 0, 960, 400, {
      title: `Tunnelled packets per anchor, anchors sorted by load (${where})`, yLabel: "tunnelled packets",
      categories: loads.map((_, i) => `${i + 1}`),
      groups: [{ name: "FAMA: each DAR's anchor", values: loads.map((a) => a.tunnelledPkts) }],
      refLine: ha ? { name: "centralized: the home agent", value: ha.tunnelledPkts } : undefined,
    })]);
  }
  return out;
}

/** Scaling curves over a sweep: one line per (scheme, M) against N. */
export function sweepPlot(points: SweepPoint[]): string {
  const mns = [...new Set(points.map((p) => p.mns))].sort((a, b) => a - b);
  const panel = (title: string, yLabel: string, f: (p: SweepPoint, scheme: "fama" | "central") => number): (x: number) => string => {
    const series: Series[] = [];
    for (const scheme of ["fama", "central"] as const) {
      for (const m of mns) {
        series.push({ name: `${scheme === "fama" ? "FAMA" : "centralized"}, M = ${m}`, dashed: scheme === "central",
          points: points.filter((p) => p.mns === m && p.residenceS === points[0]!.residenceS).sort((a, b) => a.dars - b.dars).map((p) => [p.dars, f(p, scheme)]) });
      }
    }
    return (x: number) => lineChart(x, 0, 420, 380, { title, xLabel: "N (DARs)", yLabel, series, xLog: true, yMin: 0 });
  };
  const panels = [
    panel("Signaling bytes per handover", "bytes / handover", (p, s) => p[s].signaling.bytesPerHandover),
    panel("Mean path stretch", "stretch", (p, s) => p[s].stretch.mean ?? 0),
    panel("Hottest anchor: tunnelled packets", "packets", (p, s) => p[s].anchors.maxTunnelledPkts),
    panel("Hottest anchor: peak bindings", "bindings", (p, s) => p[s].anchors.maxBindingsPeak),
  ];
  return document(420 * panels.length, 380, panels.map((p, i) => p(i * 420)));
}

export function writePlots(dir: string, files: Record<string, string>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, svg]) => { const p = join(dir, name); writeFileSync(p, svg); return p; });
}
