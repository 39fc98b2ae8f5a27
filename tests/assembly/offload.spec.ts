// The offload units inside the module: the fast checksum against the reference one
// (assembly/wire/checksum.ts) at every length and alignment, the virtio-net header's fields,
// and offload_rx / offload_tx doing nothing until configured. Segmentation and coalescing
// byte for byte against scapy: tests/interop/offload.test.ts.
import { csum_add_span, csum_fold } from "../../assembly/offload/csum";
import { sum_bytes } from "../../assembly/wire/checksum";
import {
  vnet_emit_plain, vnet_emit_tcp6, vnet_flags, vnet_gso_type, vnet_gso_size, vnet_csum_start, vnet_csum_offset,
  VNET_F_NEEDS_CSUM, VNET_GSO_TCPV6, VNET_GSO_ECN,
} from "../../assembly/offload/vnet";
import { offload_rx, offload_tx } from "../../assembly/offload/exports";
import { offload_set } from "../../assembly/offload/config";
import { desc_at, slot_at, BATCH_HEADROOM, VERDICT_SEND } from "../../assembly/batch/slots";

function fold(acc: u64): u32 {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return <u32>acc;
}

describe("offload checksum", () => {
  it("equals the reference sum at every length 0..300 and every alignment 0..7", () => {
    const buf = heap.alloc(320);
    let x: u32 = 0x12345678;
    for (let i = 0; i < 320; i++) { x = x * 1103515245 + 12345; store<u8>(buf + i, <u8>(x >> 16)); }
    let bad = 0;
    for (let a = 0; a < 8; a++) {
      for (let n: u32 = 0; n <= 300; n++) {
        if (csum_fold(csum_add_span(0, buf + a, n)) != fold(sum_bytes(0, buf + a, n))) bad++;
      }
    }
    expect(bad).toBe(0);
    heap.free(buf);
  });
  it("adds to a running sum like the reference", () => {
    const buf = heap.alloc(64);
    memory.fill(buf, 0xff, 64);
    expect(csum_fold(csum_add_span(0xfffe, buf, 64))).toBe(fold(sum_bytes(0xfffe, buf, 64)));
    heap.free(buf);
  });
});

describe("virtio-net header", () => {
  it("writes and reads a TSO header (native little-endian fields)", () => {
    const h = heap.alloc(10);
    vnet_emit_tcp6(h, 72, 1428, 40, true);
    expect(vnet_flags(h)).toBe(VNET_F_NEEDS_CSUM);
    expect(vnet_gso_type(h)).toBe(VNET_GSO_TCPV6 | VNET_GSO_ECN);
    expect(load<u16>(h, 2)).toBe(72);
    expect(load<u8>(h, 4)).toBe(<u8>(1428 & 0xff)); // little-endian on the wire of the ABI
    expect(vnet_gso_size(h)).toBe(1428);
    expect(vnet_csum_start(h)).toBe(40);
    expect(vnet_csum_offset(h)).toBe(16);
    vnet_emit_plain(h);
    let z: u32 = 0;
    for (let i = 0; i < 10; i++) z |= load<u8>(h + i);
    expect(z).toBe(0);
    heap.free(h);
  });
});

describe("offload passes off", () => {
  it("leave the batch alone until configured, and refuse a segment size outside 1280..slot", () => {
    store<u32>(desc_at(0), 100);
    store<u32>(desc_at(0), BATCH_HEADROOM, 4);
    store<u32>(desc_at(0), VERDICT_SEND, 8);
    store<u8>(slot_at(0) + BATCH_HEADROOM - 10, 4); // a GSO type that would be acted on
    expect(offload_rx(1)).toBe(1);
    offload_tx(1);
    expect(load<u32>(desc_at(0))).toBe(100);
    expect(load<u32>(desc_at(0), 4)).toBe(BATCH_HEADROOM);
    expect(offload_set(1, 1279, 1)).toBe(1);
    expect(offload_set(1, 5000, 1)).toBe(1);
    expect(offload_rx(1)).toBe(1);
    expect(load<u32>(desc_at(0))).toBe(100);
  });
});
