// Answers the core's private-key requests with the MN's key (host/keys.ts): the key never
// enters the Wasm module, and neither digests nor PHKTs are logged. `service` drains the
// MN's events, answers every sign and decrypt request at once (which may queue more events
// and outbox packets: a signed BU, a BOUND), and returns every event seen, in order.
import type { KeyObject } from "node:crypto";
import { decryptPhkt, signDigest } from "../keys.js";
import type { Mn, MnEvent } from "../core/mn.js";

export function service(mn: Mn, key: KeyObject, now: () => number): MnEvent[] {
  const all: MnEvent[] = [];
  for (let round = 0; round < 64 && mn.eventCount() > 0; round++) {
    for (const ev of mn.drainEvents()) {
      all.push(ev);
      if (ev.kind === "sign-request" && ev.data) {
        mn.signAnswer(ev.site, ev.seq, signDigest(key, ev.data), now());
        ev.data = null;
      } else if (ev.kind === "decrypt-request" && ev.data) {
        const phkt = decryptPhkt(key, ev.data);
        mn.decryptAnswer(ev.site, ev.seq, phkt, now());
        phkt?.fill(0);
        ev.data = null;
      }
    }
  }
  return all;
}
