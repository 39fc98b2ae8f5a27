// The one way inputs reach the core by pointer: byte strings laid out, 16-byte aligned, in a
// scratch buffer the core exports (the MN's mn_scratch, the DAR's dar_records_scratch, ...).
// Setup-time calls only; never per packet.
import type { Core } from "../wasm.js";

/** Copies `parts` into the scratch buffer at `base` (`size` bytes); returns their addresses. */
export function writeScratch(core: Core, base: number, size: number, ...parts: Uint8Array[]): number[] {
  const mem = core.bytes();
  const out: number[] = [];
  let off = 0;
  for (const p of parts) {
    if (off + p.length > size) throw new RangeError(`inputs of ${parts.reduce((n, q) => n + q.length, 0)} bytes exceed the ${size}-byte scratch buffer`);
    mem.set(p, base + off);
    out.push(base + off);
    off = (off + p.length + 15) & ~15;
  }
  return out;
}
