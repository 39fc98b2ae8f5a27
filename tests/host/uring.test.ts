// The io_uring wrapper (host/tun/uring.ts) on a pipe, no root needed: writes and reads queued
// together complete in order with their results, a NOWAIT read of an empty descriptor gives
// -EAGAIN instead of waiting, errors come back as -errno, and more requests than the ring holds
// are refused before anything is submitted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Uring, RWF_NOWAIT } from "../../host/tun/uring.js";
import { libc, addressAt, O, E } from "../../host/libc.js";

const disabled = (() => { try { return readFileSync("/proc/sys/kernel/io_uring_disabled", "utf8").trim() !== "0" && "io_uring disabled on this kernel"; } catch { return false; } })();

function pipe(): [number, number] {
  const fds = new Int32Array(2);
  assert.equal(libc.pipe2(fds, O.NONBLOCK | O.CLOEXEC), 0);
  return [fds[0]!, fds[1]!];
}

test("uring: writes then reads on a pipe, results in request order", { skip: disabled }, () => {
  const ring = Uring.open(8);
  const [r, w] = pipe();
  try {
    assert.ok(ring.entries >= 8);
    const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
    mem.set([1, 2, 3, 4, 5, 6, 7], 100);
    assert.equal(ring.prepWrite(w, addressAt(mem, 100), 3, 0), 0);
    assert.equal(ring.prepWrite(w, addressAt(mem, 103), 4, 0), 1);
    assert.equal(ring.submit(), 2);
    assert.deepEqual([...ring.results.subarray(0, 2)], [3, 4]);
    ring.prepRead(r, addressAt(mem, 1000), 5, RWF_NOWAIT);
    ring.prepRead(r, addressAt(mem, 2000), 5, RWF_NOWAIT);
    ring.prepRead(r, addressAt(mem, 3000), 5, RWF_NOWAIT);
    assert.equal(ring.submit(), 3);
    assert.deepEqual([...ring.results.subarray(0, 3)], [5, 2, -E.EAGAIN], "the third found the pipe empty and did not wait");
    assert.deepEqual([...mem.subarray(1000, 1005)], [1, 2, 3, 4, 5]);
    assert.deepEqual([...mem.subarray(2000, 2002)], [6, 7]);
    // many rounds: the rings' heads and tails wrap past the ring size
    for (let i = 0; i < 100; i++) {
      ring.prepWrite(w, addressAt(mem, 100 + (i % 7)), 1, 0);
      ring.prepRead(r, addressAt(mem, 4000 + i), 1, RWF_NOWAIT);
      ring.submit();
      assert.deepEqual([...ring.results.subarray(0, 2)], [1, 1]);
      assert.equal(mem[4000 + i], 1 + (i % 7));
    }
  } finally {
    ring.close();
    libc.close(r);
    libc.close(w);
  }
});

test("uring: a failing request gives -errno; a full queue is refused before submitting", { skip: disabled }, () => {
  const ring = Uring.open(4);
  const [r, w] = pipe();
  try {
    const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
    libc.close(r);
    ring.prepWrite(w, addressAt(mem, 0), 1, 0); // no reader left: EPIPE
    ring.prepWrite(123456, addressAt(mem, 0), 1, 0); // no such descriptor
    ring.submit();
    assert.deepEqual([...ring.results.subarray(0, 2)], [-32, -E.EBADF]);
    for (let i = 0; i < ring.entries; i++) ring.prepWrite(w, addressAt(mem, 0), 1, 0);
    assert.throws(() => ring.prepWrite(w, addressAt(mem, 0), 1, 0), RangeError);
    ring.submit();
    assert.ok([...ring.results.subarray(0, ring.entries)].every((x) => x === -32));
  } finally {
    ring.close();
    libc.close(w);
  }
});
