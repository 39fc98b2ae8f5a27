// Helper thread for `Poller`: blocks in poll(2) on one descriptor so the event-loop thread does
// not. Protocol over one shared Int32 (`state`):
//   ARMED (0)   the main thread wants to know when the fd is readable: we poll.
//   READY (1)   we saw POLLIN and notified; we sleep until the main thread re-arms.
//   STOP  (2)   leave: we answer DONE (3) once out of poll(2).
// poll(2) also watches a wake-up pipe, so STOP interrupts it at once. That matters: a descriptor
// closed while another thread polls it stays open in the kernel until poll returns, and a TUN
// device only disappears when its last reference goes.
import { workerData } from "node:worker_threads";
import { libc, POLLIN } from "../libc.js";
import { ARMED, READY, STOP, DONE } from "./poller-state.js";

const { fd, wakeFd, sab } = workerData as { fd: number; wakeFd: number; sab: SharedArrayBuffer };
const state = new Int32Array(sab);
const pfd = new Uint8Array(16); // two struct pollfd { int fd; short events; short revents; }
const pv = new DataView(pfd.buffer);
pv.setInt32(0, fd, true);
pv.setInt16(4, POLLIN, true);
pv.setInt32(8, wakeFd, true);
pv.setInt16(12, POLLIN, true);

Atomics.store(state, 1, 1); // started: from now on, close() waits for DONE

for (;;) {
  const s = Atomics.load(state, 0);
  if (s === STOP) break;
  if (s === READY) { Atomics.wait(state, 0, READY); continue; }
  pv.setInt16(6, 0, true);
  pv.setInt16(14, 0, true);
  const r = libc.poll(pfd, 2, -1);
  if (r > 0 && pv.getInt16(6, true) !== 0) {
    // POLLIN, or POLLERR/POLLHUP/POLLNVAL: either way the main thread must look (a read tells it).
    if (Atomics.compareExchange(state, 0, ARMED, READY) === ARMED) Atomics.notify(state, 0);
  } else if (r < 0) {
    Atomics.wait(state, 0, ARMED, 10); // EINTR: back off briefly
  }
  // only the wake-up pipe: loop and look at the state
}
Atomics.store(state, 0, DONE);
Atomics.notify(state, 0);
