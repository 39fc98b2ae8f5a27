// An in-memory TUN pair for tests without root: a packet written on one end is read on the
// other, in order. Each end has a bounded queue; a write to a full queue returns false (dropped),
// like a TUN whose txqueue is full. `inject`/`drain` let a test play "the kernel" on one end.
import { TunError, type Tun } from "./types.js";

export class FakeTun implements Tun {
  readonly fd = -1;
  peer: FakeTun | null = null;
  closed = false;
  /** Packets waiting to be read on this end. */
  private readonly queue: Uint8Array[] = [];
  private waiters: ((ok: boolean) => void)[] = [];
  /** Counters for assertions. */
  readonly stats = { read: 0, written: 0, dropped: 0 };

  constructor(readonly name: string, readonly capacity = 1024) {}

  readInto(buf: Uint8Array, offset: number, max: number): number {
    if (this.closed) throw new TunError("read", 9, `${this.name}: closed`);
    const p = this.queue.shift();
    if (!p) return 0;
    const n = Math.min(p.length, max);
    buf.set(n === p.length ? p : p.subarray(0, n), offset);
    this.stats.read++;
    return n;
  }

  write(buf: Uint8Array, offset: number, len: number): boolean {
    if (this.closed) throw new TunError("write", 9, `${this.name}: closed`);
    const peer = this.peer;
    if (!peer || peer.closed) throw new TunError("write", 5, `${this.name}: no peer`);
    if (offset < 0 || len < 0 || offset + len > buf.length) throw new RangeError(`write [${offset}, +${len}) outside ${buf.length} bytes`);
    this.stats.written++;
    return peer.enqueue(buf.slice(offset, offset + len));
  }

  /** Queues a packet to be read on this end (as if the kernel routed it into the device). */
  inject(packet: Uint8Array): boolean { return this.enqueue(packet.slice()); }

  /** Takes every packet waiting on this end. */
  drain(): Uint8Array[] { return this.queue.splice(0); }

  get pending(): number { return this.queue.length; }

  waitReadable(timeoutMs: number): boolean {
    // A fake cannot block its own thread meaningfully: nothing else could fill the queue.
    void timeoutMs;
    return this.queue.length > 0;
  }

  readable(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.queue.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.wake(false);
  }

  private enqueue(p: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.capacity) { this.stats.dropped++; return false; }
    this.queue.push(p);
    this.wake(true);
    return true;
  }

  private wake(ok: boolean): void {
    const w = this.waiters;
    if (w.length === 0) return;
    this.waiters = [];
    for (const resolve of w) resolve(ok);
  }
}

/** Two connected ends: what `a` writes, `b` reads, and the other way round. */
export function fakeTunPair(nameA = "fake0", nameB = "fake1", capacity = 1024): [FakeTun, FakeTun] {
  const a = new FakeTun(nameA, capacity);
  const b = new FakeTun(nameB, capacity);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
