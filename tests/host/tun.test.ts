// The in-memory TUN pair (what the data-plane tests stand on).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeTunPair } from "../../host/tun/fake.js";

test("fake pair: what one end writes the other reads, in order, at an offset", () => {
  const [a, b] = fakeTunPair();
  const src = new Uint8Array([0, 0, 1, 2, 3, 4, 0]);
  assert.equal(a.write(src, 2, 4), true);
  assert.equal(a.write(src, 3, 2), true);
  const buf = new Uint8Array(16);
  assert.equal(b.readInto(buf, 5, 10), 4);
  assert.deepEqual(buf.subarray(5, 9), new Uint8Array([1, 2, 3, 4]));
  assert.equal(b.readInto(buf, 0, 10), 2);
  assert.deepEqual(buf.subarray(0, 2), new Uint8Array([2, 3]));
  assert.equal(b.readInto(buf, 0, 10), 0, "empty: would block");
  assert.equal(a.readInto(buf, 0, 10), 0, "nothing went the other way");
});

test("fake pair: the written bytes are copied (the writer may reuse its buffer)", () => {
  const [a, b] = fakeTunPair();
  const src = new Uint8Array([7, 7, 7]);
  a.write(src, 0, 3);
  src.fill(0);
  const buf = new Uint8Array(3);
  b.readInto(buf, 0, 3);
  assert.deepEqual(buf, new Uint8Array([7, 7, 7]));
});

test("fake pair: truncation to max, bounded queue, range checks", () => {
  const [a, b] = fakeTunPair("a", "b", 2);
  const p = new Uint8Array(10).fill(1);
  assert.equal(a.write(p, 0, 10), true);
  assert.equal(a.write(p, 0, 10), true);
  assert.equal(a.write(p, 0, 10), false, "queue full: dropped");
  assert.equal(b.stats.dropped, 1);
  const buf = new Uint8Array(4);
  assert.equal(b.readInto(buf, 0, 4), 4);
  assert.throws(() => a.write(p, 8, 5), RangeError);
});

test("fake pair: readable() resolves on arrival and false on close", async () => {
  const [a, b] = fakeTunPair();
  const r = b.readable();
  let settled = false;
  void r.then(() => { settled = true; });
  await new Promise((res) => setImmediate(res));
  assert.equal(settled, false);
  a.write(new Uint8Array([0x60]), 0, 1);
  assert.equal(await r, true);
  assert.equal(b.waitReadable(0), true);
  const r2 = a.readable();
  a.close();
  assert.equal(await r2, false);
  assert.throws(() => a.readInto(new Uint8Array(1), 0, 1));
});
