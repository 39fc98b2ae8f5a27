// Signalling impairment without netem (this kernel has neither netem nor tc's gact): the spec
// (`drop=0.3,dup=0.05,reorder=0.1,seed=7`) and the seeded decision for each signalling frame.
// Each frame draws one number from a seeded xorshift32 source: below `drop` it is dropped, then
// below drop+dup it is sent twice, then below drop+dup+reorder it is held back and sent after the
// next frame of the same direction (or after REORDER_HOLD_MS when none comes). Same seed and same
// frame order give the same decisions. The wire that applies them is impair-wire.ts.
import { InputError } from "../errors.js";

export interface ImpairSpec { drop: number; dup: number; reorder: number; seed: number }

export const REORDER_HOLD_MS = 50;

/** Parses `key=value,...` (keys drop, dup, reorder: fractions 0..1 summing to at most 1; seed: 1..2^32-1). */
export function parseImpair(text: string): ImpairSpec {
  const spec: ImpairSpec = { drop: 0, dup: 0, reorder: 0, seed: 1 };
  for (const part of text.split(",")) {
    const m = /^(drop|dup|reorder|seed)=([0-9.]+)$/.exec(part.trim());
    if (!m) throw new InputError(`--impair: ${JSON.stringify(part)} is not drop=F, dup=F, reorder=F or seed=N`);
    const v = Number(m[2]);
    if (m[1] === "seed") {
      if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new InputError(`--impair: seed must be an integer 1..4294967295, not ${m[2]}`);
      spec.seed = v;
    } else {
      if (!(v >= 0 && v <= 1)) throw new InputError(`--impair: ${m[1]} must be a fraction 0..1, not ${m[2]}`);
      spec[m[1] as "drop" | "dup" | "reorder"] = v;
    }
  }
  if (spec.drop + spec.dup + spec.reorder > 1) throw new InputError("--impair: drop + dup + reorder must be at most 1");
  return spec;
}

export const formatImpair = (s: ImpairSpec) => `drop=${s.drop},dup=${s.dup},reorder=${s.reorder},seed=${s.seed}`;

export type Verdict = "pass" | "drop" | "dup" | "hold";

export class ImpairDecider {
  private s: number;
  readonly counts: Record<Verdict, number> = { pass: 0, drop: 0, dup: 0, hold: 0 };
  constructor(readonly spec: ImpairSpec) { this.s = spec.seed >>> 0 || 1; }

  private next(): number {
    let s = this.s;
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    this.s = s;
    return s / 0x1_0000_0000;
  }

  /** The verdict for the next signalling frame. */
  decide(): Verdict {
    const r = this.next();
    const { drop, dup, reorder } = this.spec;
    const v: Verdict = r < drop ? "drop" : r < drop + dup ? "dup" : r < drop + dup + reorder ? "hold" : "pass";
    this.counts[v]++;
    return v;
  }
}
