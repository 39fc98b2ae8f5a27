// A TUN's batched reads and writes through an io_uring (host/tun/uring.ts): the outputs of one
// data-plane batch go to the kernel in one io_uring_enter instead of one write(2) (and one
// koffi call) each, and so may the reads of a batch. `bench/uring-tun.js` measured user plus
// system CPU a 112-byte packet at 0.70-0.86x of write(2) and 0.70-0.94x of read(2) in batches
// of 4 to 200 (the lab's DAR has 115-197 a batch under load), the user CPU alone at 0.1-0.6x;
// below 4 packets the enter costs more than the calls it saves (1.35x for one), so small
// batches keep read(2) and write(2). Figures: docs/URING.md.
import { addressAt, describeErrno, E } from "../libc.js";
import { Uring, RWF_NOWAIT, EOPNOTSUPP } from "./uring.js";
import { TunError } from "./types.js";

/** Fewer packets than this go one read(2) or write(2) each. */
export const RING_MIN_BATCH = 4;

/** The errnos of a write the kernel refused (full queue, malformed frame, device down): the
 *  packet is dropped and counted, the loop goes on. Any other errno is thrown. */
export function refusedWrite(e: number): boolean {
  return e === E.EAGAIN || e === E.ENOBUFS || e === E.EINVAL || e === E.EIO;
}

export class RingIo {
  /** RWF_NOWAIT, or 0 on a kernel whose TUN refuses it (see uring.ts). */
  private rwFlags = RWF_NOWAIT;

  private constructor(private readonly ring: Uring, private readonly fd: number, private readonly name: string) {}

  /** A ring for reads and writes of `fd`, or why there is none (the caller goes one by one). */
  static open(fd: number, name: string, entries: number): RingIo | string {
    if (process.env.FAMA_URING === "0") return "turned off (FAMA_URING=0)";
    try {
      return new RingIo(Uring.open(entries), fd, name);
    } catch (e) {
      return (e as Error).message;
    }
  }

  /**
   * Writes `n` frames `buf[at[i] .. +len[i])` in order (`buf` off the JS heap: it must not move,
   * addressAt), batches of the ring's size, each in one io_uring_enter; `one(i)` writes the i-th
   * with write(2) where the ring cannot (a kernel without RWF_NOWAIT for TUNs, EINTR). Returns
   * how many were written.
   */
  write(buf: Uint8Array, at: Int32Array, len: Int32Array, n: number, one: (i: number) => boolean): number {
    for (let i = 0; i < n; i++) {
      if (at[i]! < 0 || len[i]! < 0 || at[i]! + len[i]! > buf.length) throw new RangeError(`write [${at[i]}, +${len[i]}) outside ${buf.length} bytes`);
    }
    const ring = this.ring;
    let written = 0;
    let failed = 0;
    for (let from = 0; from < n; from += ring.entries) {
      const k = Math.min(ring.entries, n - from);
      for (let j = 0; j < k; j++) ring.prepWrite(this.fd, addressAt(buf, at[from + j]!), len[from + j]!, this.rwFlags);
      ring.submit();
      for (let j = 0; j < k; j++) {
        const r = ring.results[j]!;
        if (r >= 0) { written++; continue; }
        if (r === -EOPNOTSUPP && this.rwFlags !== 0) { this.rwFlags = 0; }
        if (r === -EOPNOTSUPP || r === -E.EINTR) { if (one(from + j)) written++; continue; }
        if (!refusedWrite(-r) && failed === 0) failed = -r;
      }
    }
    if (failed !== 0) throw new TunError("write", failed, `${this.name}: write: ${describeErrno(failed)}`);
    return written;
  }

  /**
   * Reads into slots `start .. start+count-1` (count at most the ring's size; slot i at
   * `buf[first + i*stride ..+max)`) in one io_uring_enter, each read without waiting. A packet
   * that arrived after a read of the same submission found the device empty is moved down over
   * the gap, so the packets stay in slots from `start` on, in the order the kernel gave them.
   * Lengths go to `lens[slot]`. Returns how many landed (fewer than count: the device ran empty).
   */
  read(buf: Uint8Array, first: number, stride: number, max: number, start: number, count: number, lens: Int32Array): number {
    const ring = this.ring;
    for (let j = 0; j < count; j++) ring.prepRead(this.fd, addressAt(buf, first + (start + j) * stride), max, this.rwFlags);
    ring.submit();
    let got = 0;
    let failed = 0;
    for (let j = 0; j < count; j++) {
      const r = ring.results[j]!;
      if (r > 0) {
        const n = Math.min(r, max);
        if (got !== j) buf.copyWithin(first + (start + got) * stride, first + (start + j) * stride, first + (start + j) * stride + n);
        lens[start + got++] = n;
        continue;
      }
      // a kernel whose TUN takes no RWF_NOWAIT: without it, O_NONBLOCK gives -EAGAIN there
      if (r === -EOPNOTSUPP) this.rwFlags = 0;
      else if (r < 0 && r !== -E.EAGAIN && r !== -E.EINTR && failed === 0) failed = -r;
    }
    if (failed !== 0) throw new TunError("read", failed, `${this.name}: read: ${describeErrno(failed)}`);
    return got;
  }

  /** Requests one submission carries. */
  get entries(): number { return this.ring.entries; }

  close(): void { this.ring.close(); }
}
