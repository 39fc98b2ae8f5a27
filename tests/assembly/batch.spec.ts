// The DAR dispatch through the batch memory: verdicts, reasons and output offsets.
import { bc_init_keyed, bc_update } from "../../assembly/dar/binding-cache";
import { dar_configure, dar_config_record, DAR_CONFIG_SIZE, CFG_OK, CFG_BAD_TUNNEL_MTU, CFG_BAD_PREFIX, CFG_BAD_ANCHOR } from "../../assembly/dar/config";
import { dar_batch } from "../../assembly/dar/engine";
import { slot_at, desc_at, BATCH_HEADROOM } from "../../assembly/batch/slots";
import {
  C_MALFORMED, C_UNBOUND, C_NOT_FOR_US, C_SPOOFED, C_TUNNEL_UNBOUND, C_MOBILITY_CONTROL, C_ANCHOR_OTHER, C_MH_MALFORMED, ctr_get,
} from "../../assembly/dar/counters";
import { store16_be, addr_eq } from "../../assembly/wire/bytes";

const hoa = memory.data(16, 16);
const coa = memory.data(16, 16);

function addr(p: usize, a: u32, last: u32): void {
  memory.fill(p, 0, 16);
  store16_be(p, 0x2001); store16_be(p + 2, 0x0db8); store16_be(p + 4, a); store16_be(p + 6, a == 0x100 ? 1 : 0);
  store16_be(p + 14, last);
}
/** Slot i: IPv6 packet src (a, s) -> dst (b, d), `len` bytes. */
function put(i: u32, len: u32, nh: u32, hop: u32, sa: u32, s: u32, da: u32, d: u32): usize {
  const p = slot_at(i) + BATCH_HEADROOM;
  memory.fill(p, 0, len);
  store<u8>(p, 0x60); store16_be(p + 4, len - 40); store<u8>(p + 6, <u8>nh); store<u8>(p + 7, <u8>hop);
  addr(p + 8, sa, s); addr(p + 24, da, d);
  store<u32>(desc_at(i), len);
  return p;
}
function configure(mtu: u32, prefixLen: u32): i32 {
  const r = dar_config_record();
  memory.fill(r, 0, DAR_CONFIG_SIZE);
  addr(r, 0x100, 1); store16_be(r + 6, 0xff); // anchor 2001:db8:100:ff::1
  store<u32>(r, 1, 16); store<u32>(r, 0, 20); store<u32>(r, 86400, 24); store<u32>(r, 0, 28);
  store<u32>(r, mtu, 32); store<u32>(r, 64, 36);
  addr(r + 48, 0x100, 0); store<u32>(r + 48, prefixLen, 16); // 2001:db8:100:1::/64
  // cga budget 2000/s, 4 a call, no queue (inline); admission open, 64 sightings, 3600 s, probation 60 s, 16
  store<u32>(r, 2000, 432); store<u32>(r, 4, 436); store<u32>(r, 0, 440); store<u32>(r, 0, 444);
  store<u32>(r, 64, 448); store<u32>(r, 3600, 452); store<u32>(r, 60, 456); store<u32>(r, 16, 460);
  return dar_configure(r);
}
@inline function verdict(i: u32): u32 { return load<u32>(desc_at(i), 8); }
@inline function reason(i: u32): u32 { return load<u32>(desc_at(i), 12); }
@inline function offset(i: u32): u32 { return load<u32>(desc_at(i), 4); }
@inline function outLen(i: u32): u32 { return load<u32>(desc_at(i)); }

describe("batch dispatch", () => {
  it("checks the configuration record", () => {
    expect(bc_init_keyed(64, 1, 2)).toBe(0); // same capacity as configure(): no random_get needed
    expect(configure(1279, 64)).toBe(CFG_BAD_TUNNEL_MTU);
    expect(configure(1460, 129)).toBe(CFG_BAD_PREFIX);
    expect(configure(1460, 48)).toBe(CFG_BAD_PREFIX); // bits set past /48
    const r = dar_config_record();
    expect(configure(1460, 64)).toBe(CFG_OK);
    store<u8>(r, 0xff);
    expect(dar_configure(r)).toBe(CFG_BAD_ANCHOR);
  });

  it("gives each slot its verdict, reason and output offset", () => {
    expect(configure(1460, 64)).toBe(CFG_OK);
    addr(hoa, 0x100, 0x1561); addr(coa, 0x200, 0x2d5f);
    expect(bc_update(hoa, coa, 1, 100, 0, 0)).toBe(1);
    put(0, 100, 17, 60, 0x999, 0x53, 0x100, 0x1561);          // encap
    put(1, 100, 17, 60, 0x999, 0x53, 0x100, 0x1562);          // unbound in prefix
    put(2, 100, 17, 60, 0x999, 0x53, 0x300, 0x1);             // not for us
    const t = put(3, 100, 41, 64, 0x200, 0x2d5f, 0x100, 1);   // decap
    store16_be(t + 30, 0xff);                                 // dst = anchor
    store<u8>(t + 40, 0x60); store16_be(t + 44, 20); store<u8>(t + 46, 17); store<u8>(t + 47, 9);
    addr(t + 48, 0x100, 0x1561); addr(t + 64, 0x999, 0x53);
    const s = put(4, 100, 41, 64, 0x200, 0x2d5e, 0x100, 1);   // spoofed
    store16_be(s + 30, 0xff);
    memory.copy(s + 40, t + 40, 60);
    put(5, 30, 17, 60, 0, 0, 0, 0);                           // too short
    const m = put(6, 100, 135, 64, 0x200, 0x2d5f, 0x100, 1);  // MH to the anchor
    store16_be(m + 30, 0xff);
    const x = put(7, 100, 6, 64, 0x200, 0x2d5f, 0x100, 1);    // TCP to the anchor
    store16_be(x + 30, 0xff);
    const y = put(8, 100, 17, 60, 0x999, 0x53, 0x100, 0x1561);
    store16_be(y + 4, 61);                                    // payload length disagrees
    const u = put(9, 100, 41, 64, 0x200, 0x2d5f, 0x100, 1);   // inner source not bound
    store16_be(u + 30, 0xff);
    memory.copy(u + 40, t + 40, 60);
    store<u8>(u + 63, 0x99);
    expect(dar_batch(10, 1000)).toBe(2);
    expect(verdict(0)).toBe(1);
    expect(offset(0)).toBe(BATCH_HEADROOM - 40);
    expect(outLen(0)).toBe(140);
    expect(addr_eq(slot_at(0) + 88 + 24, coa)).toBe(true);
    expect(load<u8>(slot_at(0) + 128 + 7)).toBe(59);
    expect(verdict(1)).toBe(0); expect(reason(1)).toBe(C_UNBOUND);
    expect(reason(2)).toBe(C_NOT_FOR_US);
    expect(verdict(3)).toBe(1);
    expect(offset(3)).toBe(BATCH_HEADROOM + 40);
    expect(outLen(3)).toBe(60);
    expect(load<u8>(slot_at(3) + 168 + 7)).toBe(8);
    expect(reason(4)).toBe(C_SPOOFED);
    expect(reason(5)).toBe(C_MALFORMED);
    // handed to dar_control, which counts it under a reason of its own
    expect(ctr_get(C_MOBILITY_CONTROL)).toBe(1);
    expect(verdict(6)).toBe(0);
    expect(reason(6)).toBe(C_MH_MALFORMED);
    expect(reason(7)).toBe(C_ANCHOR_OTHER);
    expect(reason(8)).toBe(C_MALFORMED);
    expect(reason(9)).toBe(C_TUNNEL_UNBOUND);
  });

  it("Time Exceeded and Packet Too Big come out of the same slot in front of the packet", () => {
    put(0, 60, 17, 1, 0x999, 0x53, 0x100, 0x1561);
    put(1, 1500, 17, 60, 0x999, 0x53, 0x100, 0x1561);
    put(2, 1460, 17, 60, 0x999, 0x53, 0x100, 0x1561);
    put(3, 4000, 17, 60, 0x999, 0x53, 0x100, 0x1561);         // longer than a slot allows
    store<u32>(desc_at(3), 4000);
    expect(dar_batch(4, 5000)).toBe(3);
    expect(offset(0)).toBe(BATCH_HEADROOM - 48);
    expect(outLen(0)).toBe(108);
    expect(load<u8>(slot_at(0) + 80 + 40)).toBe(3);
    expect(offset(1)).toBe(BATCH_HEADROOM - 48);
    expect(outLen(1)).toBe(1280);
    expect(load<u8>(slot_at(1) + 80 + 40)).toBe(2);
    expect(offset(2)).toBe(BATCH_HEADROOM - 40);
    expect(outLen(2)).toBe(1500);
    expect(reason(3)).toBe(C_MALFORMED);
  });
});
