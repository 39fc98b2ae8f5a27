// The decoder's options part: the mobility options of an MH into the decode record and the
// option table (decode-record.ts), each read through its view (options.ts: the opt_verify
// gate, then the accessors), with the profile's rules across options: nothing after a BAD,
// fragments of CGA Parameters / Signature / PHKT adjacent, every one but the last full, one
// value per type; the fragments reassembled into the record's buffers.

import { load16_be } from "../wire/bytes";
import * as E from "./errors";
import * as O from "./options";
import {
  dec, dec_set, dec_mark, dec_fail, OPTS, OPT_ENTRY_SIZE, PAD1_LEN, CGA_BUF, SIG_BUF, PHKT_BUF,
  DEC_OPT_START, DEC_OPT_COUNT, DEC_BRA, DEC_ALT_COA, DEC_HOME_NONCE_INDEX, DEC_CAREOF_NONCE_INDEX, DEC_BAD_AUTH,
  DEC_COT_TOKEN, DEC_CGA_LEN, DEC_CGA_END, DEC_SIG_LEN, DEC_PHKT_LEN,
  P_BRA, P_ALT_COA, P_NONCE_INDICES, P_BAD, P_CGA_REQUEST, P_COT_INIT, P_COT, P_CGA_PARAMS, P_SIGNATURE, P_PHKT,
  P_CGA_THEN_SIG,
} from "./decode-record";

/** Appends `l` bytes to a reassembly buffer whose length is at record field `lenField`. */
@inline function append_value(buf: usize, lenField: u32, src: usize, l: u32): void {
  const have = dec(lenField);
  // have + l <= the MH length <= VALUE_MAX: every fragment lies inside one MH.
  memory.copy(buf + <usize>have, src, l);
  dec_set(lenField, have + l);
}

@inline function table_entry(i: u32, type: u32, len: u32, off: u32): void {
  const e = OPTS + <usize>(i * OPT_ENTRY_SIZE);
  store<u32>(e, type); store<u32>(e, len, 4); store<u32>(e, off, 8);
}

/**
 * Decodes the options in [o, stop) of the packet at `p` (offsets from p; stop is the end of
 * the MH, inside the packet): 0, or a negative code recorded with dec_fail. Each step consumes
 * at least one byte, so at most stop - o steps; the table holds one entry per byte of an MH.
 */
@inline export function decode_mh_options(p: usize, o: u32, stop: u32): i32 {
  dec_set(DEC_OPT_START, o);
  let count: u32 = 0;
  let badSeen = false;
  let prevType: i32 = -1;   // the option immediately before (Pad1 included), -1 none
  let prevLen: u32 = 0;
  let seen: u32 = 0;        // bit t: a value of fragmentable type t was started
  while (o < stop) {
    if (badSeen) return dec_fail(E.ERR_BAD_NOT_LAST, o);
    // o < stop: the type byte is there (opt_verify's first check)
    const t = O.opt_type(p + o);
    if (t == O.OPT_PAD1) {
      table_entry(count, 0, PAD1_LEN, o);
      count++; o++; prevType = 0; prevLen = 0;
      continue;
    }
    const code = O.opt_verify_value(p + o, stop - o, t);
    if (code != E.MH_OK) return dec_fail(code, o);
    const l = O.opt_len(p + o);
    const v = o + O.OPT_DATA;
    const value = p + v;
    table_entry(count, t, l, v);
    count++;
    switch (t) {
      case O.OPT_BRA: {
        dec_set(DEC_BRA, load16_be(value)); dec_mark(P_BRA); break;
      }
      case O.OPT_ALT_COA: {
        dec_set(DEC_ALT_COA, v); dec_mark(P_ALT_COA); break;
      }
      case O.OPT_NONCE_INDICES: {
        dec_set(DEC_HOME_NONCE_INDEX, load16_be(value + O.NI_HOME_INDEX));
        dec_set(DEC_CAREOF_NONCE_INDEX, load16_be(value + O.NI_CAREOF_INDEX));
        dec_mark(P_NONCE_INDICES);
        break;
      }
      case O.OPT_BAD: {
        dec_set(DEC_BAD_AUTH, v); dec_mark(P_BAD); badSeen = true; break;
      }
      case O.OPT_CGA_REQUEST: { dec_mark(P_CGA_REQUEST); break; }
      case O.OPT_COT_INIT: { dec_mark(P_COT_INIT); break; }
      case O.OPT_COT: { dec_set(DEC_COT_TOKEN, v); dec_mark(P_COT); break; }
      case O.OPT_CGA_PARAMS: case O.OPT_SIGNATURE: case O.OPT_PHKT: {
        if (prevType == <i32>t) {
          // continuation: the fragment before must have been full
          if (prevLen != O.OPT_FRAGMENT_MAX) return dec_fail(E.ERR_OPTION_FRAGMENT, o);
        } else if (seen & (1 << t)) {
          return dec_fail(E.ERR_OPTION_FRAGMENT, o);
        }
        seen |= 1 << t;
        if (t == O.OPT_CGA_PARAMS) {
          append_value(CGA_BUF, DEC_CGA_LEN, value, l);
          dec_set(DEC_CGA_END, v + l);
          dec_mark(P_CGA_PARAMS);
        } else if (t == O.OPT_SIGNATURE) {
          if (prevType == <i32>O.OPT_CGA_PARAMS) dec_mark(P_CGA_THEN_SIG);
          append_value(SIG_BUF, DEC_SIG_LEN, value, l);
          dec_mark(P_SIGNATURE);
        } else {
          append_value(PHKT_BUF, DEC_PHKT_LEN, value, l);
          dec_mark(P_PHKT);
        }
        break;
      }
    }
    prevType = <i32>t;
    prevLen = l;
    o = v + l;
  }
  dec_set(DEC_OPT_COUNT, count);
  return 0;
}
