// Readiness of a descriptor without blocking the event loop: a non-blocking poll(…, 0) first
// (a packet is usually already there under load), otherwise one helper thread blocked in
// poll(2) wakes us through Atomics.waitAsync. No libuv thread pool involved (PERFORMANCE-NOTES:
// 24 µs per hand-off there); idle costs nothing but a parked thread.
import { Worker } from "node:worker_threads";
import { libc, errno, O, POLLIN } from "../libc.js";
import { ARMED, READY, STOP, DONE } from "./poller-state.js";

// In Node 20 (V8 11) but not in the es2022 lib typings.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

export class Poller {
  private readonly state: Int32Array;
  private worker: Worker | null = null;
  private readonly pfd: Uint8Array;
  private readonly pv: DataView;
  /** The descriptors watched: `fd`, then `more`. */
  readonly fds: readonly number[];
  private closed = false;
  private readonly pipe = new Int32Array(2);
  private readonly one = new Uint8Array(1);

  /** Watches `fd` and the descriptors in `more` (several devices, one helper thread: each thread
   *  is a V8 isolate of its own, ~8 MB resident). */
  constructor(readonly fd: number, more: readonly number[] = []) {
    this.fds = [fd, ...more];
    this.pfd = new Uint8Array(8 * this.fds.length); // struct pollfd { int fd; short events; short revents; }
    this.pv = new DataView(this.pfd.buffer);
    this.state = new Int32Array(new SharedArrayBuffer(8)) // [0] state, [1] worker started;
    Atomics.store(this.state, 0, READY); // not armed until someone waits
    this.fds.forEach((f, i) => { this.pv.setInt32(8 * i, f, true); this.pv.setInt16(8 * i + 4, POLLIN, true); });
  }

  /** Non-blocking check, or a blocking one in this thread with `timeoutMs` > 0: any of the fds. */
  check(timeoutMs = 0): boolean {
    for (let i = 0; i < this.fds.length; i++) this.pv.setInt16(8 * i + 6, 0, true);
    return libc.poll(this.pfd, this.fds.length, timeoutMs) > 0;
  }

  /** Resolves true when one of the fds is readable, false when the poller is closed. */
  async readable(): Promise<boolean> {
    if (this.closed) return false;
    if (this.check(0)) return true;
    this.ensureWorker();
    Atomics.store(this.state, 0, ARMED);
    Atomics.notify(this.state, 0);
    const w = waitAsync(this.state, 0, ARMED);
    if (w.async) await w.value;
    return !this.closed && Atomics.load(this.state, 0) === READY;
  }

  /** Stops the helper thread and returns once it is out of poll(2) (so the caller may close
   *  the descriptor and have it really released). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.state, 0, STOP);
    Atomics.notify(this.state, 0);
    if (this.worker) {
      libc.writeByte(this.pipe[1]!, this.one, 1);
      // Wait (briefly, synchronously) for DONE; a worker still starting up never entered poll.
      const deadline = Date.now() + 1000;
      while (Atomics.load(this.state, 0) === STOP && Atomics.load(this.state, 1) === 1 && Date.now() < deadline) Atomics.wait(this.state, 0, STOP, 50);
      this.worker.unref();
      this.worker = null;
      libc.close(this.pipe[0]!);
      libc.close(this.pipe[1]!);
    }
  }

  private ensureWorker(): void {
    if (this.worker) return;
    if (libc.pipe2(this.pipe, O.NONBLOCK | O.CLOEXEC) < 0) throw new Error(`pipe2 failed: errno ${errno()}`);
    this.worker = new Worker(new URL("./poll-worker.js", import.meta.url), {
      workerData: { fds: this.fds, wakeFd: this.pipe[0], sab: this.state.buffer },
    });

    this.worker.on("error", (e) => { process.emitWarning(`poll worker for fds ${this.fds.join(",")}: ${e.message}`); });
  }
}
