import { random_fill } from "../../assembly/random";

describe("random_fill", () => {
  it("fills a buffer from WASI random_get", () => {
    const p = heap.alloc(32);
    memory.fill(p, 0, 32);
    expect(random_fill(p, 32)).toBe(true);
    // 32 random bytes are all zero with probability 2^-256.
    let any: u32 = 0;
    for (let i = 0; i < 32; i++) any |= load<u8>(p + i);
    expect(any).not.toBe(0);
    heap.free(p);
  });
});
