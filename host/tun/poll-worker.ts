// Helper thread for `Poller`: blocks in poll(2) on one descriptor so the event-loop thread does
// not. Protocol over one shared Int32 (`state`):
//   ARMED (0)   the main thread wants to know when the fd is readable: we poll.
//   READY (1)   we saw POLLIN and notified; we sleep until the main thread re-arms.
//   STOP  (2)   exit.
// poll() uses a short timeout so STOP is noticed promptly even when nothing arrives.
import { workerData } from "node:worker_threads";
import { libc, POLLIN } from "./libc.js";
import { ARMED, READY, STOP } from "./poller-state.js";

const { fd, sab } = workerData as { fd: number; sab: SharedArrayBuffer };
const state = new Int32Array(sab);
const pfd = new Uint8Array(8);
const pv = new DataView(pfd.buffer);
pv.setInt32(0, fd, true);
pv.setInt16(4, POLLIN, true);

for (;;) {
  const s = Atomics.load(state, 0);
  if (s === STOP) break;
  if (s === READY) { Atomics.wait(state, 0, READY, 200); continue; }
  pv.setInt16(6, 0, true);
  const r = libc.poll(pfd, 1, 100);
  if (r > 0) {
    // POLLIN, or POLLERR/POLLHUP/POLLNVAL: either way the main thread must look (a read tells it).
    if (Atomics.compareExchange(state, 0, ARMED, READY) === ARMED) Atomics.notify(state, 0);
  } else if (r < 0) {
    Atomics.wait(state, 0, ARMED, 10); // EINTR or EBADF while closing: back off briefly
  }
}
