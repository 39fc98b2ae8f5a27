// Test double: a trivial JavaScript role for the data-plane loop (a BatchRole,
// host/core/batch.ts), with its own WebAssembly.Memory laid out like the real core's batch
// memory: for data-plane tests without the Wasm DAR engine, and for measuring the host loop's
// own cost (bench/measure-tun.ts).
//
// Modes, per packet (anything whose first nibble is not 6 is dropped with reason 1):
//   forward  send the packet unchanged (the kernel routes it on: a user-space router hop)
//   swap     swap IPv6 source and destination and send (an echo)
//   encap    prepend a 40-byte outer IPv6 header (Next Header 41) in the headroom and send
import { BatchMemory, DESC_WORDS, D_LEN, D_OFFSET, D_VERDICT, D_REASON, VERDICT_DROP, VERDICT_SEND, type BatchRole } from "../../host/core/batch.js";

export type ReflectMode = "forward" | "swap" | "encap";

export interface ReflectCoreOptions {
  mode?: ReflectMode;
  slots?: number;
  stride?: number;
  headroom?: number;
  maxPacket?: number;
}

const SLOT_BASE = 65536;

export class ReflectCore implements BatchRole {
  readonly memory: WebAssembly.Memory;
  mode: ReflectMode;
  readonly slots: number;
  readonly stride: number;
  readonly headroom: number;
  readonly maxPacket: number;
  readonly descBase: number;
  readonly batch: BatchMemory;
  /** what the host passed */
  readonly calls = { batches: 0, packets: 0, ticks: 0, lastNow: 0, lastN: 0 };
  private m: Uint8Array;
  private d: Uint32Array;

  constructor(opts: ReflectCoreOptions = {}) {
    this.mode = opts.mode ?? "forward";
    this.slots = opts.slots ?? 256;
    this.stride = opts.stride ?? 2048;
    this.headroom = opts.headroom ?? 128;
    this.maxPacket = opts.maxPacket ?? 1920;
    this.descBase = SLOT_BASE + this.slots * this.stride;
    const bytes = this.descBase + this.slots * DESC_WORDS * 4;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    this.m = new Uint8Array(this.memory.buffer);
    this.d = new Uint32Array(this.memory.buffer);
    this.batch = new BatchMemory({ exports: this, bytes: () => new Uint8Array(this.memory.buffer) });
  }

  batch_slots(): number { return SLOT_BASE; }
  batch_slot_stride(): number { return this.stride; }
  batch_headroom(): number { return this.headroom; }
  batch_max_slots(): number { return this.slots; }
  batch_max_packet(): number { return this.maxPacket; }
  batch_desc(): number { return this.descBase; }
  tick(nowMs: number): void { this.calls.ticks++; this.calls.lastNow = nowMs; }

  process(n: number, nowMs: number): number {
    if (this.m.buffer !== this.memory.buffer) { this.m = new Uint8Array(this.memory.buffer); this.d = new Uint32Array(this.memory.buffer); }
    const m = this.m, d = this.d;
    this.calls.batches++;
    this.calls.packets += n;
    this.calls.lastNow = nowMs;
    this.calls.lastN = n;
    let sent = 0;
    for (let i = 0; i < n; i++) {
      const w = (this.descBase >>> 2) + i * DESC_WORDS;
      const slot = SLOT_BASE + i * this.stride;
      const p = slot + this.headroom;
      const len = d[w + D_LEN]!;
      if (len < 40 || m[p]! >> 4 !== 6) { d[w + D_VERDICT] = VERDICT_DROP; d[w + D_REASON] = 1; continue; }
      let off = this.headroom, out = len;
      if (this.mode === "swap") {
        for (let k = 0; k < 16; k++) { const t = m[p + 8 + k]!; m[p + 8 + k] = m[p + 24 + k]!; m[p + 24 + k] = t; }
      } else if (this.mode === "encap") {
        off = this.headroom - 40;
        out = len + 40;
        const o = slot + off;
        m.copyWithin(o, p, p + 40); // outer addresses: reuse the inner ones (a test pattern)
        m[o + 4] = (len >> 8) & 0xff; m[o + 5] = len & 0xff; m[o + 6] = 41; m[o + 7] = 64;
      }
      d[w + D_LEN] = out; d[w + D_OFFSET] = off; d[w + D_VERDICT] = VERDICT_SEND; d[w + D_REASON] = 0;
      sent++;
    }
    return sent;
  }
}
