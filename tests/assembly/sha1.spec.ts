import { sha1, sha1_init, sha1_compress, sha1_schedule, sha1_compress_wk, sha1_output, sha1x4_compress, sha1x4_compress_wk, Sha1, SHA1_LEN, SHA1_WK_LEN } from "../../assembly/cga/sha1";
import { hex, ascii } from "./bytes";



describe("sha1 one-shot", () => {
  it("hashes FIPS 180 'abc'", () => {
    const p = ascii("abc");
    const out = heap.alloc(20);
    sha1(p, 3, out);
    expect(hex(out, 20)).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });
  it("hashes the empty message", () => {
    const out = heap.alloc(20);
    sha1(0, 0, out);
    expect(hex(out, 20)).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });
  it("hashes the two-block FIPS message", () => {
    const m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const p = ascii(m);
    const out = heap.alloc(20);
    sha1(p, m.length, out);
    expect(hex(out, 20)).toBe("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  });
  it("hashes 55, 56, 63, 64 and 65 bytes of 'a' like the streaming form", () => {
    const p = heap.alloc(200);
    memory.fill(p, 0x61, 200);
    const a = heap.alloc(20), b = heap.alloc(20);
    const h = new Sha1();
    const lens: usize[] = [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129];
    for (let i = 0; i < lens.length; i++) {
      sha1(p, lens[i], a);
      h.update(p, lens[i]);
      h.final(b);
      expect(hex(a, 20)).toBe(hex(b, 20));
    }
    sha1(p, 64, a);
    expect(hex(a, 20)).toBe("0098ba824b5c16427bd7a1122a5a442a25ec644d");
  });
  it("exposes the digest length", () => {
    expect(SHA1_LEN).toBe(20);
  });
});

describe("sha1 streaming", () => {
  it("hashes a million 'a' in 1000-byte updates", () => {
    const p = heap.alloc(1000);
    memory.fill(p, 0x61, 1000);
    const h = new Sha1();
    for (let i = 0; i < 1000; i++) h.update(p, 1000);
    const out = heap.alloc(20);
    h.final(out);
    expect(hex(out, 20)).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  });
  it("matches the one-shot hash at every split point (and three-way splits)", () => {
    const n: usize = 300;
    const p = heap.alloc(n);
    for (let i: usize = 0; i < n; i++) store<u8>(p + i, <u8>(i * 7 + 3));
    const want = heap.alloc(20), got = heap.alloc(20);
    const h = new Sha1();
    for (let len: usize = 0; len <= 200; len += 37) {
      sha1(p, len, want);
      for (let s: usize = 0; s <= len; s++) {
        h.update(p, s);
        h.update(p + s, len - s);
        h.final(got);
        expect(hex(got, 20)).toBe(hex(want, 20));
      }
    }
    sha1(p, n, want);
    for (let s: usize = 0; s <= n; s++) {
      h.update(p, s);
      h.update(p + s, n - s);
      h.final(got);
      expect(hex(got, 20)).toBe(hex(want, 20));
      const t = (n - s) / 2;
      h.update(p, s);
      h.update(p + s, t);
      h.update(p + s + t, n - s - t);
      h.final(got);
      expect(hex(got, 20)).toBe(hex(want, 20));
    }
  });
  it("reset discards what was fed", () => {
    const p = ascii("abc");
    const h = new Sha1();
    h.update(p, 2);
    h.reset();
    h.update(p, 3);
    const out = heap.alloc(20);
    h.final(out);
    expect(hex(out, 20)).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });
});

describe("sha1 compression", () => {
  it("a precomputed schedule gives the same chaining value", () => {
    const blk = heap.alloc(64);
    for (let i = 0; i < 64; i++) store<u8>(blk + i, <u8>(i * 13 + 1));
    const s1 = heap.alloc(20), s2 = heap.alloc(20), wk = heap.alloc(SHA1_WK_LEN);
    sha1_init(s1); sha1_init(s2);
    sha1_compress(s1, blk);
    sha1_schedule(blk, wk);
    sha1_compress_wk(s2, wk);
    const o1 = heap.alloc(20), o2 = heap.alloc(20);
    sha1_output(s1, o1); sha1_output(s2, o2);
    expect(hex(o1, 20)).toBe(hex(o2, 20));
    // changing the block changes the result
    store<u8>(blk, load<u8>(blk) ^ 1);
    sha1_init(s2);
    sha1_compress(s2, blk);
    sha1_output(s2, o2);
    expect(hex(o1, 20)).not.toBe(hex(o2, 20));
  });
});

let rng: u32 = 0x9e3779b9;
function rnd(): u32 {
  rng ^= rng << 13; rng ^= rng >>> 17; rng ^= rng << 5;
  return rng;
}

describe("sha1 four lanes", () => {
  it("sha1x4_compress equals four scalar compressions (random states and blocks)", () => {
    const st4 = heap.alloc(80), w4 = heap.alloc(256), blk = heap.alloc(64), st = heap.alloc(20);
    for (let round = 0; round < 200; round++) {
      for (let i: usize = 0; i < 80; i += 4) store<u32>(st4 + i, rnd());
      for (let i: usize = 0; i < 256; i += 4) store<u32>(w4 + i, rnd());
      const want = heap.alloc(80);
      for (let lane: usize = 0; lane < 4; lane++) {
        for (let w: usize = 0; w < 5; w++) store<u32>(st + (w << 2), load<u32>(st4 + (w << 4) + (lane << 2)));
        // the scalar block is big-endian
        for (let t: usize = 0; t < 16; t++) store<u32>(blk + (t << 2), bswap<u32>(load<u32>(w4 + (t << 4) + (lane << 2))));
        sha1_compress(st, blk);
        for (let w: usize = 0; w < 5; w++) store<u32>(want + (w << 4) + (lane << 2), load<u32>(st + (w << 2)));
      }
      sha1x4_compress(st4, w4);
      expect(hex(st4, 80)).toBe(hex(want, 80));
      heap.free(want);
    }
  });
  it("sha1x4_compress_wk equals four scalar schedule-free compressions of the same block", () => {
    const st4 = heap.alloc(80), blk = heap.alloc(64), st = heap.alloc(20), wk = heap.alloc(SHA1_WK_LEN);
    const want = heap.alloc(80);
    for (let round = 0; round < 200; round++) {
      for (let i: usize = 0; i < 80; i += 4) store<u32>(st4 + i, rnd());
      for (let i: usize = 0; i < 64; i += 4) store<u32>(blk + i, rnd());
      sha1_schedule(blk, wk);
      for (let lane: usize = 0; lane < 4; lane++) {
        for (let w: usize = 0; w < 5; w++) store<u32>(st + (w << 2), load<u32>(st4 + (w << 4) + (lane << 2)));
        sha1_compress_wk(st, wk);
        for (let w: usize = 0; w < 5; w++) store<u32>(want + (w << 4) + (lane << 2), load<u32>(st + (w << 2)));
      }
      sha1x4_compress_wk(st4, wk);
      expect(hex(st4, 80)).toBe(hex(want, 80));
    }
  });
});
