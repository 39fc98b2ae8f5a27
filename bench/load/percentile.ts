// The load bench's one percentile: nearest rank over ascending samples, so that the probe's
// end-to-end latency, the DAR's transit and the fleet's BA latencies are read the same way.

/** The nearest-rank `p` percentile (0..1) of ascending `sorted`; NaN without samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
