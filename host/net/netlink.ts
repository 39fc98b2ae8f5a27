// Host routes through rtnetlink (RFC 3549), in-process and synchronous. A DAR changes a /128
// route into its TUN for every binding added or removed, and the change must be in the kernel
// before the batch's BA leaves: a deregistration's BA goes to the address whose route is being
// removed, and would otherwise loop back into the TUN. Spawning `ip` takes milliseconds; a
// netlink request and its acknowledgement take tens of microseconds.
//
// Message: nlmsghdr (16) | rtmsg (12) | RTA_DST (4 + 16) | RTA_OIF (4 + 4) | RTA_TABLE (4 + 4).
import { closeSync, openSync, readFileSync } from "node:fs";
import { libc, errno, describeErrno, O } from "../libc.js";

const AF_NETLINK = 16;
const AF_INET6 = 10;
const SOCK_RAW = 3;
const NETLINK_ROUTE = 0;
const CLONE_NEWNET = 0x40000000;

const RTM_NEWROUTE = 24;
const RTM_DELROUTE = 25;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_REPLACE = 0x100;
const NLM_F_CREATE = 0x400;
const RTPROT_STATIC = 4;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_TABLE = 15;
const ESRCH = 3;
const EPROTO = 71;

const REQUEST_LEN = 16 + 12 + 20 + 8 + 8;

export class NetlinkError extends Error {
  constructor(what: string, readonly errno: number) {
    super(`${what}: ${describeErrno(errno)}`);
  }
}

/** The interface index of `dev` in this process's namespace. */
export function ifIndex(dev: string): number {
  return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, "utf8"));
}

/** Runs `fn` with this thread in namespace `ns` (a name under /var/run/netns), then moves back.
 *  setns() moves only the calling thread; a socket keeps the namespace it was made in. */
export function inNamespace<T>(ns: string, fn: () => T): T {
  const home = openSync("/proc/self/ns/net", "r");
  const target = openSync(`/var/run/netns/${ns}`, "r");
  try {
    if (libc.setns(target, CLONE_NEWNET) !== 0) throw new NetlinkError(`setns ${ns}`, errno());
    try {
      return fn();
    } finally {
      if (libc.setns(home, CLONE_NEWNET) !== 0) throw new NetlinkError("setns back to this process's namespace", errno());
    }
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

/** Opens a route socket, in namespace `ns` when given. */
export function openSocket(ns?: string): number {
  const open = () => libc.socket(AF_NETLINK, SOCK_RAW | O.CLOEXEC, NETLINK_ROUTE);
  return ns ? inNamespace(ns, open) : open();
}

/** /128 routes to a device, added, replaced and deleted synchronously. */
export class RouteSocket {
  private fd: number;
  private seq = 1;
  private readonly req = new Uint8Array(REQUEST_LEN);
  private readonly reply = new Uint8Array(4096);

  constructor(ns?: string) {
    this.fd = openSocket(ns);
    if (this.fd < 0) throw new NetlinkError("netlink socket", errno());
  }

  /** Adds or replaces `dst`/128 via interface `ifindex` in `table`. */
  replace(dst: Uint8Array, ifindex: number, table: number): void {
    this.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst, ifindex, table, "route replace");
  }

  /** Deletes `dst`/128 via `ifindex` in `table`; false when there was no such route. */
  delete(dst: Uint8Array, ifindex: number, table: number): boolean {
    try {
      this.request(RTM_DELROUTE, 0, dst, ifindex, table, "route delete");
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ESRCH) return false;
      throw e;
    }
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }

  private request(type: number, flags: number, dst: Uint8Array, ifindex: number, table: number, what: string): void {
    if (this.fd < 0) throw new Error("route socket closed");
    const seq = this.seq++;
    const b = this.req;
    const v = new DataView(b.buffer);
    b.fill(0);
    v.setUint32(0, REQUEST_LEN, true);
    v.setUint16(4, type, true);
    v.setUint16(6, NLM_F_REQUEST | NLM_F_ACK | flags, true);
    v.setUint32(8, seq, true);
    // rtmsg
    b[16] = AF_INET6;
    b[17] = 128; // dst_len
    b[21] = RTPROT_STATIC;
    b[22] = RT_SCOPE_UNIVERSE;
    b[23] = RTN_UNICAST;
    // attributes
    let o = 28;
    const attr = (kind: number, len: number) => { v.setUint16(o, 4 + len, true); v.setUint16(o + 2, kind, true); o += 4; };
    attr(RTA_DST, 16); b.set(dst, o); o += 16;
    attr(RTA_OIF, 4); v.setUint32(o, ifindex, true); o += 4;
    attr(RTA_TABLE, 4); v.setUint32(o, table, true);
    transact(this.fd, b, REQUEST_LEN, this.reply, what);
  }
}

/**
 * Sends one request (NLM_F_ACK set, its sequence number at offset 8) and waits for the kernel's
 * answer, an NLMSG_ERROR carrying 0 on success; throws a NetlinkError with the kernel's errno.
 */
export function transact(fd: number, req: Uint8Array, len: number, reply: Uint8Array, what: string): void {
  const r = exchange(fd, req, len, reply, what);
  if (r.getUint16(4, true) !== NLMSG_ERROR) throw new NetlinkError(`${what} (no acknowledgement)`, EPROTO);
}

/**
 * Sends one RTM_GET* request (no NLM_F_ACK, its sequence number at offset 8) and returns the
 * kernel's answer message (header included); throws a NetlinkError when the answer is an error.
 */
export function query(fd: number, req: Uint8Array, len: number, reply: Uint8Array, what: string): DataView {
  return exchange(fd, req, len, reply, what);
}

/** Sends `req` and returns the first answer with its sequence number; an NLMSG_ERROR with an errno throws. */
function exchange(fd: number, req: Uint8Array, len: number, reply: Uint8Array, what: string): DataView {
  const seq = new DataView(req.buffer, req.byteOffset).getUint32(8, true);
  if (libc.send(fd, req, len, 0) !== len) throw new NetlinkError(what, errno());
  for (;;) {
    const n = libc.recv(fd, reply, reply.length, 0);
    if (n < 0) throw new NetlinkError(`${what} (reading the answer)`, errno());
    const r = new DataView(reply.buffer, reply.byteOffset, n);
    if (n < 20 || r.getUint32(8, true) !== seq) continue;
    const msg = new DataView(reply.buffer, reply.byteOffset, Math.min(r.getUint32(0, true), n));
    if (msg.getUint16(4, true) === NLMSG_ERROR) {
      const err = -msg.getInt32(16, true);
      if (err !== 0) throw new NetlinkError(what, err);
    }
    return msg;
  }
}
