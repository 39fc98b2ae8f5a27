// Readiness of descriptors without blocking the event loop: a non-blocking poll(…, 0) first
// (a packet is usually already there under load), otherwise the process's one parked poll(2)
// (poll-hub.ts) tells when one of them is readable. Idle costs one parked pool thread for the
// whole process, whatever the number of Pollers.
import { libc, POLLIN } from "../libc.js";
import { pollHub } from "./poll-hub.js";

export class Poller {
  private readonly pfd: Uint8Array;
  private readonly pv: DataView;
  /** The descriptors watched: `fd`, then `more`. */
  readonly fds: readonly number[];
  private closed = false;

  /** Watches `fd` and the descriptors in `more` (a device and its companions, one wait). */
  constructor(readonly fd: number, more: readonly number[] = []) {
    this.fds = [fd, ...more];
    this.pfd = new Uint8Array(8 * this.fds.length); // struct pollfd { int fd; short events; short revents; }
    this.pv = new DataView(this.pfd.buffer);
    this.fds.forEach((f, i) => { this.pv.setInt32(8 * i, f, true); this.pv.setInt16(8 * i + 4, POLLIN, true); });
  }

  /** Non-blocking check, or a blocking one in this thread with `timeoutMs` > 0: any of the fds. */
  check(timeoutMs = 0): boolean {
    for (let i = 0; i < this.fds.length; i++) this.pv.setInt16(8 * i + 6, 0, true);
    return libc.poll(this.pfd, this.fds.length, timeoutMs) > 0;
  }

  /** Resolves true when one of the fds is readable (or in error: a read tells which), false
   *  when the poller is closed. */
  async readable(): Promise<boolean> {
    if (this.closed) return false;
    if (this.check(0)) return true;
    return (await pollHub.wait(this)) && !this.closed;
  }

  /** Stops waiting and returns once no parked poll(2) holds the descriptors (so the caller may
   *  close them and have them really released). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    pollHub.leave(this);
  }
}
