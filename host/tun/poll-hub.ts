// The process's one parked poll(2): every descriptor a Poller waits for, plus a wake-up pipe,
// in a single call made through koffi's asynchronous form, which runs it on one of libuv's pool
// threads (fama's daemons give that pool nothing else: no asynchronous fs, dns or crypto). One
// helper Worker per device did this before; a Worker is a V8 isolate of its own, ~9.7 MB
// resident (an idle node with koffi: 45.7 MB RSS, with one idle Worker: 55.4 MB), and an MN
// agent had one per watched socket. The wake-up costs about the same: p50 28-56 us from a
// write on a pipe to the callback, against 31-37 us for a Worker and Atomics.waitAsync
// (docs/OPERATIONS.md, "Memory").
//
// The pollfd array lives in an ArrayBuffer larger than V8's on-heap limit, so it never moves and
// the kernel writes revents straight into it. A waiter that arrives while the call is parked
// wakes it through the pipe; the call returns, the ready waiters resolve, and it is made again
// with the new set. A descriptor in a parked poll(2) stays referenced by the kernel until the
// call returns (a TUN device only disappears with its last reference), so `leave` wakes the call
// and waits, briefly and synchronously, until the kernel has written the pipe's revents back:
// by then poll(2) has let go of every file.
import { libc, addressAt, errno, O, POLLIN } from "../libc.js";

const ENTRY = 8; // struct pollfd { int fd; short events; short revents; }
const LEAVE_TIMEOUT_MS = 1000;

/** What the hub needs of a Poller: the descriptors it waits for. */
export interface PollTarget { readonly fds: readonly number[] }

interface Waiter { target: PollTarget; resolve: (ready: boolean) => void }

class PollHub {
  private waiters: Waiter[] = [];
  private parked = false;
  /** The descriptors of the parked call, the wake-up pipe last. */
  private parkedFds: number[] = [];
  private area = new ArrayBuffer(256);
  private view = new DataView(this.area);
  private pipe: Int32Array | null = null;
  private readonly one = new Uint8Array(1);
  private readonly drain = new Uint8Array(256);
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  /** Resolves true when one of `target`'s descriptors has revents, false when it leaves. */
  wait(target: PollTarget): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      if (this.parked) this.wake(); // made again, with this waiter, when it returns
      else this.park();
    });
  }

  /** `target` waits no more (its waiter resolves false); returns once no parked call holds
   *  any of its descriptors, so the caller may close them and have them really released. */
  leave(target: PollTarget): void {
    const left = this.waiters.filter((w) => w.target === target);
    if (left.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target !== target);
    for (const w of left) w.resolve(false);
    if (!this.parked || !target.fds.some((fd) => this.parkedFds.includes(fd))) return;
    this.wake();
    const pipeRevents = (this.parkedFds.length - 1) * ENTRY + 6;
    const deadline = Date.now() + LEAVE_TIMEOUT_MS;
    while (this.view.getInt16(pipeRevents, true) === 0 && Date.now() < deadline) Atomics.wait(this.sleeper, 0, 0, 1);
  }

  private park(): void {
    if (this.waiters.length === 0) return;
    if (!this.pipe) {
      const fds = new Int32Array(2);
      if (libc.pipe2(fds, O.NONBLOCK | O.CLOEXEC) < 0) throw new Error(`pipe2 failed: errno ${errno()}`);
      this.pipe = fds;
    }
    const fds = [...new Set(this.waiters.flatMap((w) => w.target.fds)), this.pipe[0]!];
    if (fds.length * ENTRY > this.area.byteLength) {
      this.area = new ArrayBuffer(2 * fds.length * ENTRY);
      this.view = new DataView(this.area);
    }
    fds.forEach((fd, i) => {
      this.view.setInt32(i * ENTRY, fd, true);
      this.view.setInt16(i * ENTRY + 4, POLLIN, true);
      this.view.setInt16(i * ENTRY + 6, 0, true);
    });
    this.parkedFds = fds;
    this.parked = true;
    const area = this.area; // kept alive by the closure while the call is parked
    libc.pollAt.async(addressAt(new Uint8Array(area), 0), fds.length, -1, (err) => this.returned(err, area));
  }

  private returned(err: unknown, area: ArrayBuffer): void {
    this.parked = false;
    const view = new DataView(area);
    const n = this.parkedFds.length;
    while (libc.readBuf(this.pipe![0]!, this.drain, this.drain.length) > 0) { /* empty the pipe */ }
    // A failed call (koffi's error) tells nothing about the descriptors: let every waiter look.
    const ready = new Set<number>();
    for (let i = 0; i < n - 1; i++) if (err || view.getInt16(i * ENTRY + 6, true) !== 0) ready.add(this.parkedFds[i]!);
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target.fds.some((fd) => ready.has(fd))) w.resolve(true);
      else still.push(w);
    }
    this.waiters = still;
    this.park();
  }

  private wake(): void {
    if (this.pipe) libc.writeByte(this.pipe[1]!, this.one, 1);
  }
}

export const pollHub = new PollHub();
