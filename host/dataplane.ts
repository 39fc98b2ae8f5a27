// The data-plane loop: TUN -> batch slots in core memory -> process_batch -> TUN.
//
// Per batch: read packets until the device would block or the batch is full, each straight into
// its slot at `slot + headroom` (the kernel writes into Wasm linear memory; no copy), call
// `process_batch(n, now)` once, write every slot whose verdict is "send" from `slot + offset`,
// then drain the core's event queue to a callback. Nothing is allocated per packet: the memory
// views are made once (and again only if the module's memory grows).
//
// Readiness: after a read that found nothing, the loop awaits `tun.readable()`, which for
// the Linux device is a non-blocking poll(…, 0) followed, when idle, by a helper thread blocked
// in poll(2) (host/tun/poller.ts), so the event loop stays free for timers, signals, the status
// socket and route changes. After a batch with packets it yields with setImmediate and reads on.
//
// The ABI is docs/ARCHITECTURE.md "Packet batch ABI". `BatchCore` is exactly that set of
// exports, so the raw exports of build/fama.wasm satisfy it (`batchCoreFromExports`).
import type { Tun } from "./tun/types.js";
import type { Logger } from "./log.js";
import { Dar, type DarEvent } from "./core/dar.js";
import { formatIPv6 } from "./ipv6.js";
import type { LinearMemory } from "./runtime/wasmtime.js";

export interface BatchCore {
  /** A WebAssembly.Memory, or wasmtime's linear memory in the same shape. */
  readonly memory: LinearMemory;
  batch_slots(): number;
  batch_slot_stride(): number;
  batch_headroom(): number;
  batch_max_slots(): number;
  batch_max_packet(): number;
  batch_desc(): number;
  process_batch(n: number, nowMs: number): number;
  tick(nowMs: number): void;
  events_base(): number;
  events_count(): number;
  events_clear(): void;
}

const BATCH_EXPORTS = [
  "batch_slots", "batch_slot_stride", "batch_headroom", "batch_max_slots", "batch_max_packet",
  "batch_desc", "process_batch", "tick", "events_base", "events_count", "events_clear",
] as const;

/** Checks that a module's exports carry the batch ABI and returns them typed. */
export function batchCoreFromExports(exports: Record<string, unknown>): BatchCore {
  const missing = BATCH_EXPORTS.filter((n) => typeof exports[n] !== "function");
  const memory = exports.memory as Partial<LinearMemory> | undefined;
  if (!(memory?.buffer instanceof ArrayBuffer) || typeof memory.grow !== "function") missing.push("memory" as never);
  if (missing.length) throw new Error(`core lacks the packet batch ABI exports: ${missing.join(", ")}`);
  return exports as unknown as BatchCore;
}

// Descriptor fields (u32 little-endian, 16 bytes per slot): ARCHITECTURE.md.
export const DESC_WORDS = 4;
export const D_LEN = 0, D_OFFSET = 1, D_VERDICT = 2, D_REASON = 3;
export const VERDICT_DROP = 0, VERDICT_SEND = 1;

// Binding events: decoded by host/core/dar.ts (`Dar.drainEvents`), the one place that knows the
// 48-byte event record; `readBindingEvents` applies that decoder to any core with the batch ABI.
export type BindingEventKind = DarEvent["kind"];
export type BindingEvent = DarEvent;
export { formatIPv6 };

/** Decodes and clears the core's binding events (host/core/dar.ts Dar.drainEvents). */
export function readBindingEvents(core: BatchCore): BindingEvent[] {
  // drainEvents reads only the event exports and a byte view of linear memory.
  const view = { x: core, views: () => ({ mem: new Uint8Array(core.memory.buffer) }) };
  return Dar.prototype.drainEvents.call(view as unknown as Dar);
}

export interface DataplaneOptions {
  tun: Tun;
  core: BatchCore;
  /** Receives binding events after every batch and tick that produced some. */
  onEvents?: (events: BindingEvent[]) => void;
  /** Event decoder (default readBindingEvents: host/core/dar.ts's). It may clear the queue. */
  readEvents?: (core: BatchCore) => BindingEvent[];
  /** Clock passed to the core, in ms (default Date.now). */
  now?: () => number;
  /** How often `run()` calls `tick` (default 1000 ms; 0: never, the caller ticks). */
  tickMs?: number;
  /** Packets per batch (default and maximum: the core's batch_max_slots()). */
  maxBatch?: number;
  /** When idle: "readable" (default) waits on tun.readable(); "sleep" polls with poll(…,0)
   *  and sleeps `sleepMs` between empty polls (kept for measurements). */
  idle?: "readable" | "sleep";
  sleepMs?: number;
  log?: Logger;
}

export interface DataplaneStats {
  batches: number;
  packetsIn: number;
  packetsSent: number;
  /** verdict drop */
  packetsDropped: number;
  /** outputs the device refused (full queue or rejected by the kernel) */
  writeFailures: number;
  /** outputs with an offset/length outside their slot (a core bug): not written */
  badOutputs: number;
  events: number;
  ticks: number;
  /** batches that were full (the loop yielded and read on) */
  fullBatches: number;
}

export class Dataplane {
  readonly stats: DataplaneStats = { batches: 0, packetsIn: 0, packetsSent: 0, packetsDropped: 0, writeFailures: 0, badOutputs: 0, events: 0, ticks: 0, fullBatches: 0 };
  readonly slotBase: number;
  readonly stride: number;
  readonly headroom: number;
  readonly maxPacket: number;
  readonly maxBatch: number;
  private readonly descWord: number;
  private readonly tun: Tun;
  private readonly core: BatchCore;
  private readonly now: () => number;
  private readonly onEvents?: (events: BindingEvent[]) => void;
  private readonly readEvents: (core: BatchCore) => BindingEvent[];
  private mem!: Uint8Array;
  private desc!: Uint32Array;
  private running = false;
  private stopWake: (() => void) | null = null;
  private stopped: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DataplaneOptions) {
    this.tun = opts.tun;
    this.core = opts.core;
    this.now = opts.now ?? Date.now;
    this.onEvents = opts.onEvents;
    this.readEvents = opts.readEvents ?? readBindingEvents;
    const c = this.core;
    this.slotBase = c.batch_slots();
    this.stride = c.batch_slot_stride();
    this.headroom = c.batch_headroom();
    this.maxPacket = c.batch_max_packet();
    const slots = c.batch_max_slots();
    this.maxBatch = Math.min(opts.maxBatch ?? slots, slots);
    const descBase = c.batch_desc();
    if (descBase % 4 !== 0) throw new Error(`batch_desc() ${descBase} not 4-byte aligned`);
    if (this.headroom + this.maxPacket > this.stride) throw new Error(`headroom ${this.headroom} + max packet ${this.maxPacket} exceed the slot stride ${this.stride}`);
    if (this.maxBatch < 1) throw new Error("batch of zero slots");
    this.descWord = descBase >>> 2;
    this.views();
  }

  private views(): void {
    const buf = this.core.memory.buffer;
    this.mem = new Uint8Array(buf);
    this.desc = new Uint32Array(buf);
    if (this.slotBase + this.maxBatch * this.stride > buf.byteLength) throw new Error("batch slots outside linear memory");
  }

  /**
   * One batch: reads until the device would block or the batch is full, processes, writes the
   * outputs, drains events. Returns the number of packets read (0: nothing was waiting).
   */
  pump(): number {
    if (this.mem.buffer !== this.core.memory.buffer) this.views();
    const { tun, mem, desc, slotBase, stride, headroom, maxPacket, maxBatch, descWord } = this;
    let n = 0;
    while (n < maxBatch) {
      const len = tun.readInto(mem, slotBase + n * stride + headroom, maxPacket);
      if (len === 0) break;
      desc[descWord + n * DESC_WORDS + D_LEN] = len;
      n++;
    }
    if (n === 0) return 0;
    const st = this.stats;
    st.batches++;
    st.packetsIn += n;
    if (n === maxBatch) st.fullBatches++;
    this.core.process_batch(n, this.now());
    // process_batch may have grown memory (it should not on the packet path; be safe).
    if (this.mem.buffer !== this.core.memory.buffer) this.views();
    const m = this.mem, d = this.desc;
    for (let i = 0; i < n; i++) {
      const w = descWord + i * DESC_WORDS;
      if (d[w + D_VERDICT] !== VERDICT_SEND) { st.packetsDropped++; continue; }
      const off = d[w + D_OFFSET]!, len = d[w + D_LEN]!;
      if (len === 0 || off + len > stride) { st.badOutputs++; continue; }
      if (tun.write(m, slotBase + i * stride + off, len)) st.packetsSent++;
      else st.writeFailures++;
    }
    this.drainEvents();
    return n;
  }

  /** Calls the core's tick and drains events. */
  tick(): void {
    this.core.tick(this.now());
    this.stats.ticks++;
    this.drainEvents();
  }

  private drainEvents(): void {
    const core = this.core;
    if (core.events_count() === 0) return;
    const events = this.readEvents(core);
    core.events_clear();
    this.stats.events += events.length;
    if (events.length && this.onEvents) {
      try { this.onEvents(events); } catch (e) { this.opts.log?.error("dataplane.events_callback_failed", { error: e }); }
    }
  }

  get isRunning(): boolean { return this.running; }

  /** Runs until `stop()` or until the device closes. Resolves when the loop has ended. */
  run(): Promise<void> {
    if (this.running) throw new Error("data plane already running");
    this.running = true;
    this.stopped = this.loop();
    return this.stopped;
  }

  /** Stops the loop (the device stays open) and waits for it to end. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopWake?.();
    await this.stopped;
  }

  private async loop(): Promise<void> {
    const tickMs = this.opts.tickMs ?? 1000;
    const timer = tickMs > 0 ? setInterval(() => { try { this.tick(); } catch (e) { this.opts.log?.error("dataplane.tick_failed", { error: e }); } }, tickMs) : null;
    const stopSignal = new Promise<false>((resolve) => { this.stopWake = () => resolve(false); });
    const sleepMode = this.opts.idle === "sleep";
    const sleepMs = this.opts.sleepMs ?? 1;
    try {
      while (this.running && !this.tun.closed) {
        const n = this.pump();
        // Park (hand poll(2) to the helper thread) only after a read found nothing: while
        // packets keep coming, one more turn of the event loop usually finds the next ones,
        // and a park and wake-up costs more than that empty read.
        if (n > 0) { await immediate(); continue; }
        if (!this.running) break;
        if (sleepMode) {
          if (!this.tun.waitReadable(0)) await sleep(sleepMs);
          continue;
        }
        if (!(await Promise.race([this.tun.readable(), stopSignal]))) break;
      }
    } finally {
      if (timer) clearInterval(timer);
      this.running = false;
      this.stopWake = null;
    }
  }
}

const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
