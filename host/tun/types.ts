// The TUN device as the data plane sees it: it only moves whole IP packets (no packet info
// header), one at a time, into and out of caller-owned memory at an offset, so the caller can
// keep headroom in front of each packet (wireguard-go's tun.Device idea). Batching is the
// caller's loop: read until `readInto` returns 0 (would block) or the batch is full, then write
// every output. Implementations: `linux.ts` (/dev/net/tun through koffi) and `fake.ts` (in
// memory, for tests without root).

export interface Tun {
  /** Interface name (as in `ip link`). */
  readonly name: string;
  /** The file descriptor, or -1 for an in-memory device. */
  readonly fd: number;
  /**
   * 10 when the device was opened with offloads (IFF_VNET_HDR, host/tun/linux.ts): then
   * `readInto` returns a frame (the virtio-net header, then the packet) and `writeFrame` takes
   * one; `write` still takes a bare packet. 0 or absent: bare packets both ways.
   */
  readonly vnetHdrLen?: number;
  /**
   * Reads one packet into `buf[offset .. offset+max)` without blocking and returns its length;
   * 0 when no packet is waiting. A packet longer than `max` is truncated by the kernel to `max`
   * (keep the device MTU at or below `max`). `buf` may be a view over Wasm linear memory: the
   * bytes land there directly.
   */
  readInto(buf: Uint8Array, offset: number, max: number): number;
  /**
   * Writes one packet `buf[offset .. offset+len)` without blocking. Returns false when the
   * device refused it for lack of room (EAGAIN/ENOBUFS; the packet is dropped, as a full queue
   * would), true when written. Throws on other errors.
   */
  write(buf: Uint8Array, offset: number, len: number): boolean;
  /** As `write`, for a frame that carries its virtio-net header (devices with vnetHdrLen > 0). */
  writeFrame?(buf: Uint8Array, offset: number, len: number): boolean;
  /**
   * Writes `n` packets in order, the i-th `buf[at[i] .. at[i]+len[i])` (frames, as `writeFrame`
   * takes them, when `framed`), with as few system calls as the device can: the Linux device,
   * once `enableBatchIo()` succeeded, hands a batch to the kernel in one io_uring_enter.
   * Returns how many were written; the others the device refused, as `write` returning false.
   * Throws, after the whole batch, on the errors `write` throws for. Absent: the caller writes
   * one by one.
   */
  writeMany?(buf: Uint8Array, at: Int32Array, len: Int32Array, n: number, framed: boolean): number;
  /**
   * Reads up to `n` packets without blocking, the i-th into `buf[first + i*stride ..+max)`, its
   * length into `lens[i]`, with as few system calls as the device can (as writeMany). Returns
   * how many (fewer than n: nothing more was waiting). For devices without offloads: a frame
   * read with offloads may run on past its slot, which only `readInto` allows.
   */
  readMany?(buf: Uint8Array, first: number, stride: number, max: number, n: number, lens: Int32Array): number;
  /**
   * Sets up what `writeMany` and `readMany` batch with (the Linux device: an io_uring,
   * host/tun/uring.ts). Returns null, or why it is not available: then they make one system
   * call a packet.
   */
  enableBatchIo?(): string | null;
  /**
   * Blocks the calling thread up to `timeoutMs` (0: just check; -1: forever) until a packet
   * can be read. For worker threads and tests; the event-loop thread uses `readable()`.
   */
  waitReadable(timeoutMs: number): boolean;
  /**
   * Resolves true once a packet can be read without blocking the event loop (the Linux device
   * waits in a helper thread), false if the device was closed meanwhile.
   */
  readable(): Promise<boolean>;
  /**
   * As readable(), for this device or any of `others` (devices of the same kind): one helper
   * thread watches them all. From then on readable() and waitReadable() also report the others.
   * Absent: the caller races their readable().
   */
  readableAny?(others: readonly Tun[]): Promise<boolean>;
  /** Closes the device (the kernel removes a non-persistent TUN with its last descriptor). */
  close(): void;
  readonly closed: boolean;
}

/** Thrown for errors from the device (with the failing call and errno). */
export class TunError extends Error {
  constructor(readonly call: string, readonly errno: number, message?: string) {
    super(message ?? `${call} failed: errno ${errno}`);
    this.name = "TunError";
  }
}
