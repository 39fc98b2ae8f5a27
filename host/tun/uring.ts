// An io_uring (x86-64 Linux) for the TUN data path: a batch of reads or writes goes to the kernel
// in one io_uring_enter, where read(2)/write(2) take one system call (and one koffi call) each.
//
// Set-up: io_uring_setup(2) through syscall(2), then the SQ and CQ rings and the SQE array are
// mapped (mmap of the ring fd) and seen from JS through koffi.view: filling an SQE and reaping
// a CQE are plain typed-array stores and loads. Every offset into the rings comes from the
// kernel's io_uring_params (sq_off/cq_off); only the SQE and CQE layouts are fixed (the ABI).
// The SQ index array is filled once with the identity (SQE i sits in slot i), so a submission
// writes its SQEs, then the SQ tail (last: x86 keeps store order, and io_uring_enter orders it
// for the kernel); completions are read after loading the CQ tail, then the CQ head is stored.
//
// Use: prepRead/prepWrite queue up to `entries` requests, submit() hands them over and waits for
// all their completions (TUN descriptors are non-blocking: each read or write completes inline,
// a read of an empty device with -EAGAIN), and `results[i]` is the i-th request's result (bytes,
// or -errno). Not thread-safe; with IORING_SETUP_SINGLE_ISSUER only the thread that opened the
// ring may submit (the data plane's event-loop thread).
import koffi from "koffi";
import { libc, errno, E, describeErrno } from "../libc.js";

const SYS_IO_URING_SETUP = 425;
const SYS_IO_URING_ENTER = 426;

const SETUP_SUBMIT_ALL = 1 << 7;
const SETUP_COOP_TASKRUN = 1 << 8;
const SETUP_SINGLE_ISSUER = 1 << 12;
/** The set-up flags tried in turn: an older kernel refuses flags it does not know (EINVAL). */
const FLAG_SETS = [SETUP_SINGLE_ISSUER | SETUP_COOP_TASKRUN | SETUP_SUBMIT_ALL, SETUP_COOP_TASKRUN | SETUP_SUBMIT_ALL, 0];
const FEAT_SINGLE_MMAP = 1 << 0;
const ENTER_GETEVENTS = 1 << 0;
const OFF_SQ_RING = 0;
const OFF_CQ_RING = 0x8000000;
const OFF_SQES = 0x10000000;
const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;

export const OP_READ = 22;
export const OP_WRITE = 23;
/**
 * Per-request "do not wait": a descriptor's O_NONBLOCK is not enough. For a file that supports
 * non-blocking I/O (FMODE_NOWAIT; the TUN has it on 6.18) io_uring ignores O_NONBLOCK and
 * arms a poll instead of returning -EAGAIN, so a read of an empty TUN would stay pending and
 * submit() would wait for the next packet. A kernel whose TUN lacks FMODE_NOWAIT refuses the
 * flag (-EOPNOTSUPP); there O_NONBLOCK gives -EAGAIN.
 */
export const RWF_NOWAIT = 0x8;
export const EOPNOTSUPP = 95;

const PARAMS_LEN = 120; // struct io_uring_params
const SQE_WORDS = 16; // struct io_uring_sqe: 64 bytes
const CQE_WORDS = 4; // struct io_uring_cqe: 16 bytes (no IORING_SETUP_CQE32)

export class UringError extends Error {
  constructor(readonly call: string, readonly errno: number, message: string) {
    super(message);
    this.name = "UringError";
  }
}

interface Mapping { ptr: unknown; len: number }

export class Uring {
  /** The i-th queued request's result after submit(): bytes moved, or -errno. */
  readonly results: Int32Array;
  /** Requests queued since the last submit(). */
  queued = 0;
  private sqTail = 0;
  private cqHead = 0;
  private closed = false;

  private constructor(
    readonly fd: number,
    /** Requests a submit() can carry (the SQ's size). */
    readonly entries: number,
    /** The set-up flags the kernel took. */
    readonly flags: number,
    private readonly sq: Uint32Array,
    private readonly cq: Uint32Array,
    private readonly cqRes: Int32Array,
    private readonly sqes: Uint32Array,
    private readonly off: { sqHead: number; sqTail: number; sqMask: number; cqHead: number; cqTail: number; cqMask: number; cqes: number },
    private readonly maps: Mapping[],
  ) {
    this.results = new Int32Array(entries);
    this.sqTail = sq[off.sqTail]!;
    this.cqHead = cq[off.cqHead]!;
  }

  /** Sets up a ring of at least `entries` requests; throws UringError (the caller falls back).
   *  `flags`: set-up flags to try before the defaults (measurements). */
  static open(entries: number, flags?: number): Uring {
    const params = new Uint8Array(PARAMS_LEN);
    const p = new DataView(params.buffer);
    let fd = -1;
    let e = 0;
    for (const f of flags === undefined ? FLAG_SETS : [flags, ...FLAG_SETS]) {
      params.fill(0);
      p.setUint32(8, f, true);
      fd = libc.ioUringSetup(SYS_IO_URING_SETUP, entries, params);
      if (fd >= 0) break;
      e = errno();
      if (e !== E.EINVAL) break;
    }
    if (fd < 0) throw new UringError("io_uring_setup", e, `io_uring_setup: ${describeErrno(e)}`);
    const u32 = (at: number) => p.getUint32(at, true);
    const sqEntries = u32(0), cqEntries = u32(4), taken = u32(8), features = u32(20);
    // struct io_sqring_offsets at 40, struct io_cqring_offsets at 80 (fields of 4 bytes)
    const sqOff = { head: u32(40), tail: u32(44), mask: u32(48), array: u32(64) };
    const cqOff = { head: u32(80), tail: u32(84), mask: u32(88), cqes: u32(100) };
    const maps: Mapping[] = [];
    try {
      const sqLen = sqOff.array + sqEntries * 4;
      const cqLen = cqOff.cqes + cqEntries * CQE_WORDS * 4;
      const single = (features & FEAT_SINGLE_MMAP) !== 0;
      const sqAb = map(fd, single ? Math.max(sqLen, cqLen) : sqLen, OFF_SQ_RING, maps);
      const cqAb = single ? sqAb : map(fd, cqLen, OFF_CQ_RING, maps);
      const sqeAb = map(fd, sqEntries * SQE_WORDS * 4, OFF_SQES, maps);
      const sq = new Uint32Array(sqAb);
      const cq = new Uint32Array(cqAb);
      for (let i = 0; i < sqEntries; i++) sq[sqOff.array / 4 + i] = i;
      const off = {
        sqHead: sqOff.head / 4, sqTail: sqOff.tail / 4, sqMask: sq[sqOff.mask / 4]!,
        cqHead: cqOff.head / 4, cqTail: cqOff.tail / 4, cqMask: cq[cqOff.mask / 4]!, cqes: cqOff.cqes / 4,
      };
      return new Uring(fd, sqEntries, taken, sq, cq, new Int32Array(cqAb), new Uint32Array(sqeAb), off, maps);
    } catch (err) {
      for (const m of maps) libc.munmap(m.ptr, m.len);
      libc.close(fd);
      throw err;
    }
  }

  /** Queues a read of up to `len` bytes from `fd` into address `addr`; returns its index.
   *  `rwFlags`: RWF_NOWAIT (see there) or 0. */
  prepRead(fd: number, addr: number, len: number, rwFlags: number): number { return this.prep(OP_READ, fd, addr, len, rwFlags); }

  /** Queues a write of `len` bytes at address `addr` to `fd`; returns its index. */
  prepWrite(fd: number, addr: number, len: number, rwFlags: number): number { return this.prep(OP_WRITE, fd, addr, len, rwFlags); }

  private prep(op: number, fd: number, addr: number, len: number, rwFlags: number): number {
    if (this.queued >= this.entries) throw new RangeError(`io_uring: more than ${this.entries} requests queued`);
    const q = this.sqes;
    const w = (this.sqTail & this.off.sqMask) * SQE_WORDS;
    // opcode, flags 0, ioprio 0 | fd | off 0 (a TUN is a stream) | addr | len | rw_flags | user_data
    q[w] = op;
    q[w + 1] = fd;
    q[w + 2] = 0;
    q[w + 3] = 0;
    q[w + 4] = addr >>> 0;
    q[w + 5] = Math.floor(addr / 0x100000000);
    q[w + 6] = len;
    q[w + 7] = rwFlags;
    q[w + 8] = this.queued;
    q[w + 9] = 0;
    this.sqTail = (this.sqTail + 1) >>> 0;
    return this.queued++;
  }

  /** Submits the queued requests and waits for all of their completions (one io_uring_enter
   *  unless a signal interrupts it); their results are in `results`. Returns how many. */
  submit(): number {
    const n = this.queued;
    if (n === 0) return 0;
    if (this.closed) throw new UringError("io_uring_enter", E.EBADF, "io_uring: closed");
    const { sq, off } = this;
    sq[off.sqTail] = this.sqTail;
    let done = 0;
    for (;;) {
      const toSubmit = (this.sqTail - sq[off.sqHead]!) >>> 0;
      const r = libc.ioUringEnter(SYS_IO_URING_ENTER, this.fd, toSubmit, n - done, ENTER_GETEVENTS, 0, 0);
      if (r < 0) {
        const e = errno();
        if (e !== E.EINTR && e !== E.EAGAIN && e !== E.EBUSY) { this.queued = 0; throw new UringError("io_uring_enter", e, `io_uring_enter: ${describeErrno(e)}`); }
      }
      done += this.reap();
      if (done >= n) break;
    }
    this.queued = 0;
    return n;
  }

  /** Takes every completion waiting in the CQ into `results`; returns how many. */
  private reap(): number {
    const { cq, cqRes, off, results } = this;
    const tail = cq[off.cqTail]!;
    let head = this.cqHead;
    let k = 0;
    while (head !== tail) {
      const c = off.cqes + (head & off.cqMask) * CQE_WORDS;
      results[cq[c]!] = cqRes[c + 2]!; // user_data (low word: the request's index), res
      head = (head + 1) >>> 0;
      k++;
    }
    this.cqHead = head;
    cq[off.cqHead] = head;
    return k;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.maps) libc.munmap(m.ptr, m.len);
    libc.close(this.fd);
  }
}

function map(fd: number, len: number, offset: number, maps: Mapping[]): ArrayBuffer {
  const ptr = libc.mmap(0, len, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
  if (ptr === null || koffi.address(ptr) === MAP_FAILED) {
    const e = errno();
    throw new UringError("mmap", e, `io_uring mmap: ${describeErrno(e)}`);
  }
  maps.push({ ptr, len });
  return koffi.view(ptr, len);
}
