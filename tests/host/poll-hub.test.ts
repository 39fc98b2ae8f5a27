// The process's one parked poll(2) (host/tun/poll-hub.ts) behind Poller, on pipes (no root):
// each waiter wakes for its own descriptors only, a waiter that comes while the call is parked
// gets into it, and close() returns only once the parked call has let go of the descriptor
// (a write into a pipe whose reader was closed right after then fails with EPIPE; with the
// kernel still holding the read end it would succeed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { libc, errno, O } from "../../host/libc.js";
import { Poller } from "../../host/tun/poller.js";

const EPIPE = 32;
const one = new Uint8Array([1]);

function pipe(): { r: number; w: number } {
  const fds = new Int32Array(2);
  assert.equal(libc.pipe2(fds, O.NONBLOCK | O.CLOEXEC), 0, `pipe2: errno ${errno()}`);
  return { r: fds[0]!, w: fds[1]! };
}

/** Whether `p` has settled within `ms` (and with what). */
async function settled<T>(p: Promise<T>, ms: number): Promise<{ done: boolean; value?: T }> {
  const timeout = Symbol("timeout");
  const v = await Promise.race([p, sleep(ms).then(() => timeout)]);
  return v === timeout ? { done: false } : { done: true, value: v as T };
}

test("poll hub: each waiter wakes for its own descriptor, a late waiter gets into the parked call", async () => {
  const a = pipe(), b = pipe();
  const pa = new Poller(a.r), pb = new Poller(b.r);
  try {
    const ra = pa.readable();
    await sleep(20); // the hub is parked on a alone
    const rb = pb.readable(); // wakes it: parked again on a and b
    assert.equal(libc.writeByte(b.w, one, 1), 1);
    assert.deepEqual(await settled(rb, 2000), { done: true, value: true });
    assert.equal((await settled(ra, 50)).done, false, "a has nothing to read: still waiting");
    assert.equal(libc.writeByte(a.w, one, 1), 1);
    assert.deepEqual(await settled(ra, 2000), { done: true, value: true });
  } finally {
    pa.close(); pb.close();
    for (const fd of [a.r, a.w, b.r, b.w]) libc.close(fd);
  }
});

test("poll hub: close() resolves the wait false and returns once the parked poll let go of the descriptor", async () => {
  const a = pipe(), b = pipe();
  const pa = new Poller(a.r), pb = new Poller(b.r);
  try {
    const ra = pa.readable(), rb = pb.readable();
    await sleep(20);
    // close, then at once (no turn of the event loop between) drop the read end and write
    pa.close();
    libc.close(a.r);
    const wrote = libc.writeByte(a.w, one, 1), e = errno();
    assert.equal(wrote, -1, "the read end is gone: nothing holds it");
    assert.equal(e, EPIPE);
    assert.deepEqual(await settled(ra, 2000), { done: true, value: false });
    // the other waiter is still parked and still wakes
    assert.equal((await settled(rb, 50)).done, false);
    assert.equal(libc.writeByte(b.w, one, 1), 1);
    assert.deepEqual(await settled(rb, 2000), { done: true, value: true });
  } finally {
    pb.close();
    for (const fd of [a.w, b.r, b.w]) libc.close(fd);
  }
});
