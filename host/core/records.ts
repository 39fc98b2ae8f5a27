// The DAR's binding record (assembly/dar/binding-record.ts) and the event record that carries
// it (assembly/dar/events.ts): the one host file that knows their layouts. The record is the
// binding cache's entry, the snapshot's record and the journal's record; it holds the PHKT, so
// outside this file it travels as opaque bytes.
import type { Core } from "../wasm.js";
import { formatIPv6 } from "../ipv6.js";
import { writeScratch } from "./scratch.js";

export const BINDING_RECORD_LEN = 96;
export const HOA_LEN = 16;
/** Field offsets of the binding record (little-endian). */
export const R = {
  HOA: 0, COA: 16, PHKT: 32, EXPIRY: 40, PKTS_TO: 48, BYTES_TO: 56, PKTS_FROM: 64, BYTES_FROM: 72,
  LIFETIME: 80, SEQ: 84, FLAGS: 86, STATE: 87, UPDATED: 88,
} as const;
const FLAG_HAS_PHKT = 1;
const STATE_BOUND = 1;

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

/** Decodes the binding record at `p` of `mem`. */
export function readBindingRecord(mem: Uint8Array, p: number): BindingInfo {
  const v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  return {
    hoa: formatIPv6(mem, p + R.HOA),
    coa: formatIPv6(mem, p + R.COA),
    expiresAt: v.getFloat64(p + R.EXPIRY, true),
    pktsToMn: v.getBigUint64(p + R.PKTS_TO, true),
    bytesToMn: v.getBigUint64(p + R.BYTES_TO, true),
    pktsFromMn: v.getBigUint64(p + R.PKTS_FROM, true),
    bytesFromMn: v.getBigUint64(p + R.BYTES_FROM, true),
    lifetime: v.getUint32(p + R.LIFETIME, true),
    seq: v.getUint16(p + R.SEQ, true),
    hasPhkt: (mem[p + R.FLAGS]! & FLAG_HAS_PHKT) === FLAG_HAS_PHKT,
    state: mem[p + R.STATE]!,
    updatedAt: v.getFloat64(p + R.UPDATED, true),
  };
}

export interface RecordFields {
  hoa: Uint8Array;
  coa: Uint8Array;
  phkt?: Uint8Array;
  expiresAt: number;
  lifetime: number;
  seq: number;
  updatedAt?: number;
}

/** Writes one binding record (traffic counters 0, state bound) at `off` of `buf`. */
export function writeBindingRecord(buf: Uint8Array, off: number, b: RecordFields): void {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf.fill(0, off, off + BINDING_RECORD_LEN);
  buf.set(b.hoa, off + R.HOA);
  buf.set(b.coa, off + R.COA);
  if (b.phkt) buf.set(b.phkt, off + R.PHKT);
  v.setFloat64(off + R.EXPIRY, b.expiresAt, true);
  v.setUint32(off + R.LIFETIME, b.lifetime, true);
  v.setUint16(off + R.SEQ, b.seq, true);
  buf[off + R.FLAGS] = b.phkt ? FLAG_HAS_PHKT : 0;
  buf[off + R.STATE] = STATE_BOUND;
  v.setFloat64(off + R.UPDATED, b.updatedAt ?? 0, true);
}

// ---- binding events (assembly/dar/events.ts)
export const EVENT_SIZE = 112;
const EV = { KIND: 0, LIFETIME: 4, SEQ: 8, RECORD: 16 } as const;
const EVENT_KINDS = ["", "added", "moved", "removed", "refreshed"] as const;

export interface DarEvent {
  /** added / moved / removed change a route; refreshed (same CoA) only the journal */
  kind: "added" | "moved" | "removed" | "refreshed";
  lifetime: number;
  hoa: string;
  coa: string;
  seq: number;
  /** The binding record after the change (removed: as it was): a copy, shared with the other
   *  events of its drain (a view into one buffer). Holds the PHKT. */
  record: Uint8Array;
}

/** What a route needs of a binding event (restored bindings have no event record). */
export type RouteEvent = Omit<DarEvent, "record">;

/** Decodes `count` event records from `base`. The queue is copied out once (one allocation per
 *  drain, however many events); each event's record is a view into that copy. */
export function readEvents(mem: Uint8Array, base: number, count: number): DarEvent[] {
  const queue = mem.slice(base, base + count * EVENT_SIZE);
  const v = new DataView(queue.buffer);
  const out: DarEvent[] = [];
  for (let i = 0; i < count; i++) {
    const p = i * EVENT_SIZE;
    const rec = p + EV.RECORD;
    out.push({
      kind: EVENT_KINDS[v.getUint32(p + EV.KIND, true)] || "removed",
      lifetime: v.getUint32(p + EV.LIFETIME, true),
      hoa: formatIPv6(queue, rec + R.HOA),
      coa: formatIPv6(queue, rec + R.COA),
      seq: v.getUint32(p + EV.SEQ, true),
      record: queue.subarray(rec, rec + BINDING_RECORD_LEN),
    });
  }
  return out;
}

/** The HoA (16 bytes) of an opaque binding record. */
export function recordHoa(record: Uint8Array): Uint8Array {
  return record.subarray(R.HOA, R.HOA + HOA_LEN);
}

// ---- binding records from outside: journal replay (assembly/dar/records.ts)
type RecordExports = {
  dar_records_scratch(): number;
  dar_binding_put(rec: number): number;
  dar_binding_forget(hoa: number): number;
};

const PUT_ERRORS: Record<number, string> = {
  1: "bad binding record",
  2: "binding cache full",
  3: "DAR not configured",
};
const RECORDS_SCRATCH_LEN = 112;

export class BindingRecords {
  private readonly x: RecordExports;

  constructor(private readonly core: Core) {
    this.x = core.exports as unknown as RecordExports;
  }

  private scratch(part: Uint8Array): number {
    return writeScratch(this.core, this.x.dar_records_scratch(), RECORDS_SCRATCH_LEN, part)[0]!;
  }

  /** Inserts or overwrites a binding from its record (no event). Throws with the reason. */
  put(record: Uint8Array): void {
    if (record.length !== BINDING_RECORD_LEN) throw new Error(`binding record of ${record.length} bytes, expected ${BINDING_RECORD_LEN}`);
    const code = this.x.dar_binding_put(this.scratch(record));
    if (code !== 0) throw new Error(PUT_ERRORS[code] ?? `binding_put error ${code}`);
  }

  /** Deletes the binding for `hoa` (the core queues a `removed` event); true if one existed. */
  forget(hoa: Uint8Array): boolean {
    return this.x.dar_binding_forget(this.scratch(hoa.subarray(0, HOA_LEN))) === 1;
  }
}
