// The DAR control plane's entry points, called by the per-packet dispatch in engine.ts.
//
// PLACEHOLDER: this file only fixes the signatures. The BU/BA/CoTI/CoT processing of
// PROTOCOL.md §2.2-2.4 (CGA, PHKT, care-of test, nonce ring, Kdar) replaces the bodies
// once assembly/mh and assembly/cga land. Until then every Mobility Header is dropped
// and counted under `control-not-ready`, and there are no control-plane secrets.
//
// Contract of dar_control (kept by the replacement):
//   slot   start of the packet's batch slot; the reply may use all BATCH_SLOT_STRIDE
//          (2048) bytes of it, headroom included
//   pkt    the received packet's IPv6 header (= slot + BATCH_HEADROOM); the dispatch has
//          checked 40 <= len <= BATCH_MAX_PACKET, version 6, payload length + 40 == len,
//          destination == the anchor address
//   len    the packet's length
//   mhOff  offset from pkt of the Mobility Header (Next Header 135), after the fixed
//          header and any Hop-by-Hop / Destination Options headers (Home Address option);
//          mhOff < len. Nothing past the Next Header chain has been checked.
//   now    the host's wall clock, ms
//   out    two u32: [0] the reply's start as an offset from `slot`, [1] its length;
//          written only when returning 0
// Returns 0 to send the reply in `out` (a BA, CoT or Binding Error), or the index of the
// counter (assembly/forward/counters.ts) the dispatch counts the drop under. The
// dispatch drops a reply that does not fit in the slot or is shorter than 40 bytes.
//
// Binding cache API for the control plane: assembly/forward/binding-cache.ts
// (bc_lookup, bc_update, bc_remove; see the report in dar/exports.ts).

import { C_CONTROL_NOT_READY } from "../forward/counters";

export function dar_control(slot: usize, pkt: usize, len: u32, mhOff: u32, now: f64, out: usize): u32 {
  return C_CONTROL_NOT_READY;
}

/** Called from tick(now): rotate nonces (PROTOCOL.md §2.4). */
export function control_tick(now: f64): void {}

// Control-plane secrets in the snapshot (Kdar, nonce ring, ...): an opaque blob that
// the snapshot carries after the binding records.
/** Bytes control_snapshot_write will write. */
export function control_snapshot_size(): u32 { return 0; }
/** Writes control_snapshot_size() bytes at ptr. */
export function control_snapshot_write(ptr: usize): void {}
/** Whether the blob would be accepted (called before anything is changed). */
export function control_snapshot_check(ptr: usize, len: u32): bool { return len == 0; }
/** Applies a blob that control_snapshot_check accepted. */
export function control_snapshot_apply(ptr: usize, len: u32): void {}
