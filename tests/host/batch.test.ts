// process_batch never traps on arbitrary input: 100k random and mutated packets in
// batches of random size, and the DAR keeps working (and its bindings) afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
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
