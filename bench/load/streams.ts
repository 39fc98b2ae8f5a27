// Paced senders that share the generator's one thread: each stream says how many packets are due
// by now (rate x elapsed) and writes them; `pump` interleaves the streams in slices and yields to
// the event loop between slices so the receive loop keeps reading BAs and data.
import type { Wire } from "./wire.js";

export interface Stream {
  /** Packets per second (Infinity: as fast as the loop goes). */
  perSecond: number;
  /** Writes the `i`-th packet of the stream. */
  sendOne(i: number): void;
  sent: number;
}

const SLICE = 64;

/** Runs `streams` for `ms` milliseconds (or until `stop()` returns true); returns the elapsed ms. */
export async function pump(streams: readonly Stream[], ms: number, stop: () => boolean = () => false): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const now = performance.now();
    const elapsed = now - t0;
    if (elapsed >= ms || stop()) return elapsed;
    for (const s of streams) {
      const due = Number.isFinite(s.perSecond) ? Math.floor((elapsed * s.perSecond) / 1000) - s.sent : SLICE;
      for (let k = 0; k < Math.min(due, SLICE * 4); k++) { s.sendOne(s.sent); s.sent++; }
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** A stream that cycles through prebuilt packets from the generator's side. */
export function cycle(wire: Wire, packets: readonly Uint8Array[], perSecond: number): Stream {
  if (packets.length === 0) throw new Error("no packets to cycle through");
  return { perSecond, sent: 0, sendOne: (i) => { wire.send(packets[i % packets.length]!); } };
}
