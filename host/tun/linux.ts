// A Linux TUN device through /dev/net/tun and koffi: IFF_TUN | IFF_NO_PI (bare IP packets, no
// 4-byte packet-info header), non-blocking descriptor, reads and writes straight to and from
// caller memory (Wasm linear memory in the data plane) at an offset.
//
// Namespaces: the device is created in the network namespace of this process. The daemons run
// as a whole inside their namespace (`ip netns exec NS node build/js/host/cli.js dar ...`), so
// they pass no `netns`. Tests and tools that stay in the root namespace pass `netns`: the device
// is created here under its (unique) name and then moved into NS with `ip link set ... netns`;
// the descriptor stays valid across the move. Either way, link state, MTU and txqueuelen are
// set through host/net/ip.ts after the device exists.
//
// Offloads (`offload: true`): the device is opened with IFF_VNET_HDR, its header size set to
// 10 (TUNSETVNETHDRSZ) and TUNSETOFFLOAD turns on checksum offload and TSO for IPv6 (with
// ECN): the kernel then hands up TCP super-packets of up to 64 KB and packets with partial
// checksums, each behind a 10-byte virtio-net header, and takes the same header in front of
// every packet written. The core parses and writes those headers (assembly/offload/); this
// file only reads and writes whole frames (`vnetHdrLen` > 0), and `write` of a bare packet
// (the MN's outbox) puts the all-zero "nothing to do" header in front. A kernel that refuses
// an offload ioctl gets a device without them (`offloadError` says why; the caller logs it).
//
// Batched I/O (`writeMany`, `readMany`, after `enableBatchIo`): a batch of 4 or more goes to
// the kernel in one io_uring_enter (host/tun/ring-io.ts); reads only on a device without
// offloads (each read must stay in its slot: a super-packet's length is not known before it
// is read). Without io_uring (an older or locked-down kernel, io_uring_disabled, FAMA_URING=0)
// one read(2) or write(2) a packet, as before.
import { libc, errno, E, O, addressAt, describeErrno } from "../libc.js";
import { Poller } from "./poller.js";
import { RingIo, RING_MIN_BATCH, refusedWrite } from "./ring-io.js";
import { TunError, type Tun } from "./types.js";
import { linkSet, linkSetNetns } from "../net/ip.js";

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const TUNSETOFFLOAD = 0x400454d0;
const TUNSETVNETHDRSZ = 0x400454d8;
const TUN_F_CSUM = 0x01;
const TUN_F_TSO6 = 0x04;
const TUN_F_TSO_ECN = 0x08;
/** The virtio-net header's size (struct virtio_net_hdr; assembly/offload/vnet.ts). */
export const VNET_HDR_LEN = 10;
/** The largest frame a device with offloads hands up: a 64 KB super-packet and its header. */
export const MAX_OFFLOAD_FRAME = 65536 + VNET_HDR_LEN;
const IFNAMSIZ = 16;

export interface OpenTunOptions {
  /** Interface name (at most 15 bytes); a pattern like "fama%d" lets the kernel pick. */
  name: string;
  /** Move the device into this namespace after creating it (see the header comment). */
  netns?: string;
  mtu?: number;
  /** Default 500 in the kernel; raise it under load (PERFORMANCE-NOTES). */
  txqueuelen?: number;
  /** Set the link up (default true). */
  up?: boolean;
  /** Ask for IFF_VNET_HDR with checksum and TSO6 offloads (falls back without; see header). */
  offload?: boolean;
}

export class LinuxTun implements Tun {
  closed = false;
  private poller: Poller | null = null;

  /** The bare-packet write path of a device with offloads: the zero header, then the packet. */
  private framed: Uint8Array | null = null;
  /** writeMany's and readMany's io_uring, once enableBatchIo() set one up. */
  private ring: RingIo | null = null;
  /** readMany's last batch: as many reads go into the next submission (see readMany). */
  private lastReads = 0;

  /** vnetHdrLen: 10 when the device was opened with IFF_VNET_HDR, else 0. */
  constructor(readonly fd: number, readonly name: string, readonly netns?: string, readonly vnetHdrLen = 0, readonly offloadError: string | null = null) {}

  readInto(buf: Uint8Array, offset: number, max: number): number {
    if (offset < 0 || max < 0 || offset + max > buf.length) throw new RangeError(`read [${offset}, +${max}) outside ${buf.length} bytes`);
    const addr = addressAt(buf, offset);
    for (;;) {
      const n = addr >= 0 ? libc.readAddr(this.fd, addr, max) : libc.readBuf(this.fd, buf.subarray(offset, offset + max), max);
      if (n >= 0) return n;
      const e = errno();
      if (e === E.EAGAIN) return 0;
      if (e === E.EINTR) continue;
      throw new TunError("read", e, `${this.name}: read: ${describeErrno(e)}`);
    }
  }

  write(buf: Uint8Array, offset: number, len: number): boolean {
    if (this.vnetHdrLen === 0) return this.writeFrame(buf, offset, len);
    if (offset < 0 || len < 0 || offset + len > buf.length) throw new RangeError(`write [${offset}, +${len}) outside ${buf.length} bytes`);
    const f = (this.framed ??= new Uint8Array(MAX_OFFLOAD_FRAME));
    if (len + this.vnetHdrLen > f.length) return false;
    f.fill(0, 0, this.vnetHdrLen);
    f.set(buf.subarray(offset, offset + len), this.vnetHdrLen);
    return this.writeFrame(f, 0, len + this.vnetHdrLen);
  }

  writeFrame(buf: Uint8Array, offset: number, len: number): boolean {
    if (offset < 0 || len < 0 || offset + len > buf.length) throw new RangeError(`write [${offset}, +${len}) outside ${buf.length} bytes`);
    const addr = addressAt(buf, offset);
    for (;;) {
      const n = addr >= 0 ? libc.writeAddr(this.fd, addr, len) : libc.writeBuf(this.fd, buf.subarray(offset, offset + len), len);
      if (n >= 0) return true;
      const e = errno();
      if (e === E.EINTR) continue;
      // The kernel drops a packet it cannot route or queue (EINVAL for a malformed header,
      // EAGAIN/ENOBUFS for a full queue, EIO when down): report "not written", go on.
      if (refusedWrite(e)) return false;
      throw new TunError("write", e, `${this.name}: write: ${describeErrno(e)}`);
    }
  }

  /** Sets up the io_uring of writeMany and readMany (256 requests: a batch's slots); null, or why not. */
  enableBatchIo(): string | null {
    if (this.closed) return "closed";
    if (this.ring) return null;
    const r = RingIo.open(this.fd, this.name, 256);
    if (typeof r === "string") return `io_uring: ${r}`;
    this.ring = r;
    return null;
  }

  /**
   * The first read is a read(2): an empty device (every idle check of the loop) costs what it
   * did. Then, if the last batch had RING_MIN_BATCH packets or more, as many reads as it had go
   * into one submission (the queue is usually about as long as last time; a read too many
   * costs one -EAGAIN in the kernel), and more while every read found a packet.
   */
  readMany(buf: Uint8Array, first: number, stride: number, max: number, n: number, lens: Int32Array): number {
    if (n <= 0) return 0;
    if (first < 0 || max < 0 || stride < max || first + (n - 1) * stride + max > buf.length) throw new RangeError(`reads of ${n} slots from ${first} outside ${buf.length} bytes`);
    let got = 0;
    const ring = this.vnetHdrLen === 0 && addressAt(buf, 0) >= 0 ? this.ring : null;
    if (ring && this.lastReads >= RING_MIN_BATCH) {
      const len = this.readInto(buf, first, max);
      if (len > 0) {
        lens[got++] = len;
        for (let want = Math.min(this.lastReads, n) - got; got < n; want = n - got) {
          const count = Math.min(want, ring.entries);
          const k = ring.read(buf, first, stride, max, got, count, lens);
          got += k;
          if (k < count) break;
        }
      }
    } else {
      for (let len; got < n && (len = this.readInto(buf, first + got * stride, max)) > 0; ) lens[got++] = len;
    }
    if (got > 0) this.lastReads = got;
    return got;
  }

  writeMany(buf: Uint8Array, at: Int32Array, len: Int32Array, n: number, framed: boolean): number {
    const one = framed ? (i: number) => this.writeFrame(buf, at[i]!, len[i]!) : (i: number) => this.write(buf, at[i]!, len[i]!);
    // a bare packet on a device with offloads needs the copy behind a header, and a buffer on
    // the JS heap may move: one by one
    if (this.ring && n >= RING_MIN_BATCH && (framed || this.vnetHdrLen === 0) && addressAt(buf, 0) >= 0) return this.ring.write(buf, at, len, n, one);
    let k = 0;
    for (let i = 0; i < n; i++) if (one(i)) k++;
    return k;
  }

  waitReadable(timeoutMs: number): boolean {
    return this.getPoller().check(timeoutMs);
  }

  readable(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.getPoller().readable();
  }

  /** The others' descriptors are watched by this device's helper thread: one of them closed
   *  meanwhile is released by the kernel when this device's poller stops (at its close). */
  readableAny(others: readonly Tun[]): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const more = others.map((o) => o.fd);
    const p = this.poller;
    if (!p || p.fds.length !== more.length + 1 || more.some((fd, i) => p.fds[i + 1] !== fd)) {
      p?.close();
      this.poller = new Poller(this.fd, more);
    }
    return this.poller!.readable();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller?.close();
    this.poller = null;
    this.ring?.close();
    this.ring = null;
    libc.close(this.fd);
  }

  private getPoller(): Poller {
    if (this.closed) throw new TunError("poll", E.EBADF, `${this.name}: closed`);
    return (this.poller ??= new Poller(this.fd));
  }
}

/** Creates the device (synchronously) in this process's namespace; no link settings. With
 *  `offload`, tries IFF_VNET_HDR + offloads first and, if the kernel refuses, opens it plain. */
export function createTun(name: string, offload = false): LinuxTun {
  if (!offload) return createPlain(name, false);
  let tun: LinuxTun;
  try {
    tun = createPlain(name, true);
  } catch (e) {
    const plain = createPlain(name, false);
    return new LinuxTun(plain.fd, plain.name, undefined, 0, (e as Error).message);
  }
  const hdr = new Uint8Array(new Int32Array([VNET_HDR_LEN]).buffer);
  let why: string | null = null;
  if (libc.ioctl(tun.fd, TUNSETVNETHDRSZ, hdr) < 0) why = `TUNSETVNETHDRSZ: ${describeErrno(errno())}`;
  else if (libc.ioctlInt(tun.fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) why = `TUNSETOFFLOAD: ${describeErrno(errno())}`;
  if (why === null) return new LinuxTun(tun.fd, tun.name, undefined, VNET_HDR_LEN);
  tun.close();
  const plain = createPlain(name, false);
  return new LinuxTun(plain.fd, plain.name, undefined, 0, why);
}

function createPlain(name: string, vnet: boolean): LinuxTun {
  if (Buffer.byteLength(name) >= IFNAMSIZ) throw new TunError("open", E.EINVAL, `TUN name too long (max 15 bytes): ${name}`);
  const fd = libc.open("/dev/net/tun", O.RDWR | O.NONBLOCK | O.CLOEXEC);
  if (fd < 0) { const e = errno(); throw new TunError("open", e, `open /dev/net/tun: ${describeErrno(e)}`); }
  const ifr = new Uint8Array(40); // struct ifreq: char ifr_name[16]; short ifr_flags; (union padded to 40)
  ifr.set(Buffer.from(name), 0);
  new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0), true);
  if (libc.ioctl(fd, TUNSETIFF, ifr) < 0) {
    const e = errno();
    libc.close(fd);
    throw new TunError("ioctl", e, `TUNSETIFF ${name}: ${describeErrno(e)}`);
  }
  const end = ifr.indexOf(0);
  const actual = Buffer.from(ifr.subarray(0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end)).toString();
  return new LinuxTun(fd, actual);
}

/** Creates a TUN, optionally moves it into `netns`, and applies MTU/txqueuelen/up. */
export async function openTun(opts: OpenTunOptions): Promise<LinuxTun> {
  let tun = createTun(opts.name, opts.offload ?? false);
  try {
    if (opts.netns) {
      await linkSetNetns(tun.name, opts.netns);
      tun = new LinuxTun(tun.fd, tun.name, opts.netns, tun.vnetHdrLen, tun.offloadError);
    }
    await linkSet(tun.name, { mtu: opts.mtu, txqueuelen: opts.txqueuelen, up: opts.up ?? true }, opts.netns);
    return tun;
  } catch (e) {
    tun.close();
    throw e;
  }
}
