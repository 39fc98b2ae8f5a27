// A Mobility Header build request in the builder's static BREQ (assembly/mh/build.ts), for the
// specs: start one, set its fields, append options, build into OUT.
import * as B from "../../assembly/mh/build";
import { unhex } from "./bytes";

let nOpts: u32 = 0;
export function req(type: u32, src: string, dst: string): void {
  memory.fill(B.BREQ, 0, B.REQ_OPTIONS);
  nOpts = 0;
  store<u32>(B.BREQ + B.REQ_TYPE, type);
  memory.copy(B.BREQ + B.REQ_SRC, unhex(src), 16);
  memory.copy(B.BREQ + B.REQ_DST, unhex(dst), 16);
  store<u32>(B.BREQ + B.REQ_HOP_LIMIT, 64);
}
export function field(f: u32, v: u32): void { store<u32>(B.BREQ + f, v); }
export function bytes(f: u32, hex: string): void { memory.copy(B.BREQ + f, unhex(hex), hex.length >> 1); }
export function hoa(h: string): void { field(B.REQ_BITS, load<u32>(B.BREQ + B.REQ_BITS) | B.REQ_BIT_HOA); bytes(B.REQ_HOA, h); }
export function rh2(h: string): void { field(B.REQ_BITS, load<u32>(B.BREQ + B.REQ_BITS) | B.REQ_BIT_RH2); bytes(B.REQ_RH2, h); }
/** Appends option `type` with the `len` bytes at `data`. */
export function optAt(type: u32, data: usize, len: u32): void {
  const e = B.BREQ + B.REQ_OPTIONS + nOpts * B.REQ_OPT_SIZE;
  store<u32>(e, type); store<u32>(e, <u32>data, 4); store<u32>(e, len, 8);
  nOpts++;
  field(B.REQ_OPT_COUNT, nOpts);
}
export function opt(type: u32, hex: string): void { optAt(type, unhex(hex), hex.length >> 1); }
/** Appends option `type` with `n` bytes counting up from `byte`. */
export function optLong(type: u32, byte: u8, n: u32): void {
  const p = heap.alloc(n);
  for (let i: u32 = 0; i < n; i++) store<u8>(p + i, <u8>(byte + <u8>i));
  optAt(type, p, n);
}
export const OUT = heap.alloc(4096);
export function build(): i32 { return B.mh_build_packet(B.BREQ, OUT, 4096); }

