// A role's counters (assembly/dar/counters.ts, assembly/mn/counters.ts): u64 values in linear
// memory, one per name, in the order the core's counter indices use.
import type { Core } from "../wasm.js";

export class CounterBank<Name extends string> {
  private view: BigUint64Array | null = null;

  /** `base()` is the core's counters address; `coreLen` how many counters the core has. */
  constructor(private readonly core: Core, readonly names: readonly Name[], private readonly base: () => number, coreLen: number, what: string) {
    if (names.length !== coreLen) throw new Error(`core has ${coreLen} ${what}, host knows ${names.length}`);
  }

  /** The counters over linear memory, rebuilt only when it grew (which detaches the view). */
  private values(): BigUint64Array {
    const mem = this.core.bytes();
    if (this.view?.buffer !== mem.buffer) this.view = new BigUint64Array(mem.buffer, mem.byteOffset + this.base(), this.names.length);
    return this.view;
  }

  get(name: Name): bigint {
    return this.values()[this.names.indexOf(name)]!;
  }

  all(): Record<Name, bigint> {
    const c = this.values();
    const out = {} as Record<Name, bigint>;
    this.names.forEach((name, i) => { out[name] = c[i]!; });
    return out;
  }

  /** The name of counter index `i` (a drop reason), or null. */
  nameOf(i: number): Name | null { return this.names[i] ?? null; }
}
