// Staging a header for the check-gate specs: its first `n` bytes at the start of a scratch
// buffer, followed by bytes of one `fill` value. A view that reads past its gate sees the fill,
// so the same header staged with two fills must give the same answers.

const STAGE_MAX: u32 = 4096;
const FILL_A: usize = heap.alloc(STAGE_MAX);
const FILL_B: usize = heap.alloc(STAGE_MAX);
/** The two fills: bytes every field is unlikely to hold, and their complement. */
export const FILLS: u8[] = [0x00, 0xff];

/** `n` bytes from `src`, then the fill, in scratch buffer `which` (0 or 1). */
export function stage(src: usize, n: u32, which: i32): usize {
  const p = which == 0 ? FILL_A : FILL_B;
  memory.fill(p, FILLS[which], STAGE_MAX);
  memory.copy(p, src, n);
  return p;
}

/** Whether the `n` bytes at `a` and `b` are the same. */
export function same(a: usize, b: usize, n: u32): bool {
  return memory.compare(a, b, n) == 0;
}

/** An FNV-1a step over a u64, to fold everything accessors return into one value. */
export function mix(h: u64, v: u64): u64 {
  for (let i = 0; i < 8; i++) {
    h = (h ^ ((v >> (<u64>i * 8)) & 0xff)) * 0x100000001b3;
  }
  return h;
}

/** mix() of the 16 bytes at `a` (0: none). */
export function mix_addr(h: u64, a: usize): u64 {
  if (a == 0) return mix(h, 0xdead);
  return mix(mix(h, load<u64>(a)), load<u64>(a, 8));
}

export const FNV_START: u64 = 0xcbf29ce484222325;
