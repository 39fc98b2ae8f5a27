// The virtio-net header (struct virtio_net_hdr, 10 bytes) that a TUN opened with
// IFF_VNET_HDR puts in front of every packet it hands up and expects in front of every packet
// written to it. It is a host-order (little-endian here: x86-64, aarch64) kernel ABI, not a
// wire format, so its u16 fields are plain native loads and stores:
//   [0] u8  flags        VNET_F_NEEDS_CSUM: the checksum at csum_start + csum_offset holds
//                        only the pseudo-header sum; the sum from csum_start on is missing
//   [1] u8  gso_type     VNET_GSO_NONE, VNET_GSO_TCPV6 (| VNET_GSO_ECN: CWR on the first
//                        segment only), others (TCPv4, UDP) are not turned on by the host
//   [2] u16 hdr_len      bytes of headers (IPv6 + TCP) in front of the payload
//   [4] u16 gso_size     payload bytes per segment (the MSS)
//   [6] u16 csum_start   where the checksummed part starts (the TCP header)
//   [8] u16 csum_offset  where the checksum field is, from csum_start (16 for TCP)
// The header sits in the VNET_HDR_LEN bytes in front of the packet (inside the slot's
// headroom on the way in; in front of each output on the way out, written by offload_tx).

export const VNET_HDR_LEN: u32 = 10;
export const VNET_F_NEEDS_CSUM: u32 = 1;
export const VNET_GSO_NONE: u32 = 0;
export const VNET_GSO_TCPV6: u32 = 4;
export const VNET_GSO_ECN: u32 = 0x80;
/** TCP's checksum field, from the start of its header. */
export const TCP_CSUM_OFFSET: u32 = 16;

@inline export function vnet_flags(h: usize): u32 { return load<u8>(h); }
@inline export function vnet_gso_type(h: usize): u32 { return load<u8>(h, 1); }
@inline export function vnet_gso_size(h: usize): u32 { return load<u16>(h, 4); }
@inline export function vnet_csum_start(h: usize): u32 { return load<u16>(h, 6); }
@inline export function vnet_csum_offset(h: usize): u32 { return load<u16>(h, 8); }

/** A header that asks nothing of the kernel (a complete packet, checksums done). */
@inline export function vnet_emit_plain(h: usize): void {
  store<u64>(h, 0);
  store<u16>(h, 0, 8);
}

/** A TCPv6 super-packet for the kernel to segment (or deliver whole): checksum partial. */
@inline export function vnet_emit_tcp6(h: usize, hdrLen: u32, gsoSize: u32, csumStart: u32, ecn: bool): void {
  store<u8>(h, <u8>VNET_F_NEEDS_CSUM);
  store<u8>(h, <u8>(VNET_GSO_TCPV6 | (ecn ? VNET_GSO_ECN : 0)), 1);
  store<u16>(h, <u16>hdrLen, 2);
  store<u16>(h, <u16>gsoSize, 4);
  store<u16>(h, <u16>csumStart, 6);
  store<u16>(h, <u16>TCP_CSUM_OFFSET, 8);
}
