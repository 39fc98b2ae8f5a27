// Typed wrapper over the DAR role's ABI of the core (assembly/dar/exports.ts): configuration,
// the packet batch (host/core/batch.ts), events, counters by name, snapshot save/restore,
// bindings listing. With host/core/records.ts (the binding and event records) and
// host/core/batch.ts (the descriptors), the only host files that know these record layouts;
// they are documented in assembly/dar/{config,counters,events,binding-record,snapshot}.ts.
import { createHash } from "node:crypto";
import type { Core } from "../wasm.js";
import { DAR_DEFAULTS, CGA_BUDGET_OFFLINE, ADMISSION_DEFAULTS, ADMISSION_OFFLINE_MODE, type DarConfig } from "../config/dar.js";
import { BatchRoleBase, VERDICT_SEND, type BatchExports } from "./batch.js";
import { CounterBank } from "./counters.js";
import {
  BINDING_RECORD_LEN, readBindingRecord, readEvents, writeBindingRecord,
  type BindingInfo, type DarEvent, type RecordFields,
} from "./records.js";

export type { DarConfig, BindingInfo, DarEvent };
export { VERDICT_DROP, VERDICT_SEND } from "./batch.js";
export { writeBindingRecord };

/** Counter names in index order: mirrors assembly/dar/counters.ts. */
export const COUNTER_NAMES = [
  "rx", "tx", "encap", "decap", "echo-reply", "time-exceeded-sent", "too-big-sent",
  "malformed", "unbound", "spoofed", "tunnel-unbound", "hop-limit", "too-big", "rate-limited",
  "not-for-us", "mobility-control", "icmp-suppressed", "events-lost",
  "bindings-expired", "cache-full", "anchor-other", "not-configured", "control-drop",
  "mh-malformed", "mh-unexpected", "bu-accepted", "bu-rejected", "bu-no-ack", "bad-auth-failed",
  "no-random", "cot-sent", "be-sent", "withheld",
  "cga-deferred", "cga-over-budget", "cga-stale", "admission-unsighted", "admission-probation-full",
  "cga-verified", "sightings-evicted",
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

const CONFIG_ERRORS: Record<number, string> = {
  1: "anchor must be a unicast address (not :: or multicast)",
  2: "between 1 and 16 prefixes",
  3: "bad prefix (length > 128 or bits set past the length)",
  4: "minSec must be 0..7",
  5: "maxLifetime must be 1..262140 seconds",
  6: "coaTest must be a boolean",
  7: "tunnelMtu must be 1280..65535",
  8: "capacity must be 1..4194304",
  9: "reserved field not zero",
  10: "capacity cannot change while bindings exist",
  11: "no randomness for the binding cache or sightings key",
  12: "cgaBudget: perSecond 1..1000000, perBatch 1..256, queue 0..65536",
  13: "admission: mode, sightings 1..4194304, sightingLifetime, probationLifetime 4..262140, probationMax 1..4194304",
};

const SNAPSHOT_ERRORS: Record<number, string> = {
  1: "bad length",
  2: "bad magic",
  3: "unsupported version",
  4: "checksum mismatch",
  5: "bad binding record",
  6: "more bindings than the configured capacity",
  7: "binding cache not empty",
  8: "DAR not configured",
  9: "control-plane secrets rejected",
  10: "duplicate home address",
};

export class DarError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

// ---- snapshot format (assembly/dar/snapshot.ts)
export const SNAPSHOT_HEADER_LEN = 64;
export const SNAPSHOT_RECORD_LEN = BINDING_RECORD_LEN;
export const SNAPSHOT_DIGEST_LEN = 20;
export const SNAPSHOT_VERSION = 1;
const SNAPSHOT_MAGIC = new TextEncoder().encode("FAMASNAP");
/** Header fields (little-endian). */
const SH = { MAGIC: 0, VERSION: 8, HEADER_LEN: 12, RECORD_LEN: 16, COUNT: 20, SECRETS_LEN: 24, TOTAL_LEN: 28, SAVED_AT: 32, CAPACITY: 40 } as const;

export type SnapshotBinding = RecordFields;

/**
 * Builds a snapshot blob around `count` records already laid out back to back in
 * `blob` from offset SNAPSHOT_HEADER_LEN (allocate with snapshotBlob(count)).
 */
export function sealSnapshot(blob: Uint8Array, count: number, savedAt = 0, capacity = count): Uint8Array {
  const total = SNAPSHOT_HEADER_LEN + count * SNAPSHOT_RECORD_LEN + SNAPSHOT_DIGEST_LEN;
  if (blob.length !== total) throw new Error(`snapshot blob must be ${total} bytes`);
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  blob.fill(0, 0, SNAPSHOT_HEADER_LEN);
  blob.set(SNAPSHOT_MAGIC, SH.MAGIC);
  v.setUint32(SH.VERSION, SNAPSHOT_VERSION, true);
  v.setUint32(SH.HEADER_LEN, SNAPSHOT_HEADER_LEN, true);
  v.setUint32(SH.RECORD_LEN, SNAPSHOT_RECORD_LEN, true);
  v.setUint32(SH.COUNT, count, true);
  v.setUint32(SH.SECRETS_LEN, 0, true);
  v.setUint32(SH.TOTAL_LEN, total, true);
  v.setFloat64(SH.SAVED_AT, savedAt, true);
  v.setUint32(SH.CAPACITY, capacity, true);
  const body = total - SNAPSHOT_DIGEST_LEN;
  blob.set(createHash("sha1").update(blob.subarray(0, body)).digest(), body);
  return blob;
}

/** A zeroed buffer of the right size for `count` records (fill with writeBindingRecord). */
export function snapshotBlob(count: number): Uint8Array {
  return new Uint8Array(SNAPSHOT_HEADER_LEN + count * SNAPSHOT_RECORD_LEN + SNAPSHOT_DIGEST_LEN);
}

export function recordOffset(i: number): number {
  return SNAPSHOT_HEADER_LEN + i * SNAPSHOT_RECORD_LEN;
}

type DarExports = BatchExports & {
  alloc(n: number): number;
  free(p: number): void;
  dar_process_batch(n: number, now: number): number;
  dar_tick(now: number): void;
  dar_withhold_acks(): number;
  dar_events_base(): number;
  dar_events_count(): number;
  dar_events_clear(): void;
  dar_counters_base(): number;
  dar_counters_len(): number;
  dar_config_record(): number;
  dar_config_size(): number;
  dar_configure(ptr: number): number;
  dar_snapshot_size(): number;
  dar_snapshot_write(ptr: number): number;
  dar_snapshot_restore(ptr: number, len: number): number;
  dar_binding_record_len(): number;
  dar_bindings_count(): number;
  dar_bindings_capacity(): number;
  dar_binding_record(i: number): number;
  dar_bindings_memory(): number;
  dar_bindings_table_slots(): number;
  dar_bindings_max_probe(): number;
  dar_bindings_probation(): number;
  dar_process_deferred(now: number): number;
  dar_deferred_pending(): number;
  dar_deferred_wait_ms(now: number): number;
  dar_sightings_scratch(): number;
  dar_sightings_batch(): number;
  dar_sightings_add(ptr: number, count: number, now: number): number;
  dar_sighted(ptr: number, now: number): number;
  dar_sightings_count(): number;
  dar_sightings_capacity(): number;
  dar_sightings_memory(): number;
  dar_sightings_write(ptr: number, max: number, now: number): number;
  dar_sightings_record_len(): number;
  dar_sightings_restore(ptr: number, count: number): number;
};

/** Configuration record fields (assembly/dar/config.ts). */
const CFG = {
  ANCHOR: 0, PREFIX_COUNT: 16, MIN_SEC: 20, MAX_LIFETIME: 24, COA_TEST: 28, TUNNEL_MTU: 32, CAPACITY: 36, PREFIXES: 48, PREFIX_STRIDE: 24, PREFIX_LEN: 16,
  CGA_PER_SECOND: 432, CGA_PER_BATCH: 436, CGA_QUEUE: 440, ADMISSION_MODE: 444, SIGHTINGS: 448, SIGHTING_LIFETIME: 452, PROBATION_LIFETIME: 456, PROBATION_MAX: 460,
} as const;

export class Dar extends BatchRoleBase {
  readonly x: DarExports;
  private readonly counterBank: CounterBank<CounterName>;

  constructor(readonly core: Core) {
    if (typeof (core.exports as Partial<DarExports>).dar_process_batch !== "function") throw new Error("core has no DAR role (dar_* exports)");
    super(core);
    this.x = core.exports as unknown as DarExports;
    this.counterBank = new CounterBank(core, COUNTER_NAMES, () => this.x.dar_counters_base(), this.x.dar_counters_len(), "counters");
    if (this.x.dar_binding_record_len() !== BINDING_RECORD_LEN) {
      throw new Error(`core's binding record is ${this.x.dar_binding_record_len()} bytes, host knows ${BINDING_RECORD_LEN}`);
    }
  }

  /** Views over linear memory, rebuilt only when it grew (which detaches them). */
  views(): { mem: Uint8Array; desc: Uint32Array } { return this.batch.views(); }

  /** Applies a configuration parsed by host/config/dar.ts (parseDarConfig). */
  configure(cfg: DarConfig): void {
    const rec = new Uint8Array(this.x.dar_config_size());
    const v = new DataView(rec.buffer);
    rec.set(cfg.anchor, CFG.ANCHOR);
    if (cfg.prefixes.length > 16) throw new DarError(CONFIG_ERRORS[2], 2);
    v.setUint32(CFG.PREFIX_COUNT, cfg.prefixes.length, true);
    v.setUint32(CFG.MIN_SEC, cfg.minSec, true);
    v.setUint32(CFG.MAX_LIFETIME, cfg.maxLifetime, true);
    v.setUint32(CFG.COA_TEST, cfg.coaTest ? 1 : 0, true);
    v.setUint32(CFG.TUNNEL_MTU, cfg.tunnelMtu, true);
    const capacity = cfg.capacity ?? DAR_DEFAULTS.capacity;
    v.setUint32(CFG.CAPACITY, capacity, true);
    // A config made without the policy keys gets the offline profile (parseDarConfig's).
    const budget = cfg.cgaBudget ?? CGA_BUDGET_OFFLINE;
    const adm = cfg.admission ?? { ...ADMISSION_DEFAULTS, mode: ADMISSION_OFFLINE_MODE, probationLifetime: Math.min(ADMISSION_DEFAULTS.probationLifetime, cfg.maxLifetime), probationMax: Math.max(1, Math.floor(capacity / 4)) };
    v.setUint32(CFG.CGA_PER_SECOND, budget.perSecond, true);
    v.setUint32(CFG.CGA_PER_BATCH, budget.perBatch, true);
    v.setUint32(CFG.CGA_QUEUE, budget.queue, true);
    v.setUint32(CFG.ADMISSION_MODE, adm.mode === "on-link" ? 1 : 0, true);
    v.setUint32(CFG.SIGHTINGS, adm.sightings, true);
    v.setUint32(CFG.SIGHTING_LIFETIME, adm.sightingLifetime, true);
    v.setUint32(CFG.PROBATION_LIFETIME, adm.probationLifetime, true);
    v.setUint32(CFG.PROBATION_MAX, adm.probationMax, true);
    cfg.prefixes.forEach((p, i) => {
      const at = CFG.PREFIXES + i * CFG.PREFIX_STRIDE;
      rec.set(p.address, at);
      v.setUint32(at + CFG.PREFIX_LEN, p.length, true);
    });
    const ptr = this.x.dar_config_record();
    this.views().mem.set(rec, ptr);
    const code = this.x.dar_configure(ptr);
    if (code !== 0) throw new DarError(`bad DAR configuration: ${CONFIG_ERRORS[code] ?? `error ${code}`}`, code);
  }

  /** A view of slot i's packet area (maxPacket bytes): fill it in place, then setLen. */
  packetView(i: number): Uint8Array { return this.batch.packetView(i); }
  setLen(i: number, len: number): void { this.batch.setLen(i, len); }

  /** Processes slots 0..n-1; returns how many have verdict send. */
  process(n: number, nowMs: number): number {
    return this.x.dar_process_batch(n, nowMs);
  }

  /**
   * Processes queued cga-mode BUs (as the CPU budget allows) in slots 0..k-1 and returns k:
   * write their outputs like a batch's (after the same afterBatch work).
   */
  processDeferred(nowMs: number): number { return this.x.dar_process_deferred(nowMs); }
  /** cga-mode BUs waiting for processDeferred. */
  deferredPending(): number { return this.x.dar_deferred_pending(); }
  /** Milliseconds until processDeferred can make progress; -1 when nothing waits. */
  deferredWaitMs(nowMs: number): number { return this.x.dar_deferred_wait_ms(nowMs); }

  /**
   * Records addresses (16 bytes each) as seen on the access link; those outside the DAR's
   * prefixes are skipped. Returns how many were recorded.
   */
  addSightings(addrs: readonly Uint8Array[], nowMs: number): number {
    const per = this.x.dar_sightings_batch();
    const ptr = this.x.dar_sightings_scratch();
    let added = 0;
    for (let i = 0; i < addrs.length; i += per) {
      const chunk = addrs.slice(i, i + per);
      const { mem } = this.views();
      chunk.forEach((a, j) => {
        if (a.length !== 16) throw new Error("a sighting is a 16-byte IPv6 address");
        mem.set(a, ptr + j * 16);
      });
      added += this.x.dar_sightings_add(ptr, chunk.length, nowMs);
    }
    return added;
  }

  /** The live sightings as 24-byte records (address, f64 lastSeen ms, little-endian): opaque to the caller. */
  saveSightings(nowMs: number): Uint8Array {
    const len = this.x.dar_sightings_record_len();
    const max = this.x.dar_sightings_capacity();
    const ptr = this.x.alloc(Math.max(1, max * len));
    try {
      const n = this.x.dar_sightings_write(ptr, max, nowMs);
      return this.core.copyOut(ptr, n * len);
    } finally {
      this.x.free(ptr);
    }
  }

  /** Puts back records from saveSightings, each with its own lastSeen; returns how many were taken. */
  restoreSightings(records: Uint8Array): number {
    const len = this.x.dar_sightings_record_len();
    if (records.length % len !== 0) throw new DarError(`sightings: ${records.length} bytes is not a whole number of ${len}-byte records`, 1);
    const per = this.x.dar_sightings_batch();
    const ptr = this.x.dar_sightings_scratch();
    let added = 0;
    for (let o = 0; o < records.length; o += per * len) {
      const chunk = records.subarray(o, Math.min(records.length, o + per * len));
      this.views().mem.set(chunk, ptr);
      added += this.x.dar_sightings_restore(ptr, chunk.length / len);
    }
    return added;
  }

  /** Whether the address counts as sighted at nowMs. */
  sighted(addr: Uint8Array, nowMs: number): boolean {
    const ptr = this.x.dar_sightings_scratch();
    this.views().mem.set(addr, ptr);
    return this.x.dar_sighted(ptr, nowMs) === 1;
  }

  /** Sightings held (live or expired), capacity, bytes; bindings in probation. */
  policyState(): { sightings: number; sightingsCapacity: number; sightingsBytes: number; probation: number; deferred: number } {
    return {
      sightings: this.x.dar_sightings_count(), sightingsCapacity: this.x.dar_sightings_capacity(),
      sightingsBytes: this.x.dar_sightings_memory(), probation: this.x.dar_bindings_probation(), deferred: this.x.dar_deferred_pending(),
    };
  }

  /** After process: drops the outputs that acknowledge a binding change (the BAs); how many. */
  withholdAcks(): number { return this.x.dar_withhold_acks(); }

  reason(i: number): number { return this.batch.reason(i); }
  reasonName(i: number): CounterName | null {
    return this.verdict(i) === VERDICT_SEND ? null : this.counterBank.nameOf(this.reason(i));
  }
  outLen(i: number): number { return this.batch.outLen(i); }
  outOffset(i: number): number { return this.batch.outOffset(i); }
  /** A view of slot i's output (valid until the slot is reused). */
  output(i: number): Uint8Array { return this.batch.output(i); }

  tick(nowMs: number): void {
    this.x.dar_tick(nowMs);
  }

  eventCount(): number { return this.x.dar_events_count(); }

  /** Decodes and clears the event queue. */
  drainEvents(): DarEvent[] {
    const n = this.x.dar_events_count();
    const out = n === 0 ? [] : readEvents(this.views().mem, this.x.dar_events_base(), n);
    this.x.dar_events_clear();
    return out;
  }

  counter(name: CounterName): bigint { return this.counterBank.get(name); }
  counters(): Record<CounterName, bigint> { return this.counterBank.all(); }

  snapshot(): Uint8Array {
    return this.withSnapshot((view) => view.slice());
  }

  /** Writes the snapshot into linear memory and hands `use` a view of it (valid only during the
   *  call: no core call may run inside it); saves copying a 96-byte-per-binding blob out. */
  withSnapshot<T>(use: (view: Uint8Array) => T): T {
    const size = this.x.dar_snapshot_size();
    const ptr = this.x.alloc(size);
    try {
      const len = this.x.dar_snapshot_write(ptr);
      return use(this.views().mem.subarray(ptr, ptr + len));
    } finally {
      this.x.free(ptr);
    }
  }

  restore(blob: Uint8Array): void {
    const ptr = this.core.copyIn(blob);
    try {
      const code = this.x.dar_snapshot_restore(ptr, blob.length);
      if (code !== 0) throw new DarError(`snapshot rejected: ${SNAPSHOT_ERRORS[code] ?? `error ${code}`}`, code);
    } finally {
      this.x.free(ptr);
    }
  }

  bindingsCount(): number { return this.x.dar_bindings_count(); }

  /** Every binding decoded: one JS object each, so only for tests and small caches. The daemon
   *  uses binding(i) / eachBinding, which hold no per-binding objects. */
  bindings(): BindingInfo[] {
    const out: BindingInfo[] = [];
    this.eachBinding(0, this.x.dar_bindings_count(), (b) => { out.push(b); });
    return out;
  }

  /** Binding i (0 <= i < bindingsCount(), the cache's dense order), decoded; null past the end. */
  binding(i: number): BindingInfo | null {
    const p = this.x.dar_binding_record(i);
    return p === 0 ? null : readBindingRecord(this.views().mem, p);
  }

  /** Decodes bindings from..from+n-1 (clipped to the count) one at a time into `fn`; nothing is
   *  kept, so walking a million bindings costs one short-lived object at a time. */
  eachBinding(from: number, n: number, fn: (b: BindingInfo, i: number) => void): void {
    const end = Math.min(this.x.dar_bindings_count(), from + n);
    for (let i = Math.max(0, from); i < end; i++) fn(readBindingRecord(this.views().mem, this.x.dar_binding_record(i)), i);
  }

  /** Binding-cache memory: total bytes, and per binding of capacity. */
  memoryUse(): { bytes: number; capacity: number; perBinding: number; tableSlots: number } {
    const bytes = this.x.dar_bindings_memory();
    const capacity = this.x.dar_bindings_capacity();
    return { bytes, capacity, perBinding: capacity ? bytes / capacity : 0, tableSlots: this.x.dar_bindings_table_slots() };
  }
}
