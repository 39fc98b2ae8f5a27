// Offload settings, set once by the host (offload_configure) after it opened the TUN.

import { BATCH_MAX_PACKET } from "../batch/slots";
import { IPV6_MIN_MTU } from "../wire/ipv6";

/** Packets in the slots carry a virtio-net header in front (the TUN has IFF_VNET_HDR). */
export let vnetOn: bool = false;
/** Coalesce consecutive TCP segments of one flow on the way out (GRO). */
export let coalesceOn: bool = false;
/** The largest segment offload_rx makes, IPv6 header included: the tunnel MTU of the role. */
export let maxInner: u32 = BATCH_MAX_PACKET;

/** Returns 0, or 1 when maxInnerLen is outside [1280, BATCH_MAX_PACKET] (nothing changed). */
export function offload_set(vnet: u32, maxInnerLen: u32, coalesce: u32): u32 {
  if (maxInnerLen < IPV6_MIN_MTU || maxInnerLen > BATCH_MAX_PACKET) return 1;
  vnetOn = vnet != 0;
  coalesceOn = vnet != 0 && coalesce != 0;
  maxInner = maxInnerLen;
  return 0;
}

/** TCP header room counted for the slot reserve: the longest header (60 bytes) and IPv6's 40. */
const MAX_HEADERS: u32 = 100;

/**
 * Slots a batch keeps free behind its inputs so that a super-packet read last has room for all
 * its segments when the sender's MSS is at least maxInner - 100 (a smaller one may lose the
 * segments beyond the batch: counted no-slot): ceil(65535 / (maxInner - 100)).
 */
export function offload_reserve_slots(): u32 {
  const seg = maxInner - MAX_HEADERS;
  return (65535 + seg - 1) / seg;
}
