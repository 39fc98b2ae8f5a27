// Tunnel and ICMPv6 builders byte for byte (PROTOCOL.md §2.5, RFC 2473, RFC 4443).
import { tunnel_encapsulate, tunnel_flow_label } from "../../assembly/batch/tunnel";
import { icmp_build_error, icmp_echo_reply, icmp_error_allowed, icmp_rate_take, icmp_rate_reset } from "../../assembly/dar/icmp";
import { upper_layer_checksum } from "../../assembly/wire/checksum";
import { load16_be, load32_be, store16_be, addr_eq } from "../../assembly/wire/bytes";

const buf = heap.alloc(4096);
const pkt = buf + 128;
const anchor = memory.data(16, 16);
const coa = memory.data(16, 16);

function addr(p: usize, a: u32, last: u32): void {
  memory.fill(p, 0, 16);
  store16_be(p, 0x2001); store16_be(p + 2, 0x0db8); store16_be(p + 4, a); store16_be(p + 14, last);
}
function packet(len: u32, nh: u32, hop: u32): void {
  memory.fill(buf, 0xee, 4096);
  store<u8>(pkt, 0x6b); store<u8>(pkt + 1, 0x8a); store16_be(pkt + 2, 0xbcde); // tc 0xb8, flow 0xabcde
  store16_be(pkt + 4, len - 40); store<u8>(pkt + 6, <u8>nh); store<u8>(pkt + 7, <u8>hop);
  addr(pkt + 8, 0x999, 0x53); addr(pkt + 24, 0x100, 0x1561);
  for (let i: u32 = 40; i < len; i++) store<u8>(pkt + i, <u8>(i * 7));
}

describe("encapsulation", () => {
  it("writes the outer header in the 40 bytes in front, leaving the inner packet alone", () => {
    addr(anchor, 0x100, 1); addr(coa, 0x200, 0x2d5f);
    packet(100, 17, 59);
    const before = heap.alloc(100);
    memory.copy(before, pkt, 100);
    const n = tunnel_encapsulate(pkt, 100, anchor, coa);
    expect(n).toBe(140);
    const out = pkt - 40;
    expect(load32_be(out) >> 28).toBe(6);
    expect((load32_be(out) >> 20) & 0xff).toBe(0xb8);
    const fl = load32_be(out) & 0xfffff;
    expect(fl).toBe(tunnel_flow_label(pkt));
    expect(fl).not.toBe(0);
    expect(load16_be(out + 4)).toBe(100);
    expect(load<u8>(out + 6)).toBe(41);
    expect(load<u8>(out + 7)).toBe(64);
    expect(addr_eq(out + 8, anchor)).toBe(true);
    expect(addr_eq(out + 24, coa)).toBe(true);
    expect(memory.compare(before, pkt, 100)).toBe(0);
    expect(load<u8>(out - 1)).toBe(0xee); // nothing written before the outer header
  });
  it("labels flows by src, dst, flow label and next header", () => {
    packet(100, 17, 59);
    const a = tunnel_flow_label(pkt);
    store<u8>(pkt + 6, 6);
    const b = tunnel_flow_label(pkt);
    store<u8>(pkt + 6, 17);
    store<u8>(pkt + 39, 0x62);
    const c = tunnel_flow_label(pkt);
    expect(a).not.toBe(b);
    expect(a).not.toBe(c);
    store<u8>(pkt + 39, 0x61);
    expect(tunnel_flow_label(pkt)).toBe(a);
  });
});

describe("ICMPv6 errors", () => {
  it("Time Exceeded: header, source anchor, destination the packet's source, checksum", () => {
    addr(anchor, 0x100, 1);
    packet(200, 17, 1);
    const n = icmp_build_error(pkt, 200, 3, 0, 0, anchor);
    expect(n).toBe(248);
    const out = pkt - 48;
    expect(load32_be(out)).toBe(0x60000000);
    expect(load16_be(out + 4)).toBe(208);
    expect(load<u8>(out + 6)).toBe(58);
    expect(load<u8>(out + 7)).toBe(64);
    expect(addr_eq(out + 8, anchor)).toBe(true);
    expect(addr_eq(out + 24, pkt + 8)).toBe(true);
    expect(load<u8>(out + 40)).toBe(3);
    expect(load<u8>(out + 41)).toBe(0);
    expect(load32_be(out + 44)).toBe(0);
    expect(upper_layer_checksum(out + 8, out + 24, 58, out + 40, 208)).toBe(0);
  });
  it("Packet Too Big carries the MTU and is cut to 1280 bytes", () => {
    packet(1500, 17, 60);
    const n = icmp_build_error(pkt, 1500, 2, 0, 1460, anchor);
    expect(n).toBe(1280);
    const out = pkt - 48;
    expect(load16_be(out + 4)).toBe(1240);
    expect(load<u8>(out + 40)).toBe(2);
    expect(load32_be(out + 44)).toBe(1460);
    expect(upper_layer_checksum(out + 8, out + 24, 58, out + 40, 1240)).toBe(0);
  });
  it("is not sent about ICMPv6 errors, unspecified or multicast sources", () => {
    packet(80, 58, 1);
    store<u8>(pkt + 40, 1);
    expect(icmp_error_allowed(pkt, 80, 3)).toBe(false);
    store<u8>(pkt + 40, 128);
    expect(icmp_error_allowed(pkt, 80, 3)).toBe(true);
    // behind a Destination Options header
    packet(88, 60, 1);
    store<u8>(pkt + 40, 58); store<u8>(pkt + 41, 0); store<u8>(pkt + 48, 2);
    expect(icmp_error_allowed(pkt, 88, 3)).toBe(false);
    packet(80, 17, 1);
    memory.fill(pkt + 8, 0, 16);
    expect(icmp_error_allowed(pkt, 80, 3)).toBe(false);
    store<u8>(pkt + 8, 0xff);
    expect(icmp_error_allowed(pkt, 80, 3)).toBe(false);
    packet(80, 17, 1);
    store<u8>(pkt + 24, 0xff);
    expect(icmp_error_allowed(pkt, 80, 3)).toBe(false);
    expect(icmp_error_allowed(pkt, 80, 2)).toBe(true);
  });
  it("rate limit: 10 at once, then one per 100 ms", () => {
    icmp_rate_reset();
    let n = 0;
    for (let i = 0; i < 30; i++) if (icmp_rate_take(1000)) n++;
    expect(n).toBe(10);
    expect(icmp_rate_take(1099)).toBe(false);
    expect(icmp_rate_take(1100)).toBe(true);
    expect(icmp_rate_take(1150)).toBe(false);
    n = 0;
    for (let i = 0; i < 30; i++) if (icmp_rate_take(100000)) n++;
    expect(n).toBe(10);
  });
});

describe("echo reply", () => {
  it("answers a valid request from the anchor, in place", () => {
    addr(anchor, 0x100, 1);
    packet(64, 58, 64);
    store<u8>(pkt + 40, 128); store<u8>(pkt + 41, 0); store16_be(pkt + 42, 0);
    store16_be(pkt + 42, upper_layer_checksum(pkt + 8, pkt + 24, 58, pkt + 40, 24));
    const src = heap.alloc(16);
    memory.copy(src, pkt + 8, 16);
    const n = icmp_echo_reply(pkt, 64, 40, anchor);
    expect(n).toBe(64);
    expect(load<u8>(pkt + 40)).toBe(129);
    expect(addr_eq(pkt + 8, anchor)).toBe(true);
    expect(addr_eq(pkt + 24, src)).toBe(true);
    expect(load<u8>(pkt + 7)).toBe(64);
    expect(upper_layer_checksum(pkt + 8, pkt + 24, 58, pkt + 40, 24)).toBe(0);
  });
  it("refuses a bad checksum or a non-zero code", () => {
    packet(64, 58, 64);
    store<u8>(pkt + 40, 128); store<u8>(pkt + 41, 0); store16_be(pkt + 42, 0);
    store16_be(pkt + 42, upper_layer_checksum(pkt + 8, pkt + 24, 58, pkt + 40, 24) ^ 1);
    expect(icmp_echo_reply(pkt, 64, 40, anchor)).toBe(0);
    store<u8>(pkt + 41, 1);
    expect(icmp_echo_reply(pkt, 64, 40, anchor)).toBe(0);
    expect(icmp_echo_reply(pkt, 44, 40, anchor)).toBe(0);
  });
});
