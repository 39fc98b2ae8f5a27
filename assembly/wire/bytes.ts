// Big-endian loads and stores: the only place that reads or writes raw wire
// integers. Every other file goes through these helpers (DESIGN.md habit 4).

@inline export function load8(p: usize): u32 {
  return <u32>load<u8>(p);
}

@inline export function load16_be(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

@inline export function load32_be(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline export function load64_be(p: usize): u64 {
  return bswap<u64>(load<u64>(p));
}

@inline export function store8(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
}

@inline export function store16_be(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

@inline export function store32_be(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

@inline export function store64_be(p: usize, v: u64): void {
  store<u64>(p, bswap<u64>(v));
}

/** Copies a 128-bit address. */
@inline export function copy_addr(dst: usize, src: usize): void {
  v128.store(dst, v128.load(src));
}

/** Whether two 128-bit addresses are equal. */
@inline export function addr_eq(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8);
}
