// The offload counters (u64 each, offload_counters_base(), offload_counters_len()); the
// names, in this order, are mirrored in host/offload.ts (OFFLOAD_COUNTER_NAMES).
//   super-in        TCPv6 super-packets read (virtio-net header with gso_type TCPV6)
//   segments-out    segments made from them
//   csum-completed  packets whose partial checksum (VNET_F_NEEDS_CSUM) was completed
//   coalesced-in    segments merged into an earlier one (GRO)
//   coalesced-out   super-packets written with a GSO header (each holds 2 or more segments)
//   bad-vnet        headers that do not fit the packet or a super-packet that is not plain
//                   TCP over IPv6 (dropped: the slot's length is set to 0, so the role
//                   counts it malformed)
//   no-slot         outputs dropped because the batch had no slot left for them
//   reframed        outputs moved 10 bytes up to make room for their header (control replies)

@inline export const O_SUPER_IN: u32 = 0;
@inline export const O_SEGMENTS_OUT: u32 = 1;
@inline export const O_CSUM_COMPLETED: u32 = 2;
@inline export const O_COALESCED_IN: u32 = 3;
@inline export const O_COALESCED_OUT: u32 = 4;
@inline export const O_BAD_VNET: u32 = 5;
@inline export const O_NO_SLOT: u32 = 6;
@inline export const O_REFRAMED: u32 = 7;
export const OFFLOAD_COUNTERS_LEN: u32 = 8;

export const offloadCounters: usize = memory.data(<i32>(OFFLOAD_COUNTERS_LEN * 8), 8);

@inline export function octr_add(i: u32, v: u32): void {
  const p = offloadCounters + (<usize>i << 3);
  store<u64>(p, load<u64>(p) + <u64>v);
}
