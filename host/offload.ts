// The host side of TUN offloads (the design: docs/OFFLOAD.md): the core's offload exports
// (assembly/offload/) wrapped for the data-plane loop, and the one mirror of the offload
// counters' names. The core parses and writes every virtio-net header; the host only opens
// the device with offloads (host/tun/linux.ts), tells the core, and calls `rx` before and
// `tx` after each batch (host/dataplane.ts).
import type { Core } from "./wasm.js";
import type { Tun } from "./tun/types.js";

/** In the order of assembly/offload/counters.ts. */
export const OFFLOAD_COUNTER_NAMES = [
  "super-in", "segments-out", "csum-completed", "coalesced-in", "coalesced-out", "bad-vnet", "no-slot", "reframed",
] as const;
export type OffloadCounterName = (typeof OFFLOAD_COUNTER_NAMES)[number];

interface OffloadExports {
  offload_configure(vnet: number, maxInner: number, coalesce: number): number;
  offload_rx(n: number): number;
  offload_tx(n: number): void;
  offload_vnet_len(): number;
  offload_reserve(): number;
  offload_counters_base(): number;
  offload_counters_len(): number;
  batch_area_end(): number;
}

/** What the data-plane loop calls around each batch (host/dataplane.ts). */
export interface OffloadPass {
  /** The virtio-net header's length in front of each packet read and written. */
  readonly vnetHdrLen: number;
  /** The end of the slot area (spill tail included): a read may fill up to there. */
  readonly areaEnd: number;
  /** Slots to leave free after the reads of a batch: room for a super-packet's segments. */
  readonly reserve: number;
  /** Completes checksums, segments super-packets; returns the batch's new length. */
  rx(n: number): number;
  /** Frames the outputs (and coalesces TCP segments). */
  tx(n: number): void;
}

export class Offload implements OffloadPass {
  readonly vnetHdrLen: number;
  readonly areaEnd: number;
  readonly reserve: number;
  private readonly x: OffloadExports;

  /** Turns the core's offload passes on for a device opened with offloads. */
  constructor(private readonly core: Core, opts: { maxInner: number; coalesce?: boolean }) {
    this.x = core.exports as unknown as OffloadExports;
    if (typeof this.x.offload_rx !== "function") throw new Error("core lacks the offload exports");
    this.vnetHdrLen = this.x.offload_vnet_len();
    this.areaEnd = this.x.batch_area_end();
    if (this.x.offload_configure(1, opts.maxInner, opts.coalesce === false ? 0 : 1) !== 0) {
      throw new Error(`offload: tunnel MTU ${opts.maxInner} outside what the core segments to (1280 .. its packet slots)`);
    }
    this.reserve = this.x.offload_reserve();
  }

  rx(n: number): number { return this.x.offload_rx(n); }
  tx(n: number): void { this.x.offload_tx(n); }

  counters(): Record<OffloadCounterName, number> {
    const len = this.x.offload_counters_len();
    if (len !== OFFLOAD_COUNTER_NAMES.length) throw new Error(`core has ${len} offload counters, host knows ${OFFLOAD_COUNTER_NAMES.length}`);
    const v = new BigUint64Array(this.core.bytes().buffer, this.x.offload_counters_base(), len);
    const out = {} as Record<OffloadCounterName, number>;
    OFFLOAD_COUNTER_NAMES.forEach((n, i) => { out[n] = Number(v[i]); });
    return out;
  }
}

/** The offload passes for `tun` when it was opened with offloads, else null; maxInner: the
 *  role's tunnel MTU (the largest inner packet), capped at the core's packet slots. */
export function offloadFor(tun: Tun, core: Core, maxInner: number): Offload | null {
  if (!tun.vnetHdrLen) return null;
  const o = new Offload(core, { maxInner: Math.min(maxInner, (core.exports as unknown as { batch_max_packet(): number }).batch_max_packet()) });
  if (o.vnetHdrLen !== tun.vnetHdrLen) throw new Error(`TUN header ${tun.vnetHdrLen} bytes, core expects ${o.vnetHdrLen}`);
  return o;
}
