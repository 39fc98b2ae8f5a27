// The kernel's IPv6 neighbour table through rtnetlink (RFC 3549): a dump (RTM_GETNEIGH with
// NLM_F_DUMP) and a subscription to RTNLGRP_NEIGH for the RTM_NEWNEIGH notifications that
// follow. The DAR's admission policy counts an address as seen on its access link when the
// kernel holds it in a state that means the link answered for it (host/dar/sightings.ts).
//
// Messages (linux/neighbour.h): nlmsghdr (16) | ndmsg (12: u8 family, u8 pad, u16 pad,
// s32 ifindex, u16 state, u8 flags, u8 type) | attributes, NDA_DST (16 bytes for IPv6).
// The subscription socket is non-blocking and read with MSG_DONTWAIT, a bounded number of
// messages per call; a kernel that dropped notifications (ENOBUFS) is reported so that the
// caller dumps again. A netlink socket gets multicast only once it has a port id (the kernel
// skips port 0, its own); the subscription socket gets one by sending a dump request, whose
// answers are read like notifications.
import { readFileSync } from "node:fs";
import { libc, errno, describeErrno, O, E, AF_INET6, MSG_DONTWAIT } from "../libc.js";
import { inNamespace, NetlinkError, transact } from "./netlink.js";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
/** Receive buffer asked for the subscription: a burst of some 10,000 notifications. */
const EVENTS_RCVBUF = 4 << 20;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const RTNLGRP_NEIGH = 3;

const RTM_NEWNEIGH = 28;
const RTM_DELNEIGH = 29;
const RTM_GETNEIGH = 30;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const ENOENT = 2;
const NLM_F_DUMP = 0x300;
const NDA_DST = 1;
const NDMSG_LEN = 12;

export const NUD = { INCOMPLETE: 0x01, REACHABLE: 0x02, STALE: 0x04, DELAY: 0x08, PROBE: 0x10, FAILED: 0x20, NOARP: 0x40, PERMANENT: 0x80 } as const;
/** States in which the link has answered for the address: REACHABLE, STALE, DELAY, PROBE, PERMANENT. */
const SIGHTED_STATES = NUD.REACHABLE | NUD.STALE | NUD.DELAY | NUD.PROBE | NUD.PERMANENT;

export interface Neighbour {
  ifindex: number;
  addr: Uint8Array;
  state: number;
}

/** Whether a neighbour entry in `state` counts as a sighting (INCOMPLETE and FAILED do not). */
export function sightedState(state: number): boolean {
  return (state & SIGHTED_STATES) !== 0;
}

function dumpRequest(): Uint8Array {
  const req = new Uint8Array(16 + NDMSG_LEN);
  const v = new DataView(req.buffer);
  v.setUint32(0, req.length, true);
  v.setUint16(4, RTM_GETNEIGH, true);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, true);
  v.setUint32(8, 1, true);
  req[16] = AF_INET6;
  return req;
}

function openRoute(flags: number, ns?: string): number {
  const open = () => libc.socket(AF_NETLINK, SOCK_RAW | O.CLOEXEC | flags, NETLINK_ROUTE);
  const fd = ns ? inNamespace(ns, open) : open();
  if (fd < 0) throw new NetlinkError("netlink socket", errno());
  return fd;
}

/** The IPv6 neighbours of the RTM_NEWNEIGH messages in buf[0, n). */
function parse(buf: Uint8Array, n: number, out: Neighbour[]): "more" | "done" {
  const v = new DataView(buf.buffer, buf.byteOffset, n);
  let o = 0;
  while (o + 16 <= n) {
    const len = v.getUint32(o, true);
    const type = v.getUint16(o + 4, true);
    if (len < 16 || o + len > n) break;
    if (type === NLMSG_DONE) return "done";
    if (type === NLMSG_ERROR && len >= 20) {
      const err = -v.getInt32(o + 16, true);
      if (err !== 0) throw new NetlinkError("neighbour dump", err);
    }
    if (type === RTM_NEWNEIGH && len >= 16 + NDMSG_LEN && v.getUint8(o + 16) === AF_INET6) {
      const ifindex = v.getInt32(o + 20, true);
      const state = v.getUint16(o + 24, true);
      let a = o + 16 + NDMSG_LEN;
      while (a + 4 <= o + len) {
        const alen = v.getUint16(a, true);
        if (alen < 4 || a + alen > o + len) break;
        if (v.getUint16(a + 2, true) === NDA_DST && alen === 20) out.push({ ifindex, addr: buf.slice(a + 4, a + 20), state });
        a += (alen + 3) & ~3;
      }
    }
    o += (len + 3) & ~3;
  }
  return "more";
}

/** Every IPv6 neighbour entry the kernel holds now (all interfaces, all states). */
export function dumpNeighbours(ns?: string): Neighbour[] {
  const fd = openRoute(0, ns);
  try {
    const req = dumpRequest();
    if (libc.send(fd, req, req.length, 0) !== req.length) throw new NetlinkError("neighbour dump", errno());
    const buf = new Uint8Array(65536);
    const out: Neighbour[] = [];
    for (;;) {
      const n = libc.recv(fd, buf, buf.length, 0);
      if (n < 0) throw new NetlinkError("neighbour dump (reading)", errno());
      if (n === 0 || parse(buf, n, out) === "done") return out;
    }
  } finally {
    libc.close(fd);
  }
}

/**
 * Deletes the IPv6 neighbour entries of `addrs` on interface `ifindex`, one acknowledged
 * RTM_DELNEIGH each; an entry already gone (ENOENT: the kernel collected it) is skipped, unlike
 * `ip -batch`, whose neighbour commands end the batch at the first failure even with -force.
 * Returns how many entries it deleted.
 */
export function deleteNeighbours(ifindex: number, addrs: readonly Uint8Array[], ns?: string): number {
  const fd = openRoute(0, ns);
  try {
    const req = new Uint8Array(16 + NDMSG_LEN + 20);
    const reply = new Uint8Array(4096);
    const v = new DataView(req.buffer);
    let deleted = 0;
    addrs.forEach((addr, i) => {
      req.fill(0);
      v.setUint32(0, req.length, true);
      v.setUint16(4, RTM_DELNEIGH, true);
      v.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, true);
      v.setUint32(8, i + 1, true);
      req[16] = AF_INET6;
      v.setInt32(20, ifindex, true);
      v.setUint16(28, 20, true);
      v.setUint16(30, NDA_DST, true);
      req.set(addr, 32);
      try {
        transact(fd, req, req.length, reply, "neighbour delete");
        deleted++;
      } catch (e) {
        if (!(e instanceof NetlinkError && e.errno === ENOENT)) throw e;
      }
    });
    return deleted;
  } finally {
    libc.close(fd);
  }
}

/**
 * How many times the kernel refused to create an IPv6 neighbour entry because its table was full
 * ("neighbor table overflow!"): the table_fulls column of /proc/net/stat/ndisc_cache, summed over
 * its per-CPU lines. The table is one for the whole host (every namespace shares
 * net.ipv6.neigh.default.gc_thresh3 of the root namespace), so this counts every namespace's
 * refusals; an address refused an entry is never sighted until it comes back. -1 when unreadable.
 */
export function neighbourTableFulls(statFile = "/proc/net/stat/ndisc_cache"): number {
  let text: string;
  try { text = readFileSync(statFile, "utf8"); } catch { return -1; }
  const lines = text.trim().split("\n");
  const col = lines[0]?.trim().split(/\s+/).indexOf("table_fulls") ?? -1;
  if (col < 0) return -1;
  let sum = 0;
  for (const line of lines.slice(1)) {
    const v = parseInt(line.trim().split(/\s+/)[col] ?? "", 16);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** RTM_NEWNEIGH notifications, read without blocking. */
export class NeighbourEvents {
  private fd: number;
  private readonly buf = new Uint8Array(65536);

  constructor(ns?: string) {
    this.fd = openRoute(O.NONBLOCK, ns);
    const group = new Uint8Array(4);
    new DataView(group.buffer).setUint32(0, RTNLGRP_NEIGH, true);
    if (libc.setsockopt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, 4) !== 0) {
      const e = errno();
      libc.close(this.fd);
      throw new NetlinkError("subscribe to neighbour events", e);
    }
    // A burst of new neighbours (many MNs arriving) must not overflow the socket before the next
    // read: ask for a large buffer (beyond rmem_max as root, else what the limit allows).
    const size = new Uint8Array(4);
    new DataView(size.buffer).setInt32(0, EVENTS_RCVBUF, true);
    if (libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) !== 0) libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUF, size, 4);
    const req = dumpRequest(); // binds the socket to a port id (see above)
    if (libc.send(this.fd, req, req.length, 0) !== req.length) {
      const e = errno();
      libc.close(this.fd);
      throw new NetlinkError("neighbour events: first dump", e);
    }
  }

  /**
   * Reads at most `maxReads` datagrams of notifications into `out`. Returns "lost" when the
   * kernel dropped notifications (the socket's buffer overflowed: dump again), else "ok".
   */
  read(out: Neighbour[], maxReads = 1024): "ok" | "lost" {
    if (this.fd < 0) throw new Error("neighbour socket closed");
    for (let i = 0; i < maxReads; i++) {
      const n = libc.recv(this.fd, this.buf, this.buf.length, MSG_DONTWAIT);
      if (n < 0) {
        const e = errno();
        if (e === E.EAGAIN || e === E.EINTR) return "ok";
        if (e === E.ENOBUFS) return "lost";
        throw new Error(`neighbour events: ${describeErrno(e)}`);
      }
      if (n === 0) return "ok";
      parse(this.buf, n, out);
    }
    return "ok";
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }
}
