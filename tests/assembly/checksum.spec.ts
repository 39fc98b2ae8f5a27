import { upper_layer_checksum, sum_bytes, fold_complement } from "../../assembly/wire/checksum";
import { store16_be, load16_be } from "../../assembly/wire/bytes";

describe("internet checksum", () => {
  it("matches the RFC 1071 worked example", () => {
    const p = heap.alloc(8);
    store16_be(p, 0x0001); store16_be(p + 2, 0xf203); store16_be(p + 4, 0xf4f5); store16_be(p + 6, 0xf6f7);
    expect(fold_complement(sum_bytes(0, p, 8))).toBe(<u32>(~0xddf2 & 0xffff));
    heap.free(p);
  });
  it("pads an odd trailing byte with zero", () => {
    const p = heap.alloc(3);
    store16_be(p, 0x1234); store<u8>(p + 2, 0x56);
    expect(fold_complement(sum_bytes(0, p, 3))).toBe(<u32>(~(0x1234 + 0x5600) & 0xffff));
    expect(load16_be(p)).toBe(0x1234);
    heap.free(p);
  });
  it("gives zero when the checksum is included", () => {
    const src = heap.alloc(48);
    memory.fill(src, 0, 48);
    store<u8>(src + 15, 1); store<u8>(src + 31, 2);
    const mh = src + 32;
    store16_be(mh, 0x3b00); store16_be(mh + 2, 0x0100);
    const c = upper_layer_checksum(src, src + 16, 135, mh, 16);
    store16_be(mh + 4, c);
    expect(upper_layer_checksum(src, src + 16, 135, mh, 16)).toBe(0);
    heap.free(src);
  });
});
