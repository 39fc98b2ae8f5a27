// The packet batch ABI both roles share (slots.ts): where the slots and descriptors are, and
// their geometry. The host reads the geometry from here and never hard-codes it. An instance
// plays one role: the DAR's batch is dar_process_batch, the MN's mn_process_batch.

import {
  slot_at, desc_at, BATCH_MAX_SLOTS, BATCH_SLOT_STRIDE, BATCH_HEADROOM, BATCH_MAX_PACKET, slotsEnd,
} from "./slots";

export function batch_slots(): usize { return slot_at(0); }
export function batch_desc(): usize { return desc_at(0); }
export function batch_max_slots(): u32 { return BATCH_MAX_SLOTS; }
export function batch_slot_stride(): u32 { return BATCH_SLOT_STRIDE; }
export function batch_headroom(): u32 { return BATCH_HEADROOM; }
export function batch_max_packet(): u32 { return BATCH_MAX_PACKET; }
/** The end of the slot area including the spill tail behind the last slot (slots.ts). */
export function batch_area_end(): usize { return slotsEnd; }
