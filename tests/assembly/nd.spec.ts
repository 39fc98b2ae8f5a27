// Router discovery (assembly/nd/, assembly/mn/attachment.ts): the RA parse byte by byte, one
// negative test per malformed case, the RS builder, and the MN's attachment decisions (a new DAR,
// the same DAR again, a DAR visited before, a plain router, no usable prefix, lifetimes running out).
import * as E from "../../assembly/nd/errors";
import * as RA from "../../assembly/nd/router-advert";
import * as RS from "../../assembly/nd/router-solicit";
import * as AT from "../../assembly/mn/attachment";
import { unhex, hex } from "./bytes";

const LL1 = "fe800000000000000000000000000001";
const LL2 = "fe800000000000000000000000000002";
const GLOBAL = "20010db8000100000000000000000001";

// RA header: hop limit 64, flags H (0x20), router lifetime 1800, reachable 0, retrans 0.
function raHeader(flags: string, lifetime: string): string {
  return "8600" + "0000" + "40" + flags + lifetime + "00000000" + "00000000";
}
// PIO: prefix length, flags, valid, preferred, prefix.
function pio(plen: string, flags: string, valid: string, preferred: string, prefix: string): string {
  return "0304" + plen + flags + valid + preferred + "00000000" + prefix;
}
const P1 = "20010db8000100000000000000000000";
const A1 = "20010db8000100000000000000000001";
const P2 = "20010db8000200000000000000000000";
const A2 = "20010db8000200000000000000000001";
const SLLA = "0101" + "020000000001";
const MTU = "05010000000005dc";
const ADVINT = "0701000000000fa0";
const HAINFO = "08010000" + "fffe" + "0708";
const UNKNOWN = "fe01" + "aabbccddeeff";

/** A DAR's RA as radvd sends it: H, PIO L|A for P with R and the anchor in the same option. */
function darRa(prefix: string, anchorAddr: string): string {
  return raHeader("20", "0708") + SLLA + pio("40", "e0", "00015180", "00003840", anchorAddr) + MTU;
}
function plainRa(prefix: string): string {
  return raHeader("00", "0708") + pio("40", "c0", "00015180", "00003840", prefix);
}

let src: usize = 0;
function parse(h: string, from: string = LL1, hop: u32 = 255): i32 {
  src = unhex(from);
  return RA.parse_ra(unhex(h), h.length >> 1, src, hop);
}
function input(h: string, now: f64, from: string = LL1): u32 {
  expect(parse(h, from)).toBe(0);
  return AT.decide_ra(now);
}
function att(field: u32): u32 { return load<u32>(AT.ATT_REC + field); }

describe("RA parse", () => {
  test("fixed part, flags, every known option and the skipped unknown one", () => {
    const h = raHeader("38", "0708").substr(0, 16) + "00007530" + "000003e8" + SLLA + MTU + ADVINT + HAINFO + UNKNOWN +
      pio("40", "c0", "00015180", "00003840", P1) + pio("80", "20", "ffffffff", "ffffffff", A1);
    expect(parse(h)).toBe(0);
    expect(RA.ra_get(RA.R_HOP_LIMIT)).toBe(64);
    expect(RA.ra_get(RA.R_FLAGS)).toBe(0x38);
    expect(RA.ra_get(RA.R_ROUTER_LIFETIME)).toBe(1800);
    expect(RA.ra_get(RA.R_REACHABLE)).toBe(30000);
    expect(RA.ra_get(RA.R_RETRANS)).toBe(1000);
    expect(RA.ra_get(RA.R_MTU)).toBe(1500);
    expect(RA.ra_get(RA.R_ADV_INTERVAL)).toBe(4000);
    expect(load<i32>(RA.RA_REC + RA.R_HA_PREFERENCE)).toBe(-2);
    expect(RA.ra_get(RA.R_HA_LIFETIME)).toBe(1800);
    expect(RA.ra_get(RA.R_SKIPPED)).toBe(1);
    expect(RA.ra_get(RA.R_PRESENT)).toBe(RA.RP_SLLA | RA.RP_MTU | RA.RP_ADV_INTERVAL | RA.RP_HA_INFO | RA.RP_ANCHOR);
    expect(hex(RA.RA_REC + RA.R_SLLA, 6)).toBe("020000000001");
    expect(hex(RA.RA_REC + RA.R_SOURCE, 16)).toBe(LL1);
    expect(RA.ra_get(RA.R_PIO_COUNT)).toBe(2);
    const e0 = RA.ra_pio(0);
    expect(load<u32>(e0 + RA.P_PREFIX_LEN)).toBe(64);
    expect(load<u32>(e0 + RA.P_FLAGS)).toBe(0xc0);
    expect(load<u32>(e0 + RA.P_VALID)).toBe(86400);
    expect(load<u32>(e0 + RA.P_PREFERRED)).toBe(14400);
    expect(hex(e0 + RA.P_PREFIX, 16)).toBe(P1);
    expect(RA.ra_get(RA.R_ANCHOR_PIO)).toBe(1);
    expect(hex(RA.RA_REC + RA.R_ANCHOR, 16)).toBe(A1);
  });

  test("no options at all", () => {
    expect(parse(raHeader("00", "0000"))).toBe(0);
    expect(RA.ra_get(RA.R_PIO_COUNT)).toBe(0);
    expect(RA.ra_get(RA.R_PRESENT)).toBe(0);
  });

  test("PIOs past the record's capacity are counted, not recorded", () => {
    let h = raHeader("00", "0708");
    for (let i: u32 = 0; i < RA.RA_PIO_MAX + 3; i++) h += pio("40", "c0", "00000e10", "00000e10", P1);
    expect(parse(h)).toBe(0);
    expect(RA.ra_get(RA.R_PIO_COUNT)).toBe(RA.RA_PIO_MAX);
    expect(RA.ra_get(RA.R_PIO_OVERFLOW)).toBe(3);
  });

  test("truncated", () => { expect(parse(raHeader("00", "0708").substr(0, 30))).toBe(E.ERR_RA_TRUNCATED); });
  test("type", () => { expect(parse("87" + raHeader("00", "0708").substr(2))).toBe(E.ERR_RA_TYPE); });
  test("code", () => { expect(parse("8601" + raHeader("00", "0708").substr(4))).toBe(E.ERR_RA_CODE); });
  test("hop limit", () => { expect(parse(raHeader("00", "0708"), LL1, 254)).toBe(E.ERR_RA_HOP_LIMIT); });
  test("source not link-local", () => { expect(parse(raHeader("00", "0708"), GLOBAL)).toBe(E.ERR_RA_SOURCE); });
  test("a lone byte after the options", () => { expect(parse(raHeader("00", "0708") + MTU + "05")).toBe(E.ERR_RA_OPTION_TRUNCATED); });
  test("option of length 0", () => { expect(parse(raHeader("00", "0708") + "fe00000000000000")).toBe(E.ERR_RA_OPTION_ZERO); });
  test("option past the end", () => { expect(parse(raHeader("00", "0708") + "fe02000000000000")).toBe(E.ERR_RA_OPTION_OVERRUN); });
  test("PIO of length 3", () => {
    expect(parse(raHeader("00", "0708") + "0303" + "40c0" + "00000e10" + "00000e10" + "00000000" + "0000000000000000")).toBe(E.ERR_RA_PIO_LENGTH);
  });
  test("prefix length 129", () => { expect(parse(raHeader("00", "0708") + pio("81", "c0", "00000e10", "00000e10", P1))).toBe(E.ERR_RA_PREFIX_LENGTH); });
  test("MTU option of length 2", () => { expect(parse(raHeader("00", "0708") + "050200000000000000000000000005dc")).toBe(E.ERR_RA_OPTION_LENGTH); });
  test("Home Agent Information of length 2", () => { expect(parse(raHeader("00", "0708") + "08020000fffe07080000000000000000")).toBe(E.ERR_RA_OPTION_LENGTH); });
  test("a failed parse leaves an empty record", () => {
    expect(parse(darRa(P1, A1))).toBe(0);
    expect(parse(darRa(P1, A1), LL1, 64)).toBe(E.ERR_RA_HOP_LIMIT);
    expect(RA.ra_get(RA.R_PIO_COUNT)).toBe(0);
  });
});

// scapy: IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA(H=1, routerlifetime=1800, chlim=64)
// (scapy's default preference is 01: flags 0x28)
const PKT = "6000000000103aff" + "fe800000000000000000000000000001" + "ff020000000000000000000000000001" +
  "8600" + "34ff" + "40280708" + "00000000" + "00000000";
function parsePkt(h: string): i32 { return RA.parse_ra_packet(unhex(h), h.length >> 1); }
describe("RA in an IPv6 packet", () => {
  test("parses with a correct checksum", () => {
    expect(parsePkt(PKT)).toBe(0);
    expect(RA.ra_get(RA.R_FLAGS)).toBe(0x28);
    expect(RA.ra_get(RA.R_ROUTER_LIFETIME)).toBe(1800);
  });
  test("checksum", () => { expect(parsePkt(PKT.substr(0, 84) + "34fe" + PKT.substr(88))).toBe(E.ERR_RA_CHECKSUM); });
  test("IPv6 truncated", () => { expect(parsePkt(PKT.substr(0, 78))).toBe(E.ERR_RA_IPV6_TRUNCATED); });
  test("not IPv6", () => { expect(parsePkt("4" + PKT.substr(1))).toBe(E.ERR_RA_NOT_IPV6); });
  test("payload length past the capture", () => { expect(parsePkt(PKT.substr(0, PKT.length - 2))).toBe(E.ERR_RA_PAYLOAD_TRUNCATED); });
  test("next header", () => { expect(parsePkt(PKT.substr(0, 12) + "3c" + PKT.substr(14))).toBe(E.ERR_RA_NEXT_HEADER); });
});

describe("RS build", () => {
  test("with the source link-layer address", () => {
    const out = heap.alloc(32);
    expect(RS.emit_rs(out, 32, unhex("020000000002"))).toBe(16);
    expect(hex(out, 16)).toBe("85000000000000000101020000000002");
  });
  test("without it", () => {
    const out = heap.alloc(8);
    expect(RS.emit_rs(out, 8, 0)).toBe(8);
    expect(hex(out, 8)).toBe("8500000000000000");
  });
  test("capacity", () => { expect(RS.emit_rs(heap.alloc(16), 15, unhex("020000000002"))).toBe(E.ERR_RS_CAPACITY); });
});

describe("attachment", () => {
  test("a new DAR, the same DAR again, another DAR, the first one visited before, a link change", () => {
    AT.link_changed();
    expect(input(darRa(P1, A1), 1000)).toBe(AT.ATT_NEW_DAR);
    expect(hex(AT.ATT_REC + AT.A_PREFIX, 16)).toBe(P1);
    expect(hex(AT.ATT_REC + AT.A_ANCHOR, 16)).toBe(A1);
    expect(hex(AT.ATT_REC + AT.A_ROUTER, 16)).toBe(LL1);
    expect(att(AT.A_FLAGS)).toBe(AT.RT_DAR | AT.RT_H);
    expect(att(AT.A_VALID)).toBe(86400);
    expect(att(AT.A_PREFERRED)).toBe(14400);
    expect(att(AT.A_ROUTER_LIFETIME)).toBe(1800);
    const first = <i32>att(AT.A_ROUTER_INDEX);
    expect(input(darRa(P1, A1), 2000)).toBe(AT.ATT_UNCHANGED);
    expect(input(darRa(P2, A2), 3000, LL2)).toBe(AT.ATT_NEW_DAR);
    expect(input(darRa(P1, A1), 4000)).toBe(AT.ATT_KNOWN_DAR);
    expect(<i32>att(AT.A_ROUTER_INDEX)).toBe(first);
    expect(att(AT.A_FLAGS) & AT.AF_VISITED).toBe(AT.AF_VISITED);
    expect(att(AT.A_VISITS)).toBe(2);
    AT.link_changed();
    expect(input(darRa(P1, A1), 5000)).toBe(AT.ATT_KNOWN_DAR);
  });

  test("the same link-local address with other prefixes is a new attachment", () => {
    AT.link_changed();
    expect(input(darRa(P1, A1), 1000)).not.toBe(AT.ATT_UNCHANGED);
    const p3 = "20010db8000300000000000000000000";
    const a3 = "20010db8000300000000000000000001";
    expect(input(darRa(p3, a3), 1100)).toBe(AT.ATT_NEW_DAR);
  });

  test("a router without the H flag is plain, so is H without an R-flag PIO", () => {
    AT.link_changed();
    const p4 = "20010db8000400000000000000000000";
    expect(input(plainRa(p4), 1000)).toBe(AT.ATT_PLAIN);
    expect(hex(AT.ATT_REC + AT.A_ANCHOR, 16)).toBe("00000000000000000000000000000000");
    expect(att(AT.A_FLAGS) & AT.RT_DAR).toBe(0);
    const p5 = "20010db8000500000000000000000000";
    const hNoR = raHeader("20", "0708") + pio("40", "c0", "00015180", "00003840", p5);
    expect(input(hNoR, 1100)).toBe(AT.ATT_PLAIN);
    expect(att(AT.A_FLAGS)).toBe(AT.RT_H);
  });

  test("an anchor outside every A-flag prefix does not make a DAR", () => {
    AT.link_changed();
    const p6 = "20010db8000600000000000000000000";
    const h = raHeader("20", "0708") + pio("40", "c0", "00015180", "00003840", p6) + pio("80", "20", "00015180", "00003840", A1);
    expect(input(h, 1000)).toBe(AT.ATT_PLAIN);
  });

  test("PIOs the MN cannot form an address in are ignored", () => {
    AT.link_changed();
    // L only, a /48, valid 0, preferred over valid, link-local prefix.
    const h = raHeader("20", "0708") + pio("40", "80", "00015180", "00003840", P1) + pio("30", "c0", "00015180", "00003840", P1) +
      pio("40", "c0", "00000000", "00000000", P1) + pio("40", "c0", "00000010", "00000020", P1) +
      pio("40", "c0", "00015180", "00003840", "fe800000000000000000000000000000");
    expect(input(h, 1000)).toBe(AT.ATT_IGNORED);
    expect(AT.current_router()).toBe(-1);
  });

  test("router lifetime 0: ignored from another router, the end of the current one", () => {
    AT.link_changed();
    const p7 = "20010db8000700000000000000000000";
    const a7 = "20010db8000700000000000000000001";
    const gone = raHeader("20", "0000") + pio("40", "e0", "00015180", "00003840", a7);
    expect(input(gone, 1000)).toBe(AT.ATT_IGNORED);
    expect(input(darRa(p7, a7), 1100)).toBe(AT.ATT_NEW_DAR);
    expect(input(gone, 1200)).toBe(AT.ATT_LOST);
    expect(AT.current_router()).toBe(-1);
  });

  test("the prefix's valid lifetime and the router lifetime run out", () => {
    AT.link_changed();
    const p8 = "20010db8000800000000000000000000";
    const a8 = "20010db8000800000000000000000001";
    const short = raHeader("20", "0708") + pio("40", "e0", "0000001e", "0000000a", a8);
    expect(input(short, 1000)).toBe(AT.ATT_NEW_DAR);
    expect(AT.attachment_tick(30_999)).toBe(AT.ATT_UNCHANGED);
    expect(AT.attachment_tick(31_000)).toBe(AT.ATT_LOST);
    expect(hex(AT.ATT_REC + AT.A_PREFIX, 16)).toBe(p8);
    expect(AT.attachment_tick(31_001)).toBe(AT.ATT_UNCHANGED);
    const p9 = "20010db8000900000000000000000000";
    const a9 = "20010db8000900000000000000000001";
    const shortRouter = raHeader("20", "0005") + pio("40", "e0", "ffffffff", "ffffffff", a9);
    expect(input(shortRouter, 1000)).toBe(AT.ATT_NEW_DAR);
    expect(AT.attachment_tick(5_999)).toBe(AT.ATT_UNCHANGED);
    expect(AT.attachment_tick(6_000)).toBe(AT.ATT_LOST);
  });

  test("an RA does not cut a known prefix's valid lifetime below two hours (RFC 4862 5.5.3 e)", () => {
    AT.link_changed();
    const pa = "20010db8000a00000000000000000000";
    const aa = "20010db8000a00000000000000000001";
    expect(input(raHeader("20", "ffff") + pio("40", "e0", "00015180", "00003840", aa), 0)).toBe(AT.ATT_NEW_DAR);
    expect(input(raHeader("20", "ffff") + pio("40", "e0", "0000003c", "0000001e", aa), 1000)).toBe(AT.ATT_UNCHANGED);
    expect(AT.attachment_tick(1000 + 61_000)).toBe(AT.ATT_UNCHANGED);
    expect(AT.attachment_tick(1000 + 7200_000)).toBe(AT.ATT_LOST);
  });
});
