// Data-plane probe: 64-byte UDP payloads from the CN to bound HoAs, written into the CN's TUN,
// encapsulated by `fama dar` towards each HoA's CoA and read back from the generator's TUN. Each
// payload carries a marker, its number and the send time (performance.now(), the same clock as
// the receive loop), so the receiver counts what came through and the one-way latency
// (CN TUN -> DAR -> generator TUN, both kernels and the DAR's data plane).
import { parseIPv6 } from "../../host/ipv6.js";
import { LOAD_PLAN } from "./net.js";
import type { Wire } from "./wire.js";
import type { Stream } from "./streams.js";
import { percentile } from "./percentile.js";

export const PAYLOAD = 64;
/** What marks a probe packet (offsets from its IPv6 header): UDP to `port`, `magic` at `magicAt`,
 *  its number (32 bits) at `seqAt`, its send time (float64) at `timeAt`. */
export const PROBE = { port: 9, magic: 0x66616d61, magicAt: 48, seqAt: 52, timeAt: 56 } as const;
const LEN = 40 + 8 + PAYLOAD;

/** One's-complement sum of 16-bit big-endian words. */
function sum16(b: Uint8Array, from: number, to: number, acc = 0): number {
  for (let i = from; i < to; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  return acc;
}
const fold = (s: number) => { while (s > 0xffff) s = (s & 0xffff) + (s >>> 16); return s; };

interface Template { p: Uint8Array; view: DataView; base: number }

function template(src: Uint8Array, dst: Uint8Array): Template {
  const p = new Uint8Array(LEN);
  const v = new DataView(p.buffer);
  v.setUint32(0, 6 << 28);
  v.setUint16(4, 8 + PAYLOAD);
  p[6] = 17;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  v.setUint16(40, 40001);
  v.setUint16(42, PROBE.port);
  v.setUint16(44, 8 + PAYLOAD);
  v.setUint32(PROBE.magicAt, PROBE.magic);
  // pseudo-header (addresses, length, next header) + UDP header + the fixed payload words
  const base = sum16(p, 8, 40) + (8 + PAYLOAD) + 17 + sum16(p, 40, 46) + sum16(p, 48, LEN);
  return { p, view: v, base };
}

export class DataProbe {
  received = 0;
  private readonly templates: Template[];
  private latencies: Float64Array;
  private nLat = 0;

  constructor(hoas: readonly string[], maxSamples = 4_000_000) {
    const src = parseIPv6(LOAD_PLAN.cnSource)!;
    this.templates = hoas.map((h) => template(src, parseIPv6(h)!));
    if (this.templates.length === 0) throw new Error("no HoAs to send data to");
    this.latencies = new Float64Array(maxSamples);
  }

  /** A stream of `perSecond` packets round-robin over the HoAs. */
  stream(wire: Wire, perSecond: number): Stream {
    return {
      perSecond, sent: 0,
      sendOne: (i) => {
        const t = this.templates[i % this.templates.length]!;
        t.view.setUint32(PROBE.seqAt, i);
        t.view.setFloat64(PROBE.timeAt, performance.now());
        t.view.setUint16(46, 0);
        const c = ~fold(sum16(t.p, PROBE.seqAt, PROBE.timeAt + 8, t.base)) & 0xffff;
        t.view.setUint16(46, c || 0xffff);
        wire.sendFromCn(t.p);
      },
    };
  }

  /** The wire's tunnelled-packet handler. */
  onTunnelled(p: Uint8Array, len: number, inner: number, at: number): void {
    if (len < inner + 48 + 16 || p[inner + 6] !== 17) return;
    const v = new DataView(p.buffer, p.byteOffset);
    if (v.getUint32(inner + PROBE.magicAt) !== PROBE.magic) return;
    this.received++;
    if (this.nLat < this.latencies.length) this.latencies[this.nLat++] = at - v.getFloat64(inner + PROBE.timeAt);
  }

  /** Forgets the counts and samples (between phases). */
  reset(): void { this.received = 0; this.nLat = 0; }

  percentile(p: number): number { return percentile(this.latencies.slice(0, this.nLat).sort(), p); }
}
