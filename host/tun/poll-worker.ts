// Helper thread for `Poller`: blocks in poll(2) on its descriptors so the event-loop thread does
// not. Protocol over one shared Int32 (`state`):
//   ARMED (0)   the main thread wants to know when one of the fds is readable: we poll.
//   READY (1)   we saw POLLIN and notified; we sleep until the main thread re-arms.
//   STOP  (2)   leave: we answer DONE (3) once out of poll(2).
// poll(2) also watches a wake-up pipe, so STOP interrupts it at once. That matters: a descriptor
// closed while another thread polls it stays open in the kernel until poll returns, and a TUN
// device only disappears when its last reference goes.
import { workerData } from "node:worker_threads";
import { libc, POLLIN } from "../libc.js";
import { ARMED, READY, STOP, DONE } from "./poller-state.js";

const { fds, wakeFd, sab } = workerData as { fds: number[]; wakeFd: number; sab: SharedArrayBuffer };
const state = new Int32Array(sab);
const watched = [...fds, wakeFd]; // the wake-up pipe last
const pfd = new Uint8Array(8 * watched.length); // struct pollfd { int fd; short events; short revents; }
const pv = new DataView(pfd.buffer);
watched.forEach((f, i) => { pv.setInt32(8 * i, f, true); pv.setInt16(8 * i + 4, POLLIN, true); });
/** Whether a watched descriptor other than the pipe has revents. */
const anyDevice = () => { for (let i = 0; i < fds.length; i++) if (pv.getInt16(8 * i + 6, true) !== 0) return true; return false; };

Atomics.store(state, 1, 1); // started: from now on, close() waits for DONE

for (;;) {
  const s = Atomics.load(state, 0);
  if (s === STOP) break;
  if (s === READY) { Atomics.wait(state, 0, READY); continue; }
  for (let i = 0; i < watched.length; i++) pv.setInt16(8 * i + 6, 0, true);
  const r = libc.poll(pfd, watched.length, -1);
  if (r > 0 && anyDevice()) {
    // POLLIN, or POLLERR/POLLHUP/POLLNVAL: either way the main thread must look (a read tells it).
    if (Atomics.compareExchange(state, 0, ARMED, READY) === ARMED) Atomics.notify(state, 0);
  } else if (r < 0) {
    Atomics.wait(state, 0, ARMED, 10); // EINTR: back off briefly
  }
  // only the wake-up pipe: loop and look at the state
}
Atomics.store(state, 0, DONE);
Atomics.notify(state, 0);
