// Shared benchmark helpers: timing with process.hrtime, medians of alternating
// runs (the machine is shared and noisy: a figure and its baseline are always
// measured interleaved in the same run), and a table printer that puts each
// figure beside its baseline with the ratio.

/** Something to time: run(iters) does `iters` iterations of `unitsPerIter` units each
 *  (messages, bytes, verifications...). */
export interface Case {
  name: string;
  run: (iters: number) => void;
  unitsPerIter?: number;
}

export interface Options {
  /** Alternating rounds; the median of each case is reported. */
  rounds?: number;
  /** Target duration of one timed run, ms. */
  runMs?: number;
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Seconds taken by fn(iters). */
export function timeIt(fn: (iters: number) => void, iters: number): number {
  const t0 = process.hrtime.bigint();
  fn(iters);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Iterations for one run of about runMs (after a warm-up). */
function calibrate(c: Case, runMs: number): number {
  let iters = 1;
  for (;;) {
    const t = timeIt(c.run, iters);
    if (t * 1000 >= runMs / 4 || iters >= 1 << 30) {
      return Math.max(1, Math.round((iters * runMs) / 1000 / Math.max(t, 1e-9)));
    }
    iters *= t * 1000 < runMs / 64 ? 8 : 2;
  }
}

/** Units per second of each case: median over rounds, the cases interleaved round by round. */
export function compareRates(cases: Case[], opts: Options = {}): number[] {
  const rounds = opts.rounds ?? 5;
  const runMs = opts.runMs ?? 150;
  const iters = cases.map((c) => calibrate(c, runMs));
  const rates: number[][] = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // alternate the order too, so neither case always runs first
    const order = r % 2 === 0 ? cases.map((_, i) => i) : cases.map((_, i) => cases.length - 1 - i);
    for (const i of order) {
      const t = timeIt(cases[i].run, iters[i]);
      rates[i].push((iters[i] * (cases[i].unitsPerIter ?? 1)) / t);
    }
  }
  return rates.map(median);
}

export interface Row {
  test: string;
  /** fama's figure and what it is. */
  ours: number;
  oursName?: string;
  baseline: number;
  baselineName: string;
  unit: string;
  /** Minimum ratio ours/baseline aimed for. */
  target?: number;
}

export function fmt(x: number): string {
  if (!isFinite(x)) return String(x);
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (x >= 100) return x.toFixed(0);
  return x.toFixed(2);
}

/** Prints rows as a Markdown table: figure, baseline, ratio, target. */
export function printTable(title: string, rows: Row[], head = ["test", "fama", "baseline", "ratio", "target"]): void {
  const body = rows.map((r) => {
    // A row without a baseline (NaN) is a figure on its own: no ratio to show.
    const hasBaseline = Number.isFinite(r.baseline);
    const ratio = r.ours / r.baseline;
    const tgt = r.target === undefined ? "" : `>= ${r.target}x ${ratio >= r.target ? "met" : "MISSED"}`;
    return [
      r.test,
      `${fmt(r.ours)} ${r.unit}${r.oursName ? ` (${r.oursName})` : ""}`,
      hasBaseline ? `${fmt(r.baseline)} ${r.unit} (${r.baselineName})` : "",
      hasBaseline ? `${ratio.toFixed(2)}x` : "",
      tgt,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const b of body) console.log(line(b));
}
