// Building IPv6 packets that carry a Mobility Header: IPv6 header, [Type 2 Routing Header],
// [Destination Options with the Home Address option], MH with its options laid out by the
// RFC 6275 §6.2 alignment rules, padded to a multiple of 8, Header Len and checksum filled.
//
// ---- Build request (native little-endian; mirrored in host/core/mh.ts) ----------------------
//   [0]  u32 MH type                 [4]  u32 bits: 1 HoA, 2 RH2, 4 leave the checksum zero,
//                                         8 an option was refused (breq_add_option: the build fails)
//   [8]  u8[16] IPv6 source          [24] u8[16] IPv6 destination
//   [40] u8[16] HoA (Home Address option, bit 1)   [56] u8[16] RH2 address (bit 2)
//   [72] u32 hop limit               [76] u32 sequence number
//   [80] u32 flags (FLAG_A|H|L|K)    [84] u32 lifetime
//   [88] u32 status                  [92] u32 nonce index (HoT/CoT)
//   [96] u8[8] cookie                [104] u8[8] keygen token (HoT/CoT)
//   [112] u8[16] home address (BE)   [128] u32 option count   [132] u32 reserved (0)
//   [136] options, 12 bytes each: u32 type, u32 data pointer, u32 data length
// Option rules: type 0 emits one Pad1 byte and type 1 a PadN carrying the given data, exactly
// where they stand; other types get Pad1/PadN in front as their alignment needs (2: 2n,
// 3: 8n+6, 4: 2n, 5: 8n+2); values of types 12/13/14 longer than 255 bytes are split into
// adjacent options of 255 bytes and a last shorter one; other values must fit 255 bytes. The MH
// is padded at the end to a multiple of 8 (nothing is added after a BAD ending at 8n).
//
// ---- Build result BRES (native little-endian u32) --------------------------------------------
//   [0] result: packet length or a negative code   [4] MH offset   [8] MH length
//   [12] offset of the BAD authenticator (0 none)   [16] end of the last CGA Parameters option
//   [20] HoA offset (0 none)   [24] RH2 address offset (0 none)   [28] Alternate CoA offset
//   [32] offset of the checksum field
// For the engines: build with zero BAD / Signature bytes, compute the authenticator or the
// signature over the MH (its checksum is still zero when bit 4 is set), write it with
// mh_rewrite_value, then mh_finish_checksum.

import { load8, store8, store16_be, store64_be, load64_be, copy_addr } from "../wire/bytes";
import * as ip from "../wire/ipv6";
import { upper_layer_checksum } from "../wire/checksum";
import * as E from "./errors";
import * as X from "../wire/ext";
import * as H from "./header";
import * as O from "./options";

export const REQ_TYPE: u32 = 0;
export const REQ_BITS: u32 = 4;
export const REQ_SRC: u32 = 8;
export const REQ_DST: u32 = 24;
export const REQ_HOA: u32 = 40;
export const REQ_RH2: u32 = 56;
export const REQ_HOP_LIMIT: u32 = 72;
export const REQ_SEQ: u32 = 76;
export const REQ_FLAGS: u32 = 80;
export const REQ_LIFETIME: u32 = 84;
export const REQ_STATUS: u32 = 88;
export const REQ_NONCE_INDEX: u32 = 92;
export const REQ_COOKIE: u32 = 96;
export const REQ_TOKEN: u32 = 104;
export const REQ_HOME_ADDRESS: u32 = 112;
export const REQ_OPT_COUNT: u32 = 128;
export const REQ_OPTIONS: u32 = 136;
export const REQ_OPT_SIZE: u32 = 12;
export const REQ_BIT_HOA: u32 = 1;
export const REQ_BIT_RH2: u32 = 2;
export const REQ_BIT_NO_CHECKSUM: u32 = 4;
export const REQ_BIT_OPTIONS_LOST: u32 = 8;

/** A static request with room for REQ_STATIC_OPTS options, for engines inside the core. */
export const REQ_STATIC_OPTS: u32 = 32;
export const BREQ: usize = memory.data(<i32>(REQ_OPTIONS + REQ_STATIC_OPTS * REQ_OPT_SIZE), 16);

export const BRES_RESULT: u32 = 0;
export const BRES_MH_OFF: u32 = 4;
export const BRES_MH_LEN: u32 = 8;
export const BRES_BAD_AUTH: u32 = 12;
export const BRES_CGA_END: u32 = 16;
export const BRES_HOA: u32 = 20;
export const BRES_RH2: u32 = 24;
export const BRES_ALT_COA: u32 = 28;
export const BRES_CHECKSUM: u32 = 32;
export const BRES_SIZE: u32 = 36;
export const BRES: usize = memory.data(48, 16);

/** Largest MH Header Len can describe. */
export const MH_MAX_LEN: u32 = 2048;

@inline export function bres(field: u32): u32 { return load<u32>(BRES + <usize>field); }

/** Starts a request in BREQ for the engines: type, addresses, hop limit; no options yet. */
export function breq_begin(type: u32, src: usize, dst: usize, hopLimit: u32): void {
  memory.fill(BREQ, 0, REQ_OPTIONS);
  store<u32>(BREQ + REQ_TYPE, type);
  copy_addr(BREQ + REQ_SRC, src);
  copy_addr(BREQ + REQ_DST, dst);
  store<u32>(BREQ + REQ_HOP_LIMIT, hopLimit);
}

/**
 * Appends an option to the request in BREQ. Past REQ_STATIC_OPTS options it returns
 * ERR_BUILD_TOO_MANY_OPTIONS and marks the request, so that building it fails too: a packet
 * never leaves without an option it was asked to carry.
 */
export function breq_add_option(type: u32, data: usize, len: u32): i32 {
  const n = load<u32>(BREQ + REQ_OPT_COUNT);
  if (n >= REQ_STATIC_OPTS) {
    store<u32>(BREQ + REQ_BITS, load<u32>(BREQ + REQ_BITS) | REQ_BIT_OPTIONS_LOST);
    return E.ERR_BUILD_TOO_MANY_OPTIONS;
  }
  const o = BREQ + REQ_OPTIONS + <usize>(n * REQ_OPT_SIZE);
  store<u32>(o, type);
  store<u32>(o, <u32>data, 4);
  store<u32>(o, len, 8);
  store<u32>(BREQ + REQ_OPT_COUNT, n + 1);
  return E.MH_OK;
}
@inline function bset(field: u32, v: u32): void { store<u32>(BRES + <usize>field, v); }
@inline function req32(req: usize, field: u32): u32 { return load<u32>(req + <usize>field); }

/** Writes k bytes of padding (Pad1 for 1, PadN otherwise) at p. */
function emit_pad(p: usize, k: u32): void {
  if (k == 0) return;
  if (k == 1) { store8(p, O.OPT_PAD1); return; }
  store8(p, O.OPT_PADN);
  store8(p + 1, k - 2);
  memory.fill(p + 2, 0, k - 2);
}

@inline function build_fail(code: i32): i32 {
  bset(BRES_RESULT, <u32>code);
  return code;
}

/** Builds the packet described by the request at `req` into [out, out+cap). Returns its length. */
export function mh_build_packet(req: usize, out: usize, cap: u32): i32 {
  memory.fill(BRES, 0, BRES_SIZE);
  const bits = req32(req, REQ_BITS);
  if (bits & REQ_BIT_OPTIONS_LOST) return build_fail(E.ERR_BUILD_TOO_MANY_OPTIONS);
  const hasHoa = (bits & REQ_BIT_HOA) != 0;
  const hasRh2 = (bits & REQ_BIT_RH2) != 0;
  let hdr: u32 = ip.IPV6_HEADER_LEN;
  if (hasRh2) hdr += X.RH2_LEN;
  if (hasHoa) hdr += X.DO_HAO_HEADER_LEN;
  const type = req32(req, REQ_TYPE);
  const fixed = H.mh_fixed_len(type);
  if (hdr + fixed > cap) return build_fail(E.ERR_BUILD_CAPACITY);

  // ---- IPv6 header and extension headers
  ip.set_ver_tc_flow(out, 0, 0);
  ip.set_hop_limit(out, req32(req, REQ_HOP_LIMIT));
  copy_addr(out + ip.OFF_SRC, req + REQ_SRC);
  copy_addr(out + ip.OFF_DST, req + REQ_DST);
  let at: u32 = ip.IPV6_HEADER_LEN;
  let nhField: usize = out + ip.OFF_NEXT_HEADER;
  if (hasRh2) {
    store8(nhField, ip.NH_ROUTING);
    X.emit_rh2(out + at, 0, req + REQ_RH2);
    bset(BRES_RH2, at + X.RH2_HOME_ADDRESS);
    nhField = out + at + X.EXT_NEXT_HEADER;
    at += X.RH2_LEN;
  }
  if (hasHoa) {
    store8(nhField, ip.NH_DEST_OPTS);
    X.emit_dest_opts_hao(out + at, 0, req + REQ_HOA);
    bset(BRES_HOA, at + X.DO_HAO_ADDRESS);
    nhField = out + at + X.EXT_NEXT_HEADER;
    at += X.DO_HAO_HEADER_LEN;
  }
  store8(nhField, ip.NH_MOBILITY);

  // ---- MH fixed part
  const mh = out + at;
  memory.fill(mh, 0, fixed);
  H.emit_mh_common(mh, 0, type);
  switch (type) {
    case H.MH_HOTI: case H.MH_COTI: {
      store64_be(mh + H.TI_COOKIE, load64_be(req + REQ_COOKIE));
      break;
    }
    case H.MH_HOT: case H.MH_COT: {
      store16_be(mh + H.T_NONCE_INDEX, req32(req, REQ_NONCE_INDEX));
      store64_be(mh + H.T_COOKIE, load64_be(req + REQ_COOKIE));
      store64_be(mh + H.T_TOKEN, load64_be(req + REQ_TOKEN));
      break;
    }
    case H.MH_BU: {
      const f = req32(req, REQ_FLAGS);
      store16_be(mh + H.BU_SEQ, req32(req, REQ_SEQ));
      store8(mh + H.BU_FLAGS, (f & H.FLAG_A ? H.BU_A : 0) | (f & H.FLAG_H ? H.BU_H : 0)
        | (f & H.FLAG_L ? H.BU_L : 0) | (f & H.FLAG_K ? H.BU_K : 0));
      store16_be(mh + H.BU_LIFETIME, req32(req, REQ_LIFETIME));
      break;
    }
    case H.MH_BA: {
      store8(mh + H.BA_STATUS, req32(req, REQ_STATUS));
      store8(mh + H.BA_FLAGS, req32(req, REQ_FLAGS) & H.FLAG_K ? H.BA_K : 0);
      store16_be(mh + H.BA_SEQ, req32(req, REQ_SEQ));
      store16_be(mh + H.BA_LIFETIME, req32(req, REQ_LIFETIME));
      break;
    }
    case H.MH_BE: {
      store8(mh + H.BE_STATUS, req32(req, REQ_STATUS));
      copy_addr(mh + H.BE_HOME_ADDRESS, req + REQ_HOME_ADDRESS);
      break;
    }
  }

  // ---- options; `o` is the offset in the MH, room = bytes left for the MH
  const room: u32 = min(cap - at, MH_MAX_LEN);
  let o = fixed;
  const n = req32(req, REQ_OPT_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const e = req + REQ_OPTIONS + <usize>(i * REQ_OPT_SIZE);
    const t = load<u32>(e);
    const data = <usize>load<u32>(e, 4);
    const len = load<u32>(e, 8);
    if (t == O.OPT_PAD1) {
      if (o + 1 > room) return build_fail(room < MH_MAX_LEN ? E.ERR_BUILD_CAPACITY : E.ERR_BUILD_OPTION);
      store8(mh + o, 0);
      o++;
      continue;
    }
    const frag = O.opt_fragmentable(t);
    if ((!frag && len > O.OPT_FRAGMENT_MAX) || t > 255) return build_fail(E.ERR_BUILD_OPTION);
    const pad = t == O.OPT_PADN ? 0 : O.opt_pad_before(t, o);
    // total bytes: padding + one 2-byte header per fragment + the value
    const pieces: u32 = len == 0 ? 1 : (len + O.OPT_FRAGMENT_MAX - 1) / O.OPT_FRAGMENT_MAX;
    if (<u64>o + pad + 2 * pieces + len > <u64>room) {
      return build_fail(room < MH_MAX_LEN ? E.ERR_BUILD_CAPACITY : E.ERR_BUILD_OPTION);
    }
    emit_pad(mh + o, pad);
    o += pad;
    let done: u32 = 0;
    for (let k: u32 = 0; k < pieces; k++) {
      const chunk = min(len - done, O.OPT_FRAGMENT_MAX);
      store8(mh + o, t);
      store8(mh + o + 1, chunk);
      memory.copy(mh + o + 2, data + done, chunk);
      o += 2 + chunk;
      done += chunk;
    }
    if (t == O.OPT_BAD) bset(BRES_BAD_AUTH, at + o - len);
    else if (t == O.OPT_CGA_PARAMS) bset(BRES_CGA_END, at + o);
    else if (t == O.OPT_ALT_COA) bset(BRES_ALT_COA, at + o - len);
  }
  const tail = (8 - (o & 7)) & 7;
  if (o + tail > room) return build_fail(room < MH_MAX_LEN ? E.ERR_BUILD_CAPACITY : E.ERR_BUILD_OPTION);
  emit_pad(mh + o, tail);
  o += tail;
  store8(mh + H.MH_HEADER_LEN, (o >> 3) - 1);
  const total = at + o;
  ip.set_payload_len(out, total - ip.IPV6_HEADER_LEN);
  bset(BRES_MH_OFF, at);
  bset(BRES_MH_LEN, o);
  bset(BRES_CHECKSUM, at + H.MH_CHECKSUM);
  if ((bits & REQ_BIT_NO_CHECKSUM) == 0) mh_finish_checksum(out);
  bset(BRES_RESULT, total);
  return <i32>total;
}

/** Fills the MH checksum of the packet last built at `out` (pseudo-header: HoA, RH2 address). */
export function mh_finish_checksum(out: usize): void {
  const mhOff = bres(BRES_MH_OFF);
  const mhLen = bres(BRES_MH_LEN);
  const mh = out + <usize>mhOff;
  const src = out + <usize>(bres(BRES_HOA) ? bres(BRES_HOA) : <u32>ip.OFF_SRC);
  const dst = out + <usize>(bres(BRES_RH2) ? bres(BRES_RH2) : <u32>ip.OFF_DST);
  H.mh_set_checksum(mh, 0);
  H.mh_set_checksum(mh, upper_layer_checksum(src, dst, ip.NH_MOBILITY, mh, mhLen));
}

/**
 * Writes `len` bytes at `data` into the value of the option run of `type` in the packet last
 * built at `out` (across its fragments). The run's total length must equal `len`.
 */
export function mh_rewrite_value(out: usize, type: u32, data: usize, len: u32): i32 {
  const mh = out + <usize>bres(BRES_MH_OFF);
  const mhLen = bres(BRES_MH_LEN);
  let o = H.mh_fixed_len(load8(mh + H.MH_TYPE));
  // measure the run first, so a wrong length writes nothing
  let start: u32 = 0;
  let total: u32 = 0;
  let found = false;
  while (o < mhLen) {
    const t = load8(mh + o);
    if (t == O.OPT_PAD1) { if (found) break; o++; continue; }
    if (o + 2 > mhLen) break;
    const l = load8(mh + o + 1);
    if (t == type) {
      if (!found) { found = true; start = o; }
      total += l;
    } else if (found) break;
    o += 2 + l;
  }
  if (!found || total != len) return E.ERR_BUILD_REWRITE;
  o = start;
  let done: u32 = 0;
  while (done < len) {
    const l = load8(mh + o + 1);
    memory.copy(mh + o + 2, data + done, l);
    done += l;
    o += 2 + l;
  }
  return 0;
}
