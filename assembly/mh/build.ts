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

import { store8, copy_addr } from "../wire/bytes";
import * as ip from "../wire/ipv6";
import { upper_layer_checksum } from "../wire/checksum";
import { rh2_write, RH2_HOME_ADDRESS, RH2_LEN } from "../wire/rh2";
import { dest_opts_hao_write, pad_emit, DO_HAO_ADDRESS, DO_HAO_LEN } from "../wire/ext-options";
import * as E from "./errors";
import * as H from "./header";
import * as O from "./options";
import { mh_message_write, mh_fixed_len } from "./message";

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

@inline function build_fail(code: i32): i32 {
  bset(BRES_RESULT, <u32>code);
  return code;
}

/**
 * Builds the packet described by the request at `req` into [out, out+cap): its length, or a
 * negative code (nothing the request asked for is ever left out of a packet reported built):
 * ERR_BUILD_TOO_MANY_OPTIONS (an option refused by breq_add_option), ERR_BUILD_OPTION (an
 * option that cannot be encoded, or an MH past MH_MAX_LEN), ERR_BUILD_CAPACITY (`cap` too small).
 * The headers are emitted straight from the request, with no record filled in between.
 */
export function mh_build_packet(req: usize, out: usize, cap: u32): i32 {
  memory.fill(BRES, 0, BRES_SIZE);
  const bits = req32(req, REQ_BITS);
  if (bits & REQ_BIT_OPTIONS_LOST) return build_fail(E.ERR_BUILD_TOO_MANY_OPTIONS);
  const hasHoa = (bits & REQ_BIT_HOA) != 0;
  const hasRh2 = (bits & REQ_BIT_RH2) != 0;
  const type = req32(req, REQ_TYPE);

  // ---- IPv6 header (Payload Length filled at the end), [Type 2 Routing Header], [Destination
  // Options with the HAO], MH common and fixed part (Header Len and checksum filled at the end):
  // their room is checked once here, then each is written straight from the request.
  let at: u32 = ip.IPV6_HEADER_LEN + (hasRh2 ? RH2_LEN : 0) + (hasHoa ? DO_HAO_LEN : 0);
  const fixed = mh_fixed_len(type);
  if (at + fixed > cap) return build_fail(E.ERR_BUILD_CAPACITY);
  const nhAfterRh2 = hasHoa ? ip.NH_DEST_OPTS : ip.NH_MOBILITY;
  ip.ipv6_write(out, 0, 0, 0, hasRh2 ? ip.NH_ROUTING : nhAfterRh2, req32(req, REQ_HOP_LIMIT), req + REQ_SRC, req + REQ_DST);
  at = ip.IPV6_HEADER_LEN;
  if (hasRh2) {
    rh2_write(out + at, nhAfterRh2, req + REQ_RH2);
    bset(BRES_RH2, at + RH2_HOME_ADDRESS);
    at += RH2_LEN;
  }
  if (hasHoa) {
    dest_opts_hao_write(out + at, ip.NH_MOBILITY, req + REQ_HOA);
    bset(BRES_HOA, at + DO_HAO_ADDRESS);
    at += DO_HAO_LEN;
  }
  const mh = out + at;
  mh_message_write(mh, fixed, 0, type, 0, req32(req, REQ_SEQ), req32(req, REQ_FLAGS), req32(req, REQ_LIFETIME),
    req32(req, REQ_STATUS), req32(req, REQ_NONCE_INDEX), req + REQ_COOKIE, req + REQ_TOKEN, req + REQ_HOME_ADDRESS);

  // ---- options; `o` is the offset in the MH, room = bytes left for the MH. Running out of
  // room is the buffer's fault (capacity) unless the MH's own limit was the tighter one.
  const room: u32 = min(cap - at, MH_MAX_LEN);
  const noRoom = room < MH_MAX_LEN ? E.ERR_BUILD_CAPACITY : E.ERR_BUILD_OPTION;
  let o = fixed;
  const count = req32(req, REQ_OPT_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const e = req + REQ_OPTIONS + <usize>(i * REQ_OPT_SIZE);
    const t = load<u32>(e);
    const data = <usize>load<u32>(e, 4);
    const len = load<u32>(e, 8);
    if (t == O.OPT_PAD1) {
      if (o >= room) return build_fail(noRoom);
      pad_emit(mh + o, 1);
      o++;
      continue;
    }
    const frag = O.opt_fragmentable(t);
    if ((!frag && len > O.OPT_FRAGMENT_MAX) || t > 255) return build_fail(E.ERR_BUILD_OPTION);
    const pad = t == O.OPT_PADN ? 0 : O.opt_pad_before(t, o);
    // total bytes: padding + one 2-byte header per fragment + the value; checked whole first,
    // so that a value is never cut between fragments. These are opt_emit's checks, made once
    // for the whole run: the type fits a byte, each piece fits a byte and the room.
    const pieces: u32 = len == 0 ? 1 : (len + O.OPT_FRAGMENT_MAX - 1) / O.OPT_FRAGMENT_MAX;
    if (<u64>o + pad + O.OPT_DATA * pieces + len > <u64>room) return build_fail(noRoom);
    pad_emit(mh + o, pad);
    o += pad;
    let done: u32 = 0;
    for (let k: u32 = 0; k < pieces; k++) {
      const chunk = min(len - done, O.OPT_FRAGMENT_MAX);
      O.opt_write(mh + o, t, data + done, chunk);
      o += O.OPT_DATA + chunk;
      done += chunk;
    }
    if (t == O.OPT_BAD) bset(BRES_BAD_AUTH, at + o - len);
    else if (t == O.OPT_CGA_PARAMS) bset(BRES_CGA_END, at + o);
    else if (t == O.OPT_ALT_COA) bset(BRES_ALT_COA, at + o - len);
  }
  const tail = (8 - (o & 7)) & 7;
  if (o + tail > room) return build_fail(noRoom);
  pad_emit(mh + o, tail);
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
  let o = mh_fixed_len(H.mh_type(mh));
  // measure the run first, so a wrong length writes nothing
  let start: u32 = 0;
  let total: u32 = 0;
  let found = false;
  while (o < mhLen) {
    const opt = mh + o;
    const t = O.opt_type(opt);
    if (t == O.OPT_PAD1) { if (found) break; o++; continue; }
    if (!O.opt_check(opt, mhLen - o)) break;
    const l = O.opt_len(opt);
    if (t == type) {
      if (!found) { found = true; start = o; }
      total += l;
    } else if (found) break;
    o += O.OPT_DATA + l;
  }
  if (!found || total != len) return E.ERR_BUILD_REWRITE;
  o = start;
  let done: u32 = 0;
  while (done < len) {
    const l = O.opt_len(mh + o);
    memory.copy(mh + o + O.OPT_DATA, data + done, l);
    done += l;
    o += O.OPT_DATA + l;
  }
  return 0;
}
