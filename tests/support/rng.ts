// A seeded random source for fuzz tests: runs reproduce from the seed they print.

/** xorshift32: fast, deterministic, good enough to pick mutations. */
export function rng(seed: number) {
  let s = seed || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
  return { next, below: (n: number) => next() % n, chance: (p: number) => next() / 0x1_0000_0000 < p };
}
