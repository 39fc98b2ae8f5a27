import { hmac_sha1, HmacSha1 } from "../../assembly/cga/hmac";
import { ct_equal, ct_is_zero } from "../../assembly/cga/ct";
import { hex, ascii } from "./bytes";

function filled(v: u8, n: usize): usize {
  const p = heap.alloc(n);
  memory.fill(p, v, n);
  return p;
}

const out = heap.alloc(20);

describe("hmac-sha1 RFC 2202", () => {
  it("case 1", () => {
    hmac_sha1(filled(0x0b, 20), 20, ascii("Hi There"), 8, out);
    expect(hex(out, 20)).toBe("b617318655057264e28bc0b6fb378c8ef146be00");
  });
  it("case 2", () => {
    hmac_sha1(ascii("Jefe"), 4, ascii("what do ya want for nothing?"), 28, out);
    expect(hex(out, 20)).toBe("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  });
  it("case 3", () => {
    hmac_sha1(filled(0xaa, 20), 20, filled(0xdd, 50), 50, out);
    expect(hex(out, 20)).toBe("125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  });
  it("case 4", () => {
    const k = heap.alloc(25);
    for (let i = 0; i < 25; i++) store<u8>(k + i, <u8>(i + 1));
    hmac_sha1(k, 25, filled(0xcd, 50), 50, out);
    expect(hex(out, 20)).toBe("4c9007f4026250c6bc8414f9bf50c86c2d7235da");
  });
  it("case 5", () => {
    hmac_sha1(filled(0x0c, 20), 20, ascii("Test With Truncation"), 20, out);
    expect(hex(out, 20)).toBe("4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
  });
  it("case 6 (80-byte key is hashed first)", () => {
    hmac_sha1(filled(0xaa, 80), 80, ascii("Test Using Larger Than Block-Size Key - Hash Key First"), 54, out);
    expect(hex(out, 20)).toBe("aa4ae5e15272d00e95705637ce8a3b55ed402112");
  });
  it("case 7", () => {
    hmac_sha1(filled(0xaa, 80), 80, ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), 73, out);
    expect(hex(out, 20)).toBe("e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
  });
});

describe("hmac-sha1 streaming", () => {
  it("reuses the key for several messages and matches the one-shot form", () => {
    const h = new HmacSha1();
    const k = ascii("Jefe");
    const m = ascii("what do ya want for nothing?");
    h.start(k, 4);
    for (let round = 0; round < 3; round++) {
      h.update(m, 10);
      h.update(m + 10, 18);
      h.final(out);
      expect(hex(out, 20)).toBe("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }
  });
  it("a 64-byte key is used as is, a 65-byte key is hashed", () => {
    const a = heap.alloc(20), b = heap.alloc(20);
    const m = ascii("x");
    hmac_sha1(filled(0x11, 64), 64, m, 1, a);
    hmac_sha1(filled(0x11, 65), 65, m, 1, b);
    expect(hex(a, 20)).not.toBe(hex(b, 20));
  });
});

describe("constant-time compare", () => {
  it("equal and unequal at every position", () => {
    const a = heap.alloc(37), b = heap.alloc(37);
    for (let i = 0; i < 37; i++) { store<u8>(a + i, <u8>i); store<u8>(b + i, <u8>i); }
    expect(ct_equal(a, b, 37)).toBe(true);
    expect(ct_equal(a, b, 0)).toBe(true);
    for (let i = 0; i < 37; i++) {
      for (let bit = 0; bit < 8; bit++) {
        store<u8>(b + i, <u8>(<u32>load<u8>(b + i) ^ (<u32>1 << bit)));
        expect(ct_equal(a, b, 37)).toBe(false);
        store<u8>(b + i, <u8>(<u32>load<u8>(b + i) ^ (<u32>1 << bit)));
      }
    }
    expect(ct_is_zero(filled(0, 9), 9)).toBe(true);
    const z = filled(0, 9);
    store<u8>(z + 8, 0x80);
    expect(ct_is_zero(z, 9)).toBe(false);
  });
});
