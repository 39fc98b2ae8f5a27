// process_batch never traps on arbitrary input: 100k random and mutated packets in
// batches of random size, and the DAR keeps working (and its bindings) afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readPcap } from "../../host/pcap.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { darWith, ipv6, ANCHOR, HOA, COA, CN } from "./forward-helpers.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

test("100k random and mutated packets through process_batch: no trap, sane descriptors", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const next = rng(0x5eed);
  const seeds = [
    ipv6(CN, HOA, { payloadLen: 60 }),
    ipv6(COA, ANCHOR, { nh: 41, payload: ipv6(HOA, CN) }),
    ipv6(CN, ANCHOR, { nh: 58, payload: Uint8Array.from([128, 0, 0, 0, 0, 1, 0, 1]) }),
    ipv6(COA, ANCHOR, { nh: 60, payload: Uint8Array.from([135, 0, 1, 4, 0, 0, 0, 0, 59, 1, 5, 0, 0, 0, 0, 0]) }),
    ipv6(CN, HOA, { hop: 1, payloadLen: 1500 }),
  ];
  let total = 0;
  let sent = 0;
  const { mem } = dar.views();
  while (total < 100_000) {
    const n = 1 + (next() % 256);
    for (let k = 0; k < n; k++) {
      const kind = next() % 4;
      const view = dar.packetView(k);
      let len: number;
      if (kind === 0) { // pure noise of any length, even beyond a slot
        len = next() % 2100;
        for (let i = 0; i < Math.min(len, view.length); i++) view[i] = next() & 0xff;
      } else { // a valid packet with a few bytes and maybe the length changed
        const s = seeds[next() % seeds.length];
        view.set(s);
        len = s.length;
        const flips = 1 + (next() % 4);
        for (let f = 0; f < flips; f++) view[next() % Math.min(len + 8, view.length)] = next() & 0xff;
        if (kind === 2) len = next() % (len + 16);
      }
      dar.setLen(k, len);
    }
    sent += dar.process(n, 1000 + total);
    for (let k = 0; k < n; k++) {
      const v = dar.verdict(k);
      assert.ok(v === 0 || v === 1);
      if (v === 1) {
        assert.ok(dar.outOffset(k) + dar.outLen(k) <= dar.stride, "output inside its slot");
        assert.ok(dar.outLen(k) >= 40);
      } else {
        assert.ok(dar.reasonName(k) !== null);
      }
    }
    if (total % 20000 < n) dar.tick(1000 + total);
    total += n;
  }
  void mem;
  assert.ok(sent > 0);
  const c = dar.counters();
  assert.equal(c.rx, BigInt(total));
  // Still working: the binding is intact and encapsulation still right.
  dar.setPacket(0, ipv6(CN, HOA));
  assert.equal(dar.process(1, 1e6), 1);
  assert.equal(dar.output(0)[6], 41);
  assert.equal(dar.bindingsCount(), 1);
});

// The batch finds every packet's table slot before it processes any (prefetch passes,
// assembly/dar/engine.ts); a binding removed or moved by an earlier packet of the same
// batch must not leave a later packet with a stale answer. Differential: the same traffic
// in batches of 256 and one packet at a time gives the same verdicts, outputs and events.
test("batches of 256 agree with one packet at a time while lazy expiry moves records mid-batch", () => {
  const N = 6000; // above the engine's prefetch threshold (4096 bindings)
  const hoa = (i: number) => `2001:db8:100:1:0:${(i >> 16) & 0xffff}:${(i & 0xffff).toString(16)}:1`;
  const coa = (i: number) => `2001:db8:200:1:0:${(i >> 16) & 0xffff}:${(i & 0xffff).toString(16)}:2`;
  // Every 7th binding has expired at the batch's clock; the last records (which the
  // removals move into the holes) are targeted often.
  const bindings = Array.from({ length: N }, (_, i) => ({ hoa: hoa(i), coa: coa(i), expiresAt: i % 7 === 3 ? 500 : 1e15 }));
  const batched = darWith(bindings, { capacity: 8192 });
  const single = darWith(bindings, { capacity: 8192 });
  const next = rng(0xbadcafe);
  const packets: Uint8Array[] = [];
  for (let k = 0; k < 256 * 12; k++) {
    const r = next() % 10;
    const i = r < 3 ? N - 1 - (next() % 64) : next() % N;
    if (r < 6) packets.push(ipv6(CN, hoa(i), { payloadLen: 24 + (k % 40), flow: k & 0xfffff }));
    else if (r < 8) packets.push(ipv6(coa(i), ANCHOR, { nh: 41, payload: ipv6(hoa(i), CN, { payloadLen: 16 }) }));
    else if (r < 9) packets.push(ipv6(coa((i + 1) % N), ANCHOR, { nh: 41, payload: ipv6(hoa(i), CN) })); // spoofed
    else packets.push(ipv6(CN, `2001:db8:100:1::${(next() & 0xffff).toString(16)}`)); // unbound
  }
  type Out = { verdict: number; reason: string | null; out: string };
  const outsB: Out[] = [];
  const outsS: Out[] = [];
  const record = (dar: typeof batched, n: number, into: Out[]) => {
    for (let k = 0; k < n; k++) {
      into.push({ verdict: dar.verdict(k), reason: dar.reasonName(k), out: dar.verdict(k) ? Buffer.from(dar.output(k)).toString("hex") : "" });
    }
  };
  const eventsB: ReturnType<typeof batched.drainEvents> = [];
  const eventsS: ReturnType<typeof batched.drainEvents> = [];
  for (let b = 0; b < packets.length; b += 256) {
    for (let k = 0; k < 256; k++) batched.setPacket(k, packets[b + k]);
    batched.process(256, 1000);
    record(batched, 256, outsB);
    eventsB.push(...batched.drainEvents());
    for (let k = 0; k < 256; k++) {
      single.setPacket(0, packets[b + k]);
      single.process(1, 1000);
      record(single, 1, outsS);
      eventsS.push(...single.drainEvents());
    }
  }
  assert.equal(outsB.length, outsS.length);
  for (let k = 0; k < outsB.length; k++) assert.deepEqual(outsB[k], outsS[k], `packet ${k}`);
  assert.deepEqual(eventsB, eventsS);
  assert.ok(eventsB.length > 100, "some bindings expired during the batches");
  const c = batched.counters();
  assert.ok(c.encap > 0n && c.decap > 0n && c.spoofed > 0n && c.unbound > 0n);
  assert.deepEqual(c, single.counters());
  assert.equal(batched.bindingsCount(), single.bindingsCount());
});

// A binding created by a BU earlier in the same batch is found by the packets after it,
// although every slot's table probe was made before the BU was processed.
test("a BU accepted mid-batch binds the HoA for the rest of the batch (large cache, prefetch passes)", () => {
  const pcap = readPcap(join(VECTORS_DIR, "dar", "data-after-accept.in.pcap"));
  const [bu, toMn, fromMn] = pcap.packets;
  const now = bu.tsSec * 1000 + bu.tsUsec / 1000;
  const fillers = Array.from({ length: 6000 }, (_, i) => ({
    hoa: `2001:db8:100:1:0:1:${i.toString(16)}:1`, coa: `2001:db8:200:1:0:1:${i.toString(16)}:2`,
  }));
  const dar = darWith(fillers, { capacity: 8192 });
  const batch = [toMn.data, fromMn.data, bu.data, toMn.data, fromMn.data];
  for (let k = 0; k < 64; k++) batch.push(ipv6(CN, fillers[(k * 37) % fillers.length].hoa));
  batch.push(toMn.data);
  batch.forEach((p, k) => dar.setPacket(k, p));
  dar.process(batch.length, now);
  assert.equal(dar.reasonName(0), "unbound", "before the BU");
  assert.equal(dar.reasonName(1), "tunnel-unbound", "before the BU");
  assert.equal(dar.verdict(2), 1, `BA sent (${dar.reasonName(2)})`);
  assert.equal(dar.bindingsCount(), fillers.length + 1);
  for (const k of [3, batch.length - 1]) {
    assert.equal(dar.verdict(k), 1, `slot ${k} after the BU: ${dar.reasonName(k)}`);
    assert.equal(dar.output(k)[6], 41, "encapsulated");
  }
  assert.equal(dar.verdict(4), 1, `decapsulated after the BU: ${dar.reasonName(4)}`);
  assert.equal(dar.counter("encap"), 2n + 64n);
  assert.equal(dar.counter("decap"), 1n);
  void HOA; void COA; void ANCHOR;
});
