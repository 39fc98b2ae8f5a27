// The Mobility Header views (assembly/mh/header.ts, message.ts, options.ts) on the MHs of
// valid.pcap's 45 packets: the check gates refuse every truncation, the accessors after them
// read only the MH (staged before two fills, same answers), emit(parse(x)) == x over the whole
// MH (fixed part, then every option); and every emitter and the builder fail loudly, with a
// code and without writing past what they were given, when they cannot emit what was asked.
import * as E from "../../assembly/mh/errors";
import * as H from "../../assembly/mh/header";
import * as O from "../../assembly/mh/options";
import * as B from "../../assembly/mh/build";
import * as D from "../../assembly/mh/decode";
import { MhMessage, mh_message_parse, mh_message_emit, mh_fixed_len } from "../../assembly/mh/message";
import { Chain, chain_begin, chain_at_extension, chain_check, chain_next } from "../../assembly/wire/ext-chain";
import { unhex, hex } from "./bytes";
import { VALID } from "./mh-vectors";
import { stage, mix, mix_addr, FNV_START } from "./stage";
import { req, field, hoa, opt, optAt, optLong } from "./build-request";

const COA = "20010db80200000130e6b2c180252d5f";
const ANCHOR = "20010db8010000ff0000000000000001";
const HOME = "20010db80100000124537a9be2f71561";
/** valid.jsonl line 16: a BU whose MH Reserved byte is not zero (ignored, and emitted as zero). */
const NONZERO_RESERVED: i32 = 15;

const OUT = heap.alloc(4096);
const SENTINEL: u8 = 0xa5;
function clear_out(): void { memory.fill(OUT, SENTINEL, 4096); }
function untouched_from(at: u32): bool {
  for (let i: u32 = at; i < 4096; i++) if (load<u8>(OUT + i) != SENTINEL) return false;
  return true;
}

// The MH of vector v: its packet, offset and length (the chain walked with the wire walker).
let vPkt: usize = 0;
let vMh: u32 = 0;
let vMhLen: u32 = 0;
function locate(v: i32): void {
  const len = <u32>(VALID[v].length >> 1);
  vPkt = unhex(VALID[v]);
  const c = new Chain();
  chain_begin(c, vPkt, len);
  while (chain_at_extension(c)) { chain_check(c); chain_next(c); }
  vMh = c.off;
  vMhLen = len - c.off;
}

function message_digest(m: usize, avail: u32): u64 {
  const r = new MhMessage();
  let h = mix(FNV_START, <u64>mh_message_parse(m, avail, 0, r));
  h = mix(h, <u64>r.type); h = mix(h, <u64>r.checksum); h = mix(h, <u64>r.fields);
  h = mix(h, <u64>r.seq); h = mix(h, <u64>r.flags); h = mix(h, <u64>r.lifetime); h = mix(h, <u64>r.status);
  h = mix(h, <u64>r.nonceIndex);
  h = mix(h, r.cookie ? load<u64>(r.cookie) : 0); h = mix(h, r.token ? load<u64>(r.token) : 0);
  return mix_addr(h, <usize>r.homeAddress);
}

/** Folds the parse of every option of the MH at m (mhLen bytes): codes, types, lengths, values. */
function options_digest(m: usize, mhLen: u32): u64 {
  const r = new O.MhOption();
  let h = FNV_START;
  let o = mh_fixed_len(H.mh_type(m));
  while (o < mhLen) {
    const code = O.opt_parse(m + o, mhLen - o, r);
    h = mix(mix(mix(h, <u64>code), <u64>r.type), <u64>r.len);
    if (code != E.MH_OK) break;
    for (let i: u32 = 0; i < r.len; i++) h = mix(h, <u64>load<u8>(r.value + i));
    o += O.opt_size(r);
  }
  return h;
}

/** Every vector's MH, staged before either fill, gives `digest` the same answers. */
function expect_fill_ignored(digest: (m: usize, mhLen: u32) => u64): void {
  for (let v = 0; v < VALID.length; v++) {
    locate(v);
    expect(digest(stage(vPkt + vMh, vMhLen, 0), vMhLen)).toBe(digest(stage(vPkt + vMh, vMhLen, 1), vMhLen));
  }
}

describe("MH gate and fixed part (header.ts, message.ts)", () => {
  it("the gate refuses every truncation of every vector's MH, with the code of its cause", () => {
    for (let v = 0; v < VALID.length; v++) {
      locate(v);
      for (let k: u32 = 0; k < vMhLen; k++) {
        for (let f = 0; f < 2; f++) {
          const m = stage(vPkt + vMh, k, f);
          const want = k == 0 ? E.ERR_EMPTY : k < H.MH_MIN_READ ? E.ERR_MH_TRUNCATED : E.ERR_HEADER_LEN_EXCEEDS;
          expect(H.mh_check(m, k)).toBe(want);
          expect(mh_message_parse(m, k, 0, new MhMessage())).toBe(want);
        }
      }
      expect(H.mh_check(vPkt + vMh, vMhLen)).toBe(E.MH_OK);
    }
  });
  it("after the gate parse reads only the MH's bytes", () => {
    expect_fill_ignored(message_digest);
  });
  it("parse refuses an unknown type and a Header Len below the type's minimum", () => {
    locate(7); // BU phkt: Header Len 3
    const m = stage(vPkt + vMh, vMhLen, 0);
    store<u8>(m + H.MH_TYPE, 8);
    expect(mh_message_parse(m, vMhLen, 0, new MhMessage())).toBe(E.ERR_UNKNOWN_TYPE);
    const hot = unhex("3b0003000000" + "0000");
    expect(mh_message_parse(hot, 8, 0, new MhMessage())).toBe(E.ERR_HEADER_LEN_MIN); // HoT needs 24 bytes
  });
  it("emit writes nothing and fails when the fixed part does not fit", () => {
    const r = new MhMessage();
    for (let t: u32 = 0; t <= H.MH_TYPE_MAX; t++) {
      r.type = t;
      r.cookie = <u32>OUT + 2048; r.token = <u32>OUT + 2048; r.homeAddress = <u32>OUT + 2048;
      const fixed = mh_fixed_len(t);
      for (let cap: u32 = 0; cap < fixed; cap++) {
        clear_out();
        expect(mh_message_emit(OUT, cap, 0, 0, r)).toBe(E.ERR_BUILD_CAPACITY);
        expect(untouched_from(0)).toBe(true);
      }
      expect(mh_message_emit(OUT, fixed, 0, 0, r)).toBe(<i32>fixed);
      expect(untouched_from(fixed)).toBe(true);
    }
  });
});

describe("the decode record embeds an MhMessage", () => {
  it("at [48, 92), field by field", () => {
    expect(offsetof<MhMessage>("type")).toBe(D.DEC_MH_TYPE - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("fields")).toBe(D.DEC_FIELDS - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("seq")).toBe(D.DEC_SEQ - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("flags")).toBe(D.DEC_FLAGS - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("lifetime")).toBe(D.DEC_LIFETIME - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("status")).toBe(D.DEC_STATUS - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("nonceIndex")).toBe(D.DEC_NONCE_INDEX - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("cookie")).toBe(D.DEC_COOKIE - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("token")).toBe(D.DEC_TOKEN - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("homeAddress")).toBe(D.DEC_HOME_ADDRESS - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>("checksum")).toBe(D.DEC_CHECKSUM - D.DEC_MH_TYPE);
    expect(offsetof<MhMessage>()).toBe(D.DEC_OPT_COUNT - D.DEC_MH_TYPE);
  });
});

describe("mobility options (options.ts)", () => {
  it("the gate refuses every truncation of every option of every vector", () => {
    let options = 0;
    const r = new O.MhOption();
    for (let v = 0; v < VALID.length; v++) {
      locate(v);
      const m = vPkt + vMh;
      let o = mh_fixed_len(H.mh_type(m));
      while (o < vMhLen) {
        expect(O.opt_parse(m + o, vMhLen - o, r)).toBe(E.MH_OK);
        const size = O.opt_size(r);
        for (let k: u32 = 0; k < size; k++) {
          for (let f = 0; f < 2; f++) expect(O.opt_parse(stage(m + o, k, f), k, new O.MhOption())).toBe(E.ERR_OPTION_OVERRUN);
        }
        options++;
        o += size;
      }
    }
    expect(options).toBe(116); // valid.pcap: 116 options, Pad1 included
  });
  it("after the gate parse reads only the options' bytes", () => {
    expect_fill_ignored(options_digest);
  });
  it("the profile's length rule: BRA 2, Alternate CoA 16, Nonce Indices 4, BAD 12, fragments not empty", () => {
    const r = new O.MhOption();
    expect(O.opt_parse(unhex("0203000000"), 5, r)).toBe(E.ERR_OPTION_LENGTH);
    expect(O.opt_parse(unhex("0202abcd"), 4, r)).toBe(E.MH_OK);
    expect(r.len).toBe(2);
    expect(O.opt_parse(unhex("030f" + "00".repeat(15)), 17, r)).toBe(E.ERR_OPTION_LENGTH);
    expect(O.opt_parse(unhex("0405" + "00".repeat(5)), 7, r)).toBe(E.ERR_OPTION_LENGTH);
    expect(O.opt_parse(unhex("050b" + "00".repeat(11)), 13, r)).toBe(E.ERR_OPTION_LENGTH);
    expect(O.opt_parse(unhex("0c00"), 2, r)).toBe(E.ERR_OPTION_LENGTH);
    expect(O.opt_parse(unhex("c803010203"), 5, r)).toBe(E.MH_OK); // unknown type: any length
  });
});

describe("emit(parse(x)) == x over every vector's MH", () => {
  it("the fixed part, then every option in order, give back the MH byte for byte", () => {
    const msg = new MhMessage();
    const r = new O.MhOption();
    for (let v = 0; v < VALID.length; v++) {
      locate(v);
      const m = vPkt + vMh;
      expect(mh_message_parse(m, vMhLen, vPkt, msg)).toBe(E.MH_OK);
      clear_out();
      let o = <u32>mh_message_emit(OUT, 4096, H.mh_header_len(m), vPkt, msg);
      expect(o).toBe(mh_fixed_len(msg.type));
      while (o < vMhLen) {
        expect(O.opt_parse(m + o, vMhLen - o, r)).toBe(E.MH_OK);
        const n = O.opt_emit(OUT + o, 4096 - o, r.type, r.value, r.len);
        expect(n).toBe(<i32>O.opt_size(r));
        o += <u32>n;
      }
      expect(o).toBe(vMhLen);
      if (v == NONZERO_RESERVED) {
        expect(load<u8>(m + H.MH_RESERVED)).not.toBe(0);
        store<u8>(m + H.MH_RESERVED, 0);
      }
      expect(hex(OUT, vMhLen)).toBe(hex(m, vMhLen));
      expect(untouched_from(vMhLen)).toBe(true);
    }
  });
});

describe("emitters fail loudly", () => {
  it("an option that does not fit: ERR_BUILD_CAPACITY, nothing written", () => {
    const data = unhex("00112233445566778899aabbccddeeff");
    for (let cap: u32 = 0; cap < 18; cap++) {
      clear_out();
      expect(O.opt_emit(OUT, cap, O.OPT_ALT_COA, data, 16)).toBe(E.ERR_BUILD_CAPACITY);
      expect(untouched_from(0)).toBe(true);
    }
    clear_out();
    expect(O.opt_emit(OUT, 0, O.OPT_PAD1, 0, 0)).toBe(E.ERR_BUILD_CAPACITY);
    expect(O.opt_pad_emit(OUT, 3, 4)).toBe(E.ERR_BUILD_CAPACITY);
    expect(untouched_from(0)).toBe(true);
  });
  it("an option that cannot be encoded: ERR_BUILD_OPTION, nothing written", () => {
    const big = heap.alloc(300);
    clear_out();
    expect(O.opt_emit(OUT, 4096, O.OPT_PADN, big, 256)).toBe(E.ERR_BUILD_OPTION);   // length past a byte
    expect(O.opt_emit(OUT, 4096, 256, big, 1)).toBe(E.ERR_BUILD_OPTION);            // type past a byte
    expect(O.opt_emit(OUT, 4096, O.OPT_PAD1, big, 1)).toBe(E.ERR_BUILD_OPTION);     // a Pad1 has no value
    expect(O.opt_pad_emit(OUT, 4096, 258)).toBe(E.ERR_BUILD_OPTION);                 // more than one PadN
    expect(untouched_from(0)).toBe(true);
    expect(O.opt_emit(OUT, 4096, O.OPT_PADN, big, 255)).toBe(257);
  });
});

describe("the builder fails loudly", () => {
  it("every output buffer shorter than the packet: ERR_BUILD_CAPACITY, nothing written past it", () => {
    // valid.jsonl line 10: BU with HAO, Alternate CoA (8n+6), Nonce Indices, BAD (8n+2)
    req(5, COA, ANCHOR); hoa(HOME);
    field(B.REQ_SEQ, 1109); field(B.REQ_FLAGS, 3); field(B.REQ_LIFETIME, 1000);
    opt(O.OPT_ALT_COA, "20010db80200000238676dfe032d773c");
    opt(O.OPT_NONCE_INDICES, "00000000"); opt(O.OPT_BAD, "41f2d80c2c6f28e58823f200");
    const full = B.mh_build_packet(B.BREQ, OUT, 4096);
    expect(hex(OUT, <u32>full)).toBe(VALID[9]);
    for (let cap: u32 = 0; cap < <u32>full; cap++) {
      clear_out();
      expect(B.mh_build_packet(B.BREQ, OUT, cap)).toBe(E.ERR_BUILD_CAPACITY);
      expect(<i32>B.bres(B.BRES_RESULT)).toBe(E.ERR_BUILD_CAPACITY);
      expect(untouched_from(cap)).toBe(true);
    }
  });
  it("a value too long for one option of a type that cannot be fragmented: ERR_BUILD_OPTION", () => {
    for (let len: u32 = 255; len <= 257; len++) {
      req(5, COA, ANCHOR);
      optLong(O.OPT_MNP, 0, len);
      expect(B.mh_build_packet(B.BREQ, OUT, 4096)).toBe(len == 255 ? 40 + 272 : E.ERR_BUILD_OPTION); // MH: 12 + 2 + 255, padded to 8n
    }
    req(6, ANCHOR, COA);
    optLong(O.OPT_PADN, 0, 256);
    expect(B.mh_build_packet(B.BREQ, OUT, 4096)).toBe(E.ERR_BUILD_OPTION);
  });
  it("an option type past a byte: ERR_BUILD_OPTION, not a truncated type", () => {
    req(5, COA, ANCHOR);
    opt(O.OPT_NONCE_INDICES, "00000000");
    opt(256 + O.OPT_BAD, "000000000000000000000000");
    expect(B.mh_build_packet(B.BREQ, OUT, 4096)).toBe(E.ERR_BUILD_OPTION);
  });
  it("an MH longer than Header Len can say (2048 bytes): ERR_BUILD_OPTION; shorter buffer: ERR_BUILD_CAPACITY", () => {
    const data = heap.alloc(2100);
    for (let len: u32 = 1900; len <= 2100; len += 100) {
      req(5, COA, ANCHOR);
      optAt(O.OPT_CGA_PARAMS, data, len);
      const n = B.mh_build_packet(B.BREQ, OUT, 4096);
      // 12 fixed bytes, 2 per 255-byte fragment, the value, padding to 8n
      const mhLen: u32 = (12 + 2 * ((len + 254) / 255) + len + 7) & ~7;
      if (mhLen <= B.MH_MAX_LEN) {
        expect(n).toBe(<i32>(40 + mhLen));
        expect(D.mh_decode_packet(OUT, <u32>n)).toBe(0);
        expect(D.dec(D.DEC_CGA_LEN)).toBe(len);
      } else {
        expect(n).toBe(E.ERR_BUILD_OPTION);
      }
      expect(B.mh_build_packet(B.BREQ, OUT, 1000)).toBe(E.ERR_BUILD_CAPACITY);
    }
  });
  it("whatever it builds carries every option it was asked for", () => {
    // 1 to 32 Nonce Indices options (2n) after a BRA: each one decodes back
    for (let count: u32 = 1; count <= B.REQ_STATIC_OPTS; count++) {
      B.breq_begin(6, unhex(ANCHOR), unhex(COA), 64);
      for (let i: u32 = 0; i < count; i++) expect(B.breq_add_option(O.OPT_NONCE_INDICES, unhex("00010002"), 4)).toBe(E.MH_OK);
      const n = B.mh_build_packet(B.BREQ, OUT, 4096);
      expect(n).toBeGreaterThan(0);
      expect(D.mh_decode_packet(OUT, <u32>n)).toBe(0);
      let seen: u32 = 0;
      for (let k: u32 = 0; k < D.dec(D.DEC_OPT_COUNT); k++) {
        if (load<u32>(D.OPTS + k * D.OPT_ENTRY_SIZE) == O.OPT_NONCE_INDICES) seen++;
      }
      expect(seen).toBe(count);
    }
  });
});
