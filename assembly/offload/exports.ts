// TUN offloads (virtio-net header, segmentation, coalescing): the host calls offload_rx(n)
// before the role's process_batch and offload_tx(n') after it (host/offload.ts,
// host/dataplane.ts). Both are no-ops until offload_configure turned the header on.

import { offload_set, offload_reserve_slots } from "./config";
import { offload_rx as rx } from "./segment";
import { offload_tx as tx } from "./coalesce";
import { offloadCounters, OFFLOAD_COUNTERS_LEN } from "./counters";
import { VNET_HDR_LEN } from "./vnet";

/** vnet: packets carry the 10-byte header; maxInner: the role's tunnel MTU; coalesce: GRO. 0 ok, 1 bad maxInner. */
export function offload_configure(vnet: u32, maxInner: u32, coalesce: u32): u32 { return offload_set(vnet, maxInner, coalesce); }
/** Completes checksums and segments super-packets in slots 0..n-1; returns the batch's new length. */
export function offload_rx(n: u32): u32 { return rx(n); }
/** Frames (and coalesces) the outputs of slots 0..n-1. */
export function offload_tx(n: u32): void { tx(n); }
export function offload_vnet_len(): u32 { return VNET_HDR_LEN; }
/** Slots the host leaves free after its reads, for the segments of a super-packet read last. */
export function offload_reserve(): u32 { return offload_reserve_slots(); }
export function offload_counters_base(): usize { return offloadCounters; }
export function offload_counters_len(): u32 { return OFFLOAD_COUNTERS_LEN; }
