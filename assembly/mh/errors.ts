// Status codes of the Mobility Header codec. 0 is success; every malformed input
// has its own negative code, so a caller (the DAR's counters, `fama decode`) can
// tell exactly why a packet was refused. The host maps each code to the error
// class it prints (host/core/mh.ts, mhErrorName); classes follow
// tests/vectors/mh/invalid.jsonl.

export const MH_OK: i32 = 0;

// --- the Mobility Header itself (RFC 6275 §6.1, PROTOCOL.md §2.2 step 1)
/** Next Header 135 but no MH byte at all. Class `empty`. */
export const ERR_EMPTY: i32 = -1;
/** Fewer than 6 MH bytes: cut before the end of the Checksum. Class `truncated`. */
export const ERR_MH_TRUNCATED: i32 = -2;
/** Payload Proto is not 59 (IPPROTO_NONE). Class `payload-proto`. */
export const ERR_PAYLOAD_PROTO: i32 = -3;
/** Header Len below the minimum for the MH Type. Class `header-len-min`. */
export const ERR_HEADER_LEN_MIN: i32 = -4;
/** Header Len says more bytes than the IPv6 payload holds. Class `header-len-exceeds-packet`. */
export const ERR_HEADER_LEN_EXCEEDS: i32 = -5;
/** The IPv6 payload holds bytes after the MH that Header Len does not cover. Class `length-mismatch`. */
export const ERR_LENGTH_MISMATCH: i32 = -6;
/** A mobility option runs past the end of the MH. Class `option-overrun`. */
export const ERR_OPTION_OVERRUN: i32 = -7;
/** A known mobility option with a length the profile forbids. Class `option-length`. */
export const ERR_OPTION_LENGTH: i32 = -8;
/** Anything (even Pad1) after the Binding Authorization Data option. Class `bad-not-last`. */
export const ERR_BAD_NOT_LAST: i32 = -9;
/** The MH checksum does not verify. Class `checksum`. */
export const ERR_CHECKSUM: i32 = -10;
/** A well-formed MH (checksum correct) of a type other than 0-7. Class `unknown-type`. */
export const ERR_UNKNOWN_TYPE: i32 = -11;
/** CGA Parameters / Signature / PHKT fragments not adjacent, a fragment after a short one, or a
 * second value of the same type. Class `option-fragment`. */
export const ERR_OPTION_FRAGMENT: i32 = -12;

// --- IPv6 header and extension headers (-20 .. -28) and ERR_BUILD_CAPACITY (-40): wire/errors.ts
export * from "../wire/errors";

// --- builder
/** An option value too long for one option (types other than 12/13/14 over 255 bytes), or an
 * MH longer than Header Len can say (2048 bytes). Class `build-option`. */
export const ERR_BUILD_OPTION: i32 = -41;
/** mh_rewrite_value: the option run is absent or its total length differs. Class `build-option`. */
export const ERR_BUILD_REWRITE: i32 = -42;
/** More options than the engines' static request holds (breq_add_option). Class `build-option`. */
export const ERR_BUILD_TOO_MANY_OPTIONS: i32 = -43;
