// Byte helpers for the specs: hex and ASCII into fresh allocations, hex out of memory.

/** The bytes of `s` (hex) in a new allocation, with 16 spare bytes after them. */
export function unhex(s: string): usize {
  const n = s.length >> 1;
  const p = heap.alloc(n + 16);
  for (let i = 0; i < n; i++) store<u8>(p + i, <u8>I32.parseInt(s.substr(i * 2, 2), 16));
  return p;
}

/** Lowercase hex of the `n` bytes at `p`. */
export function hex(p: usize, n: usize): string {
  let s = "";
  for (let i: usize = 0; i < n; i++) {
    const b = load<u8>(p + i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** The characters of `s` (ASCII) in a new allocation. */
export function ascii(s: string): usize {
  const p = heap.alloc(s.length + 1);
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  return p;
}
