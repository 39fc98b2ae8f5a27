// The daemon's view of the core's binding-record exports (assembly/dar/records.ts): which
// slots of the last batch carry an accepted BA, a binding's record by HoA, and putting records
// back after a restart. Records are opaque 96-byte blobs here (they hold the PHKT: secret);
// the layout stays in the core and host/core/dar.ts.
import type { Dar } from "../core/dar.js";

type RecordExports = {
  records_scratch(): number;
  batch_accepted_hoa(i: number): number;
  binding_find(hoa: number): number;
  binding_record_len(): number;
  binding_put(rec: number): number;
  binding_forget(hoa: number): number;
};

const PUT_ERRORS: Record<number, string> = {
  1: "bad binding record",
  2: "binding cache full",
  3: "DAR not configured",
};

export const HOA_LEN = 16;

export class BindingRecords {
  readonly recordLen: number;
  private readonly x: RecordExports;
  private readonly scratch: number;

  constructor(private readonly dar: Dar) {
    const x = dar.core.exports as unknown as Partial<RecordExports>;
    for (const name of ["records_scratch", "batch_accepted_hoa", "binding_find", "binding_record_len", "binding_put", "binding_forget"] as const) {
      if (typeof x[name] !== "function") throw new Error(`core lacks the binding-record export ${name} (rebuild build/fama.wasm)`);
    }
    this.x = x as RecordExports;
    this.scratch = this.x.records_scratch();
    this.recordLen = this.x.binding_record_len();
  }

  private mem(): Uint8Array { return this.dar.views().mem; }

  /** After process_batch: the HoA (16 bytes, a copy) of slot i's output if it is an accepted BA. */
  acceptedHoa(i: number): Uint8Array | null {
    const p = this.x.batch_accepted_hoa(i);
    return p === 0 ? null : this.mem().slice(p, p + HOA_LEN);
  }

  /** The current record (a copy) of the binding for `hoa`, or null when there is none. */
  find(hoa: Uint8Array): Uint8Array | null {
    this.mem().set(hoa.subarray(0, HOA_LEN), this.scratch);
    const p = this.x.binding_find(this.scratch);
    return p === 0 ? null : this.mem().slice(p, p + this.recordLen);
  }

  /** Inserts or overwrites a binding from its record (no event). Throws with the reason. */
  put(record: Uint8Array): void {
    if (record.length !== this.recordLen) throw new Error(`binding record of ${record.length} bytes, expected ${this.recordLen}`);
    this.mem().set(record, this.scratch);
    const code = this.x.binding_put(this.scratch);
    if (code !== 0) throw new Error(PUT_ERRORS[code] ?? `binding_put error ${code}`);
  }

  /** Deletes the binding for `hoa` (the core queues a `removed` event); true if one existed. */
  forget(hoa: Uint8Array): boolean {
    this.mem().set(hoa.subarray(0, HOA_LEN), this.scratch);
    return this.x.binding_forget(this.scratch) === 1;
  }
}
