// Constant-time comparison of secrets (tokens, authenticators, encoded messages).
// The running time depends on len only, never on where the bytes differ.

/** Whether len bytes at a and b are equal, in time independent of their content. */
export function ct_equal(a: usize, b: usize, len: usize): bool {
  let acc: u64 = 0;
  let i: usize = 0;
  const n8 = len & ~(<usize>7);
  for (; i < n8; i += 8) acc |= load<u64>(a + i) ^ load<u64>(b + i);
  for (; i < len; i++) acc |= <u64>(load<u8>(a + i) ^ load<u8>(b + i));
  // fold to one bit without a data-dependent branch
  const lo = <u32>acc | <u32>(acc >>> 32);
  return <bool>(((lo | (0 - lo)) >>> 31) ^ 1);
}

/** 1 when len bytes at a are all zero, 0 otherwise; constant time. */
export function ct_is_zero(a: usize, len: usize): bool {
  let acc: u32 = 0;
  for (let i: usize = 0; i < len; i++) acc |= <u32>load<u8>(a + i);
  return <bool>(((acc | (0 - acc)) >>> 31) ^ 1);
}
