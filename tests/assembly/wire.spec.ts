// The IPv6 wire views (assembly/wire/): for the fixed header and each extension header the
// profile reads (Hop-by-Hop / Destination Options with HAO and TEL, Type 2 Routing Header,
// Fragment): the check gate refuses every truncation, the accessors after it read only the
// header's bytes (staged before two different fills, they answer the same), emit(parse(x)) == x
// on the headers of the vector packets (tests/vectors/mh/valid.pcap), and an emitter without
// room fails and writes nothing.
import * as ip from "../../assembly/wire/ipv6";
import * as W from "../../assembly/wire/errors";
import { Chain, chain_begin, chain_at_extension, chain_check, chain_next } from "../../assembly/wire/ext-chain";
import { rh_type } from "../../assembly/wire/ext";
import {
  OptsRepr, opts_reset, opts_parse, opts_emit, opts_emit_len, ipopt_type, ipopt_len, IPOPT_PAD1, NO_ENCAP_LIMIT,
} from "../../assembly/wire/ext-options";
import { Rh2Repr, rh2_check, rh2_parse, rh2_emit, RH_TYPE_2, RH2_LEN } from "../../assembly/wire/rh2";
import { FragRepr, frag_check, frag_parse, frag_emit, FRAG_LEN } from "../../assembly/wire/fragment";
import { unhex, hex } from "./bytes";
import { VALID } from "./mh-vectors";
import { stage, same, mix, mix_addr, FNV_START } from "./stage";

const OUT = heap.alloc(4096);
const SENTINEL: u8 = 0xa5;
function clear_out(): void { memory.fill(OUT, SENTINEL, 4096); }
function out_untouched(): bool {
  for (let i = 0; i < 4096; i++) if (load<u8>(OUT + i) != SENTINEL) return false;
  return true;
}
function bytesOf(h: string): u32 { return <u32>(h.length >> 1); }

// ---- per-header digests: everything the view's accessors and parse give, folded
function ipv6_digest(p: usize, len: u32): u64 {
  const r = new ip.Ipv6Repr();
  const code = ip.ipv6_parse(p, len, r);
  let h = mix(FNV_START, <u64>code);
  h = mix(h, <u64>ip.version(p)); h = mix(h, <u64>ip.traffic_class(p)); h = mix(h, <u64>ip.flow_label(p));
  h = mix(h, <u64>ip.payload_len(p)); h = mix(h, <u64>ip.next_header(p)); h = mix(h, <u64>ip.hop_limit(p));
  h = mix(h, <u64>ip.ipv6_end(p));
  h = mix_addr(mix_addr(h, r.src), r.dst);
  return h;
}
function opts_digest(p: usize, len: u32, isDest: bool): u64 {
  const r = new OptsRepr();
  const code = opts_parse(p, len, isDest, r);
  let h = mix(FNV_START, <u64>code);
  h = mix(h, <u64>r.nextHeader); h = mix(h, <u64>r.len); h = mix(h, <u64>r.encapLimit); h = mix(h, <u64>r.errAt);
  return mix_addr(h, r.hoa);
}
function rh2_digest(p: usize, len: u32): u64 {
  const r = new Rh2Repr();
  const code = rh2_parse(p, len, r);
  let h = mix(FNV_START, <u64>code);
  h = mix(h, <u64>r.nextHeader);
  return mix_addr(h, code == 0 ? r.homeAddress : 0);
}
function frag_digest(p: usize, len: u32): u64 {
  const r = new FragRepr();
  const code = frag_parse(p, len, r);
  let h = mix(FNV_START, <u64>code);
  if (code == 0) { h = mix(h, <u64>r.nextHeader); h = mix(h, <u64>r.offset); h = mix(h, <u64>r.more); h = mix(h, <u64>r.ident); }
  return h;
}

/** Every extension header of vector `v`: calls `each(kind, offset, length)`. */
function each_header(pkt: usize, len: u32, each: (nh: u32, off: u32, hlen: u32, pkt: usize) => void): void {
  const c = new Chain();
  chain_begin(c, pkt, len);
  while (chain_at_extension(c)) {
    expect(chain_check(c)).toBe(true);
    each(c.nh, c.off, c.len, pkt);
    chain_next(c);
  }
}

describe("IPv6 fixed header view", () => {
  it("the gate refuses every truncation and a version other than 6", () => {
    for (let v = 0; v < VALID.length; v++) {
      const src = unhex(VALID[v]);
      for (let k: u32 = 0; k < ip.IPV6_HEADER_LEN; k++) {
        for (let f = 0; f < 2; f++) expect(ip.ipv6_header_check(stage(src, k, f), k)).toBe(W.ERR_IPV6_TRUNCATED);
      }
      const p = stage(src, 40, 0);
      expect(ip.ipv6_header_check(p, 40)).toBe(W.WIRE_OK);
      store<u8>(p, 0x45);
      expect(ip.ipv6_header_check(p, 40)).toBe(W.ERR_NOT_IPV6);
    }
  });
  it("after the gate the accessors read only the 40 bytes", () => {
    for (let v = 0; v < VALID.length; v++) {
      const src = unhex(VALID[v]);
      expect(ipv6_digest(stage(src, 40, 0), 40)).toBe(ipv6_digest(stage(src, 40, 1), 40));
    }
  });
  it("emit(parse(x)) == x for every vector packet's fixed header", () => {
    const r = new ip.Ipv6Repr();
    for (let v = 0; v < VALID.length; v++) {
      const src = unhex(VALID[v]);
      expect(ip.ipv6_parse(src, bytesOf(VALID[v]), r)).toBe(W.WIRE_OK);
      clear_out();
      expect(ip.ipv6_emit(OUT, 4096, r)).toBe(40);
      expect(hex(OUT, 40)).toBe(VALID[v].substr(0, 80));
    }
  });
  it("emit without room fails and writes nothing", () => {
    const r = new ip.Ipv6Repr();
    ip.ipv6_parse(unhex(VALID[0]), 40, r);
    for (let cap: u32 = 0; cap < 40; cap++) {
      clear_out();
      expect(ip.ipv6_emit(OUT, cap, r)).toBe(W.ERR_BUILD_CAPACITY);
      expect(out_untouched()).toBe(true);
    }
  });
});

// The vector packets' options headers, Type 2 Routing Headers: how many the walk met.
let optsSeen: u32 = 0;
let rh2Seen: u32 = 0;

describe("Hop-by-Hop / Destination Options view", () => {
  it("the gate refuses every truncation of every vector's options header", () => {
    optsSeen = 0;
    for (let v = 0; v < VALID.length; v++) {
      each_header(unhex(VALID[v]), bytesOf(VALID[v]), (nh: u32, off: u32, hlen: u32, pkt: usize): void => {
        if (nh != ip.NH_DEST_OPTS && nh != ip.NH_HOP_BY_HOP) return;
        optsSeen++;
        const r = new OptsRepr();
        for (let k: u32 = 0; k < hlen; k++) {
          for (let f = 0; f < 2; f++) {
            opts_reset(r);
            expect(opts_parse(stage(pkt + off, k, f), k, true, r)).toBe(W.ERR_EXT_TRUNCATED);
          }
        }
      });
    }
    expect(optsSeen).toBe(19); // valid.pcap: 19 Destination Options headers
  });
  it("after the gate parse reads only the header's bytes", () => {
    for (let v = 0; v < VALID.length; v++) {
      each_header(unhex(VALID[v]), bytesOf(VALID[v]), (nh: u32, off: u32, hlen: u32, pkt: usize): void => {
        if (nh != ip.NH_DEST_OPTS && nh != ip.NH_HOP_BY_HOP) return;
        expect(opts_digest(stage(pkt + off, hlen, 0), hlen, true)).toBe(opts_digest(stage(pkt + off, hlen, 1), hlen, true));
      });
    }
  });
  it("emit(parse(x)) == x for every vector's Destination Options header", () => {
    for (let v = 0; v < VALID.length; v++) {
      each_header(unhex(VALID[v]), bytesOf(VALID[v]), (nh: u32, off: u32, hlen: u32, pkt: usize): void => {
        if (nh != ip.NH_DEST_OPTS) return;
        const r = new OptsRepr();
        expect(opts_parse(pkt + off, hlen, true, r)).toBe(W.WIRE_OK);
        expect(r.hoa).toBe(pkt + off + 8);
        clear_out();
        expect(opts_emit(OUT, 4096, r)).toBe(<i32>hlen);
        expect(hex(OUT, hlen)).toBe(hex(pkt + off, hlen));
      });
    }
  });
  it("the canonical layouts with a Tunnel Encapsulation Limit parse back to what was emitted", () => {
    const hoa = unhex("20010db80100000124537a9be2f71561");
    for (let withHoa = 0; withHoa < 2; withHoa++) {
      for (let tel = -1; tel < 256; tel += 64) {
        const r = new OptsRepr();
        opts_reset(r);
        r.nextHeader = ip.NH_MOBILITY;
        r.hoa = withHoa ? hoa : 0;
        r.encapLimit = tel < 0 ? NO_ENCAP_LIMIT : min(tel, 255);
        clear_out();
        const n = opts_emit(OUT, 4096, r);
        expect(n).toBe(<i32>opts_emit_len(r));
        expect(n % 8).toBe(0);
        const back = new OptsRepr();
        expect(opts_parse(OUT, <u32>n, true, back)).toBe(W.WIRE_OK);
        expect(back.nextHeader).toBe(ip.NH_MOBILITY);
        expect(back.encapLimit).toBe(r.encapLimit);
        if (withHoa) {
          expect(back.hoa).toBe(OUT + 8); // the HAO's type byte at 8n+6
          expect(hex(back.hoa, 16)).toBe(hex(hoa, 16));
        } else {
          expect(back.hoa).toBe(0);
        }
      }
    }
  });
  it("a Hop-by-Hop header's HAO and TEL are not read as the profile's", () => {
    // A Destination Options header of the vectors relabelled Hop-by-Hop: walked, nothing kept.
    const p = unhex(VALID[7]);
    const r = new OptsRepr();
    opts_reset(r);
    expect(opts_parse(p + 40, 24, false, r)).toBe(W.WIRE_OK);
    expect(r.hoa).toBe(0);
  });
  it("each option rule has its code and the offset of the option", () => {
    const p = unhex(VALID[7]);
    const r = new OptsRepr();
    store<u8>(p + 40 + 7, 15); // HAO length 15
    opts_reset(r);
    expect(opts_parse(p + 40, 24, true, r)).toBe(W.ERR_HAO_LENGTH);
    expect(r.errAt).toBe(6);
    store<u8>(p + 40 + 7, 17); // HAO running past the header
    opts_reset(r);
    expect(opts_parse(p + 40, 24, true, r)).toBe(W.ERR_EXT_OPTION_OVERRUN);
    store<u8>(p + 40 + 7, 16);
    opts_reset(r);
    expect(opts_parse(p + 40, 24, true, r)).toBe(W.WIRE_OK);
    expect(opts_parse(p + 40, 24, true, r)).toBe(W.ERR_DUPLICATE); // the same packet's second HAO
    store<u8>(p + 42, 4); // PadN -> TEL of length 2
    opts_reset(r);
    expect(opts_parse(p + 40, 24, true, r)).toBe(W.ERR_TEL_LENGTH);
    expect(r.errAt).toBe(2);
  });
  it("emit without room fails and writes nothing", () => {
    const r = new OptsRepr();
    opts_reset(r);
    r.hoa = unhex("20010db80100000124537a9be2f71561");
    r.encapLimit = 4;
    const need = opts_emit_len(r);
    for (let cap: u32 = 0; cap < need; cap++) {
      clear_out();
      expect(opts_emit(OUT, cap, r)).toBe(W.ERR_BUILD_CAPACITY);
      expect(out_untouched()).toBe(true);
    }
  });
  it("Pad1 and PadN are stepped over; the walk ends at the header's end", () => {
    const p = unhex("3b00" + "00" + "0102aabb" + "00");
    expect(ipopt_type(p + 2)).toBe(IPOPT_PAD1);
    expect(ipopt_len(p + 3)).toBe(2);
    const r = new OptsRepr();
    opts_reset(r);
    expect(opts_parse(p, 8, true, r)).toBe(W.WIRE_OK);
    expect(r.nextHeader).toBe(ip.NH_NONE);
  });
});

describe("Type 2 Routing Header view", () => {
  it("the gate refuses every truncation, then the format rules", () => {
    rh2Seen = 0;
    for (let v = 0; v < VALID.length; v++) {
      each_header(unhex(VALID[v]), bytesOf(VALID[v]), (nh: u32, off: u32, hlen: u32, pkt: usize): void => {
        if (nh != ip.NH_ROUTING || rh_type(pkt + off) != RH_TYPE_2) return;
        rh2Seen++;
        for (let k: u32 = 0; k < RH2_LEN; k++) {
          for (let f = 0; f < 2; f++) expect(rh2_check(stage(pkt + off, k, f), k)).toBe(W.ERR_EXT_TRUNCATED);
        }
        const p = stage(pkt + off, RH2_LEN, 0);
        expect(rh2_check(p, RH2_LEN)).toBe(W.WIRE_OK);
        store<u8>(p + 3, 0); // Segments Left 0
        expect(rh2_check(p, RH2_LEN)).toBe(W.ERR_RH2_FORMAT);
        store<u8>(p + 3, 1); store<u8>(p + 1, 0); // Hdr Ext Len 0: 8 bytes, not 24
        expect(rh2_check(p, RH2_LEN)).toBe(W.ERR_RH2_FORMAT);
      });
    }
    expect(rh2Seen).toBe(18); // valid.pcap: 18 Type 2 Routing Headers
  });
  it("after the gate parse reads only the 24 bytes; emit(parse(x)) == x", () => {
    for (let v = 0; v < VALID.length; v++) {
      each_header(unhex(VALID[v]), bytesOf(VALID[v]), (nh: u32, off: u32, hlen: u32, pkt: usize): void => {
        if (nh != ip.NH_ROUTING) return;
        expect(rh2_digest(stage(pkt + off, hlen, 0), hlen)).toBe(rh2_digest(stage(pkt + off, hlen, 1), hlen));
        const r = new Rh2Repr();
        expect(rh2_parse(pkt + off, hlen, r)).toBe(W.WIRE_OK);
        clear_out();
        expect(rh2_emit(OUT, 4096, r)).toBe(<i32>RH2_LEN);
        expect(hex(OUT, RH2_LEN)).toBe(hex(pkt + off, RH2_LEN));
      });
    }
  });
  it("emit without room fails and writes nothing", () => {
    const r = new Rh2Repr();
    r.nextHeader = ip.NH_MOBILITY;
    r.homeAddress = unhex("20010db80100000124537a9be2f71561");
    for (let cap: u32 = 0; cap < RH2_LEN; cap++) {
      clear_out();
      expect(rh2_emit(OUT, cap, r)).toBe(W.ERR_BUILD_CAPACITY);
      expect(out_untouched()).toBe(true);
    }
  });
});

// Fragment headers: first of several (offset 0, M), a middle one, the last one; Next Header MH.
const FRAGS: string[] = ["870000010000beef", "870000b9deadbeef", "8700ff0012345678"];

describe("Fragment header view", () => {
  it("the gate refuses every truncation; after it parse reads only the 8 bytes", () => {
    for (let i = 0; i < FRAGS.length; i++) {
      const src = unhex(FRAGS[i]);
      for (let k: u32 = 0; k < FRAG_LEN; k++) {
        for (let f = 0; f < 2; f++) {
          expect(frag_check(stage(src, k, f), k)).toBe(false);
          expect(frag_parse(stage(src, k, f), k, new FragRepr())).toBe(W.ERR_EXT_TRUNCATED);
        }
      }
      expect(frag_digest(stage(src, FRAG_LEN, 0), FRAG_LEN)).toBe(frag_digest(stage(src, FRAG_LEN, 1), FRAG_LEN));
    }
  });
  it("parse reads offset, M and identification; emit(parse(x)) == x", () => {
    const r = new FragRepr();
    expect(frag_parse(unhex(FRAGS[0]), 8, r)).toBe(W.WIRE_OK);
    expect(r.nextHeader).toBe(ip.NH_MOBILITY);
    expect(r.offset).toBe(0);
    expect(r.more).toBe(true);
    expect(r.ident).toBe(0xbeef);
    expect(frag_parse(unhex(FRAGS[1]), 8, r)).toBe(W.WIRE_OK);
    expect(r.offset).toBe(23);
    expect(r.more).toBe(true);
    expect(frag_parse(unhex(FRAGS[2]), 8, r)).toBe(W.WIRE_OK);
    expect(r.offset).toBe(0x1fe0);
    expect(r.more).toBe(false);
    for (let i = 0; i < FRAGS.length; i++) {
      expect(frag_parse(unhex(FRAGS[i]), 8, r)).toBe(W.WIRE_OK);
      clear_out();
      expect(frag_emit(OUT, 4096, r)).toBe(<i32>FRAG_LEN);
      expect(hex(OUT, FRAG_LEN)).toBe(FRAGS[i]);
    }
  });
  it("emit without room fails and writes nothing", () => {
    const r = new FragRepr();
    for (let cap: u32 = 0; cap < FRAG_LEN; cap++) {
      clear_out();
      expect(frag_emit(OUT, cap, r)).toBe(W.ERR_BUILD_CAPACITY);
      expect(out_untouched()).toBe(true);
    }
  });
});
