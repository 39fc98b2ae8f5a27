// Status codes of the router discovery codec (RA parse, RS build). 0 is success; every malformed
// input has its own negative code so the host can count and name exactly why an RA was dropped.
// The host maps each code to its class name (host/core/nd.ts, ndErrorName).

export const ND_OK: i32 = 0;

// --- the ICMPv6 Router Advertisement (RFC 4861 §4.2, validity checks §6.1.2)
/** Fewer than the 16 bytes of the fixed RA. Class `truncated`. */
export const ERR_RA_TRUNCATED: i32 = -61;
/** ICMPv6 type is not 134. Class `type`. */
export const ERR_RA_TYPE: i32 = -62;
/** ICMPv6 code is not 0. Class `code`. */
export const ERR_RA_CODE: i32 = -63;
/** IP hop limit is not 255 (the RA was forwarded, so not from a router on this link). Class `hop-limit`. */
export const ERR_RA_HOP_LIMIT: i32 = -64;
/** IP source is not link-local. Class `source`. */
export const ERR_RA_SOURCE: i32 = -65;
/** One byte left where an option (type and length) would start. Class `option-truncated`. */
export const ERR_RA_OPTION_TRUNCATED: i32 = -66;
/** An option with length 0. Class `option-zero-length`. */
export const ERR_RA_OPTION_ZERO: i32 = -67;
/** An option runs past the end of the message. Class `option-overrun`. */
export const ERR_RA_OPTION_OVERRUN: i32 = -68;
/** A Prefix Information option whose length is not 4 (32 bytes). Class `pio-length`. */
export const ERR_RA_PIO_LENGTH: i32 = -69;
/** A Prefix Information option with a prefix length over 128. Class `prefix-length`. */
export const ERR_RA_PREFIX_LENGTH: i32 = -70;
/** MTU, Advertisement Interval or Home Agent Information option whose length is not 1. Class `option-length`. */
export const ERR_RA_OPTION_LENGTH: i32 = -71;

// --- the IPv6 packet around it (nd_ra_parse_packet only; a raw ICMPv6 socket hands the message alone)
/** Fewer than 40 bytes. Class `truncated`. */
export const ERR_RA_IPV6_TRUNCATED: i32 = -72;
/** Version is not 6. Class `not-ipv6`. */
export const ERR_RA_NOT_IPV6: i32 = -73;
/** Payload Length runs past the captured bytes. Class `truncated`. */
export const ERR_RA_PAYLOAD_TRUNCATED: i32 = -74;
/** Next Header is not ICMPv6 (an RA carries no extension header). Class `next-header`. */
export const ERR_RA_NEXT_HEADER: i32 = -75;
/** The ICMPv6 checksum does not verify. Class `checksum`. */
export const ERR_RA_CHECKSUM: i32 = -76;

// --- the Router Solicitation builder
/** The output buffer is too small. Class `build-capacity`. */
export const ERR_RS_CAPACITY: i32 = -77;
