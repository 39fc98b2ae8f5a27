// Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6) for an address the MN just put on a link:
// to all-nodes (ff02::1), hop limit 255, Override set, Solicited clear, with the Target
// Link-Layer Address option. A router that still holds an entry for the address (INCOMPLETE,
// soliciting for a CoA the MN left and came back to, or STALE with an old link-layer address)
// takes the new one at once and sends what it queued, instead of waiting for its next
// solicitation (1 s apart). A router with no entry ignores it (Linux: accept_untracked_na 0).
//
// Raw ICMPv6 socket (the kernel computes the checksum), one per process, through koffi. The
// source is the kernel's choice for ff02::1 on the interface (its link-local address, or the
// CoA while that is still tentative).
import { libc as c, errno, O, AF_INET6, SOCK_RAW, IPPROTO_IPV6, IPPROTO_ICMPV6, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, MSG_DONTWAIT } from "../libc.js";

const ND_NEIGHBOR_ADVERT = 136;
const NA_FLAG_OVERRIDE = 0x20;
const ND_OPT_TARGET_LL_ADDR = 2;
const ALL_NODES = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

export class NeighborAdvertiser {
  private fd = -1;
  private readonly msg = new Uint8Array(32); // NA (24) + option (8)
  private readonly to = new Uint8Array(28); // sockaddr_in6
  private readonly int = new Uint8Array(4);
  private readonly intView = new DataView(this.int.buffer);

  private open(): number {
    if (this.fd >= 0) return this.fd;
    const fd = c.socket(AF_INET6, SOCK_RAW | O.CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) throw new Error(`raw ICMPv6 socket: errno ${errno()}`);
    this.intView.setInt32(0, 255, true);
    if (c.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, this.int, 4) !== 0) {
      const e = errno();
      c.close(fd);
      throw new Error(`IPV6_MULTICAST_HOPS: errno ${e}`);
    }
    this.fd = fd;
    return fd;
  }

  /** Announces `target` (16 bytes) with link-layer address `mac` (6 bytes) on interface `ifindex`. */
  advertise(ifindex: number, target: Uint8Array, mac: Uint8Array): void {
    const fd = this.open();
    this.intView.setInt32(0, ifindex, true);
    if (c.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, this.int, 4) !== 0) throw new Error(`IPV6_MULTICAST_IF ${ifindex}: errno ${errno()}`);
    const m = this.msg;
    m.fill(0);
    m[0] = ND_NEIGHBOR_ADVERT;
    m[4] = NA_FLAG_OVERRIDE;
    m.set(target, 8);
    m[24] = ND_OPT_TARGET_LL_ADDR;
    m[25] = 1; // units of 8 bytes
    m.set(mac, 26);
    const to = this.to;
    to.fill(0);
    to[0] = AF_INET6; // sa_family, native-endian u16 (little-endian here)
    to.set(ALL_NODES, 8);
    new DataView(to.buffer).setUint32(24, ifindex, true); // sin6_scope_id
    if (c.sendto(fd, m, m.length, MSG_DONTWAIT, to, to.length) !== m.length) throw new Error(`neighbor advertisement: errno ${errno()}`);
  }

  close(): void {
    if (this.fd >= 0) c.close(this.fd);
    this.fd = -1;
  }
}

/** The MAC address of `dev` (6 bytes), or null when it has none (from /sys/class/net). */
export function macOf(text: string): Uint8Array | null {
  const parts = text.trim().split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{2}$/i.test(p))) return null;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
