// The data-plane loop: TUN -> batch slots in core memory -> process_batch -> TUN.
//
// Per batch: read packets until the device would block or the batch is full, each straight into
// its slot at `slot + headroom` (the kernel writes into Wasm linear memory; no copy), call
// the role's `process(n, now)` once, run the `afterBatch` hook, write every slot whose verdict
// is "send" from `slot + offset`. Nothing is allocated per packet: the memory views are made
// once (and again only if the module's memory grows).
//
// Batched I/O: the outputs of a batch go to the device together (`tun.writeMany`), and so do
// the reads of a device without offloads (`tun.readMany`): the Linux device hands them to the
// kernel in one io_uring_enter (host/tun/ring-io.ts), set up when the loop is made; where
// io_uring is unavailable (logged once) it makes one read(2) or write(2) a packet.
//
// Readiness: after a read that found nothing, the loop awaits `tun.readable()`, which for
// the Linux device is a non-blocking poll(…, 0) followed, when idle, by a helper thread blocked
// in poll(2) (host/tun/poller.ts), so the event loop stays free for timers, signals, the status
// socket and route changes. After a batch with packets it yields with setImmediate and reads on.
//
// The ABI is docs/ARCHITECTURE.md "Packet batch ABI"; the loop drives any `BatchRole`
// (host/core/batch.ts): `Dar` and `Mn` (host/core/), or a test double with the same memory
// layout. What a role does with a batch's results (events, journal, outbox) is the caller's
// `afterBatch` hook, which runs after the core and BEFORE any output is written, so it may
// still withhold outputs (the DAR daemon's journal does); `afterTick` runs after each tick.
//
// With TUN offloads (`offload`, host/offload.ts; docs/OFFLOAD.md) each read is a frame (the
// virtio-net header, then the packet) placed so that the packet still starts at
// `slot + headroom`, with room up to the end of the slot area: a 64 KB super-packet runs on
// over the next slots and ends the batch, and the reads stop `reserve` slots before the end so
// that its segments have slots. The core's `rx` pass (segmentation, checksums) runs
// before the role's batch and its `tx` pass (headers, coalescing) after the hook; a slot whose
// output was coalesced into an earlier one has verdict "merged" and is not written.
//
// A second input (`signalling`: the DAR's signalling TUN) is read by the same loop, right after
// each batch of the main device, at most its `maxBatch` packets a turn; its outputs are written,
// bare, into the main device. A flood on it waits in its own device queue (the kernel drops the
// excess) and delays a main-device packet by one such batch at most. When both are empty the loop
// parks on both (one helper thread for the two, where the device has `readableAny`).
//
// Deferred work: a role with `processDeferred` (the DAR: cga-mode BUs it queued instead of
// verifying them inside the batch) gets a call after every batch, and, when the device is
// idle but work waits, when `deferredWaitMs` says the budget allows it (a timer racing
// readable()). Its k outputs in slots 0..k-1 go through the same afterBatch hook and write.
// One readable() promise is kept across parks, and each park has its own one-shot wake-up,
// so a long run adds no reactions to a long-lived promise.
import type { Tun } from "./tun/types.js";
import type { Logger } from "./log.js";
import { DESC_WORDS, D_LEN, D_OFFSET, D_VERDICT, VERDICT_SEND, VERDICT_MERGED, type BatchRole } from "./core/batch.js";
import type { OffloadPass } from "./offload.js";

/** A second device read after each batch of the main one, at most `maxBatch` packets a turn. */
export interface SecondInput {
  tun: Tun;
  maxBatch: number;
}

export interface DataplaneOptions {
  tun: Tun;
  /** Read after each batch of `tun`; its outputs are written into `tun` as bare packets. */
  signalling?: SecondInput;
  core: BatchRole;
  /** After every batch (n packets), before its outputs are written. */
  afterBatch?: (n: number) => void;
  /** After every tick. */
  afterTick?: () => void;
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
  /** The core's offload passes, for a device opened with offloads (host/offload.ts). */
  offload?: OffloadPass | null;
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
  ticks: number;
  /** batches that were full (the loop yielded and read on) */
  fullBatches: number;
  /** calls of the role's processDeferred that gave outputs, and the slots they filled */
  deferredBatches: number;
  deferredSlots: number;
  /** outputs coalesced into an earlier one (offloads): nothing written for them */
  packetsMerged: number;
}

const newStats = (): DataplaneStats => ({ batches: 0, packetsIn: 0, packetsSent: 0, packetsDropped: 0, writeFailures: 0, badOutputs: 0, ticks: 0, fullBatches: 0, deferredBatches: 0, deferredSlots: 0, packetsMerged: 0 });

/** A device the loop reads, with what its batches need. */
interface Input {
  tun: Tun;
  maxBatch: number;
  offload: OffloadPass | null;
  stats: DataplaneStats;
  /** The readable() promise kept across parks. */
  pending: Promise<boolean> | null;
}

export class Dataplane {
  /** The main device's batches (and the loop's ticks and deferred calls). */
  readonly stats: DataplaneStats;
  /** The second input's batches, when there is one. */
  readonly signallingStats: DataplaneStats | null;
  readonly slotBase: number;
  readonly stride: number;
  readonly headroom: number;
  readonly maxPacket: number;
  readonly maxBatch: number;
  private readonly tun: Tun;
  private readonly core: BatchRole;
  private readonly now: () => number;
  private running = false;
  private stopWake: (() => void) | null = null;
  private readonly inputs: Input[];
  private stopped: Promise<void> = Promise.resolve();
  /** A batch's outputs (offset into memory, length), handed to tun.writeMany together. */
  private readonly outAt: Int32Array;
  private readonly outLen: Int32Array;
  /** The lengths of a batch read with tun.readMany. */
  private readonly inLen: Int32Array;

  constructor(private readonly opts: DataplaneOptions) {
    this.tun = opts.tun;
    this.core = opts.core;
    this.now = opts.now ?? Date.now;
    const b = this.core.batch;
    this.slotBase = b.slotsBase;
    this.stride = b.stride;
    this.headroom = b.headroom;
    this.maxPacket = b.maxPacket;
    this.maxBatch = Math.min(opts.maxBatch ?? b.maxSlots, b.maxSlots);
    if (this.maxBatch < 1) throw new Error("batch of zero slots");
    if (opts.offload && (opts.tun.vnetHdrLen !== opts.offload.vnetHdrLen || !opts.tun.writeFrame)) throw new Error(`offload passes for a device without offloads (${opts.tun.name})`);
    const sig = opts.signalling;
    if (sig && sig.tun.vnetHdrLen) throw new Error(`the second input ${sig.tun.name} must have no offloads`);
    this.inputs = [{ tun: opts.tun, maxBatch: this.maxBatch, offload: opts.offload ?? null, stats: newStats(), pending: null }];
    if (sig) this.inputs.push({ tun: sig.tun, maxBatch: Math.max(1, Math.min(sig.maxBatch, b.maxSlots)), offload: null, stats: newStats(), pending: null });
    this.stats = this.inputs[0]!.stats;
    this.signallingStats = this.inputs[1]?.stats ?? null;
    this.outAt = new Int32Array(b.maxSlots);
    this.outLen = new Int32Array(b.maxSlots);
    this.inLen = new Int32Array(b.maxSlots);
    const why = opts.tun.enableBatchIo?.() ?? null;
    if (why !== null) opts.log?.warn("dataplane.batch_io_unavailable", { tun: opts.tun.name, reason: why, fallback: "one read(2) or write(2) a packet" });
  }

  /**
   * One batch of the main device, then one of the second input: each reads until its device
   * would block or its batch is full, processes, writes the outputs (the afterBatch hook between).
   * Returns the number of packets read (0: nothing was waiting).
   */
  pump(): number {
    let n = 0;
    for (const input of this.inputs) n += this.pumpInput(input);
    return n;
  }

  private pumpInput(input: Input): number {
    const { slotBase, stride, headroom, maxPacket } = this;
    const { tun, maxBatch } = input;
    const batch = this.core.batch;
    const { mem, desc } = batch.views();
    const off = input.offload;
    const hdr = off ? off.vnetHdrLen : 0;
    // with offloads, the last slots stay free for the segments of a super-packet read last
    const reads = off ? Math.max(1, Math.min(maxBatch, batch.maxSlots - off.reserve)) : maxBatch;
    let n = 0;
    if (!off && tun.readMany) {
      n = tun.readMany(mem, slotBase + headroom, stride, maxPacket, reads, this.inLen);
      for (let i = 0; i < n; i++) desc[i * DESC_WORDS + D_LEN] = this.inLen[i]!;
    } else {
      while (n < reads) {
        const at = slotBase + n * stride + headroom - hdr;
        const len = tun.readInto(mem, at, off ? off.areaEnd - at : maxPacket);
        if (len === 0) break;
        desc[n * DESC_WORDS + D_LEN] = Math.max(0, len - hdr);
        n++;
        if (len > stride - headroom + hdr) break; // a super-packet ran on over the next slots
      }
    }
    if (n === 0) return 0;
    const st = input.stats;
    st.batches++;
    st.packetsIn += n;
    if (n === reads) st.fullBatches++;
    if (off) n = off.rx(n);
    this.core.process(n, this.now());
    this.opts.afterBatch?.(n);
    this.writeOutputs(n, input);
    this.deferred();
    return n;
  }

  /** Frames (the offload tx pass) and writes the outputs of slots 0..n-1 with verdict send,
   *  into the main device (bare packets for the second input). */
  private writeOutputs(n: number, input: Input): void {
    const { stride, slotBase, tun } = this;
    const st = input.stats;
    const off = input.offload;
    off?.tx(n);
    // The core or the hook may have grown memory (neither should on the packet path; be safe).
    const { mem: m, desc: d } = this.core.batch.views();
    const { outAt, outLen } = this;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const w = i * DESC_WORDS;
      const v = d[w + D_VERDICT];
      if (v !== VERDICT_SEND) { if (v === VERDICT_MERGED && off) st.packetsMerged++; else st.packetsDropped++; continue; }
      const at = slotBase + i * stride + d[w + D_OFFSET]!, len = d[w + D_LEN]!;
      // an output stays in its slot; a coalesced one may run on up to the end of the area
      if (len === 0 || at + len > (off ? off.areaEnd : slotBase + (i + 1) * stride)) { st.badOutputs++; continue; }
      outAt[k] = at;
      outLen[k++] = len;
    }
    if (k === 0) return;
    let sent = 0;
    if (tun.writeMany) sent = tun.writeMany(m, outAt, outLen, k, off !== null);
    else for (let j = 0; j < k; j++) if (off ? tun.writeFrame!(m, outAt[j]!, outLen[j]!) : tun.write(m, outAt[j]!, outLen[j]!)) sent++;
    st.packetsSent += sent;
    st.writeFailures += k - sent;
  }

  /** The role's deferred work, if it has any the budget allows now: processed, hooked, written. Returns k. */
  deferred(): number {
    const k = this.core.processDeferred?.(this.now()) ?? 0;
    if (k === 0) return 0;
    this.stats.deferredBatches++;
    this.stats.deferredSlots += k;
    this.opts.afterBatch?.(k);
    this.writeOutputs(k, this.inputs[0]!);
    return k;
  }

  /** Milliseconds until deferred work can progress; null when none waits. */
  private deferredWait(): number | null {
    const w = this.core.deferredWaitMs?.(this.now()) ?? -1;
    return w < 0 ? null : Math.min(w, 1000);
  }

  /** Calls the core's tick, then the afterTick hook. */
  tick(): void {
    this.core.tick(this.now());
    this.stats.ticks++;
    this.opts.afterTick?.();
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
    const sleepMode = this.opts.idle === "sleep";
    const sleepMs = this.opts.sleepMs ?? 1;
    try {
      while (this.running && !this.inputs.some((i) => i.tun.closed)) {
        const n = this.pump();
        // Park (hand poll(2) to the helper thread) only after a read found nothing: while
        // packets keep coming, one more turn of the event loop usually finds the next ones,
        // and a park and wake-up costs more than that empty read.
        if (n > 0) { await immediate(); continue; }
        if (!this.running) break;
        const wait = this.deferredWait();
        if (wait === 0) { this.deferred(); await immediate(); continue; }
        if (sleepMode) {
          if (!this.inputs.some((i) => i.tun.waitReadable(0))) await sleep(wait === null ? sleepMs : Math.min(sleepMs, wait));
          continue;
        }
        if (!(await this.park(wait))) break;
      }
    } finally {
      if (timer) clearInterval(timer);
      this.running = false;
      this.stopWake = null;
    }
  }

  /**
   * Waits until a device is readable (true), `timeoutMs` passed (true: deferred work is due),
   * or stop() / a device closed (false). Each device's readable() promise outlives a park that
   * ended otherwise and is reused by the next one; the stop and timer wake-ups are per park.
   */
  private park(timeoutMs: number | null): Promise<boolean> {
    if (!this.running) return Promise.resolve(false);
    const [main, ...others] = this.inputs;
    // devices that can be watched together take one helper thread; otherwise race them
    const together = others.length > 0 && main!.tun.readableAny !== undefined;
    const waiting = together ? [main!] : this.inputs;
    const ready = waiting.map((i) => (i.pending ??= (together ? i.tun.readableAny!(others.map((o) => o.tun)) : i.tun.readable()).finally(() => { i.pending = null; })));
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      let done = false;
      const finish = (v: boolean) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        this.stopWake = null;
        resolve(v);
      };
      this.stopWake = () => finish(false);
      if (timeoutMs !== null) timer = setTimeout(() => finish(true), timeoutMs);
      for (const r of ready) r.then(finish, (e: unknown) => { if (!done) { done = true; if (timer) clearTimeout(timer); this.stopWake = null; reject(e); } });
    });
  }
}

const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
