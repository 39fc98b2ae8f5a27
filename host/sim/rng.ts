// Seeded random streams for the simulator. Every random choice of a run (mobility, flows,
// modifiers, the core's random_get) comes from one of these, so a seed reproduces a run.

/** splitmix32: derives independent 32-bit seeds from one seed and a stream name. */
export function deriveSeed(seed: number, stream: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** xoshiro128**: a small, fast generator with a 128-bit state. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;

  constructor(seed: number) {
    this.a = deriveSeed(seed, "a") | 1;
    this.b = deriveSeed(seed, "b");
    this.c = deriveSeed(seed, "c");
    this.d = deriveSeed(seed, "d");
  }

  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  float(): number { return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53; }
  below(n: number): number { return Math.floor(this.float() * n); }
  chance(p: number): boolean { return this.float() < p; }
  exponential(mean: number): number { return -Math.log(1 - this.float()) * mean; }
  /** Lognormal with the given median and shape sigma (Box-Muller). */
  lognormal(median: number, sigma: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  fill(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      const x = this.u32();
      for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }
