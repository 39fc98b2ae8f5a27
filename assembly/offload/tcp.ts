// The TCP header fields segmentation and coalescing touch (RFC 9293 §3.1), read through
// assembly/wire/bytes.ts. Callers check that the header's bytes lie inside the packet.

import { load8, load16_be, load32_be, store8, store16_be, store32_be } from "../wire/bytes";

export const TCP_MIN_HEADER: u32 = 20;
export const TCP_FIN: u32 = 0x01;
export const TCP_SYN: u32 = 0x02;
export const TCP_RST: u32 = 0x04;
export const TCP_PSH: u32 = 0x08;
export const TCP_ACK: u32 = 0x10;
export const TCP_URG: u32 = 0x20;
export const TCP_ECE: u32 = 0x40;
export const TCP_CWR: u32 = 0x80;

@inline export function tcp_seq(t: usize): u32 { return load32_be(t + 4); }
@inline export function tcp_set_seq(t: usize, v: u32): void { store32_be(t + 4, v); }
@inline export function tcp_ack(t: usize): u32 { return load32_be(t + 8); }
/** Header length in bytes (data offset x 4). */
@inline export function tcp_header_len(t: usize): u32 { return (load8(t + 12) >> 4) << 2; }
@inline export function tcp_flags(t: usize): u32 { return load8(t + 13); }
@inline export function tcp_set_flags(t: usize, v: u32): void { store8(t + 13, v); }
@inline export function tcp_checksum(t: usize): u32 { return load16_be(t + 16); }
@inline export function tcp_set_checksum(t: usize, v: u32): void { store16_be(t + 16, v); }
