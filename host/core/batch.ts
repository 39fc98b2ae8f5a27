// The packet batch memory both roles share (assembly/batch/slots.ts, exports in
// assembly/batch/exports.ts): BATCH_MAX_SLOTS slots of a fixed stride, a packet placed
// `headroom` bytes into its slot, and one descriptor per slot. `Dar` and `Mn` each hold one
// `BatchMemory`; the data-plane loop (host/dataplane.ts) drives any `BatchRole`.
import type { Core } from "../wasm.js";

// Descriptor: 16 bytes per slot, native (little-endian) u32 words.
export const DESC_WORDS = 4;
/** in: the packet's length; out: the output's length */
export const D_LEN = 0;
/** out: where the output starts, relative to the slot's start */
export const D_OFFSET = 1;
/** out: VERDICT_DROP or VERDICT_SEND */
export const D_VERDICT = 2;
/** out: the counter index the drop was counted under (0 when sent) */
export const D_REASON = 3;
export const VERDICT_DROP = 0;
export const VERDICT_SEND = 1;

/** The batch exports of the core (what `BatchMemory` reads its geometry from). */
export interface BatchExports {
  batch_slots(): number;
  batch_desc(): number;
  batch_max_slots(): number;
  batch_slot_stride(): number;
  batch_headroom(): number;
  batch_max_packet(): number;
}

/** Where the batch memory lives: the core (host/wasm.ts) or a test double with the same layout. */
export interface BatchSource {
  exports: BatchExports;
  /** A view of linear memory (fresh after the memory grew). */
  bytes(): Uint8Array;
}

const BATCH_EXPORTS = ["batch_slots", "batch_desc", "batch_max_slots", "batch_slot_stride", "batch_headroom", "batch_max_packet"] as const;

/** Checks that a core carries the batch exports and returns it as a BatchSource. */
export function batchSource(core: Core): BatchSource {
  const missing = BATCH_EXPORTS.filter((n) => typeof core.exports[n] !== "function");
  if (missing.length) throw new Error(`core lacks the packet batch exports: ${missing.join(", ")}`);
  return core as unknown as BatchSource;
}

/** What the data-plane loop drives: the batch memory and one role's batch and tick. */
export interface BatchRole {
  readonly batch: BatchMemory;
  /** Processes slots 0..n-1; returns how many have verdict send. */
  process(n: number, nowMs: number): number;
  tick(nowMs: number): void;
  /** Optional deferred work (the DAR's queued cga-mode BUs): fills slots 0..k-1 like a batch, returns k. */
  processDeferred?(nowMs: number): number;
  /** With processDeferred: ms until it can make progress, -1 when nothing waits. */
  deferredWaitMs?(nowMs: number): number;
}

export class BatchMemory {
  /** Address of slot 0 in linear memory. */
  readonly slotsBase: number;
  readonly descBase: number;
  readonly maxSlots: number;
  readonly stride: number;
  readonly headroom: number;
  readonly maxPacket: number;
  private u8: Uint8Array | null = null;
  private d32!: Uint32Array;

  constructor(private readonly src: BatchSource) {
    const x = src.exports;
    this.slotsBase = x.batch_slots();
    this.descBase = x.batch_desc();
    this.maxSlots = x.batch_max_slots();
    this.stride = x.batch_slot_stride();
    this.headroom = x.batch_headroom();
    this.maxPacket = x.batch_max_packet();
    if (this.descBase % 4 !== 0) throw new Error(`batch_desc() ${this.descBase} not 4-byte aligned`);
    if (this.headroom + this.maxPacket > this.stride) throw new Error(`headroom ${this.headroom} + max packet ${this.maxPacket} exceed the slot stride ${this.stride}`);
    this.views();
  }

  /** Views over linear memory (desc: the descriptors, 4 words a slot), rebuilt when memory grew. */
  views(): { mem: Uint8Array; desc: Uint32Array } {
    const bytes = this.src.bytes();
    if (this.u8 === null || bytes.buffer !== this.u8.buffer) {
      if (this.slotsBase + this.maxSlots * this.stride > bytes.byteLength) throw new Error("batch slots outside linear memory");
      this.u8 = bytes;
      this.d32 = new Uint32Array(bytes.buffer, bytes.byteOffset + this.descBase, this.maxSlots * DESC_WORDS);
    }
    return { mem: this.u8, desc: this.d32 };
  }

  /** Address of slot i's start. */
  slotAddr(i: number): number { return this.slotsBase + i * this.stride; }
  /** Address where slot i's packet goes. */
  packetAddr(i: number): number { return this.slotAddr(i) + this.headroom; }

  /** Copies a packet into slot i and sets its descriptor's length. */
  setPacket(i: number, data: Uint8Array): void {
    if (data.length > this.maxPacket) throw new Error(`packet of ${data.length} bytes exceeds ${this.maxPacket}`);
    const { mem, desc } = this.views();
    mem.set(data, this.packetAddr(i));
    desc[i * DESC_WORDS + D_LEN] = data.length;
  }

  /** A view of slot i's packet area (maxPacket bytes): fill it in place, then setLen. */
  packetView(i: number): Uint8Array {
    const a = this.packetAddr(i);
    return this.views().mem.subarray(a, a + this.maxPacket);
  }

  setLen(i: number, len: number): void { this.views().desc[i * DESC_WORDS + D_LEN] = len; }
  verdict(i: number): number { return this.views().desc[i * DESC_WORDS + D_VERDICT]!; }
  reason(i: number): number { return this.views().desc[i * DESC_WORDS + D_REASON]!; }
  outLen(i: number): number { return this.views().desc[i * DESC_WORDS + D_LEN]!; }
  outOffset(i: number): number { return this.views().desc[i * DESC_WORDS + D_OFFSET]!; }

  /** A view of slot i's output (valid until the slot is reused). */
  output(i: number): Uint8Array {
    const { mem, desc } = this.views();
    const a = this.slotAddr(i) + desc[i * DESC_WORDS + D_OFFSET]!;
    return mem.subarray(a, a + desc[i * DESC_WORDS + D_LEN]!);
  }
}
