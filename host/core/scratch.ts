// The two ways inputs reach the core by pointer, in one place. Setup-time calls only; never
// per packet (the batch has its own memory, host/core/batch.ts).
//   * writeScratch: byte strings (or zeroed output room) laid out, 16-byte aligned, in a
//     fixed scratch buffer the core exports (cga_scratch, mn_scratch, dar_records_scratch).
//   * scratchArea: one growable allocation per core and user, for inputs of any size (the MH
//     codec, the crypto primitives).
import type { Core } from "../wasm.js";

/**
 * Copies `parts` into the scratch buffer at `base` (`size` bytes), 16-byte aligned; a number
 * is that many zeroed bytes (room for an output). Returns their addresses.
 */
export function writeScratch(core: Core, base: number, size: number, ...parts: (Uint8Array | number)[]): number[] {
  const mem = core.bytes();
  const out: number[] = [];
  let off = 0;
  for (const p of parts) {
    const len = typeof p === "number" ? p : p.length;
    if (off + len > size) throw new RangeError(`inputs exceed the core's ${size}-byte scratch buffer`);
    if (typeof p === "number") mem.fill(0, base + off, base + off + len);
    else mem.set(p, base + off);
    out.push(base + off);
    off = (off + len + 15) & ~15;
  }
  return out;
}

/** A growable allocation in the core's memory (alloc/free), reused across calls. */
export class ScratchArea {
  ptr = 0;
  size = 0;

  constructor(private readonly core: Core, private readonly minSize: number) {}

  /** Makes the area at least `size` bytes; true when it had to move (its old contents are gone). */
  reserve(size: number): boolean {
    if (this.size >= size) return false;
    const x = this.core.exports;
    if (this.ptr) x.free(this.ptr);
    const want = Math.max(size, this.minSize, this.size * 2);
    this.ptr = x.alloc(want);
    this.size = want;
    return true;
  }
}

const areas = new WeakMap<Core, Map<string, ScratchArea>>();

/** The growable area `user` (one per module of host/core/) keeps in `core`. */
export function scratchArea(core: Core, user: string, minSize: number): ScratchArea {
  let m = areas.get(core);
  if (!m) areas.set(core, (m = new Map()));
  let a = m.get(user);
  if (!a) m.set(user, (a = new ScratchArea(core, minSize)));
  return a;
}
