// Small SVG plots (no dependency): line charts and grouped bar charts with axes, ticks and
// a legend, composed into panels of one document that a browser opens as it is.

export interface Series { name: string; points: [number, number][]; dashed?: boolean }
export interface LineSpec { title: string; xLabel: string; yLabel: string; series: Series[]; xLog?: boolean; yMin?: number; step?: boolean }
export interface BarSpec { title: string; yLabel: string; categories: string[]; groups: { name: string; values: number[] }[]; refLine?: { name: string; value: number } }

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const M = { left: 62, right: 14, bottom: 46 };

export function document(width: number, height: number, panels: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join("\n")}\n</svg>\n`;
}

/** Nice tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return `${Number(v.toPrecision(4))}`;
}

function esc(s: string): string { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

function frame(x: number, y: number, w: number, h: number, title: string, xLabel: string, yLabel: string): string {
  return [
    `<text x="${x + w / 2}" y="${y + 18}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${x + M.left + (w - M.left - M.right) / 2}" y="${y + h - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(${x + 14} ${y + (h - M.bottom + 50) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ].join("\n");
}

export function lineChart(x: number, y: number, w: number, h: number, s: LineSpec): string {
  const pts = s.series.flatMap((l) => l.points).filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
  const tx = (v: number) => (s.xLog ? Math.log2(v) : v);
  let x0 = Math.min(...pts.map(([px]) => tx(px))), x1 = Math.max(...pts.map(([px]) => tx(px)));
  let y0 = s.yMin ?? Math.min(0, ...pts.map(([, py]) => py)), y1 = Math.max(...pts.map(([, py]) => py));
  if (!pts.length) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  y1 += (y1 - y0) * 0.05;
  const px0 = x + M.left, px1 = x + w - M.right, py0 = y + h - M.bottom;
  const legend = legends(px0, y + 38, px1 - px0, s.series.map((l, i) => ({ name: l.name, color: COLORS[i % COLORS.length]!, dashed: l.dashed })));
  const py1 = plotTop(y, legend.rows);
  const sx = (v: number) => px0 + ((tx(v) - x0) / (x1 - x0)) * (px1 - px0);
  const sy = (v: number) => py0 - ((v - y0) / (y1 - y0)) * (py0 - py1);
  const out = [frame(x, y, w, h, s.title, s.xLabel, s.yLabel)];
  out.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="none" stroke="#444"/>`);
  const xt = s.xLog ? [...new Set(pts.map(([px]) => px))].sort((a, b) => a - b) : ticks(x0, x1);
  for (const v of xt) out.push(`<line x1="${sx(v)}" y1="${py0}" x2="${sx(v)}" y2="${py0 + 4}" stroke="#444"/><text x="${sx(v)}" y="${py0 + 17}" text-anchor="middle">${fmt(v)}</text>`);
  for (const v of ticks(y0, y1)) {
    if (v > y1) continue;
    out.push(`<line x1="${px0}" y1="${sy(v)}" x2="${px1}" y2="${sy(v)}" stroke="#ddd"/><text x="${px0 - 5}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  s.series.forEach((l, i) => {
    const c = COLORS[i % COLORS.length];
    const p: string[] = [];
    let prevY: number | null = null;
    for (const [vx, vy] of l.points) {
      if (s.step && prevY !== null) p.push(`${sx(vx).toFixed(1)},${sy(prevY).toFixed(1)}`);
      p.push(`${sx(vx).toFixed(1)},${sy(vy).toFixed(1)}`);
      prevY = vy;
    }
    out.push(`<polyline points="${p.join(" ")}" fill="none" stroke="${c}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    if (!s.step) for (const [vx, vy] of l.points) out.push(`<circle cx="${sx(vx).toFixed(1)}" cy="${sy(vy).toFixed(1)}" r="3" fill="${c}"/>`);
  });
  out.push(legend.svg);
  return `<g>${out.join("\n")}</g>`;
}

interface LegendItem { name: string; color: string; dashed?: boolean }

/** Legend entries in the top margin, wrapped to `width`; returns the SVG and the rows used. */
function legends(x: number, y: number, width: number, items: LegendItem[]): { svg: string; rows: number } {
  const out: string[] = [];
  let cx = x;
  let rows = 1;
  for (const it of items) {
    const w = 40 + it.name.length * 6;
    if (cx > x && cx + w > x + width) { cx = x; rows++; }
    const cy = y + (rows - 1) * 14;
    out.push(`<line x1="${cx}" y1="${cy - 4}" x2="${cx + 22}" y2="${cy - 4}" stroke="${it.color}" stroke-width="3"${it.dashed ? ' stroke-dasharray="6 4"' : ""}/><text x="${cx + 27}" y="${cy}" font-size="11">${esc(it.name)}</text>`);
    cx += w;
  }
  return { svg: out.join(""), rows };
}

/** The plot area's top edge below the title and `rows` legend rows. */
function plotTop(y: number, rows: number): number { return y + 36 + rows * 14; }

export function barChart(x: number, y: number, w: number, h: number, s: BarSpec): string {
  const all = [...s.groups.flatMap((g) => g.values), s.refLine?.value ?? 0].filter(Number.isFinite);
  const y1 = Math.max(1e-9, ...all) * 1.08;
  const px0 = x + M.left, px1 = x + w - M.right, py0 = y + h - M.bottom;
  const items: LegendItem[] = s.groups.map((g, gi) => ({ name: g.name, color: COLORS[gi % COLORS.length]! }));
  if (s.refLine) items.push({ name: s.refLine.name, color: COLORS[s.groups.length % COLORS.length]!, dashed: true });
  const legend = legends(px0, y + 38, px1 - px0, items);
  const py1 = plotTop(y, legend.rows);
  const sy = (v: number) => py0 - (v / y1) * (py0 - py1);
  const out = [frame(x, y, w, h, s.title, "", s.yLabel)];
  out.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="none" stroke="#444"/>`);
  for (const v of ticks(0, y1)) {
    if (v > y1) continue;
    out.push(`<line x1="${px0}" y1="${sy(v)}" x2="${px1}" y2="${sy(v)}" stroke="#ddd"/><text x="${px0 - 5}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  const cw = (px1 - px0) / Math.max(1, s.categories.length);
  const bw = (cw * 0.8) / Math.max(1, s.groups.length);
  const labelEvery = Math.max(1, Math.ceil(s.categories.length / 16));
  s.categories.forEach((cat, ci) => {
    s.groups.forEach((g, gi) => {
      const v = g.values[ci] ?? 0;
      const bx = px0 + ci * cw + cw * 0.1 + gi * bw;
      out.push(`<rect x="${bx.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(py0 - sy(v)).toFixed(1)}" fill="${COLORS[gi % COLORS.length]}"/>`);
    });
    if (ci % labelEvery === 0) out.push(`<text x="${(px0 + ci * cw + cw / 2).toFixed(1)}" y="${py0 + 16}" text-anchor="middle" font-size="11">${esc(cat)}</text>`);
  });
  if (s.refLine) {
    const c = COLORS[s.groups.length % COLORS.length]!;
    out.push(`<line x1="${px0}" y1="${sy(s.refLine.value)}" x2="${px1}" y2="${sy(s.refLine.value)}" stroke="${c}" stroke-width="2" stroke-dasharray="6 4"/>`);
  }
  out.push(legend.svg);
  return `<g>${out.join("\n")}</g>`;
}
