// Router discovery's ABI (numbers only): the RA parser and RS builder (assembly/nd/), and the
// MN's attachment decision over them (assembly/mn/attachment.ts). Record layouts are documented
// in those files and mirrored in host/core/nd.ts.
//
// The MN host: at every link change mn_link_changed(), then send nd_rs_build's RS; every RA
// received on the access interface goes to mn_ra_input (the raw socket gives the ICMPv6 message,
// its source and the hop limit); act on the decision in mn_attachment_record(); call
// mn_attachment_tick at least once a second.

import { parse_ra, parse_ra_packet, RA_REC, RA_REC_SIZE, RA_PIO_MAX, RA_PIO_SIZE } from "./router-advert";
import { emit_rs } from "./router-solicit";
import {
  decide_ra, attachment_tick, link_changed, current_router, router_used, router_at,
  ATT_REC, ROUTER_MAX, ROUTER_SIZE,
} from "../mn/attachment";

const SCRATCH_SIZE: u32 = 4096;
const scratch: usize = memory.data(<i32>SCRATCH_SIZE, 16);

/** A buffer the host may put an RA (or a packet, an address) in before the calls below. */
export function nd_scratch(): usize { return scratch; }
export function nd_scratch_size(): u32 { return SCRATCH_SIZE; }

/** Parses the RA message at [icmp, icmp+len) from `src` (16 bytes) received with `hopLimit`:
 *  0 or a negative ERR_RA_* code (assembly/nd/errors.ts); fills nd_ra_record(). */
export function nd_ra_parse(icmp: usize, len: u32, src: usize, hopLimit: u32): i32 {
  return parse_ra(icmp, len, src, hopLimit);
}

/** The same for a whole IPv6 packet (IPv6 header and ICMPv6 checksum checked too). */
export function nd_ra_parse_packet(pkt: usize, len: u32): i32 { return parse_ra_packet(pkt, len); }

export function nd_ra_record(): usize { return RA_REC; }
export function nd_ra_record_size(): u32 { return RA_REC_SIZE; }
export function nd_ra_pio_max(): u32 { return RA_PIO_MAX; }
export function nd_ra_pio_size(): u32 { return RA_PIO_SIZE; }

/** Writes a Router Solicitation (with the SLLA option when mac != 0): its length or ERR_RS_CAPACITY. */
export function nd_rs_build(out: usize, cap: u32, mac: usize): i32 { return emit_rs(out, cap, mac); }

/** An RA for the MN: the parse error (< 0), or the decision (ATT_*) in mn_attachment_record(). */
export function mn_ra_input(icmp: usize, len: u32, src: usize, hopLimit: u32, now_ms: f64): i32 {
  const rc = parse_ra(icmp, len, src, hopLimit);
  return rc != 0 ? rc : <i32>decide_ra(now_ms);
}

/** mn_ra_input for a whole IPv6 packet. */
export function mn_ra_input_packet(pkt: usize, len: u32, now_ms: f64): i32 {
  const rc = parse_ra_packet(pkt, len);
  return rc != 0 ? rc : <i32>decide_ra(now_ms);
}

/** The access link changed (carrier lost and back): the next RA is an attachment. */
export function mn_link_changed(): void { link_changed(); }

/** ATT_LOST (record filled) when the current prefix or router lifetime ran out, else 0. */
export function mn_attachment_tick(now_ms: f64): u32 { return attachment_tick(now_ms); }

export function mn_attachment_record(): usize { return ATT_REC; }
export function mn_routers_max(): u32 { return ROUTER_MAX; }
export function mn_router_size(): u32 { return ROUTER_SIZE; }
/** Router record i (attachment.ts layout) when in use, else 0. */
export function mn_router(i: u32): usize { return router_used(i) ? router_at(i) : 0; }
/** The current router's index, or -1. */
export function mn_router_current(): i32 { return current_router(); }
