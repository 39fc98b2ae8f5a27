// Readiness of a descriptor without blocking the event loop: a non-blocking poll(…, 0) first
// (a packet is usually already there under load), otherwise one helper thread blocked in
// poll(2) wakes us through Atomics.waitAsync. No libuv thread pool involved (PERFORMANCE-NOTES:
// 24 µs per hand-off there); idle costs nothing but a parked thread.
import { Worker } from "node:worker_threads";
import { libc, POLLIN } from "./libc.js";
import { ARMED, READY, STOP } from "./poller-state.js";

// In Node 20 (V8 11) but not in the es2022 lib typings.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

export class Poller {
  private readonly state: Int32Array;
  private worker: Worker | null = null;
  private readonly pfd = new Uint8Array(8);
  private readonly pv = new DataView(this.pfd.buffer);
  private closed = false;

  constructor(readonly fd: number) {
    this.state = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(this.state, 0, READY); // not armed until someone waits
    this.pv.setInt32(0, fd, true);
    this.pv.setInt16(4, POLLIN, true);
  }

  /** Non-blocking check, or a blocking one in this thread with `timeoutMs` > 0. */
  check(timeoutMs = 0): boolean {
    this.pv.setInt16(6, 0, true);
    return libc.poll(this.pfd, 1, timeoutMs) > 0;
  }

  /** Resolves true when the fd is readable, false when the poller is closed. */
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.state, 0, STOP);
    Atomics.notify(this.state, 0);
    // The worker leaves within one poll timeout; do not keep the process alive for it.
    this.worker?.unref();
    this.worker = null;
  }

  private ensureWorker(): void {
    if (this.worker) return;
    this.worker = new Worker(new URL("./poll-worker.js", import.meta.url), {
      workerData: { fd: this.fd, sab: this.state.buffer },
    });
    this.worker.on("error", (e) => { process.emitWarning(`poll worker for fd ${this.fd}: ${e.message}`); });
  }
}
