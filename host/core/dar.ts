// Typed wrapper over the DAR data-plane ABI of the core (assembly/dar/exports.ts):
// configuration, the packet batch (slot and descriptor views built once, rebuilt only if
// linear memory grows), events, counters by name, snapshot save/restore, bindings listing.
// This is the only host file that knows these record layouts; they are documented in
// assembly/forward/{batch,events,counters,binding-cache,snapshot}.ts and assembly/dar/config.ts.
import { createHash } from "node:crypto";
import type { Core } from "../wasm.js";
import { formatIPv6 } from "../ipv6.js";
import { DAR_DEFAULTS, type DarConfig } from "../config/dar.js";

export type { DarConfig };

/** Counter names in index order: mirrors assembly/forward/counters.ts. */
export const COUNTER_NAMES = [
  "rx", "tx", "encap", "decap", "echo-reply", "time-exceeded-sent", "too-big-sent",
  "malformed", "unbound", "spoofed", "tunnel-unbound", "hop-limit", "too-big", "rate-limited",
  "not-for-us", "mobility-control", "icmp-suppressed", "events-lost",
  "bindings-expired", "cache-full", "anchor-other", "not-configured", "control-drop",
  "mh-malformed", "mh-unexpected", "bu-accepted", "bu-rejected", "bu-no-ack", "bad-auth-failed",
  "no-random", "cot-sent", "be-sent",
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];


export const EVENT_ADDED = 1;
export const EVENT_MOVED = 2;
export const EVENT_REMOVED = 3;

export interface DarEvent {
  kind: "added" | "moved" | "removed";
  lifetime: number;
  hoa: string;
  coa: string;
  seq: number;
}

export interface BindingInfo {
  hoa: string;
  coa: string;
  seq: number;
  lifetime: number;
  expiresAt: number;
  updatedAt: number;
  hasPhkt: boolean;
  state: number;
  pktsToMn: bigint;
  bytesToMn: bigint;
  pktsFromMn: bigint;
  bytesFromMn: bigint;
}

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
  11: "no randomness for the binding cache key",
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

// ---- snapshot format (assembly/forward/snapshot.ts) ----
export const SNAPSHOT_HEADER_LEN = 64;
export const SNAPSHOT_RECORD_LEN = 96;
export const SNAPSHOT_DIGEST_LEN = 20;
export const SNAPSHOT_VERSION = 1;
const SNAPSHOT_MAGIC = new TextEncoder().encode("FAMASNAP");

export interface SnapshotBinding {
  hoa: Uint8Array;
  coa: Uint8Array;
  phkt?: Uint8Array;
  expiresAt: number;
  lifetime: number;
  seq: number;
  updatedAt?: number;
}

/** Writes one 96-byte binding record (binding-cache.ts entry layout) at `off`. */
export function writeBindingRecord(buf: Uint8Array, off: number, b: SnapshotBinding): void {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf.fill(0, off, off + SNAPSHOT_RECORD_LEN);
  buf.set(b.hoa, off);
  buf.set(b.coa, off + 16);
  if (b.phkt) buf.set(b.phkt, off + 32);
  v.setFloat64(off + 40, b.expiresAt, true);
  v.setUint32(off + 80, b.lifetime, true);
  v.setUint16(off + 84, b.seq, true);
  buf[off + 86] = b.phkt ? 1 : 0;
  buf[off + 87] = 1;
  v.setFloat64(off + 88, b.updatedAt ?? 0, true);
}

/**
 * Builds a snapshot blob around `count` records already laid out back to back in
 * `blob` from offset SNAPSHOT_HEADER_LEN (allocate with snapshotBlob(count)).
 */
export function sealSnapshot(blob: Uint8Array, count: number, savedAt = 0, capacity = count): Uint8Array {
  const total = SNAPSHOT_HEADER_LEN + count * SNAPSHOT_RECORD_LEN + SNAPSHOT_DIGEST_LEN;
  if (blob.length !== total) throw new Error(`snapshot blob must be ${total} bytes`);
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  blob.fill(0, 0, SNAPSHOT_HEADER_LEN);
  blob.set(SNAPSHOT_MAGIC, 0);
  v.setUint32(8, SNAPSHOT_VERSION, true);
  v.setUint32(12, SNAPSHOT_HEADER_LEN, true);
  v.setUint32(16, SNAPSHOT_RECORD_LEN, true);
  v.setUint32(20, count, true);
  v.setUint32(24, 0, true);
  v.setUint32(28, total, true);
  v.setFloat64(32, savedAt, true);
  v.setUint32(40, capacity, true);
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

type DarExports = {
  memory: WebAssembly.Memory;
  alloc(n: number): number;
  free(p: number): void;
  batch_slots(): number;
  batch_desc(): number;
  batch_max_slots(): number;
  batch_slot_stride(): number;
  batch_headroom(): number;
  batch_max_packet(): number;
  process_batch(n: number, now: number): number;
  tick(now: number): void;
  events_base(): number;
  events_count(): number;
  events_clear(): void;
  counters_base(): number;
  counters_len(): number;
  dar_config_record(): number;
  dar_config_size(): number;
  dar_configure(ptr: number): number;
  snapshot_size(): number;
  snapshot_write(ptr: number): number;
  snapshot_restore(ptr: number, len: number): number;
  bindings_count(): number;
  bindings_capacity(): number;
  binding_record(i: number): number;
  binding_record_size(): number;
  bindings_memory(): number;
  bindings_table_slots(): number;
  bindings_max_probe(): number;
};

export const VERDICT_DROP = 0;
export const VERDICT_SEND = 1;

export class Dar {
  readonly x: DarExports;
  readonly maxSlots: number;
  readonly stride: number;
  readonly headroom: number;
  readonly maxPacket: number;
  /** Address of slot 0 in linear memory. */
  readonly slotsBase: number;
  private readonly descBase: number;
  private buffer: ArrayBuffer | null = null;
  private u8!: Uint8Array;
  private desc!: Uint32Array;
  private counters64!: BigUint64Array;

  constructor(readonly core: Core) {
    this.x = core.exports as unknown as DarExports;
    this.maxSlots = this.x.batch_max_slots();
    this.stride = this.x.batch_slot_stride();
    this.headroom = this.x.batch_headroom();
    this.maxPacket = this.x.batch_max_packet();
    this.slotsBase = this.x.batch_slots();
    this.descBase = this.x.batch_desc();
    if (COUNTER_NAMES.length !== this.x.counters_len()) {
      throw new Error(`core has ${this.x.counters_len()} counters, host knows ${COUNTER_NAMES.length}`);
    }
    this.views();
  }

  /** Views over linear memory, rebuilt only when it grew (which detaches them). */
  views(): { mem: Uint8Array; desc: Uint32Array } {
    const buf = this.x.memory.buffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.u8 = new Uint8Array(buf);
      this.desc = new Uint32Array(buf, this.descBase, this.maxSlots * 4);
      this.counters64 = new BigUint64Array(buf, this.x.counters_base(), this.x.counters_len());
    }
    return { mem: this.u8, desc: this.desc };
  }

  /** Applies a configuration parsed by host/config/dar.ts (parseDarConfig). */
  configure(cfg: DarConfig): void {
    const rec = new Uint8Array(this.x.dar_config_size());
    const v = new DataView(rec.buffer);
    rec.set(cfg.anchor, 0);
    if (cfg.prefixes.length > 16) throw new DarError(CONFIG_ERRORS[2], 2);
    v.setUint32(16, cfg.prefixes.length, true);
    v.setUint32(20, cfg.minSec, true);
    v.setUint32(24, cfg.maxLifetime, true);
    v.setUint32(28, cfg.coaTest ? 1 : 0, true);
    v.setUint32(32, cfg.tunnelMtu, true);
    v.setUint32(36, cfg.capacity ?? DAR_DEFAULTS.capacity, true);
    cfg.prefixes.forEach((p, i) => {
      rec.set(p.address, 48 + i * 24);
      v.setUint32(48 + i * 24 + 16, p.length, true);
    });
    const ptr = this.x.dar_config_record();
    this.views().mem.set(rec, ptr);
    const code = this.x.dar_configure(ptr);
    this.views();
    if (code !== 0) throw new DarError(`bad DAR configuration: ${CONFIG_ERRORS[code] ?? `error ${code}`}`, code);
  }

  /** Address (in linear memory) where slot i's packet goes. */
  packetAddr(i: number): number {
    return this.slotsBase + i * this.stride + this.headroom;
  }

  /** Copies a packet into slot i and sets its descriptor's length. */
  setPacket(i: number, data: Uint8Array): void {
    if (data.length > this.maxPacket) throw new Error(`packet of ${data.length} bytes exceeds ${this.maxPacket}`);
    const { mem, desc } = this.views();
    mem.set(data, this.packetAddr(i));
    desc[i * 4] = data.length;
  }

  /** A view of slot i's packet area (maxPacket bytes): fill it in place, then setLen. */
  packetView(i: number): Uint8Array {
    const a = this.packetAddr(i);
    return this.views().mem.subarray(a, a + this.maxPacket);
  }

  setLen(i: number, len: number): void {
    this.views().desc[i * 4] = len;
  }

  /** Processes slots 0..n-1; returns how many have verdict send. */
  process(n: number, nowMs: number): number {
    return this.x.process_batch(n, nowMs);
  }

  verdict(i: number): number { return this.views().desc[i * 4 + 2]; }
  reason(i: number): number { return this.views().desc[i * 4 + 3]; }
  reasonName(i: number): CounterName | null {
    const r = this.reason(i);
    return this.verdict(i) === VERDICT_SEND ? null : COUNTER_NAMES[r] ?? null;
  }
  outLen(i: number): number { return this.views().desc[i * 4]; }
  outOffset(i: number): number { return this.views().desc[i * 4 + 1]; }
  /** A view of slot i's output (valid until the slot is reused). */
  output(i: number): Uint8Array {
    const { mem, desc } = this.views();
    const a = this.slotsBase + i * this.stride + desc[i * 4 + 1];
    return mem.subarray(a, a + desc[i * 4]);
  }

  tick(nowMs: number): void {
    this.x.tick(nowMs);
  }

  drainEvents(): DarEvent[] {
    const n = this.x.events_count();
    const base = this.x.events_base();
    const { mem } = this.views();
    const v = new DataView(mem.buffer);
    const kinds = ["", "added", "moved", "removed"] as const;
    const out: DarEvent[] = [];
    for (let i = 0; i < n; i++) {
      const p = base + i * 48;
      const kind = kinds[v.getUint32(p, true)] || "removed";
      out.push({
        kind: kind as DarEvent["kind"],
        lifetime: v.getUint32(p + 4, true),
        hoa: formatIPv6(mem, p + 8),
        coa: formatIPv6(mem, p + 24),
        seq: v.getUint32(p + 40, true),
      });
    }
    this.x.events_clear();
    return out;
  }

  counter(name: CounterName): bigint {
    this.views();
    return this.counters64[COUNTER_NAMES.indexOf(name)];
  }

  counters(): Record<CounterName, bigint> {
    this.views();
    const out = {} as Record<CounterName, bigint>;
    COUNTER_NAMES.forEach((name, i) => { out[name] = this.counters64[i]; });
    return out;
  }

  snapshot(): Uint8Array {
    const size = this.x.snapshot_size();
    const ptr = this.x.alloc(size);
    try {
      const len = this.x.snapshot_write(ptr);
      return this.views().mem.slice(ptr, ptr + len);
    } finally {
      this.x.free(ptr);
    }
  }

  restore(blob: Uint8Array): void {
    const ptr = this.x.alloc(Math.max(1, blob.length));
    try {
      this.views().mem.set(blob, ptr);
      const code = this.x.snapshot_restore(ptr, blob.length);
      if (code !== 0) throw new DarError(`snapshot rejected: ${SNAPSHOT_ERRORS[code] ?? `error ${code}`}`, code);
    } finally {
      this.x.free(ptr);
      this.views();
    }
  }

  bindingsCount(): number { return this.x.bindings_count(); }

  bindings(): BindingInfo[] {
    const n = this.x.bindings_count();
    const out: BindingInfo[] = [];
    const { mem } = this.views();
    const v = new DataView(mem.buffer);
    for (let i = 0; i < n; i++) {
      const p = this.x.binding_record(i);
      out.push({
        hoa: formatIPv6(mem, p),
        coa: formatIPv6(mem, p + 16),
        expiresAt: v.getFloat64(p + 40, true),
        pktsToMn: v.getBigUint64(p + 48, true),
        bytesToMn: v.getBigUint64(p + 56, true),
        pktsFromMn: v.getBigUint64(p + 64, true),
        bytesFromMn: v.getBigUint64(p + 72, true),
        lifetime: v.getUint32(p + 80, true),
        seq: v.getUint16(p + 84, true),
        hasPhkt: (mem[p + 86] & 1) === 1,
        state: mem[p + 87],
        updatedAt: v.getFloat64(p + 88, true),
      });
    }
    return out;
  }

  /** Binding-cache memory: total bytes, and per binding of capacity. */
  memoryUse(): { bytes: number; capacity: number; perBinding: number; tableSlots: number } {
    const bytes = this.x.bindings_memory();
    const capacity = this.x.bindings_capacity();
    return { bytes, capacity, perBinding: capacity ? bytes / capacity : 0, tableSlots: this.x.bindings_table_slots() };
  }
}
