// The MN's event queue: what the host must do (answer a sign or decrypt request, change
// addresses and rules) and what it may log (BU sent, BA received, bound, released...).
// The host drains it after every mn_process_batch, mn_tick, mn_attach, mn_release and
// answer, acting on requests at once (their data pointers stay valid until the site's
// next transmission).
//
// Record, MN_EVENT_SIZE = 64 bytes, native little-endian:
//   [0]  u32 kind     (EV_* below)          [4]  u32 site index
//   [8]  u32 status   (BA status; 0 else)   [12] u32 sequence number
//   [16] u32 lifetime (seconds granted)     [20] u32 data pointer (sign: 20-byte digest;
//   [24] u32 data length                          decrypt: the PHKT ciphertext)
//   [28] u32 mode     (0 cga, 1 phkt; for BU_SENT/BOUND/SIGN/DECRYPT), for BU_SENT / COTI_SENT bit 8 set on
//                     a retransmission (not the series' first transmission) and bit 9 on a deregistration
//   [32] u8[16] hoa   (the site's H_k)      [48] u8[16] coa (the CoA of the BU; else the current)
// When the queue is full the new record is dropped and counted (events-lost).

import { copy_addr } from "../wire/bytes";
import { mctr_inc, M_EVENTS_LOST } from "./counters";

export const MN_EVENT_SIZE: u32 = 64;
export const MN_EVENTS_MAX: u32 = 512;

export const EV_SIGN_REQUEST: u32 = 1;    // sign `data` (20-byte SHA-1 digest) for (site, seq)
export const EV_DECRYPT_REQUEST: u32 = 2; // decrypt `data` (PHKT ciphertext) for (site, seq)
export const EV_BU_SENT: u32 = 3;
export const EV_BA_RECEIVED: u32 = 4;     // a BA matched an outstanding BU (any status)
export const EV_BOUND: u32 = 5;           // registration acknowledged (lifetime granted)
export const EV_REJECTED: u32 = 6;        // 148 / 132: the site is dropped, stop using its HoA
export const EV_RELEASED: u32 = 7;        // the site is gone (deregistered, or never bound)
export const EV_LOST: u32 = 8;            // the binding expired before a refresh was acknowledged
export const EV_COTI_SENT: u32 = 9;
export const EV_COT_RECEIVED: u32 = 10;
export const EV_HOME: u32 = 11;           // back home at the site's DAR: its binding was removed
export const EV_GAVE_UP: u32 = 12;        // a deregistration got no answer: forgotten locally

export const MODE_RETRANSMISSION: u32 = 1 << 8;
export const MODE_DEREGISTRATION: u32 = 1 << 9;

const eventsBase: usize = memory.data(<i32>(MN_EVENTS_MAX * MN_EVENT_SIZE), 16);
let count: u32 = 0;

export function mn_event(kind: u32, site: u32, status: u32, seq: u32, lifetime: u32,
  data: usize, dataLen: u32, mode: u32, hoa: usize, coa: usize): void {
  if (count >= MN_EVENTS_MAX) {
    mctr_inc(M_EVENTS_LOST);
    return;
  }
  const p = eventsBase + <usize>count * MN_EVENT_SIZE;
  store<u32>(p, kind);
  store<u32>(p, site, 4);
  store<u32>(p, status, 8);
  store<u32>(p, seq, 12);
  store<u32>(p, lifetime, 16);
  store<u32>(p, <u32>data, 20);
  store<u32>(p, dataLen, 24);
  store<u32>(p, mode, 28);
  copy_addr(p + 32, hoa);
  copy_addr(p + 48, coa);
  count++;
}

export function mn_events_base(): usize { return eventsBase; }
export function mn_events_count(): u32 { return count; }
export function mn_events_clear(): void { count = 0; }
