// The libc calls fama needs, bound once through koffi (x86-64 Linux, glibc): the TUN device
// (host/tun), the rtnetlink socket (host/net/netlink.ts) and the raw ICMPv6 sockets.
//
// Buffers are passed as raw addresses (`intptr_t`) computed from a cached base address per
// ArrayBuffer plus an offset: that avoids a `subarray` view per packet (about 160 ns and an
// allocation each) and lets the kernel read and write straight into Wasm linear memory.
// ArrayBuffers larger than V8's on-heap limit (64 bytes) live off the JS heap and never move;
// Wasm memory keeps its address until `memory.grow`, which detaches the old ArrayBuffer, so a
// new ArrayBuffer gets a new lookup. Small buffers take the (allocating) view path instead.
import koffi from "koffi";

const lib = koffi.load("libc.so.6");

export const libc = {
  open: lib.func("int open(const char *path, int flags)") as (path: string, flags: number) => number,
  close: lib.func("int close(int fd)") as (fd: number) => number,
  // Declared non-variadic: works on x86-64 (the third argument goes in a register either way).
  ioctl: lib.func("int ioctl(int fd, unsigned long req, void *arg)") as (fd: number, req: number, arg: Uint8Array) => number,
  // ioctls that take their argument by value (TUNSETOFFLOAD)
  ioctlInt: lib.func("int ioctl(int fd, unsigned long req, unsigned long arg)") as (fd: number, req: number, arg: number) => number,
  readAddr: lib.func("long read(int fd, intptr_t buf, size_t n)") as (fd: number, addr: number, n: number) => number,
  writeAddr: lib.func("long write(int fd, intptr_t buf, size_t n)") as (fd: number, addr: number, n: number) => number,
  readBuf: lib.func("long read(int fd, void *buf, size_t n)") as (fd: number, buf: Uint8Array, n: number) => number,
  writeBuf: lib.func("long write(int fd, void *buf, size_t n)") as (fd: number, buf: Uint8Array, n: number) => number,
  poll: lib.func("int poll(void *fds, unsigned long nfds, int timeout)") as (fds: Uint8Array, n: number, timeoutMs: number) => number,
  pipe2: lib.func("int pipe2(_Out_ int *fds, int flags)") as (fds: Int32Array, flags: number) => number,
  writeByte: lib.func("long write(int fd, void *buf, size_t n)") as (fd: number, buf: Uint8Array, n: number) => number,
  strerror: lib.func("const char *strerror(int errnum)") as (e: number) => string,
  socket: lib.func("int socket(int domain, int type, int protocol)") as (domain: number, type: number, protocol: number) => number,
  send: lib.func("long send(int fd, void *buf, size_t n, int flags)") as (fd: number, buf: Uint8Array, n: number, flags: number) => number,
  recv: lib.func("long recv(int fd, void *buf, size_t n, int flags)") as (fd: number, buf: Uint8Array, n: number, flags: number) => number,
  // raw ICMPv6 sockets (host/net/ndisc.ts, host/net/router-discovery.ts)
  setsockopt: lib.func("int setsockopt(int fd, int level, int name, void *val, unsigned int len)") as (fd: number, level: number, name: number, val: Uint8Array, len: number) => number,
  sendto: lib.func("long sendto(int fd, void *buf, size_t n, int flags, void *to, unsigned int tolen)") as (fd: number, buf: Uint8Array, n: number, flags: number, to: Uint8Array, tolen: number) => number,
  recvmsg: lib.func("long recvmsg(int fd, intptr_t msg, int flags)") as (fd: number, msg: number, flags: number) => number,
  setns: lib.func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number,
  // io_uring (host/tun/uring.ts): glibc has no wrappers; syscall(2) declared non-variadic, as
  // ioctl above (integer arguments travel in the same registers either way on x86-64).
  ioUringSetup: lib.func("long syscall(long nr, unsigned int entries, void *params)") as (nr: number, entries: number, params: Uint8Array) => number,
  ioUringEnter: lib.func("long syscall(long nr, unsigned int fd, unsigned int toSubmit, unsigned int minComplete, unsigned int flags, intptr_t sig, size_t sigsz)") as (nr: number, fd: number, toSubmit: number, minComplete: number, flags: number, sig: 0, sigsz: 0) => number,
  mmap: lib.func("void *mmap(intptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)") as (addr: 0, len: number, prot: number, flags: number, fd: number, off: number) => unknown,
  munmap: lib.func("int munmap(void *addr, size_t len)") as (addr: unknown, len: number) => number,
  // Returns its first argument: how we learn the address koffi passes for a typed array.
  addressOf: lib.func("intptr_t memmove(void *dst, void *src, size_t n)") as (a: Uint8Array, b: Uint8Array, n: 0) => number,
};

export const errno = (): number => (koffi as unknown as { errno(): number }).errno();

export const E = { EINTR: 4, EAGAIN: 11, EBADF: 9, EBUSY: 16, EINVAL: 22, ENOBUFS: 105, EIO: 5 } as const;
export const O = { RDWR: 0o2, NONBLOCK: 0o4000, CLOEXEC: 0o2000000 } as const;
export const POLLIN = 0x0001;
/** Socket constants of the raw ICMPv6 sockets (host/net/ndisc.ts, host/net/router-discovery.ts). */
export const AF_INET6 = 10;
export const SOCK_RAW = 3;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const MSG_DONTWAIT = 0x40;

const ON_HEAP_LIMIT = 64;
const bases = new WeakMap<ArrayBufferLike, number>();
// The data plane uses one buffer (Wasm memory) for every packet: skip the WeakMap for it.
let lastBuffer: ArrayBufferLike | null = null;
let lastBase = 0;

/** The address of `buf[offset]`, or -1 when `buf` may move (small, on the JS heap). */
export function addressAt(buf: Uint8Array, offset: number): number {
  const ab = buf.buffer;
  if (ab === lastBuffer) return lastBase + buf.byteOffset + offset;
  if (ab.byteLength <= ON_HEAP_LIMIT) return -1;
  let base = bases.get(ab);
  if (base === undefined) {
    const whole = new Uint8Array(ab, 0, 1);
    base = libc.addressOf(whole, whole, 0);
    bases.set(ab, base);
  }
  lastBuffer = ab;
  lastBase = base;
  return base + buf.byteOffset + offset;
}

export function describeErrno(e: number): string {
  try { return `${libc.strerror(e)} (errno ${e})`; } catch { return `errno ${e}`; }
}
