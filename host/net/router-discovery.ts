// Router discovery on one access interface (PROTOCOL.md §2.7): a raw ICMPv6 socket bound to the
// device that sends Router Solicitations to all-routers (ff02::2, hop limit 255) and receives
// Router Advertisements with their source and hop limit (IPV6_RECVHOPLIMIT: RFC 4861 §6.1.2
// wants 255, and only the core decides). The bytes go to the core (host/core/nd.ts) as they are.
//
// The socket passes only type 134 (ICMP6_FILTER, RFC 3542 §3.2), so an MN busy with traffic does
// not wake up for other ICMPv6. The kernel verifies the ICMPv6 checksum before a raw socket sees
// a message and fills it in for what we send. recvmsg(2) gets one off-heap buffer holding the
// msghdr, iovec, source address, control data and message, so it never moves.
import { libc, errno, describeErrno, addressAt, O, E, AF_INET6, SOCK_RAW, IPPROTO_IPV6, IPPROTO_ICMPV6, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, MSG_DONTWAIT } from "../libc.js";
import { inNamespace } from "./netlink.js";

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const ICMP6_FILTER = 1;
const IPV6_RECVHOPLIMIT = 51;
const IPV6_HOPLIMIT = 52;
const ND_ROUTER_ADVERT = 134;
const ALL_ROUTERS = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

// Layout of the receive buffer (x86-64: struct msghdr 56 bytes, iovec 16, sockaddr_in6 28).
const MSG = 0, IOV = 64, NAME = 96, NAME_LEN = 28, CONTROL = 128, CONTROL_LEN = 64, DATA = 256;
/** Room for an RA on any link this host serves (the core's scratch holds 4080 bytes). */
export const RA_MAX = 4080;

export interface ReceivedRa { icmp: Uint8Array; source: Uint8Array; hopLimit: number; ifindex: number }

export class RouterDiscoverySocket {
  readonly fd: number;
  private readonly rx = new Uint8Array(DATA + RA_MAX);
  private readonly rxView = new DataView(this.rx.buffer);
  private readonly to = new Uint8Array(28);
  private closed = false;

  /** Opens the socket on `dev` (interface index `ifindex`), in namespace `ns` when given. */
  constructor(readonly dev: string, readonly ifindex: number, ns?: string) {
    const open = () => libc.socket(AF_INET6, SOCK_RAW | O.NONBLOCK | O.CLOEXEC, IPPROTO_ICMPV6);
    const fd = ns ? inNamespace(ns, open) : open();
    if (fd < 0) throw new Error(`raw ICMPv6 socket: ${describeErrno(errno())}`);
    this.fd = fd;
    try {
      this.option(SOL_SOCKET, SO_BINDTODEVICE, new TextEncoder().encode(`${dev}\0`), `SO_BINDTODEVICE ${dev}`);
      // struct icmp6_filter: a bit set blocks that type. Block all but the RA.
      const filter = new Uint8Array(32).fill(0xff);
      new DataView(filter.buffer).setUint32((ND_ROUTER_ADVERT >> 5) * 4, ~(1 << (ND_ROUTER_ADVERT & 31)) >>> 0, true);
      this.option(IPPROTO_ICMPV6, ICMP6_FILTER, filter, "ICMP6_FILTER");
      this.option(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, int32(1), "IPV6_RECVHOPLIMIT");
      this.option(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int32(255), "IPV6_MULTICAST_HOPS");
      this.option(IPPROTO_IPV6, IPV6_MULTICAST_IF, int32(ifindex), "IPV6_MULTICAST_IF");
    } catch (e) {
      libc.close(fd);
      throw e;
    }
    const base = addressAt(this.rx, 0);
    const v = this.rxView;
    v.setBigUint64(MSG + 0, BigInt(base + NAME), true);
    v.setBigUint64(MSG + 16, BigInt(base + IOV), true);
    v.setBigUint64(MSG + 24, 1n, true);
    v.setBigUint64(MSG + 32, BigInt(base + CONTROL), true);
    v.setBigUint64(IOV + 0, BigInt(base + DATA), true);
    v.setBigUint64(IOV + 8, BigInt(RA_MAX), true);
    this.to[0] = AF_INET6; // sa_family, native-endian u16 (little-endian here)
    this.to.set(ALL_ROUTERS, 8);
    new DataView(this.to.buffer).setUint32(24, ifindex, true);
  }

  private option(level: number, name: number, value: Uint8Array, what: string): void {
    if (libc.setsockopt(this.fd, level, name, value, value.length) !== 0) throw new Error(`${what}: ${describeErrno(errno())}`);
  }

  /** Sends a Router Solicitation (the ICMPv6 message, checksum left to the kernel) to ff02::2. */
  solicit(rs: Uint8Array): void {
    if (libc.sendto(this.fd, rs, rs.length, MSG_DONTWAIT, this.to, this.to.length) !== rs.length) {
      throw new Error(`router solicitation on ${this.dev}: ${describeErrno(errno())}`);
    }
  }

  /** The next RA waiting on the socket, or null when none is. */
  receive(): ReceivedRa | null {
    const v = this.rxView;
    v.setUint32(MSG + 8, NAME_LEN, true);
    v.setBigUint64(MSG + 40, BigInt(CONTROL_LEN), true);
    v.setInt32(MSG + 48, 0, true);
    const n = libc.recvmsg(this.fd, addressAt(this.rx, MSG), MSG_DONTWAIT);
    if (n < 0) {
      const e = errno();
      if (e === E.EAGAIN || e === E.EINTR) return null;
      throw new Error(`recvmsg on ${this.dev}: ${describeErrno(e)}`);
    }
    // Walk the control messages for the hop limit (struct cmsghdr: size_t len, int level, int type).
    let hopLimit = -1;
    const controlLen = Number(v.getBigUint64(MSG + 40, true));
    for (let off = 0; off + 16 <= controlLen;) {
      const len = Number(v.getBigUint64(CONTROL + off, true));
      if (len < 16) break;
      if (v.getInt32(CONTROL + off + 8, true) === IPPROTO_IPV6 && v.getInt32(CONTROL + off + 12, true) === IPV6_HOPLIMIT) {
        hopLimit = v.getInt32(CONTROL + off + 16, true);
      }
      off += (len + 7) & ~7;
    }
    return {
      icmp: this.rx.slice(DATA, DATA + n),
      source: this.rx.slice(NAME + 8, NAME + 24),
      hopLimit,
      ifindex: v.getUint32(NAME + 24, true),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc.close(this.fd);
  }
}

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}
