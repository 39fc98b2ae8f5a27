// The DAR's own transit time for the data probe's packets (bench/load/data.ts), from the kernel's
// timestamps on the DAR namespace's two links: each probe packet as it arrives from the CN on
// `to-cn` and as it leaves tunnelled towards its CoA on `acc`, matched by the probe's number.
// It holds the DAR namespace's kernel (routing into and out of the DAR's TUN) and `fama dar`
// itself, and none of the generator's scheduling, which the probe's own end-to-end clock holds.
// The kernel stamps an arriving packet as the veth hands it over (netdev_tstamp_prequeue, on by
// default), before the receiving CPU's backlog; in this lab that backlog is on the CPU of the
// process that wrote the packet into the CN's TUN, behind the flood's packets, so a third capture
// on the DAR's TUN splits out the daemon's own part: a probe packet queued to the TUN by the
// kernel, and the same packet written back tunnelled by `fama dar`.
import type { NetScope } from "../../host/net/ip.js";
import type { PcapPacket } from "../../host/pcap.js";
import { LinkCapture } from "./capture.js";
import { PROBE } from "./data.js";
import { percentile } from "./percentile.js";

const UDP = 17, IPV6_IN_IPV6 = 41;

/** A probe packet whose IPv6 header starts at `at` (0 on `to-cn`, 40 inside the tunnel). */
const probeAt = (at: number) =>
  `ip6[${at + 6}] = ${UDP} and ip6[${at + 42}:2] = ${PROBE.port} and ip6[${at + PROBE.magicAt}:4] = ${PROBE.magic}`;

/** Capture filters: the probe's packets from the CN, and the same tunnelled (outer header 40 bytes). */
export const TRANSIT_FILTERS = {
  fromCn: probeAt(0),
  tunnelled: `ip6[6] = ${IPV6_IN_IPV6} and ${probeAt(40)}`,
} as const;

/** The probe number of a captured IPv6 packet whose probe packet starts at `at`, or -1. */
export function probeNumber(data: Uint8Array, at: number): number {
  if (data.length < at + PROBE.seqAt + 4 || data[0]! >> 4 !== 6 || data[at]! >> 4 !== 6 || data[at + 6] !== UDP) return -1;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint16(at + 42) !== PROBE.port || v.getUint32(at + PROBE.magicAt) !== PROBE.magic) return -1;
  return v.getUint32(at + PROBE.seqAt);
}

const micros = (p: PcapPacket) => p.tsSec * 1e6 + p.tsUsec;

export interface Transit {
  /** Transit times of the packets seen on both links, microseconds, ascending. */
  sorted: Float64Array;
  /** Probe packets seen arriving but not leaving, and leaving without having been seen arriving. */
  inOnly: number;
  outOnly: number;
}

/** Matches the probe packets arriving (IPv6 from the CN) with those leaving (IPv6-in-IPv6) by
 *  number; other packets are ignored, a number seen twice on one side counts once (the first). */
export function matchTransit(arriving: readonly PcapPacket[], leaving: readonly PcapPacket[]): Transit {
  const inAt = new Map<number, number>();
  for (const p of arriving) {
    const n = probeNumber(p.data, 0);
    if (n >= 0 && !inAt.has(n)) inAt.set(n, micros(p));
  }
  const times: number[] = [];
  let outOnly = 0;
  for (const p of leaving) {
    if (p.data.length < 40 || p.data[6] !== IPV6_IN_IPV6) continue;
    const n = probeNumber(p.data, 40);
    if (n < 0) continue;
    const t = inAt.get(n);
    if (t === undefined) { outOnly++; continue; }
    inAt.delete(n);
    times.push(micros(p) - t);
  }
  return { sorted: Float64Array.from(times).sort(), inOnly: inAt.size, outOnly };
}

export interface TransitWindow extends Transit {
  /** The daemon's part: queued to its TUN by the kernel, written back tunnelled. */
  daemon: Transit;
  capture: {
    /** Packets dumpcap reported dropped on any of the links (null: it did not say). */
    dropped: number | null;
    /** CPU time the dumpcaps used (ms). */
    cpuMs: number;
  };
}

/** The captures of one measured window, in the DAR namespace: to-cn, acc and the DAR's TUN. */
export class DarTransit {
  private constructor(private readonly captures: readonly LinkCapture[]) {}

  static async start(scope: NetScope, darNs: string, darTun: string): Promise<DarTransit> {
    const captures: LinkCapture[] = [];
    for (const [iface, filter] of [["to-cn", TRANSIT_FILTERS.fromCn], ["acc", TRANSIT_FILTERS.tunnelled], [darTun, `(${TRANSIT_FILTERS.fromCn}) or (${TRANSIT_FILTERS.tunnelled})`]] as const) {
      captures.push(await LinkCapture.start(scope, darNs, iface, filter));
    }
    return new DarTransit(captures);
  }

  async stop(): Promise<TransitWindow> {
    const [fromCn, toAccess, tun] = await Promise.all(this.captures.map((c) => c.stop()));
    const all = [fromCn!, toAccess!, tun!];
    const dropped = all.some((c) => c.dropped === null) ? null : all.reduce((n, c) => n + c.dropped!, 0);
    // on the TUN both directions are in one capture: plain probe packets in, tunnelled ones out
    const daemon = matchTransit(tun!.packets, tun!.packets);
    return { ...matchTransit(fromCn!.packets, toAccess!.packets), daemon, capture: { dropped, cpuMs: all.reduce((n, c) => n + c.cpuMs, 0) } };
  }
}
