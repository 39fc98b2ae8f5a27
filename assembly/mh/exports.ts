// The Mobility Header codec's ABI (numbers only). Record layouts: decode.ts and build.ts.
import { mh_decode_packet, DEC, OPTS, OPT_MAX } from "./decode";
import { mh_build_packet, mh_finish_checksum, mh_rewrite_value, BREQ, BRES, REQ_STATIC_OPTS } from "./build";

/** Decodes the IPv6 packet in [ptr, ptr+len): 0 or a negative code; fills mh_decode_record(). */
export function mh_decode(ptr: usize, len: u32): i32 {
  return mh_decode_packet(ptr, len);
}

/** Address of the static decode record (decode.ts). */
export function mh_decode_record(): usize { return DEC; }

/** Address of the option table of the last decode (12-byte entries). */
export function mh_decode_options(): usize { return OPTS; }

/** Capacity of the option table. */
export function mh_decode_options_max(): u32 { return OPT_MAX; }

/** Builds a packet from the request at `req` into [out, out+cap): its length or a negative code. */
export function mh_build(req: usize, out: usize, cap: u32): i32 {
  return mh_build_packet(req, out, cap);
}

/** Address of the build result record of the last build (build.ts). */
export function mh_build_result(): usize { return BRES; }

/** A static build request with room for mh_build_request_options() options. */
export function mh_build_request(): usize { return BREQ; }
export function mh_build_request_options(): u32 { return REQ_STATIC_OPTS; }

/** Recomputes the checksum of the packet last built at `out`. */
export function mh_build_checksum(out: usize): void { mh_finish_checksum(out); }

/** Overwrites the value of option run `type` in the packet last built at `out`. */
export function mh_build_rewrite(out: usize, type: u32, data: usize, len: u32): i32 {
  return mh_rewrite_value(out, type, data, len);
}
