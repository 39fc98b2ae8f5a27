// Status codes of the IPv6 wire views (fixed header and extension headers) and of every
// emitter. 0 is success; each malformed input has its own negative code. The Mobility Header
// codec (mh/errors.ts) re-exports these, so its callers and the host (host/core/mh.ts,
// mhErrorName) see one code space.

export const WIRE_OK: i32 = 0;

// --- IPv6 header and extension headers (RFC 8200, RFC 6275 §6.3-6.4)
/** Home Address option whose length is not 16. Class `hao-length`. */
export const ERR_HAO_LENGTH: i32 = -20;
/** Fewer than 40 bytes: no complete IPv6 header. Class `truncated`. */
export const ERR_IPV6_TRUNCATED: i32 = -21;
/** IPv6 Payload Length runs past the captured bytes. Class `truncated`. */
export const ERR_PAYLOAD_TRUNCATED: i32 = -22;
/** Version is not 6. Class `not-ipv6`. */
export const ERR_NOT_IPV6: i32 = -23;
/** An extension header runs past the IPv6 payload. Class `truncated`. */
export const ERR_EXT_TRUNCATED: i32 = -24;
/** An option of a Hop-by-Hop or Destination Options header runs past that header. Class `option-overrun`. */
export const ERR_EXT_OPTION_OVERRUN: i32 = -25;
/** Tunnel Encapsulation Limit option whose length is not 1. Class `option-length`. */
export const ERR_TEL_LENGTH: i32 = -26;
/** Type 2 Routing Header with Hdr Ext Len not 2 or Segments Left not 1. Class `rh2-format`. */
export const ERR_RH2_FORMAT: i32 = -27;
/** A second Home Address option or a second Type 2 Routing Header. Class `duplicate`. */
export const ERR_DUPLICATE: i32 = -28;

// --- emitters
/** The output buffer is too small for what was asked. Class `build-capacity`. */
export const ERR_BUILD_CAPACITY: i32 = -40;
