// The Mobility Header codec (assembly/mh/): byte-exact parse and build of vector messages
// (tests/vectors/mh/valid.pcap), one negative test per malformed class, the alignment
// rules, fragment reassembly, and the checksum pseudo-header (HoA / RH2 address).
import * as E from "../../assembly/mh/errors";
import * as D from "../../assembly/mh/decode";
import * as B from "../../assembly/mh/build";
import * as O from "../../assembly/mh/options";
import { load16_be, store16_be } from "../../assembly/wire/bytes";
import { unhex, hex } from "./bytes";
import { req, field, bytes, hoa, rh2, opt, optLong, build, OUT } from "./build-request";

function decodeHex(hex: string): i32 {
  return D.mh_decode_packet(unhex(hex), hex.length >> 1);
}

// Vector packets (valid.pcap indices 7, 9, 23, 40, 44).
const BU_PHKT = "6000000000383c4020010db80200000130e6b2c180252d5f20010db8010000ff0000000000000001870201020000c91020010db80100000124537a9be2f715613b0305000de80453c00003e8040400000000050cfcd3403bc0e41d7f76db5818";
const BU_ALTCOA = "6000000000503c4020010db80200000130e6b2c180252d5f20010db8010000ff0000000000000001870201020000c91020010db80100000124537a9be2f715613b060500b91d0455c00003e80100031020010db80200000238676dfe032d773c04040000000001020000050c41f2d80c2c6f28e58823f200";
const BA_PHKT = "6000000000382b4020010db8010000ff000000000000000120010db80200000130e6b2c180252d5f870202010000000020010db80100000124537a9be2f715613b030600bd42000004530384010400000000050cc4b56f9adcfe794048312ab0";
const HOT = "600000000018874020010db809990000000000000000005320010db80100000124537a9be2f715613b020300235200091fe925bae0196cd3090ff2dc02bb0f25";
const BE = "600000000018874020010db8010000ff000000000000000120010db80200000130e6b2c180252d5f3b020700cabe020000000000000000000000000000000000";

const COA = "20010db80200000130e6b2c180252d5f";
const ANCHOR = "20010db8010000ff0000000000000001";
const HOA = "20010db80100000124537a9be2f71561";

describe("MH decode: vector messages", () => {
  it("BU (phkt mode): fields, HoA, Nonce Indices, BAD position", () => {
    expect(decodeHex(BU_PHKT)).toBe(0);
    const present = D.dec(D.DEC_PRESENT);
    expect(present & D.P_MH).toBeTruthy();
    expect(present & D.P_CHECKSUM_OK).toBeTruthy();
    expect(D.dec(D.DEC_HOA)).toBe(48);
    expect(D.dec(D.DEC_UPPER_OFF)).toBe(64);
    expect(D.dec(D.DEC_MH_LEN)).toBe(32);
    expect(D.dec(D.DEC_MH_TYPE)).toBe(5);
    expect(D.dec(D.DEC_SEQ)).toBe(1107);
    expect(D.dec(D.DEC_FLAGS)).toBe(3); // A | H
    expect(D.dec(D.DEC_LIFETIME)).toBe(1000);
    expect(present & D.P_NONCE_INDICES).toBeTruthy();
    expect(D.dec(D.DEC_HOME_NONCE_INDEX)).toBe(0);
    expect(D.dec(D.DEC_CAREOF_NONCE_INDEX)).toBe(0);
    // authenticated bytes: 20 MH bytes, then the 12-byte authenticator
    expect(D.dec(D.DEC_BAD_AUTH)).toBe(84);
    expect(D.dec(D.DEC_OPT_COUNT)).toBe(2);
    expect(present & D.P_CGA_PARAMS).toBe(0);
  });
  it("BU with Alternate CoA at 8n+6", () => {
    expect(decodeHex(BU_ALTCOA)).toBe(0);
    expect(D.dec(D.DEC_ALT_COA) - D.dec(D.DEC_UPPER_OFF)).toBe(16);
    expect(D.dec(D.DEC_PRESENT) & D.P_ALT_COA).toBeTruthy();
  });
  it("BA with RH2: status, K, pseudo-header destination", () => {
    expect(decodeHex(BA_PHKT)).toBe(0);
    expect(D.dec(D.DEC_RH2)).toBe(48);
    expect(D.dec(D.DEC_PRESENT) & D.P_HOA).toBe(0);
    expect(D.dec(D.DEC_STATUS)).toBe(0);
    expect(D.dec(D.DEC_SEQ)).toBe(1107);
    expect(D.dec(D.DEC_LIFETIME)).toBe(900);
    expect(D.dec(D.DEC_FIELDS)).toBe(D.F_STATUS | D.F_FLAG_K | D.F_SEQ | D.F_LIFETIME);
  });
  it("HoT: nonce index, cookie, token", () => {
    const p = unhex(HOT);
    expect(D.mh_decode_packet(p, HOT.length >> 1)).toBe(0);
    expect(D.dec(D.DEC_NONCE_INDEX)).toBe(9);
    expect(hex(p + D.dec(D.DEC_COOKIE), 8)).toBe("1fe925bae0196cd3");
    expect(hex(p + D.dec(D.DEC_TOKEN), 8)).toBe("090ff2dc02bb0f25");
  });
  it("BE: status and home address", () => {
    expect(decodeHex(BE)).toBe(0);
    expect(D.dec(D.DEC_STATUS)).toBe(2);
    expect(D.dec(D.DEC_HOME_ADDRESS)).toBe(48);
  });
});

describe("MH build: byte-exact vector messages", () => {
  it("BU phkt mode", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    field(B.REQ_SEQ, 1107); field(B.REQ_FLAGS, 3); field(B.REQ_LIFETIME, 1000);
    opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "fcd3403bc0e41d7f76db5818");
    const n = build();
    expect(n).toBe(96);
    expect(hex(OUT, n)).toBe(BU_PHKT);
    expect(B.bres(B.BRES_BAD_AUTH)).toBe(84);
  });
  it("BU with Alternate CoA: padding inserted for 8n+6 and 8n+2", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    field(B.REQ_SEQ, 1109); field(B.REQ_FLAGS, 3); field(B.REQ_LIFETIME, 1000);
    opt(O.OPT_ALT_COA, "20010db80200000238676dfe032d773c");
    opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "41f2d80c2c6f28e58823f200");
    const n = build();
    expect(hex(OUT, n)).toBe(BU_ALTCOA);
  });
  it("BA with RH2, PadN(4) before BAD", () => {
    req(6, ANCHOR, COA); rh2(HOA);
    field(B.REQ_SEQ, 1107); field(B.REQ_LIFETIME, 900);
    opt(O.OPT_BAD, "c4b56f9adcfe794048312ab0");
    const n = build();
    expect(hex(OUT, n)).toBe(BA_PHKT);
  });
  it("HoT and BE", () => {
    req(3, "20010db8099900000000000000000053", HOA);
    field(B.REQ_NONCE_INDEX, 9); bytes(B.REQ_COOKIE, "1fe925bae0196cd3"); bytes(B.REQ_TOKEN, "090ff2dc02bb0f25");
    expect(hex(OUT, build())).toBe(HOT);
    req(7, ANCHOR, COA); field(B.REQ_STATUS, 2);
    expect(hex(OUT, build())).toBe(BE);
  });
  it("fails cleanly when the output is too small", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    opt(O.OPT_NONCE_INDICES, "00000000");
    expect(B.mh_build_packet(B.BREQ, OUT, 80)).toBe(E.ERR_BUILD_CAPACITY);
    expect(B.mh_build_packet(B.BREQ, OUT, 20)).toBe(E.ERR_BUILD_CAPACITY);
    expect(B.mh_build_packet(B.BREQ, OUT, 88)).toBe(88);
  });
});

describe("MH checksum pseudo-header", () => {
  it("uses the HoA as source (crypto.json BU vector 0xfc36)", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    field(B.REQ_SEQ, 0x6b); field(B.REQ_FLAGS, 3); field(B.REQ_LIFETIME, 1000);
    opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "000000000000000000000000");
    const n = build();
    expect(load16_be(OUT + 64 + 4)).toBe(0xfc36);
    expect(D.mh_decode_packet(OUT, n)).toBe(0);
    store16_be(OUT + 68, 0x0152); // the checksum with the wire source
    expect(D.mh_decode_packet(OUT, n)).toBe(E.ERR_CHECKSUM);
  });
  it("uses the RH2 address as destination (crypto.json BA vector 0xbe37)", () => {
    req(6, ANCHOR, COA); rh2(HOA);
    field(B.REQ_SEQ, 0x6b); field(B.REQ_LIFETIME, 1000);
    opt(O.OPT_BAD, "000000000000000000000000");
    const n = build();
    expect(load16_be(OUT + 68)).toBe(0xbe37);
    expect(D.mh_decode_packet(OUT, n)).toBe(0);
  });
});

describe("MH errors: one per class", () => {
  it("checksum", () => {
    const p = unhex(BU_PHKT);
    store<u8>(p + 95, load<u8>(p + 95) ^ 1);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_CHECKSUM);
  });
  it("payload-proto", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 64, 6);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_PAYLOAD_PROTO);
  });
  it("header-len-min", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 32); store<u8>(p + 65, 0);
    expect(D.mh_decode_packet(p, 72)).toBe(E.ERR_HEADER_LEN_MIN);
  });
  it("header-len-exceeds-packet", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 65, 4);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_HEADER_LEN_EXCEEDS);
  });
  it("length-mismatch", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 65, 2);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_LENGTH_MISMATCH);
  });
  it("option-overrun", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 77, 30);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_OPTION_OVERRUN);
    store<u8>(p + 77, 4); store<u8>(p + 83, 13); // BAD one byte past the end
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_OPTION_OVERRUN);
  });
  it("option-length", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 77, 2);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_OPTION_LENGTH);
  });
  it("bad-not-last", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    opt(O.OPT_BAD, "000000000000000000000000"); opt(O.OPT_PADN, "");
    expect(D.mh_decode_packet(OUT, build())).toBe(E.ERR_BAD_NOT_LAST);
    req(5, COA, ANCHOR);
    opt(O.OPT_BAD, "000000000000000000000000"); opt(O.OPT_PAD1, "");
    expect(D.mh_decode_packet(OUT, build())).toBe(E.ERR_BAD_NOT_LAST);
  });
  it("hao-length", () => {
    const p = unhex(BU_PHKT); store<u8>(p + 47, 8);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_HAO_LENGTH);
  });
  it("truncated MH", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 27);
    expect(D.mh_decode_packet(p, 67)).toBe(E.ERR_MH_TRUNCATED);
    store16_be(p + 4, 29);
    expect(D.mh_decode_packet(p, 69)).toBe(E.ERR_MH_TRUNCATED);
  });
  it("truncated IPv6 header", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 29);
    expect(D.mh_decode_packet(p, 39)).toBe(E.ERR_IPV6_TRUNCATED);
    expect(D.mh_decode_packet(p, 0)).toBe(E.ERR_IPV6_TRUNCATED);
  });
  it("truncated IPv6 payload", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 56);
    expect(D.mh_decode_packet(p, 95)).toBe(E.ERR_PAYLOAD_TRUNCATED);
  });
  it("truncated extension header", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 56);
    store<u8>(p + 41, 9);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_EXT_TRUNCATED);
  });
  it("empty", () => {
    const p = unhex(BU_PHKT); store16_be(p + 4, 24);
    expect(D.mh_decode_packet(p, 64)).toBe(E.ERR_EMPTY);
    store16_be(p + 4, 0); store<u8>(p + 6, 135);
    expect(D.mh_decode_packet(p, 40)).toBe(E.ERR_EMPTY);
  });
  it("unknown-type (after a good checksum)", () => {
    req(50, COA, ANCHOR);
    const n = build();
    expect(n).toBe(48);
    expect(D.mh_decode_packet(OUT, n)).toBe(E.ERR_UNKNOWN_TYPE);
    expect(D.dec(D.DEC_MH_TYPE)).toBe(50);
    store<u8>(OUT + 47, 1);
    expect(D.mh_decode_packet(OUT, n)).toBe(E.ERR_CHECKSUM);
  });
  it("not-ipv6", () => {
    const p = unhex(BU_PHKT); store<u8>(p, 0x45);
    expect(D.mh_decode_packet(p, 96)).toBe(E.ERR_NOT_IPV6);
  });
  it("rh2-format", () => {
    const q = unhex(BA_PHKT); store<u8>(q + 43, 2);
    expect(D.mh_decode_packet(q, 96)).toBe(E.ERR_RH2_FORMAT);
  });
  it("duplicate", () => {
    const dup = "6000000000503c40" + BU_PHKT.substring(16, 80) + "3c" + BU_PHKT.substring(82, 128) + BU_PHKT.substring(80);
    expect(decodeHex(dup)).toBe(E.ERR_DUPLICATE);
  });
  it("extension option overrun", () => {
    const r = unhex(BU_PHKT); store<u8>(r + 43, 21);
    expect(D.mh_decode_packet(r, 96)).toBe(E.ERR_EXT_OPTION_OVERRUN);
  });
  it("TEL length (and a Tunnel Encapsulation Limit of the right length is read)", () => {
    // PadN(2) of the Destination Options header turned into a Tunnel Encapsulation Limit of length 2
    const t = unhex(BU_PHKT); store<u8>(t + 42, 4);
    expect(D.mh_decode_packet(t, 96)).toBe(E.ERR_TEL_LENGTH);
    store<u8>(t + 43, 1); store<u8>(t + 44, 7); store<u8>(t + 45, 0); // TEL 7, then Pad1
    expect(D.mh_decode_packet(t, 96)).toBe(0);
    expect(D.dec(D.DEC_ENCAP_LIMIT)).toBe(7);
  });
});

describe("alignment rules", () => {
  it("2n, 8n+6, 8n+2 and none", () => {
    for (let off: u32 = 0; off < 32; off++) {
      expect((off + O.opt_pad_before(O.OPT_BRA, off)) % 2).toBe(0);
      expect((off + O.opt_pad_before(O.OPT_NONCE_INDICES, off)) % 2).toBe(0);
      expect((off + O.opt_pad_before(O.OPT_ALT_COA, off)) % 8).toBe(6);
      expect((off + O.opt_pad_before(O.OPT_BAD, off)) % 8).toBe(2);
      expect(O.opt_pad_before(O.OPT_CGA_PARAMS, off)).toBe(0);
      expect(O.opt_pad_before(O.OPT_BRA, off)).toBeLessThan(2);
      expect(O.opt_pad_before(O.OPT_BAD, off)).toBeLessThan(8);
    }
  });
  it("the whole MH is a multiple of 8 and a BAD ends it", () => {
    for (let extra: u32 = 0; extra < 9; extra++) {
      req(5, COA, ANCHOR);
      if (extra) optLong(200, 0, extra - 1);
      opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "000000000000000000000000");
      const n = build();
      expect(D.mh_decode_packet(OUT, n)).toBe(0);
      expect(D.dec(D.DEC_MH_LEN) % 8).toBe(0);
      expect(D.dec(D.DEC_BAD_AUTH) + 12).toBe(<u32>n);
      expect((D.dec(D.DEC_BAD_AUTH) - 2 - 40) % 8).toBe(2);
    }
  });
});

describe("fragmented values", () => {
  it("splits CGA Parameters / Signature over 255-byte options and reassembles them", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    optLong(O.OPT_CGA_PARAMS, 1, 600);
    optLong(O.OPT_SIGNATURE, 2, 256);
    opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "000000000000000000000000");
    const n = build();
    expect(n).toBeGreaterThan(0);
    const cgaEnd = B.bres(B.BRES_CGA_END);
    expect(D.mh_decode_packet(OUT, n)).toBe(0);
    expect(D.dec(D.DEC_CGA_LEN)).toBe(600);
    expect(D.dec(D.DEC_SIG_LEN)).toBe(256);
    expect(D.dec(D.DEC_CGA_END)).toBe(cgaEnd);
    expect(D.dec(D.DEC_PRESENT) & D.P_CGA_THEN_SIG).toBeTruthy();
    const cga = <usize>D.dec(D.DEC_CGA_PTR);
    let same = true;
    for (let i: u32 = 0; i < 600; i++) same = same && load<u8>(cga + i) == <u8>(1 + <u8>i);
    expect(same).toBe(true);
    // 255 + 255 + 90: the table shows three type-12 entries, then 255 + 1 of type 13
    const t = D.OPTS;
    expect(load<u32>(t + 4)).toBe(255);
    expect(load<u32>(t + 12 + 4)).toBe(255);
    expect(load<u32>(t + 24 + 4)).toBe(90);
    expect(load<u32>(t + 36)).toBe(13);
    expect(load<u32>(t + 48 + 4)).toBe(1);
  });
  it("rewrites a fragmented Signature in place, then the checksum", () => {
    req(5, COA, ANCHOR); hoa(HOA);
    optLong(O.OPT_CGA_PARAMS, 1, 100);
    optLong(O.OPT_SIGNATURE, 0, 256);
    store<u32>(B.BREQ + B.REQ_BITS, load<u32>(B.BREQ + B.REQ_BITS) | B.REQ_BIT_NO_CHECKSUM);
    const n = build();
    expect(load16_be(OUT + B.bres(B.BRES_CHECKSUM))).toBe(0);
    const sig = heap.alloc(256);
    for (let i = 0; i < 256; i++) store<u8>(sig + i, <u8>(255 - i));
    expect(B.mh_rewrite_value(OUT, O.OPT_SIGNATURE, sig, 255)).toBe(E.ERR_BUILD_REWRITE);
    expect(B.mh_rewrite_value(OUT, O.OPT_SIGNATURE, sig, 256)).toBe(0);
    B.mh_finish_checksum(OUT);
    expect(D.mh_decode_packet(OUT, n)).toBe(0);
    expect(D.dec(D.DEC_SIG_LEN)).toBe(256);
    expect(memory.compare(<usize>D.dec(D.DEC_SIG_PTR), sig, 256)).toBe(0);
  });
  it("rejects a fragment after a short one", () => {
    req(5, COA, ANCHOR);
    opt(O.OPT_CGA_PARAMS, "0102"); opt(O.OPT_CGA_PARAMS, "03");
    expect(D.mh_decode_packet(OUT, build())).toBe(E.ERR_OPTION_FRAGMENT);
  });
  it("rejects a second value of the same type", () => {
    req(5, COA, ANCHOR);
    opt(O.OPT_PHKT, "0102"); opt(O.OPT_PAD1, ""); opt(O.OPT_PHKT, "03");
    expect(D.mh_decode_packet(OUT, build())).toBe(E.ERR_OPTION_FRAGMENT);
  });
  it("rejects an empty fragment", () => {
    req(5, COA, ANCHOR);
    opt(O.OPT_SIGNATURE, "");
    expect(D.mh_decode_packet(OUT, build())).toBe(E.ERR_OPTION_LENGTH);
  });
  it("CGA Parameters not directly followed by a Signature", () => {
    req(5, COA, ANCHOR);
    opt(O.OPT_CGA_PARAMS, "0102"); opt(O.OPT_PADN, ""); opt(O.OPT_SIGNATURE, "03");
    expect(D.mh_decode_packet(OUT, build())).toBe(0);
    expect(D.dec(D.DEC_PRESENT) & D.P_CGA_THEN_SIG).toBe(0);
    expect(D.dec(D.DEC_PRESENT) & D.P_SIGNATURE).toBeTruthy();
  });
});

describe("MH build: the engines' static request", () => {
  it("fails loudly on a 33rd option instead of building without it", () => {
    B.breq_begin(5, unhex(COA), unhex(ANCHOR), 64);
    const data = unhex("0000");
    for (let i: u32 = 0; i < B.REQ_STATIC_OPTS; i++) expect(B.breq_add_option(O.OPT_PADN, data, 2)).toBe(E.MH_OK);
    expect(B.breq_add_option(O.OPT_PADN, data, 2)).toBe(E.ERR_BUILD_TOO_MANY_OPTIONS);
    const out = heap.alloc(2048);
    expect(B.mh_build_packet(B.BREQ, out, 2048)).toBe(E.ERR_BUILD_TOO_MANY_OPTIONS);
    expect(<i32>B.bres(B.BRES_RESULT)).toBe(E.ERR_BUILD_TOO_MANY_OPTIONS);
    // A new request starts clean: 32 options build.
    B.breq_begin(5, unhex(COA), unhex(ANCHOR), 64);
    for (let i: u32 = 0; i < B.REQ_STATIC_OPTS; i++) B.breq_add_option(O.OPT_PADN, data, 2);
    expect(B.mh_build_packet(B.BREQ, out, 2048)).toBeGreaterThan(0);
    heap.free(out);
  });
});
