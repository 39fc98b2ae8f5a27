// The decode record DEC and the option table OPTS that mh_decode fills (decode.ts), with the
// helpers the decoder's parts (decode-ext.ts, decode-options.ts) write them through.
//
// ---- Decode record DEC (native little-endian u32 fields; mirrored in host/core/mh.ts) -------
//   [0] result (i32)          [4] present bits (P_*)       [8] end of the IPv6 payload (40+PL)
//   [12] src offset           [16] dst offset              [20] HoA offset (Home Address option)
//   [24] RH2 address offset   [28] upper-layer protocol    [32] upper-layer (MH) offset
//   [36] MH length            [40] Tunnel Encap Limit      [44] hop limit
//   [48] MH type              [52] fields that apply (F_*) [56] sequence number
//   [60] flags (FLAG_A|H|L|K) [64] lifetime                [68] status
//   [72] nonce index (HoT/CoT)[76] cookie offset (8 bytes) [80] keygen token offset (8 bytes)
//   [84] BE home address off  [88] checksum field          [92] option count
//   [96] first option offset  [100] Alternate CoA offset   [104] home nonce index
//   [108] care-of nonce index [112] refresh advice         [116] Care-of Test token offset
//   [120] BAD authenticator off [124] end of last CGA Parameters option
//   [128] CGA ptr [132] CGA len [136] Signature ptr [140] len [144] PHKT ptr [148] len
//   [152] offset of the offending byte for an error (0 unknown)
//   [48, 92) is an MhMessage (message.ts: same fields, same order), which the decoder parses into.
// ---- Option table OPTS: DEC[92] entries of 12 bytes, in wire order ---------------------------
//   [0] type  [4] value length (0xffffffff for Pad1)  [8] value offset (Pad1: the option's offset)

export const DEC_RESULT: u32 = 0;
export const DEC_PRESENT: u32 = 4;
export const DEC_END: u32 = 8;
export const DEC_SRC: u32 = 12;
export const DEC_DST: u32 = 16;
export const DEC_HOA: u32 = 20;
export const DEC_RH2: u32 = 24;
export const DEC_UPPER_PROTO: u32 = 28;
export const DEC_UPPER_OFF: u32 = 32;
export const DEC_MH_LEN: u32 = 36;
export const DEC_ENCAP_LIMIT: u32 = 40;
export const DEC_HOP_LIMIT: u32 = 44;
export const DEC_MH_TYPE: u32 = 48;
export const DEC_FIELDS: u32 = 52;
export const DEC_SEQ: u32 = 56;
export const DEC_FLAGS: u32 = 60;
export const DEC_LIFETIME: u32 = 64;
export const DEC_STATUS: u32 = 68;
export const DEC_NONCE_INDEX: u32 = 72;
export const DEC_COOKIE: u32 = 76;
export const DEC_TOKEN: u32 = 80;
export const DEC_HOME_ADDRESS: u32 = 84;
export const DEC_CHECKSUM: u32 = 88;
export const DEC_OPT_COUNT: u32 = 92;
export const DEC_OPT_START: u32 = 96;
export const DEC_ALT_COA: u32 = 100;
export const DEC_HOME_NONCE_INDEX: u32 = 104;
export const DEC_CAREOF_NONCE_INDEX: u32 = 108;
export const DEC_BRA: u32 = 112;
export const DEC_COT_TOKEN: u32 = 116;
export const DEC_BAD_AUTH: u32 = 120;
export const DEC_CGA_END: u32 = 124;
export const DEC_CGA_PTR: u32 = 128;
export const DEC_CGA_LEN: u32 = 132;
export const DEC_SIG_PTR: u32 = 136;
export const DEC_SIG_LEN: u32 = 140;
export const DEC_PHKT_PTR: u32 = 144;
export const DEC_PHKT_LEN: u32 = 148;
export const DEC_ERR_OFF: u32 = 152;
export const DEC_SIZE: u32 = 156;

// Present bits (DEC_PRESENT).
export const P_IPV6: u32 = 1 << 0;          // a complete IPv6 header: src/dst valid
export const P_HOA: u32 = 1 << 1;
export const P_RH2: u32 = 1 << 2;
export const P_MH: u32 = 1 << 3;            // an MH of a known type was parsed
export const P_CHECKSUM_OK: u32 = 1 << 4;
export const P_FRAG_FIRST: u32 = 1 << 5;    // first fragment of several: upper layer incomplete
export const P_FRAG_LATER: u32 = 1 << 6;    // non-first fragment: no upper-layer header
export const P_ALT_COA: u32 = 1 << 7;
export const P_NONCE_INDICES: u32 = 1 << 8;
export const P_BAD: u32 = 1 << 9;
export const P_BRA: u32 = 1 << 10;
export const P_COT: u32 = 1 << 11;
export const P_COT_INIT: u32 = 1 << 12;
export const P_CGA_REQUEST: u32 = 1 << 13;
export const P_CGA_PARAMS: u32 = 1 << 14;
export const P_SIGNATURE: u32 = 1 << 15;
export const P_PHKT: u32 = 1 << 16;
export const P_CGA_THEN_SIG: u32 = 1 << 17;
export const P_ENCAP_LIMIT: u32 = 1 << 18;
export const P_MH_HEADER: u32 = 1 << 19;    // MH common part read (type valid), also for unknown types

// Which MH fields apply to the type (DEC_FIELDS): message.ts's F_* bits, re-exported by decode.ts.

export const OPT_ENTRY_SIZE: u32 = 12;
/** An MH is at most 2048 bytes, so it holds at most this many options. */
export const OPT_MAX: u32 = 2048;
/** Capacity of each reassembly buffer (no value can exceed an MH). */
export const VALUE_MAX: u32 = 2048;
export const PAD1_LEN: u32 = 0xffffffff;

export const DEC: usize = memory.data(160, 16);
export const OPTS: usize = memory.data(<i32>(OPT_MAX * OPT_ENTRY_SIZE), 16);
export const CGA_BUF: usize = memory.data(<i32>VALUE_MAX, 16);
export const SIG_BUF: usize = memory.data(<i32>VALUE_MAX, 16);
export const PHKT_BUF: usize = memory.data(<i32>VALUE_MAX, 16);

@inline export function dec(field: u32): u32 { return load<u32>(DEC + <usize>field); }
@inline export function dec_set(field: u32, v: u32): void { store<u32>(DEC + <usize>field, v); }
@inline export function dec_mark(bits: u32): void { dec_set(DEC_PRESENT, dec(DEC_PRESENT) | bits); }
@inline export function dec_has(bits: u32): bool { return (dec(DEC_PRESENT) & bits) != 0; }
/** Records a failure `code` about the byte at packet offset `off` and returns the code. */
@inline export function dec_fail(code: i32, off: u32): i32 {
  dec_set(DEC_ERR_OFF, off);
  dec_set(DEC_RESULT, <u32>code);
  return code;
}

/** Clears the record for a new decode. */
@inline export function dec_reset(): void {
  memory.fill(DEC, 0, DEC_SIZE);
  dec_set(DEC_ENCAP_LIMIT, 0xffffffff);
  dec_set(DEC_CGA_PTR, <u32>CGA_BUF);
  dec_set(DEC_SIG_PTR, <u32>SIG_BUF);
  dec_set(DEC_PHKT_PTR, <u32>PHKT_BUF);
}
