// The decoder's first part: the IPv6 fixed header and the extension-header chain of the packet
// into the decode record (decode-record.ts), through the wire views' gates and accessors:
// ipv6.ts, the chain walker (ext-chain.ts, its chain_check the length gate of every header, so
// the views' gates are entered after their length half: ext-options.ts opts_read, rh2.ts
// rh2_format_check; a BA to every MN has an RH2, so the check and the accessor rather than
// the Repr), fragment.ts (frag_parse). The Authentication Header is
// stepped over unread.
//
// Check order (the first failure wins): < 40 bytes, version, Payload Length past the capture;
// then per header: truncation, option overrun, HAO length, TEL length, RH2 format, duplicates.

import * as ip from "../wire/ipv6";
import * as E from "./errors";
import { Chain, chain_begin, chain_at_extension, chain_check, chain_next } from "../wire/ext-chain";
import { OptsRepr, opts_reset, opts_read } from "../wire/ext-options";
import { rh2_format_check, RH_TYPE_2, RH2_HOME_ADDRESS } from "../wire/rh2";
import { rh_type } from "../wire/ext";
import { FragRepr, frag_parse } from "../wire/fragment";
import {
  dec, dec_set, dec_mark, dec_has, dec_fail, DEC_SRC, DEC_DST, DEC_HOP_LIMIT, DEC_END, DEC_HOA, DEC_RH2,
  DEC_ENCAP_LIMIT, DEC_UPPER_PROTO, DEC_UPPER_OFF, P_IPV6, P_HOA, P_RH2, P_ENCAP_LIMIT, P_FRAG_FIRST, P_FRAG_LATER,
} from "./decode-record";

const CHAIN = new Chain();
const OPTS_SEEN = new OptsRepr();
const FRAG = new FragRepr();

/**
 * Decodes the fixed header and the extension headers of the packet in [p, p+len): 0 with
 * DEC_UPPER_PROTO / DEC_UPPER_OFF on the upper layer (P_FRAG_LATER: a later fragment, whose
 * upper layer is not there), or a negative code recorded with dec_fail. Every read is inside
 * [p, p + DEC_END) and DEC_END <= len.
 */
@inline export function decode_ipv6_chain(p: usize, len: u32): i32 {
  const gate = ip.ipv6_header_check(p, len);
  if (gate != E.MH_OK) return dec_fail(gate, gate == E.ERR_IPV6_TRUNCATED ? len : 0);
  dec_set(DEC_SRC, <u32>ip.OFF_SRC);
  dec_set(DEC_DST, <u32>ip.OFF_DST);
  dec_set(DEC_HOP_LIMIT, ip.hop_limit(p));
  dec_mark(P_IPV6);
  const end = ip.ipv6_end(p);
  dec_set(DEC_END, end);
  if (end > len) return dec_fail(E.ERR_PAYLOAD_TRUNCATED, len);

  const c = CHAIN;
  let optsFresh = false;   // OPTS_SEEN is reset at the packet's first options header only
  chain_begin(c, p, end);
  while (chain_at_extension(c)) {
    if (!chain_check(c)) return dec_fail(E.ERR_EXT_TRUNCATED, c.off);
    const off = c.off;
    const h = p + off;
    const nh = c.nh;
    if (nh == ip.NH_HOP_BY_HOP || nh == ip.NH_DEST_OPTS) {
      if (!optsFresh) { opts_reset(OPTS_SEEN); optsFresh = true; }
      const r = options_header(p, h, nh == ip.NH_DEST_OPTS);
      if (r < 0) return dec_fail(r, off + OPTS_SEEN.errAt);
    } else if (nh == ip.NH_ROUTING) {
      if (rh_type(h) == RH_TYPE_2) {
        const r = rh2_format_check(h); // chain_check made rh2_check's length half
        if (r < 0) return dec_fail(r, off);
        if (dec_has(P_RH2)) return dec_fail(E.ERR_DUPLICATE, off);
        dec_set(DEC_RH2, off + RH2_HOME_ADDRESS);
        dec_mark(P_RH2);
      }
    } else if (nh == ip.NH_FRAGMENT) {
      frag_parse(h, c.len, FRAG); // chain_check found its 8 bytes
      chain_next(c);
      if (FRAG.offset != 0) {
        // A later fragment carries no upper-layer header: stop here.
        dec_mark(P_FRAG_LATER);
        break;
      }
      if (FRAG.more) dec_mark(P_FRAG_FIRST);
      continue;
    }
    chain_next(c);
  }
  dec_set(DEC_UPPER_PROTO, c.nh);
  dec_set(DEC_UPPER_OFF, c.off);
  return 0;
}

/** An options header at `h`, whole inside (chain_check): what it adds to the record, or its parse code. */
@inline function options_header(p: usize, h: usize, isDest: bool): i32 {
  const hadHoa = OPTS_SEEN.hoa != 0;
  const r = opts_read(h, isDest, OPTS_SEEN);
  // What the header holds before a failure stays in the record.
  if (!hadHoa && OPTS_SEEN.hoa != 0) {
    dec_set(DEC_HOA, <u32>(OPTS_SEEN.hoa - p));
    dec_mark(P_HOA);
  }
  if (OPTS_SEEN.encapLimit >= 0) {
    dec_set(DEC_ENCAP_LIMIT, <u32>OPTS_SEEN.encapLimit);
    dec_mark(P_ENCAP_LIMIT);
  }
  return r;
}
