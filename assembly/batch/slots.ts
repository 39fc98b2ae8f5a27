// The packet batch memory both roles share (docs/ARCHITECTURE.md, "Packet batch ABI"):
// BATCH_MAX_SLOTS slots of BATCH_SLOT_STRIDE bytes, a packet placed BATCH_HEADROOM bytes
// into its slot, and one 16-byte descriptor per slot (native little-endian u32 fields):
//   [0]  len      in: the packet's length; out: the output's length (0 on drop)
//   [4]  offset   out: where the output starts, relative to the slot's start
//   [8]  verdict  out: VERDICT_DROP (0), VERDICT_SEND (1) or VERDICT_MERGED (2: coalesced
//                 into an earlier output by offload_tx, nothing to write)
//   [12] reason   out: the counter index the drop was counted under (0 when sent)
// Output offsets the data plane produces: encapsulation 88 (128 - 40), ICMPv6 error
// 80 (128 - 48; decapsulation path: 80 + outer header length), echo reply and
// decapsulation 128 + the length of the headers in front of them.
// The memory is allocated once when the module starts and never moves.
// Behind the last slot lies a spill tail of BATCH_SPILL_TAIL bytes: with TUN offloads on
// (assembly/offload/), a super-packet of up to 64 KB read into slot i runs on over slots
// i+1.. and into the tail, so the area needs no large slots; the host ends a batch after such
// a read, and offload_rx spreads the super-packet's segments over the slots from i on.

export const BATCH_MAX_SLOTS: u32 = 256;
export const BATCH_SLOT_STRIDE: u32 = 2048;
export const BATCH_HEADROOM: u32 = 128;
export const BATCH_MAX_PACKET: u32 = 1920;
export const DESC_SIZE: u32 = 16;
/** Room behind the last slot for a super-packet read into it: 64 KB + its virtio-net header. */
export const BATCH_SPILL_TAIL: u32 = 65536 + 1024;

export const VERDICT_DROP: u32 = 0;
export const VERDICT_SEND: u32 = 1;
/** The output was coalesced into an earlier slot's output (offload_tx): nothing to write. */
export const VERDICT_MERGED: u32 = 2;

const slotsRegion: usize = heap.alloc(<usize>BATCH_MAX_SLOTS * BATCH_SLOT_STRIDE + BATCH_SPILL_TAIL + 64);
const slotsBase: usize = (slotsRegion + 63) & ~<usize>63;
const descBase: usize = memory.data(<i32>(BATCH_MAX_SLOTS * DESC_SIZE), 16);

@inline export function slot_at(i: u32): usize { return slotsBase + <usize>i * BATCH_SLOT_STRIDE; }
/** The end of the slot area, spill tail included. */
export const slotsEnd: usize = slotsBase + <usize>BATCH_MAX_SLOTS * BATCH_SLOT_STRIDE + BATCH_SPILL_TAIL;

@inline export function desc_at(i: u32): usize { return descBase + <usize>i * DESC_SIZE; }

@inline export function desc_len(d: usize): u32 { return load<u32>(d); }

@inline export function desc_send(d: usize, offset: u32, len: u32): void {
  store<u32>(d, len);
  store<u32>(d, offset, 4);
  store<u32>(d, VERDICT_SEND, 8);
  store<u32>(d, 0, 12);
}

@inline export function desc_drop(d: usize, reason: u32): void {
  store<u32>(d, 0);
  store<u32>(d, 0, 4);
  store<u32>(d, VERDICT_DROP, 8);
  store<u32>(d, reason, 12);
}
